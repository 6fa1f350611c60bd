/**
 * `npm run demo`: the whole cofund story on the in-process network, with nothing else running.
 * Each mechanism is a section in scripts/demo/ (a function taking the deployment); add new
 * sections below the allocator's.
 */
import hre from "hardhat";
import { deployCofund } from "../deploy/deploy-cofund";
import { runAllocatorDemo } from "./demo/allocator";
import { runPledgesDemo } from "./demo/pledges";
import { say, section } from "./demo/narrate";

async function main(): Promise<void> {
  section("Deploying cofund on the in-process Hardhat network");
  const connection = await hre.network.getOrCreate();
  const deployed = await deployCofund(hre, { connection });
  for (const [name, address] of Object.entries(deployed.contracts)) say(`${name.padEnd(26)} ${address}`);
  say("The test token minted 1,000,000 tokens to each of the first 10 accounts.");

  await runAllocatorDemo(hre, connection, deployed);
  await runPledgesDemo(connection, deployed, "ocean-plastic-survey");

  console.log("");
}

await main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
