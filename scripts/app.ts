/**
 * `npm run app`: everything a browser needs to try cofund locally, then the web app.
 *
 * 1. a local node: `hardhat node` on 127.0.0.1:8545 (`NODE_PORT`), or the node at `LOCALHOST_URL`;
 * 2. the deployment (`npm run deploy -- --network localhost`, records under deploy/deployments/);
 * 3. a short history (deploy/history.ts: gaps, contributions, finalised rounds, settled campaigns and
 *    one open campaign with a pledge);
 * 4. the indexer (`hardhat indexer --network localhost`) on `PORT` (default 42069);
 * 5. the app (Vite's server) on `APP_PORT` (default 5173), with app/public/config.json pointing at all
 *    of the above.
 * Once everything answers it prints the app's URL and the test accounts to import into a wallet.
 * Ctrl-C stops everything it started.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { HDNodeWallet, JsonRpcProvider, Mnemonic } from "ethers";
import { createServer } from "vite";
import { historyContext, playAllocatorHistory, playPledgesHistory } from "../deploy/history";
import { ROOT, answers, deployLocal, hardhat, port, stopChildren, until } from "./lib/stack";

const MNEMONIC = "test test test test test test test test test test test junk";

function log(line: string): void {
  process.stderr.write(`[app] ${line}\n`);
}

async function main(): Promise<void> {
  const nodePort = port("NODE_PORT", 8545);
  const indexerPort = port("PORT", 42069);
  const appPort = port("APP_PORT", 5173);
  const external = process.env.LOCALHOST_URL?.trim();
  const nodeUrl = external || `http://127.0.0.1:${nodePort}`;
  const env: NodeJS.ProcessEnv = { ...process.env, LOCALHOST_URL: nodeUrl, PORT: String(indexerPort) };

  if (external) {
    if (!(await answers(nodeUrl))) throw new Error(`No node answers at LOCALHOST_URL=${nodeUrl}`);
    log(`using the node at ${nodeUrl}`);
  } else {
    if (await answers(nodeUrl)) {
      throw new Error(
        `A node already answers at ${nodeUrl}: stop it, set NODE_PORT, or use it with LOCALHOST_URL=${nodeUrl}`,
      );
    }
    log(`starting a local node on ${nodeUrl}`);
    const node = hardhat(["node", "--hostname", "127.0.0.1", "--port", String(nodePort)], env, "node", false);
    await until("the local node", () => answers(nodeUrl), node);
  }

  log("deploying");
  const deployed = await deployLocal(env);

  log("playing a short history (gaps, contributions, rounds, campaigns)");
  const ctx = await historyContext(nodeUrl, deployed.contracts);
  await playAllocatorHistory(ctx);
  await playPledgesHistory(ctx);

  log(`starting the indexer on port ${indexerPort}`);
  const indexer = hardhat(["indexer", "--network", "localhost"], env, "indexer");
  const indexerUrl = `http://localhost:${indexerPort}`;
  await until(
    "the indexer",
    async () => (await fetch(`${indexerUrl}/ready`).catch(() => undefined))?.status === 200,
    indexer,
    300,
  );

  const config = {
    chainId: deployed.chainId,
    chainName: "cofund local",
    rpcUrl: nodeUrl,
    indexerUrl,
    contracts: deployed.contracts,
  };
  fs.mkdirSync(path.join(ROOT, "app", "public"), { recursive: true });
  fs.writeFileSync(path.join(ROOT, "app", "public", "config.json"), JSON.stringify(config, null, 2) + "\n");
  const server = await createServer({
    configFile: path.join(ROOT, "app", "vite.config.ts"),
    server: { port: appPort, strictPort: true, host: "127.0.0.1" },
    logLevel: "warn",
  });
  await server.listen();

  const provider = new JsonRpcProvider(nodeUrl);
  const accounts = (await provider.send("eth_accounts", [])) as string[];
  const lines = [
    "",
    `cofund app ready: http://localhost:${appPort}/`,
    `  node ${nodeUrl} (chain ${deployed.chainId}) · indexer ${indexerUrl}`,
    "  test accounts (import a key into your wallet; 1,000,000 test tokens each; #0 is admin, curator and keeper):",
  ];
  if (!external) {
    const root = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), "m/44'/60'/0'/0");
    for (let i = 0; i < 5; i++) {
      const w = root.deriveChild(i);
      lines.push(`  #${i} ${w.address} ${w.privateKey}`);
    }
  } else {
    for (const [i, a] of accounts.slice(0, 5).entries()) lines.push(`  #${i} ${a}`);
  }
  lines.push("Ctrl-C stops the node, the indexer and the app.");
  process.stdout.write(lines.join("\n") + "\n");

  const stop = async (): Promise<void> => {
    log("stopping");
    await Promise.all([
      stopChildren(),
      Promise.race([server.close(), new Promise((r) => setTimeout(r, 3_000))]),
    ]);
    process.exit(0);
  };
  process.once("SIGINT", () => void stop());
  process.once("SIGTERM", () => void stop());
}

main().catch(async (error: unknown) => {
  process.stderr.write(`Error: ${error instanceof Error ? error.message : String(error)}\n`);
  await stopChildren();
  process.exit(1);
});
