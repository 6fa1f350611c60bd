/**
 * The indexer's database. `cofund_events` keeps every log of the two contracts as the chain has it
 * (topics and data), in chain order: the SDK's replay rebuilds its state from them after a restart or
 * a reorganisation. Ponder reverts every table here to the new chain on a reorganisation.
 */
import { index, onchainTable } from "ponder";

/** One log of QuadraticFundingAllocator or CoordinatedPledges, undecoded. */
export const cofundEvents = onchainTable(
  "cofund_events",
  (t) => ({
    /** Ponder's event id: sorts in chain order. */
    id: t.text().primaryKey(),
    contract: t.text().notNull(),
    name: t.text().notNull(),
    blockNumber: t.bigint().notNull(),
    blockHash: t.hex().notNull(),
    timestamp: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
    transactionIndex: t.integer().notNull(),
    logIndex: t.integer().notNull(),
    address: t.hex().notNull(),
    topics: t.hex().array().notNull(),
    data: t.hex().notNull(),
  }),
  (table) => ({ blockIdx: index().on(table.blockNumber) }),
);

// ─────────────────────────────────────────────── the allocator design's tables (projections of the replay)

/** One contribution (`direct`), or a gap's paid match of a round (`match`): the allocator design's table. */
export const gapFundingContributions = onchainTable(
  "gap_funding_contributions",
  (t) => ({
    /** 1-based, in chain order. */
    id: t.integer().primaryKey(),
    timestamp: t.bigint().notNull(),
    block: t.bigint().notNull(),
    txHash: t.hex().notNull(),
    /** The contributor (the design's agent_id), or the allocator for a match row. */
    contributor: t.hex().notNull(),
    gapId: t.hex().notNull(),
    /** Raw token units. */
    amount: t.bigint().notNull(),
    tier: t.text().notNull(),
    matchingAmount: t.bigint().notNull(),
    totalAllocation: t.bigint().notNull(),
    round: t.integer().notNull(),
  }),
  (table) => ({
    gapRound: index().on(table.gapId, table.round),
    contributor: index().on(table.contributor),
    timestamp: index().on(table.timestamp),
  }),
);

/** One matching round (raw token units; W in 18-decimal normalised units). */
export const gapFundingRounds = onchainTable("gap_funding_rounds", (t) => ({
  roundNumber: t.integer().primaryKey(),
  status: t.text().notNull(),
  matchingPoolTokens: t.bigint().notNull(),
  gapsFunded: t.integer().notNull(),
  totalWeight: t.bigint().notNull(),
  distributed: t.bigint().notNull(),
  paid: t.bigint().notNull(),
  returned: t.bigint().notNull(),
  swept: t.boolean().notNull(),
  distributeWholePool: t.boolean().notNull(),
  capBps: t.integer().notNull(),
  /** When the round opened (`getRound(n).startTime`) and when it was finalised (unix seconds). */
  startedAt: t.bigint(),
  finalizedAt: t.bigint(),
}));

/** A registered gap and its totals (as `getGapFundingStats` gives them; raw token units). */
export const gaps = onchainTable("gaps", (t) => ({
  gapId: t.hex().primaryKey(),
  name: t.text(),
  metadataUri: t.text().notNull(),
  recipient: t.hex().notNull(),
  status: t.text().notNull(),
  closedRound: t.integer().notNull(),
  directTotal: t.bigint().notNull(),
  matchedTotal: t.bigint().notNull(),
  matchedPaid: t.bigint().notNull(),
  withdrawable: t.bigint().notNull(),
  refundedTotal: t.bigint().notNull(),
  contributorCount: t.integer().notNull(),
}));

/** A pledge campaign (h and pot: live as of its last event while open, settled after). */
export const campaigns = onchainTable("campaigns", (t) => ({
  campaignId: t.integer().primaryKey(),
  state: t.text().notNull(),
  mode: t.text().notNull(),
  policy: t.text().notNull(),
  token: t.hex().notNull(),
  recipient: t.hex().notNull(),
  deadline: t.bigint().notNull(),
  h: t.bigint().notNull(),
  pot: t.bigint().notNull(),
  escrow: t.bigint().notNull(),
  potClaimed: t.boolean().notNull(),
  pledgeCount: t.integer().notNull(),
}));

/** A pledge (payment, refund and leverages as of its campaign's last event; settled values after). */
export const pledges = onchainTable(
  "pledges",
  (t) => ({
    id: t.text().primaryKey(),
    campaignId: t.integer().notNull(),
    pledgeId: t.integer().notNull(),
    pledger: t.hex().notNull(),
    limit: t.bigint().notNull(),
    speed: t.bigint().notNull(),
    state: t.text().notNull(),
    payment: t.bigint().notNull(),
    refund: t.bigint().notNull(),
    leverage: t.real(),
    realLeverage: t.real(),
  }),
  (table) => ({ campaign: index().on(table.campaignId), pledger: index().on(table.pledger) }),
);

/** A campaign's settlement (the certified bracket, h, pot and the pages it took). */
export const settlements = onchainTable("settlements", (t) => ({
  campaignId: t.integer().primaryKey(),
  block: t.bigint().notNull(),
  txHash: t.hex().notNull(),
  timestamp: t.bigint().notNull(),
  h: t.bigint().notNull(),
  pot: t.bigint().notNull(),
  hLow: t.bigint().notNull(),
  hHigh: t.bigint().notNull(),
  pages: t.integer().notNull(),
}));
