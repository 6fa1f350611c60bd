/**
 * Where the app finds its chain: `config.json` served beside the app (written by `npm run app` for the
 * local node, or by whoever hosts the app for a real network; see README).
 */

/** The app's deployment settings. */
export interface AppConfig {
  chainId: number;
  chainName: string;
  /** A JSON-RPC URL the browser can reach (reads, and the chain a wallet adds). */
  rpcUrl: string;
  /** The indexer's base URL (its HTTP API), e.g. http://localhost:42069. */
  indexerUrl: string;
  contracts: { QuadraticFundingAllocator: string; CoordinatedPledges: string };
  /** Block explorer base URL for transaction links (optional). */
  explorerUrl?: string;
  /** Pledges per settlement page the app sends (optional; default and at most: the contract's cap). */
  settlePagePledges?: number;
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** Checks a parsed config.json: one sentence naming the first field that is wrong. */
export function parseConfig(raw: unknown): AppConfig {
  const c = raw as Partial<AppConfig> | null;
  if (c === null || typeof c !== "object") throw new Error("config.json is not a JSON object");
  if (!Number.isSafeInteger(c.chainId) || (c.chainId ?? 0) <= 0)
    throw new Error("config.json: chainId is not a chain id");
  for (const key of ["chainName", "rpcUrl", "indexerUrl"] as const) {
    if (typeof c[key] !== "string" || c[key] === "") throw new Error(`config.json: ${key} is missing`);
  }
  for (const name of ["QuadraticFundingAllocator", "CoordinatedPledges"] as const) {
    if (!ADDRESS.test(c.contracts?.[name] ?? ""))
      throw new Error(`config.json: contracts.${name} is not an address`);
  }
  if (
    c.settlePagePledges !== undefined &&
    (!Number.isSafeInteger(c.settlePagePledges) || c.settlePagePledges < 0)
  )
    throw new Error("config.json: settlePagePledges is not a whole number");
  return c as AppConfig;
}

/** Loads config.json from beside the app. */
export async function loadConfig(): Promise<AppConfig> {
  const res = await fetch(new URL("config.json", document.baseURI));
  if (!res.ok) throw new Error(`config.json could not be loaded (HTTP ${res.status})`);
  return parseConfig(await res.json());
}
