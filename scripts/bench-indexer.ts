/**
 * `npm run bench:indexer`: how fast the indexer catches up with a large history, and what its API
 * costs next to the same question answered without it — in one run, on one machine.
 *
 * 1. a `hardhat node`, a deployment, and a seeded history sent in blocks of many transactions:
 *    BENCH_GAPS gaps (default 1,000), BENCH_CONTRIBUTIONS contributions (10,000) from
 *    BENCH_CONTRIBUTORS addresses (500) over two rounds (the first finalised), BENCH_CAMPAIGNS
 *    campaigns (20) with BENCH_PLEDGERS pledges each (100: 2,000 pledges);
 * 2. the indexer (`hardhat indexer`, PGlite in a temporary directory) started after the history:
 *    the time until it has indexed the head (backfill of every log);
 * 3. `GET /api/gaps/funding/stats` (every gap and the totals) BENCH_REQUESTS times (200): the first
 *    request and the p50 / p99 of the rest; checked equal to `qf:stats --json`;
 * 4. the same question without the indexer: `qf:stats --json` (the contract's paged views) and
 *    `audit --json` (a full log scan and replay), timed as processes.
 * Prints a table, writes out/bench/indexer.md and .json and, with the default sizes, replaces the
 * table between README's `<!-- indexer-bench -->` markers. `--json` prints the figures as JSON.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { JsonRpcProvider, parseUnits, type Interface } from "ethers";
import { CoordinatedPledges__factory } from "../typechain-types/factories/contracts/CoordinatedPledges__factory";
import { QuadraticFundingAllocator__factory } from "../typechain-types/factories/contracts/QuadraticFundingAllocator__factory";
import { TestToken__factory } from "../typechain-types/factories/contracts/mocks/TestToken__factory";
import { gapIdFromName } from "../sdk/ids";
import { PledgesClient } from "../sdk/pledges";
import { Rng } from "../lab/rng";
import { ROOT, answers, deployLocal, hardhat, hardhatOnce, stopChildren, until } from "./lib/stack";

/** A whole number from the environment, or `fallback`. */
function size(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new Error(`${name} "${raw}" is not a whole number ≥ 1`);
  return Number(raw);
}

const SIZES = {
  gaps: size("BENCH_GAPS", 1_000),
  contributions: size("BENCH_CONTRIBUTIONS", 10_000),
  contributors: size("BENCH_CONTRIBUTORS", 500),
  campaigns: size("BENCH_CAMPAIGNS", 20),
  pledgers: size("BENCH_PLEDGERS", 100),
  requests: size("BENCH_REQUESTS", 200),
};
const DEFAULT_SIZES = Object.values(SIZES).join() === "1000,10000,500,20,100,200";
const JSON_OUT = process.argv.includes("--json");

function log(line: string): void {
  if (!JSON_OUT) process.stderr.write(`[bench:indexer] ${line}\n`);
}

/** A free TCP port (bound and released). */
async function freePort(): Promise<number> {
  const net = await import("node:net");
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** JSON-RPC to the node, one call or a batch (results in order; the first error throws). */
class Rpc {
  private id = 0;
  constructor(readonly url: string) {}

  async batch(calls: [method: string, params: unknown[]][]): Promise<unknown[]> {
    if (calls.length === 0) return [];
    const body = calls.map(([method, params]) => ({ jsonrpc: "2.0", id: ++this.id, method, params }));
    const res = await fetch(this.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const out = (await res.json()) as { id: number; result?: unknown; error?: { message: string } }[];
    out.sort((a, b) => a.id - b.id);
    const failed = out.find((r) => r.error !== undefined);
    if (failed) throw new Error(`node: ${failed.error!.message}`);
    return out.map((r) => r.result);
  }

  async call(method: string, params: unknown[] = []): Promise<unknown> {
    return (await this.batch([[method, params]]))[0];
  }
}

/** A transaction from an unlocked or impersonated address. */
interface Tx {
  from: string;
  to: string;
  data: string;
  gas: number;
}

const call = (iface: Interface, to: string, from: string, gas: number, fn: string, args: unknown[]): Tx => ({
  from,
  to,
  gas,
  data: iface.encodeFunctionData(fn, args),
});

/**
 * Sends `txs` in blocks (automine off): as many per block as fit in 90% of its gas limit, each block
 * mined and every receipt checked (a reverted transaction stops the bench).
 */
async function sendInBlocks(rpc: Rpc, txs: Tx[], what: string): Promise<void> {
  const block = (await rpc.call("eth_getBlockByNumber", ["latest", false])) as { gasLimit: string };
  const budget = Number(BigInt(block.gasLimit)) * 0.9;
  let i = 0;
  while (i < txs.length) {
    let used = 0;
    const batch: Tx[] = [];
    while (i < txs.length && used + txs[i]!.gas <= budget) {
      used += txs[i]!.gas;
      batch.push(txs[i++]!);
    }
    const hashes = (await rpc.batch(
      batch.map((t) => ["eth_sendTransaction", [{ ...t, gas: `0x${t.gas.toString(16)}` }]]),
    )) as string[];
    await rpc.call("evm_mine");
    const receipts = (await rpc.batch(hashes.map((h) => ["eth_getTransactionReceipt", [h]]))) as ({
      status: string;
    } | null)[];
    const bad = receipts.findIndex((r) => r === null || r.status !== "0x1");
    if (bad >= 0)
      throw new Error(`${what}: transaction ${hashes[bad]} ${receipts[bad] ? "reverted" : "was not mined"}`);
    log(`${what}: ${i.toLocaleString("en-US")}/${txs.length.toLocaleString("en-US")}`);
  }
}

/** `n` synthetic addresses, impersonated and given ETH for gas. */
async function accounts(rpc: Rpc, prefix: number, n: number): Promise<string[]> {
  const out = Array.from(
    { length: n },
    (_, i) => "0x" + (prefix * 1_000_000 + i + 1).toString(16).padStart(40, "0"),
  );
  for (let i = 0; i < n; i += 200) {
    const slice = out.slice(i, i + 200);
    await rpc.batch(slice.map((a) => ["hardhat_impersonateAccount", [a]]));
    await rpc.batch(slice.map((a) => ["hardhat_setBalance", [a, "0x56bc75e2d63100000"]])); // 100 ETH
  }
  return out;
}

/** Plays the seeded history (see the module comment). */
async function playHistory(
  rpc: Rpc,
  url: string,
  contracts: Record<string, string>,
  admin: string,
): Promise<void> {
  const rng = new Rng(2026);
  const alloc = QuadraticFundingAllocator__factory.createInterface();
  const pledgesIface = CoordinatedPledges__factory.createInterface();
  const token = TestToken__factory.createInterface();
  const [A, P, T] = [
    contracts.QuadraticFundingAllocator!,
    contracts.CoordinatedPledges!,
    contracts.TestToken!,
  ];
  const unit = parseUnits("1", 18);
  await rpc.call("evm_setAutomine", [false]);

  const gaps = Array.from({ length: SIZES.gaps }, (_, i) => `gap-${i + 1}`);
  const recipients = await accounts(rpc, 0xa1, SIZES.gaps);
  await sendInBlocks(
    rpc,
    gaps.map((g, i) =>
      call(alloc, A, admin, 200_000, "registerGap", [gapIdFromName(g), recipients[i], `ipfs://${g}`]),
    ),
    "gaps",
  );
  await sendInBlocks(
    rpc,
    [
      call(token, T, admin, 100_000, "approve", [A, 100_000n * unit]),
      call(alloc, A, admin, 150_000, "fundMatchingPool", [100_000n * unit]),
    ],
    "matching pool",
  );

  // Contributions: amounts 1–50 tokens to random gaps; each contributor approves exactly its total.
  const contributors = await accounts(rpc, 0xc0, SIZES.contributors);
  const plan = Array.from({ length: SIZES.contributions }, (_, k) => ({
    from: contributors[k % contributors.length]!,
    gap: gapIdFromName(gaps[Math.floor(rng.next() * gaps.length)]!),
    amount: BigInt(1 + Math.floor(rng.next() * 50)) * unit,
  }));
  const totals = new Map<string, bigint>();
  for (const c of plan) totals.set(c.from, (totals.get(c.from) ?? 0n) + c.amount);
  await sendInBlocks(
    rpc,
    [...totals].flatMap(([who, total]) => [
      call(token, T, who, 100_000, "mint", [who, total]),
      call(token, T, who, 100_000, "approve", [A, total]),
    ]),
    "contributors' tokens",
  );
  const half = Math.floor(plan.length / 2);
  const contribute = (part: typeof plan): Tx[] =>
    part.map((c) => call(alloc, A, c.from, 250_000, "contributeToGap", [c.gap, c.amount]));
  await sendInBlocks(rpc, contribute(plan.slice(0, half)), "contributions, round 1");
  const duration = Number(
    alloc.decodeFunctionResult(
      "roundDuration",
      (await rpc.call("eth_call", [
        { to: A, data: alloc.encodeFunctionData("roundDuration") },
        "latest",
      ])) as string,
    )[0],
  );
  await rpc.call("evm_increaseTime", [duration + 1]);
  await sendInBlocks(
    rpc,
    [call(alloc, A, admin, 1_000_000, "computeMatchingRound", [50_000n * unit])],
    "round 1 finalised",
  );
  await sendInBlocks(rpc, contribute(plan.slice(half)), "contributions, round 2");

  // Campaigns through the SDK, then pledges of 1–100 tokens from distinct addresses.
  await rpc.call("evm_setAutomine", [true]);
  const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  const cp = await PledgesClient.connect(P, await provider.getSigner(admin));
  const campaigns: bigint[] = [];
  for (let c = 0; c < SIZES.campaigns; c++) {
    const created = await cp.createCampaign({
      token: T,
      recipient: recipients[c % recipients.length]!,
      duration: 30 * 86_400,
      mode: c % 2 === 0 ? "quadratic" : "linear",
      initialSpeed: c % 2 === 0 ? 10n ** 17n : 10n ** 15n,
      policy: c % 4 < 2 ? "constant" : "geometric",
      ...(c % 4 < 2 ? {} : { decay: 99n * 10n ** 16n }),
    });
    campaigns.push(created.campaignId);
  }
  provider.destroy();
  await rpc.call("evm_setAutomine", [false]);
  const pledgers = await accounts(rpc, 0xb0, SIZES.pledgers);
  const limits = campaigns.map(() => pledgers.map(() => BigInt(1 + Math.floor(rng.next() * 100)) * unit));
  await sendInBlocks(
    rpc,
    pledgers.flatMap((who, k) => {
      const total = limits.reduce((sum, l) => sum + l[k]!, 0n);
      return [
        call(token, T, who, 100_000, "mint", [who, total]),
        call(token, T, who, 100_000, "approve", [P, total]),
      ];
    }),
    "pledgers' tokens",
  );
  await sendInBlocks(
    rpc,
    campaigns.flatMap((id, c) =>
      pledgers.map((who, k) => call(pledgesIface, P, who, 250_000, "pledge", [id, limits[c]![k]])),
    ),
    "pledges",
  );
  await rpc.call("evm_setAutomine", [true]);
}

/** Runs `hardhat <args>` and returns its wall time in ms and its stdout. */
async function timed(args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; out: string }> {
  const t0 = performance.now();
  const out = await hardhatOnce(args, env);
  return { ms: performance.now() - t0, out };
}

const quantile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;

async function main(): Promise<void> {
  const [nodePort, indexerPort] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${nodePort}`;
  const deploymentId = `bench-indexer-${process.pid}`;
  const pgliteDir = fs.mkdtempSync(path.join(os.tmpdir(), "cofund-bench-indexer-"));
  const env: NodeJS.ProcessEnv = { ...process.env, LOCALHOST_URL: url, COFUND_DEPLOYMENT_ID: deploymentId };
  try {
    log(`node on ${url}`);
    const node = hardhat(["node", "--hostname", "127.0.0.1", "--port", String(nodePort)], env, "node", false);
    await until("the local node", () => answers(url), node);
    const deployed = await deployLocal(env);
    const rpc = new Rpc(url);
    const [admin] = (await rpc.call("eth_accounts")) as string[];
    const t0 = performance.now();
    await playHistory(rpc, url, deployed.contracts as unknown as Record<string, string>, admin!);
    const historyMs = performance.now() - t0;
    const head = Number(BigInt((await rpc.call("eth_blockNumber")) as string));
    log(`history: ${head} blocks in ${(historyMs / 1000).toFixed(1)} s; starting the indexer`);

    const started = performance.now();
    const indexer = hardhat(
      ["indexer", "--json", "--network", "localhost"],
      { ...env, PORT: String(indexerPort), COFUND_PGLITE_DIR: pgliteDir, COFUND_POLLING_MS: "200" },
      "indexer",
      false,
    );
    const base = `http://127.0.0.1:${indexerPort}`;
    const health = (): Promise<{ indexedBlock: number | null } | null> =>
      fetch(`${base}/api/health`).then(
        (r) => (r.ok ? (r.json() as Promise<{ indexedBlock: number | null }>) : null),
        () => null,
      );
    await until("the indexer's HTTP server", async () => (await health()) !== null, indexer, 600);
    const startupMs = performance.now() - started;
    await until("the indexer", async () => (await health())?.indexedBlock === head, indexer, 3_600);
    const indexMs = performance.now() - started;
    log(`indexed ${head} blocks in ${(indexMs / 1000).toFixed(1)} s`);

    const latencies: number[] = [];
    let first = "";
    for (let i = 0; i < SIZES.requests; i++) {
      const t = performance.now();
      const body = await (await fetch(`${base}/api/gaps/funding/stats`)).text();
      latencies.push(performance.now() - t);
      if (i === 0) first = body;
    }
    const stats = await timed(["qf:stats", "--json", "--network", "localhost"], env);
    if (JSON.stringify(JSON.parse(first)) !== JSON.stringify(JSON.parse(stats.out))) {
      throw new Error("GET /api/gaps/funding/stats differs from qf:stats --json");
    }
    const audit = await timed(["audit", "--json", "--network", "localhost"], env);
    const report = JSON.parse(audit.out) as { ok: boolean; events: number };
    if (!report.ok) throw new Error("the audit of the bench history found discrepancies");
    const rest = latencies.slice(1).sort((a, b) => a - b);
    const figures = {
      sizes: SIZES,
      blocks: head,
      events: report.events,
      historySeconds: historyMs / 1000,
      startupSeconds: startupMs / 1000,
      indexSeconds: indexMs / 1000,
      eventsPerSecond: report.events / ((indexMs - startupMs) / 1000),
      statsFirstMs: latencies[0]!,
      statsP50Ms: rest.length > 0 ? quantile(rest, 0.5) : latencies[0]!,
      statsP99Ms: rest.length > 0 ? quantile(rest, 0.99) : latencies[0]!,
      qfStatsMs: stats.ms,
      auditMs: audit.ms,
      node: process.version,
      cpus: os.cpus().length,
    };
    publish(figures);
  } finally {
    await stopChildren();
    fs.rmSync(pgliteDir, { recursive: true, force: true });
    fs.rmSync(path.join(ROOT, "deploy", "deployments", deploymentId), { recursive: true, force: true });
  }
}

type Figures = {
  sizes: typeof SIZES;
  blocks: number;
  events: number;
  historySeconds: number;
  startupSeconds: number;
  indexSeconds: number;
  eventsPerSecond: number;
  statsFirstMs: number;
  statsP50Ms: number;
  statsP99Ms: number;
  qfStatsMs: number;
  auditMs: number;
  node: string;
  cpus: number;
};

/** Prints the figures and writes them (out/bench/, and README with the default sizes). */
function publish(f: Figures): void {
  const n = (x: number, digits = 0): string =>
    x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const s = f.sizes;
  const table = [
    `${n(s.contributions)} contributions to ${n(s.gaps)} gaps by ${n(s.contributors)} addresses over 2 rounds, ` +
      `${n(s.campaigns * s.pledgers)} pledges in ${n(s.campaigns)} campaigns: ${n(f.events)} events in ${n(f.blocks)} blocks ` +
      `(Node ${f.node}, ${f.cpus} cores, one run).`,
    "",
    "| question | answered by | time |",
    "| --- | --- | ---: |",
    `| index the whole history (backfill, PGlite) | \`npm run indexer\` from start to the head | ${n(f.indexSeconds, 1)} s (${n(f.eventsPerSecond)} events/s) |`,
    `| … of which starting (Hardhat, Ponder's build, HTTP up) | | ${n(f.startupSeconds, 1)} s |`,
    `| every gap and the totals | \`GET /api/gaps/funding/stats\`, first request | ${n(f.statsFirstMs)} ms |`,
    `| every gap and the totals | \`GET /api/gaps/funding/stats\`, p50 / p99 of ${n(s.requests - 1)} | ${n(f.statsP50Ms, 1)} / ${n(f.statsP99Ms, 1)} ms |`,
    `| every gap and the totals | \`qf:stats --json\` (contract views, a process) | ${n(f.qfStatsMs)} ms |`,
    `| every gap and the totals, reconciled | \`audit --json\` (full log scan and replay, a process) | ${n(f.auditMs)} ms |`,
  ].join("\n");
  fs.mkdirSync(path.join(ROOT, "out", "bench"), { recursive: true });
  fs.writeFileSync(path.join(ROOT, "out", "bench", "indexer.md"), table + "\n");
  fs.writeFileSync(path.join(ROOT, "out", "bench", "indexer.json"), JSON.stringify(f, null, 2) + "\n");
  if (DEFAULT_SIZES) {
    const readme = path.join(ROOT, "README.md");
    const text = fs.readFileSync(readme, "utf8");
    const [begin, end] = ["<!-- indexer-bench -->", "<!-- /indexer-bench -->"];
    const i = text.indexOf(begin);
    const j = text.indexOf(end);
    if (i >= 0 && j > i)
      fs.writeFileSync(readme, text.slice(0, i + begin.length) + "\n" + table + "\n" + text.slice(j));
  }
  if (JSON_OUT) process.stdout.write(JSON.stringify(f) + "\n");
  else process.stdout.write(table + "\n");
}

main().catch(async (error: unknown) => {
  process.stderr.write(`Error: ${error instanceof Error ? error.message : String(error)}\n`);
  await stopChildren();
  process.exit(1);
});
