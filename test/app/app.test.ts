/**
 * The web app in a real browser (Debian's Chromium via playwright-core) against a `hardhat node` in a
 * child process: the production build served with its config.json, a test wallet injected by EIP-6963
 * that signs with a local test key. The flows of a contributor, a keeper and two pledgers, each checked
 * against the chain; a rejected action shows its one sentence. Screenshots of every page at 1280 and
 * 375 px are kept in out/app/.
 */
import { expect } from "chai";
import { execFileSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import hre from "hardhat";
import { formatUnits, parseUnits } from "ethers";
import type { Browser, Page } from "playwright-core";
import { advance, historyContext, type HistoryContext, type HistoryContracts } from "../../deploy/history";
import { installTestWallet, launchChromium, serveApp, TEST_WALLET } from "../helpers/browser";
import { startIndexer, type RunningIndexer } from "../helpers/indexer";
import { ROOT, removeDeploymentRecords, stopProcess, startLocalDeployment } from "../helpers/local-node";

const DEPLOYMENT_ID = `app-${process.pid}-${Date.now()}`;
/** Hardhat's default accounts #0 (deployer: admin, curator, keeper) to #5 (well-known test keys). */
const KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
  "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
  "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
];
const SHOTS = path.join(ROOT, "out", "app");
const units = (x: string): bigint => parseUnits(x, 18);
/** How the app shows an 18-decimal amount: grouped, two decimals at most, rounded down (never more). */
function twoDecimalsDown(raw: bigint): string {
  const cents = raw / 10n ** 16n;
  const whole = (cents / 100n).toLocaleString("en-US");
  const fraction = (cents % 100n).toString().padStart(2, "0").replace(/0+$/, "");
  return fraction === "" ? whole : `${whole}.${fraction}`;
}

describe("web app end to end in Chromium (hardhat node in a child process)", function () {
  this.timeout(300_000);

  let url = "";
  let node: ChildProcess | undefined;
  let browser: Browser | undefined;
  let server: { url: string; close: () => Promise<void> } | undefined;
  let ctx: HistoryContext;
  let indexer: RunningIndexer | undefined;
  const consoleErrors: string[] = [];
  const dist = fs.mkdtempSync(path.join(os.tmpdir(), "cofund-app-"));

  /** A page whose wallet is account `i`, connected, at `route`. */
  async function open(i: number, route = "#/"): Promise<Page> {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
    page.on("pageerror", (e) => consoleErrors.push(e.message));
    page.on("console", (m) => process.env.APP_DEBUG && console.log("page:", m.text()));
    await installTestWallet(page, { rpcUrl: url, privateKey: KEYS[i]!, chainId: 31337 });
    await page.goto(server!.url + route);
    await page.getByRole("button", { name: `Connect ${TEST_WALLET.name}` }).click();
    await page.getByTestId("balance").filter({ hasText: /\d/ }).waitFor();
    return page;
  }

  /** Screenshots of `page` at 1280 and 375 px wide into out/app/<name>-<width>.png. */
  async function shoot(page: Page, name: string): Promise<void> {
    for (const width of [1280, 375]) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: path.join(SHOTS, `${name}-${width}.png`), fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  /** Waits for the transaction status line to say confirmed (or fails with what it says). */
  async function confirmed(page: Page): Promise<string> {
    const status = page.getByTestId("tx-status");
    await status.filter({ hasText: /confirmed|failed/ }).waitFor({ timeout: 60_000 });
    const text = (await status.textContent()) ?? "";
    expect(text).to.contain("confirmed");
    return text;
  }

  before(async () => {
    const local = await startLocalDeployment(DEPLOYMENT_ID);
    ({ url, node } = local);
    const deployed = { contracts: local.contracts };
    ctx = await historyContext(url, local.contracts as unknown as HistoryContracts);
    const admin = await ctx.allocator(0);
    await admin.registerGap("open-dataset", ctx.signers[7]!.address, "ipfs://open-dataset");
    await admin.registerGap("street-trees", ctx.signers[8]!.address, "ipfs://street-trees");
    for (const i of [3, 4]) await (await ctx.allocator(i)).contribute("open-dataset", units("4"));
    execFileSync(
      path.join(ROOT, "node_modules", ".bin", "vite"),
      ["build", "app", "--outDir", dist, "--logLevel", "error"],
      // Mocha's NODE_ENV would make it a development build of React.
      { cwd: ROOT, stdio: "pipe", env: { ...process.env, NODE_ENV: "production" } },
    );
    indexer = await startIndexer(url, DEPLOYMENT_ID);
    server = await serveApp(dist, {
      chainId: 31337,
      chainName: "cofund local",
      rpcUrl: url,
      indexerUrl: indexer.base,
      contracts: deployed.contracts,
    });
    browser = await launchChromium();
    fs.mkdirSync(SHOTS, { recursive: true });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await indexer?.stop();
    await stopProcess(node);
    removeDeploymentRecords(DEPLOYMENT_ID, hre.config.paths.cache);
    fs.rmSync(dist, { recursive: true, force: true });
  });

  it("keeps the initial bundle under 250 kB gzip, and the gaps page is interactive quickly", async () => {
    // What index.html loads before anything runs: its scripts, their static imports and stylesheets.
    const html = fs.readFileSync(path.join(dist, "index.html"), "utf8");
    const initial = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
    const gzip = initial.reduce(
      (sum, f) => sum + zlib.gzipSync(fs.readFileSync(path.join(dist, f))).length,
      0,
    );
    expect(initial.length).to.be.greaterThan(0);
    expect(gzip, `initial bundle ${gzip} bytes gzip`).to.be.lessThan(250_000);
    // Time to interactive of the gaps page: navigation start → the gap table rendered from the chain.
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(server!.url);
    await page.getByTestId("gap-row").first().waitFor();
    const tti = await page.evaluate(() => performance.now());
    await page.close();
    fs.writeFileSync(
      path.join(SHOTS, "metrics.json"),
      JSON.stringify({ initialBundleGzipBytes: gzip, gapsPageInteractiveMs: Math.round(tti) }, null, 2) +
        "\n",
    );
    expect(tti).to.be.lessThan(15_000);
  });

  it("contributes with a live preview, and the gap's totals and estimated match follow", async () => {
    const qf = await ctx.allocator(0);
    await qf.fundPool(units("500"));
    const page = await open(1);
    await page.getByTestId("gap-row").filter({ hasText: "open-dataset" }).waitFor();
    await shoot(page, "gaps");
    await page.getByRole("link", { name: "open-dataset" }).click();
    await page.getByLabel("Amount").fill("10");
    const preview = page.getByTestId("contribution-preview");
    await preview.waitFor();
    const expected = await qf.previewContribution("open-dataset", ctx.signers[1]!.address, units("10"));
    const shown = (await preview.textContent()) ?? "";
    const increase = Number(formatUnits(expected.matchAfter - expected.matchBefore, 18));
    expect(shown).to.match(/Your 10 raises the estimated match by [\d,.]+/);
    const displayed = Number(/by ([\d,.]+)/.exec(shown)![1]!.replace(/,/g, ""));
    // Shown rounded down to two decimals (the ethers chai matchers make closeTo integer-only).
    expect(Math.abs(displayed - increase) < 0.01, `${displayed} vs ${increase}`).to.equal(true);
    await page.getByRole("button", { name: "Contribute" }).click();
    await confirmed(page);
    const gap = await qf.gap("open-dataset");
    expect(gap.directTotal).to.equal(units("18"));
    expect(gap.estimatedMatch).to.equal(expected.matchAfter);
    await page.getByTestId("gap-direct").filter({ hasText: "18" }).waitFor();
    // The history comes from the indexer: the new contribution is listed (round 1, direct, 10).
    await page
      .getByTestId("history-contribution")
      .filter({ hasText: "direct" })
      .filter({ hasText: "10" })
      .first()
      .waitFor();
    expect(await page.getByTestId("history-round").count()).to.be.greaterThan(0);
    await shoot(page, "gap");
    await page.close();
  });

  it("funds the pool, and a keeper finalises the round and sees the match", async () => {
    const page = await open(1, "#/rounds");
    await page.getByLabel("Amount").fill("25");
    await page.getByRole("button", { name: "Fund the pool" }).click();
    await confirmed(page);
    await page.getByTestId("matching-pool").filter({ hasText: "525" }).waitFor();
    await shoot(page, "rounds");
    await page.close();

    const duration = Number(await (await ctx.allocator(0)).contract.roundDuration());
    await advance(ctx.provider, duration + 1);
    const keeper = await open(0, "#/admin");
    await keeper.getByRole("button", { name: "Finalise the round" }).click();
    await confirmed(keeper);
    await shoot(keeper, "admin");
    const stats = await (await ctx.allocator(0)).gap("open-dataset");
    expect(stats.matchedTotal).to.be.greaterThan(0n);
    await keeper.goto(server!.url + "#/");
    const row = keeper.getByTestId("gap-row").filter({ hasText: "open-dataset" });
    await row.filter({ hasText: twoDecimalsDown(stats.matchedTotal) }).waitFor();
    await keeper.close();
  });

  it("creates a campaign, two accounts pledge with previews that match the result, one raises; settle and claim", async () => {
    const creator = await open(0, "#/campaigns");
    await creator.getByLabel("Recipient address").fill(ctx.signers[9]!.address);
    await creator.getByLabel(/Pledging open for/).fill("1");
    await creator.getByRole("button", { name: "Create the campaign" }).click();
    const created = await confirmed(creator);
    expect(created).to.contain("campaign 1 created");
    await shoot(creator, "campaigns");
    await creator.close();

    for (const [i, limit] of [
      [1, "100"],
      [2, "40"],
    ] as const) {
      const page = await open(i, "#/campaigns/1");
      await page.getByLabel(/Your limit/).fill(limit);
      const h = await page.getByTestId("preview-h").textContent();
      const payment = await page.getByTestId("preview-payment").textContent();
      await page.getByRole("button", { name: "Pledge", exact: true }).click();
      await confirmed(page);
      await page.getByTestId("campaign-h").filter({ hasText: h! }).waitFor();
      const status = await (await ctx.pledges(0)).status(1n);
      const mine = status.pledges.find(
        (p) => p.pledger.toLowerCase() === ctx.signers[i]!.address.toLowerCase(),
      )!;
      expect(
        Number(formatUnits(mine.payment, 18)).toLocaleString("en-US", { maximumFractionDigits: 2 }),
      ).to.equal(payment);
      await page.close();
    }

    const raiser = await open(1, "#/campaigns/1");
    await raiser.getByLabel("Add to your limit").fill("20");
    await raiser.getByTestId("preview-h").waitFor();
    await raiser.getByRole("button", { name: "Raise" }).click();
    expect(await confirmed(raiser)).to.contain("your pledge is now 120");
    await shoot(raiser, "campaign");
    await raiser.close();

    await advance(ctx.provider, 3_601);
    const settler = await open(2, "#/campaigns/1");
    await settler.getByRole("button", { name: "Settle the campaign" }).click();
    expect(await confirmed(settler)).to.match(/settled at h = [\d.]+ in 1 transaction/);
    await settler.getByTestId("campaign-state").filter({ hasText: "settled" }).waitFor();
    const before = await (await ctx.allocator(0)).balanceOf(ctx.signers[2]!.address);
    await settler.getByRole("button", { name: /Claim my refund/ }).click();
    await confirmed(settler);
    const status = await (await ctx.pledges(0)).status(1n);
    const refund = status.pledges.find(
      (p) => p.pledger.toLowerCase() === ctx.signers[2]!.address.toLowerCase(),
    )!.refund;
    expect(await (await ctx.allocator(0)).balanceOf(ctx.signers[2]!.address)).to.equal(before + refund);
    await settler.getByRole("button", { name: /Pay the pot/ }).click();
    await confirmed(settler);
    expect((await (await ctx.pledges(0)).status(1n)).potClaimed).to.equal(true);
    await settler.close();
  });

  it("shows a rejected action as one sentence", async () => {
    const page = await open(5, "#/gaps/open-dataset");
    await page.getByLabel("Amount").fill("2000000");
    await page.getByRole("button", { name: "Contribute" }).click();
    const alert = page.getByTestId("tx-status");
    await alert.filter({ hasText: "failed" }).waitFor();
    const text = (await alert.textContent()) ?? "";
    expect(text).to.match(/^Contribution failed: [^\n]+$/);
    expect(text).to.contain("holds 1000000 CFT of the token but 2000000 CFT are needed");
    await page.close();
    expect(consoleErrors).to.deep.equal([]);
  });
});
