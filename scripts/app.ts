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
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { HDNodeWallet, JsonRpcProvider, Mnemonic } from "ethers";
import { createServer } from "vite";
import {
  historyContext,
  playAllocatorHistory,
  playPledgesHistory,
  type HistoryContracts,
} from "../deploy/history";

const ROOT = path.resolve(import.meta.dirname, "..");
const HARDHAT = path.join(ROOT, "node_modules", "hardhat", "dist", "src", "cli.js");
const MNEMONIC = "test test test test test test test test test test test junk";
const children: ChildProcess[] = [];

function port(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 65_535)
    throw new Error(`${name} "${raw}" is not a TCP port`);
  return Number(raw);
}

function log(line: string): void {
  process.stderr.write(`[app] ${line}\n`);
}

/**
 * Starts `hardhat <args>` in the project root with `env`; its output goes to stderr, prefixed (with
 * `relay` false only its stderr: a node logs every request on stdout).
 */
function hardhat(args: string[], env: NodeJS.ProcessEnv, prefix: string, relay = true): ChildProcess {
  const child = spawn(process.execPath, [HARDHAT, ...args], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const write = (d: Buffer): void => {
    for (const line of d.toString().split("\n"))
      if (line.trim() !== "") process.stderr.write(`[${prefix}] ${line}\n`);
  };
  if (relay) child.stdout?.on("data", write);
  child.stderr?.on("data", write);
  children.push(child);
  return child;
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    });
    return res.ok;
  } catch {
    return false;
  }
}

async function until(
  what: string,
  check: () => Promise<boolean>,
  child?: ChildProcess,
  seconds = 120,
): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await check())) {
    if (child !== undefined && child.exitCode !== null)
      throw new Error(`${what} stopped (exit code ${child.exitCode})`);
    if (Date.now() > deadline) throw new Error(`${what} did not answer within ${seconds} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Runs `hardhat <args>` to completion; returns its stdout. */
function hardhatOnce(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HARDHAT, ...args], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
    child.on("close", (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`hardhat ${args[0]} failed (${code}): ${err.trim().split("\n").pop()}`)),
    );
  });
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
  const deployed = JSON.parse(
    (
      await hardhatOnce(["run", "--no-compile", "scripts/deploy.ts", "--network", "localhost"], {
        ...env,
        DEPLOY_JSON: "1",
      })
    )
      .trim()
      .split("\n")
      .pop()!,
  ) as { chainId: number; contracts: HistoryContracts };

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

/** SIGTERM to every child, then waits for them (SIGKILL after 10 s). */
async function stopChildren(): Promise<void> {
  await Promise.all(
    children
      .filter((c) => c.exitCode === null && c.signalCode === null)
      .map(
        (c) =>
          new Promise<void>((resolve) => {
            c.once("exit", () => resolve());
            c.kill("SIGTERM");
            setTimeout(() => c.kill("SIGKILL"), 10_000).unref();
          }),
      ),
  );
}

main().catch(async (error: unknown) => {
  process.stderr.write(`Error: ${error instanceof Error ? error.message : String(error)}\n`);
  await stopChildren();
  process.exit(1);
});
