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
