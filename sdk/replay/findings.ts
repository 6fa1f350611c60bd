/**
 * Findings: what disagrees with the replay. The replay records the event-level ones (an event field
 * that is not what the replay expects); the auditor adds those about views and balances. The auditor
 * reports them as its discrepancies.
 */
import { formatUnitsExact } from "../units";

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
  | "pledge-state"
  /** An indexer's table row (`audit --indexer`) is missing, extra, or differs from the chain's history. */
  | "indexer-table"
  /** An indexer's stored log is missing, extra, or differs from the chain's. */
  | "indexer-log";

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

/** A discrepancy built from its parts (`expected` and `actual` as strings). */
export function finding(
  kind: DiscrepancyKind,
  subject: string,
  expected: string | number,
  actual: string | number,
  sentence: string,
): Discrepancy {
  return { kind, subject, expected: String(expected), actual: String(actual), sentence };
}

/** Where the replay and the auditor record a finding: `add(kind, subject, expected, actual, sentence)`. */
export type AddFinding = (
  kind: DiscrepancyKind,
  subject: string,
  expected: string | number,
  actual: string | number,
  sentence: string,
) => void;

/** 18-decimal fixed point (normalised weights, Σ√c, h, speeds, decay) as a decimal string. */
export const fx = (raw: bigint): string => formatUnitsExact(raw, 18);

/** Lower-case address or id (the replay's keys). */
export const lc = (a: string): string => a.toLowerCase();
