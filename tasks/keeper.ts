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
import type { AllocatorClient } from "../sdk/allocator";
import type { KeeperAction, KeeperEvent } from "../sdk/keeper";
import type { PledgesClient } from "../sdk/pledges";
import {
  type CliEnv,
  formatInt,
  loadDeployment,
  parseOption,
  printJson,
  printLines,
  resolveSigner,
  signerTask,
  type CommonArgs,
  type JsonValue,
} from "./_cli";

interface KeeperArgs extends CommonArgs {
  once: boolean;
  interval: string;
  pool?: string;
  maxPledges?: string;
}

/** One line of output: the JSON object (`--json`) and the text. */
interface Line {
  json: { [key: string]: JsonValue };
  text: string;
}

/** How lines write amounts: the allocator's token, a campaign's token, 18-decimal fixed point. */
interface Formats {
  pool: (raw: bigint) => string;
  /** The formatter of a campaign's token (its decimals read once). */
  campaign: (campaignId: bigint) => Promise<(raw: bigint) => string>;
  fixed: (raw: bigint) => string;
}

/** The signer's clients of the deployment's contracts, and the `--pool` cap in raw tokens. */
async function connectKeeper(
  env: CliEnv,
  args: KeeperArgs,
): Promise<{ account: string; allocator?: AllocatorClient; pledges?: PledgesClient; poolCap?: bigint }> {
  const [{ AllocatorClient }, { PledgesClient }] = await Promise.all([
    import("../sdk/allocator"),
    import("../sdk/pledges"),
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
    poolCap = parseOption("pool", args.pool, (v) => allocator.parseAmount(v));
  }
  return { account, allocator, pledges, poolCap };
}

/** The amount formats of the keeper's lines. */
async function keeperFormats(allocator?: AllocatorClient, pledges?: PledgesClient): Promise<Formats> {
  const { formatUnitsExact } = await import("../sdk/units");
  const decimals = new Map<bigint, number>();
  return {
    pool: (raw) => (allocator ? allocator.formatAmount(raw) : raw.toString()),
    campaign: async (campaignId) => {
      let d = decimals.get(campaignId);
      if (d === undefined && pledges !== undefined) {
        const c = await pledges.contract.getCampaign(campaignId);
        d = (await pledges.tokenInfo(c.token)).decimals;
        decimals.set(campaignId, d);
      }
      const known = d ?? 18;
      return (raw) => formatUnitsExact(raw, known);
    },
    fixed: (raw) => formatUnitsExact(raw, 18),
  };
}

const idOf = (a: { round?: bigint; campaignId?: bigint }): { [k: string]: JsonValue } =>
  a.round !== undefined ? { round: Number(a.round) } : { campaign: Number(a.campaignId ?? 0n) };
const subjectOf = (a: { round?: bigint; campaignId?: bigint }): string =>
  a.round !== undefined ? `round ${a.round}` : `campaign ${a.campaignId ?? 0n}`;

/** The line of an action: skipped or failed, a round matched, a settlement page sent. */
async function actionLine(a: KeeperAction, f: Formats): Promise<Line> {
  if (a.status !== "done") {
    return {
      json: {
        event: "action",
        action: a.kind,
        status: a.status,
        ...idOf(a),
        reason: a.reason,
        attempts: a.attempts,
      },
      text: `${a.status === "skipped" ? "skip  " : "FAILED"}  ${a.kind.padEnd(6)}  ${subjectOf(a)}: ${a.reason}`,
    };
  }
  if (a.kind === "match") {
    return {
      json: {
        event: "action",
        action: "match",
        status: "done",
        round: Number(a.round),
        poolSize: f.pool(a.poolSize),
        distributed: f.pool(a.distributed),
        txHash: a.txHash,
        gasUsed: a.gasUsed.toString(),
        attempts: a.attempts,
      },
      text: `done    match   round ${a.round}  pool ${f.pool(a.poolSize)}  distributed ${f.pool(a.distributed)}  tx ${a.txHash}  gas ${formatInt(a.gasUsed)}`,
    };
  }
  const amount = await f.campaign(a.campaignId);
  const what = a.settled
    ? `settled at h ${f.fixed(a.h ?? 0n)}, pot ${amount(a.pot ?? 0n)}`
    : `page ${formatInt(a.cursor)}/${formatInt(a.pledgeCount)} pledges`;
  return {
    json: {
      event: "action",
      action: "settle",
      status: "done",
      campaign: Number(a.campaignId),
      cursor: Number(a.cursor),
      pledgeCount: Number(a.pledgeCount),
      settled: a.settled,
      ...(a.h !== undefined ? { h: f.fixed(a.h) } : {}),
      ...(a.pot !== undefined ? { pot: amount(a.pot) } : {}),
      txHash: a.txHash,
      gasUsed: a.gasUsed.toString(),
      attempts: a.attempts,
    },
    text: `done    settle  campaign ${a.campaignId}  ${what}  tx ${a.txHash}  gas ${formatInt(a.gasUsed)}`,
  };
}

/** The line of the end of a tick, a retry or a tick's error. */
function eventLine(e: Exclude<KeeperEvent, { type: "action" | "progress" }>): Line {
  if (e.type === "tick") {
    const time = new Date(e.at).toISOString();
    const what =
      e.status === "idle"
        ? "idle: nothing due"
        : e.status === "error"
          ? "error (the line above)"
          : `${e.done} done, ${e.skipped} skipped, ${e.failed} failed`;
    return {
      json: {
        event: "tick",
        action: "tick",
        status: e.status,
        tick: e.tick,
        done: e.done,
        skipped: e.skipped,
        failed: e.failed,
        time,
      },
      text: `tick    #${e.tick}  ${what}  ${time.replace("T", " ").slice(0, 19) + " UTC"}`,
    };
  }
  if (e.type === "retry") {
    return {
      json: {
        event: "retry",
        action: e.kind,
        ...idOf(e),
        attempt: e.attempt,
        delayMs: e.delayMs,
        error: e.error,
      },
      text: `retry   ${e.kind.padEnd(6)}  ${subjectOf(e)}: attempt ${e.attempt} failed (${e.error}); next in ${(e.delayMs / 1000).toFixed(1)} s`,
    };
  }
  return { json: { event: "error", error: e.error }, text: `error   ${e.error}` };
}

/**
 * Prints the keeper's events in the order they arrive (one line each; settlement progress on
 * stderr when it is a terminal and not `--json`). `flush` waits for the last line and clears the
 * progress.
 */
function keeperLog(
  json: boolean,
  f: Formats,
): { onEvent: (e: KeeperEvent) => void; flush: () => Promise<void> } {
  const tty = !json && process.stderr.isTTY === true;
  let progressShown = false;
  const clearProgress = (): void => {
    if (progressShown) process.stderr.write("\r\x1b[2K");
    progressShown = false;
  };
  const print = (line: Line): void => (json ? printJson(line.json) : printLines(line.text));
  let logging: Promise<void> = Promise.resolve();
  const onEvent = (e: KeeperEvent): void => {
    logging = logging.then(async () => {
      if (e.type === "progress") {
        if (!tty || e.pledgeCount < 1n) return;
        process.stderr.write(
          `\r\x1b[2Ksettling campaign ${e.campaignId}: ${formatInt(e.cursor)}/${formatInt(e.pledgeCount)} pledges`,
        );
        progressShown = true;
        return;
      }
      clearProgress();
      print(e.type === "action" ? await actionLine(e.action, f) : eventLine(e));
    });
  };
  return {
    onEvent,
    flush: async () => {
      await logging;
      clearProgress();
    },
  };
}

signerTask(
  "keeper",
  "Run the keeper: matching rounds when due, settlement of campaigns past their deadline",
  "Log one JSON object per line",
)
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
    const { Keeper } = await import("../sdk/keeper");
    const { account, allocator, pledges, poolCap } = await connectKeeper(env, args);
    const log = keeperLog(args.json, await keeperFormats(allocator, pledges));

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
          onEvent: log.onEvent,
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
      await log.flush();
    } finally {
      process.removeListener("SIGINT", stop);
      process.removeListener("SIGTERM", stop);
    }
  });
