/**
 * Deploys the "Cofund" Ignition module (deploy/Cofund.ts) on a network connection and returns the
 * addresses. Used by `scripts/deploy.ts` (`npm run deploy`), the demo and the tests.
 *
 * Which network: `options.connection`, else `hre.network.getOrCreate()` — the `--network` of the
 * command line (default: the in-process chain), the same cached connection the CLI tasks and the
 * mocha suites (test/helpers/chain.ts) use.
 *
 * Stale local records: a `hardhat node` restarted with the same chain id (31337) starts empty, but
 * the records of the previous deployment are still in `deploy/deployments/chain-31337`, and Ignition
 * would happily "reuse" contracts that no longer exist. Before deploying on a local network this
 * wipes the records when the node is not the one they were written for (its `hardhat_metadata`
 * instance id differs from the one remembered in `cache/cofund-local-instances.json`) or when any
 * recorded address has no code (works with any local node, e.g. anvil).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { NetworkConnection } from "hardhat/types/network";
import { buildCofundModule, MODULE_ID, type CofundModuleOptions } from "./Cofund";
import { deploymentIdFor, readDeploymentRecords, registerDeployment } from "../sdk/deployments";

/** Networks where the test token is deployed and stale records are wiped automatically. */
export const LOCAL_NETWORKS = new Set(["default", "hardhat", "localhost"]);

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
  /** The network to deploy on (default: `hre.network.getOrCreate()`). */
  connection?: NetworkConnection;
}

/** Result of `deployCofund`. */
export interface DeployedCofund {
  network: string;
  chainId: bigint;
  /** The Ignition deployment id (records in deploy/deployments/<id>), undefined on an in-process network. */
  deploymentId?: string;
  /** Whether the test token was deployed (no `tokenAddress`). */
  testToken: boolean;
  /** Contract name → address, as `sdk/deployments.ts` reports them (`QuadraticFundingAllocator`, …). */
  contracts: Record<string, string>;
  token: string;
  allocator: string;
}

/** Whether `connection` is an in-process (EDR) chain, which ends with the process: no records. */
function isEphemeral(connection: NetworkConnection): boolean {
  return connection.networkConfig.type === "edr-simulated";
}

function isLocal(connection: NetworkConnection, chainId: bigint): boolean {
  return (
    isEphemeral(connection) ||
    LOCAL_NETWORKS.has(connection.networkName) ||
    chainId === 31337n ||
    chainId === 1337n
  );
}

async function nodeInstanceId(connection: NetworkConnection): Promise<string | undefined> {
  try {
    const metadata = (await connection.provider.request({ method: "hardhat_metadata" })) as {
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
  connection: NetworkConnection,
  deploymentsDir: string,
  deploymentId: string,
): Promise<string | undefined> {
  const dir = path.join(deploymentsDir, deploymentId);
  const instanceFile = path.join(hre.config.paths.cache, "cofund-local-instances.json");
  const instances = fs.existsSync(instanceFile)
    ? (JSON.parse(fs.readFileSync(instanceFile, "utf8")) as Record<string, string>)
    : {};
  const instanceId = await nodeInstanceId(connection);

  let reason: string | undefined;
  if (fs.existsSync(dir)) {
    const remembered = instances[deploymentId];
    if (instanceId !== undefined && remembered !== undefined && remembered !== instanceId) {
      reason = "the node was restarted since they were written";
    } else {
      const records = readDeploymentRecords(deploymentsDir, deploymentId) ?? {};
      for (const [name, address] of Object.entries(records)) {
        if ((await connection.ethers.provider.getCode(address)) === "0x") {
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
  const connection = options.connection ?? (await hre.network.getOrCreate());
  const { ethers, networkName } = connection;
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const local = isLocal(connection, chainId);
  const tokenAddress = options.tokenAddress;
  if (tokenAddress === undefined && !local) {
    throw new Error(
      `Set TOKEN_ADDRESS to the ERC-20 the allocator should use on network ${networkName} ` +
        `(the open-mint test token is only deployed on local networks)`,
    );
  }
  if (tokenAddress !== undefined && !ethers.isAddress(tokenAddress)) {
    throw new Error(`TOKEN_ADDRESS "${tokenAddress}" is not an address`);
  }
  const signers = await ethers.getSigners();
  if (signers.length === 0) {
    throw new Error(`No account to deploy from on network ${networkName}: set PRIVATE_KEY`);
  }

  const ephemeral = isEphemeral(connection);
  const deploymentId = ephemeral ? undefined : deploymentIdFor(chainId);
  if (deploymentId !== undefined && local) {
    const note = await clearStaleLocalRecords(
      hre,
      connection,
      path.join(hre.config.paths.ignition, "deployments"),
      deploymentId,
    );
    if (note !== undefined) log(note);
  }

  const { curators, keepers, pausers, testTokenMint, testTokenDecimals } = options;
  const module = buildCofundModule({
    tokenAddress,
    curators,
    keepers,
    pausers,
    testTokenMint,
    testTokenDecimals,
    testTokenHolders: Math.min(options.testTokenHolders ?? 10, signers.length),
  });
  const parameters: Record<string, string | number | bigint> = {};
  if (options.roundDuration !== undefined) parameters.roundDuration = options.roundDuration;
  if (options.admin !== undefined) parameters.admin = options.admin;

  const result = await connection.ignition.deploy(module, {
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
    network: networkName,
    chainId,
    deploymentId,
    testToken: tokenAddress === undefined,
    contracts,
    token,
    allocator,
  };
}
