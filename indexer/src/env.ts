/**
 * The indexer's settings as the launcher passes them (see ponder.config.ts), checked once: a missing or
 * malformed value is one sentence naming the variable.
 */

/** What ponder.config.ts needs to index one cofund deployment. */
export interface IndexerEnv {
  chainId: number;
  rpcUrl: string;
  allocator: `0x${string}`;
  pledges: `0x${string}`;
  startBlock: number;
  databaseUrl: string | undefined;
  pgliteDir: string | undefined;
  pollingMs: number;
}

type Env = Record<string, string | undefined>;

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (value === undefined || value === "") {
    throw new Error(`${name} is not set: start the indexer with npm run indexer -- --network <name>`);
  }
  return value;
}

function address(env: Env, name: string): `0x${string}` {
  const value = required(env, name);
  if (!/^0x[0-9a-fA-F]{40}$/.test(value)) throw new Error(`${name} "${value}" is not an address`);
  return value as `0x${string}`;
}

function whole(env: Env, name: string, fallback?: number): number {
  const raw = env[name]?.trim();
  if ((raw === undefined || raw === "") && fallback !== undefined) return fallback;
  const value = required(env, name);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new Error(`${name} "${value}" is not a whole number`);
  }
  return Number(value);
}

/** Reads and checks the indexer's environment. */
export function readIndexerEnv(env: Env): IndexerEnv {
  const databaseUrl = env.DATABASE_URL?.trim();
  return {
    chainId: whole(env, "COFUND_CHAIN_ID"),
    rpcUrl: required(env, "COFUND_RPC_URL"),
    allocator: address(env, "COFUND_ALLOCATOR"),
    pledges: address(env, "COFUND_PLEDGES"),
    startBlock: whole(env, "COFUND_START_BLOCK"),
    databaseUrl: databaseUrl === "" ? undefined : databaseUrl,
    pgliteDir: env.COFUND_PGLITE_DIR?.trim() || undefined,
    pollingMs: whole(env, "COFUND_POLLING_MS", 1_000),
  };
}
