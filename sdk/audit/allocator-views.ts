/**
 * Phase 3 of the audit, allocator side: its views, read at the audited block, against the replay
 * (pool, open round, matching settings, gap registry, every round, every gap and gap-round).
 */
import type { QuadraticFundingAllocator } from "../../typechain-types/contracts/QuadraticFundingAllocator";
import { gapLabel } from "../replay";
import { fx, lc } from "../replay/findings";
import { fmtOf, type ReplayState } from "../replay/state";
import type { Field, Findings } from "./compare";
import type { GapLine, RoundLine } from "./types";

/** What the view phase reads with. */
export interface ViewScope {
  s: ReplayState;
  findings: Findings;
  overrides: { blockTag: number };
  /** One step of the comparison phase done. */
  tick: () => void;
}

async function compareGlobals(x: ViewScope, alloc: QuadraticFundingAllocator): Promise<void> {
  const { s, findings, overrides } = x;
  const fmt = fmtOf(s);
  const viewPool = await alloc.matchingPoolBalance(overrides);
  if (viewPool !== s.pool) {
    const sentence = `The matching pool should hold ${fmt(s.pool)}; the allocator reports ${fmt(viewPool)}.`;
    findings.add("pool-state", "matching pool", fmt(s.pool), fmt(viewPool), sentence);
  }
  const viewRound = Number(await alloc.currentRound(overrides));
  if (viewRound !== s.currentRound) {
    const sentence = `Round ${s.currentRound} should be open; the allocator reports round ${viewRound}.`;
    findings.add("round-state", "current round", s.currentRound, viewRound, sentence);
  }
  const [viewWhole, viewCap] = await alloc.matchingSettings(overrides);
  if (viewWhole !== s.wholePool || viewCap !== s.capBps) {
    const sentence = `The matching settings should be wholePool=${s.wholePool}, cap ${s.capBps} bps; the allocator reports wholePool=${viewWhole}, cap ${viewCap} bps.`;
    findings.add(
      "round-state",
      "matching settings",
      `${s.wholePool}/${s.capBps}`,
      `${viewWhole}/${viewCap}`,
      sentence,
    );
  }
  const registered = [...s.gaps.values()].filter((g) => g.registered !== undefined).length;
  const viewCount = Number(await alloc.gapCount(overrides));
  if (viewCount !== registered) {
    const sentence = `${registered} gaps were registered; the allocator reports ${viewCount}.`;
    findings.add("gap-state", "gap registry", registered, viewCount, sentence);
  }
}

async function compareRound(x: ViewScope, alloc: QuadraticFundingAllocator, line: RoundLine): Promise<void> {
  const fmt = fmtOf(x.s);
  const v = await alloc.getRound(line.roundNumber, x.overrides);
  const acc = x.s.rounds.get(line.roundNumber);
  const fields: Field[] = [
    ["status", line.status === "open" ? 1 : 2, Number(v.status)],
    ["total weight", line.totalWeight, v.totalWeight, fx],
    ["gaps funded", BigInt(line.gapsFunded), v.gapsFunded],
  ];
  if (line.status !== "open" && acc !== undefined) {
    fields.push(
      ["pool size", line.poolSize, v.matchingPoolTokens, fmt],
      ["distributed", acc.swept ? acc.paid : acc.allocated, v.distributed, fmt],
      ["claimed", acc.paid, v.claimed, fmt],
      ["gaps settled", BigInt(acc.gapsSettled), v.gapsSettled],
      ["swept", acc.swept, v.swept],
      ["cap", acc.capBps, v.capBps],
      ["whole-pool mode", acc.wholePool, v.distributeWholePool],
      ["finalisation time", BigInt(acc.finalizedBy?.timestamp ?? 0), v.finalizedAt],
    );
  }
  x.findings.compare(
    "round-state",
    `round ${line.roundNumber}`,
    "the allocator",
    fields,
    `Round ${line.roundNumber}'s`,
  );
}

async function compareGapRounds(
  x: ViewScope,
  alloc: QuadraticFundingAllocator,
  line: GapLine,
): Promise<void> {
  const fmt = fmtOf(x.s);
  const subject = gapLabel(line.gapId);
  for (const rl of line.rounds) {
    const [sumSqrt, direct, weight] = await alloc.gapRoundState(line.gapId, rl.round, x.overrides);
    const rs = `${subject} round ${rl.round}`;
    if (sumSqrt !== rl.sumSqrt) {
      const sentence = `${rs}'s Σ√c should be ${fx(rl.sumSqrt)}; the allocator reports ${fx(sumSqrt)}.`;
      x.findings.add("gap-round-state", rs, fx(rl.sumSqrt), fx(sumSqrt), sentence);
    }
    if (direct !== rl.direct) {
      const sentence = `${rs} should hold ${fmt(rl.direct)} of direct funds; the allocator reports ${fmt(direct)}.`;
      x.findings.add("gap-round-state", rs, fmt(rl.direct), fmt(direct), sentence);
    }
    if (weight !== rl.weight) {
      const sentence = `${rs}'s weight should be ${fx(rl.weight)}; the allocator reports ${fx(weight)}.`;
      x.findings.add("gap-round-state", rs, fx(rl.weight), fx(weight), sentence);
    }
    if (rl.status !== "finalized" && rl.status !== "paid") continue;
    const m = await alloc.matchOf(line.gapId, rl.round, x.overrides);
    if (m !== rl.match) {
      const sentence = `${rs}'s match should be ${fmt(rl.match)}; the allocator reports ${fmt(m)}.`;
      x.findings.add("gap-round-state", rs, fmt(rl.match), fmt(m), sentence);
    }
  }
}

async function compareGap(x: ViewScope, alloc: QuadraticFundingAllocator, line: GapLine): Promise<void> {
  const fmt = fmtOf(x.s);
  const subject = gapLabel(line.gapId);
  if (x.s.gaps.get(line.gapId)?.registered === undefined) {
    const sentence = `Events refer to ${subject}, which was never registered.`;
    x.findings.add("gap-event", subject, "a registered gap", "unregistered", sentence);
    return;
  }
  const st = await alloc.getGapFundingStats(line.gapId, x.overrides);
  x.findings.compare("gap-state", subject, "the allocator", [
    ["recipient", lc(line.recipient), lc(st.recipient)],
    ["status", line.status === "active" ? 1 : 2, Number(st.status)],
    ["direct total", line.directTotal, st.directTotal, fmt],
    ["matched total", line.matchedTotal, st.matchedTotal, fmt],
    ["matched paid", line.matchedPaid, st.matchedPaid, fmt],
    ["refunded total", line.refunded, st.refundedTotal, fmt],
    ["contributor count", BigInt(line.contributors), st.contributorCount],
    ["closed round", BigInt(line.closedRound), st.closedRound],
  ]);
  await compareGapRounds(x, alloc, line);
  if (!line.withdrawableInOneCall) return;
  const v = await alloc.withdrawable(line.gapId, x.overrides);
  if (v !== line.withdrawableNow) {
    const sentence = `${subject}'s recipient should be able to withdraw ${fmt(line.withdrawableNow)}; the allocator reports ${fmt(v)}.`;
    x.findings.add("gap-state", subject, fmt(line.withdrawableNow), fmt(v), sentence);
  }
}

/** Compares every allocator view with the replay (one tick for the globals, one per round and gap). */
export async function compareAllocatorViews(
  x: ViewScope,
  alloc: QuadraticFundingAllocator,
  roundLines: RoundLine[],
  gapLines: GapLine[],
): Promise<void> {
  await compareGlobals(x, alloc);
  x.tick();
  for (const line of roundLines) {
    await compareRound(x, alloc, line);
    x.tick();
  }
  for (const line of gapLines) {
    await compareGap(x, alloc, line);
    x.tick();
  }
}
