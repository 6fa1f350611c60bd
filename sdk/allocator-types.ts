/**
 * What AllocatorClient's methods return: one type per write (each a `TxInfo` with the events'
 * figures) and the read views (a gap's row, the system's stats, a round), derived from the replay's
 * entities (sdk/replay/state.ts) so a gap or a round has one shape across the SDK.
 */
import type { Gap, GapFundingFigures, Round } from "./replay/state";
import type { TxInfo } from "./tx";

/** `registerGap`: the `GapRegistered` event. */
export interface GapRegistration extends TxInfo {
  gapId: string;
  recipient: string;
  metadataURI: string;
}

/** `closeGap`: the `GapClosed` event. */
export interface GapClosure extends TxInfo {
  gapId: string;
  /** Contributions of rounds ≥ this are refundable. */
  closedRound: bigint;
}

/** `contribute`: the `ContributionMade` event (and the approval sent first, if one was needed). */
export interface Contribution extends TxInfo {
  round: bigint;
  gapId: string;
  contributor: string;
  amount: bigint;
  /** The contributor's total to the gap in `round`, this contribution included. */
  contributorRoundTotal: bigint;
  /** The gap's weight in the round afterwards (18-decimal normalised units). */
  gapWeight: bigint;
  /** The approval transaction sent before, when the allowance did not cover `amount`. */
  approvalTxHash?: string;
  /** Whether the contribution went through an EIP-2612 permit (one transaction, no approval). */
  permit: boolean;
}

/** `fundPool`: the `MatchingPoolFunded` event. */
export interface PoolFunding extends TxInfo {
  funder: string;
  amount: bigint;
  /** The matching pool available afterwards. */
  newBalance: bigint;
  approvalTxHash?: string;
}

/** `match`: the `RoundFinalized` event. */
export interface RoundFinalization extends TxInfo {
  round: bigint;
  poolSize: bigint;
  /** W of the round (18-decimal normalised units). */
  totalWeight: bigint;
  /** Raw tokens the round allocated to its gaps. */
  distributed: bigint;
  gapsFunded: bigint;
  /** When the next round can be finalised (unix seconds). */
  nextRoundEndTime: bigint;
}

/** `withdraw`: what was paid and which rounds were settled. */
export interface Withdrawal extends TxInfo {
  gapId: string;
  recipient: string;
  /** Total sent to the recipient. */
  amount: bigint;
  /** Direct contributions among `amount`. */
  direct: bigint;
  /** Matches among `amount`. */
  matched: bigint;
  /** Each settled round (newest first, as the contract walks them). */
  rounds: { round: bigint; direct: bigint; matched: bigint }[];
  /** Whether more settled rounds remain for another call (more than `MAX_ROUNDS_PER_WITHDRAWAL`). */
  more: boolean;
}

/** `refund`: the `ContributionRefunded` event. */
export interface Refund extends TxInfo {
  gapId: string;
  contributor: string;
  round: bigint;
  amount: bigint;
}

/** A gap's row in `stats`. Amounts raw; weights normalised. */
export interface GapRow extends Pick<Gap, "gapId" | "recipient" | "metadataURI">, GapFundingFigures {
  /** The name, when this client saw it (names are not stored on chain). */
  name?: string;
  status: "Active" | "Closed";
  /** Direct + matched, ready to pay now (what the next withdrawal pays). */
  withdrawable: bigint;
  contributorCount: bigint;
  currentRoundDirect: bigint;
  currentRoundWeight: bigint;
  estimatedMatch: bigint;
  closedRound: bigint;
}

/** `stats`: the system and its gaps, read at one block. */
export interface AllocatorStats {
  /** The open round (not finalised yet). */
  round: bigint;
  /** The round a contribution made now counts in (round + 1 once the round's window ended). */
  contributionRound: bigint;
  /** Matching pool tokens available. */
  matchingPool: bigint;
  gaps: GapRow[];
  /** System totals (over all gaps, whatever `gap` filter was used). */
  totals: { directTotal: bigint; matchedTotal: bigint; gapCount: bigint };
  /** The block the figures were read at. */
  blockNumber: number;
}

/** `round`: a round as `getRound` reports it. */
export interface RoundInfo extends Pick<Round, "totalWeight" | "capBps" | "swept"> {
  round: bigint;
  status: "None" | "Open" | "Finalized";
  matchingPoolTokens: bigint;
  gapsFunded: bigint;
  distributed: bigint;
  claimed: bigint;
  gapsSettled: bigint;
  startTime: bigint;
  endTime: bigint;
  finalizedAt: bigint;
  distributeWholePool: boolean;
}
