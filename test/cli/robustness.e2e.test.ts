/**
 * The CLI as a user meets it, end to end against a real `hardhat node` in a child process: every
 * mistake is one readable line on stderr with a non-zero exit (never a stack trace); a node that
 * does not answer is named with its URL; a flaky connection is retried on reads, and a write whose
 * connection breaks says whether its transaction was sent (with its hash); `--json` through a pipe
 * is never truncated, however large.
 *
 * Flaky connections come from a small JSON-RPC proxy in this process, between the CLI and the node.
 */
import { expect } from "chai";
import type { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import type { AddressInfo } from "node:net";
import hre from "hardhat";
import { Contract, JsonRpcProvider, NonceManager, Wallet, parseUnits } from "ethers";
import { ethers } from "../helpers/chain";
import {
  childEnv,
  finish,
  freePort,
  removeDeploymentRecords,
  startHardhat,
  startNode,
  stopProcess,
  type Run,
  deployWithCli,
} from "../helpers/local-node";

const DEPLOYMENT_ID = `e2e-robust-${process.pid}-${Date.now()}`;
const WRITES = new Set(["eth_sendTransaction", "eth_sendRawTransaction"]);

/** What the proxy does to each JSON-RPC request. */
type ProxyMode = "pass" | "drop-every-other-read" | "break-after-write" | "strip-revert-data";

/** Methods whose reverts the "strip-revert-data" proxy answers without data, as some nodes do. */
const STRIPPED = new Set(["eth_estimateGas", "eth_sendTransaction", "eth_sendRawTransaction"]);

/** A JSON-RPC proxy to `target` that can drop connections, counting what it did. */
async function startProxy(target: string): Promise<{
  url: string;
  mode: ProxyMode;
  dropped: number;
  brokenWrites: number;
  close(): Promise<void>;
}> {
  let reads = 0;
  const proxy = {
    url: "",
    mode: "pass" as ProxyMode,
    dropped: 0,
    brokenWrites: 0,
    close: (): Promise<void> => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const body = Buffer.concat(chunks).toString();
        const parsed = JSON.parse(body) as { method?: string } | { method?: string }[];
        const method = Array.isArray(parsed) ? "batch" : (parsed.method ?? "");
        const isWrite = WRITES.has(method);
        if (proxy.mode === "drop-every-other-read" && !isWrite && reads++ % 2 === 0) {
          proxy.dropped++;
          req.socket.destroy(); // "other side closed" for the client
          return;
        }
        const answer = await fetch(target, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
        let text = await answer.text();
        if (proxy.mode === "strip-revert-data" && STRIPPED.has(method)) {
          const reply = JSON.parse(text) as { error?: { code: number; message: string; data?: unknown } };
          if (reply.error !== undefined) {
            reply.error = { code: -32000, message: "execution reverted" };
            text = JSON.stringify(reply);
          }
        }
        if (proxy.mode === "break-after-write" && isWrite) {
          proxy.brokenWrites++;
          req.socket.destroy(); // the node has the transaction; the client never hears it
          return;
        }
        res.writeHead(answer.status, { "content-type": "application/json" });
        res.end(text);
      })();
    });
  });
  server.keepAliveTimeout = 1;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

/** No line of a stack trace ("    at f (file:…)") anywhere in the output. */
function expectNoStack(r: Run): void {
  expect(r.stderr + r.stdout).to.not.match(/^\s+at .+[(:]/m);
}

/** Exactly one line on stderr, starting "Error", and a non-zero exit. */
function expectOneLineError(r: Run, pattern?: RegExp): void {
  expect(r.code, r.stderr).to.not.equal(0);
  expectNoStack(r);
  const lines = r.stderr.split("\n").filter((l) => l.trim() !== "");
  expect(lines, r.stderr).to.have.length(1);
  expect(lines[0]).to.match(/^Error/);
  if (pattern !== undefined) expect(lines[0]).to.match(pattern);
}

describe("CLI robustness end to end (hardhat node in a child process)", function () {
  this.timeout(300_000);

  let nodeUrl = "";
  let node: ChildProcess | undefined;
  let contracts: Record<string, string> = {};

  function hardhat(args: string[], url = nodeUrl, extra: Record<string, string> = {}): Promise<Run> {
    return finish(startHardhat(args, childEnv(url, DEPLOYMENT_ID, extra)));
  }

  before(async () => {
    const port = await freePort();
    nodeUrl = `http://127.0.0.1:${port}`;
    node = await startNode(port, childEnv(nodeUrl, DEPLOYMENT_ID));
    contracts = (await deployWithCli(nodeUrl, DEPLOYMENT_ID)).contracts;
  });

  after(async () => {
    await stopProcess(node);
    removeDeploymentRecords(DEPLOYMENT_ID, hre.config.paths.cache);
  });

  it("answers every mistake on the command line with one line and a non-zero exit", async () => {
    const local = ["--network", "localhost"];
    const cases: [string[], RegExp][] = [
      [["qf:stats", "--bogus", "1", ...local], /--bogus/],
      [["qf:contribute", "--gap", "alpha", ...local], /missing --amount/],
      [["qf:contribute", "--gap", ...local], /--gap/],
      [["qf:contribute", "--gap", "alpha", "--amount", "12,5", ...local], /12,5/],
      [
        ["qf:gap:register", "--gap", "g", "--recipient", "0x1234", ...local],
        /--recipient "0x1234" is not an address/,
      ],
      [["qf:round", "--round", "x", ...local], /--round "x"/],
      [["cqf:status", "--campaign", "-1", ...local], /--campaign "-1"/],
      [["keeper", "--once", "--interval", "soon", ...local], /--interval "soon"/],
      [["qf:stats", "--network", "nowhere"], /network "nowhere"/],
      [["qf:stats", "--from", "99", ...local], /--from 99/],
    ];
    // As a developer runs it, and as CI does (where Hardhat shows stack traces by default).
    for (const extra of [{}, { CI: "true" }] as Record<string, string>[]) {
      const runs = await Promise.all(cases.map(([args]) => hardhat(args, nodeUrl, extra)));
      runs.forEach((r, i) => expectOneLineError(r, cases[i]![1]));
    }
  });

  it("validates every flag's value: one readable line, no hang, no raw system error", async () => {
    const local = ["--network", "localhost"];
    const notADir = path.join(os.tmpdir(), `cofund-not-a-dir-${process.pid}`);
    fs.writeFileSync(notADir, "a file, not a directory\n");
    // Account 0's address with one letter's case flipped: a valid hex address, a wrong checksum.
    const badChecksum = "0xF39fd6e51aad88F6F4ce6aB8827279cffFb92266";
    try {
      const cases: [string[], RegExp][] = [
        [["keeper", "--once", "--max-pledges", "0", ...local], /--max-pledges "0" is not a whole number ≥ 1/],
        [
          ["cqf:settle", "--campaign", "1", "--max-pledges", "0", ...local],
          /--max-pledges "0" is not a whole number ≥ 1/,
        ],
        [
          ["audit", "--from-block", "99999999", ...local],
          /--from-block 99999999 is past the chain head \(block \d+\)/,
        ],
        [
          ["audit", "--csv", notADir, ...local],
          /--csv ".+": cannot write there \(it is a file, not a directory\)/,
        ],
        [["audit", "--csv", path.join(notADir, "sub"), ...local], /--csv ".+": cannot write there/],
        [
          ["qf:stats", "--from", badChecksum, ...local],
          /--from "0xF39fd6e51aad88F6F4ce6aB8827279cffFb92266" is not an address \(its mixed-case checksum is wrong\)/,
        ],
      ];
      const runs = await Promise.all(cases.map(([args]) => hardhat(args)));
      runs.forEach((r, i) => {
        expectOneLineError(r, cases[i]![1]);
        expect(r.stderr).to.not.match(/EEXIST|ENOTDIR|EACCES/);
      });
    } finally {
      fs.rmSync(notADir, { force: true });
    }
  });

  it("keeps a gap's human name in qf:stats when it was registered with a metadata URI", async () => {
    const local = ["--network", "localhost"];
    const tag = `${process.pid}-${Date.now()}`;
    const [oceans, rivers] = [`oceans-${tag}`, `rivers-${tag}`];
    const cid = "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
    const registered = await Promise.all([
      // By name, with a URI that does not carry it: the CLI keeps the name it was given.
      hardhat([
        "qf:gap:register",
        "--gap",
        oceans,
        "--recipient",
        contracts.TestToken!,
        "--uri",
        cid,
        ...local,
      ]),
      // By id, with a URI that carries the name in its path.
      hardhat([
        "qf:gap:register",
        "--gap",
        ethers.id(rivers),
        "--recipient",
        contracts.TestToken!,
        "--uri",
        `https://example.org/gaps/${rivers}?v=2`,
        ...local,
      ]),
    ]);
    for (const r of registered) expect(r.code, r.stderr).to.equal(0);
    const table = await hardhat(["qf:stats", ...local]);
    expect(table.code, table.stderr).to.equal(0);
    expect(table.stdout).to.match(new RegExp(`^${oceans} `, "m"));
    expect(table.stdout).to.match(new RegExp(`^${rivers} `, "m"));
    const json = await hardhat(["qf:stats", "--json", ...local]);
    const gaps = (JSON.parse(json.stdout) as { gaps: { gapId: string; name: string | null }[] }).gaps;
    expect(gaps.find((g) => g.gapId === ethers.id(oceans))?.name).to.equal(oceans);
    expect(gaps.find((g) => g.gapId === ethers.id(rivers))?.name).to.equal(rivers);
  });

  it("names the URL of a node that does not answer and how to start one", async () => {
    const silent = `http://127.0.0.1:${await freePort()}`;
    const r = await hardhat(["qf:stats", "--json", "--network", "localhost"], silent);
    expectOneLineError(r);
    expect(r.stderr).to.include(silent);
    expect(r.stderr).to.include("npx hardhat node");
    expect(r.stdout).to.equal("");
  });

  it("retries reads over a connection that drops every other request", async () => {
    const proxy = await startProxy(nodeUrl);
    try {
      const direct = await hardhat(["qf:stats", "--json", "--network", "localhost"]);
      expect(direct.code, direct.stderr).to.equal(0);
      proxy.mode = "drop-every-other-read";
      const r = await hardhat(["qf:stats", "--json", "--network", "localhost"], proxy.url);
      expect(r.code, r.stderr).to.equal(0);
      expect(proxy.dropped).to.be.greaterThan(0);
      expect(JSON.parse(r.stdout)).to.deep.equal(JSON.parse(direct.stdout));
    } finally {
      await proxy.close();
    }
  });

  it("says a write whose connection broke was sent, with its hash, and running it again is safe", async () => {
    const proxy = await startProxy(nodeUrl);
    const provider = new JsonRpcProvider(nodeUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
    try {
      proxy.mode = "break-after-write";
      const args = ["qf:fund-pool", "--amount", "3", "--from", "5", "--network", "localhost", "--json"];
      const r = await hardhat(args, proxy.url);
      // The first write is the exact approval; the node has it, the CLI never heard back.
      expect(proxy.brokenWrites).to.equal(1);
      expectOneLineError(r, /was sent: it is 0x[0-9a-f]{64}/);
      const hash = /0x[0-9a-f]{64}/.exec(r.stderr)![0];
      const receipt = await provider.getTransactionReceipt(hash);
      expect(receipt?.status).to.equal(1);
      expect(receipt?.to?.toLowerCase()).to.equal(contracts.TestToken!.toLowerCase());

      // Run again over a healthy connection: the approval is there, so only the funding is sent.
      proxy.mode = "pass";
      const again = await hardhat(args, proxy.url);
      expect(again.code, again.stderr).to.equal(0);
      expect(JSON.parse(again.stdout)).to.include({ amount: "3", approvalTxHash: null });
    } finally {
      await proxy.close();
    }
  });

  it("says a write whose connection broke before the node had it was not sent", async () => {
    const silent = `http://127.0.0.1:${await freePort()}`;
    const r = await hardhat(["qf:fund-pool", "--amount", "3", "--network", "localhost"], silent);
    expectOneLineError(r, /npx hardhat node/);
  });

  it("names the custom error of a write whose node answers a revert without its data", async () => {
    const proxy = await startProxy(nodeUrl);
    try {
      proxy.mode = "strip-revert-data";
      const r = await hardhat(["qf:match", "--pool", "all", "--network", "localhost"], proxy.url);
      expectOneLineError(r, /^Error: Round \d+ is still open until .+ UTC \(RoundNotOver\)$/);
    } finally {
      await proxy.close();
    }
  });

  it("prints the whole --json of a 320-pledge campaign through a pipe", async () => {
    const PLEDGES = 320;
    const created = await hardhat(
      [
        "cqf:create",
        "--recipient",
        contracts.TestToken!,
        "--duration",
        "86400",
        "--speed",
        "0.01",
        "--json",
      ].concat(["--network", "localhost"]),
    );
    expect(created.code, created.stderr).to.equal(0);
    const campaignId = BigInt((JSON.parse(created.stdout) as { campaignId: string }).campaignId);

    // 320 distinct pledgers, funded and pledging straight through the node (the CLI is tested above).
    const provider = new JsonRpcProvider(nodeUrl, undefined, {
      staticNetwork: true,
      batchMaxCount: 1,
      cacheTimeout: -1,
    });
    const funder = new NonceManager(await provider.getSigner(0));
    const token = new Contract(
      contracts.TestToken!,
      ["function mint(address,uint256)", "function approve(address,uint256) returns (bool)"],
      funder,
    );
    const pledges = new Contract(
      contracts.CoordinatedPledges!,
      ["function pledge(uint256 campaignId, uint256 limit) returns (uint256)"],
      provider,
    );
    const limit = parseUnits("10", 18);
    const wallets = Array.from({ length: PLEDGES }, (_, i) =>
      new Wallet(ethers.id(`robust-pledger-${i}`)).connect(provider),
    );
    for (let i = 0; i < wallets.length; i += 40) {
      const batch = wallets.slice(i, i + 40);
      await Promise.all(
        batch.map((w) => provider.send("hardhat_setBalance", [w.address, "0x56BC75E2D63100000"])),
      );
      const mints = [];
      for (const w of batch) mints.push(await token.getFunction("mint")(w.address, limit));
      await Promise.all(mints.map((t: { wait(): Promise<unknown> }) => t.wait()));
      await Promise.all(
        batch.map(async (w) => {
          const approve = await (token.connect(w) as Contract).getFunction("approve")(
            contracts.CoordinatedPledges!,
            limit,
          );
          await approve.wait();
          const sent = await (pledges.connect(w) as Contract).getFunction("pledge")(campaignId, limit);
          await sent.wait();
        }),
      );
    }

    const r = await hardhat([
      "cqf:status",
      "--campaign",
      campaignId.toString(),
      "--json",
      "--network",
      "localhost",
    ]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.length).to.be.greaterThan(65_536);
    expect(r.stdout.endsWith("}\n")).to.equal(true);
    const status = JSON.parse(r.stdout) as { pledges: { pledger: string }[] };
    expect(status.pledges).to.have.length(PLEDGES);
    expect(new Set(status.pledges.map((p) => p.pledger.toLowerCase()))).to.deep.equal(
      new Set(wallets.map((w) => w.address.toLowerCase())),
    );
  });
});
