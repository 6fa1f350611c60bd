/**
 * The replay's state: one typed entity per on-chain concept (gap, gap-round, round, campaign,
 * pledge), the event-log tables the indexer publishes (contributions, pool fundings, settings
 * changes, settlements) and the findings the replay recorded. Values are the replay's own
 * recomputation with the SDK's math; an event that disagrees is a finding, not a value.
 */
import type { Mode, Policy } from "../math/campaign";
import { scaleOf } from "../math/qf";
import { formatUnitsExact } from "../units";
import type { CofundContract, EventPosition } from "./events";
import type { Discrepancy } from "./findings";

// ─────────────────────────────────────────────── allocator entities

/** A gap's funding figures with the meanings of `getGapFundingStats` (indexer rows, client rows). */
export interface GapFundingFigures {
  /** Direct contributions not refunded. */
  directTotal: bigint;
  /** Every match allocated by finalised rounds, paid or not. */
  matchedTotal: bigint;
  /** Matches already paid to the recipient. */
  matchedPaid: bigint;
  /** Contributions refunded after the gap closed. */
  refundedTotal: bigint;
}

/** One round of one gap. */
export interface GapRound {
  round: number;
  /** Contributor (lower case) → round total. */
  totals: Map<string, bigint>;
  /** Σ√c (1e18 = 1 √token). */
  sumSqrt: bigint;
  /** Raw tokens held for the round (net of refunds). */
  direct: bigint;
  /** Contributor (lower case) → refunded amount. */
  refunded: Map<string, bigint>;
  /** Paid to the recipient (`GapRoundSettled`). */
  settled: boolean;
}

/** One round of a gap paid to its recipient (`GapRoundSettled`, as recorded). */
export interface GapRoundSettlement extends EventPosition {
  round: number;
  direct: bigint;
  matched: bigint;
}

/** A recipient payment or a refund of a gap. */
export interface GapPayment extends EventPosition {
  amount: bigint;
}

/** A refund of a contribution to a closed gap. */
export interface GapRefund extends EventPosition {
  contributor: string;
  round: number;
  amount: bigint;
}

/** A gap. */
export interface Gap {
  /** Lower case. */
  gapId: string;
  /** The first event about it. */
  seen: EventPosition;
  /** Its (last) `GapRegistered`; undefined when never registered. */
  registered?: EventPosition;
  recipient: string;
  metadataURI: string;
  /** First refund-only round (0 while open). */
  closedRound: number;
  closed?: EventPosition;
  /** Σ of direct contributions (refunds not deducted: see `refunded`). */
  contributed: bigint;
  contributions: number;
  /** Lower-case contributors. */
  contributors: Set<string>;
  rounds: Map<number, GapRound>;
  /** Matches paid to the recipient. */
  matchedPaid: bigint;
  /** Paid to the recipient (direct + matches). */
  withdrawn: bigint;
  refunded: bigint;
  /** A withdrawal settled `MAX_ROUNDS_PER_WITHDRAWAL` rounds: a paginated walk may be in progress. */
  mayWalk: boolean;
  settlements: GapRoundSettlement[];
  withdrawals: (GapPayment & { recipient: string })[];
  refunds: GapRefund[];
}

/** A funding round. */
export interface Round {
  roundNumber: number;
  /** A round event (finalisation, settlement, sweep) referred to it. */
  touched: boolean;
  finalized: boolean;
  /** Its `RoundFinalized`. */
  finalizedBy?: EventPosition;
  poolSize: bigint;
  /** Matching settings in force at finalisation. */
  wholePool: boolean;
  capBps: bigint;
  /** W and gaps funded at finalisation (0 while open). */
  totalWeight: bigint;
  gapsFunded: number;
  /** Raw tokens taken from the pool at finalisation. */
  allocated: bigint;
  /** Matches paid so far. */
  paid: bigint;
  /** Funded gaps (positive weight) paid. */
  gapsSettled: number;
  /** `GapRoundSettled` events (gaps with a zero weight included). */
  settlements: number;
  swept: boolean;
  returned: bigint;
  /** Gap → weight at finalisation (funded gaps only). */
  weights: Map<string, bigint>;
  /** Direct contributions recorded in the round (refunds not deducted) and their count. */
  contributed: bigint;
  contributions: number;
}

// ─────────────────────────────────────────────── pledges entities

/** A campaign's mode and policy as the SDK names them (`Mode`, `Policy`). */
export type ModeName = "quadratic" | "linear";
export type { PolicyName } from "../math/campaign";

/** A pledge. */
export interface Pledge {
  campaignId: number;
  pledgeId: number;
  pledger: string;
  /** The combined limit: the first pledge's plus every raise. */
  limit: bigint;
  speed: bigint;
  state: "active" | "withdrawn" | "claimed";
  /** pᵢ(h) at the settled h (0 before settlement, after a cancel or when withdrawn). */
  payment: bigint;
  /** What the pledger got back (a withdrawal or a claim; 0 before). */
  refund: bigint;
  pledged: EventPosition;
  /** Each `PledgeRaised` of this pledge (one pledge per address per campaign: pledging again raises it). */
  raises: (EventPosition & { added: bigint })[];
  withdrawn?: EventPosition;
  claimed?: EventPosition;
  /** What its `RefundClaimed` recorded (the event's own figures; `payment`/`refund` are the replay's). */
  claimedAmounts?: { payment: bigint; refund: bigint };
}

/** A campaign's pot payment (`PotClaimed`). */
export interface PotPayment extends EventPosition {
  to: string;
  amount: bigint;
  toGap: boolean;
}

/** A campaign. */
export interface Campaign {
  campaignId: number;
  creator: string;
  token: string;
  decimals: number;
  scale: bigint;
  recipient: string;
  deadline: bigint;
  mode: Mode;
  policy: Policy;
  initialSpeed: bigint;
  /** The policy's parameter in force, as `CampaignView.decay`: r, c or L₀ (1e18 under the constant policy). */
  decay: bigint;
  /** The decay as given to `createCampaign`. */
  decayParam: bigint;
  minLimit: bigint;
  allocator: string;
  gapId: string;
  created: EventPosition;
  nextSpeed: bigint;
  state: "open" | "cancelled" | "settled";
  cancelled?: EventPosition;
  pledges: Pledge[];
  /** Settled h and pot (0 before). */
  h: bigint;
  pot: bigint;
  potClaimed: boolean;
  gapContributionFailed: boolean;
  potPayments: PotPayment[];
  /** Refunds already paid (claims and withdrawals). */
  refundsPaid: bigint;
  potsPaid: bigint;
}

// ─────────────────────────────────────────────── event-log tables

/** A row of the `gap_funding_contributions` table (one per contribution or paid match). */
export interface ContributionRow extends EventPosition {
  /** 1-based row id in (block, logIndex) order. */
  id: number;
  /**
   * "direct": a `ContributionMade`; "match": a gap's paid match of a round (`GapRoundSettled`);
   * "refund": a contribution refunded from a closed gap (`ContributionRefunded`, amount = the refund).
   */
  tier: "direct" | "match" | "refund";
  /** The contributor (direct), or the allocator itself, whose matching pool paid (match). */
  contributor: string;
  gapId: string;
  round: number;
  /** Raw tokens: the contribution (direct) or the match paid (match). */
  amount: bigint;
  /** Matching paid with this row: 0 for direct rows, the match for match rows. */
  matchingAmount: bigint;
  /**
   * Direct and refund rows: the amount. Match rows: the round's direct funds plus the match, paid
   * together.
   */
  totalAllocation: bigint;
  /** Direct rows: the contributor's round total the event recorded (`contributorRoundTotal`). */
  recordedContributorRoundTotal: bigint;
  /** Direct rows: the gap's round weight the event recorded (`gapWeight`, normalised units). */
  recordedGapWeight: bigint;
  /** Match rows: the round's direct funds the event recorded (`GapRoundSettled.direct`). */
  recordedDirect: bigint;
}

/** A `MatchingPoolFunded` event. */
export interface PoolFundingRow extends EventPosition {
  funder: string;
  amount: bigint;
  newBalance: bigint;
}

/** A `MatchingSettingsUpdated` event. */
export interface SettingsChangeRow extends EventPosition {
  distributeWholePool: boolean;
  capBps: bigint;
}

/** A campaign settlement (`CampaignSettled`) with the bracket of its last page. */
export interface SettlementRow extends EventPosition {
  campaignId: number;
  settler: string;
  h: bigint;
  pot: bigint;
  /** The bracket proven (from the session's `SettlementProgressed`; [0, 0] for an h = 0 settlement). */
  hLow: bigint;
  hHigh: bigint;
  /** Pages the winning session took (0 for an h = 0 settlement, which needs no pass). */
  pages: number;
}

// ─────────────────────────────────────────────── the state

/** What the replay needs to know besides the events (no I/O happens during a replay). */
export interface ReplayContext {
  /** The allocator's address (match rows name it; pot payments to it are cross-checked). */
  allocator?: string;
  /** The pledges contract's address (its contributions and refunds are pots). */
  pledges?: string;
  /** The allocator token's decimals (default 18). */
  allocatorDecimals?: number;
  /** Decimals of a campaign's token (default 18). */
  decimalsOf?: (token: string) => number;
}

/** The replayed state of a cofund deployment. */
export interface ReplayState {
  context: ReplayContext;
  /** The allocator token's decimals and scale (10^(18 − decimals)). */
  decimals: number;
  scale: bigint;
  currentRound: number;
  /** The matching pool. */
  pool: bigint;
  /** Matching settings in force. */
  wholePool: boolean;
  capBps: bigint;
  directContributed: bigint;
  /** Pots the allocator refunded to the pledges contract (closed gap) and not yet paid on by `reclaimPot`. */
  potRefundsHeld: bigint;
  gaps: Map<string, Gap>;
  rounds: Map<number, Round>;
  campaigns: Map<number, Campaign>;
  contributions: ContributionRow[];
  poolFundings: PoolFundingRow[];
  settingsChanges: SettingsChangeRow[];
  settlements: SettlementRow[];
  /** Per transaction, for cross-checks: what each gap's settled rounds pay, and how many. */
  settledInTx: Map<string, { amount: bigint; rounds: number }>;
  /** Per transaction: the allocator contributions (a pot paid into a gap must be one of them). */
  contributionsInTx: Map<string, { contributor: string; gapId: string; amount: bigint }[]>;
  /** Last `SettlementProgressed` per (campaign, session): bracket and pages. */
  sessions: Map<string, { hLow: bigint; hHigh: bigint; pages: number }>;
  lastProgress?: { txHash: string; campaignId: number; key: string };
  /** Events applied. */
  events: number;
  /** Event-level findings, per contract, in event order. */
  findings: Record<CofundContract, Discrepancy[]>;
}

/** The state before any event. */
export function emptyState(context: ReplayContext = {}): ReplayState {
  const decimals = context.allocatorDecimals ?? 18;
  return {
    context,
    decimals,
    scale: scaleOf(decimals),
    currentRound: 1,
    pool: 0n,
    wholePool: false,
    capBps: 0n,
    directContributed: 0n,
    potRefundsHeld: 0n,
    gaps: new Map(),
    rounds: new Map(),
    campaigns: new Map(),
    contributions: [],
    poolFundings: [],
    settingsChanges: [],
    settlements: [],
    settledInTx: new Map(),
    contributionsInTx: new Map(),
    sessions: new Map(),
    events: 0,
    findings: { allocator: [], pledges: [] },
  };
}

/** Raw allocator tokens as a decimal string in token units. */
export const fmtOf =
  (s: ReplayState) =>
  (raw: bigint): string =>
    formatUnitsExact(raw, s.decimals);

/** The gap `id` (created on its first event). */
export function gapOf(s: ReplayState, id: string, at: EventPosition): Gap {
  const key = id.toLowerCase();
  let g = s.gaps.get(key);
  if (g === undefined) {
    g = {
      gapId: key,
      seen: at,
      recipient: "",
      metadataURI: "",
      closedRound: 0,
      contributed: 0n,
      contributions: 0,
      contributors: new Set(),
      rounds: new Map(),
      matchedPaid: 0n,
      withdrawn: 0n,
      refunded: 0n,
      mayWalk: false,
      settlements: [],
      withdrawals: [],
      refunds: [],
    };
    s.gaps.set(key, g);
  }
  return g;
}

/** Round `r` of gap `g` (created on its first contribution). */
export function gapRoundOf(g: Gap, r: number): GapRound {
  let gr = g.rounds.get(r);
  if (gr === undefined) {
    gr = { round: r, totals: new Map(), sumSqrt: 0n, direct: 0n, refunded: new Map(), settled: false };
    g.rounds.set(r, gr);
  }
  return gr;
}

/** Round `r` before any of its events. */
export function newRound(r: number): Round {
  return {
    roundNumber: r,
    touched: false,
    finalized: false,
    poolSize: 0n,
    wholePool: false,
    capBps: 0n,
    totalWeight: 0n,
    gapsFunded: 0,
    allocated: 0n,
    paid: 0n,
    gapsSettled: 0,
    settlements: 0,
    swept: false,
    returned: 0n,
    weights: new Map(),
    contributed: 0n,
    contributions: 0,
  };
}

/** Round `r` (created on its first event). */
export function roundOf(s: ReplayState, r: number): Round {
  let acc = s.rounds.get(r);
  if (acc === undefined) {
    acc = newRound(r);
    s.rounds.set(r, acc);
  }
  return acc;
}
