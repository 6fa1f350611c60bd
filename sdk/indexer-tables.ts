/**
 * The indexer's tables as rows of the one event replay (sdk/replay): the Ponder handlers write them
 * (indexer/src/index.ts), `audit --indexer` recomputes them from the chain's logs and compares
 * (sdk/audit/indexer-check.ts). Raw token units; W in 18-decimal normalised units; h UD60x18.
 *
 * `touchedBy` names the rows an event may have changed, so a handler rewrites those and not the
 * whole history: a gap's own events touch the gap and its round; a finalisation or a sweep touches
 * every gap of that round (their matches); pool and settings changes touch the open round only.
 */
import { gapLine, roundLine } from "./audit/lines";
import { nameFromMetadataURI } from "./ids";
import { escrowOf, modeName, policyName, type CofundEvent } from "./replay";
import type { Campaign, ContributionRow, Gap, ReplayState, SettlementRow } from "./replay/state";
import { campaignStatusOf } from "./views";

/** A row of `gap_funding_contributions`. */
export interface ContributionTableRow {
  id: number;
  timestamp: bigint;
  block: bigint;
  txHash: string;
  contributor: string;
  gapId: string;
  amount: bigint;
  tier: string;
  matchingAmount: bigint;
  totalAllocation: bigint;
  round: number;
}

/** A row of `gaps` (as `getGapFundingStats` gives the totals). */
export interface GapTableRow {
  gapId: string;
  name: string | null;
  metadataUri: string;
  recipient: string;
  status: string;
  closedRound: number;
  directTotal: bigint;
  matchedTotal: bigint;
  matchedPaid: bigint;
  withdrawable: bigint;
  refundedTotal: bigint;
  contributorCount: number;
}

/** A row of `gap_funding_rounds` but its `startedAt` (the allocator's schedule, read from the chain). */
export interface RoundTableRow {
  roundNumber: number;
  status: string;
  matchingPoolTokens: bigint;
  gapsFunded: number;
  totalWeight: bigint;
  distributed: bigint;
  paid: bigint;
  returned: bigint;
  swept: boolean;
  distributeWholePool: boolean;
  capBps: number;
  finalizedAt: bigint | null;
}

/** A row of `campaigns` (h and pot live while open, settled after). */
export interface CampaignTableRow {
  campaignId: number;
  state: string;
  mode: string;
  policy: string;
  token: string;
  recipient: string;
  deadline: bigint;
  h: bigint;
  pot: bigint;
  escrow: bigint;
  potClaimed: boolean;
  pledgeCount: number;
}

/** A row of `pledges` (payment and marginal leverage live while open; real leverage once settled). */
export interface PledgeTableRow {
  id: string;
  campaignId: number;
  pledgeId: number;
  pledger: string;
  limit: bigint;
  speed: bigint;
  state: string;
  payment: bigint;
  refund: bigint;
  leverage: number | null;
  realLeverage: number | null;
}

/** A row of `settlements`. */
export interface SettlementTableRow {
  campaignId: number;
  block: bigint;
  txHash: string;
  timestamp: bigint;
  h: bigint;
  pot: bigint;
  hLow: bigint;
  hHigh: bigint;
  pages: number;
}

export function contributionTableRow(r: ContributionRow): ContributionTableRow {
  return {
    id: r.id,
    timestamp: BigInt(r.timestamp),
    block: BigInt(r.blockNumber),
    txHash: r.txHash,
    contributor: r.contributor,
    gapId: r.gapId,
    amount: r.amount,
    tier: r.tier,
    matchingAmount: r.matchingAmount,
    totalAllocation: r.totalAllocation,
    round: r.round,
  };
}

export function gapTableRow(s: ReplayState, g: Gap): GapTableRow {
  const { line } = gapLine(s, g);
  return {
    gapId: g.gapId,
    name: nameFromMetadataURI(g.metadataURI, g.gapId) ?? null,
    metadataUri: g.metadataURI,
    recipient: g.recipient,
    status: line.status,
    closedRound: g.closedRound,
    directTotal: line.directTotal,
    matchedTotal: line.matchedTotal,
    matchedPaid: line.matchedPaid,
    withdrawable: line.withdrawableNow,
    refundedTotal: line.refunded,
    contributorCount: line.contributors,
  };
}

export function roundTableRow(s: ReplayState, n: number): RoundTableRow {
  const r = roundLine(s, n);
  return {
    roundNumber: n,
    status: r.status,
    matchingPoolTokens: r.poolSize,
    gapsFunded: r.gapsFunded,
    totalWeight: r.totalWeight,
    distributed: r.allocated,
    paid: r.paid,
    returned: r.returned,
    swept: r.status === "swept",
    distributeWholePool: r.distributeWholePool,
    capBps: Number(r.capBps),
    finalizedAt: BigInt(s.rounds.get(n)?.finalizedBy?.timestamp ?? 0) || null,
  };
}

/**
 * A campaign's row and its pledges' at chain time `now`. Real leverage (one solve per pledge) is
 * final once the campaign is settled, and only then in the table (an open campaign's changes with
 * every pledge: the API computes it per request); `settledReal` passes the settled campaign's real
 * leverages when the caller kept them (they are returned as `real`).
 */
export function campaignTableRows(
  s: ReplayState,
  c: Campaign,
  now: bigint,
  settledReal?: (number | null)[],
): { campaign: CampaignTableRow; pledges: PledgeTableRow[]; real: (number | null)[] } {
  const compute = c.state === "settled" && settledReal === undefined;
  const status = campaignStatusOf(s, c, now, { realLeverage: compute });
  const real = compute
    ? status.pledges.map((p) => p.realLeverage)
    : c.state === "settled"
      ? settledReal!
      : status.pledges.map(() => null);
  const campaign: CampaignTableRow = {
    campaignId: c.campaignId,
    state: c.state,
    mode: modeName(c),
    policy: policyName(c),
    token: c.token,
    recipient: c.recipient,
    deadline: c.deadline,
    h: status.h,
    pot: status.pot,
    escrow: escrowOf(c),
    potClaimed: c.potClaimed,
    pledgeCount: c.pledges.length,
  };
  const pledges = status.pledges.map((p, k) => ({
    id: `${c.campaignId}-${p.pledgeId}`,
    campaignId: c.campaignId,
    pledgeId: Number(p.pledgeId),
    pledger: p.pledger,
    limit: p.limit,
    speed: p.speed,
    state: p.state,
    payment: p.payment,
    refund: p.refund,
    leverage: Number.isFinite(p.leverage) ? p.leverage : null,
    realLeverage: real[k] ?? null,
  }));
  return { campaign, pledges, real };
}

export function settlementTableRow(x: SettlementRow): SettlementTableRow {
  return {
    campaignId: x.campaignId,
    block: BigInt(x.blockNumber),
    txHash: x.txHash,
    timestamp: BigInt(x.timestamp),
    h: x.h,
    pot: x.pot,
    hLow: x.hLow,
    hHigh: x.hHigh,
    pages: x.pages,
  };
}

/** The rows an event may have changed (see the module comment); `s` is the state after it. */
export interface Touched {
  gaps: string[];
  rounds: number[];
  campaign?: number;
}

/** The gaps with contributions in round `n`. */
const gapsOfRound = (s: ReplayState, n: number): string[] =>
  [...s.gaps.values()].filter((g) => g.rounds.has(n)).map((g) => g.gapId);

export function touchedBy(s: ReplayState, e: CofundEvent): Touched {
  if (e.contract === "pledges") return { gaps: [], rounds: [], campaign: Number(e.args.campaignId) };
  const { gaps, rounds } = allocatorTouches(s, e);
  // The open round's row exists from the first allocator event on (as the auditor lists it).
  return { gaps, rounds: [...new Set([s.currentRound, ...rounds])] };
}

function allocatorTouches(s: ReplayState, e: CofundEvent & { contract: "allocator" }): Touched {
  switch (e.name) {
    case "GapRegistered":
    case "GapFundsWithdrawn":
      return { gaps: [e.args.gapId.toLowerCase()], rounds: [] };
    case "GapClosed":
      // A closed gap leaves the open round's W (its contributions there become refundable).
      return { gaps: [e.args.gapId.toLowerCase()], rounds: [Number(e.args.closedRound)] };
    case "ContributionMade":
    case "ContributionRefunded":
    case "GapRoundSettled":
      return { gaps: [e.args.gapId.toLowerCase()], rounds: [Number(e.args.round)] };
    case "RoundFinalized":
    case "MatchingReturned": {
      const n = Number(e.args.round);
      return { gaps: gapsOfRound(s, n), rounds: [n] };
    }
    default:
      return { gaps: [], rounds: [] }; // pool, settings: the open round only
  }
}
