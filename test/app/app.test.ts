/**
 * The web app in a real browser (Debian's Chromium via playwright-core) against a `hardhat node` in a
 * child process: the production build served with its config.json, a test wallet injected by
 * EIP-6963. Screenshots of every page at 1280 and 375 px are kept in out/app/.
 */
import { expect } from "chai";
import { execFileSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import hre from "hardhat";
import type { Browser, Page } from "playwright-core";
import { historyContext, type HistoryContracts } from "../helpers/history";
import { installTestWallet, launchChromium, serveApp, TEST_WALLET } from "../helpers/browser";
import {
  ROOT,
  childEnv,
  deployWithCli,
  freePort,
  removeDeploymentRecords,
  startNode,
  stopProcess,
} from "../helpers/local-node";

const DEPLOYMENT_ID = `app-${process.pid}-${Date.now()}`;
/** Hardhat's default account #1 (a well-known test key). */
const ACCOUNT_1_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const SHOTS = path.join(ROOT, "out", "app");

describe("web app in Chromium (hardhat node in a child process)", function () {
  this.timeout(300_000);

  let url = "";
  let node: ChildProcess | undefined;
  let browser: Browser | undefined;
  let server: { url: string; close: () => Promise<void> } | undefined;
  let page: Page;
  const consoleErrors: string[] = [];
  const dist = fs.mkdtempSync(path.join(os.tmpdir(), "cofund-app-"));

  before(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    node = await startNode(port, childEnv(url, DEPLOYMENT_ID));
    const deployed = await deployWithCli(url, DEPLOYMENT_ID);
    const ctx = await historyContext(url, deployed.contracts as unknown as HistoryContracts);
    const admin = await ctx.allocator(0);
    await admin.registerGap("open-dataset", ctx.signers[7]!.address, "ipfs://open-dataset");
    await (await ctx.allocator(2)).contribute("open-dataset", 5n * 10n ** 18n);
    execFileSync(
      path.join(ROOT, "node_modules", ".bin", "vite"),
      ["build", "app", "--outDir", dist, "--logLevel", "error"],
      {
        cwd: ROOT,
        stdio: "pipe",
      },
    );
    server = await serveApp(dist, {
      chainId: 31337,
      chainName: "cofund local",
      rpcUrl: url,
      indexerUrl: "http://127.0.0.1:1",
      contracts: deployed.contracts,
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
    page.on("pageerror", (e) => consoleErrors.push(e.message));
    fs.mkdirSync(SHOTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await stopProcess(node);
    removeDeploymentRecords(DEPLOYMENT_ID, hre.config.paths.cache);
    fs.rmSync(dist, { recursive: true, force: true });
  });

  it("discovers the injected wallet by EIP-6963, connects, and shows the account and its token balance", async () => {
    const wallet = await installTestWallet(page, { rpcUrl: url, privateKey: ACCOUNT_1_KEY, chainId: 31337 });
    await page.goto(server!.url);
    await page.getByRole("button", { name: `Connect ${TEST_WALLET.name}` }).click();
    await page.getByTestId("account").waitFor();
    expect(await page.getByTestId("account").textContent()).to.contain(wallet.address.slice(0, 6));
    await page.getByTestId("balance").filter({ hasText: "1,000,000" }).waitFor();
    await page.getByTestId("gap-row").filter({ hasText: "open-dataset" }).waitFor();
    await page.screenshot({ path: path.join(SHOTS, "gaps-1280.png"), fullPage: true });
    await page.setViewportSize({ width: 375, height: 740 });
    await page.screenshot({ path: path.join(SHOTS, "gaps-375.png"), fullPage: true });
    expect(consoleErrors).to.deep.equal([]);
  });
});
