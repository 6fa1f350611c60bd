/**
 * Indexing functions: every event of both contracts is stored as the chain has it (ponder.schema.ts).
 */
import { ponder } from "ponder:registry";
import { cofundEvents } from "ponder:schema";
import { CoordinatedPledges__factory } from "../../typechain-types/factories/contracts/CoordinatedPledges__factory";
import { QuadraticFundingAllocator__factory } from "../../typechain-types/factories/contracts/QuadraticFundingAllocator__factory";

type Registered = Parameters<typeof ponder.on>[0];
type Handler = Parameters<typeof ponder.on>[1];

/** The handler that stores `contract`'s `name` events. */
const store =
  (contract: string, name: string): Handler =>
  async ({ event, context }) => {
    const { log, block, transaction } = event;
    await context.db.insert(cofundEvents).values({
      id: event.id,
      contract,
      name,
      blockNumber: block.number,
      blockHash: block.hash,
      timestamp: block.timestamp,
      transactionHash: transaction.hash,
      transactionIndex: transaction.transactionIndex,
      logIndex: log.logIndex,
      address: log.address,
      // Historical sync pads the topics with null up to four: keep the log's own.
      topics: log.topics.filter((t): t is `0x${string}` => t !== null && t !== undefined),
      data: log.data,
    });
  };

const sources = [
  ["Allocator", QuadraticFundingAllocator__factory.abi],
  ["Pledges", CoordinatedPledges__factory.abi],
] as const;
for (const [contract, abi] of sources) {
  for (const item of abi) {
    if (item.type === "event")
      ponder.on(`${contract}:${item.name}` as Registered, store(contract, item.name));
  }
}
