/**
 * A typed off-chain model of the two contracts for the invariant fuzzer. It is built only from the
 * actions the fuzzer sends, the events of their receipts and the SDK's exact bigint mirrors
 * (sdk/math/qf.ts, sdk/math/pledges.ts): it never reads contract storage. From it the invariants
 * know what each contract owes, who was paid what, and the value every view must return.
 *
 * `predict*` methods decide, before a transaction is sent, whether it must revert (and with which
 * custom error) or succeed (and with which payments); `commit*` methods apply a successful action.
 *
 * The model feeds every receipt's events into the SDK's one event replay (sdk/replay/, what the
 * indexer's tables and the auditor are built from): the pledges side's campaigns and pledges are the
 * replay's entities (its predictions read them); the allocator side still keeps its own bookkeeping.
 * The harness requires the replay to find nothing wrong with any receipt and to owe, per contract,
 * exactly what the model owes.
 */
import * as qf from "../../sdk/math/qf";
import * as pm from "../../sdk/math/pledges";
import {
  apply,
  emptyState,
  escrowOf,
  type Campaign,
  type CofundEvent,
  type Discrepancy,
  type Pledge,
  type ReplayState,
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

// ─────────────────────────────────────────────── allocator

export interface GapRoundModel {
  /** Each contributor's total in the round as contributed (Σ√c is built from these). */
  totals: Map<string, bigint>;
  /** What each contributor got back by `refundContribution`. */
  refunded: Map<string, bigint>;
  /** The recipient was paid this round's direct funds and match. */
  settled: boolean;
  /** The match paid when settled. */
  matchPaid: bigint;
}

export interface GapModel {
  name: string;
  id: string;
  recipient: string;
  /** 0 while open; the first refund-only round once closed. */
  closedRound: bigint;
  rounds: Map<bigint, GapRoundModel>;
  contributors: Set<string>;
  /** Every contribution ever (refunds are in the rounds' `refunded`). */
  directTotal: bigint;
  /** Matches paid to the recipient. */
  matchedPaid: bigint;
}

export interface RoundModel {
  finalizedAt: bigint;
  poolSize: bigint;
  wholePool: boolean;
  capBps: bigint;
  /** Raw tokens taken from the pool at finalisation. */
  allocated: bigint;
  /** Σ matches paid to recipients. */
  paid: bigint;
  gapsSettled: number;
  swept: boolean;
}

const sum = (xs: Iterable<bigint>): bigint => {
  let s = 0n;
  for (const x of xs) s += x;
  return s;
};

export class AllocatorModel {
  readonly scale: bigint;
  currentRound = 1n;
  currentEnd: bigint;
  paused = false;
  wholePool = false;
  capBps = 0n;
  pool = 0n;
  readonly gaps = new Map<string, GapModel>();
  readonly rounds = new Map<bigint, RoundModel>();

  constructor(
    readonly address: string,
    readonly decimals: number,
    readonly deployedAt: bigint,
  ) {
    this.scale = qf.scaleOf(decimals);
    this.currentEnd = deployedAt + ROUND;
  }

  contributionRound(ts: bigint): bigint {
    return ts < this.currentEnd ? this.currentRound : this.currentRound + 1n;
  }

  /** A gap's Σ√c, direct (net of refunds) and weight in a round, from the mirror. */
  gapRound(g: GapModel, r: bigint): qf.GapRoundState {
    const gr = g.rounds.get(r);
    if (!gr) return { sumSqrt: 0n, direct: 0n, weight: 0n };
    const st = qf.gapRoundState([...gr.totals.entries()], this.scale);
    const direct = st.direct - sum(gr.refunded.values());
    return { sumSqrt: st.sumSqrt, direct, weight: qf.weight(st.sumSqrt, direct * this.scale) };
  }

  /** Whether gap g's weight in round r counts in matching (not removed by closing the gap). */
  counts(g: GapModel, r: bigint): boolean {
    return g.closedRound === 0n || r < g.closedRound;
  }

  /** W and the number of funded gaps of round r. */
  roundWeight(r: bigint): { totalWeight: bigint; gapsFunded: number } {
    let totalWeight = 0n;
    let gapsFunded = 0;
    for (const g of this.gaps.values()) {
      if (!this.counts(g, r)) continue;
      const w = this.gapRound(g, r).weight;
      totalWeight += w;
      if (w > 0n) gapsFunded++;
    }
    return { totalWeight, gapsFunded };
  }

  /** The match of gap g in finalised round r (after the cap), 0 otherwise. */
  matchOf(g: GapModel, r: bigint): bigint {
    const rm = this.rounds.get(r);
    if (!rm || !this.counts(g, r)) return 0n;
    const w = this.gapRound(g, r).weight;
    const W = this.roundWeight(r).totalWeight;
    return qf.matchAfterCap(w, W, rm.poolSize, this.scale, rm.wholePool, rm.capBps);
  }

  /** Rounds `withdrawGapFunds` would settle now, newest first. */
  settleable(g: GapModel): bigint[] {
    return [...g.rounds.entries()]
      .filter(([r, gr]) => !gr.settled && this.rounds.has(r) && this.counts(g, r))
      .map(([r]) => r)
      .sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
  }

  /** The round's allocation as `getRound().distributed` reports it. */
  distributed(r: bigint): bigint {
    const rm = this.rounds.get(r);
    if (!rm) return 0n;
    return rm.swept ? rm.paid : rm.allocated;
  }

  /** What the allocator owes: the pool, every direct contribution not paid out or refunded, and the
   * allocation of every finalised round not yet paid nor swept back. */
  owed(): bigint {
    let owed = this.pool;
    for (const g of this.gaps.values()) {
      for (const [r, gr] of g.rounds) {
        if (!gr.settled) owed += this.gapRound(g, r).direct;
      }
    }
    for (const rm of this.rounds.values()) if (!rm.swept) owed += rm.allocated - rm.paid;
    return owed;
  }

  /** `contributionOf`: kept for the contributor's two latest rounds with the gap. */
  contributionOf(g: GapModel, who: string, r: bigint): bigint {
    const mine = [...g.rounds.entries()]
      .filter(([, gr]) => gr.totals.has(who))
      .map(([round]) => round)
      .sort((a, b) => (a > b ? -1 : a < b ? 1 : 0))
      .slice(0, 2);
    if (!mine.includes(r)) return 0n;
    const gr = g.rounds.get(r);
    if (!gr) return 0n;
    return (gr.totals.get(who) ?? 0n) - (gr.refunded.get(who) ?? 0n);
  }

  gapById(id: string): GapModel | undefined {
    for (const g of this.gaps.values()) if (g.id === id) return g;
    return undefined;
  }

  // ── predictions

  predictContribute(gap: GapModel | undefined, amount: bigint): Verdict {
    if (amount === 0n) return fail("ZeroAmount");
    if (this.paused) return fail("ContractPaused");
    if (!gap) return fail("UnknownGap");
    if (gap.closedRound !== 0n) return fail("GapIsClosed");
    return ok;
  }

  commitContribute(gap: GapModel, who: string, amount: bigint, ts: bigint): bigint {
    const r = this.contributionRound(ts);
    let gr = gap.rounds.get(r);
    if (!gr) {
      gr = { totals: new Map(), refunded: new Map(), settled: false, matchPaid: 0n };
      gap.rounds.set(r, gr);
    }
    gr.totals.set(who, (gr.totals.get(who) ?? 0n) + amount);
    gap.contributors.add(who);
    gap.directTotal += amount;
    return r;
  }

  predictFinalize(poolSize: bigint, ts: bigint): Verdict {
    if (this.paused) return fail("ContractPaused");
    if (ts < this.currentEnd) return fail("RoundNotOver");
    if (poolSize > this.pool) return fail("PoolTooSmall");
    return ok;
  }

  commitFinalize(poolSize: bigint, ts: bigint): { round: bigint; allocated: bigint } {
    const round = this.currentRound;
    const W = this.roundWeight(round).totalWeight;
    const allocated = qf.allocation(W, poolSize, this.scale, this.wholePool);
    this.rounds.set(round, {
      finalizedAt: ts,
      poolSize,
      wholePool: this.wholePool,
      capBps: this.capBps,
      allocated,
      paid: 0n,
      gapsSettled: 0,
      swept: false,
    });
    this.pool -= allocated;
    this.currentRound = round + 1n;
    this.currentEnd = ts + ROUND;
    return { round, allocated };
  }

  predictWithdraw(gap: GapModel | undefined): Verdict {
    if (!gap) return fail("UnknownGap");
    if (this.settleable(gap).length === 0) return fail("NothingToWithdraw");
    return ok;
  }

  /** Settles every settleable round of the gap; returns each round's (direct, match). */
  commitWithdraw(gap: GapModel): Map<bigint, { direct: bigint; matched: bigint }> {
    const out = new Map<bigint, { direct: bigint; matched: bigint }>();
    for (const r of this.settleable(gap)) {
      const direct = this.gapRound(gap, r).direct;
      const w = this.gapRound(gap, r).weight;
      const matched = this.matchOf(gap, r);
      out.set(r, { direct, matched });
      const gr = gap.rounds.get(r);
      const rm = this.rounds.get(r);
      if (!gr || !rm) throw new Error("model: settleable round without state");
      gr.settled = true;
      gr.matchPaid = matched;
      if (w > 0n) {
        rm.paid += matched;
        rm.gapsSettled++;
      }
      gap.matchedPaid += matched;
    }
    return out;
  }

  predictRefund(gap: GapModel | undefined, who: string, r: bigint): Verdict {
    if (!gap) return fail("UnknownGap");
    if (gap.closedRound === 0n) return fail("GapNotClosed");
    if (r < gap.closedRound || this.contributionOf(gap, who, r) === 0n) return fail("NothingToRefund");
    return ok;
  }

  commitRefund(gap: GapModel, who: string, r: bigint): bigint {
    const amount = this.contributionOf(gap, who, r);
    const gr = gap.rounds.get(r);
    if (!gr) throw new Error("model: refund of an empty round");
    gr.refunded.set(who, (gr.refunded.get(who) ?? 0n) + amount);
    return amount;
  }

  predictSweep(r: bigint): Verdict {
    const rm = this.rounds.get(r);
    if (!rm) return fail("RoundNotFinalized");
    if (rm.swept) return fail("RoundAlreadySwept");
    if (rm.gapsSettled !== this.roundWeight(r).gapsFunded) return fail("GapsUnsettled");
    return ok;
  }

  commitSweep(r: bigint): bigint {
    const rm = this.rounds.get(r);
    if (!rm) throw new Error("model: sweep of an open round");
    const amount = rm.allocated - rm.paid;
    rm.swept = true;
    this.pool += amount;
    return amount;
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

  /** What a pledge will be: a new pledge, or a raise of who's active pledge (same id and speed, no speed slot taken). */
  previewPledge(
    c: CampaignModel,
    who: string,
    limit: bigint,
  ): { pledgeId: bigint; speed: bigint; raised: boolean; newLimit: bigint } {
    const mine = this.pledgeOf(c, who);
    const p = c.pledges[mine];
    if (p !== undefined)
      return { pledgeId: BigInt(mine), speed: p.speed, raised: true, newLimit: p.limit + limit };
    return { pledgeId: BigInt(c.pledges.length), speed: c.nextSpeed, raised: false, newLimit: limit };
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
