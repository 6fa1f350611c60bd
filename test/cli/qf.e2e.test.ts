/**
 * End to end through the CLI against a real `hardhat node` started here: deploy with
 * scripts/deploy.ts, register gaps, contribute from several accounts, fund the pool, advance time,
 * match, read stats, withdraw — every step a separate `hardhat` process, exactly as a user runs it.
 * Expected figures come from closed forms and decimal.js, never from the contract's views.
 * Finally the node is restarted (a fresh chain with the same chain id) and deploying again must work.
 *
 * Records go to deploy/deployments/<a unique deployment id> (COFUND_DEPLOYMENT_ID), removed afterwards,
 * so the test never touches a developer's own localhost records.
 */
import { expect } from "chai";
import type { ChildProcess } from "node:child_process";
import Decimal from "decimal.js";
import hre from "hardhat";
import { ethers } from "../helpers/chain";
import {
  childEnv,
  finish,
  freePort,
  removeDeploymentRecords,
  rpcCall,
  startHardhat,
  startNode as startHardhatNode,
  stopProcess,
  type Run,
  deployWithCli,
} from "../helpers/local-node";
import { JsonRpcProvider, Contract } from "ethers";

const DEPLOYMENT_ID = `e2e-${process.pid}-${Date.now()}`;
const D = Decimal.clone({ precision: 60 });

describe("CLI end to end (hardhat node in a child process)", function () {
  this.timeout(240_000);

  let port = 0;
  let url = "";
  let node: ChildProcess | undefined;
  let accounts: string[] = [];

  function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return childEnv(url, DEPLOYMENT_ID, extra);
  }

  async function hardhat(args: string[], extraEnv: Record<string, string> = {}): Promise<Run> {
    const started = Date.now();
    const r = await finish(startHardhat(args, env(extraEnv)));
    if (process.env.E2E_VERBOSE !== undefined) {
      process.stderr.write(`      [${((Date.now() - started) / 1000).toFixed(1)} s] ${args.join(" ")}\n`);
    }
    return r;
  }

  /** Runs a qf task on localhost; with --json, checks stdout is exactly one JSON object and returns it. */
  async function task(name: string, args: string[], json = true): Promise<Record<string, unknown>> {
    const r = await hardhat([name, ...args, ...(json ? ["--json"] : []), "--network", "localhost"]);
    if (r.code !== 0) throw new Error(`${name} ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
    if (!json) return { text: r.stdout };
    const parsed = JSON.parse(r.stdout) as unknown; // the whole stdout: one object, nothing else
    expect(r.stdout.trim().split("\n")).to.have.length(1);
    expect(parsed).to.be.an("object");
    return parsed as Record<string, unknown>;
  }

  function rpc(method: string, params: unknown[] = []): Promise<unknown> {
    return rpcCall(url, method, params);
  }

  async function startNode(): Promise<void> {
    node = await startHardhatNode(port, env());
  }

  async function stopNode(): Promise<void> {
    const child = node;
    node = undefined;
    await stopProcess(child);
  }

  async function deploy(
    extraEnv: Record<string, string> = {},
  ): Promise<{ json: Record<string, unknown>; stderr: string }> {
    return deployWithCli(url, DEPLOYMENT_ID, extraEnv);
  }

  before(async () => {
    accounts = (await ethers.getSigners()).map((s) => s.address); // same mnemonic as the node
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    await startNode();
  });

  after(async () => {
    await stopNode();
    removeDeploymentRecords(DEPLOYMENT_ID, hre.config.paths.cache);
  });

  it("deploys, registers, contributes, matches, reports and withdraws through the CLI", async () => {
    // ── deploy (account 8 becomes an extra curator, so two gaps can be registered at once)
    const { json: deployed } = await deploy({ CURATOR_ADDRESSES: accounts[8]! });
    expect(deployed).to.include({
      network: "localhost",
      chainId: 31337,
      deploymentId: DEPLOYMENT_ID,
      testToken: true,
    });
    const contracts = deployed.contracts as Record<string, string>;
    expect(contracts.QuadraticFundingAllocator).to.match(/^0x[0-9a-fA-F]{40}$/);
    const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, cacheTimeout: -1 });
    const token = new Contract(
      contracts.TestToken!,
      ["function balanceOf(address) view returns (uint256)"],
      provider,
    );
    const balanceOf = (a: string): Promise<bigint> => token.getFunction("balanceOf")(a) as Promise<bigint>;
    expect(await balanceOf(accounts[9]!)).to.equal(10n ** 24n); // 1,000,000 tokens to each of 10 accounts
    expect(await balanceOf(accounts[10]!)).to.equal(0n);

    // ── two gaps, registered by two curators at once (--from as an index and as an address)
    const [recipientBroad, recipientSingle] = [accounts[10]!, accounts[11]!];
    const [broad] = await Promise.all([
      task("qf:gap:register", ["--gap", "broad-support", "--recipient", recipientBroad]),
      task("qf:gap:register", ["--gap", "single", "--recipient", recipientSingle, "--from", accounts[8]!]),
    ]);
    expect(broad).to.include({ gapId: ethers.id("broad-support"), recipient: recipientBroad });
    expect(broad!.txHash).to.match(/^0x[0-9a-f]{64}$/);
    expect(broad!.gasUsed).to.match(/^\d+$/);

    // ── contributions from several accounts, pool funding and two rejections, all at once
    const rejectEarly = hardhat(["qf:match", "--pool", "1", "--network", "localhost"]);
    const rejectUnknown = hardhat([
      "qf:contribute",
      "--gap",
      "nope",
      "--amount",
      "1",
      "--from",
      "9",
      "--network",
      "localhost",
    ]);
    const [c1, c2, c3, c4, funded] = await Promise.all([
      task("qf:contribute", ["--gap", "broad-support", "--amount", "4", "--from", "1"]),
      task("qf:contribute", ["--gap", "broad-support", "--amount", "16", "--from", "2"]),
      task("qf:contribute", ["--gap", "broad-support", "--amount", "12.5", "--from", "3"]),
      task("qf:contribute", ["--gap", "single", "--amount", "30", "--from", "4"]),
      task("qf:fund-pool", ["--amount", "100", "--from", "5"]),
    ]);
    expect(c1).to.include({
      round: 1,
      gapId: ethers.id("broad-support"),
      contributor: accounts[1],
      amount: "4",
    });
    // The test token has EIP-2612 permit: one transaction, no approval left standing.
    expect(c1).to.include({ permit: true, approvalTxHash: null });
    expect(c2).to.include({ amount: "16", contributor: accounts[2] });
    expect(c3).to.include({ amount: "12.5", contributor: accounts[3] });
    expect(c4).to.include({ amount: "30", gapId: ethers.id("single") });
    expect(funded).to.include({ amount: "100", funder: accounts[5] });

    const early = await rejectEarly;
    expect(early.code).to.not.equal(0);
    expect(early.stdout).to.equal("");
    expect(early.stderr.trim().split("\n")).to.have.length(1);
    expect(early.stderr).to.match(/^Error: Round 1 is still open until .+ UTC \(RoundNotOver\)\n$/);
    const unknown = await rejectUnknown;
    expect(unknown.code).to.not.equal(0);
    expect(unknown.stderr).to.equal('Error: Gap "nope" is not registered (UnknownGap)\n');

    // A repeat: account 1's total in the round is 4 + 5 = 9, one square root (√9 = 3).
    const repeat = await task("qf:contribute", ["--gap", "broad-support", "--amount", "5", "--from", "1"]);
    expect(repeat).to.include({ amount: "5", contributorRoundTotal: "9" });

    // Independent figures (closed form, decimal.js): w = (Σ√c)² − Σc = (3 + 4 + √12.5)² − 37.5.
    const wBroad = new D(3).plus(4).plus(new D(12.5).sqrt()).pow(2).minus(37.5); // ≈ 73.4975
    const close = (actual: unknown, expected: Decimal.Value): void => {
      expect(typeof actual).to.equal("string");
      const diff = new D(actual as string).minus(expected).abs();
      expect(diff.lte("1e-15"), `${String(actual)} vs ${new D(expected).toString()}`).to.equal(true);
    };
    const byId = (stats: Record<string, unknown>, name: string): Record<string, unknown> => {
      const row = (stats.gaps as Record<string, unknown>[]).find((g) => g.gapId === ethers.id(name));
      expect(row, name).to.not.equal(undefined);
      return row!;
    };

    const before = await task("qf:stats", []);
    expect(before).to.include({ round: 1, matchingPool: "100" });
    expect(before.totals).to.deep.equal({ directTotal: "67.5", matchedTotal: "0", gapCount: 2 });
    expect(byId(before, "broad-support")).to.include({
      recipient: recipientBroad,
      status: "Active",
      directTotal: "37.5",
      matchedTotal: "0",
      contributorCount: 3,
      currentRoundDirect: "37.5",
    });
    close(byId(before, "broad-support").estimatedMatch, wBroad); // the pool (100) covers W: α = 1
    expect(byId(before, "single")).to.include({
      contributorCount: 1,
      directTotal: "30",
      estimatedMatch: "0",
    });

    // ── the round ends; the keeper matches with the whole pool of 100 > W: α = 1, the rest rolls over
    await rpc("evm_increaseTime", [6 * 60 * 60]);
    await rpc("evm_mine");
    const matched = await task("qf:match", ["--pool", "100"]);
    expect(matched).to.include({ round: 1, poolSize: "100", gapsFunded: 1 });
    expect(matched.gasUsed).to.match(/^\d+$/);
    close(matched.distributed, wBroad);
    close(matched.totalWeight, wBroad);

    // ── the match shows at once, before anyone withdraws: allocated, not paid, ready to pay
    const finalised = await task("qf:stats", []);
    close(byId(finalised, "broad-support").matchedTotal, wBroad);
    close(byId(finalised, "broad-support").withdrawable, wBroad.plus(37.5));
    expect(byId(finalised, "broad-support")).to.include({ matchedPaid: "0", refundedTotal: "0" });
    expect(finalised.totals).to.include({ directTotal: "67.5" });
    close((finalised.totals as Record<string, unknown>).matchedTotal, wBroad);

    // ── anyone withdraws for the gap; the recipient receives direct + match
    const [withdrawn, table] = await Promise.all([
      task("qf:withdraw", ["--gap", "broad-support", "--from", "6"]),
      task("qf:stats", [], false),
    ]);
    expect(withdrawn).to.include({ recipient: recipientBroad, direct: "37.5", more: false });
    close(withdrawn.matched, wBroad);
    close(withdrawn.amount, wBroad.plus(37.5));
    expect(await balanceOf(recipientBroad)).to.equal(
      BigInt(new D(withdrawn.amount as string).mul(1e18).toFixed(0)),
    );
    expect(table.text).to.match(/^Round 2 open · matching pool /);
    expect(table.text).to.match(/broad-support .* Active/);
    expect(table.text).to.match(/totals: 2 gaps · direct 67\.5 CFT/);

    const after = await task("qf:stats", []);
    expect(after).to.include({ round: 2 });
    close(byId(after, "broad-support").matchedTotal, wBroad);
    expect(byId(after, "broad-support").matchedPaid).to.equal(withdrawn.matched);
    expect(byId(after, "broad-support")).to.include({ withdrawable: "0" });
    expect(byId(after, "broad-support")).to.include({ currentRoundDirect: "0", estimatedMatch: "0" });
    expect(byId(after, "single")).to.include({ matchedTotal: "0" }); // one contributor: no match
    // What the round did not spend stayed in the pool: 100 − match (to the wei: the contract's figure).
    expect(new D(after.matchingPool as string).plus(withdrawn.matched as string).eq(100)).to.equal(true);
  });

  it("creates a pledge campaign, pledges, settles and claims through the CLI", async () => {
    // Independent reference (decimal.js bisection): two pledges L = 100, s = 0.1, quadratic mode.
    // Symmetric, so h = 2√p with p = 100·(2/π)·atan(0.1·h): h ≈ 16.070323328, p ≈ 64.563822966.
    const pay = (h: Decimal): Decimal =>
      new D(100)
        .mul(2)
        .div(D.acos(-1))
        .mul(D.atan(h.mul("0.1")));
    let [lo, hi] = [new D(1), new D(100)];
    for (let i = 0; i < 200; i++) {
      const mid = lo.plus(hi).div(2);
      if (pay(mid).sqrt().mul(2).gt(mid)) lo = mid;
      else hi = mid;
    }
    const hRef = lo;
    const pRef = pay(hRef);
    const near = (actual: unknown, expected: Decimal, tol = "1e-12"): void => {
      const diff = new D(actual as string).minus(expected).abs();
      expect(diff.lte(tol), `${String(actual)} vs ${expected.toFixed(20)}`).to.equal(true);
    };

    const created = await task("cqf:create", [
      "--recipient",
      accounts[12]!,
      "--duration",
      "3600",
      "--mode",
      "quadratic",
      "--policy",
      "constant",
      "--speed",
      "0.1",
      "--gap",
      "broad-support",
    ]);
    expect(created.campaignId).to.equal("1");
    expect(created.gapId).to.equal(ethers.id("broad-support"));

    const early = await hardhat(["cqf:settle", "--campaign", "1", "--network", "localhost"]);
    expect(early.code).to.not.equal(0);
    expect(early.stderr).to.match(
      /^Error: Campaign 1 can be settled from .+ UTC, not before \(DeadlineNotReached\)\n$/,
    );

    const first = await task("cqf:pledge", ["--campaign", "1", "--limit", "100", "--from", "6"]);
    expect(first).to.include({ pledgeId: "0", speed: "0.1", limit: "100", leverage: 1 });
    const second = await task("cqf:pledge", ["--campaign", "1", "--limit", "100", "--from", "7"]);
    expect(second).to.include({ pledgeId: "1", speed: "0.1" });
    near(second.h, hRef);
    near(second.payment, pRef);
    expect(Math.abs((second.leverage as number) - 1.124323807)).to.be.below(1e-8);

    const status = await task("cqf:status", ["--campaign", "1"]);
    expect(status).to.include({ campaignId: "1", state: "open", mode: "quadratic" });
    const pledges = status.pledges as Record<string, unknown>[];
    expect(pledges.map((p) => p.pledger)).to.deep.equal([accounts[6], accounts[7]]);
    for (const p of pledges) {
      near(p.payment, pRef);
      near(p.refund, new D(100).minus(pRef));
    }

    await rpc("evm_increaseTime", [3601]);
    await rpc("evm_mine");
    const settled = await task("cqf:settle", ["--campaign", "1", "--from", "9"]);
    near(settled.h, hRef);
    near(settled.pot, pRef.mul(2));
    expect((settled.transactions as unknown[]).length).to.equal(1);
    expect((await task("cqf:status", ["--campaign", "1"])).state).to.equal("settled");

    const refund = await task("cqf:claim", ["--campaign", "1", "--pledge", "0"]);
    expect(refund).to.include({ kind: "refund", to: accounts[6] });
    near(refund.amount, new D(100).minus(pRef));
    const again = await hardhat(["cqf:claim", "--campaign", "1", "--pledge", "0", "--network", "localhost"]);
    expect(again.code).to.not.equal(0);
    expect(again.stderr).to.match(/\(NothingToClaim\)\n$/);
    const pot = await task("cqf:claim", ["--campaign", "1"]);
    expect(pot).to.include({ kind: "pot" });
    near(pot.amount, pRef.mul(2));
    expect((pot.payouts as Record<string, unknown>[])[0]).to.include({ toGap: true });
    // The pot arrived in the allocator gap as a contribution of the current round.
    const stats = await task("qf:stats", ["--gap", "broad-support"]);
    near((stats.gaps as Record<string, unknown>[])[0]!.currentRoundDirect, pRef.mul(2));
  });

  it("deploys again on a restarted node (stale local records are replaced)", async () => {
    await stopNode();
    await startNode(); // same port, same chain id, empty chain
    const stale = await hardhat(["qf:stats", "--json", "--network", "localhost"]);
    expect(stale.code).to.not.equal(0);
    expect(stale.stderr).to.match(/stale|No cofund deployment/);

    const { json, stderr } = await deploy();
    expect(stderr).to.match(/Removed stale records/);
    const allocator = (json.contracts as Record<string, string>).QuadraticFundingAllocator!;
    expect(await rpc("eth_getCode", [allocator, "latest"])).to.not.equal("0x");
  });
});
