/**
 * The allocator's figures as JSON, one format for every consumer: `qf:stats --json` prints it and the
 * indexer's `GET /api/gaps/funding/stats` serves it. Token amounts are exact decimal strings in token
 * units ("12.5"); counts and round numbers are JSON numbers.
 */
import type { AllocatorStats, GapRow } from "./allocator-types";
import type { JsonValue } from "./audit-report";
import { formatUnitsExact } from "./units";

/** One gap's row (`name`: the gap's human name when known, else null). */
export function gapRowJson(
  g: GapRow,
  name: string | undefined,
  decimals: number,
): { [key: string]: JsonValue } {
  const amount = (raw: bigint): string => formatUnitsExact(raw, decimals);
  return {
    gapId: g.gapId,
    name: name ?? null,
    recipient: g.recipient,
    status: g.status,
    directTotal: amount(g.directTotal),
    matchedTotal: amount(g.matchedTotal),
    matchedPaid: amount(g.matchedPaid),
    withdrawable: amount(g.withdrawable),
    refundedTotal: amount(g.refundedTotal),
    contributorCount: Number(g.contributorCount),
    currentRoundDirect: amount(g.currentRoundDirect),
    estimatedMatch: amount(g.estimatedMatch),
    metadataURI: g.metadataURI,
  };
}

/** The system's stats with every gap's row (`names[i]` is `s.gaps[i]`'s name). */
export function allocatorStatsJson(
  s: AllocatorStats,
  names: readonly (string | undefined)[],
  decimals: number,
): { [key: string]: JsonValue } {
  const amount = (raw: bigint): string => formatUnitsExact(raw, decimals);
  return {
    round: Number(s.round),
    contributionRound: Number(s.contributionRound),
    matchingPool: amount(s.matchingPool),
    gaps: s.gaps.map((g, i) => gapRowJson(g, names[i], decimals)),
    totals: {
      directTotal: amount(s.totals.directTotal),
      matchedTotal: amount(s.totals.matchedTotal),
      gapCount: Number(s.totals.gapCount),
    },
  };
}
