/**
 * The keeper service (sdk/keeper.ts) as a CLI:
 *
 *   npx hardhat keeper --network <name> [--once] [--interval <seconds>] [--pool <tokens>]
 *                      [--max-pledges <n>] [--json] [--from <account>]
 *
 * Each tick finalises the allocator's matching round when it is due (pool: `--pool` tokens, default
 * the whole available matching pool) and settles every pledge campaign past its deadline, in pages.
 * Prints one line per action (what, round or campaign, tx hash, gas) — with `--json` one JSON object
 * per line, amounts in token units, `gasUsed` as a decimal string — one line per retry, and one line
 * at the end of every tick, idle ones included (`--json`: `{"event":"tick","action":"tick","status":
 * "idle"|"done"|"failed"|"error","tick":n,"done":…,"skipped":…,"failed":…,"time":ISO-8601}`), so an
 * operator can tell the keeper is alive. Settling
 * shows progress on stderr when it is a terminal (never with `--json`). SIGINT/SIGTERM: abandons the
 * current wait (or finishes the current transaction) and exits 0. `--from` needs KEEPER_ROLE on the
 * allocator; otherwise the keeper refuses to start with a readable message (exit 1).
 */
import type { KeeperAction, KeeperEvent } from "../sdk/keeper";
import {
  cliTask,
  type CliEnv,
  formatInt,
  loadDeployment,
  printJson,
  printLines,
  resolveSigner,
  type CommonArgs,
  type JsonValue,
} from "./_cli";

interface KeeperArgs extends CommonArgs {
  once: boolean;
  interval: string;
  pool?: string;
  maxPledges?: string;
}

cliTask("keeper", "Run the keeper: matching rounds when due, settlement of campaigns past their deadline")
  .addOptionalParam("from", "Signer: account index or address", "0")
  .addFlag("json", "Log one JSON object per line")
  .addFlag("once", "Do one tick and exit")
  .addOptionalParam("interval", "Seconds between ticks", "60")
  .addOptionalParam("pool", "Largest matching pool per round, in tokens (default: the whole pool)")
  .addOptionalParam("maxPledges", "Pledges per settlement transaction (default: the contract's cap)")
  .setAction(async (args: KeeperArgs, env: CliEnv) => {
    const interval = Number(args.interval);
    if (!/^\d+(\.\d+)?$/.test(args.interval.trim()) || !(interval > 0)) {
      throw new Error(`--interval "${args.interval}" is not a positive number of seconds`);
    }
    // --max-pledges is checked (a whole number ≥ 1) for every task by tasks/_cli.ts.
    const [{ Keeper }, { AllocatorClient }, { PledgesClient }, { formatUnitsExact }] = await Promise.all([
      import("../sdk/keeper"),
      import("../sdk/allocator"),
      import("../sdk/pledges"),
      import("../sdk/units"),
    ]);
    const deployment = await loadDeployment(env);
    const signer = await resolveSigner(env, args.from);
    const account = await signer.getAddress();
    const allocator =
      deployment.allocator !== undefined
        ? await AllocatorClient.connect(deployment.allocator, signer)
        : undefined;
    const pledges =
      deployment.pledges !== undefined ? await PledgesClient.connect(deployment.pledges, signer) : undefined;
    if (allocator === undefined && pledges === undefined) {
      throw new Error(`The cofund deployment for network ${env.network.name} has neither contract`);
    }
    let poolCap: bigint | undefined;
    if (args.pool !== undefined) {
      if (allocator === undefined) throw new Error("--pool: this deployment has no allocator");
      try {
        poolCap = allocator.parseAmount(args.pool);
      } catch (e) {
        throw new Error(`--pool "${args.pool}": ${e instanceof Error ? e.message : String(e)}`, {
          cause: e,
        });
      }
    }

    // ── output
    const tty = !args.json && process.stderr.isTTY === true;
    let progressShown = false;
    const clearProgress = (): void => {
      if (progressShown) process.stderr.write("\r\x1b[2K");
      progressShown = false;
    };
    const decimals = new Map<bigint, number>();
    const campaignDecimals = async (campaignId: bigint): Promise<number> => {
      const known = decimals.get(campaignId);
      if (known !== undefined || pledges === undefined) return known ?? 18;
      const c = await pledges.contract.getCampaign(campaignId);
      const d = (await pledges.tokenInfo(c.token)).decimals;
      decimals.set(campaignId, d);
      return d;
    };
    const poolUnits = (raw: bigint): string => (allocator ? allocator.formatAmount(raw) : raw.toString());
    const fixed = (raw: bigint): string => formatUnitsExact(raw, 18);
    const id = (a: { round?: bigint; campaignId?: bigint }): { [k: string]: JsonValue } =>
      a.round !== undefined ? { round: Number(a.round) } : { campaign: Number(a.campaignId ?? 0n) };
    const subject = (a: { round?: bigint; campaignId?: bigint }): string =>
      a.round !== undefined ? `round ${a.round}` : `campaign ${a.campaignId ?? 0n}`;

    const logAction = async (a: KeeperAction): Promise<void> => {
      clearProgress();
      if (a.status !== "done") {
        if (args.json) {
          printJson({
            event: "action",
            action: a.kind,
            status: a.status,
            ...id(a),
            reason: a.reason,
            attempts: a.attempts,
          });
        } else {
          printLines(
            `${a.status === "skipped" ? "skip  " : "FAILED"}  ${a.kind.padEnd(6)}  ${subject(a)}: ${a.reason}`,
          );
        }
        return;
      }
      if (a.kind === "match") {
        if (args.json) {
          printJson({
            event: "action",
            action: "match",
            status: "done",
            round: Number(a.round),
            poolSize: poolUnits(a.poolSize),
            distributed: poolUnits(a.distributed),
            txHash: a.txHash,
            gasUsed: a.gasUsed.toString(),
            attempts: a.attempts,
          });
        } else {
          printLines(
            `done    match   round ${a.round}  pool ${poolUnits(a.poolSize)}  distributed ${poolUnits(a.distributed)}  tx ${a.txHash}  gas ${formatInt(a.gasUsed)}`,
          );
        }
        return;
      }
      const d = await campaignDecimals(a.campaignId);
      if (args.json) {
        printJson({
          event: "action",
          action: "settle",
          status: "done",
          campaign: Number(a.campaignId),
          cursor: Number(a.cursor),
          pledgeCount: Number(a.pledgeCount),
          settled: a.settled,
          ...(a.h !== undefined ? { h: fixed(a.h) } : {}),
          ...(a.pot !== undefined ? { pot: formatUnitsExact(a.pot, d) } : {}),
          txHash: a.txHash,
          gasUsed: a.gasUsed.toString(),
          attempts: a.attempts,
        });
      } else {
        const what = a.settled
          ? `settled at h ${fixed(a.h ?? 0n)}, pot ${formatUnitsExact(a.pot ?? 0n, d)}`
          : `page ${formatInt(a.cursor)}/${formatInt(a.pledgeCount)} pledges`;
        printLines(
          `done    settle  campaign ${a.campaignId}  ${what}  tx ${a.txHash}  gas ${formatInt(a.gasUsed)}`,
        );
      }
    };

    // Events arrive synchronously; log them in order.
    let logging: Promise<void> = Promise.resolve();
    const onEvent = (e: KeeperEvent): void => {
      logging = logging.then(async () => {
        if (e.type === "action") return logAction(e.action);
        if (e.type === "progress") {
          if (!tty || e.pledgeCount < 1n) return;
          process.stderr.write(
            `\r\x1b[2Ksettling campaign ${e.campaignId}: ${formatInt(e.cursor)}/${formatInt(e.pledgeCount)} pledges`,
          );
          progressShown = true;
          return;
        }
        clearProgress();
        if (e.type === "tick") {
          const time = new Date(e.at).toISOString();
          if (args.json) {
            printJson({
              event: "tick",
              action: "tick",
              status: e.status,
              tick: e.tick,
              done: e.done,
              skipped: e.skipped,
              failed: e.failed,
              time,
            });
          } else {
            const when = time.replace("T", " ").slice(0, 19) + " UTC";
            const what =
              e.status === "idle"
                ? "idle: nothing due"
                : e.status === "error"
                  ? "error (the line above)"
                  : `${e.done} done, ${e.skipped} skipped, ${e.failed} failed`;
            printLines(`tick    #${e.tick}  ${what}  ${when}`);
          }
          return;
        }
        if (e.type === "retry") {
          if (args.json) {
            printJson({
              event: "retry",
              action: e.kind,
              ...id(e),
              attempt: e.attempt,
              delayMs: e.delayMs,
              error: e.error,
            });
          } else {
            printLines(
              `retry   ${e.kind.padEnd(6)}  ${subject(e)}: attempt ${e.attempt} failed (${e.error}); next in ${(e.delayMs / 1000).toFixed(1)} s`,
            );
          }
          return;
        }
        if (args.json) printJson({ event: "error", error: e.error });
        else printLines(`error   ${e.error}`);
      });
    };

    // ── signals: abandon the wait (or stop after the current transaction) and exit 0
    const controller = new AbortController();
    const stop = (): void => controller.abort();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    try {
      const build = (withAllocator: boolean): InstanceType<typeof Keeper> =>
        Keeper.fromClients({
          ...(allocator !== undefined && withAllocator ? { allocator } : {}),
          ...(pledges !== undefined ? { pledges } : {}),
          account,
          ...(poolCap !== undefined ? { poolCap } : {}),
          ...(args.maxPledges !== undefined ? { maxPledges: BigInt(args.maxPledges.trim()) } : {}),
          onEvent,
          signal: controller.signal,
        });
      let keeper = build(true);
      const problem = await keeper.checkRole();
      if (problem !== undefined) {
        // Settlement is permissionless: without KEEPER_ROLE the keeper still settles campaigns.
        if (pledges === undefined) throw new Error(problem);
        if (args.json) printJson({ event: "warning", warning: `${problem}; settling campaigns only` });
        else process.stderr.write(`warning: ${problem}; settling campaigns only\n`);
        keeper = build(false);
      }
      if (args.once) {
        await keeper.tick();
      } else {
        if (!args.json) {
          process.stderr.write(
            `keeper ${account} on ${env.network.name}: ticking every ${interval} s (Ctrl-C to stop)\n`,
          );
        }
        await keeper.run(interval * 1000);
      }
      await logging;
      clearProgress();
    } finally {
      process.removeListener("SIGINT", stop);
      process.removeListener("SIGTERM", stop);
    }
  });
