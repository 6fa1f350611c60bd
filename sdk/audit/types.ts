/**
 * The auditor's report: per-gap, per-round and per-campaign lines (derived views of the replay's
 * entities, sdk/replay/state.ts), balances, totals and discrepancies. Field names are the published
 * JSON format (sdk/audit-report.ts).
 */
import type { Provider } from "ethers";
import type { IndexedHistory } from "../indexer";
import type { Discrepancy } from "../replay/findings";
import type { Campaign, Gap, GapRound, ModeName, Pledge, PolicyName, Round } from "../replay/state";

/** One round of one gap, recomputed. */
export interface GapRoundLine extends Pick<GapRound, "round" | "sumSqrt"> {
  contributors: number;
  /** Raw tokens contributed in the round (net of refunds). */
  direct: bigint;
  /** w (normalised). */
  weight: bigint;
  /** The match after cap (0 until the round is finalised, and for rounds refundable after closing). */
  match: bigint;
  status: "open" | "finalized" | "paid" | "refundable";
}

/** A gap, recomputed. */
export interface GapLine extends Pick<
  Gap,
  "gapId" | "metadataURI" | "recipient" | "closedRound" | "matchedPaid" | "withdrawn" | "refunded"
> {
  status: "active" | "closed";
  /** Direct contributions not refunded (`getGapFundingStats.directTotal`). */
  directTotal: bigint;
  contributors: number;
  /** Every match allocated by finalised rounds, paid or not (`getGapFundingStats.matchedTotal`). */
  matchedTotal: bigint;
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
export interface RoundLine extends Pick<
  Round,
  "roundNumber" | "poolSize" | "capBps" | "totalWeight" | "gapsFunded" | "allocated" | "paid"
> {
  status: "open" | "finalized" | "swept";
  distributeWholePool: boolean;
  /** Σ of every funded gap's match (what the round will pay in total). */
  matchesTotal: bigint;
  /** Returned to the pool by the sweep (or to be returned: allocated − matchesTotal). */
  returned: bigint;
}

/** A pledge, recomputed. */
export interface PledgeLine extends Pick<Pledge, "pledgeId" | "pledger" | "limit" | "speed" | "state"> {
  /** pᵢ(h) at the settled h (0 before settlement, after a cancel or when withdrawn). */
  payment: bigint;
  /** What the pledger gets back (or got). */
  refund: bigint;
}

/** A campaign, recomputed. */
export interface CampaignLine extends Pick<
  Campaign,
  "campaignId" | "token" | "decimals" | "state" | "h" | "pot" | "potClaimed" | "refundsPaid"
> {
  mode: ModeName;
  policy: PolicyName;
  pledges: number;
  activePledges: number;
  escrow: bigint;
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
  /** The indexer reconciled (with `AuditOptions.indexer`): its URL and the rows compared per table. */
  indexer?: { url: string; rows: Record<string, number> };
}

/** Options of `auditCofund`. */
export interface AuditOptions {
  provider: Provider;
  history: IndexedHistory;
  /** The allocator's token (default: the allocator's `token()`; read once, it is immutable). */
  token?: string;
  /** Called with (done, total) steps of the comparison phase. */
  onProgress?: (done: number, total: number) => void;
  /**
   * An indexer to reconcile too (`audit --indexer`): its tables and stored logs against the replay.
   * The history must end at the block it has indexed (see `indexerHealth`).
   */
  indexer?: { url: string; fetch?: typeof fetch };
}
