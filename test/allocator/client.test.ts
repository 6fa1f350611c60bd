/**
 * The deploy module and the SDK client on the in-process network: deployment (mints, roles, round
 * length), every client call with its decoded events, readable rejections, stats paging, refunds,
 * and the bigint math mirror against the contract's own matches (to the wei) over random rounds.
 */
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import hre from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { deployCofund } from "../../deploy/deploy-cofund";
import { AllocatorClient } from "../../sdk/allocator";
import { payFromBalance } from "../../sdk/approvals";
import { ERC20Permit__factory } from "../../typechain-types/factories/@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit__factory";
import {
  DeploymentNotFoundError,
  clearRegisteredDeployments,
  findDeployment,
  requireContract,
} from "../../sdk/deployments";
import { ContractRevertError } from "../../sdk/errors";
import { gapIdFromName } from "../../sdk/ids";
import { roundOutcome, type RoundContributions } from "../../sdk/math/qf";
import { connection, ethers, mine, time } from "../helpers/chain";

const SIX_HOURS = 6 * 60 * 60;
const tokens = (n: number | string): bigint => BigInt(n) * 10n ** 18n;

async function rejects(promise: Promise<unknown>): Promise<ContractRevertError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(ContractRevertError);
    return error as ContractRevertError;
  }
  expect.fail("expected a rejection");
}

describe("deploy module + sdk/allocator (in-process network)", () => {
  let signers: HardhatEthersSigner[];
  let qf: AllocatorClient;

  before(async () => {
    signers = await ethers.getSigners();
    const deployed = await deployCofund(hre, { connection });
    const found = await findDeployment({ network: connection.networkName, provider: ethers.provider });
    qf = await AllocatorClient.connect(requireContract(found, "QuadraticFundingAllocator"), signers[0]!);
    expect(found.allocator).to.equal(deployed.allocator);
    expect(found.token).to.equal(deployed.token);
  });

  after(() => clearRegisteredDeployments());

  it("deploys the test token, mints 1,000,000 to the first 10 accounts and grants every role to the deployer", async () => {
    expect(qf.decimals).to.equal(18);
    for (let i = 0; i < 10; i++) expect(await qf.balanceOf(signers[i]!.address)).to.equal(tokens(1_000_000));
    expect(await qf.balanceOf(signers[10]!.address)).to.equal(0n);
    const c = qf.contract;
    for (const role of [
      await c.DEFAULT_ADMIN_ROLE(),
      await c.CURATOR_ROLE(),
      await c.KEEPER_ROLE(),
      await c.PAUSER_ROLE(),
    ]) {
      expect(await c.hasRole(role, signers[0]!.address)).to.equal(true);
    }
    expect(await c.roundDuration()).to.equal(BigInt(SIX_HOURS));
  });

  it("registers, contributes with exact approvals, matches, withdraws — with decoded events", async () => {
    const recipient = signers[15]!.address;
    const reg = await qf.registerGap("oceans", recipient, "ipfs://oceans");
    expect(reg.gapId).to.equal(gapIdFromName("oceans"));
    expect(reg.gasUsed > 0n).to.equal(true);

    const alice = qf.withRunner(signers[1]!);
    const nonce = await ethers.provider.getTransactionCount(signers[1]!.address);
    const c1 = await alice.contribute("oceans", tokens(4));
    expect(c1).to.include({ round: 1n, amount: tokens(4), contributor: signers[1]!.address });
    // The token has EIP-2612 permit: one transaction, no approval sent and none left standing.
    expect(c1.permit).to.equal(true);
    expect(c1.approvalTxHash).to.equal(undefined);
    expect(await ethers.provider.getTransactionCount(signers[1]!.address)).to.equal(nonce + 1);
    expect(await qf.token.allowance(signers[1]!.address, qf.address)).to.equal(0n);
    const c2 = await alice.contribute("oceans", tokens(5));
    expect(c2.contributorRoundTotal).to.equal(tokens(9));
    const bob = qf.withRunner(signers[2]!);
    const c3 = await bob.contributeWithPermit("oceans", tokens(16));
    expect(c3.approvalTxHash).to.equal(undefined);
    // (√9 + √16)² − 25 = 24 tokens of weight, exact.
    expect(c3.gapWeight).to.equal(tokens(24));

    const early = await rejects(qf.match(0n));
    expect(early.errorName).to.equal("RoundNotOver");
    expect(early.message).to.match(
      /^Round 1 is still open until \d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? UTC \(RoundNotOver\)$/,
    );
    expect((await rejects(qf.match(tokens(1)))).errorName).to.equal("RoundNotOver");

    const funded = await qf.withRunner(signers[3]!).fundPool(tokens(10));
    expect(funded).to.include({ amount: tokens(10), newBalance: tokens(10) });
    expect((await rejects(alice.match(0n))).errorName).to.equal("AccessControlUnauthorizedAccount");

    await time.increase(SIX_HOURS);
    expect((await rejects(qf.match(tokens(11)))).message).to.equal(
      "The matching pool holds 10 CFT, less than the 11 CFT requested (PoolTooSmall)",
    );
    const m = await qf.match(tokens(10));
    // W = 24 > P = 10: the whole pool is allocated.
    expect(m).to.include({ round: 1n, poolSize: tokens(10), distributed: tokens(10), gapsFunded: 1n });
    expect(m.totalWeight).to.equal(tokens(24));

    const info = await qf.round(1n);
    expect(info.status).to.equal("Finalized");
    expect((await qf.round()).round).to.equal(2n);

    const w = await qf.withRunner(signers[9]!).withdraw("oceans");
    expect(w).to.include({
      recipient,
      amount: tokens(35),
      direct: tokens(25),
      matched: tokens(10),
      more: false,
    });
    expect(w.rounds).to.deep.equal([{ round: 1n, direct: tokens(25), matched: tokens(10) }]);
    expect(await qf.balanceOf(recipient)).to.equal(tokens(35));
    expect((await rejects(qf.withdraw("oceans"))).message).to.equal(
      'Gap "oceans" has nothing to withdraw now (NothingToWithdraw)',
    );
  });

  it("closes a gap and refunds its open round's contributions", async () => {
    await qf.registerGap("to-close", signers[15]!.address);
    const carol = qf.withRunner(signers[4]!);
    const c = await carol.contribute("to-close", tokens(3));
    const closed = await qf.closeGap("to-close");
    expect(closed.closedRound).to.equal(c.round);
    expect((await rejects(carol.contribute("to-close", 1n))).errorName).to.equal("GapIsClosed");
    const before = await qf.balanceOf(signers[4]!.address);
    const r = await carol.refund("to-close", c.round);
    expect(r).to.include({ amount: tokens(3), round: c.round, contributor: signers[4]!.address });
    expect(await qf.balanceOf(signers[4]!.address)).to.equal(before + tokens(3));
    expect((await rejects(carol.refund("to-close", c.round))).errorName).to.equal("NothingToRefund");
  });

  it("leaves no approval standing when a contribution or funding would fail, and sends nothing", async () => {
    await qf.registerGap("shut", signers[15]!.address);
    await qf.closeGap("shut");
    const erin = qf.withRunner(signers[6]!);
    const who = signers[6]!.address;
    const nonce = await ethers.provider.getTransactionCount(who);
    expect((await rejects(erin.contribute("shut", tokens(2)))).errorName).to.equal("GapIsClosed");
    expect((await rejects(erin.contribute("never-registered", tokens(2)))).errorName).to.equal("UnknownGap");
    // More than the balance: refused before anything is signed, in the token's own words.
    const balance = await qf.balanceOf(who);
    const tooMuch = await rejects(erin.contribute("oceans", balance + 1n));
    expect(tooMuch.errorName).to.equal("ERC20InsufficientBalance");
    expect(tooMuch.message).to.equal(
      `${who} holds 1000000 CFT of the token but 1000000.000000000000000001 CFT are needed (ERC20InsufficientBalance)`,
    );
    expect((await rejects(erin.fundPool(balance + 1n))).errorName).to.equal("ERC20InsufficientBalance");
    expect((await rejects(erin.fundPool(0n))).errorName).to.equal("ZeroAmount");
    expect(await ethers.provider.getTransactionCount(who)).to.equal(nonce);
    expect(await qf.token.allowance(who, qf.address)).to.equal(0n);
  });

  it("without permit, approves only what is missing and only when the call will succeed", async () => {
    const [admin, frank] = [signers[0]!, signers[7]!];
    const plain = await ethers.deployContract("HostileZeroRevertToken");
    await plain.mint(frank.address, tokens(10));
    const deployed = await deployCofund(hre, {
      connection,
      tokenAddress: await plain.getAddress(),
      roundDuration: 60,
    });
    const q = await AllocatorClient.connect(deployed.allocator, admin);
    await q.registerGap("plain", admin.address);
    const f = q.withRunner(frank);
    const nonce = await ethers.provider.getTransactionCount(frank.address);
    expect((await rejects(f.contribute("nope", tokens(3)))).errorName).to.equal("UnknownGap");
    expect(await ethers.provider.getTransactionCount(frank.address)).to.equal(nonce);
    // An allowance of 1 already standing: the approval raises it to the amount, then it is spent.
    await plain.connect(frank).approve(deployed.allocator, tokens(1));
    const c = await f.contribute("plain", tokens(3));
    expect(c.permit).to.equal(false);
    expect(c.approvalTxHash).to.match(/^0x[0-9a-f]{64}$/);
    expect(await plain.allowance(frank.address, deployed.allocator)).to.equal(0n);
    // Covered by the allowance: no approval.
    await plain.connect(frank).approve(deployed.allocator, tokens(2));
    const d = await f.contribute("plain", tokens(2));
    expect(d.approvalTxHash).to.equal(undefined);
    expect(await plain.allowance(frank.address, deployed.allocator)).to.equal(0n);
    clearRegisteredDeployments();
  });

  it("restores the previous allowance when the call still fails after its approval", async () => {
    const [frank, spender] = [signers[7]!, signers[8]!.address];
    const plain = await ethers.deployContract("HostileZeroRevertToken");
    await plain.mint(frank.address, tokens(10));
    await plain.connect(frank).approve(spender, tokens(1));
    const token = ERC20Permit__factory.connect(await plain.getAddress(), frank);
    const failure = new Error("the state changed between the simulation and the transaction");
    let approvals = 0;
    try {
      await payFromBalance({
        token,
        signer: frank,
        spender,
        amount: tokens(3),
        ctx: {},
        isSpenderError: () => false,
        // The simulation says only the allowance is missing; the call itself then fails.
        simulate: () => Promise.reject(Object.assign(new Error("execution reverted"), { data: "0x" })),
        send: () => Promise.reject(failure),
        approve: async (value) => {
          approvals++;
          const tx = await token.approve(spender, value);
          return (await tx.wait())!.hash;
        },
      });
      expect.fail("expected the payment to fail");
    } catch (error) {
      expect(error).to.equal(failure);
    }
    expect(approvals).to.equal(2); // raised to 3, then back to 1
    expect(await plain.allowance(frank.address, spender)).to.equal(tokens(1));
  });

  it("names the custom error of a transaction mined reverted (replayed as a call at its block)", async () => {
    // A contribution that passes its estimate, then is mined after the gap closed in the same block:
    // the receipt says only "reverted"; the client replays the call to name the error.
    await qf.registerGap("closing-under", signers[15]!.address);
    const dave = qf.withRunner(signers[5]!);
    await qf.token.connect(signers[5]!).approve(qf.address, tokens(2));
    const provider = connection.provider;
    await provider.request({ method: "evm_setAutomine", params: [false] });
    try {
      const pending = dave.contribute("closing-under", tokens(2), { approve: false });
      const settled = pending.then(
        () => undefined,
        (e: unknown) => e,
      );
      const nonce = await ethers.provider.getTransactionCount(signers[5]!.address);
      while ((await ethers.provider.getTransactionCount(signers[5]!.address, "pending")) === nonce) {
        await new Promise((r) => setTimeout(r, 20));
      }
      // The curator's close pays more priority, so it comes first in the block.
      await qf.contract.closeGap(gapIdFromName("closing-under"), { maxPriorityFeePerGas: 10n ** 10n });
      await mine(1);
      const error = await settled;
      expect(error).to.be.instanceOf(ContractRevertError);
      expect((error as ContractRevertError).errorName).to.equal("GapIsClosed");
      expect((error as ContractRevertError).message).to.equal('Gap "closing-under" is closed (GapIsClosed)');
    } finally {
      await provider.request({ method: "evm_setAutomine", params: [true] });
    }
  });

  it("pages through every gap in stats and sums the totals itself", async () => {
    const before = await qf.stats();
    const n = 103; // crosses the page size of 100
    for (let i = 0; i < n; i++) await qf.registerGap(`paged-${i}`, signers[16]!.address);
    await qf.withRunner(signers[5]!).contribute("paged-102", tokens(2));
    await qf.withRunner(signers[6]!).contribute("paged-0", tokens(1));
    const s = await qf.stats();
    expect(s.totals.gapCount).to.equal(before.totals.gapCount + BigInt(n));
    expect(s.gaps.length).to.equal(Number(s.totals.gapCount));
    expect(s.totals.directTotal).to.equal(before.totals.directTotal + tokens(3));
    const one = await qf.stats({ gap: "paged-102" });
    expect(one.gaps.map((g) => g.gapId)).to.deep.equal([gapIdFromName("paged-102")]);
    expect(one.gaps[0]).to.include({ name: "paged-102", currentRoundDirect: tokens(2), status: "Active" });
    expect(one.totals).to.deep.equal(s.totals);
    expect((await rejects(qf.stats({ gap: "never-registered" }))).errorName).to.equal("UnknownGap");
    expect(() => qf.gapId("0x1234")).to.throw(/not 32 bytes/);
  });

  it("mirrors the contract's matches to the wei over random rounds (both modes, cap)", async () => {
    let seed = 12345;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const settings = [
      { wholePool: false, capBps: 0n },
      { wholePool: true, capBps: 0n },
      { wholePool: false, capBps: 3_000n },
    ];
    for (const [k, s] of settings.entries()) {
      await qf.contract.setMatchingSettings(s.wholePool, s.capBps);
      const round = await qf.contract.contributionRound();
      const gaps = ["a", "b", "c", "d"].map((g) => `mirror-${k}-${g}`);
      const contributions: RoundContributions[] = gaps.map(() => []);
      for (const g of gaps) await qf.registerGap(g, signers[17]!.address);
      for (let i = 0; i < 18; i++) {
        const gi = Math.floor(rand() * gaps.length);
        const who = signers[1 + Math.floor(rand() * 8)]!;
        const amount = BigInt(1 + Math.floor(rand() * 5000)) * 10n ** 15n + BigInt(Math.floor(rand() * 1e6));
        await qf.withRunner(who).contribute(gaps[gi]!, amount);
        (contributions[gi] as [string, bigint][]).push([who.address, amount]);
      }
      await qf.fundPool(tokens(20));
      const pool = BigInt(Math.floor(rand() * 20 * 1e6)) * 10n ** 12n;
      await time.increase(SIX_HOURS);
      // Contributions above counted in `round`; finalise up to it.
      while ((await qf.contract.currentRound()) < round) await qf.match(0n);
      const m = await qf.match(pool);
      expect(m.round).to.equal(round);
      // Open gaps of the round other than ours (earlier tests) have no weight in it: closed or empty.
      const expected = roundOutcome(contributions, pool, 18, s);
      expect(m.totalWeight).to.equal(expected.totalWeight);
      expect(m.distributed).to.equal(expected.allocated);
      expect(m.gapsFunded).to.equal(BigInt(expected.gapsFunded));
      for (const [i, g] of gaps.entries()) {
        expect(await qf.contract.matchOf(gapIdFromName(g), round), g).to.equal(expected.gaps[i]!.match);
      }
      const poolBefore = await qf.matchingPool();
      let paid = 0n;
      for (const g of gaps) paid += (await qf.withdraw(g).catch(() => undefined))?.matched ?? 0n;
      expect(paid).to.equal(expected.paid);
      expect(await qf.matchingPool()).to.equal(poolBefore);
      if (expected.gapsFunded > 0) expect((await qf.sweep(round)).amount).to.equal(expected.returned);
      expect(await qf.matchingPool()).to.equal(poolBefore + expected.returned);
    }
  });
});

describe("deploy module with an external token (TOKEN_ADDRESS)", () => {
  after(() => clearRegisteredDeployments());

  it("uses the given ERC-20 (6 decimals here), mints nothing, and the client scales amounts", async () => {
    const [admin, alice, bob] = await ethers.getSigners();
    const usdc = await ethers.deployContract("TestToken", ["USD Coin (test)", "USDC", 6]);
    await usdc.mint(alice!.address, 1_000_000n);
    await usdc.mint(bob!.address, 4_000_000n);
    const deployed = await deployCofund(hre, {
      connection,
      tokenAddress: await usdc.getAddress(),
      roundDuration: 60,
    });
    expect(deployed.testToken).to.equal(false);
    expect(deployed.contracts.Token).to.equal(await usdc.getAddress());
    expect(deployed.contracts.TestToken).to.equal(undefined);
    expect(await usdc.balanceOf(admin!.address)).to.equal(0n);

    const qf = await AllocatorClient.connect(deployed.allocator, admin!);
    expect(qf.decimals).to.equal(6);
    expect(qf.parseAmount("1.5")).to.equal(1_500_000n);
    expect(() => qf.parseAmount("0.0000001")).to.throw(/more than 6 decimal places/);
    await qf.registerGap("usdc-gap", admin!.address);
    await qf.withRunner(alice!).contribute("usdc-gap", qf.parseAmount("1"));
    const c = await qf.withRunner(bob!).contribute("usdc-gap", qf.parseAmount("4"));
    // (√1 + √4)² − 5 = 4 tokens of weight, in 18-decimal normalised units.
    expect(c.gapWeight).to.equal(4n * 10n ** 18n);
    expect(await qf.contract.roundDuration()).to.equal(60n);
  });
});

describe("sdk/deployments", () => {
  it("says how to deploy when a network has no records, and catches stale records", async () => {
    clearRegisteredDeployments();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cofund-deployments-"));
    try {
      const args = { network: "localhost", provider: ethers.provider, deploymentsDir: dir };
      let error: unknown;
      await findDeployment(args).catch((e: unknown) => (error = e));
      expect(error).to.be.instanceOf(DeploymentNotFoundError);
      expect((error as Error).message).to.equal(
        "No cofund deployment found for network localhost — run npm run deploy -- --network localhost",
      );
      const chainId = (await ethers.provider.getNetwork()).chainId;
      fs.mkdirSync(path.join(dir, `chain-${chainId}`));
      const ghost = "0x000000000000000000000000000000000000dEaD";
      fs.writeFileSync(
        path.join(dir, `chain-${chainId}`, "deployed_addresses.json"),
        JSON.stringify({ "Cofund#QuadraticFundingAllocator": ghost, "Other#Thing": ghost }),
      );
      error = undefined;
      await findDeployment(args).catch((e: unknown) => (error = e));
      expect((error as Error).message).to.match(
        /is stale: QuadraticFundingAllocator at 0x0+dEaD has no code/,
      );
      const unchecked = await findDeployment({ ...args, checkCode: false });
      expect(unchecked.contracts).to.deep.equal({ QuadraticFundingAllocator: ghost });
      expect(() => requireContract(unchecked, "CoordinatedPledges")).to.throw(/has no CoordinatedPledges/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
