/**
 * The auditor: replays an indexed history (sdk/indexer.ts) with the SDK's own bigint math
 * (sdk/math/qf.ts, sdk/math/pledges.ts) — never the contracts' views — to recompute every gap's
 * per-round Σ√c, weight and match, every round's W and allocation (with the α mode and cap in force,
 * as `MatchingSettingsUpdated` recorded them), the matching pool, every campaign's settlement
 * (bracket proof, payments, pot) and what each contract owes. Then it compares:
 *
 * 1. every event against the recomputation (a contribution's recorded weight, a round's recorded W
 *    and allocation, each paid match, withdrawal, refund, sweep, pledge speed, settlement, claim);
 * 2. the contracts' views (read at the indexed block, for the comparison side only);
 * 3. the token balance of each contract against what it owes — to the wei, both ways: a shortfall
 *    and a surplus (tokens sent straight to a contract) are both discrepancies.
 *
 * What a contract owes:
 * - allocator: matching pool + finalised-but-unpaid matches of unswept rounds (allocation − paid) +
 *   direct contributions not yet paid to recipients + refundable contributions not yet refunded;
 * - pledges (per token): escrow of open campaigns, limits of unclaimed pledges of cancelled ones,
 *   unclaimed refunds (Lᵢ − pᵢ(h)) and unclaimed pots of settled ones.
 */
import type { Provider, Result } from "ethers";
import { QuadraticFundingAllocator__factory } from "../typechain-types/factories/contracts/QuadraticFundingAllocator__factory";
import { CoordinatedPledges__factory } from "../typechain-types/factories/contracts/CoordinatedPledges__factory";
import { IERC20Metadata__factory } from "../typechain-types/factories/@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata__factory";
import * as qf from "./math/qf";
import * as pm from "./math/pledges";
import { formatUnitsExact } from "./units";
import { shortHex } from "./ids";
import type { IndexedHistory } from "./indexer";

/** `CoordinatedPledges.SETTLEMENT_GRACE_PERIOD` (30 days): after it, h = 0 settles any campaign. */
export const SETTLEMENT_GRACE_PERIOD = 30n * 24n * 3600n;

// ─────────────────────────────────────────────── report types

/** What went wrong, by family. */
export type DiscrepancyKind =
  /** A contract holds fewer tokens than it owes. */
  | "balance-shortfall"
  /** A contract holds more tokens than it owes (e.g. tokens sent straight to it). */
  | "balance-surplus"
  /** A `ContributionMade` disagrees with the replay (weight, round total, round, unknown or closed gap). */
  | "contribution-event"
  /** A `RoundFinalized` disagrees with the replay (W, gaps funded, allocation, round order, pool). */
  | "round-event"
  /** `MatchingPoolFunded.newBalance` disagrees with the replayed pool. */
  | "pool-event"
  /** A `GapRoundSettled` paid a wrong direct amount or match, twice, or for a round it may not settle. */
  | "match-event"
  /** A `GapFundsWithdrawn` disagrees with its rounds' settlements or goes to the wrong recipient. */
  | "withdrawal-event"
  /** A `ContributionRefunded` that is not refundable or has the wrong amount. */
  | "refund-event"
  /** A `MatchingReturned` with the wrong amount or before every funded gap withdrew. */
  | "sweep-event"
  /** An allocator event about a gap never registered, or a second registration. */
  | "gap-event"
  /** The allocator's views disagree with the replay. */
  | "pool-state"
  | "round-state"
  | "gap-state"
  | "gap-round-state"
  /** A pledges event disagrees with the replay (speed, limits, ids, timing, state). */
  | "pledge-event"
  /** A settlement whose bracket does not prove its h, or whose pot is wrong. */
  | "settlement-invalid"
  /** A `RefundClaimed` with the wrong payment or refund, or a second claim. */
  | "claim-event"
  /** Pot payments that do not add up to the pot, go elsewhere, or miss their allocator contribution. */
  | "pot-event"
  /** The pledges contract's views disagree with the replay. */
  | "campaign-state"
  | "pledge-state";

/** One discrepancy. `expected` is the replay's value, `actual` what the chain says. */
export interface Discrepancy {
  kind: DiscrepancyKind;
  /** What it is about, e.g. "allocator", "gap 0x12ab…cd34 round 3", "campaign 2 pledge 0". */
  subject: string;
  expected: string;
  actual: string;
  /** One readable sentence. */
  sentence: string;
}

/** One round of one gap, recomputed. */
export interface GapRoundLine {
  round: number;
  contributors: number;
  /** Raw tokens contributed in the round (net of refunds). */
  direct: bigint;
  /** Σ√c (1e18 = 1 √token). */
  sumSqrt: bigint;
  /** w (normalised). */
  weight: bigint;
  /** The match after cap (0 until the round is finalised, and for rounds refundable after closing). */
  match: bigint;
  status: "open" | "finalized" | "paid" | "refundable";
}

/** A gap, recomputed. */
export interface GapLine {
  gapId: string;
  metadataURI: string;
  recipient: string;
  status: "active" | "closed";
  closedRound: number;
  /** Direct contributions not refunded (`getGapFundingStats.directTotal`). */
  directTotal: bigint;
  contributors: number;
  /** Every match allocated by finalised rounds, paid or not (`getGapFundingStats.matchedTotal`). */
  matchedTotal: bigint;
  /** Matches paid to the recipient. */
  matchedPaid: bigint;
  /** Paid to the recipient (direct + matches). */
  withdrawn: bigint;
  refunded: bigint;
  /** Direct funds and matches the recipient can still withdraw (finalised rounds). */
  withdrawableNow: bigint;
  /** Whether one `withdrawGapFunds` pays `withdrawableNow` (≤ 32 rounds and no paginated walk pending). */
  withdrawableInOneCall: boolean;
  /** Direct funds of rounds not finalised yet. */
  pendingDirect: bigint;
  /** Contributions refundable to their contributors and not refunded yet. */
  refundable: bigint;
  rounds: GapRoundLine[];
}

/** A round, recomputed. */
export interface RoundLine {
  roundNumber: number;
  status: "open" | "finalized" | "swept";
  poolSize: bigint;
  distributeWholePool: boolean;
  capBps: bigint;
  totalWeight: bigint;
  gapsFunded: number;
  /** Raw tokens taken from the pool at finalisation. */
  allocated: bigint;
  /** Matches paid so far. */
  paid: bigint;
  /** Σ of every funded gap's match (what the round will pay in total). */
  matchesTotal: bigint;
  /** Returned to the pool by the sweep (or to be returned: allocated − matchesTotal). */
  returned: bigint;
}

/** A pledge, recomputed. */
export interface PledgeLine {
  pledgeId: number;
  pledger: string;
  limit: bigint;
  speed: bigint;
  state: "active" | "withdrawn" | "claimed";
  /** pᵢ(h) at the settled h (0 before settlement, after a cancel or when withdrawn). */
  payment: bigint;
  /** What the pledger gets back (or got). */
  refund: bigint;
}

/** A campaign, recomputed. */
export interface CampaignLine {
  campaignId: number;
  token: string;
  decimals: number;
  mode: "quadratic" | "linear";
  policy: "constant" | "geometric";
  state: "open" | "cancelled" | "settled";
  pledges: number;
  activePledges: number;
  escrow: bigint;
  h: bigint;
  pot: bigint;
  potClaimed: boolean;
  /** Refunds already paid (claims and withdrawals). */
  refundsPaid: bigint;
  /** What the contract still owes for this campaign. */
  owed: bigint;
  pledgeLines: PledgeLine[];
}

/** A contract's balance in one token against what it owes. */
export interface BalanceLine {
  contract: "allocator" | "pledges";
  address: string;
  token: string;
  decimals: number;
  owed: bigint;
  balance: bigint;
}

/** The auditor's report. */
export interface AuditReport {
  ok: boolean;
  fromBlock: number;
  toBlock: number;
  events: number;
  gaps: GapLine[];
  rounds: RoundLine[];
  campaigns: CampaignLine[];
  balances: BalanceLine[];
  totals: {
    /** Allocator: recomputed matching pool. */
    matchingPool: bigint;
    directContributed: bigint;
    matchesPaid: bigint;
    withdrawn: bigint;
    refunded: bigint;
    /** Finalised-but-unpaid matches of unswept rounds (allocation − paid). */
    unpaidAllocations: bigint;
    /** Direct funds held for recipients (finalised or not). */
    directHeld: bigint;
    refundable: bigint;
    allocatorOwed: bigint;
    campaigns: number;
    pledges: number;
    potsPaid: bigint;
  };
  discrepancies: Discrepancy[];
}

/** Options of `auditCofund`. */
export interface AuditOptions {
  provider: Provider;
  history: IndexedHistory;
  /** The allocator's token (default: the allocator's `token()`; read once, it is immutable). */
  token?: string;
  /** Called with (done, total) steps of the comparison phase. */
  onProgress?: (done: number, total: number) => void;
}

// ─────────────────────────────────────────────── replay state

interface GapRoundAcc {
  totals: Map<string, bigint>;
  sumSqrt: bigint;
  direct: bigint;
  refunded: Map<string, bigint>;
  settled: boolean;
}

interface GapAcc {
  gapId: string;
  registered: boolean;
  recipient: string;
  metadataURI: string;
  closedRound: number;
  directTotal: bigint;
  contributors: Set<string>;
  rounds: Map<number, GapRoundAcc>;
  matchedPaid: bigint;
  withdrawn: bigint;
  refunded: bigint;
  /** A withdrawal settled `MAX_ROUNDS_PER_WITHDRAWAL` rounds: a paginated walk may be in progress. */
  mayWalk: boolean;
}

/** `QuadraticFundingAllocator.MAX_ROUNDS_PER_WITHDRAWAL`. */
export const MAX_ROUNDS_PER_WITHDRAWAL = 32;

interface RoundAcc {
  finalized: boolean;
  finalizedAt: number;
  poolSize: bigint;
  wholePool: boolean;
  capBps: bigint;
  totalWeight: bigint;
  gapsFunded: number;
  allocated: bigint;
  paid: bigint;
  gapsSettled: number;
  swept: boolean;
  returned: bigint;
  /** Gap → weight at finalisation (funded gaps only). */
  weights: Map<string, bigint>;
}

interface PledgeAcc {
  pledger: string;
  limit: bigint;
  speed: bigint;
  state: "active" | "withdrawn" | "claimed";
  payment: bigint;
  refund: bigint;
}

interface CampaignAcc {
  id: number;
  creator: string;
  token: string;
  recipient: string;
  deadline: bigint;
  mode: pm.Mode;
  policy: pm.Policy;
  initialSpeed: bigint;
  decay: bigint;
  minLimit: bigint;
  allocator: string;
  gapId: string;
  scale: bigint;
  decimals: number;
  nextSpeed: bigint;
  state: "open" | "cancelled" | "settled";
  pledges: PledgeAcc[];
  h: bigint;
  pot: bigint;
  potClaimed: boolean;
  refundsPaid: bigint;
  potsPaid: bigint;
}

const lc = (a: string): string => a.toLowerCase();
const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

// ─────────────────────────────────────────────── the auditor

/** Audits an indexed history against the chain. See the module comment. */
export async function auditCofund(options: AuditOptions): Promise<AuditReport> {
  const { provider, history } = options;
  const blockTag = history.toBlock;
  const discrepancies: Discrepancy[] = [];
  /** Token decimals, read once per token (a property of the token, not of the audited contracts). */
  const tokenInfo = new Map<string, number>();
  const tokenDecimals = async (token: string): Promise<number> => {
    const key = lc(token);
    let decimals = tokenInfo.get(key);
    if (decimals === undefined) {
      decimals = Number(await IERC20Metadata__factory.connect(token, provider).decimals());
      tokenInfo.set(key, decimals);
    }
    return decimals;
  };

  const allocatorAddress = history.allocatorAddress;
  const allocatorContract =
    allocatorAddress !== undefined
      ? QuadraticFundingAllocator__factory.connect(allocatorAddress, provider)
      : undefined;
  const allocatorToken =
    options.token ?? (allocatorContract !== undefined ? await allocatorContract.token() : undefined);
  const allocDecimals = allocatorToken !== undefined ? await tokenDecimals(allocatorToken) : 18;
  const scale = qf.scaleOf(allocDecimals);
  const fmt = (raw: bigint, decimals = allocDecimals): string => formatUnitsExact(raw, decimals);
  /** Pots the allocator refunded to the pledges contract (closed gap) and not yet paid on by `reclaimPot`. */
  let potRefundsHeld = 0n;
  /** 18-decimal fixed point (normalised weights, Σ√c, h, speeds, decay) as a decimal string. */
  const fx = (raw: bigint): string => formatUnitsExact(raw, 18);

  const add = (
    kind: DiscrepancyKind,
    subject: string,
    expected: string | number,
    actual: string | number,
    sentence: string,
  ): void => {
    discrepancies.push({ kind, subject, expected: String(expected), actual: String(actual), sentence });
  };
  /** Compares each [what, expected, actual] field; a mismatch is a `kind` discrepancy of `subject`. */
  type FieldValue = bigint | string | number | boolean;
  /** [what, expected, actual, how a bigint reads (token units, fixed point); a count by default]. */
  type Field = [string, FieldValue, FieldValue, ((raw: bigint) => string)?];
  const show = (x: FieldValue | undefined, unit?: (raw: bigint) => string): string =>
    typeof x === "bigint" ? (unit ?? String)(x) : String(x);
  const compareFields = (
    kind: DiscrepancyKind,
    subject: string,
    owner: string,
    fields: Field[],
    label = `${subject}'s`,
  ): void => {
    for (const [what, exp, act, unit] of fields) {
      if (exp !== act) {
        const [e, a] = [show(exp, unit), show(act, unit)];
        add(kind, subject, e, a, `${label} ${what} should be ${e}; ${owner} reports ${a}.`);
      }
    }
  };

  // ── allocator replay ────────────────────────────────────────────────────────────────────────
  const gaps = new Map<string, GapAcc>();
  const rounds = new Map<number, RoundAcc>();
  let currentRound = 1;
  let pool = 0n;
  let wholePool = false;
  let capBps = 0n;
  let directContributed = 0n;

  const gapLabel = (id: string): string => `gap ${shortHex(id)}`;
  const gapOf = (id: string): GapAcc => {
    const key = lc(id);
    let g = gaps.get(key);
    if (g === undefined) {
      g = {
        gapId: key,
        registered: false,
        recipient: "",
        metadataURI: "",
        closedRound: 0,
        directTotal: 0n,
        contributors: new Set(),
        rounds: new Map(),
        matchedPaid: 0n,
        withdrawn: 0n,
        refunded: 0n,
        mayWalk: false,
      };
      gaps.set(key, g);
    }
    return g;
  };
  const gapRound = (g: GapAcc, r: number): GapRoundAcc => {
    let gr = g.rounds.get(r);
    if (gr === undefined) {
      gr = { totals: new Map(), sumSqrt: 0n, direct: 0n, refunded: new Map(), settled: false };
      g.rounds.set(r, gr);
    }
    return gr;
  };
  const roundOf = (r: number): RoundAcc => {
    let acc = rounds.get(r);
    if (acc === undefined) {
      acc = {
        finalized: false,
        finalizedAt: 0,
        poolSize: 0n,
        wholePool: false,
        capBps: 0n,
        totalWeight: 0n,
        gapsFunded: 0,
        allocated: 0n,
        paid: 0n,
        gapsSettled: 0,
        swept: false,
        returned: 0n,
        weights: new Map(),
      };
      rounds.set(r, acc);
    }
    return acc;
  };
  /** w of a gap in a round from the recomputed Σ√c and Σc (the round's full contributions). */
  const weightOf = (gr: GapRoundAcc): bigint => qf.weight(gr.sumSqrt, gr.direct * scale);
  /** Whether gap g's weight counts in round r (closing removes rounds ≥ closedRound). */
  const counts = (g: GapAcc, r: number): boolean => g.closedRound === 0 || r < g.closedRound;
  /** W and gaps funded of round r from the replay (every gap with contributions in r that counts). */
  const roundWeight = (
    r: number,
  ): { totalWeight: bigint; gapsFunded: number; weights: Map<string, bigint> } => {
    let totalWeight = 0n;
    let gapsFunded = 0;
    const weights = new Map<string, bigint>();
    for (const g of gaps.values()) {
      const gr = g.rounds.get(r);
      if (gr === undefined || !counts(g, r)) continue;
      const w = weightOf(gr);
      if (w > 0n) {
        totalWeight += w;
        gapsFunded++;
        weights.set(g.gapId, w);
      }
    }
    return { totalWeight, gapsFunded, weights };
  };
  const matchOf = (r: RoundAcc, gapId: string): bigint => {
    const w = r.weights.get(gapId) ?? 0n;
    return qf.matchAfterCap(w, r.totalWeight, r.poolSize, scale, r.wholePool, r.capBps);
  };

  /** Settlements and contributions per transaction, for cross-checks. */
  const settledInTx = new Map<string, bigint>();
  const roundsSettledInTx = new Map<string, number>();
  const allocatorContributionsInTx = new Map<
    string,
    { contributor: string; gapId: string; amount: bigint }[]
  >();

  const allocatorEvents = history.events.filter((e) => e.contract === "allocator");
  for (const e of allocatorEvents) {
    const a = e.args;
    switch (e.name) {
      case "GapRegistered": {
        const g = gapOf(a.getValue("gapId") as string);
        if (g.registered)
          add(
            "gap-event",
            gapLabel(g.gapId),
            "one registration",
            "two",
            `${gapLabel(g.gapId)} was registered twice.`,
          );
        g.registered = true;
        g.recipient = a.getValue("recipient") as string;
        g.metadataURI = a.getValue("metadataURI") as string;
        break;
      }
      case "GapClosed": {
        const g = gapOf(a.getValue("gapId") as string);
        const closedRound = Number(a.getValue("closedRound") as bigint);
        if (!g.registered || g.closedRound !== 0) {
          add(
            "gap-event",
            gapLabel(g.gapId),
            "a registered open gap",
            g.registered ? "already closed" : "unregistered",
            `${gapLabel(g.gapId)} was closed but it was not a registered open gap.`,
          );
        }
        if (closedRound !== currentRound) {
          add(
            "gap-event",
            gapLabel(g.gapId),
            currentRound,
            closedRound,
            `${gapLabel(g.gapId)} closed from round ${closedRound}, but round ${currentRound} was open.`,
          );
        }
        g.closedRound = closedRound;
        break;
      }
      case "ContributionMade": {
        const g = gapOf(a.getValue("gapId") as string);
        const who = lc(a.getValue("contributor") as string);
        const r = Number(a.getValue("round") as bigint);
        const amount = a.getValue("amount") as bigint;
        const subject = `${gapLabel(g.gapId)} round ${r}`;
        if (!g.registered || g.closedRound !== 0) {
          add(
            "contribution-event",
            subject,
            "an open registered gap",
            g.registered ? "closed gap" : "unregistered gap",
            `A contribution of ${fmt(amount)} went to ${gapLabel(g.gapId)}, which was ${g.registered ? "closed" : "never registered"}.`,
          );
        }
        if (r !== currentRound && r !== currentRound + 1) {
          add(
            "contribution-event",
            subject,
            `round ${currentRound} or ${currentRound + 1}`,
            r,
            `A contribution was recorded in round ${r} while round ${currentRound} was open.`,
          );
        }
        const gr = gapRound(g, r);
        const old = gr.totals.get(who) ?? 0n;
        const total = old + amount;
        gr.totals.set(who, total);
        gr.sumSqrt += qf.sqrtTerm(total, scale) - (old === 0n ? 0n : qf.sqrtTerm(old, scale));
        gr.direct += amount;
        g.directTotal += amount;
        g.contributors.add(who);
        directContributed += amount;
        const w = weightOf(gr);
        const recordedTotal = a.getValue("contributorRoundTotal") as bigint;
        const recordedWeight = a.getValue("gapWeight") as bigint;
        if (recordedTotal !== total) {
          add(
            "contribution-event",
            subject,
            fmt(total),
            fmt(recordedTotal),
            `${who}'s total in ${subject} is ${fmt(total)}, the event says ${fmt(recordedTotal)}.`,
          );
        }
        if (recordedWeight !== w) {
          add(
            "contribution-event",
            subject,
            fx(w),
            fx(recordedWeight),
            `The weight of ${subject} after a contribution is ${fx(w)}, the event says ${fx(recordedWeight)}.`,
          );
        }
        const list = allocatorContributionsInTx.get(e.txHash) ?? [];
        list.push({ contributor: who, gapId: g.gapId, amount });
        allocatorContributionsInTx.set(e.txHash, list);
        break;
      }
      case "MatchingPoolFunded": {
        const amount = a.getValue("amount") as bigint;
        pool += amount;
        const recorded = a.getValue("newBalance") as bigint;
        if (recorded !== pool) {
          add(
            "pool-event",
            "matching pool",
            fmt(pool),
            fmt(recorded),
            `After funding ${fmt(amount)} the matching pool is ${fmt(pool)}, the event says ${fmt(recorded)}.`,
          );
        }
        break;
      }
      case "MatchingSettingsUpdated":
        wholePool = a.getValue("distributeWholePool") as boolean;
        capBps = a.getValue("capBps") as bigint;
        break;
      case "RoundFinalized": {
        const r = Number(a.getValue("round") as bigint);
        const subject = `round ${r}`;
        if (r !== currentRound) {
          add(
            "round-event",
            subject,
            currentRound,
            r,
            `Round ${r} was finalised while round ${currentRound} was open.`,
          );
        }
        const acc = roundOf(r);
        const poolSize = a.getValue("poolSize") as bigint;
        if (poolSize > pool) {
          add(
            "round-event",
            subject,
            `≤ ${fmt(pool)}`,
            fmt(poolSize),
            `Round ${r} was finalised with a pool of ${fmt(poolSize)} but only ${fmt(pool)} was available.`,
          );
        }
        const { totalWeight, gapsFunded, weights } = roundWeight(r);
        const allocated = qf.allocation(totalWeight, poolSize, scale, wholePool);
        Object.assign(acc, {
          finalized: true,
          finalizedAt: e.timestamp,
          poolSize,
          wholePool,
          capBps,
          totalWeight,
          gapsFunded,
          allocated,
          weights,
        });
        const recW = a.getValue("totalWeight") as bigint;
        const recFunded = Number(a.getValue("gapsFunded") as bigint);
        const recDistributed = a.getValue("distributed") as bigint;
        if (recW !== totalWeight)
          add(
            "round-event",
            subject,
            fx(totalWeight),
            fx(recW),
            `Round ${r}'s W is ${fx(totalWeight)}, the event says ${fx(recW)}.`,
          );
        if (recFunded !== gapsFunded)
          add(
            "round-event",
            subject,
            gapsFunded,
            recFunded,
            `Round ${r} funded ${gapsFunded} gaps, the event says ${recFunded}.`,
          );
        if (recDistributed !== allocated)
          add(
            "round-event",
            subject,
            fmt(allocated),
            fmt(recDistributed),
            `Round ${r} allocates ${fmt(allocated)}, the event says ${fmt(recDistributed)}.`,
          );
        pool -= allocated;
        currentRound = r + 1;
        break;
      }
      case "GapRoundSettled": {
        const g = gapOf(a.getValue("gapId") as string);
        const r = Number(a.getValue("round") as bigint);
        const subject = `${gapLabel(g.gapId)} round ${r}`;
        const direct = a.getValue("direct") as bigint;
        const matched = a.getValue("matched") as bigint;
        const gr = gapRound(g, r);
        const acc = roundOf(r);
        if (!acc.finalized || !counts(g, r) || gr.settled) {
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
        const expectedMatch = acc.finalized && counts(g, r) && !gr.settled ? matchOf(acc, g.gapId) : 0n;
        if (direct !== gr.direct)
          add(
            "match-event",
            subject,
            fmt(gr.direct),
            fmt(direct),
            `${subject} holds ${fmt(gr.direct)} of direct funds, its settlement paid ${fmt(direct)}.`,
          );
        if (matched !== expectedMatch)
          add(
            "match-event",
            subject,
            fmt(expectedMatch),
            fmt(matched),
            `${subject}'s match is ${fmt(expectedMatch)}, its settlement paid ${fmt(matched)}.`,
          );
        if (acc.finalized && counts(g, r) && !gr.settled) {
          gr.settled = true;
          if ((acc.weights.get(g.gapId) ?? 0n) > 0n) {
            acc.paid += expectedMatch;
            acc.gapsSettled++;
          }
          g.matchedPaid += expectedMatch;
          const key = `${e.txHash}:${g.gapId}`;
          settledInTx.set(key, (settledInTx.get(key) ?? 0n) + gr.direct + expectedMatch);
          roundsSettledInTx.set(key, (roundsSettledInTx.get(key) ?? 0) + 1);
        }
        break;
      }
      case "GapFundsWithdrawn": {
        const g = gapOf(a.getValue("gapId") as string);
        const amount = a.getValue("amount") as bigint;
        const recipient = a.getValue("recipient") as string;
        const expected = settledInTx.get(`${e.txHash}:${g.gapId}`) ?? 0n;
        settledInTx.delete(`${e.txHash}:${g.gapId}`);
        if ((roundsSettledInTx.get(`${e.txHash}:${g.gapId}`) ?? 0) >= MAX_ROUNDS_PER_WITHDRAWAL)
          g.mayWalk = true;
        roundsSettledInTx.delete(`${e.txHash}:${g.gapId}`);
        if (amount !== expected)
          add(
            "withdrawal-event",
            gapLabel(g.gapId),
            fmt(expected),
            fmt(amount),
            `A withdrawal of ${gapLabel(g.gapId)} paid ${fmt(amount)}; its rounds add up to ${fmt(expected)}.`,
          );
        if (lc(recipient) !== lc(g.recipient))
          add(
            "withdrawal-event",
            gapLabel(g.gapId),
            g.recipient,
            recipient,
            `${gapLabel(g.gapId)}'s funds went to ${recipient}, not its recipient ${g.recipient}.`,
          );
        g.withdrawn += expected;
        break;
      }
      case "MatchingReturned": {
        const r = Number(a.getValue("round") as bigint);
        const acc = roundOf(r);
        const amount = a.getValue("amount") as bigint;
        let expected = 0n;
        if (!acc.finalized || acc.swept || acc.gapsSettled !== acc.gapsFunded) {
          add(
            "sweep-event",
            `round ${r}`,
            "no sweep",
            fmt(amount),
            `Round ${r} was swept but ${acc.swept ? "it was swept before" : !acc.finalized ? "it is not finalised" : `only ${acc.gapsSettled} of its ${acc.gapsFunded} funded gaps withdrew`}.`,
          );
        } else {
          expected = acc.allocated - acc.paid;
          acc.swept = true;
          acc.returned = expected;
        }
        if (amount !== expected)
          add(
            "sweep-event",
            `round ${r}`,
            fmt(expected),
            fmt(amount),
            `Round ${r}'s sweep returns ${fmt(expected)}, the event says ${fmt(amount)}.`,
          );
        pool += expected;
        break;
      }
      case "ContributionRefunded": {
        const g = gapOf(a.getValue("gapId") as string);
        const who = lc(a.getValue("contributor") as string);
        const r = Number(a.getValue("round") as bigint);
        const amount = a.getValue("amount") as bigint;
        const subject = `${gapLabel(g.gapId)} round ${r}`;
        const gr = gapRound(g, r);
        const refundable =
          g.closedRound !== 0 && r >= g.closedRound && !gr.refunded.has(who)
            ? (gr.totals.get(who) ?? 0n)
            : 0n;
        if (amount !== refundable)
          add(
            "refund-event",
            subject,
            fmt(refundable),
            fmt(amount),
            `${who} was refunded ${fmt(amount)} in ${subject}; the refundable amount is ${fmt(refundable)}.`,
          );
        if (refundable > 0n) {
          gr.refunded.set(who, refundable);
          gr.direct -= refundable;
          g.refunded += refundable;
          // Pots in a gap that closed in time come back to the pledges contract (`reclaimPot`).
          if (who === lc(history.pledgesAddress ?? "")) potRefundsHeld += refundable;
        }
        break;
      }
      default:
        break;
    }
  }

  // ── pledges replay ──────────────────────────────────────────────────────────────────────────
  const campaigns = new Map<number, CampaignAcc>();
  const pledgesAddress = history.pledgesAddress;
  const pledgeEvents = history.events.filter((e) => e.contract === "pledges");
  for (const e of pledgeEvents) {
    const a = e.args;
    const cid = Number(a.getValue("campaignId") as bigint);
    const subject = `campaign ${cid}`;
    const c = campaigns.get(cid);
    if (e.name === "CampaignCreated") {
      const p = a.getValue("params") as Result;
      const token = a.getValue("token") as string;
      const decimals = await tokenDecimals(token);
      const policy = Number(p.getValue("policy") as bigint) as pm.Policy;
      const initialSpeed = p.getValue("initialSpeed") as bigint;
      if (campaigns.has(cid) || cid !== campaigns.size + 1) {
        add("pledge-event", subject, campaigns.size + 1, cid, `Campaign ${cid} was created out of sequence.`);
      }
      campaigns.set(cid, {
        id: cid,
        creator: a.getValue("creator") as string,
        token,
        recipient: p.getValue("recipient") as string,
        deadline: p.getValue("deadline") as bigint,
        mode: Number(p.getValue("mode") as bigint) as pm.Mode,
        policy,
        initialSpeed,
        decay: policy === pm.Policy.Geometric ? (p.getValue("decay") as bigint) : pm.UNIT,
        minLimit: p.getValue("minLimit") as bigint,
        allocator: p.getValue("allocator") as string,
        gapId: p.getValue("gapId") as string,
        scale: qf.scaleOf(decimals),
        decimals,
        nextSpeed: initialSpeed,
        state: "open",
        pledges: [],
        h: 0n,
        pot: 0n,
        potClaimed: false,
        refundsPaid: 0n,
        potsPaid: 0n,
      });
      continue;
    }
    if (c === undefined) {
      add(
        "pledge-event",
        subject,
        "a created campaign",
        e.name,
        `${e.name} refers to campaign ${cid}, which was never created.`,
      );
      continue;
    }
    const f = (raw: bigint): string => formatUnitsExact(raw, c.decimals);
    const ts = BigInt(e.timestamp);
    /** A pledge (made or raised) must be in an open campaign before its deadline. */
    const expectOpen = (ps: string, verb: string): void => {
      if (c.state !== "open" || ts >= c.deadline)
        add(
          "pledge-event",
          ps,
          "an open campaign before its deadline",
          c.state,
          `${ps} was ${verb} after the deadline or in a ${c.state} c.`,
        );
    };
    switch (e.name) {
      case "Pledged": {
        const pid = Number(a.getValue("pledgeId") as bigint);
        const limit = a.getValue("limit") as bigint;
        const speed = a.getValue("speed") as bigint;
        const ps = `${subject} pledge ${pid}`;
        if (pid !== c.pledges.length)
          add(
            "pledge-event",
            ps,
            c.pledges.length,
            pid,
            `${ps} has the wrong id: ${c.pledges.length} pledges were made before.`,
          );
        expectOpen(ps, "made");
        if (limit === 0n || limit < c.minLimit)
          add(
            "pledge-event",
            ps,
            `≥ ${f(c.minLimit)}`,
            f(limit),
            `${ps} escrowed ${f(limit)}, below the minimum ${f(c.minLimit)}.`,
          );
        const pledger = a.getValue("pledger") as string;
        const open = c.pledges.findIndex((p) => p.state === "active" && lc(p.pledger) === lc(pledger));
        if (open >= 0)
          add(
            "pledge-event",
            ps,
            `a raise of pledge ${open}`,
            "a new pledge",
            `${ps} is a second pledge of ${pledger}, whose pledge ${open} is active: pledging again must raise it.`,
          );
        if (speed !== c.nextSpeed)
          add(
            "pledge-event",
            ps,
            fx(c.nextSpeed),
            fx(speed),
            `${ps} got speed ${fx(speed)}; the ${c.policy === pm.Policy.Geometric ? "geometric" : "constant"} policy assigns ${fx(c.nextSpeed)}.`,
          );
        c.pledges[pid] = {
          pledger,
          limit,
          speed: c.nextSpeed,
          state: "active",
          payment: 0n,
          refund: 0n,
        };
        if (c.policy === pm.Policy.Geometric)
          c.nextSpeed = pm.geometricNextSpeed(c.nextSpeed, c.decay, c.initialSpeed);
        break;
      }
      case "PledgeRaised": {
        const pid = Number(a.getValue("pledgeId") as bigint);
        const added = a.getValue("added") as bigint;
        const newLimit = a.getValue("newLimit") as bigint;
        const pledger = a.getValue("pledger") as string;
        const p = c.pledges[pid];
        const ps = `${subject} pledge ${pid}`;
        if (p === undefined || p.state !== "active" || lc(p.pledger) !== lc(pledger)) {
          add(
            "pledge-event",
            ps,
            "an active pledge of the raiser",
            p === undefined ? "none" : `${p.state}, of ${p.pledger}`,
            `${ps} was raised by ${pledger} but it is not that address's active pledge.`,
          );
          break;
        }
        expectOpen(ps, "raised");
        if (added === 0n || newLimit !== p.limit + added)
          add(
            "pledge-event",
            ps,
            f(p.limit + added),
            f(newLimit),
            `${ps} had ${f(p.limit)} and was raised by ${f(added)}, but its new limit is ${f(newLimit)}.`,
          );
        p.limit += added;
        break;
      }
      case "PledgeWithdrawn": {
        const pid = Number(a.getValue("pledgeId") as bigint);
        const limit = a.getValue("limit") as bigint;
        const p = c.pledges[pid];
        const ps = `${subject} pledge ${pid}`;
        if (p === undefined || p.state !== "active" || c.state !== "open" || ts >= c.deadline) {
          add(
            "pledge-event",
            ps,
            "an active pledge before the deadline",
            p?.state ?? "none",
            `${ps} was withdrawn but it was not an active pledge of an open campaign before its deadline.`,
          );
          break;
        }
        if (limit !== p.limit)
          add(
            "pledge-event",
            ps,
            f(p.limit),
            f(limit),
            `${ps} escrowed ${f(p.limit)} but its withdrawal refunded ${f(limit)}.`,
          );
        p.state = "withdrawn";
        p.refund = p.limit;
        c.refundsPaid += p.limit;
        // The latest pledge releases its geometric speed slot (CoordinatedPledges.withdrawPledge).
        if (c.policy === pm.Policy.Geometric && pid === c.pledges.length - 1) c.nextSpeed = p.speed;
        break;
      }
      case "CampaignCancelled":
        if (c.state !== "open" || ts >= c.deadline)
          add(
            "pledge-event",
            subject,
            "an open campaign before its deadline",
            c.state,
            `${subject} was cancelled after its deadline or while ${c.state}.`,
          );
        c.state = "cancelled";
        break;
      case "CampaignSettled": {
        const h = a.getValue("h") as bigint;
        const pot = a.getValue("pot") as bigint;
        const math: pm.CampaignMath = {
          mode: c.mode,
          scale: c.scale,
          pledges: c.pledges.map((p) => ({ limit: p.limit, speed: p.speed, active: p.state === "active" })),
        };
        if (c.state !== "open" || ts < c.deadline)
          add(
            "settlement-invalid",
            subject,
            "an open campaign past its deadline",
            c.state,
            `${subject} was settled before its deadline or while ${c.state}.`,
          );
        const quadratic = c.mode === pm.Mode.Quadratic;
        let expectedPot = 0n;
        if (h === 0n) {
          const rootExists = pm.hasPositiveRoot(quadratic, pm.sumLimitSpeed(math));
          if (rootExists && ts < c.deadline + SETTLEMENT_GRACE_PERIOD) {
            add(
              "settlement-invalid",
              subject,
              "a positive h",
              "0",
              `${subject} settled at h = 0 although a positive root exists and the grace period had not passed.`,
            );
          }
        } else {
          const s = history.settlements.find((x) => x.campaignId === cid && x.txHash === e.txHash);
          const hHigh = s !== undefined && s.hLow === h ? s.hHigh : h;
          const verdict = pm.checkBracket(math, h, hHigh);
          if (!verdict.ok) {
            add(
              "settlement-invalid",
              subject,
              "a proven bracket",
              `[${h}, ${hHigh}]`,
              `${subject} settled at h = ${h} but the bracket [${h}, ${hHigh}] fails ${verdict.error}(${verdict.args.join(", ")}).`,
            );
          }
          expectedPot = pm.pass(math, h, h).pot;
        }
        if (pot !== expectedPot)
          add(
            "settlement-invalid",
            subject,
            f(expectedPot),
            f(pot),
            `${subject}'s pot at h = ${fx(h)} is ${f(expectedPot)}, the event says ${f(pot)}.`,
          );
        c.state = "settled";
        c.h = h;
        c.pot = expectedPot;
        for (const p of c.pledges)
          if (p.state === "active") p.payment = h === 0n ? 0n : pm.paymentAt(p.limit, p.speed, h);
        break;
      }
      case "RefundClaimed": {
        const pid = Number(a.getValue("pledgeId") as bigint);
        const refund = a.getValue("refund") as bigint;
        const payment = a.getValue("payment") as bigint;
        const p = c.pledges[pid];
        const ps = `${subject} pledge ${pid}`;
        if (p === undefined || p.state !== "active" || c.state === "open") {
          add(
            "claim-event",
            ps,
            "an active pledge of a settled or cancelled campaign",
            p?.state ?? "none",
            `${ps} was claimed but ${p === undefined ? "it does not exist" : p.state !== "active" ? `it was already ${p.state}` : "the campaign is open"}.`,
          );
          break;
        }
        const expectedPayment = c.state === "settled" ? p.payment : 0n;
        const expectedRefund = p.limit - expectedPayment;
        if (payment !== expectedPayment)
          add(
            "claim-event",
            ps,
            f(expectedPayment),
            f(payment),
            `${ps} pays ${f(expectedPayment)} at h = ${fx(c.h)}, its claim says ${f(payment)}.`,
          );
        if (refund !== expectedRefund)
          add(
            "claim-event",
            ps,
            f(expectedRefund),
            f(refund),
            `${ps} gets back ${f(expectedRefund)}, its claim paid ${f(refund)}.`,
          );
        p.state = "claimed";
        p.payment = expectedPayment;
        p.refund = expectedRefund;
        c.refundsPaid += expectedRefund;
        break;
      }
      case "PotClaimed": {
        const amount = a.getValue("amount") as bigint;
        const to = a.getValue("to") as string;
        const toGap = a.getValue("toGap") as boolean;
        if (c.state !== "settled" || (c.potClaimed && c.potsPaid + amount > c.pot)) {
          add(
            "pot-event",
            subject,
            "one pot payment after settlement",
            f(amount),
            `${subject}'s pot was paid ${c.state !== "settled" ? "before settlement" : "more than once"}.`,
          );
        }
        if (toGap) {
          if (lc(to) !== lc(c.allocator))
            add(
              "pot-event",
              subject,
              c.allocator,
              to,
              `${subject}'s pot went to ${to} instead of its allocator ${c.allocator}.`,
            );
          // The allocator must record the same amount from the pledges contract to the campaign's gap.
          const list = allocatorContributionsInTx.get(e.txHash) ?? [];
          const found = list.findIndex(
            (x) =>
              x.contributor === lc(pledgesAddress ?? "") && x.gapId === lc(c.gapId) && x.amount === amount,
          );
          if (lc(to) === lc(allocatorAddress ?? "") && found < 0) {
            add(
              "pot-event",
              subject,
              `a contribution of ${amount} to ${gapLabel(c.gapId)}`,
              "none",
              `${subject}'s pot of ${f(amount)} went to the allocator but no matching contribution to ${gapLabel(c.gapId)} was recorded.`,
            );
          }
          if (found >= 0) list.splice(found, 1);
        } else if (lc(to) !== lc(c.recipient)) {
          add(
            "pot-event",
            subject,
            c.recipient,
            to,
            `${subject}'s pot went to ${to} instead of its recipient ${c.recipient}.`,
          );
        }
        c.potClaimed = true;
        c.potsPaid += amount;
        break;
      }
      case "GapContributionFailed":
        c.potClaimed = true;
        break;
      case "PotReclaimed": {
        const amount = a.getValue("amount") as bigint;
        const to = a.getValue("recipient") as string;
        if (lc(to) !== lc(c.recipient) || amount > potRefundsHeld || !c.potClaimed)
          add(
            "pot-event",
            subject,
            `at most ${f(potRefundsHeld)} to ${c.recipient}`,
            `${f(amount)} to ${to}`,
            `${subject}'s pot was reclaimed from its gap to ${to} for ${f(amount)}; the allocator had refunded ${f(potRefundsHeld)} not yet paid on, for the recipient ${c.recipient}.`,
          );
        potRefundsHeld -= amount < potRefundsHeld ? amount : potRefundsHeld;
        break;
      }
      default:
        break;
    }
  }
  for (const c of campaigns.values()) {
    if (c.potClaimed && c.potsPaid !== c.pot) {
      add(
        "pot-event",
        `campaign ${c.id}`,
        formatUnitsExact(c.pot, c.decimals),
        formatUnitsExact(c.potsPaid, c.decimals),
        `Campaign ${c.id}'s pot is ${formatUnitsExact(c.pot, c.decimals)} but ${formatUnitsExact(c.potsPaid, c.decimals)} was paid out.`,
      );
    }
  }

  // ── lines and what each contract owes ──────────────────────────────────────────────────────
  const gapLines: GapLine[] = [];
  let directHeld = 0n;
  let refundable = 0n;
  for (const g of gaps.values()) {
    const lines: GapRoundLine[] = [];
    let withdrawableNow = 0n;
    let withdrawableRounds = 0;
    let pendingDirect = 0n;
    let gapRefundable = 0n;
    let matchedUnpaid = 0n;
    for (const [r, gr] of [...g.rounds.entries()].sort((x, y) => x[0] - y[0])) {
      const acc = rounds.get(r);
      const finalized = acc?.finalized ?? false;
      const match = finalized && counts(g, r) && acc !== undefined ? matchOf(acc, g.gapId) : 0n;
      let status: GapRoundLine["status"];
      if (!counts(g, r)) {
        status = "refundable";
        for (const [who, total] of gr.totals) if (!gr.refunded.has(who)) gapRefundable += total;
      } else if (gr.settled) status = "paid";
      else if (finalized) {
        status = "finalized";
        withdrawableNow += gr.direct + match;
        matchedUnpaid += match;
        withdrawableRounds++;
        directHeld += gr.direct;
      } else {
        status = "open";
        pendingDirect += gr.direct;
        directHeld += gr.direct;
      }
      lines.push({
        round: r,
        contributors: gr.totals.size,
        direct: gr.direct,
        sumSqrt: gr.sumSqrt,
        weight: weightOf(gr),
        match,
        status,
      });
    }
    refundable += gapRefundable;
    gapLines.push({
      gapId: g.gapId,
      metadataURI: g.metadataURI,
      recipient: g.recipient,
      status: g.closedRound !== 0 ? "closed" : "active",
      closedRound: g.closedRound,
      directTotal: g.directTotal - g.refunded,
      contributors: g.contributors.size,
      matchedTotal: g.matchedPaid + matchedUnpaid,
      matchedPaid: g.matchedPaid,
      withdrawn: g.withdrawn,
      refunded: g.refunded,
      withdrawableNow,
      withdrawableInOneCall: !g.mayWalk && withdrawableRounds <= MAX_ROUNDS_PER_WITHDRAWAL,
      pendingDirect,
      refundable: gapRefundable,
      rounds: lines,
    });
  }

  const roundLines: RoundLine[] = [];
  let unpaidAllocations = 0n;
  const maxRound = Math.max(currentRound + 1, ...rounds.keys());
  for (let r = 1; r <= maxRound; r++) {
    const acc = rounds.get(r);
    // The round after the open one is listed when late contributions already reached it.
    if (acc === undefined && r > currentRound && ![...gaps.values()].some((g) => g.rounds.has(r))) continue;
    const a = acc ?? roundOf(r);
    let matchesTotal = 0n;
    if (a.finalized) for (const gapId of a.weights.keys()) matchesTotal += matchOf(a, gapId);
    const open = a.finalized ? undefined : roundWeight(r);
    if (a.finalized && !a.swept) unpaidAllocations += a.allocated - a.paid;
    roundLines.push({
      roundNumber: r,
      status: a.swept ? "swept" : a.finalized ? "finalized" : "open",
      poolSize: a.poolSize,
      distributeWholePool: a.finalized ? a.wholePool : wholePool,
      capBps: a.finalized ? a.capBps : capBps,
      totalWeight: open?.totalWeight ?? a.totalWeight,
      gapsFunded: open?.gapsFunded ?? a.gapsFunded,
      allocated: a.allocated,
      paid: a.paid,
      matchesTotal,
      returned: a.swept ? a.returned : a.allocated - matchesTotal,
    });
  }
  const allocatorOwed = pool + unpaidAllocations + directHeld + refundable;

  const campaignLines: CampaignLine[] = [];
  const pledgesOwed = new Map<string, bigint>();
  for (const c of campaigns.values()) {
    let owed = 0n;
    for (const p of c.pledges) {
      if (p === undefined || p.state !== "active") continue;
      if (c.state === "settled") owed += p.limit - p.payment;
      else owed += p.limit;
    }
    if (c.state === "settled" && !c.potClaimed) owed += c.pot;
    pledgesOwed.set(lc(c.token), (pledgesOwed.get(lc(c.token)) ?? 0n) + owed);
    campaignLines.push({
      campaignId: c.id,
      token: c.token,
      decimals: c.decimals,
      mode: c.mode === pm.Mode.Quadratic ? "quadratic" : "linear",
      policy: c.policy === pm.Policy.Geometric ? "geometric" : "constant",
      state: c.state,
      pledges: c.pledges.length,
      activePledges: c.pledges.filter((p) => p.state !== "withdrawn").length,
      escrow: c.pledges.reduce((s, p) => (p.state !== "withdrawn" ? s + p.limit : s), 0n),
      h: c.h,
      pot: c.pot,
      potClaimed: c.potClaimed,
      refundsPaid: c.refundsPaid,
      owed,
      pledgeLines: c.pledges.map((p, i) => ({
        pledgeId: i,
        pledger: p.pledger,
        limit: p.limit,
        speed: p.speed,
        state: p.state,
        payment: p.state === "withdrawn" ? 0n : p.payment,
        refund: p.state === "withdrawn" ? p.limit : c.state === "open" ? 0n : p.limit - p.payment,
      })),
    });
  }

  // Refunds of pots from closed gaps that the pledges contract holds until each campaign reclaims.
  if (potRefundsHeld > 0n && allocatorToken !== undefined) {
    const key = lc(allocatorToken);
    pledgesOwed.set(key, (pledgesOwed.get(key) ?? 0n) + potRefundsHeld);
  }

  // ── comparison with contract state and balances ────────────────────────────────────────────
  const overrides = { blockTag };
  const balances: BalanceLine[] = [];
  const steps = gapLines.length + roundLines.length + campaignLines.length + 2;
  let done = 0;
  const tick = (): void => options.onProgress?.(++done, steps);

  if (allocatorContract !== undefined && allocatorAddress !== undefined && allocatorToken !== undefined) {
    const viewPool = await allocatorContract.matchingPoolBalance(overrides);
    if (viewPool !== pool)
      add(
        "pool-state",
        "matching pool",
        fmt(pool),
        fmt(viewPool),
        `The matching pool should hold ${fmt(pool)}; the allocator reports ${fmt(viewPool)}.`,
      );
    const viewRound = Number(await allocatorContract.currentRound(overrides));
    if (viewRound !== currentRound)
      add(
        "round-state",
        "current round",
        currentRound,
        viewRound,
        `Round ${currentRound} should be open; the allocator reports round ${viewRound}.`,
      );
    const [viewWhole, viewCap] = await allocatorContract.matchingSettings(overrides);
    if (viewWhole !== wholePool || viewCap !== capBps)
      add(
        "round-state",
        "matching settings",
        `${wholePool}/${capBps}`,
        `${viewWhole}/${viewCap}`,
        `The matching settings should be wholePool=${wholePool}, cap ${capBps} bps; the allocator reports wholePool=${viewWhole}, cap ${viewCap} bps.`,
      );
    const registered = [...gaps.values()].filter((g) => g.registered).length;
    const viewCount = Number(await allocatorContract.gapCount(overrides));
    if (viewCount !== registered)
      add(
        "gap-state",
        "gap registry",
        registered,
        viewCount,
        `${registered} gaps were registered; the allocator reports ${viewCount}.`,
      );
    tick();

    for (const line of roundLines) {
      const v = await allocatorContract.getRound(line.roundNumber, overrides);
      const subject = `round ${line.roundNumber}`;
      const acc = rounds.get(line.roundNumber);
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
          ["finalisation time", BigInt(acc.finalizedAt), v.finalizedAt],
        );
      }
      compareFields("round-state", subject, "the allocator", fields, `Round ${line.roundNumber}'s`);
      tick();
    }

    for (const line of gapLines) {
      const subject = gapLabel(line.gapId);
      const g = gaps.get(line.gapId);
      if (g === undefined || !g.registered) {
        add(
          "gap-event",
          subject,
          "a registered gap",
          "unregistered",
          `Events refer to ${subject}, which was never registered.`,
        );
        tick();
        continue;
      }
      const s = await allocatorContract.getGapFundingStats(line.gapId, overrides);
      const fields: Field[] = [
        ["recipient", lc(line.recipient), lc(s.recipient)],
        ["status", line.status === "active" ? 1 : 2, Number(s.status)],
        ["direct total", line.directTotal, s.directTotal, fmt],
        ["matched total", line.matchedTotal, s.matchedTotal, fmt],
        ["matched paid", line.matchedPaid, s.matchedPaid, fmt],
        ["refunded total", line.refunded, s.refundedTotal, fmt],
        ["contributor count", BigInt(line.contributors), s.contributorCount],
        ["closed round", BigInt(line.closedRound), s.closedRound],
      ];
      compareFields("gap-state", subject, "the allocator", fields);
      for (const rl of line.rounds) {
        const [sumSqrt, direct, weight] = await allocatorContract.gapRoundState(
          line.gapId,
          rl.round,
          overrides,
        );
        const rs = `${subject} round ${rl.round}`;
        if (sumSqrt !== rl.sumSqrt)
          add(
            "gap-round-state",
            rs,
            fx(rl.sumSqrt),
            fx(sumSqrt),
            `${rs}'s Σ√c should be ${fx(rl.sumSqrt)}; the allocator reports ${fx(sumSqrt)}.`,
          );
        if (direct !== rl.direct)
          add(
            "gap-round-state",
            rs,
            fmt(rl.direct),
            fmt(direct),
            `${rs} should hold ${fmt(rl.direct)} of direct funds; the allocator reports ${fmt(direct)}.`,
          );
        if (weight !== rl.weight)
          add(
            "gap-round-state",
            rs,
            fx(rl.weight),
            fx(weight),
            `${rs}'s weight should be ${fx(rl.weight)}; the allocator reports ${fx(weight)}.`,
          );
        if (rl.status === "finalized" || rl.status === "paid") {
          const m = await allocatorContract.matchOf(line.gapId, rl.round, overrides);
          if (m !== rl.match)
            add(
              "gap-round-state",
              rs,
              fmt(rl.match),
              fmt(m),
              `${rs}'s match should be ${fmt(rl.match)}; the allocator reports ${fmt(m)}.`,
            );
        }
      }
      if (line.withdrawableInOneCall) {
        const v = await allocatorContract.withdrawable(line.gapId, overrides);
        if (v !== line.withdrawableNow)
          add(
            "gap-state",
            subject,
            fmt(line.withdrawableNow),
            fmt(v),
            `${subject}'s recipient should be able to withdraw ${fmt(line.withdrawableNow)}; the allocator reports ${fmt(v)}.`,
          );
      }
      tick();
    }

    const erc20 = IERC20Metadata__factory.connect(allocatorToken, provider);
    const balance = await erc20.balanceOf(allocatorAddress, overrides);
    balances.push({
      contract: "allocator",
      address: allocatorAddress,
      token: allocatorToken,
      decimals: allocDecimals,
      owed: allocatorOwed,
      balance,
    });
  } else {
    tick();
  }

  if (pledgesAddress !== undefined) {
    const cp = CoordinatedPledges__factory.connect(pledgesAddress, provider);
    const count = Number(await cp.campaignCount(overrides));
    if (count !== campaigns.size)
      add(
        "campaign-state",
        "campaigns",
        campaigns.size,
        count,
        `${campaigns.size} campaigns were created; the pledges contract reports ${count}.`,
      );
    for (const line of campaignLines) {
      const c = campaigns.get(line.campaignId);
      if (c === undefined) continue;
      const subject = `campaign ${line.campaignId}`;
      const v = await cp.getCampaign(line.campaignId, overrides);
      const stateCode = { open: 1, cancelled: 2, settled: 3 }[c.state];
      const cf = (raw: bigint): string => formatUnitsExact(raw, c.decimals);
      // Σ L·s counts every pledge not withdrawn (claims do not change it).
      const sumLS = c.pledges.reduce(
        (s, p) => (p.state !== "withdrawn" ? s + p.limit * c.scale * p.speed : s),
        0n,
      );
      // claimPot of a zero pot into an allocator gap emits no event: the flag cannot be known from events.
      const potFlagKnown = !(c.pot === 0n && c.state === "settled" && lc(c.allocator) !== ZERO_ADDRESS);
      const fields: Field[] = [
        ["state", stateCode, Number(v.state)],
        ["token", lc(c.token), lc(v.token)],
        ["recipient", lc(c.recipient), lc(v.recipient)],
        ["creator", lc(c.creator), lc(v.creator)],
        ["deadline", c.deadline, v.deadline],
        ["mode", Number(c.mode), Number(v.mode)],
        ["policy", Number(c.policy), Number(v.policy)],
        ["scale", c.scale, v.scale],
        ["initial speed", c.initialSpeed, v.initialSpeed, fx],
        ["decay", c.decay, v.decay, fx],
        ["next speed", c.nextSpeed, v.nextSpeed, fx],
        ["minimum limit", c.minLimit, v.minLimit, cf],
        ["allocator", lc(c.allocator), lc(v.allocator)],
        ["gap", lc(c.gapId), lc(v.gapId)],
        ["pledge count", BigInt(c.pledges.length), v.pledgeCount],
        ["escrow", line.escrow, v.escrow, cf],
        ["Σ L·s", sumLS, v.sumLimitSpeed, (x) => formatUnitsExact(x, 36)],
        ["h", c.h, v.h, fx],
        ["pot", c.pot, v.pot, cf],
        ["pot claimed", c.potClaimed, potFlagKnown ? v.potClaimed : c.potClaimed],
      ];
      compareFields("campaign-state", subject, "the pledges contract", fields);
      if (c.pledges.length > 0) {
        const [limits, speeds, states, pledgers] = await cp.getPledges(
          line.campaignId,
          0,
          c.pledges.length,
          overrides,
        );
        c.pledges.forEach((p, i) => {
          const ps = `${subject} pledge ${i}`;
          const code = { active: 1, withdrawn: 2, claimed: 3 }[p.state];
          const cols: Field[] = [
            ["limit", p.limit, limits[i] ?? "missing", cf],
            ["speed", p.speed, speeds[i] ?? "missing", fx],
            ["state", code, states[i] === undefined ? "missing" : Number(states[i])],
            ["pledger", lc(p.pledger), pledgers[i] === undefined ? "missing" : lc(pledgers[i] ?? "")],
          ];
          compareFields("pledge-state", ps, "the pledges contract", cols);
        });
        // One pledge per address: each active pledge is its pledger's (the one `pledge` would raise).
        for (const [i, p] of c.pledges.entries()) {
          if (p.state !== "active") continue;
          const [exists, id] = await cp.pledgeOf(line.campaignId, p.pledger, overrides);
          compareFields("pledge-state", `${subject} pledge ${i}`, "the pledges contract", [
            ["pledger's pledge", `pledge ${i}`, exists ? `pledge ${id}` : "none"],
          ]);
        }
      }
      tick();
    }
    const tokens = new Set<string>(pledgesOwed.keys());
    if (allocatorToken !== undefined) tokens.add(lc(allocatorToken));
    for (const token of tokens) {
      const decimals = await tokenDecimals(token);
      const balance = await IERC20Metadata__factory.connect(token, provider).balanceOf(
        pledgesAddress,
        overrides,
      );
      const display = campaignLines.find((l) => lc(l.token) === token)?.token ?? allocatorToken ?? token;
      balances.push({
        contract: "pledges",
        address: pledgesAddress,
        token: display,
        decimals,
        owed: pledgesOwed.get(token) ?? 0n,
        balance,
      });
    }
  }
  tick();

  for (const b of balances) {
    const f = (raw: bigint): string => formatUnitsExact(raw, b.decimals);
    const who = b.contract === "allocator" ? "The allocator" : "The pledges contract";
    if (b.balance < b.owed) {
      add(
        "balance-shortfall",
        `${b.contract} ${shortHex(b.token)}`,
        f(b.owed),
        f(b.balance),
        `${who} owes ${f(b.owed)} but holds ${f(b.balance)} of ${shortHex(b.token)}: ${f(b.owed - b.balance)} missing.`,
      );
    } else if (b.balance > b.owed) {
      add(
        "balance-surplus",
        `${b.contract} ${shortHex(b.token)}`,
        f(b.owed),
        f(b.balance),
        `${who} holds ${f(b.balance)} of ${shortHex(b.token)} but owes ${f(b.owed)}: ${f(b.balance - b.owed)} unaccounted for (sent straight to the contract?).`,
      );
    }
  }

  let matchesPaid = 0n;
  let withdrawn = 0n;
  let refunded = 0n;
  for (const g of gapLines) {
    matchesPaid += g.matchedPaid;
    withdrawn += g.withdrawn;
    refunded += g.refunded;
  }
  return {
    ok: discrepancies.length === 0,
    fromBlock: history.fromBlock,
    toBlock: history.toBlock,
    events: history.events.length,
    gaps: gapLines,
    rounds: roundLines,
    campaigns: campaignLines,
    balances,
    totals: {
      matchingPool: pool,
      directContributed,
      matchesPaid,
      withdrawn,
      refunded,
      unpaidAllocations,
      directHeld,
      refundable,
      allocatorOwed,
      campaigns: campaignLines.length,
      pledges: campaignLines.reduce((s, c) => s + c.pledges, 0),
      potsPaid: [...campaigns.values()].reduce((s, c) => s + c.potsPaid, 0n),
    },
    discrepancies,
  };
}
