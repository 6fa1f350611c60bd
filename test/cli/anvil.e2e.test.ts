/**
 * Part of the CLI end to end against anvil (the `@foundry-rs/anvil` devDependency), a node other
 * than Hardhat's: deploy with scripts/deploy.ts, run qf and cqf tasks, and check that a rejected
 * write still names its custom error in one readable line — and mines nothing (no reverted
 * transaction paid for). anvil runs with Hardhat's chain id and mnemonic, so the accounts match.
 */
import { expect } from "chai";
import type { ChildProcess } from "node:child_process";
import hre from "hardhat";
import { Contract, JsonRpcProvider } from "ethers";
import { ethers } from "../helpers/chain";
import {
  childEnv,
  finish,
  freePort,
  removeDeploymentRecords,
  rpcCall,
  startAnvil,
  startHardhat,
  stopProcess,
  type Run,
  deployWithCli,
} from "../helpers/local-node";

const DEPLOYMENT_ID = `e2e-anvil-${process.pid}-${Date.now()}`;

/** Exactly one line on stderr, matching `pattern`, nothing on stdout, and a non-zero exit. */
function expectOneLineError(r: Run, pattern: RegExp): void {
  expect(r.code, r.stderr).to.not.equal(0);
  expect(r.stdout).to.equal("");
  const lines = r.stderr.split("\n").filter((l) => l.trim() !== "");
  expect(lines, r.stderr).to.have.length(1);
  expect(lines[0]).to.match(pattern);
}

describe("CLI end to end against anvil", function () {
  this.timeout(240_000);

  let url = "";
  let anvil: ChildProcess | undefined;
  let accounts: string[] = [];
  let contracts: Record<string, string> = {};

  function hardhat(args: string[], extra: Record<string, string> = {}): Promise<Run> {
    return finish(startHardhat(args, childEnv(url, DEPLOYMENT_ID, extra)));
  }

  async function task(name: string, args: string[]): Promise<Record<string, unknown>> {
    const r = await hardhat([name, ...args, "--json", "--network", "localhost"]);
    if (r.code !== 0) throw new Error(`${name} ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  }

  const blockNumber = async (): Promise<bigint> => BigInt((await rpcCall(url, "eth_blockNumber")) as string);

  /** Runs a write that must be rejected; returns its run after checking it mined no block. */
  async function rejected(args: string[]): Promise<Run> {
    const before = await blockNumber();
    const r = await hardhat([...args, "--network", "localhost"]);
    expect(await blockNumber(), `${args.join(" ")} mined a block`).to.equal(before);
    return r;
  }

  before(async () => {
    accounts = (await ethers.getSigners()).map((s) => s.address);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    anvil = await startAnvil(port);
    contracts = (await deployWithCli(url, DEPLOYMENT_ID)).contracts;
  });

  after(async () => {
    await stopProcess(anvil);
    removeDeploymentRecords(DEPLOYMENT_ID, hre.config.paths.cache);
  });

  it("runs qf tasks and names the custom error of every rejected write in one line", async () => {
    const gap = await task("qf:gap:register", ["--gap", "anvil-gap", "--recipient", accounts[10]!]);
    expect(gap).to.include({ gapId: ethers.id("anvil-gap"), recipient: accounts[10] });
    const c = await task("qf:contribute", ["--gap", "anvil-gap", "--amount", "4", "--from", "1"]);
    expect(c).to.include({ amount: "4", contributor: accounts[1] });
    await task("qf:fund-pool", ["--amount", "10", "--from", "2"]);

    expectOneLineError(
      await rejected(["qf:match", "--pool", "all"]),
      /^Error: Round 1 is still open until .+ UTC \(RoundNotOver\)$/,
    );
    expectOneLineError(
      await rejected(["qf:contribute", "--gap", "nope", "--amount", "1", "--from", "3"]),
      /^Error: Gap "nope" is not registered \(UnknownGap\)$/,
    );
    expectOneLineError(
      await rejected(["qf:gap:register", "--gap", "other", "--recipient", accounts[11]!, "--from", "4"]),
      /\(AccessControlUnauthorizedAccount\)$/,
    );
    expectOneLineError(
      await rejected(["qf:withdraw", "--gap", "anvil-gap"]),
      /^Error: .+ \([A-Z][A-Za-z]+\)$/,
    );

    // Nothing approved by the rejected contribution, nor by a funding beyond the balance.
    expectOneLineError(
      await rejected(["qf:fund-pool", "--amount", "2000000", "--from", "3"]),
      /holds 1000000 CFT of the token but 2000000 CFT are needed \(ERC20InsufficientBalance\)$/,
    );
    const token = new Contract(
      contracts.TestToken!,
      ["function allowance(address,address) view returns (uint256)"],
      new JsonRpcProvider(url, undefined, { staticNetwork: true }),
    );
    expect(await token.getFunction("allowance")(accounts[3], contracts.QuadraticFundingAllocator)).to.equal(
      0n,
    );

    const stats = await task("qf:stats", []);
    expect(stats).to.be.an("object");
  });

  it("runs cqf tasks and names the custom error of a rejected settlement in one line", async () => {
    const created = await task("cqf:create", [
      "--recipient",
      accounts[12]!,
      "--duration",
      "3600",
      "--speed",
      "0.1",
    ]);
    const id = String(created.campaignId);
    const pledged = await task("cqf:pledge", ["--campaign", id, "--limit", "5", "--from", "6"]);
    expect(pledged).to.include({ limit: "5" });
    expectOneLineError(
      await rejected(["cqf:settle", "--campaign", id]),
      new RegExp(`^Error: Campaign ${id} can be settled from .+ UTC, not before \\(DeadlineNotReached\\)$`),
    );
  });
});
