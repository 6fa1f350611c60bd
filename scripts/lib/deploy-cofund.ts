/**
 * Deploys the "Cofund" Ignition module (deploy/Cofund.ts) on the network of `hre` and returns the
 * addresses. Used by `scripts/deploy.ts` (`npm run deploy`), the demo and the benchmarks.
 *
 * Stale local records: a `hardhat node` restarted with the same chain id (31337) starts empty, but
 * the records of the previous deployment are still in `deploy/deployments/chain-31337`, and Ignition
 * would happily "reuse" contracts that no longer exist. Before deploying on a local network this
 * wipes the records when the node is not the one they were written for (its `hardhat_metadata`
 * instance id differs from the one remembered in `cache/cofund-local-instances.json`) or when any
 * recorded address has no code (works with any local node, e.g. anvil).
 */
import * as fs from "fs";
import * as path from "path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { buildCofundModule, MODULE_ID, type CofundModuleOptions } from "../../deploy/Cofund";
import { deploymentIdFor, readDeploymentRecords, registerDeployment } from "../../sdk/deployments";

/** Networks where the test token is deployed and stale records are wiped automatically. */
export const LOCAL_NETWORKS = new Set(["hardhat", "localhost"]);

/** What `deployCofund` does. */
export interface DeployCofundOptions extends Omit<CofundModuleOptions, "testTokenHolders"> {
  /** Minimum round length in seconds (default 6 hours). */
  roundDuration?: number | bigint;
  /** The admin holding every role (default: the deployer, account 0). */
  admin?: string;
  /** Show Ignition's progress UI (default false). */
  displayUi?: boolean;
  /** Accounts that get test tokens (default 10, at most the accounts available). */
  testTokenHolders?: number;
}

/** Result of `deployCofund`. */
export interface DeployedCofund {
  network: string;
  chainId: bigint;
  /** The Ignition deployment id (records in deploy/deployments/<id>), undefined on the in-process network. */
  deploymentId?: string;
  /** Whether the test token was deployed (no `tokenAddress`). */
  testToken: boolean;
  /** Contract name → address, as `sdk/deployments.ts` reports them (`QuadraticFundingAllocator`, …). */
  contracts: Record<string, string>;
  token: string;
  allocator: string;
}

function isLocal(hre: HardhatRuntimeEnvironment, chainId: bigint): boolean {
  return LOCAL_NETWORKS.has(hre.network.name) || chainId === 31337n || chainId === 1337n;
}

async function nodeInstanceId(hre: HardhatRuntimeEnvironment): Promise<string | undefined> {
  try {
    const metadata = (await hre.network.provider.request({ method: "hardhat_metadata" })) as {
      instanceId?: string;
    };
    return metadata.instanceId;
  } catch {
    return undefined; // not a Hardhat node
  }
}

/**
 * Wipes `deploymentDir` when its records were written for another instance of a local node.
 * Returns a sentence describing what was wiped, or undefined.
 */
async function clearStaleLocalRecords(
  hre: HardhatRuntimeEnvironment,
  deploymentsDir: string,
  deploymentId: string,
): Promise<string | undefined> {
  const dir = path.join(deploymentsDir, deploymentId);
  const instanceFile = path.join(hre.config.paths.cache, "cofund-local-instances.json");
  const instances = fs.existsSync(instanceFile)
    ? (JSON.parse(fs.readFileSync(instanceFile, "utf8")) as Record<string, string>)
    : {};
  const instanceId = await nodeInstanceId(hre);

  let reason: string | undefined;
  if (fs.existsSync(dir)) {
    const remembered = instances[deploymentId];
    if (instanceId !== undefined && remembered !== undefined && remembered !== instanceId) {
      reason = "the node was restarted since they were written";
    } else {
      const records = readDeploymentRecords(deploymentsDir, deploymentId) ?? {};
      for (const [name, address] of Object.entries(records)) {
        if ((await hre.ethers.provider.getCode(address)) === "0x") {
          reason = `${name} at ${address} has no code on this chain`;
          break;
        }
      }
      if (reason === undefined && Object.keys(records).length === 0) {
        reason = "they hold no deployed contract (an interrupted deployment)";
      }
    }
    if (reason !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  }
  if (instanceId !== undefined) {
    instances[deploymentId] = instanceId;
    fs.mkdirSync(path.dirname(instanceFile), { recursive: true });
    fs.writeFileSync(instanceFile, JSON.stringify(instances, null, 2) + "\n");
  }
  return reason === undefined ? undefined : `Removed stale records ${dir}: ${reason}`;
}

/**
 * Deploys (or resumes/reuses, per Ignition's records) the Cofund module. Without `tokenAddress` on
 * a non-local network it refuses: the open-mint test token must never land on a real chain.
 * `log` receives progress sentences (default: none).
 */
export async function deployCofund(
  hre: HardhatRuntimeEnvironment,
  options: DeployCofundOptions = {},
  log: (line: string) => void = () => undefined,
): Promise<DeployedCofund> {
  const chainId = (await hre.ethers.provider.getNetwork()).chainId;
  const local = isLocal(hre, chainId);
  const tokenAddress = options.tokenAddress;
  if (tokenAddress === undefined && !local) {
    throw new Error(
      `Set TOKEN_ADDRESS to the ERC-20 the allocator should use on network ${hre.network.name} ` +
        `(the open-mint test token is only deployed on local networks)`,
    );
  }
  if (tokenAddress !== undefined && !hre.ethers.isAddress(tokenAddress)) {
    throw new Error(`TOKEN_ADDRESS "${tokenAddress}" is not an address`);
  }
  const signers = await hre.ethers.getSigners();
  if (signers.length === 0) {
    throw new Error(`No account to deploy from on network ${hre.network.name}: set PRIVATE_KEY`);
  }

  const ephemeral = hre.network.name === "hardhat";
  const deploymentId = ephemeral ? undefined : deploymentIdFor(chainId);
  if (deploymentId !== undefined && local) {
    const note = await clearStaleLocalRecords(
      hre,
      path.join(hre.config.paths.ignition, "deployments"),
      deploymentId,
    );
    if (note !== undefined) log(note);
  }

  const module = buildCofundModule({
    ...options,
    testTokenHolders: Math.min(options.testTokenHolders ?? 10, signers.length),
  });
  const parameters: Record<string, string | number | bigint> = {};
  if (options.roundDuration !== undefined) parameters.roundDuration = options.roundDuration;
  if (options.admin !== undefined) parameters.admin = options.admin;

  const result = await hre.ignition.deploy(module, {
    parameters: { [MODULE_ID]: parameters },
    deploymentId,
    displayUi: options.displayUi ?? false,
    // Automining local nodes confirm at once; poll them quickly instead of once a second.
    config: local ? { blockPollingInterval: 50 } : {},
  });

  // Name contracts as the records do: the future id without the module prefix (`Cofund#TestToken`).
  const contracts: Record<string, string> = {};
  for (const [key, future] of Object.entries(module.results)) {
    contracts[future.id.slice(future.id.indexOf("#") + 1)] =
      await result[key as keyof typeof result].getAddress();
  }
  const token = await result.token.getAddress();
  const allocator = await result.allocator.getAddress();
  if (ephemeral) registerDeployment(chainId, contracts);
  return {
    network: hre.network.name,
    chainId,
    deploymentId,
    testToken: tokenAddress === undefined,
    contracts,
    token,
    allocator,
  };
}
