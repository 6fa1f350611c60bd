/**
 * `npm run deploy -- --network <name>`: deploys token, QuadraticFundingAllocator (and whatever else
 * deploy/Cofund.ts holds) with Ignition and prints the addresses. Records are written to
 * deploy/deployments/<deploymentId>/ (default `chain-<chainId>`), where the CLI tasks find them.
 *
 * Environment:
 * - `TOKEN_ADDRESS` — the ERC-20 to use. Without it, local networks (`localhost`, the in-process
 *   `default`) get the test token (18 decimals) with 1,000,000 tokens minted to each of the first 10
 *   accounts; other networks refuse to deploy.
 * - `RPC_URL`, `PRIVATE_KEY` — define the network `custom` (see hardhat.config.ts).
 * - `ROUND_DURATION` (seconds, default 21600), `ADMIN_ADDRESS` (default: the deployer),
 *   `CURATOR_ADDRESSES`, `KEEPER_ADDRESSES`, `PAUSER_ADDRESSES` (comma-separated extra role holders).
 * - `COFUND_DEPLOYMENT_ID` — deployment id of the records (default `chain-<chainId>`).
 * - `DEPLOY_JSON=1` — print one JSON object on stdout instead of the table:
 *   `{ "network", "chainId", "deploymentId", "testToken", "contracts": { "<name>": "0x…" } }`.
 * Deploying again on a restarted local node works: stale local records are detected and wiped.
 */
import hre from "hardhat";
import { deployCofund } from "../deploy/deploy-cofund";

function envList(name: string): string[] | undefined {
  const list = (process.env[name] ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return list.length > 0 ? list : undefined;
}

function envString(name: string): string | undefined {
  const value = process.env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

async function main(): Promise<void> {
  const json = envString("DEPLOY_JSON") !== undefined && envString("DEPLOY_JSON") !== "0";
  const duration = envString("ROUND_DURATION");
  if (duration !== undefined && !/^\d+$/.test(duration)) {
    throw new Error(`ROUND_DURATION "${duration}" is not a whole number of seconds`);
  }
  const log = (line: string): void => {
    (json ? process.stderr : process.stdout).write(line + "\n");
  };
  const deployed = await deployCofund(
    hre,
    {
      tokenAddress: envString("TOKEN_ADDRESS"),
      roundDuration: duration === undefined ? undefined : BigInt(duration),
      admin: envString("ADMIN_ADDRESS"),
      curators: envList("CURATOR_ADDRESSES"),
      keepers: envList("KEEPER_ADDRESSES"),
      pausers: envList("PAUSER_ADDRESSES"),
    },
    log,
  );
  if (json) {
    console.log(
      JSON.stringify({
        network: deployed.network,
        chainId: Number(deployed.chainId),
        deploymentId: deployed.deploymentId ?? null,
        testToken: deployed.testToken,
        contracts: deployed.contracts,
      }),
    );
    return;
  }
  log(`cofund deployed on ${deployed.network} (chain ${deployed.chainId.toString()})`);
  const width = Math.max(...Object.keys(deployed.contracts).map((k) => k.length));
  for (const [name, address] of Object.entries(deployed.contracts)) {
    log(`  ${name.padEnd(width)}  ${address}`);
  }
  if (deployed.deploymentId !== undefined) {
    log(`records: ${hre.config.paths.ignition}/deployments/${deployed.deploymentId}`);
  } else {
    log("(in-process network: nothing recorded, the chain ends with this process)");
  }
  if (deployed.testToken) {
    log("test token: 1,000,000 tokens minted to each of the first 10 accounts");
  }
}

/** Hardhat 3's "Hardhat Ignition deployment error" (HHE10120): the message is Ignition's own text. */
const IGNITION_DEPLOYMENT_ERROR = 10120;

/** The error's sentence, without the HHE prefix Hardhat 3 wraps around Ignition's deployment failures. */
function errorMessage(error: unknown): string {
  const hardhat = error as { descriptor?: { number?: unknown }; messageArguments?: { message?: unknown } };
  if (
    hardhat?.descriptor?.number === IGNITION_DEPLOYMENT_ERROR &&
    typeof hardhat.messageArguments?.message === "string"
  ) {
    return hardhat.messageArguments.message;
  }
  return error instanceof Error ? error.message : String(error);
}

await main().catch((error: unknown) => {
  const message = errorMessage(error);
  console.error(message);
  if (/reconciliation errors/.test(message)) {
    console.error(
      "The recorded deployment was made with other settings. To deploy anew, delete its records in " +
        "deploy/deployments/ or choose another COFUND_DEPLOYMENT_ID.",
    );
  }
  if (process.env.COFUND_DEBUG !== undefined && error instanceof Error) console.error(error.stack);
  process.exitCode = 1;
});
