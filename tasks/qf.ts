/**
 * CLI of the QuadraticFundingAllocator: thin wrappers over sdk/allocator.ts.
 *
 *   npx hardhat qf:gap:register --gap <name> --recipient <address> [--uri <metadata>] --network <net>
 *   npx hardhat qf:gap:close --gap <name>
 *   npx hardhat qf:contribute --gap <name> --amount <tokens>       (permit, or an exact approval, if needed)
 *   npx hardhat qf:fund-pool --amount <tokens>
 *   npx hardhat qf:match --pool <tokens|all>
 *   npx hardhat qf:stats [--gap <name>]
 *   npx hardhat qf:withdraw --gap <name>
 *   npx hardhat qf:refund --gap <name> --round <n>
 *   npx hardhat qf:sweep --round <n>
 *   npx hardhat qf:round [--round <n>]
 *
 * Every task takes `--from <account index or address>` (default 0) and `--json`; see tasks/_cli.ts
 * for the output conventions. Gaps are names (keccak256(utf8(name))) or 0x bytes32 ids.
 */
import type { AllocatorClient, GapRow } from "../sdk/allocator";
import {
  signerTask as qfTask,
  type CliEnv,
  connectAllocator,
  formatInt,
  parseWhole,
  printJson,
  printLines,
  printTx,
  rememberGapNames,
  renderTable,
  utcTime as utc,
  type CommonArgs,
} from "./_cli";

/** How `--gap` is given. */
const GAP_HELP = "Gap name or 0x bytes32 id";

function parseRound(value: string): bigint {
  return parseWhole("round", value, "a round number");
}

/**
 * The human name of a gap, when it can be known: the one given on this machine (tasks/_cli.ts keeps
 * every gap name the CLI was given), or the one its metadata URI carries. Names are checked against
 * the id (keccak256), so a name shown is never another gap's.
 */
async function gapName(qf: AllocatorClient, row: GapRow): Promise<string | undefined> {
  const known = row.name ?? qf.names.nameOf(row.gapId);
  if (known !== undefined) return known;
  const { nameFromMetadataURI } = await import("../sdk/ids");
  const fromURI = nameFromMetadataURI(row.metadataURI, row.gapId);
  if (fromURI !== undefined) qf.names.add(fromURI);
  return fromURI;
}

/** The name shown for a gap in tables: its human name, otherwise its id shortened. */
async function gapLabel(qf: AllocatorClient, row: GapRow): Promise<string> {
  const { shortHex } = await import("../sdk/ids");
  return (await gapName(qf, row)) ?? shortHex(row.gapId);
}

// ─────────────────────────────────────────────── curator

interface RegisterArgs extends CommonArgs {
  gap: string;
  recipient: string;
  uri?: string;
}

qfTask("qf:gap:register", "Register a gap (CURATOR_ROLE)")
  .addParam("gap", GAP_HELP)
  .addParam("recipient", "Address that receives the gap's funds")
  .addOptionalParam("uri", "Metadata URI (default: the gap's name, so tables can show it)")
  .setAction(async (args: RegisterArgs, env: CliEnv) => {
    const { isBytes32 } = await import("../sdk/ids");
    const qf = await connectAllocator(env, args.from);
    const recipient: string = args.recipient;
    if (!env.ethers.isAddress(recipient)) {
      const badChecksum = env.ethers.isAddress(String(recipient).toLowerCase());
      throw new Error(
        `--recipient "${args.recipient}" is not an address${badChecksum ? " (its mixed-case checksum is wrong)" : ""}`,
      );
    }
    const uri = args.uri ?? (isBytes32(args.gap) ? "" : args.gap);
    const r = await qf.registerGap(args.gap, args.recipient, uri);
    rememberGapNames(env, qf.names);
    printTx(
      args.json,
      r,
      { gapId: r.gapId, recipient: r.recipient, metadataURI: r.metadataURI },
      `Registered gap ${args.gap} (${r.gapId}) paying ${r.recipient}`,
    );
  });

interface GapArgs extends CommonArgs {
  gap: string;
}

qfTask("qf:gap:close", "Close a gap: contributions of unfinalised rounds become refundable (CURATOR_ROLE)")
  .addParam("gap", GAP_HELP)
  .setAction(async (args: GapArgs, env: CliEnv) => {
    const qf = await connectAllocator(env, args.from);
    const r = await qf.closeGap(args.gap);
    printTx(
      args.json,
      r,
      { gapId: r.gapId, closedRound: Number(r.closedRound) },
      `Closed gap ${args.gap}; contributions from round ${r.closedRound.toString()} on are refundable`,
    );
  });

// ─────────────────────────────────────────────── contributors

interface AmountArgs extends CommonArgs {
  amount: string;
}

interface ContributeArgs extends AmountArgs {
  gap: string;
}

qfTask(
  "qf:contribute",
  "Contribute tokens to a gap (by permit when the token has it, else approves exactly the amount; nothing when it would fail)",
)
  .addParam("gap", GAP_HELP)
  .addParam("amount", 'Amount in token units, e.g. "12.5"')
  .setAction(async (args: ContributeArgs, env: CliEnv) => {
    const qf = await connectAllocator(env, args.from);
    const r = await qf.contribute(args.gap, qf.parseAmount(args.amount));
    rememberGapNames(env, qf.names);
    printTx(
      args.json,
      r,
      {
        round: Number(r.round),
        gapId: r.gapId,
        contributor: r.contributor,
        amount: qf.formatAmount(r.amount),
        contributorRoundTotal: qf.formatAmount(r.contributorRoundTotal),
        approvalTxHash: r.approvalTxHash ?? null,
        permit: r.permit,
      },
      `${r.contributor} contributed ${qf.formatAmount(r.amount)} ${qf.symbol} to ${args.gap} in round ${r.round.toString()} ` +
        `(its total there: ${qf.formatAmount(r.contributorRoundTotal)} ${qf.symbol})`,
      r.approvalTxHash !== undefined ? ` · approval ${r.approvalTxHash}` : r.permit ? " · by permit" : "",
    );
  });

qfTask("qf:fund-pool", "Add tokens to the matching pool (approves exactly the amount when needed)")
  .addParam("amount", 'Amount in token units, e.g. "1000"')
  .setAction(async (args: AmountArgs, env: CliEnv) => {
    const qf = await connectAllocator(env, args.from);
    const r = await qf.fundPool(qf.parseAmount(args.amount));
    printTx(
      args.json,
      r,
      {
        funder: r.funder,
        amount: qf.formatAmount(r.amount),
        matchingPool: qf.formatAmount(r.newBalance),
        approvalTxHash: r.approvalTxHash ?? null,
      },
      `${r.funder} added ${qf.formatAmount(r.amount)} ${qf.symbol}; the matching pool holds ${qf.formatAmount(r.newBalance)} ${qf.symbol}`,
    );
  });

interface RefundArgs extends GapArgs {
  round: string;
}

qfTask("qf:refund", "Refund your contribution to a closed gap in a round that was not finalised")
  .addParam("gap", GAP_HELP)
  .addParam("round", "Round of the contribution")
  .setAction(async (args: RefundArgs, env: CliEnv) => {
    const round = parseRound(args.round);
    const qf = await connectAllocator(env, args.from);
    const r = await qf.refund(args.gap, round);
    printTx(
      args.json,
      r,
      {
        gapId: r.gapId,
        contributor: r.contributor,
        round: Number(r.round),
        amount: qf.formatAmount(r.amount),
      },
      `Refunded ${qf.formatAmount(r.amount)} ${qf.symbol} to ${r.contributor} (gap ${args.gap}, round ${r.round.toString()})`,
    );
  });

// ─────────────────────────────────────────────── keepers

interface SweepArgs extends CommonArgs {
  round: string;
}

qfTask("qf:sweep", "Return a fully withdrawn round's unpaid dust and cap excess to the pool (anyone)")
  .addParam("round", "A finalised round whose funded gaps have all withdrawn")
  .setAction(async (args: SweepArgs, env: CliEnv) => {
    const qf = await connectAllocator(env, args.from);
    const r = await qf.sweep(parseRound(args.round));
    printTx(
      args.json,
      r,
      { round: Number(r.round), amount: qf.formatAmount(r.amount) },
      `Round ${r.round.toString()} swept: ${qf.formatAmount(r.amount)} ${qf.symbol} back to the matching pool`,
    );
  });

interface MatchArgs extends CommonArgs {
  pool: string;
}

qfTask("qf:match", "Finalise the current matching round with a pool (KEEPER_ROLE)")
  .addParam("pool", 'Matching pool for the round in token units, or "all" for the whole available pool')
  .setAction(async (args: MatchArgs, env: CliEnv) => {
    const qf = await connectAllocator(env, args.from);
    const pool =
      args.pool.trim().toLowerCase() === "all" ? await qf.matchingPool() : qf.parseAmount(args.pool);
    const r = await qf.match(pool);
    const { formatUnitsExact } = await import("../sdk/units");
    printTx(
      args.json,
      r,
      {
        round: Number(r.round),
        poolSize: qf.formatAmount(r.poolSize),
        distributed: qf.formatAmount(r.distributed),
        gapsFunded: Number(r.gapsFunded),
        totalWeight: formatUnitsExact(r.totalWeight, 18),
        nextRoundEndTime: Number(r.nextRoundEndTime),
      },
      `Round ${r.round.toString()} finalised: ${qf.formatAmount(r.distributed)} of ${qf.formatAmount(r.poolSize)} ${qf.symbol} ` +
        `allocated to ${r.gapsFunded.toString()} gap${r.gapsFunded === 1n ? "" : "s"}; the next round ends ${utc(r.nextRoundEndTime)}`,
    );
  });

qfTask("qf:withdraw", "Pay a gap's settled funds (direct + matched) to its recipient; anyone may call")
  .addParam("gap", GAP_HELP)
  .setAction(async (args: GapArgs, env: CliEnv) => {
    const qf = await connectAllocator(env, args.from);
    const r = await qf.withdraw(args.gap);
    printTx(
      args.json,
      r,
      {
        gapId: r.gapId,
        recipient: r.recipient,
        amount: qf.formatAmount(r.amount),
        direct: qf.formatAmount(r.direct),
        matched: qf.formatAmount(r.matched),
        rounds: r.rounds.map((x) => ({
          round: Number(x.round),
          direct: qf.formatAmount(x.direct),
          matched: qf.formatAmount(x.matched),
        })),
        more: r.more,
      },
      `Paid ${qf.formatAmount(r.amount)} ${qf.symbol} to ${r.recipient} (${qf.formatAmount(r.direct)} direct + ` +
        `${qf.formatAmount(r.matched)} matched, ${r.rounds.length} round${r.rounds.length === 1 ? "" : "s"})` +
        (r.more ? " — more rounds remain, run it again" : ""),
    );
  });

// ─────────────────────────────────────────────── views

interface StatsArgs extends CommonArgs {
  gap?: string;
}

qfTask("qf:stats", "Funding of every gap (or one) and the system totals")
  .addOptionalParam("gap", "Only this gap (name or 0x bytes32 id)")
  .setAction(async (args: StatsArgs, env: CliEnv) => {
    const qf = await connectAllocator(env, args.from);
    const s = await qf.stats({ gap: args.gap });
    if (args.json) {
      const names = await Promise.all(s.gaps.map((g) => gapName(qf, g)));
      const { allocatorStatsJson } = await import("../sdk/allocator-json");
      printJson(allocatorStatsJson(s, names, qf.decimals));
      return;
    }
    const { formatUnitsDisplay } = await import("../sdk/units");
    const { shortHex } = await import("../sdk/ids");
    const show = (raw: bigint): string => formatUnitsDisplay(raw, qf.decimals, 2);
    const rows: string[][] = [];
    for (const g of s.gaps) {
      rows.push([
        await gapLabel(qf, g),
        shortHex(g.recipient),
        g.status,
        show(g.directTotal),
        show(g.matchedTotal),
        show(g.withdrawable),
        formatInt(g.contributorCount),
        show(g.currentRoundDirect),
        show(g.estimatedMatch),
      ]);
    }
    const next =
      s.contributionRound !== s.round
        ? ` (its window has ended; contributions now count in round ${s.contributionRound.toString()})`
        : "";
    printLines(
      `Round ${s.round.toString()} open${next} · matching pool ${show(s.matchingPool)} ${qf.symbol}`,
      "",
      renderTable(
        [
          "gap",
          "recipient",
          "status",
          "direct",
          "matched",
          "withdrawable",
          "contributors",
          "this round",
          "est. match",
        ],
        rows,
        ["l", "l", "l", "r", "r", "r", "r", "r", "r"],
      ),
      "",
      `totals: ${formatInt(s.totals.gapCount)} gap${s.totals.gapCount === 1n ? "" : "s"} · direct ${show(s.totals.directTotal)} ${qf.symbol} · matched ${show(s.totals.matchedTotal)} ${qf.symbol}`,
    );
  });

interface RoundArgs extends CommonArgs {
  round?: string;
}

qfTask("qf:round", "A matching round (default: the open one)")
  .addOptionalParam("round", "Round number")
  .setAction(async (args: RoundArgs, env: CliEnv) => {
    const qf = await connectAllocator(env, args.from);
    const r = await qf.round(args.round === undefined ? undefined : parseRound(args.round));
    const { formatUnitsExact } = await import("../sdk/units");
    if (args.json) {
      printJson({
        round: Number(r.round),
        status: r.status,
        matchingPoolTokens: qf.formatAmount(r.matchingPoolTokens),
        gapsFunded: Number(r.gapsFunded),
        totalWeight: formatUnitsExact(r.totalWeight, 18),
        distributed: qf.formatAmount(r.distributed),
        claimed: qf.formatAmount(r.claimed),
        gapsSettled: Number(r.gapsSettled),
        startTime: Number(r.startTime),
        endTime: Number(r.endTime),
        finalizedAt: Number(r.finalizedAt),
        capBps: Number(r.capBps),
        distributeWholePool: r.distributeWholePool,
      });
      return;
    }
    if (r.status === "None") {
      printLines(
        `Round ${r.round.toString()} has not started (the open round is ${(await qf.round()).round.toString()})`,
      );
      return;
    }
    printLines(
      `Round ${r.round.toString()}: ${r.status}`,
      `  window        ${utc(r.startTime)} → ${utc(r.endTime)}`,
      `  finalised     ${utc(r.finalizedAt)}`,
      `  pool          ${qf.formatAmount(r.matchingPoolTokens)} ${qf.symbol}`,
      `  total weight  ${formatUnitsExact(r.totalWeight, 18)}`,
      `  distributed   ${qf.formatAmount(r.distributed)} ${qf.symbol} to ${r.gapsFunded.toString()} gaps (claimed ${qf.formatAmount(r.claimed)}, ${r.gapsSettled.toString()} settled)`,
      `  settings      ${r.distributeWholePool ? "whole pool" : "α = min(1, P/W)"}${r.capBps !== 0n ? `, cap ${r.capBps.toString()} bps` : ""}`,
    );
  });
