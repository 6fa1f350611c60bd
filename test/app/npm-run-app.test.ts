/**
 * `npm run app` (scripts/app.ts) as a user runs it: a local node, the deployment, a short history, the
 * indexer and the app's server come up on the ports given; the app, its config.json and the indexer
 * answer; Ctrl-C (SIGTERM here) stops every process it started.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import * as path from "node:path";
import hre from "hardhat";
import { freePort, removeDeploymentRecords, ROOT, rpcCall, stopProcess } from "../helpers/local-node";

const DEPLOYMENT_ID = `npm-run-app-${process.pid}-${Date.now()}`;

async function closed(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return false;
  } catch {
    return true;
  }
}

describe("npm run app end to end (node, deployment, history, indexer and app on the given ports)", function () {
  this.timeout(400_000);

  after(() => removeDeploymentRecords(DEPLOYMENT_ID, hre.config.paths.cache));

  it("prints the app's URL and the test accounts once everything answers, and stops everything on SIGTERM", async () => {
    const [nodePort, indexerPort, appPort] = [await freePort(), await freePort(), await freePort()];
    const child = spawn(
      process.execPath,
      [path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), "scripts/app.ts"],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          NODE_PORT: String(nodePort),
          PORT: String(indexerPort),
          APP_PORT: String(appPort),
          COFUND_DEPLOYMENT_ID: DEPLOYMENT_ID,
          LOCALHOST_URL: "",
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not ready in 300 s:\n${stderr}`)), 300_000);
        child.stdout.on("data", (d: Buffer) => {
          stdout += d.toString();
          if (stdout.includes("Ctrl-C stops")) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once("exit", (code) => reject(new Error(`npm run app exited (${code}):\n${stderr}`)));
      });
      expect(stdout).to.contain(`cofund app ready: http://localhost:${appPort}/`);
      expect(stdout).to.match(
        /#0 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80/,
      );
      const page = await fetch(`http://127.0.0.1:${appPort}/`);
      expect(page.status).to.equal(200);
      expect(await page.text()).to.contain('<div id="root">');
      const config = (await (await fetch(`http://127.0.0.1:${appPort}/config.json`)).json()) as Record<
        string,
        unknown
      >;
      expect(config).to.include({
        chainId: 31337,
        rpcUrl: `http://127.0.0.1:${nodePort}`,
        indexerUrl: `http://localhost:${indexerPort}`,
      });
      const health = (await (await fetch(`http://127.0.0.1:${indexerPort}/api/health`)).json()) as {
        ok: boolean;
      };
      expect(health.ok).to.equal(true);
      // The short history: gaps and an open campaign are on chain.
      expect(await rpcCall(`http://127.0.0.1:${nodePort}`, "eth_blockNumber")).to.not.equal("0x0");
    } finally {
      // Ctrl-C: the script stops its children and waits for them (Ponder's shutdown takes a few seconds).
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
      await stopProcess(child);
    }
    expect(await closed(`http://127.0.0.1:${indexerPort}/ready`), "indexer stopped").to.equal(true);
    expect(await closed(`http://127.0.0.1:${nodePort}`), "node stopped").to.equal(true);
    expect(await closed(`http://127.0.0.1:${appPort}/`), "app stopped").to.equal(true);
  });
});
