/**
 * A typed off-chain model of the two contracts for the invariant fuzzer. It is built only from the
 * actions the fuzzer sends, the events of their receipts and the SDK's exact bigint mirrors
 * (sdk/math/qf.ts, sdk/math/pledges.ts): it never reads contract storage. From it the invariants
 * know what each contract owes, who was paid what, and the value every view must return.
 *
 * `predict*` and `preview*` methods decide, before a transaction is sent, whether it must revert (and
 * with which custom error) or succeed (and with which payments); a successful action is applied by
 * feeding its receipt's events to the replay.
 *
 * The model feeds every receipt's events into the SDK's one event replay (sdk/replay/, what the
 * indexer's tables and the auditor are built from): its gaps, gap-rounds, rounds, campaigns and
 * pledges are the replay's entities, and the predictions read them. The harness requires the replay
 * to find nothing wrong with any receipt and to owe, per contract, exactly what the model owes.
 */
import * as qf from "../../sdk/math/qf";
import * as pm from "../../sdk/math/pledges";
import {
  apply,
  counts,
  emptyState,
  escrowOf,
  lc,
  speedRule,
  matchOf,
  roundWeight,
  weightOf,
  type Campaign,
  type CofundEvent,
  type Discrepancy,
  type Gap,
  type Pledge,
  type ReplayState,
  type Round,
} from "../../sdk/replay";
import { owedOf } from "../../sdk/audit/lines";

/** The allocator's round duration in the fuzz deployment (seconds). */
export const ROUND = 6n * 3600n;
/** `CoordinatedPledges.SETTLEMENT_GRACE_PERIOD`. */
export const GRACE = 30n * 86_400n;

/** A prediction: the custom error the transaction must revert with, or success. */
export type Verdict = { error: string } | { error: null };
export const ok: Verdict = { error: null };
export const fail = (error: string): { error: string } => ({ error });

/** One token movement out of a contract, as its event reported it, with the model's prediction. */
export interface Payment {
  /** Identifies what was paid: paying the same key twice is a double payment. */
  key: string;
  to: string;
  /** What the mirror predicted (−1 when the model predicted no such payment). */
  expected: bigint;
  /** What the event says was paid. */
  actual: bigint;
  /** For pledge payments: the pledge's limit (payment ≤ limit). */
  limit?: bigint;
  /** For allocator matches: the round. */
  round?: bigint;
}

const sum = (xs: Iterable<bigint>): bigint => {
  let s = 0n;
  for (const x of xs) s += x;
  return s;
};

// ─────────────────────────────────────────────── allocator

/**
 * The allocator side: gaps, gap-rounds and rounds are the replay's entities (sdk/replay/state.ts),
 * fed by the receipts; predictions and what is owed are the model's, read from them with the replay's
 * helpers (weightOf, roundWeight, matchOf, matchedTotalOf, counts). Rounds are bigints here (the
 * contract's), numbers in the replay. Not in the replay, so kept here: the pause flag (the replay
 * ignores `PausedSet`) and when round 1 ends (the deployment emits no event with its start).
 */
export class AllocatorModel {
  paused = false;

  constructor(
    readonly address: string,
    readonly replay: ReplayState,
    readonly deployedAt: bigint,
    /** Lower-case gap id → the fuzzer's name for it (payment keys and view keys use names). */
    private readonly names: ReadonlyMap<string, string>,
  ) {}

  get scale(): bigint {
    return this.replay.scale;
  }

  get decimals(): number {
    return this.replay.decimals;
  }

  get currentRound(): bigint {
    return BigInt(this.replay.currentRound);
  }

  /** When the open round ends: ROUND after the previous round's finalisation (or the deployment). */
  get currentEnd(): bigint {
    const previous = this.replay.rounds.get(this.replay.currentRound - 1)?.finalizedBy;
    return (previous === undefined ? this.deployedAt : BigInt(previous.timestamp)) + ROUND;
  }

  get pool(): bigint {
    return this.replay.pool;
  }

  get wholePool(): boolean {
    return this.replay.wholePool;
  }

  get capBps(): bigint {
    return this.replay.capBps;
  }

  /** Registered gaps, in registration order. */
  get gaps(): Gap[] {
    return [...this.replay.gaps.values()].filter((g) => g.registered !== undefined);
  }

  /** The registered gap the fuzzer calls `name`. */
  gap(name: string): Gap | undefined {
    return this.gaps.find((g) => this.nameOf(g) === name);
  }

  nameOf(g: Gap): string {
    return this.names.get(g.gapId) ?? g.gapId;
  }

  /** Round r once finalised. */
  round(r: bigint): Round | undefined {
    const acc = this.replay.rounds.get(Number(r));
    return acc?.finalized === true ? acc : undefined;
  }

  /** Every finalised round, in round order. */
  get finalized(): [bigint, Round][] {
    return [...this.replay.rounds.values()]
      .filter((acc) => acc.finalized)
      .sort((x, y) => x.roundNumber - y.roundNumber)
      .map((acc) => [BigInt(acc.roundNumber), acc]);
  }

  contributionRound(ts: bigint): bigint {
    return ts < this.currentEnd ? this.currentRound : this.currentRound + 1n;
  }

  /** A gap's Σ√c, direct (net of refunds) and weight in a round, as replayed. */
  gapRound(g: Gap, r: bigint): qf.GapRoundState {
    const gr = g.rounds.get(Number(r));
    if (!gr) return { sumSqrt: 0n, direct: 0n, weight: 0n };
    return { sumSqrt: gr.sumSqrt, direct: gr.direct, weight: weightOf(this.replay, gr) };
  }

  /** Whether gap g's weight in round r counts in matching (not removed by closing the gap). */
  counts(g: Gap, r: bigint): boolean {
    return counts(g, Number(r));
  }

  /** W and the number of funded gaps of round r, from the gaps' weights now. */
  roundWeight(r: bigint): { totalWeight: bigint; gapsFunded: number } {
    const { totalWeight, gapsFunded } = roundWeight(this.replay, Number(r));
    return { totalWeight, gapsFunded };
  }

  /** The match of gap g in finalised round r (after the cap), 0 otherwise. */
  matchOf(g: Gap, r: bigint): bigint {
    const acc = this.round(r);
    return acc && this.counts(g, r) ? matchOf(this.replay, acc, g.gapId) : 0n;
  }

  /** The match the recipient was paid for round r (its `GapRoundSettled`), 0 before. */
  matchPaid(g: Gap, r: bigint): bigint {
    return g.settlements.find((x) => BigInt(x.round) === r)?.matched ?? 0n;
  }

  /** Rounds `withdrawGapFunds` would settle now, newest first. */
  settleable(g: Gap): bigint[] {
    return [...g.rounds.entries()]
      .filter(([r, gr]) => !gr.settled && this.round(BigInt(r)) && counts(g, r))
      .map(([r]) => BigInt(r))
      .sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
  }

  /** The round's allocation as `getRound().distributed` reports it. */
  distributed(r: bigint): bigint {
    const acc = this.round(r);
    if (!acc) return 0n;
    return acc.swept ? acc.paid : acc.allocated;
  }

  /** What the allocator owes: the pool, every direct contribution not paid out or refunded, and the
   * allocation of every finalised round not yet paid nor swept back. */
  owed(): bigint {
    let owed = this.pool;
    for (const g of this.replay.gaps.values()) {
      for (const gr of g.rounds.values()) if (!gr.settled) owed += gr.direct;
    }
    for (const [, acc] of this.finalized) if (!acc.swept) owed += acc.allocated - acc.paid;
    return owed;
  }

  /** `contributionOf`: kept for the contributor's two latest rounds with the gap. */
  contributionOf(g: Gap, who: string, r: bigint): bigint {
    const key = lc(who);
    const mine = [...g.rounds.entries()]
      .filter(([, gr]) => gr.totals.has(key))
      .map(([round]) => round)
      .sort((a, b) => b - a)
      .slice(0, 2);
    const gr = g.rounds.get(Number(r));
    if (!mine.includes(Number(r)) || !gr) return 0n;
    return (gr.totals.get(key) ?? 0n) - (gr.refunded.get(key) ?? 0n);
  }

  // ── predictions (from the state before the transaction; its receipt then feeds the replay)

  predictContribute(gap: Gap | undefined, amount: bigint): Verdict {
    if (amount === 0n) return fail("ZeroAmount");
    if (this.paused) return fail("ContractPaused");
    if (!gap) return fail("UnknownGap");
    if (gap.closedRound !== 0) return fail("GapIsClosed");
    return ok;
  }

  predictFinalize(poolSize: bigint, ts: bigint): Verdict {
    if (this.paused) return fail("ContractPaused");
    if (ts < this.currentEnd) return fail("RoundNotOver");
    if (poolSize > this.pool) return fail("PoolTooSmall");
    return ok;
  }

  /** The round a successful finalisation closes and the raw tokens it takes from the pool. */
  previewFinalize(poolSize: bigint): { round: bigint; allocated: bigint } {
    const round = this.currentRound;
    const W = this.roundWeight(round).totalWeight;
    return { round, allocated: qf.allocation(W, poolSize, this.scale, this.wholePool) };
  }

  predictWithdraw(gap: Gap | undefined): Verdict {
    if (!gap) return fail("UnknownGap");
    if (this.settleable(gap).length === 0) return fail("NothingToWithdraw");
    return ok;
  }

  /** What a withdrawal pays: each settleable round's (direct, match). */
  previewWithdraw(gap: Gap): Map<bigint, { direct: bigint; matched: bigint }> {
    const out = new Map<bigint, { direct: bigint; matched: bigint }>();
    for (const r of this.settleable(gap))
      out.set(r, { direct: this.gapRound(gap, r).direct, matched: this.matchOf(gap, r) });
    return out;
  }

  /** A refund pays `contributionOf(gap, who, r)`. */
  predictRefund(gap: Gap | undefined, who: string, r: bigint): Verdict {
    if (!gap) return fail("UnknownGap");
    if (gap.closedRound === 0) return fail("GapNotClosed");
    if (r < BigInt(gap.closedRound) || this.contributionOf(gap, who, r) === 0n)
      return fail("NothingToRefund");
    return ok;
  }

  predictSweep(r: bigint): Verdict {
    const acc = this.round(r);
    if (!acc) return fail("RoundNotFinalized");
    if (acc.swept) return fail("RoundAlreadySwept");
    if (acc.gapsSettled !== this.roundWeight(r).gapsFunded) return fail("GapsUnsettled");
    return ok;
  }

  /** What a sweep of finalised round r returns to the pool. */
  previewSweep(r: bigint): bigint {
    const acc = this.round(r);
    if (!acc) throw new Error("model: sweep of an open round");
    return acc.allocated - acc.paid;
  }
}

// ─────────────────────────────────────────────── pledges

/** A campaign and a pledge are the replay's entities (sdk/replay/state.ts), fed by the receipts. */
export type CampaignModel = Campaign;
export type PledgeModel = Pledge;

/** The replay the model feeds with every receipt's events (the world's one token for every campaign). */
export function newReplay(allocator: string, pledges: string, decimals: number): ReplayState {
  return emptyState({ allocator, pledges, allocatorDecimals: decimals, decimalsOf: () => decimals });
}

/** The pledges side: campaigns and pledges are the replay's; predictions and what is owed are the model's. */
export class PledgesModel {
  readonly scale: bigint;

  constructor(
    readonly address: string,
    decimals: number,
    readonly replay: ReplayState,
  ) {
    this.scale = 10n ** BigInt(18 - decimals);
  }

  /** Every campaign, in id order. */
  get campaigns(): CampaignModel[] {
    return [...this.replay.campaigns.values()];
  }

  get(id: bigint): CampaignModel | undefined {
    return this.replay.campaigns.get(Number(id));
  }

  /** The campaign as the SDK's exact mirror sees it. */
  math(c: CampaignModel): pm.CampaignMath {
    return {
      mode: c.mode,
      scale: this.scale,
      pledges: c.pledges.map((p) => ({ limit: p.limit, speed: p.speed, active: p.state !== "withdrawn" })),
    };
  }

  /** Raw tokens of the pledges that are not withdrawn (`getCampaign().escrow`). */
  escrow(c: CampaignModel): bigint {
    return escrowOf(c);
  }

  /** Pledge i's payment in the settled campaign (0 unless settled with h > 0). */
  paymentOf(c: CampaignModel, p: PledgeModel): bigint {
    if (c.state !== "settled" || c.h === 0n || p.state === "withdrawn") return 0n;
    return pm.paymentAt(p.limit, p.speed, c.h);
  }

  /** What the contract owes for one campaign. */
  owedBy(c: CampaignModel): bigint {
    if (c.state === "open") return this.escrow(c);
    const unclaimed = c.pledges.filter((p) => p.state === "active");
    if (c.state === "cancelled") return sum(unclaimed.map((p) => p.limit));
    return sum(unclaimed.map((p) => p.limit - this.paymentOf(c, p))) + (c.potClaimed ? 0n : c.pot);
  }

  owed(): bigint {
    return sum(this.campaigns.map((c) => this.owedBy(c)));
  }

  openBeforeDeadline(c: CampaignModel, ts: bigint): Verdict {
    if (c.state !== "open") return fail("InvalidCampaignState");
    if (ts >= c.deadline) return fail("DeadlinePassed");
    return ok;
  }

  /** `who`'s active pledge in `c` (one pledge per address per campaign), or -1. */
  pledgeOf(c: CampaignModel, who: string): number {
    return c.pledges.findIndex((p) => p.pledger === who && p.state === "active");
  }

  predictPledge(c: CampaignModel | undefined, who: string, limit: bigint, ts: bigint): Verdict {
    if (!c) return fail("UnknownCampaign");
    const v = this.openBeforeDeadline(c, ts);
    if (v.error) return v;
    // A raise of who's active pledge needs only limit > 0 (the combined limit meets the minimum).
    if (limit === 0n || (this.pledgeOf(c, who) < 0 && limit < c.minLimit)) return fail("LimitTooSmall");
    if ((this.escrow(c) + limit) * this.scale > pm.MAX_ESCROW) return fail("LimitTooLarge");
    return ok;
  }

  /**
   * What a pledge will be: a new pledge (the policy's speed: the next slot's, or limit-sqrt's for its
   * limit), or a raise of who's active pledge (same id, no speed slot taken; limit-sqrt re-speeds it).
   */
  previewPledge(
    c: CampaignModel,
    who: string,
    limit: bigint,
  ): { pledgeId: bigint; speed: bigint; raised: boolean; newLimit: bigint } {
    const mine = this.pledgeOf(c, who);
    const p = c.pledges[mine];
    const rule = speedRule(c);
    if (p !== undefined) {
      const newLimit = p.limit + limit;
      return {
        pledgeId: BigInt(mine),
        speed: pm.raisedSpeed(rule, p.speed, newLimit * this.scale),
        raised: true,
        newLimit,
      };
    }
    // (A limit of 0 is refused: its speed is never read.)
    const speed = limit > 0n ? pm.newPledgeSpeed(rule, c.nextSpeed, limit * this.scale) : c.nextSpeed;
    return { pledgeId: BigInt(c.pledges.length), speed, raised: false, newLimit: limit };
  }

  predictWithdraw(c: CampaignModel | undefined, pledgeId: bigint, who: string, ts: bigint): Verdict {
    if (!c) return fail("UnknownCampaign");
    if (pledgeId >= BigInt(c.pledges.length)) return fail("UnknownPledge");
    const v = this.openBeforeDeadline(c, ts);
    if (v.error) return v;
    const p = c.pledges[Number(pledgeId)];
    if (p.pledger !== who) return fail("NotPledger");
    if (p.state !== "active") return fail("PledgeNotActive");
    return ok;
  }

  predictCancel(c: CampaignModel | undefined, who: string, ts: bigint): Verdict {
    if (!c) return fail("UnknownCampaign");
    if (c.creator !== who) return fail("NotCreator");
    return this.openBeforeDeadline(c, ts);
  }

  /** What `settle` (all pages) decides for the bracket; a success carries the settled h and pot. */
  predictSettle(
    c: CampaignModel | undefined,
    hLow: bigint,
    hHigh: bigint,
    ts: bigint,
  ): { error: string } | { error: null; h: bigint; pot: bigint } {
    if (!c) return fail("UnknownCampaign");
    if (c.state !== "open") return fail("InvalidCampaignState");
    if (ts < c.deadline) return fail("DeadlineNotReached");
    const verdict = pm.checkBracket(this.math(c), hLow, hHigh);
    if (!verdict.ok) {
      // The grace-period fallback accepts h = 0 even when a positive root exists.
      if (verdict.error === "TrivialRootRejected" && ts >= c.deadline + GRACE) {
        return { error: null, h: 0n, pot: 0n };
      }
      return fail(verdict.error);
    }
    return { error: null, h: verdict.h, pot: verdict.pot };
  }

  predictClaim(c: CampaignModel | undefined, pledgeId: bigint): Verdict {
    if (!c) return fail("UnknownCampaign");
    if (pledgeId >= BigInt(c.pledges.length)) return fail("UnknownPledge");
    if (c.state === "open") return fail("InvalidCampaignState");
    if (c.pledges[Number(pledgeId)].state !== "active") return fail("NothingToClaim");
    return ok;
  }

  predictClaimPot(c: CampaignModel | undefined): Verdict {
    if (!c) return fail("UnknownCampaign");
    if (c.state !== "settled" || c.potClaimed) return fail("PotNotClaimable");
    return ok;
  }
}

// ─────────────────────────────────────────────── the whole world

export class Model {
  /** Each account's expected token balance (raw). */
  readonly balances = new Map<string, bigint>();
  /** Every payment the contracts reported, in order. */
  readonly payments: Payment[] = [];
  /** The one event replay, fed with every receipt's events (`applyEvents`). */
  readonly replay: ReplayState;

  constructor(
    readonly allocator: AllocatorModel,
    readonly pledges: PledgesModel,
  ) {
    if (allocator.replay !== pledges.replay) throw new Error("model: both sides must read one replay");
    this.replay = pledges.replay;
  }

  /** Applies a receipt's events to the replay; returns what the replay found wrong with them. */
  applyEvents(events: readonly CofundEvent[]): Discrepancy[] {
    const { allocator, pledges } = this.replay.findings;
    const [a, p] = [allocator.length, pledges.length];
    for (const e of events) apply(this.replay, e);
    return [...allocator.slice(a), ...pledges.slice(p)];
  }

  /** What the replay says each contract owes in `token` (the world has one token). */
  replayOwed(token: string): { allocator: bigint; pledges: bigint } {
    const owed = owedOf(this.replay, token);
    return { allocator: owed.allocatorOwed, pledges: owed.pledgesOwed.get(token.toLowerCase()) ?? 0n };
  }

  credit(who: string, amount: bigint): void {
    this.balances.set(who, (this.balances.get(who) ?? 0n) + amount);
  }

  /** Moves `amount` in the model's ledger of balances. */
  move(from: string, to: string, amount: bigint): void {
    this.credit(from, -amount);
    this.credit(to, amount);
  }
}
