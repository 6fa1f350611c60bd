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
import { CoordinatedPledges__factory } from "../../typechain-types";
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

/** Counts the page's eth_calls of the pledges contract's function `name` to the node at `nodeUrl`. */
function countCalls(page: Page, nodeUrl: string, name: "getPledges" | "previewPledge"): { count: number } {
  const selector = CoordinatedPledges__factory.createInterface().getFunction(name)!.selector;
  const counter = { count: 0 };
  page.on("request", (r) => {
    if (r.method() !== "POST" || !r.url().startsWith(nodeUrl)) return;
    const body = JSON.parse(r.postData() ?? "null") as unknown;
    for (const call of (Array.isArray(body) ? body : [body]) as {
      method?: string;
      params?: { data?: string }[];
    }[])
      if (call?.method === "eth_call" && call.params?.[0]?.data?.startsWith(selector)) counter.count++;
  });
  return counter;
}

describe("web app end to end in Chromium (hardhat node in a child process)", function () {
  this.timeout(300_000);

  let url = "";
  let node: ChildProcess | undefined;
  let browser: Browser | undefined;
  let server: { url: string; close: () => Promise<void> } | undefined;
  let ctx: HistoryContext;
  let indexer: RunningIndexer | undefined;
  let appConfig: Record<string, unknown> = {};
  let indexerCatchUpMs = 0;
  /** Each open page's test wallet (to have it refuse a request). */
  const wallets = new Map<Page, { rejectNext: (method: string) => void }>();
  const consoleErrors: string[] = [];
  const dist = fs.mkdtempSync(path.join(os.tmpdir(), "cofund-app-"));

  /** A page whose wallet is account `i`, connected, at `route`. */
  async function open(i: number, route = "#/"): Promise<Page> {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
    page.on("pageerror", (e) => consoleErrors.push(e.message));
    page.on("console", (m) => process.env.APP_DEBUG && console.log("page:", m.text()));
    wallets.set(page, await installTestWallet(page, { rpcUrl: url, privateKey: KEYS[i]!, chainId: 31337 }));
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
      // Every control has a name (a label, or its text), and nothing but the tables scrolls sideways.
      const unnamed = (await page.evaluate(`[...document.querySelectorAll("input, select, textarea, button")]
        .filter((el) => (el.labels?.length ?? 0) === 0 && !el.getAttribute("aria-label") &&
          (el.tagName !== "BUTTON" || (el.textContent ?? "").trim() === ""))
        .map((el) => el.outerHTML.slice(0, 80))`)) as string[];
      expect(unnamed, `${name} at ${width} px`).to.deep.equal([]);
      const scrollWidth = (await page.evaluate("document.documentElement.scrollWidth")) as number;
      expect(scrollWidth, `${name} at ${width} px`).to.be.at.most(width);
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

  /** GET `route` of the indexer (the test's own read of what the app shows). */
  async function api<T>(route: string): Promise<T> {
    return (await (await fetch(new URL(route, indexer!.base))).json()) as T;
  }

  /**
   * Starts recording, in the page, every value `read` takes on the element `testId` (its text, or an
   * attribute) as the page changes; `recorded()` returns them in order, repeats left out.
   */
  async function record(page: Page, testId: string, attribute?: string): Promise<() => Promise<string[]>> {
    const key = `__record_${testId}`;
    // Plain JavaScript (a string): this file is compiled without the DOM's types.
    await page.evaluate(`(() => {
      const values = [];
      window[${JSON.stringify(key)}] = values;
      const read = () => {
        const el = document.querySelector('[data-testid=${JSON.stringify(testId)}]');
        if (el === null) return;
        const v = ${attribute === undefined ? 'el.textContent ?? ""' : `el.getAttribute(${JSON.stringify(attribute)}) ?? ""`};
        if (values[values.length - 1] !== v) values.push(v);
      };
      read();
      new MutationObserver(read).observe(document.body, {
        subtree: true, childList: true, characterData: true, attributes: true,
      });
    })()`);
    return () => page.evaluate(`window[${JSON.stringify(key)}]`) as Promise<string[]>;
  }

  /** Waits until the picture was animated (recorded by `record(page, "picture", "data-h")`) and is still. */
  async function animated(page: Page): Promise<void> {
    await page.waitForFunction(
      `(window.__record_picture ?? []).length > 2 &&
        document.querySelector('[data-testid="picture"]')?.getAttribute("data-step") === ""`,
      undefined,
      { timeout: 30_000 },
    );
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
    appConfig = {
      chainId: 31337,
      chainName: "cofund local",
      rpcUrl: url,
      indexerUrl: indexer.base,
      contracts: deployed.contracts,
      // Settlement pages of one pledge: the campaign's progress shows page by page.
      settlePagePledges: 1,
    };
    server = await serveApp(dist, appConfig);
    // The indexer catching up with the chain after its start is timed apart from the page.
    const asked = Date.now();
    for (;;) {
      const r = await api<{ gaps?: unknown[] }>("/api/gaps/funding/stats");
      if ((r.gaps?.length ?? 0) >= 2) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    indexerCatchUpMs = Date.now() - asked;
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
    // Time to interactive of the gaps page: navigation start → the gap table rendered from the indexer's
    // list (with an indexer that has answered once since it started).
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(server!.url);
    await page.getByTestId("gap-row").first().waitFor();
    const tti = await page.evaluate(() => performance.now());
    await page.close();
    fs.writeFileSync(
      path.join(SHOTS, "metrics.json"),
      JSON.stringify(
        { initialBundleGzipBytes: gzip, gapsPageInteractiveMs: Math.round(tti), indexerCatchUpMs },
        null,
        2,
      ) + "\n",
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
    // The list (from the indexer) shows the new campaign.
    await creator.getByTestId("campaign-row").filter({ hasText: "#1" }).waitFor();
    await shoot(creator, "campaigns");
    await creator.close();

    for (const [i, limit] of [
      [1, "100"],
      [2, "40"],
    ] as const) {
      const page = await open(i, "#/campaigns/1");
      if (i === 1) {
        // Typed key by key, the new pledge's preview asks the contract once the amount rests, not per key.
        const previews = countCalls(page, url, "previewPledge");
        await page.getByLabel(/Your limit/).pressSequentially(`${limit}.00000`, { delay: 40 });
        await page.getByTestId("preview-h").waitFor();
        await page.waitForTimeout(400);
        expect(previews.count, "previewPledge calls for 9 keys").to.be.within(1, 2);
      } else await page.getByLabel(/Your limit/).fill(limit);
      const h = await page.getByTestId("preview-h").textContent();
      const payment = await page.getByTestId("preview-payment").textContent();
      if (i === 2) await page.getByTestId("picture").waitFor();
      const pictures = await record(page, "picture", "data-h");
      await page.getByRole("button", { name: "Pledge", exact: true }).click();
      await confirmed(page);
      await page.getByTestId("campaign-h").filter({ hasText: h! }).waitFor();
      if (i === 2) {
        // A frame of the animation, when it is still running (a slow receipt may come after its end).
        if (
          await page.evaluate(
            `document.querySelector('[data-testid="picture"]')?.getAttribute("data-step") !== ""`,
          )
        )
          await page.screenshot({ path: path.join(SHOTS, "campaign-join-1280.png"), fullPage: true });
        // The join animates the fixed-point iteration h ← Σ√pᵢ(h) from the old h to the new root, then
        // the exact picture stays: frames at the old h, the iterates, the displayed h.
        await animated(page);
        const hs = (await pictures()).map(Number);
        const displayed = Number((await page.getByTestId("campaign-h").textContent())!.replace(/,/g, ""));
        expect(hs.length, hs.join(" ")).to.be.greaterThan(4);
        // Each iterate is g(previous) with g(h) = Σ√(Lᵢ·(2/π)·atan(h·s)), limits 100 and 40, s = 0.1.
        const g = (h: number): number =>
          [100, 40].reduce((sum, L) => sum + Math.sqrt((L * 2 * Math.atan(h * 0.1)) / Math.PI), 0);
        const iterates = hs.slice(0, -1);
        for (let k = 1; k < iterates.length; k++) {
          const want = g(iterates[k - 1]!);
          expect(
            Math.abs(iterates[k]! - want) < 1e-9 * want,
            `step ${k}: ${iterates[k]} vs ${want}`,
          ).to.equal(true);
          const [before, after] = [displayed - iterates[k - 1]!, displayed - iterates[k]!];
          expect(after < before && after >= 0, `step ${k} approaches ${displayed}`).to.equal(true);
        }
        expect(Math.abs(iterates.at(-1)! - displayed) < 1e-3 * displayed).to.equal(true);
        expect(Math.abs(hs.at(-1)! - displayed) < 1e-6).to.equal(true);
      }
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
    // The exact status (its pledge reads) is asked for again only when the campaign changed: new blocks
    // without its events cost no read of the pledges.
    const pledgeCalls = countCalls(raiser, url, "getPledges");
    await raiser.getByTestId("pledge-row").nth(1).waitFor();
    const blockShown = async (): Promise<number> => Number(await raiser.getByTestId("block").textContent());
    const readsBefore = pledgeCalls.count;
    for (let k = 0; k < 3; k++) {
      const next = (await blockShown()) + 1;
      await ctx.provider.send("evm_mine", []);
      await raiser
        .getByTestId("block")
        .filter({ hasText: String(next) })
        .waitFor();
    }
    await raiser.waitForTimeout(300);
    expect(pledgeCalls.count - readsBefore, "getPledges calls over 3 blocks without events").to.equal(0);
    await raiser.getByLabel("Add to your limit").fill("20");
    await raiser.getByTestId("preview-h").waitFor();
    const raisedPictures = await record(raiser, "picture", "data-h");
    await raiser.getByRole("button", { name: "Raise" }).click();
    expect(await confirmed(raiser)).to.contain("your pledge is now 120");
    // The raise is animated too; the screenshot is taken once the exact picture is back.
    await animated(raiser);
    expect((await raisedPictures()).length).to.be.greaterThan(2);
    expect(pledgeCalls.count, "the raise's event brings the exact status again").to.be.greaterThan(
      readsBefore,
    );
    await shoot(raiser, "campaign");
    await raiser.close();

    await advance(ctx.provider, 3_601);
    const settler = await open(2, "#/campaigns/1");
    const progress = await record(settler, "settle-progress");
    await settler.getByRole("button", { name: "Settle the campaign" }).click();
    expect(await confirmed(settler)).to.match(/settled at h = [\d.]+ in 2 transactions/);
    // Pages of one pledge (config.json's settlePagePledges): each page shown as it is confirmed.
    expect(await progress()).to.deep.equal([
      "Page 1 of 2, 1 of 2 pledges settled…",
      "Page 2 of 2, 2 of 2 pledges settled: the campaign is settled.",
    ]);
    await settler.getByTestId("campaign-state").filter({ hasText: "settled" }).waitFor();
    await shoot(settler, "campaign-settled");
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

  it("lists gaps, rounds and campaigns from the indexer with live values from the chain; an unreachable indexer is one line", async () => {
    const qf = await ctx.allocator(0);
    const page = await open(1);
    // Gaps: the indexer's rows (names, direct totals), the estimated match live from the chain.
    type Stats = { gaps: { gapId: string; name: string; directTotal: string }[] };
    const listed = await api<Stats>("/api/gaps/funding/stats");
    const chain = await qf.stats();
    expect(listed.gaps.map((g) => g.name)).to.deep.equal(["open-dataset", "street-trees"]);
    for (const g of listed.gaps) {
      const row = page.getByTestId("gap-row").filter({ hasText: g.name });
      await row.filter({ hasText: twoDecimalsDown(units(g.directTotal)) }).waitFor();
      const live = chain.gaps.find((c) => c.gapId.toLowerCase() === g.gapId.toLowerCase())!.estimatedMatch;
      expect(await row.getByTestId("estimated-match").textContent()).to.equal(twoDecimalsDown(live));
    }
    await page
      .getByTestId("round-line")
      .filter({ hasText: /Round \d+ · closes in/ })
      .waitFor();
    // By keyboard: Tab reaches the search field, which shows its focus; typing filters the list.
    for (let k = 0; k < 20 && (await page.evaluate("document.activeElement?.id")) !== "gap-search"; k++)
      await page.keyboard.press("Tab");
    expect(await page.evaluate("getComputedStyle(document.activeElement).outlineStyle")).to.equal("solid");
    await page.keyboard.type("street");
    await page.getByTestId("gap-row").filter({ hasText: "open-dataset" }).waitFor({ state: "detached" });
    expect(await page.getByTestId("gap-row").count()).to.equal(1);
    // Rounds and campaigns: as many rows as the indexer lists.
    const rounds = await api<{ rounds: unknown[] }>("/api/rounds");
    await page.goto(server!.url + "#/rounds");
    await page
      .getByTestId("round-row")
      .nth(rounds.rounds.length - 1)
      .waitFor();
    expect(await page.getByTestId("round-row").count()).to.equal(rounds.rounds.length);
    await page.getByTestId("round-row").filter({ hasText: "finalized" }).waitFor();
    await shoot(page, "rounds-finalised");
    await page.goto(server!.url + "#/campaigns");
    const campaigns = await api<{ campaigns: { h: string }[] }>("/api/campaigns");
    await page
      .getByTestId("campaign-row")
      .nth(campaigns.campaigns.length - 1)
      .waitFor();
    expect(await page.getByTestId("campaign-row").count()).to.equal(campaigns.campaigns.length);
    const settledH = (await (await ctx.pledges(0)).status(1n)).h;
    expect(await page.getByTestId("campaign-row-h").first().textContent()).to.equal(
      Number(formatUnits(settledH, 18)).toLocaleString("en-US", { maximumFractionDigits: 4 }),
    );
    await page.close();

    // An indexer nobody answers at: one sentence, the chain's values still shown. (The browser logs the
    // refused connections: this page's console is not watched.)
    const down = await serveApp(dist, { ...appConfig, indexerUrl: "http://127.0.0.1:9/" });
    const lonely = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      await lonely.goto(down.url);
      const notice = lonely.getByTestId("indexer-error");
      await notice.waitFor();
      expect(await notice.textContent()).to.match(
        /^The indexer at http:\/\/127\.0\.0\.1:9\/ did not answer \([^)]+\): lists and history appear once it does\.$/,
      );
      await lonely
        .getByTestId("round-line")
        .filter({ hasText: /Round \d+ · closes in/ })
        .waitFor();
      expect(await lonely.getByTestId("gap-row").count()).to.equal(0);
      await shoot(lonely, "gaps-indexer-down");
    } finally {
      await lonely.close();
      await down.close();
    }
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
    // Refused in the wallet: the SDK's sentence, and nothing changed on chain.
    await page.goto(server!.url + "#/rounds");
    const pool = await (await ctx.allocator(0)).matchingPool();
    wallets.get(page)!.rejectNext("eth_sendTransaction");
    await page.getByLabel("Amount").fill("3");
    await page.getByRole("button", { name: "Fund the pool" }).click();
    await alert.filter({ hasText: "failed" }).waitFor();
    expect(await alert.textContent()).to.equal("Pool funding failed: The request was rejected in the wallet");
    expect(await (await ctx.allocator(0)).matchingPool()).to.equal(pool);
    await page.close();
    expect(consoleErrors).to.deep.equal([]);
  });
});
