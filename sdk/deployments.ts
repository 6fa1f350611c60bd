/**
 * Finding deployed addresses. `npm run deploy` writes Ignition records to
 * `deploy/deployments/<deploymentId>/deployed_addresses.json` (deployment id `chain-<chainId>`
 * unless `COFUND_DEPLOYMENT_ID` says otherwise); this module reads them back so users never paste an
 * address. The in-process `hardhat` network keeps no records (each run starts a new chain), so code
 * that deploys there registers the addresses in memory with `registerDeployment`. It also finds where a
 * deployment starts (`findDeploymentBlock`: its Ignition journal, else a binary search on `getCode`), the
 * first block an indexer reads. This is the one module that reads `deploy/`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Provider } from "ethers";

/** The Ignition module id of `deploy/Cofund.ts`; record keys look like `Cofund#QuadraticFundingAllocator`. */
export const COFUND_MODULE_ID = "Cofund";

/**
 * Where Ignition keeps deployment records (`paths.ignition` + `/deployments`) unless a caller says:
 * `deploy/deployments` under the current directory — the repository root for npm scripts and tests
 * (tasks pass Hardhat's configured path). Code using the built package (@cofund/sdk) runs from its own
 * root or passes `deploymentsDir`.
 */
export const DEFAULT_DEPLOYMENTS_DIR = path.resolve("deploy", "deployments");

/** Addresses of one cofund deployment on one chain. */
export interface CofundDeployment {
  /** The Hardhat network name the deployment was looked up for. */
  network: string;
  chainId: bigint;
  /** The Ignition deployment id (e.g. `chain-31337`), or `memory` for registered deployments. */
  deploymentId: string;
  /** Contract name (without the module prefix) → address, e.g. `QuadraticFundingAllocator`. */
  contracts: Record<string, string>;
  /** The allocator, when deployed. */
  allocator?: string;
  /** The ERC-20 (the test token or the `TOKEN_ADDRESS` the deployment used). */
  token?: string;
  /** CoordinatedPledges, when deployed. */
  pledges?: string;
}

/** No usable deployment for the network (none recorded, or the records are stale). */
export class DeploymentNotFoundError extends Error {
  override readonly name = "DeploymentNotFoundError";
}

const memory = new Map<string, Record<string, string>>();

/** The deployment id records are written under: `COFUND_DEPLOYMENT_ID` or `chain-<chainId>`. */
export function deploymentIdFor(chainId: bigint | number): string {
  const fromEnv = process.env.COFUND_DEPLOYMENT_ID;
  return fromEnv !== undefined && fromEnv !== "" ? fromEnv : `chain-${chainId.toString()}`;
}

/**
 * Registers addresses for `chainId` in this process (used on the in-process network, where Ignition
 * keeps no records). Keys are contract names as in `CofundDeployment.contracts`.
 */
export function registerDeployment(chainId: bigint | number, contracts: Record<string, string>): void {
  memory.set(BigInt(chainId).toString(), { ...contracts });
}

/** Forgets what `registerDeployment` stored (tests). */
export function clearRegisteredDeployments(): void {
  memory.clear();
}

/**
 * Reads `deployed_addresses.json` of a deployment and strips the `Cofund#` prefix from its keys.
 * Returns undefined when there are no records.
 */
export function readDeploymentRecords(
  deploymentsDir: string,
  deploymentId: string,
): Record<string, string> | undefined {
  const file = path.join(deploymentsDir, deploymentId, "deployed_addresses.json");
  if (!fs.existsSync(file)) return undefined;
  const raw = JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
  if (raw === null || typeof raw !== "object") return undefined;
  const contracts: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof value !== "string") continue;
    const hash = key.indexOf("#");
    const moduleId = hash >= 0 ? key.slice(0, hash) : "";
    if (moduleId !== COFUND_MODULE_ID) continue;
    contracts[key.slice(hash + 1)] = value;
  }
  return contracts;
}

function toDeployment(
  network: string,
  chainId: bigint,
  deploymentId: string,
  contracts: Record<string, string>,
): CofundDeployment {
  return {
    network,
    chainId,
    deploymentId,
    contracts,
    allocator: contracts.QuadraticFundingAllocator,
    token: contracts.TestToken ?? contracts.Token,
    pledges: contracts.CoordinatedPledges,
  };
}

/** Options of `findDeployment`. */
export interface FindDeploymentOptions {
  /** The Hardhat network name (for messages). */
  network: string;
  provider: Provider;
  /** Defaults to `deploy/deployments` of this repository. */
  deploymentsDir?: string;
  /** Defaults to `deploymentIdFor(chainId)`. */
  deploymentId?: string;
  /** Verify that every recorded address has code (default true): catches records of a restarted node. */
  checkCode?: boolean;
}

/**
 * The cofund deployment of the provider's chain: registered in memory, else read from the Ignition
 * records. Throws `DeploymentNotFoundError` with the command to run when there is none, or when the
 * records point at addresses without code (a local node restarted since the deployment).
 */
export async function findDeployment(options: FindDeploymentOptions): Promise<CofundDeployment> {
  const { network, provider } = options;
  const chainId = (await provider.getNetwork()).chainId;
  const registered = memory.get(chainId.toString());
  if (registered !== undefined) return toDeployment(network, chainId, "memory", registered);

  const deploymentsDir = options.deploymentsDir ?? DEFAULT_DEPLOYMENTS_DIR;
  const deploymentId = options.deploymentId ?? deploymentIdFor(chainId);
  const contracts = readDeploymentRecords(deploymentsDir, deploymentId);
  if (contracts === undefined || Object.keys(contracts).length === 0) {
    throw new DeploymentNotFoundError(
      `No cofund deployment found for network ${network} — run npm run deploy -- --network ${network}`,
    );
  }
  if (options.checkCode ?? true) {
    for (const [name, address] of Object.entries(contracts)) {
      if ((await provider.getCode(address)) === "0x") {
        throw new DeploymentNotFoundError(
          `The cofund deployment recorded for network ${network} is stale: ${name} at ${address} has no code ` +
            `(was the node restarted?) — run npm run deploy -- --network ${network}`,
        );
      }
    }
  }
  return toDeployment(network, chainId, deploymentId, contracts);
}

/** The address of `name` in `deployment`, or a `DeploymentNotFoundError` saying how to deploy it. */
export function requireContract(deployment: CofundDeployment, name: string): string {
  const address = deployment.contracts[name];
  if (address === undefined) {
    throw new DeploymentNotFoundError(
      `The cofund deployment for network ${deployment.network} has no ${name} — run npm run deploy -- --network ${deployment.network}`,
    );
  }
  return address;
}

// ─────────────────────────────────────────────── deployment block (where indexing starts)

interface JournalLine {
  type?: string;
  receipt?: { blockNumber?: number; contractAddress?: string };
}

/** The earliest block of the Ignition journal's receipts creating one of `addresses`, if recorded. */
export function deploymentBlockFromJournal(
  deploymentsDir: string,
  deploymentId: string,
  addresses: string[],
): number | undefined {
  const file = path.join(deploymentsDir, deploymentId, "journal.jsonl");
  if (!fs.existsSync(file)) return undefined;
  const wanted = new Set(addresses.map((a) => a.toLowerCase()));
  let best: number | undefined;
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    let parsed: JournalLine;
    try {
      parsed = JSON.parse(line) as JournalLine;
    } catch {
      continue;
    }
    const r = parsed.receipt;
    if (parsed.type !== "TRANSACTION_CONFIRM" || r === undefined) continue;
    if (typeof r.blockNumber !== "number" || typeof r.contractAddress !== "string") continue;
    if (!wanted.has(r.contractAddress.toLowerCase())) continue;
    if (best === undefined || r.blockNumber < best) best = r.blockNumber;
  }
  return best;
}

/**
 * The first block in which `address` has code, by binary search on `getCode` (needs a node that
 * serves historical state, as Hardhat nodes and archive nodes do). Undefined when the node cannot
 * answer or the address has no code at `latest`.
 */
export async function codeBlock(
  provider: Provider,
  address: string,
  latest: number,
): Promise<number | undefined> {
  try {
    if ((await provider.getCode(address, latest)) === "0x") return undefined;
    let lo = 0;
    let hi = latest;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if ((await provider.getCode(address, mid)) === "0x") lo = mid + 1;
      else hi = mid;
    }
    return lo;
  } catch {
    return undefined;
  }
}

/** Where indexing starts for a deployment (see the module comment). */
export async function findDeploymentBlock(
  provider: Provider,
  addresses: string[],
  options: { deploymentId?: string; deploymentsDir?: string; latest?: number } = {},
): Promise<number> {
  if (options.deploymentId !== undefined && options.deploymentId !== "memory") {
    const fromJournal = deploymentBlockFromJournal(
      options.deploymentsDir ?? DEFAULT_DEPLOYMENTS_DIR,
      options.deploymentId,
      addresses,
    );
    if (fromJournal !== undefined) return fromJournal;
  }
  const latest = options.latest ?? (await provider.getBlockNumber());
  let best: number | undefined;
  for (const a of addresses) {
    const b = await codeBlock(provider, a, latest);
    if (b !== undefined && (best === undefined || b < best)) best = b;
  }
  return best ?? 0;
}
