/**
 * The clients' views computed from the one event replay instead of the contracts: a gap's row
 * (`getGapFundingStats`), the system's stats (`getAllGapsFunding`, paged and summed) as
 * `AllocatorClient.stats` reads them, and a campaign's status as `PledgesClient.status` computes it. The indexer's API serves these; the audit
 * compares the same figures with the contract's views. Time enters only through `contributionRound`
 * (the contract's `contributionRound()` at the block the caller reads).
 */
import type { AllocatorStats, GapRow } from "./allocator-types";
import { campaignStatus } from "./campaign-status";
import type { CampaignStatus } from "./pledges-types";
import { campaignMath, escrowOf, modeName, policyName } from "./replay/pledges";
import { gapLine } from "./audit/lines";
import { nameFromMetadataURI } from "./ids";
import { matchRaw } from "./math/qf-math";
import { roundWeight, weightOf } from "./replay/allocator";
import type { Campaign, Gap, ReplayState } from "./replay/state";

/** `getGapFundingStats(g)` from the replay, with `contributionRound` the round contributions go to now. */
export function gapRowOf(s: ReplayState, g: Gap, contributionRound: number): GapRow {
  const { line } = gapLine(s, g);
  const open = g.closedRound === 0;
  const gr = g.rounds.get(contributionRound);
  const weight = open && gr !== undefined ? weightOf(s, gr) : 0n;
  const estimatedMatch = open
    ? matchRaw(weight, roundWeight(s, contributionRound).totalWeight, s.pool, s.scale, s.wholePool)
    : 0n;
  const name = nameFromMetadataURI(g.metadataURI, g.gapId);
  return {
    gapId: g.gapId,
    ...(name !== undefined ? { name } : {}),
    recipient: g.recipient,
    status: open ? "Active" : "Closed",
    metadataURI: g.metadataURI,
    directTotal: line.directTotal,
    matchedTotal: line.matchedTotal,
    matchedPaid: line.matchedPaid,
    refundedTotal: line.refunded,
    withdrawable: line.withdrawableNow,
    contributorCount: BigInt(line.contributors),
    currentRoundDirect: gr?.direct ?? 0n,
    currentRoundWeight: weight,
    estimatedMatch,
    closedRound: BigInt(g.closedRound),
  };
}

/** The registered gaps in registration order. */
export function registeredGaps(s: ReplayState): Gap[] {
  return [...s.gaps.values()].filter((g) => g.registered !== undefined);
}

/** `AllocatorClient.stats()` from the replay: every registered gap's row and the system totals. */
export function allocatorStatsOf(
  s: ReplayState,
  contributionRound: number,
  blockNumber: number,
): AllocatorStats {
  const gaps = registeredGaps(s).map((g) => gapRowOf(s, g, contributionRound));
  return {
    round: BigInt(s.currentRound),
    contributionRound: BigInt(contributionRound),
    matchingPool: s.pool,
    gaps,
    totals: {
      directTotal: gaps.reduce((a, g) => a + g.directTotal, 0n),
      matchedTotal: gaps.reduce((a, g) => a + g.matchedTotal, 0n),
      gapCount: BigInt(gaps.length),
    },
    blockNumber,
  };
}

/**
 * `PledgesClient.status(c)` from the replay at chain time `now`. `potInGap` is the pot as paid into the
 * gap and `gapRound` the round of that contribution (a later `reclaimPot` is not subtracted: the
 * contract's view is the reference for reclaims). `options.realLeverage: false` skips the real
 * leverages (left null), which cost one solve per pledge.
 */
export function campaignStatusOf(
  s: ReplayState,
  c: Campaign,
  now: bigint,
  options: { realLeverage?: boolean } = {},
): CampaignStatus {
  const toGap = c.potPayments.filter((p) => p.toGap);
  const pledges = s.context.pledges?.toLowerCase();
  const potContribution = s.contributions.find(
    (r) => toGap.some((p) => p.txHash === r.txHash) && r.contributor.toLowerCase() === pledges,
  );
  return campaignStatus({
    campaignId: BigInt(c.campaignId),
    chainState: c.state,
    now,
    settledH: c.h,
    settledPot: c.pot,
    math: campaignMath(c),
    pledgers: c.pledges.map((p) => p.pledger),
    pledgeStates: c.pledges.map((p) => p.state),
    mode: modeName(c),
    policy: policyName(c),
    token: c.token,
    decimals: c.decimals,
    recipient: c.recipient,
    deadline: c.deadline,
    escrow: escrowOf(c),
    nextSpeed: c.nextSpeed,
    initialSpeed: c.initialSpeed,
    minLimit: c.minLimit,
    decay: c.decay,
    potClaimed: c.potClaimed,
    potInGap: toGap.reduce((a, p) => a + p.amount, 0n),
    gapRound: BigInt(potContribution?.round ?? 0),
    realLeverage: options.realLeverage,
  });
}
