/**
 * cqf tasks end to end against a `hardhat node` in a child process:
 * - `cqf:reclaim`: a campaign's pot goes into an allocator gap (`cqf:claim`), the curator closes the
 *   gap before the round is finalised, and `cqf:reclaim` pays the pot to the campaign's recipient
 *   (--json: txHash, gasUsed, campaignId, amount, to); a second reclaim is one readable line naming
 *   PotNotReclaimable;
 * - `cqf:pledge` twice from one account raises that account's pledge (one pledge per address) and
 *   shows the combined pledge (--json: `limit` combined, `added`, `raised`);
 * - `cqf:create` with the harmonic and limit-sqrt policies and their parameter flags; `cqf:status --json`
 *   names the policy and shows the speeds (a limit-sqrt raise's recomputed one);
 * - `cqf:settle` of a campaign only h = 0 can close (linear, (2/π)·L·s just above 1, from decimal.js):
 *   one readable line until the grace period ends, then settled at h = 0 (the keeper's path).
 */
import { expect } from "chai";
import type { ChildProcess } from "node:child_process";
import hre from "hardhat";
import Decimal from "decimal.js";
import { Contract, JsonRpcProvider, formatUnits } from "ethers";
import { ethers } from "../helpers/chain";
import { fromWad, refCampaign, refRealLeverage, refSolve, relErr } from "../helpers/pledges-reference";
import {
  childEnv,
  finish,
  freePort,
  removeDeploymentRecords,
  rpcCall,
  startHardhat,
  startNode,
  stopProcess,
  type Run,
  deployWithCli,
} from "../helpers/local-node";

const DEPLOYMENT_ID = `cqf-${process.pid}-${Date.now()}`;
const D = Decimal.clone({ precision: 60 });
const MILLION = 10n ** 24n; // 1,000,000 tokens of 18 decimals

/** The first speed on the 1e-18 grid past the linear threshold (2/π)·L·s = 1 for L = 1,000,000 (decimal.js). */
function justAboveThreshold(): bigint {
  return BigInt(D.acos(-1).div(2).mul(1e36).div(MILLION.toString()).floor().toFixed(0)) + 1n;
}

describe("cqf tasks end to end (hardhat node in a child process)", function () {
  this.timeout(240_000);

  let url = "";
  let node: ChildProcess | undefined;
  let accounts: string[] = [];

  const hardhat = (args: string[], extra: Record<string, string> = {}): Promise<Run> =>
    finish(startHardhat(args, childEnv(url, DEPLOYMENT_ID, extra)));

  async function task(name: string, args: string[]): Promise<Record<string, unknown>> {
    const r = await hardhat([name, ...args, "--json", "--network", "localhost"]);
    if (r.code !== 0) throw new Error(`${name} ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
    expect(r.stdout.trim().split("\n")).to.have.length(1);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  }

  before(async () => {
    accounts = (await ethers.getSigners()).map((s) => s.address);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    node = await startNode(port, childEnv(url, DEPLOYMENT_ID));
  });

  after(async () => {
    await stopProcess(node);
    removeDeploymentRecords(DEPLOYMENT_ID, hre.config.paths.cache);
  });

  it("pays a pot taken back from a closed gap to the recipient, and refuses a second time in one line", async () => {
    const { contracts } = await deployWithCli(url, DEPLOYMENT_ID);
    const recipient = accounts[12]!;
    await task("qf:gap:register", ["--gap", "to-close", "--recipient", accounts[11]!]);
    const created = await task("cqf:create", [
      "--recipient",
      recipient,
      "--duration",
      "3600",
      "--speed",
      "0.1",
      "--gap",
      "to-close",
    ]);
    const id = created.campaignId as string;
    await task("cqf:pledge", ["--campaign", id, "--limit", "100", "--from", "6"]);
    await rpcCall(url, "evm_increaseTime", [3601]);
    await rpcCall(url, "evm_mine");
    await task("cqf:settle", ["--campaign", id]);
    const pot = await task("cqf:claim", ["--campaign", id]);
    expect((pot.payouts as Record<string, unknown>[])[0]).to.include({ toGap: true });
    await task("qf:gap:close", ["--gap", "to-close"]);

    const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, cacheTimeout: -1 });
    const token = new Contract(
      contracts.TestToken!,
      ["function balanceOf(address) view returns (uint256)"],
      provider,
    );
    const before = (await token.getFunction("balanceOf")(recipient)) as bigint;
    const reclaimed = await task("cqf:reclaim", ["--campaign", id, "--from", "9"]);
    expect(Object.keys(reclaimed).sort()).to.deep.equal(["amount", "campaignId", "gasUsed", "to", "txHash"]);
    expect(reclaimed).to.include({ campaignId: id, amount: pot.amount, to: recipient });
    expect(reclaimed.txHash).to.match(/^0x[0-9a-f]{64}$/);
    expect(reclaimed.gasUsed).to.match(/^\d+$/);
    const after = (await token.getFunction("balanceOf")(recipient)) as bigint;
    expect(after - before).to.equal(ethers.parseUnits(pot.amount as string, 18));

    const text = await hardhat(["cqf:reclaim", "--campaign", id, "--network", "localhost"]);
    expect(text.code).to.not.equal(0);
    expect(text.stderr).to.match(
      /^Error: Campaign \d+ has no pot in an allocator gap to reclaim .*\(PotNotReclaimable\)\n$/,
    );
    const bad = await hardhat(["cqf:reclaim", "--campaign", "x", "--network", "localhost"]);
    expect(bad.code).to.not.equal(0);
    expect(bad.stderr.trim().split("\n")).to.have.length(1);
  });

  it("cqf:pledge twice from one account raises that pledge and shows the combined pledge", async () => {
    const created = await task("cqf:create", [
      "--recipient",
      accounts[12]!,
      "--duration",
      "3600",
      "--speed",
      "0.1",
    ]);
    const id = created.campaignId as string;
    const other = await task("cqf:pledge", ["--campaign", id, "--limit", "40", "--from", "5"]);
    expect(other).to.include({ pledgeId: "0", limit: "40", added: "40", raised: false });
    const first = await task("cqf:pledge", ["--campaign", id, "--limit", "100", "--from", "8"]);
    expect(first).to.include({ pledgeId: "1", limit: "100", added: "100", raised: false });
    const second = await task("cqf:pledge", ["--campaign", id, "--limit", "50", "--from", "8"]);
    // Every earlier field is kept; `limit` is the combined limit.
    expect(Object.keys(second).sort()).to.deep.equal(
      [
        "added",
        "campaignId",
        "gasUsed",
        "h",
        "leverage",
        "limit",
        "payment",
        "pledgeId",
        "pot",
        "potIncrease",
        "raised",
        "speed",
        "txHash",
      ].sort(),
    );
    expect(second).to.include({
      campaignId: id,
      pledgeId: "1",
      speed: first.speed,
      limit: "150",
      added: "50",
      raised: true,
    });
    const text = await hardhat([
      "cqf:pledge",
      "--campaign",
      id,
      "--limit",
      "2.5",
      "--from",
      "8",
      "--network",
      "localhost",
    ]);
    expect(text.code, text.stderr).to.equal(0);
    expect(text.stdout).to.match(
      /^Raised your pledge 1 in campaign \d+ by 2\.5: combined limit 152\.5, speed 0\.1 \(one pledge per address\)\n/,
    );
    const status = await task("cqf:status", ["--campaign", id]);
    const pledges = status.pledges as Record<string, unknown>[];
    expect(pledges.map((p) => [p.pledgeId, p.limit])).to.deep.equal([
      ["0", "40"],
      ["1", "152.5"],
    ]);
    // Real leverage: (pot − pot without the pledge) / its payment, a JSON number (decimal.js at 50 digits).
    const ref = refCampaign(true, ["40", "152.5"], ["0.1", "0.1"]);
    for (const [i, p] of pledges.entries()) {
      expect(p.realLeverage, `pledge ${i}`).to.be.a("number");
      expect(relErr(new D(p.realLeverage as number), refRealLeverage(ref, i)!)).to.be.lessThan(1e-9);
    }
  });

  it("cqf:create --policy harmonic --rate / limit-sqrt --reference-limit; cqf:status names the policy and shows the speeds", async () => {
    const create = (policy: string, flags: string[]) =>
      task("cqf:create", [
        "--recipient",
        accounts[12]!,
        "--duration",
        "3600",
        "--speed",
        "0.2",
        "--policy",
        policy,
        ...flags,
      ]);
    const harmonic = (await create("harmonic", ["--rate", "0.5"])).campaignId as string;
    const limitSqrt = (await create("limit-sqrt", ["--reference-limit", "9"])).campaignId as string;
    // Harmonic: 1/s₁ = 1/s₀ + c/s₀ = 1.5/0.2 → ⌊0.2/1.5⌋ at 18 decimals; s₀ first.
    await task("cqf:pledge", ["--campaign", harmonic, "--limit", "10", "--from", "5"]);
    const second = await task("cqf:pledge", ["--campaign", harmonic, "--limit", "10", "--from", "6"]);
    expect(second.speed).to.equal("0.133333333333333333");
    // Limit-sqrt: a pledge of 1 gets 0.2·√9 = 0.6; raised to 36 it gets 0.2·√(9/36) = 0.1.
    const small = await task("cqf:pledge", ["--campaign", limitSqrt, "--limit", "1", "--from", "5"]);
    expect(small.speed).to.equal("0.6");
    const raised = await task("cqf:pledge", ["--campaign", limitSqrt, "--limit", "35", "--from", "5"]);
    expect(raised).to.include({ raised: true, limit: "36", speed: "0.1" });
    const hs = await task("cqf:status", ["--campaign", harmonic]);
    const ls = await task("cqf:status", ["--campaign", limitSqrt]);
    expect(hs.policy).to.equal("harmonic");
    expect(ls.policy).to.equal("limit-sqrt");
    expect((hs.pledges as Record<string, unknown>[]).map((p) => p.speed)).to.deep.equal([
      "0.2",
      "0.133333333333333333",
    ]);
    expect((ls.pledges as Record<string, unknown>[]).map((p) => [p.limit, p.speed])).to.deep.equal([
      ["36", "0.1"],
    ]);
    // A parameter flag of another policy, or a missing one, is refused in one line before any transaction.
    const wrong = await hardhat([
      "cqf:create",
      "--recipient",
      accounts[12]!,
      "--duration",
      "60",
      "--speed",
      "0.1",
      "--policy",
      "harmonic",
      "--decay",
      "0.5",
      "--network",
      "localhost",
    ]);
    expect(wrong.code).to.not.equal(0);
    expect(wrong.stderr.trim()).to.match(/--decay applies to the geometric policy only/);
    expect(wrong.stderr.trim().split("\n")).to.have.length(1);
    const missing = await hardhat([
      "cqf:create",
      "--recipient",
      accounts[12]!,
      "--duration",
      "60",
      "--speed",
      "0.1",
      "--policy",
      "limit-sqrt",
      "--network",
      "localhost",
    ]);
    expect(missing.stderr.trim()).to.match(/--policy limit-sqrt needs --reference-limit/);
  });

  it("cqf:settle settles a linear campaign just above the collapse threshold right at its deadline, exactly", async () => {
    const speed = justAboveThreshold();
    const created = await task("cqf:create", [
      "--recipient",
      accounts[12]!,
      "--duration",
      "3600",
      "--mode",
      "linear",
      "--speed",
      formatUnits(speed, 18),
    ]);
    const id = created.campaignId as string;
    await task("cqf:pledge", ["--campaign", id, "--limit", "1000000", "--from", "7"]);
    await rpcCall(url, "evm_increaseTime", [3601]);
    await rpcCall(url, "evm_mine");
    // No grace period: the first settle after the deadline closes it at its positive root.
    const settled = await task("cqf:settle", ["--campaign", id, "--from", "9"]);
    const hRef = refSolve(refCampaign(false, [fromWad(MILLION)], [fromWad(speed)]));
    expect(hRef.gt(0)).to.equal(true);
    const pot = new D(settled.pot as string);
    // The required tolerance: 1e-9 relative or 1e-12 tokens (the pot of one linear pledge is h).
    expect(
      pot
        .minus(hRef.toString())
        .abs()
        .lte(D.max(hRef.mul("1e-9").toString(), "1e-12")),
    ).to.equal(true);
    const refund = await task("cqf:claim", ["--campaign", id, "--pledge", "0"]);
    expect(refund).to.include({ kind: "refund", to: accounts[7], payment: settled.pot });
    expect(new D(refund.amount as string).plus(pot).toString()).to.equal("1000000");
  });
});
