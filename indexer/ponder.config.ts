/**
 * Ponder's configuration of the cofund indexer. The launcher (`npm run indexer -- --network <name>`,
 * tasks/indexer.ts) resolves the network, the deployment records and the start block, and passes them
 * here through the environment, so this file holds no address and no URL of its own.
 *
 * - `COFUND_CHAIN_ID`, `COFUND_RPC_URL`: the chain and its node.
 * - `COFUND_ALLOCATOR`, `COFUND_PLEDGES`, `COFUND_START_BLOCK`: the deployment and its first block.
 * - `DATABASE_URL`: PostgreSQL (production); without it PGlite in `COFUND_PGLITE_DIR`.
 * - `COFUND_POLLING_MS`: how often the node is polled for new blocks (default 1,000 ms).
 */
import { createConfig } from "ponder";
import { CoordinatedPledges__factory } from "../typechain-types/factories/contracts/CoordinatedPledges__factory";
import { QuadraticFundingAllocator__factory } from "../typechain-types/factories/contracts/QuadraticFundingAllocator__factory";
import { readIndexerEnv } from "./src/env";

const env = readIndexerEnv(process.env);

export default createConfig({
  database:
    env.databaseUrl !== undefined
      ? { kind: "postgres", connectionString: env.databaseUrl }
      : { kind: "pglite", directory: env.pgliteDir },
  chains: {
    cofund: {
      id: env.chainId,
      rpc: env.rpcUrl,
      pollingInterval: env.pollingMs,
      // A local node restarted under the same chain id serves another history: never reuse its cache.
      disableCache: env.chainId === 31337,
    },
  },
  contracts: {
    Allocator: {
      chain: "cofund",
      abi: QuadraticFundingAllocator__factory.abi,
      address: env.allocator,
      startBlock: env.startBlock,
    },
    Pledges: {
      chain: "cofund",
      abi: CoordinatedPledges__factory.abi,
      address: env.pledges,
      startBlock: env.startBlock,
    },
  },
});
