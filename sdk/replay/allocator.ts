/**
 * The allocator's events applied to the replay state, with the SDK's math (sdk/math/qf.ts): every
 * gap's per-round Σ√c and weight, every round's W, allocation and matches (with the α mode and cap in
 * force, as `MatchingSettingsUpdated` recorded them), the pool, payments and refunds. An event field
 * that disagrees with the recomputation is recorded as a finding.
 */
import * as qf from "../math/qf";
import { shortHex } from "../ids";
import type { AllocatorEvent, AllocatorEventArgs, EventPosition } from "./events";
import { finding, fx, lc, type AddFinding } from "./findings";
import {
  fmtOf,
  gapOf,
  gapRoundOf,
  roundOf,
  type ContributionRow,
  type Gap,
  type GapRound,
  type ReplayState,
  type Round,
} from "./state";

/** `QuadraticFundingAllocator.MAX_ROUNDS_PER_WITHDRAWAL`. */
export const MAX_ROUNDS_PER_WITHDRAWAL = 32;

export const gapLabel = (id: string): string => `gap ${shortHex(id)}`;

/** w of a gap in a round from the recomputed Σ√c and Σc (the round's full contributions). */
export const weightOf = (s: ReplayState, gr: GapRound): bigint => qf.weight(gr.sumSqrt, gr.direct * s.scale);

/** Whether gap g's weight counts in round r (closing removes rounds ≥ closedRound). */
export const counts = (g: Gap, r: number): boolean => g.closedRound === 0 || r < g.closedRound;

/** W and gaps funded of round r from the replay (every gap with contributions in r that counts). */
export function roundWeight(
  s: ReplayState,
  r: number,
): { totalWeight: bigint; gapsFunded: number; weights: Map<string, bigint> } {
  let totalWeight = 0n;
  let gapsFunded = 0;
  const weights = new Map<string, bigint>();
  for (const g of s.gaps.values()) {
    const gr = g.rounds.get(r);
    if (gr === undefined || !counts(g, r)) continue;
    const w = weightOf(s, gr);
    if (w > 0n) {
      totalWeight += w;
      gapsFunded++;
      weights.set(g.gapId, w);
    }
  }
  return { totalWeight, gapsFunded, weights };
}

/** The match of a gap in a finalised round (its weight at finalisation, after the cap). */
export function matchOf(s: ReplayState, r: Round, gapId: string): bigint {
  const w = r.weights.get(gapId) ?? 0n;
  return qf.matchAfterCap(w, r.totalWeight, r.poolSize, s.scale, r.wholePool, r.capBps);
}

/** Every match allocated to gap g by finalised rounds, paid or not (`getGapFundingStats.matchedTotal`). */
export function matchedTotalOf(s: ReplayState, g: Gap): bigint {
  let unpaid = 0n;
  for (const [r, gr] of g.rounds) {
    const round = s.rounds.get(r);
    if (round?.finalized === true && counts(g, r) && !gr.settled) unpaid += matchOf(s, round, g.gapId);
  }
  return g.matchedPaid + unpaid;
}

/** The fields of a contribution row an event sets (the rest are 0; the id is the next one). */
type RowFields = Pick<
  ContributionRow,
  "tier" | "contributor" | "gapId" | "round" | "amount" | "totalAllocation"
> &
  Partial<
    Pick<
      ContributionRow,
      "matchingAmount" | "recordedContributorRoundTotal" | "recordedGapWeight" | "recordedDirect"
    >
  >;

/** Appends a `gap_funding_contributions` row at `at`. */
function addRow(s: ReplayState, at: EventPosition, fields: RowFields): void {
  s.contributions.push({
    ...at,
    id: s.contributions.length + 1,
    matchingAmount: 0n,
    recordedContributorRoundTotal: 0n,
    recordedGapWeight: 0n,
    recordedDirect: 0n,
    ...fields,
  });
}

type Handler<N extends keyof AllocatorEventArgs> = (
  s: ReplayState,
  a: AllocatorEventArgs[N],
  at: EventPosition,
  add: AddFinding,
) => void;

const gapRegistered: Handler<"GapRegistered"> = (s, a, at, add) => {
  const g = gapOf(s, a.gapId, at);
  const label = gapLabel(g.gapId);
  if (g.registered !== undefined)
    add("gap-event", label, "one registration", "two", `${label} was registered twice.`);
  g.registered = at;
  g.recipient = a.recipient;
  g.metadataURI = a.metadataURI;
};

const gapClosed: Handler<"GapClosed"> = (s, a, at, add) => {
  const g = gapOf(s, a.gapId, at);
  const label = gapLabel(g.gapId);
  const closedRound = Number(a.closedRound);
  if (g.registered === undefined || g.closedRound !== 0) {
    const was = g.registered !== undefined ? "already closed" : "unregistered";
    add(
      "gap-event",
      label,
      "a registered open gap",
      was,
      `${label} was closed but it was not a registered open gap.`,
    );
  }
  if (closedRound !== s.currentRound) {
    const sentence = `${label} closed from round ${closedRound}, but round ${s.currentRound} was open.`;
    add("gap-event", label, s.currentRound, closedRound, sentence);
  }
  g.closedRound = closedRound;
  g.closed = at;
};

const contributionMade: Handler<"ContributionMade"> = (s, a, at, add) => {
  const fmt = fmtOf(s);
  const g = gapOf(s, a.gapId, at);
  const who = lc(a.contributor);
  const r = Number(a.round);
  const amount = a.amount;
  const subject = `${gapLabel(g.gapId)} round ${r}`;
  if (g.registered === undefined || g.closedRound !== 0) {
    const open = g.registered !== undefined;
    const sentence = `A contribution of ${fmt(amount)} went to ${gapLabel(g.gapId)}, which was ${open ? "closed" : "never registered"}.`;
    add(
      "contribution-event",
      subject,
      "an open registered gap",
      open ? "closed gap" : "unregistered gap",
      sentence,
    );
  }
  if (r !== s.currentRound && r !== s.currentRound + 1) {
    const expected = `round ${s.currentRound} or ${s.currentRound + 1}`;
    const sentence = `A contribution was recorded in round ${r} while round ${s.currentRound} was open.`;
    add("contribution-event", subject, expected, r, sentence);
  }
  const gr = gapRoundOf(g, r);
  const old = gr.totals.get(who) ?? 0n;
  const total = old + amount;
  gr.totals.set(who, total);
  gr.sumSqrt += qf.sqrtTerm(total, s.scale) - (old === 0n ? 0n : qf.sqrtTerm(old, s.scale));
  gr.direct += amount;
  g.contributed += amount;
  g.contributions++;
  g.contributors.add(who);
  s.directContributed += amount;
  const round = roundOf(s, r);
  round.contributed += amount;
  round.contributions++;
  const w = weightOf(s, gr);
  if (a.contributorRoundTotal !== total) {
    const [e, f] = [fmt(total), fmt(a.contributorRoundTotal)];
    add("contribution-event", subject, e, f, `${who}'s total in ${subject} is ${e}, the event says ${f}.`);
  }
  if (a.gapWeight !== w) {
    const sentence = `The weight of ${subject} after a contribution is ${fx(w)}, the event says ${fx(a.gapWeight)}.`;
    add("contribution-event", subject, fx(w), fx(a.gapWeight), sentence);
  }
  const list = s.contributionsInTx.get(at.txHash) ?? [];
  list.push({ contributor: who, gapId: g.gapId, amount });
  s.contributionsInTx.set(at.txHash, list);
  addRow(s, at, {
    tier: "direct",
    contributor: a.contributor,
    gapId: g.gapId,
    round: r,
    amount,
    totalAllocation: amount,
    recordedContributorRoundTotal: a.contributorRoundTotal,
    recordedGapWeight: a.gapWeight,
  });
};

const matchingPoolFunded: Handler<"MatchingPoolFunded"> = (s, a, at, add) => {
  const fmt = fmtOf(s);
  s.pool += a.amount;
  s.poolFundings.push({ ...at, funder: a.funder, amount: a.amount, newBalance: a.newBalance });
  if (a.newBalance !== s.pool) {
    const sentence = `After funding ${fmt(a.amount)} the matching pool is ${fmt(s.pool)}, the event says ${fmt(a.newBalance)}.`;
    add("pool-event", "matching pool", fmt(s.pool), fmt(a.newBalance), sentence);
  }
};

const matchingSettingsUpdated: Handler<"MatchingSettingsUpdated"> = (s, a, at) => {
  s.wholePool = a.distributeWholePool;
  s.capBps = a.capBps;
  s.settingsChanges.push({ ...at, distributeWholePool: a.distributeWholePool, capBps: a.capBps });
};

const roundFinalized: Handler<"RoundFinalized"> = (s, a, at, add) => {
  const fmt = fmtOf(s);
  const r = Number(a.round);
  const subject = `round ${r}`;
  if (r !== s.currentRound)
    add(
      "round-event",
      subject,
      s.currentRound,
      r,
      `Round ${r} was finalised while round ${s.currentRound} was open.`,
    );
  const acc = roundOf(s, r);
  if (a.poolSize > s.pool) {
    const sentence = `Round ${r} was finalised with a pool of ${fmt(a.poolSize)} but only ${fmt(s.pool)} was available.`;
    add("round-event", subject, `≤ ${fmt(s.pool)}`, fmt(a.poolSize), sentence);
  }
  const { totalWeight, gapsFunded, weights } = roundWeight(s, r);
  const allocated = qf.allocation(totalWeight, a.poolSize, s.scale, s.wholePool);
  Object.assign(acc, {
    touched: true,
    finalized: true,
    finalizedBy: at,
    poolSize: a.poolSize,
    wholePool: s.wholePool,
    capBps: s.capBps,
    totalWeight,
    gapsFunded,
    allocated,
    weights,
  });
  const recFunded = Number(a.gapsFunded);
  if (a.totalWeight !== totalWeight) {
    const sentence = `Round ${r}'s W is ${fx(totalWeight)}, the event says ${fx(a.totalWeight)}.`;
    add("round-event", subject, fx(totalWeight), fx(a.totalWeight), sentence);
  }
  if (recFunded !== gapsFunded)
    add(
      "round-event",
      subject,
      gapsFunded,
      recFunded,
      `Round ${r} funded ${gapsFunded} gaps, the event says ${recFunded}.`,
    );
  if (a.distributed !== allocated) {
    const sentence = `Round ${r} allocates ${fmt(allocated)}, the event says ${fmt(a.distributed)}.`;
    add("round-event", subject, fmt(allocated), fmt(a.distributed), sentence);
  }
  s.pool -= allocated;
  s.currentRound = r + 1;
};

const gapRoundSettled: Handler<"GapRoundSettled"> = (s, a, at, add) => {
  const fmt = fmtOf(s);
  const g = gapOf(s, a.gapId, at);
  const r = Number(a.round);
  const subject = `${gapLabel(g.gapId)} round ${r}`;
  const { direct, matched } = a;
  const gr = gapRoundOf(g, r);
  const acc = roundOf(s, r);
  acc.touched = true;
  acc.settlements++;
  g.settlements.push({ ...at, round: r, direct, matched });
  const valid = acc.finalized && counts(g, r) && !gr.settled;
  if (!valid) {
    const why = gr.settled
      ? "it was already paid"
      : !acc.finalized
        ? "the round is not finalised"
        : "the round is refundable";
    add(
      "match-event",
      subject,
      "no settlement",
      `direct ${direct}, match ${matched}`,
      `${subject} was paid out but ${why}.`,
    );
  }
  const expectedMatch = valid ? matchOf(s, acc, g.gapId) : 0n;
  if (direct !== gr.direct) {
    const sentence = `${subject} holds ${fmt(gr.direct)} of direct funds, its settlement paid ${fmt(direct)}.`;
    add("match-event", subject, fmt(gr.direct), fmt(direct), sentence);
  }
  if (matched !== expectedMatch) {
    const sentence = `${subject}'s match is ${fmt(expectedMatch)}, its settlement paid ${fmt(matched)}.`;
    add("match-event", subject, fmt(expectedMatch), fmt(matched), sentence);
  }
  if (matched > 0n)
    addRow(s, at, {
      tier: "match",
      contributor: s.context.allocator ?? "",
      gapId: g.gapId,
      round: r,
      amount: matched,
      matchingAmount: matched,
      totalAllocation: direct + matched,
      recordedDirect: direct,
    });
  if (!valid) return;
  gr.settled = true;
  if ((acc.weights.get(g.gapId) ?? 0n) > 0n) {
    acc.paid += expectedMatch;
    acc.gapsSettled++;
  }
  g.matchedPaid += expectedMatch;
  const key = `${at.txHash}:${g.gapId}`;
  const inTx = s.settledInTx.get(key) ?? { amount: 0n, rounds: 0 };
  s.settledInTx.set(key, { amount: inTx.amount + gr.direct + expectedMatch, rounds: inTx.rounds + 1 });
};

const gapFundsWithdrawn: Handler<"GapFundsWithdrawn"> = (s, a, at, add) => {
  const fmt = fmtOf(s);
  const g = gapOf(s, a.gapId, at);
  const label = gapLabel(g.gapId);
  const key = `${at.txHash}:${g.gapId}`;
  const inTx = s.settledInTx.get(key) ?? { amount: 0n, rounds: 0 };
  s.settledInTx.delete(key);
  if (inTx.rounds >= MAX_ROUNDS_PER_WITHDRAWAL) g.mayWalk = true;
  g.withdrawals.push({ ...at, recipient: a.recipient, amount: a.amount });
  if (a.amount !== inTx.amount) {
    const sentence = `A withdrawal of ${label} paid ${fmt(a.amount)}; its rounds add up to ${fmt(inTx.amount)}.`;
    add("withdrawal-event", label, fmt(inTx.amount), fmt(a.amount), sentence);
  }
  if (lc(a.recipient) !== lc(g.recipient)) {
    const sentence = `${label}'s funds went to ${a.recipient}, not its recipient ${g.recipient}.`;
    add("withdrawal-event", label, g.recipient, a.recipient, sentence);
  }
  g.withdrawn += inTx.amount;
};

const matchingReturned: Handler<"MatchingReturned"> = (s, a, _at, add) => {
  const fmt = fmtOf(s);
  const r = Number(a.round);
  const acc = roundOf(s, r);
  acc.touched = true;
  let expected = 0n;
  if (!acc.finalized || acc.swept || acc.gapsSettled !== acc.gapsFunded) {
    const why = acc.swept
      ? "it was swept before"
      : !acc.finalized
        ? "it is not finalised"
        : `only ${acc.gapsSettled} of its ${acc.gapsFunded} funded gaps withdrew`;
    add("sweep-event", `round ${r}`, "no sweep", fmt(a.amount), `Round ${r} was swept but ${why}.`);
  } else {
    expected = acc.allocated - acc.paid;
    acc.swept = true;
    acc.returned = expected;
  }
  if (a.amount !== expected) {
    const sentence = `Round ${r}'s sweep returns ${fmt(expected)}, the event says ${fmt(a.amount)}.`;
    add("sweep-event", `round ${r}`, fmt(expected), fmt(a.amount), sentence);
  }
  s.pool += expected;
};

const contributionRefunded: Handler<"ContributionRefunded"> = (s, a, at, add) => {
  const fmt = fmtOf(s);
  const g = gapOf(s, a.gapId, at);
  const who = lc(a.contributor);
  const r = Number(a.round);
  const subject = `${gapLabel(g.gapId)} round ${r}`;
  const gr = gapRoundOf(g, r);
  g.refunds.push({ ...at, contributor: a.contributor, round: r, amount: a.amount });
  const refundable =
    g.closedRound !== 0 && r >= g.closedRound && !gr.refunded.has(who) ? (gr.totals.get(who) ?? 0n) : 0n;
  if (a.amount !== refundable) {
    const sentence = `${who} was refunded ${fmt(a.amount)} in ${subject}; the refundable amount is ${fmt(refundable)}.`;
    add("refund-event", subject, fmt(refundable), fmt(a.amount), sentence);
  }
  if (refundable === 0n) return;
  addRow(s, at, {
    tier: "refund",
    contributor: a.contributor,
    gapId: g.gapId,
    round: r,
    amount: refundable,
    totalAllocation: refundable,
  });
  gr.refunded.set(who, refundable);
  gr.direct -= refundable;
  g.refunded += refundable;
  // Pots in a gap that closed in time come back to the pledges contract (`reclaimPot`).
  if (who === lc(s.context.pledges ?? "")) s.potRefundsHeld += refundable;
};

/** Applies one allocator event to `s` (in place). */
export function applyAllocatorEvent(s: ReplayState, e: AllocatorEvent): void {
  const add: AddFinding = (kind, subject, expected, actual, sentence) =>
    s.findings.allocator.push(finding(kind, subject, expected, actual, sentence));
  const at = e.position;
  switch (e.name) {
    case "GapRegistered":
      return gapRegistered(s, e.args, at, add);
    case "GapClosed":
      return gapClosed(s, e.args, at, add);
    case "ContributionMade":
      return contributionMade(s, e.args, at, add);
    case "ContributionRefunded":
      return contributionRefunded(s, e.args, at, add);
    case "MatchingPoolFunded":
      return matchingPoolFunded(s, e.args, at, add);
    case "MatchingSettingsUpdated":
      return matchingSettingsUpdated(s, e.args, at, add);
    case "RoundFinalized":
      return roundFinalized(s, e.args, at, add);
    case "GapRoundSettled":
      return gapRoundSettled(s, e.args, at, add);
    case "GapFundsWithdrawn":
      return gapFundsWithdrawn(s, e.args, at, add);
    case "MatchingReturned":
      return matchingReturned(s, e.args, at, add);
    default:
      return; // UpkeepPoolSizeUpdated, PausedSet: no state
  }
}
