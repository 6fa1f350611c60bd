/**
 * Hostile tokens against both contracts. Each token is either handled with exact accounting (every
 * balance checked to the wei, the contract holding exactly what it still owes) or rejected with a
 * named error at the first interaction, with state unchanged.
 */
import { expect } from "chai";
import { ethers, time } from "../helpers/chain";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type {
  CoordinatedPledges,
  HostileBlocklistToken,
  HostileFalseToken,
  HostileFeeToken,
  HostileNoReturnToken,
  HostileReentrantToken,
  QuadraticFundingAllocator,
} from "../../typechain-types";
import * as pm from "../../sdk/math/pledges";
import { D, fromWad, refCampaign, refPayment, refSolve, relErr } from "../helpers/pledges-reference";
import {
  AnyToken,
  CState,
  DAY,
  PState,
  allocatorSnapshot,
  createCampaign,
  deployAllocator,
  deployPledges,
  expectUnchanged,
  gid,
  pledgesSnapshot,
  settle,
  tok,
} from "../helpers/security";

const A = gid("gap-a");
const B = gid("gap-b");

async function endRound(allocator: QuadraticFundingAllocator): Promise<void> {
  const { endTime } = await allocator.getRound(await allocator.currentRound());
  if (BigInt(await time.latest()) < endTime) await time.increaseTo(endTime);
}

interface AllocatorWorld {
  allocator: QuadraticFundingAllocator;
  address: string;
  token: AnyToken;
  dec: number;
  users: HardhatEthersSigner[];
  ra: HardhatEthersSigner;
  rb: HardhatEthersSigner;
  snapshot: () => Promise<unknown>;
}

/** An allocator of `tokenAddress` with gaps A (recipient ra) and B (rb) and three funded users. */
async function allocatorWorld(tokenAddress: string, dec: number): Promise<AllocatorWorld> {
  const [, ra, rb, ...users] = await ethers.getSigners();
  const allocator = await deployAllocator(tokenAddress);
  const address = await allocator.getAddress();
  const token = new AnyToken(tokenAddress);
  await allocator.registerGap(A, ra.address, "");
  await allocator.registerGap(B, rb.address, "");
  const [admin] = await ethers.getSigners();
  for (const u of [admin, ...users.slice(0, 3)]) await token.fund(u, address, tok(1000, dec));
  const accounts = [ra, rb, admin, ...users.slice(0, 3)].map((s) => s.address);
  return {
    allocator,
    address,
    token,
    dec,
    users: users.slice(0, 3),
    ra,
    rb,
    snapshot: () => allocatorSnapshot(allocator, token, accounts),
  };
}

/**
 * The normal allocator flow with exact accounting: A gets 4, 9 and 1 tokens from three users, B 16
 * from one, the pool 100; the round pays A its full weight (√4 + √9 + √1)² − 14 = 22 tokens (closed
 * form) and B none; every balance moves to the wei and the contract ends holding exactly its pool.
 */
async function allocatorFlow(w: AllocatorWorld): Promise<void> {
  const { allocator, address, token, dec, users, ra, rb } = w;
  const t = (n: number) => tok(n, dec);
  const user0Before = await token.balanceOf(users[0].address);
  await allocator.connect(users[0]).contributeToGap(A, t(4));
  await allocator.connect(users[1]).contributeToGap(A, t(9));
  await allocator.connect(users[2]).contributeToGap(A, t(1));
  await allocator.connect(users[0]).contributeToGap(B, t(16));
  await allocator.fundMatchingPool(t(100));
  expect(user0Before - (await token.balanceOf(users[0].address))).to.equal(t(20));
  expect(await token.balanceOf(address)).to.equal(t(130));
  await endRound(allocator);
  await allocator.computeMatchingRound(t(100));

  const matchA = await allocator.matchOf(A, 1);
  const exact = new D(22).mul(new D(10).pow(dec));
  // Rounding is down and never creates tokens: at most a few raw units below the closed form.
  expect(exact.minus(matchA.toString()).gte(0)).to.equal(true);
  expect(exact.minus(matchA.toString()).lte(dec === 18 ? 1e3 : 1)).to.equal(true);
  expect(await allocator.matchOf(B, 1)).to.equal(0n);

  const [aBefore, bBefore] = [await token.balanceOf(ra.address), await token.balanceOf(rb.address)];
  await allocator.withdrawGapFunds(A);
  await allocator.withdrawGapFunds(B);
  expect((await token.balanceOf(ra.address)) - aBefore).to.equal(t(14) + matchA);
  expect((await token.balanceOf(rb.address)) - bBefore).to.equal(t(16));
  await allocator.sweepRound(1);
  // The contract holds exactly what it owes: the matching pool.
  expect(await allocator.matchingPoolBalance()).to.equal(t(100) - matchA);
  expect(await token.balanceOf(address)).to.equal(t(100) - matchA);
}

interface PledgesWorld {
  cp: CoordinatedPledges;
  address: string;
  token: AnyToken;
  dec: number;
  recipient: HardhatEthersSigner;
  users: HardhatEthersSigner[];
  deadline: number;
  snapshot: () => Promise<unknown>;
}

async function pledgesWorld(tokenAddress: string, dec: number): Promise<PledgesWorld> {
  const [, recipient, ...users] = await ethers.getSigners();
  const cp = await deployPledges();
  const address = await cp.getAddress();
  const token = new AnyToken(tokenAddress);
  for (const u of users.slice(0, 3)) await token.fund(u, address, tok(1000, dec));
  const deadline = (await time.latest()) + 7 * DAY;
  const accounts = [recipient, ...users.slice(0, 3)].map((s) => s.address);
  return {
    cp,
    address,
    token,
    dec,
    recipient,
    users: users.slice(0, 3),
    deadline,
    snapshot: () => pledgesSnapshot(cp, token, accounts),
  };
}

/**
 * The normal campaign flow with exact accounting on the reference vector L = [100, 100], s = 0.1:
 * h ≈ 16.070323328 and pᵢ ≈ 64.563822966 (decimal.js), each pledger refunded Lᵢ − pᵢ to the wei,
 * the pot paid once, refunds + pot = escrow, and the contract left empty.
 */
async function pledgesFlow(
  w: PledgesWorld,
  extra: { allocator?: string; gapId?: string; potTo?: string } = {},
): Promise<bigint> {
  const { cp, address, token, dec, recipient, users } = w;
  const id = await createCampaign(cp, token.address, {
    recipient: recipient.address,
    deadline: w.deadline,
    initialSpeed: 10n ** 17n,
    allocator: extra.allocator,
    gapId: extra.gapId,
  });
  const L = tok(100, dec);
  await cp.connect(users[0]).pledge(id, L);
  await cp.connect(users[1]).pledge(id, L);
  expect(await token.balanceOf(address)).to.equal(2n * L);
  const b = await settle(cp, id);

  const ref = refCampaign(true, [100, 100], [0.1, 0.1]);
  const h = refSolve(ref);
  expect(relErr(fromWad(b.hLow), h)).to.be.lessThan(1e-12);
  expect(h.toFixed(9)).to.equal("16.070323328");
  const pRef = refPayment(new D(100), new D(0.1), h).mul(new D(10).pow(dec));
  let refunds = 0n;
  for (const k of [0, 1]) {
    const before = await token.balanceOf(users[k].address);
    await cp.claim(id, k);
    const refund = (await token.balanceOf(users[k].address)) - before;
    const paid = L - refund;
    // The payment is the exact mirror's ⌊L·A(h)⌋, within a relative 1e-12 of decimal.js.
    expect(paid).to.equal(pm.paymentAt(L, 10n ** 17n, b.hLow));
    // (h is the bracket's lower end, so the payment sits below decimal.js by less than one raw unit.)
    const gap = pRef.minus(paid.toString());
    expect(gap.gte(pRef.mul(-1e-12)) && gap.lt(pRef.mul(1e-12).plus(1))).to.equal(true, gap.toString());
    refunds += refund;
    await expect(cp.claim(id, k)).to.be.revertedWithCustomError(cp, "NothingToClaim").withArgs(id, k);
  }
  const pot = (await cp.getCampaign(id)).pot;
  expect(refunds + pot).to.equal(2n * L);
  const potTo = extra.potTo ?? recipient.address;
  const before = await token.balanceOf(potTo);
  await cp.claimPot(id);
  expect((await token.balanceOf(potTo)) - before).to.equal(pot);
  await expect(cp.claimPot(id)).to.be.revertedWithCustomError(cp, "PotNotClaimable").withArgs(id);
  expect(await token.balanceOf(address)).to.equal(0n);
  return id;
}

describe("Security: hostile tokens", () => {
  describe("HostileFeeToken (fee on transfer)", () => {
    it("allocator: rejected at the first contribution and the first pool funding, state unchanged", async () => {
      const fee = (await ethers.deployContract("HostileFeeToken", [100])) as unknown as HostileFeeToken;
      const w = await allocatorWorld(await fee.getAddress(), 18);
      await expectUnchanged(w.snapshot, async () => {
        await expect(w.allocator.connect(w.users[0]).contributeToGap(A, tok(10)))
          .to.be.revertedWithCustomError(w.allocator, "TransferAmountMismatch")
          .withArgs(tok(10), tok("9.9"));
        await expect(w.allocator.fundMatchingPool(tok(50)))
          .to.be.revertedWithCustomError(w.allocator, "TransferAmountMismatch")
          .withArgs(tok(50), tok("49.5"));
      });
    });

    it("allocator: a dormant fee switched on later blocks new pulls; payouts stay exactly booked", async () => {
      const fee = (await ethers.deployContract("HostileFeeToken", [0])) as unknown as HostileFeeToken;
      const w = await allocatorWorld(await fee.getAddress(), 18);
      await w.allocator.connect(w.users[0]).contributeToGap(A, tok(10));
      await w.allocator.connect(w.users[1]).contributeToGap(A, tok(10));
      await endRound(w.allocator);
      await w.allocator.computeMatchingRound(0);
      await fee.setFee(250); // 2.5%
      await expect(w.allocator.connect(w.users[2]).contributeToGap(A, tok(4)))
        .to.be.revertedWithCustomError(w.allocator, "TransferAmountMismatch")
        .withArgs(tok(4), tok("3.9"));
      // The contract sends exactly what it books; the token's fee comes out of what arrives.
      const [cBefore, rBefore] = [await w.token.balanceOf(w.address), await w.token.balanceOf(w.ra.address)];
      await w.allocator.withdrawGapFunds(A);
      expect(cBefore - (await w.token.balanceOf(w.address))).to.equal(tok(20));
      expect((await w.token.balanceOf(w.ra.address)) - rBefore).to.equal(tok("19.5"));
      expect(await w.token.balanceOf(w.address)).to.equal(0n);
    });

    it("pledges: rejected at the first pledge, state unchanged; a dormant fee leaves claims exact", async () => {
      const fee = (await ethers.deployContract("HostileFeeToken", [100])) as unknown as HostileFeeToken;
      const w = await pledgesWorld(await fee.getAddress(), 18);
      const id = await createCampaign(w.cp, w.token.address, {
        recipient: w.recipient.address,
        deadline: w.deadline,
      });
      await expectUnchanged(w.snapshot, async () => {
        await expect(w.cp.connect(w.users[0]).pledge(id, tok(10)))
          .to.be.revertedWithCustomError(w.cp, "TransferAmountMismatch")
          .withArgs(tok(10), tok("9.9"));
      });
      await fee.setFee(0);
      await w.cp.connect(w.users[0]).pledge(id, tok(100));
      await w.cp.connect(w.users[1]).pledge(id, tok(100));
      await fee.setFee(100);
      await expect(w.cp.connect(w.users[2]).pledge(id, tok(1)))
        .to.be.revertedWithCustomError(w.cp, "TransferAmountMismatch")
        .withArgs(tok(1), tok("0.99"));
      const b = await settle(w.cp, id);
      const owed = tok(100) - pm.paymentAt(tok(100), 10n ** 17n, b.hLow);
      const before = await w.token.balanceOf(w.address);
      await w.cp.claim(id, 0);
      expect(before - (await w.token.balanceOf(w.address))).to.equal(owed);
      await w.cp.claim(id, 1);
      await w.cp.claimPot(id);
      expect(await w.token.balanceOf(w.address)).to.equal(0n);
    });
  });

  describe("HostileNoReturnToken (USDT-style: no bool, approve needs a zero first, 6 decimals)", () => {
    it("allocator: the whole flow with exact accounting", async () => {
      const t = await ethers.deployContract("HostileNoReturnToken");
      await allocatorFlow(await allocatorWorld(await t.getAddress(), 6));
    });

    it("allocator: refunds of a closed gap are exact; a failing pull reverts with the token's error", async () => {
      const t = await ethers.deployContract("HostileNoReturnToken");
      const w = await allocatorWorld(await t.getAddress(), 6);
      const poor = (await ethers.getSigners())[9];
      await w.token.fund(poor, w.address, 5n);
      await expectUnchanged(w.snapshot, async () => {
        await expect(w.allocator.connect(poor).contributeToGap(A, 6n))
          .to.be.revertedWithCustomError(t, "NoReturnInsufficientBalance")
          .withArgs(poor.address, 5n, 6n);
      });
      await w.allocator.connect(w.users[0]).contributeToGap(A, tok(3, 6));
      await w.allocator.closeGap(A);
      const before = await w.token.balanceOf(w.users[0].address);
      await w.allocator.connect(w.users[0]).refundContribution(A, 1);
      expect((await w.token.balanceOf(w.users[0].address)) - before).to.equal(tok(3, 6));
      expect(await w.token.balanceOf(w.address)).to.equal(0n);
    });

    it("pledges: the whole flow, pot into an allocator gap through forceApprove", async () => {
      const t = (await ethers.deployContract("HostileNoReturnToken")) as unknown as HostileNoReturnToken;
      const w = await pledgesWorld(await t.getAddress(), 6);
      const allocator = await deployAllocator(w.token.address);
      await allocator.registerGap(A, w.recipient.address, "");
      const id = await pledgesFlow(w, {
        allocator: await allocator.getAddress(),
        gapId: A,
        potTo: await allocator.getAddress(),
      });
      const pot = (await w.cp.getCampaign(id)).pot;
      expect((await allocator.gapRoundState(A, await allocator.contributionRound()))[1]).to.equal(pot);
      // The allowance was reset to zero (USDT would refuse the next non-zero approve otherwise).
      expect(await t.allowance(w.address, await allocator.getAddress())).to.equal(0n);
    });
  });

  describe("HostileFalseToken (returns false instead of reverting)", () => {
    it("allocator: normal flow exact; a false transfer is rejected by SafeERC20, state unchanged", async () => {
      const t = (await ethers.deployContract("HostileFalseToken")) as unknown as HostileFalseToken;
      const w = await allocatorWorld(await t.getAddress(), 18);
      await allocatorFlow(w);
      const poor = (await ethers.getSigners())[9];
      await w.token.fund(poor, w.address, 5n);
      await expectUnchanged(w.snapshot, async () => {
        await expect(w.allocator.connect(poor).contributeToGap(A, 6n))
          .to.be.revertedWithCustomError(w.allocator, "SafeERC20FailedOperation")
          .withArgs(w.token.address);
        await expect(w.allocator.connect(poor).fundMatchingPool(6n))
          .to.be.revertedWithCustomError(w.allocator, "SafeERC20FailedOperation")
          .withArgs(w.token.address);
      });
      // A frozen token makes payouts fail cleanly; they succeed once, and only once, later.
      await w.allocator.connect(w.users[0]).contributeToGap(A, tok(7));
      await endRound(w.allocator);
      await w.allocator.computeMatchingRound(0);
      await t.setFailAll(true);
      await expectUnchanged(w.snapshot, async () => {
        await expect(w.allocator.withdrawGapFunds(A))
          .to.be.revertedWithCustomError(w.allocator, "SafeERC20FailedOperation")
          .withArgs(w.token.address);
      });
      await t.setFailAll(false);
      await expect(w.allocator.withdrawGapFunds(A)).to.changeTokenBalance(ethers, t, w.ra, tok(7));
      await expect(w.allocator.withdrawGapFunds(A))
        .to.be.revertedWithCustomError(w.allocator, "NothingToWithdraw")
        .withArgs(A);
    });

    it("pledges: normal flow exact; false pulls and payouts rejected by SafeERC20, state unchanged", async () => {
      const t = (await ethers.deployContract("HostileFalseToken")) as unknown as HostileFalseToken;
      const w = await pledgesWorld(await t.getAddress(), 18);
      await pledgesFlow(w);
      const id = await createCampaign(w.cp, w.token.address, {
        recipient: w.recipient.address,
        deadline: (await time.latest()) + DAY,
      });
      const poor = (await ethers.getSigners())[9];
      await w.token.fund(poor, w.address, 5n);
      await expectUnchanged(w.snapshot, async () => {
        await expect(w.cp.connect(poor).pledge(id, 6n))
          .to.be.revertedWithCustomError(w.cp, "SafeERC20FailedOperation")
          .withArgs(w.token.address);
      });
      await w.cp.connect(w.users[0]).pledge(id, tok(50));
      await w.cp.connect(w.users[1]).pledge(id, tok(50));
      await settle(w.cp, id);
      await t.setFailAll(true);
      await expectUnchanged(w.snapshot, async () => {
        await expect(w.cp.claim(id, 0))
          .to.be.revertedWithCustomError(w.cp, "SafeERC20FailedOperation")
          .withArgs(w.token.address);
        await expect(w.cp.claimPot(id))
          .to.be.revertedWithCustomError(w.cp, "SafeERC20FailedOperation")
          .withArgs(w.token.address);
      });
      await t.setFailAll(false);
      await w.cp.claim(id, 0);
      await w.cp.claim(id, 1);
      await w.cp.claimPot(id);
      await expect(w.cp.claim(id, 0)).to.be.revertedWithCustomError(w.cp, "NothingToClaim");
      expect(await w.token.balanceOf(w.address)).to.equal(0n);
    });
  });

  describe("HostileZeroRevertToken (reverts on zero-amount transfers)", () => {
    it("allocator: the whole flow, a round with W = 0 and a zero match never transfer zero", async () => {
      const t = await ethers.deployContract("HostileZeroRevertToken");
      const w = await allocatorWorld(await t.getAddress(), 18);
      await allocatorFlow(w);
      // Round 2: one contributor only (W = 0, no match), finalised with a zero pool.
      await w.allocator.connect(w.users[1]).contributeToGap(B, tok(2));
      await endRound(w.allocator);
      await w.allocator.computeMatchingRound(0);
      await expect(w.allocator.withdrawGapFunds(B)).to.changeTokenBalance(ethers, t, w.rb, tok(2));
      await expect(w.allocator.sweepRound(2)).to.emit(w.allocator, "MatchingReturned").withArgs(2, 0);
      await expect(w.allocator.contributeToGap(A, 0)).to.be.revertedWithCustomError(
        w.allocator,
        "ZeroAmount",
      );
    });

    it("pledges: the whole flow, and a collapsed campaign with a zero pot", async () => {
      const t = await ethers.deployContract("HostileZeroRevertToken");
      const w = await pledgesWorld(await t.getAddress(), 18);
      await pledgesFlow(w);
      const id = await createCampaign(w.cp, w.token.address, {
        recipient: w.recipient.address,
        deadline: (await time.latest()) + DAY,
        mode: 1,
        initialSpeed: 10n ** 18n,
      });
      await w.cp.connect(w.users[0]).pledge(id, tok(1)); // (2/π)·L·s < 1: h = 0
      await settle(w.cp, id);
      expect((await w.cp.getCampaign(id)).pot).to.equal(0n);
      await expect(w.cp.claimPot(id)).to.emit(w.cp, "PotClaimed").withArgs(id, w.recipient.address, 0, false);
      await expect(w.cp.claim(id, 0)).to.changeTokenBalance(ethers, t, w.users[0], tok(1));
    });
  });

  describe("HostileBlocklistToken (owner-controlled blocklist)", () => {
    it("allocator: blocked contributor and recipient; others unaffected; paid exactly once after unblocking", async () => {
      const t = (await ethers.deployContract("HostileBlocklistToken")) as unknown as HostileBlocklistToken;
      const w = await allocatorWorld(await t.getAddress(), 18);
      const [u0, u1, u2] = w.users;
      await t.setBlocked(u2.address, true);
      await expectUnchanged(w.snapshot, async () => {
        await expect(w.allocator.connect(u2).contributeToGap(A, tok(1)))
          .to.be.revertedWithCustomError(t, "Blocklisted")
          .withArgs(u2.address);
      });
      await t.setBlocked(u2.address, false);
      await w.allocator.connect(u0).contributeToGap(A, tok(4));
      await w.allocator.connect(u1).contributeToGap(A, tok(1));
      await w.allocator.connect(u0).contributeToGap(B, tok(9));
      await w.allocator.fundMatchingPool(tok(10));
      await endRound(w.allocator);
      await w.allocator.computeMatchingRound(tok(10));
      const matchA = await w.allocator.matchOf(A, 1);
      // (√4 + √1)² − 5 = 4 tokens, rounded down.
      expect(tok(4) - matchA).to.be.within(0n, 1000n);

      await t.setBlocked(w.ra.address, true);
      await expectUnchanged(w.snapshot, async () => {
        await expect(w.allocator.withdrawGapFunds(A))
          .to.be.revertedWithCustomError(t, "Blocklisted")
          .withArgs(w.ra.address);
      });
      await expect(w.allocator.withdrawGapFunds(B)).to.changeTokenBalance(ethers, t, w.rb, tok(9));
      await t.setBlocked(w.ra.address, false);
      await expect(w.allocator.withdrawGapFunds(A)).to.changeTokenBalance(ethers, t, w.ra, tok(5) + matchA);
      await expect(w.allocator.withdrawGapFunds(A)).to.be.revertedWithCustomError(
        w.allocator,
        "NothingToWithdraw",
      );

      // Refund of a closed gap to a blocked contributor: reverts, then works once.
      await w.allocator.connect(u2).contributeToGap(B, tok(3));
      await w.allocator.closeGap(B);
      await t.setBlocked(u2.address, true);
      await expectUnchanged(w.snapshot, async () => {
        await expect(w.allocator.connect(u2).refundContribution(B, 2))
          .to.be.revertedWithCustomError(t, "Blocklisted")
          .withArgs(u2.address);
      });
      await t.setBlocked(u2.address, false);
      await expect(w.allocator.connect(u2).refundContribution(B, 2)).to.changeTokenBalance(
        ethers,
        t,
        u2,
        tok(3),
      );
      await expect(w.allocator.connect(u2).refundContribution(B, 2))
        .to.be.revertedWithCustomError(w.allocator, "NothingToRefund")
        .withArgs(B, u2.address, 2);
      await w.allocator.sweepRound(1);
      expect(await w.token.balanceOf(w.address)).to.equal(await w.allocator.matchingPoolBalance());
    });

    it("pledges: blocked pledger, recipient and allocator; others unaffected; claims once after unblocking", async () => {
      const t = (await ethers.deployContract("HostileBlocklistToken")) as unknown as HostileBlocklistToken;
      const w = await pledgesWorld(await t.getAddress(), 18);
      const [u0, u1, u2] = w.users;
      const allocator = await deployAllocator(w.token.address);
      await allocator.registerGap(A, w.recipient.address, "");
      const allocatorAddress = await allocator.getAddress();
      const id = await createCampaign(w.cp, w.token.address, {
        recipient: w.recipient.address,
        deadline: w.deadline,
        allocator: allocatorAddress,
        gapId: A,
      });
      await t.setBlocked(u2.address, true);
      await expectUnchanged(w.snapshot, async () => {
        await expect(w.cp.connect(u2).pledge(id, tok(5)))
          .to.be.revertedWithCustomError(t, "Blocklisted")
          .withArgs(u2.address);
      });
      await w.cp.connect(u0).pledge(id, tok(100));
      await w.cp.connect(u1).pledge(id, tok(100));
      await t.setBlocked(u1.address, true);
      await expectUnchanged(w.snapshot, async () => {
        await expect(w.cp.connect(u1).withdrawPledge(id, 1))
          .to.be.revertedWithCustomError(t, "Blocklisted")
          .withArgs(u1.address);
      });
      const b = await settle(w.cp, id);
      const owed = tok(100) - pm.paymentAt(tok(100), 10n ** 17n, b.hLow);
      await expectUnchanged(w.snapshot, async () => {
        await expect(w.cp.claim(id, 1)).to.be.revertedWithCustomError(t, "Blocklisted").withArgs(u1.address);
      });
      await expect(w.cp.claim(id, 0)).to.changeTokenBalance(ethers, t, u0, owed);
      // The allocator is blocked: the gap cannot take the pot, which goes to the recipient instead.
      await t.setBlocked(allocatorAddress, true);
      await t.setBlocked(w.recipient.address, true);
      await expectUnchanged(w.snapshot, async () => {
        await expect(w.cp.claimPot(id))
          .to.be.revertedWithCustomError(t, "Blocklisted")
          .withArgs(w.recipient.address);
      });
      await t.setBlocked(w.recipient.address, false);
      const pot = (await w.cp.getCampaign(id)).pot;
      await expect(w.cp.claimPot(id))
        .to.emit(w.cp, "GapContributionFailed")
        .withArgs(id, allocatorAddress, A)
        .and.to.emit(w.cp, "PotClaimed")
        .withArgs(id, w.recipient.address, pot, false);
      await expect(w.cp.claimPot(id)).to.be.revertedWithCustomError(w.cp, "PotNotClaimable");
      await t.setBlocked(u1.address, false);
      await expect(w.cp.claim(id, 1)).to.changeTokenBalance(ethers, t, u1, owed);
      await expect(w.cp.claim(id, 1)).to.be.revertedWithCustomError(w.cp, "NothingToClaim").withArgs(id, 1);
      expect(await w.token.balanceOf(w.address)).to.equal(0n);
      expect(await w.token.balanceOf(allocatorAddress)).to.equal(0n);
    });
  });

  describe("HostileReentrantToken (transfer hook calls back in)", () => {
    async function reentrant() {
      return (await ethers.deployContract("HostileReentrantToken")) as unknown as HostileReentrantToken;
    }

    it("allocator: the unarmed token runs the whole flow exactly", async () => {
      const t = await reentrant();
      await allocatorFlow(await allocatorWorld(await t.getAddress(), 18));
    });

    it("allocator: every re-entry during a pull or a payout reverts with ReentrancyGuardReentrantCall", async () => {
      const t = await reentrant();
      const w = await allocatorWorld(await t.getAddress(), 18);
      const [u0, u1] = w.users;
      await w.allocator.connect(u0).contributeToGap(A, tok(4));
      await w.allocator.connect(u1).contributeToGap(A, tok(1));
      await w.allocator.connect(u0).contributeToGap(B, tok(2));
      await w.allocator.fundMatchingPool(tok(10));
      await endRound(w.allocator);
      await w.allocator.computeMatchingRound(tok(10));
      await w.allocator.connect(u1).contributeToGap(B, tok(1)); // round 2: refundable once B closes
      await w.allocator.closeGap(B);
      const iface = w.allocator.interface;
      const reentries: Array<[string, string]> = [
        ["contributeToGap", iface.encodeFunctionData("contributeToGap", [A, 1n])],
        [
          "contributeToGapWithPermit",
          iface.encodeFunctionData("contributeToGapWithPermit", [
            A,
            1n,
            0n,
            0,
            ethers.ZeroHash,
            ethers.ZeroHash,
          ]),
        ],
        ["fundMatchingPool", iface.encodeFunctionData("fundMatchingPool", [1n])],
        ["withdrawGapFunds", iface.encodeFunctionData("withdrawGapFunds", [A])],
        ["refundContribution", iface.encodeFunctionData("refundContribution", [B, 1n])],
      ];
      const outer: Array<[string, () => Promise<unknown>]> = [
        ["contributeToGap", () => w.allocator.connect(u1).contributeToGap(A, tok(1))],
        ["fundMatchingPool", () => w.allocator.connect(u1).fundMatchingPool(tok(1))],
        ["withdrawGapFunds", () => w.allocator.withdrawGapFunds(A)],
        ["refundContribution", () => w.allocator.connect(u1).refundContribution(B, 2)],
      ];
      await t.approveFromToken(w.address, ethers.MaxUint256);
      await t.mint(await t.getAddress(), tok(10));
      for (const [outerName, call] of outer) {
        for (const [name, data] of reentries) {
          await t.arm(w.address, data, true);
          await expectUnchanged(w.snapshot, async () => {
            await expect(call(), `${outerName} → ${name}`).to.be.revertedWithCustomError(
              w.allocator,
              "ReentrancyGuardReentrantCall",
            );
          });
        }
      }
      // Finalising from the hook needs the keeper role, which the token does not have.
      await t.arm(w.address, iface.encodeFunctionData("computeMatchingRound", [0n]), true);
      await expect(w.allocator.withdrawGapFunds(A))
        .to.be.revertedWithCustomError(w.allocator, "AccessControlUnauthorizedAccount")
        .withArgs(await t.getAddress(), await w.allocator.KEEPER_ROLE());
    });

    it("allocator: a swallowed re-entry is harmless — the gap is paid once, a hooked sweep books exactly", async () => {
      const t = await reentrant();
      const w = await allocatorWorld(await t.getAddress(), 18);
      const [u0, u1] = w.users;
      await w.allocator.connect(u0).contributeToGap(A, tok(4));
      await w.allocator.connect(u1).contributeToGap(A, tok(1));
      await w.allocator.fundMatchingPool(tok(3)); // below W = 4: α = 3/4
      await endRound(w.allocator);
      await w.allocator.computeMatchingRound(tok(3));
      const matchA = await w.allocator.matchOf(A, 1);
      expect(tok(3) - matchA).to.be.within(0n, 1000n);
      // The payout's hook tries to withdraw again (guard), then a second arming sweeps the round.
      await t.arm(w.address, w.allocator.interface.encodeFunctionData("withdrawGapFunds", [A]), false);
      await expect(w.allocator.withdrawGapFunds(A)).to.changeTokenBalance(ethers, t, w.ra, tok(5) + matchA);
      expect(await t.lastSuccess()).to.equal(false);
      expect(await t.lastReturnData()).to.equal(
        w.allocator.interface.encodeErrorResult("ReentrancyGuardReentrantCall", []),
      );
      await expect(w.allocator.withdrawGapFunds(A)).to.be.revertedWithCustomError(
        w.allocator,
        "NothingToWithdraw",
      );
      // sweepRound is unguarded but moves no tokens: from inside a transfer it books the same as after.
      await t.arm(w.address, w.allocator.interface.encodeFunctionData("sweepRound", [1n]), false);
      await w.allocator.connect(u0).fundMatchingPool(tok(1));
      expect(await t.lastSuccess()).to.equal(true);
      expect(await w.allocator.matchingPoolBalance()).to.equal(tok(4) - matchA);
      expect(await w.token.balanceOf(w.address)).to.equal(tok(4) - matchA);
    });

    it("pledges: every re-entry during a pledge, withdrawal, claim or pot payout reverts", async () => {
      const t = await reentrant();
      const w = await pledgesWorld(await t.getAddress(), 18);
      const [u0, u1] = w.users;
      const id = await createCampaign(w.cp, w.token.address, {
        recipient: w.recipient.address,
        deadline: w.deadline,
      });
      const done = await createCampaign(w.cp, w.token.address, {
        recipient: w.recipient.address,
        deadline: w.deadline,
      });
      await w.cp.connect(u0).pledge(id, tok(10));
      await w.cp.connect(u1).pledge(id, tok(10));
      await w.cp.connect(u0).pledge(done, tok(10));
      await w.cp.connect(u1).pledge(done, tok(10));
      await t.approveFromToken(w.address, ethers.MaxUint256);
      await t.mint(await t.getAddress(), tok(10));
      const iface = w.cp.interface;
      const reentries: Array<[string, string]> = [
        ["pledge", iface.encodeFunctionData("pledge", [id, tok(1)])],
        ["withdrawPledge", iface.encodeFunctionData("withdrawPledge", [id, 1n])],
        ["claim", iface.encodeFunctionData("claim", [done, 1n])],
        ["claimPot", iface.encodeFunctionData("claimPot", [done])],
        ["settle", iface.encodeFunctionData("settle", [done, 1n, 1n, 0n])],
      ];
      const before: Array<[string, () => Promise<unknown>]> = [
        ["pledge", () => w.cp.connect(u1).pledge(id, tok(2))],
        ["withdrawPledge", () => w.cp.connect(u0).withdrawPledge(id, 0)],
      ];
      for (const [outerName, call] of before) {
        for (const [name, data] of reentries) {
          await t.arm(w.address, data, true);
          await expectUnchanged(w.snapshot, async () => {
            await expect(call(), `${outerName} → ${name}`).to.be.revertedWithCustomError(
              w.cp,
              "ReentrancyGuardReentrantCall",
            );
          });
        }
      }
      await settle(w.cp, done);
      const after: Array<[string, () => Promise<unknown>]> = [
        ["claim", () => w.cp.claim(done, 0)],
        ["claimPot", () => w.cp.claimPot(done)],
      ];
      for (const [outerName, call] of after) {
        for (const [name, data] of reentries) {
          await t.arm(w.address, data, true);
          await expectUnchanged(w.snapshot, async () => {
            await expect(call(), `${outerName} → ${name}`).to.be.revertedWithCustomError(
              w.cp,
              "ReentrancyGuardReentrantCall",
            );
          });
        }
      }
    });

    it("pledges: a swallowed re-entry is harmless — each refund and the pot are paid exactly once", async () => {
      const t = await reentrant();
      const w = await pledgesWorld(await t.getAddress(), 18);
      const [u0, u1] = w.users;
      const id = await createCampaign(w.cp, w.token.address, {
        recipient: w.recipient.address,
        deadline: w.deadline,
        initialSpeed: 10n ** 17n,
      });
      await w.cp.connect(u0).pledge(id, tok(100));
      await w.cp.connect(u1).pledge(id, tok(100));
      const b = await settle(w.cp, id);
      const owed = tok(100) - pm.paymentAt(tok(100), 10n ** 17n, b.hLow);
      const guard = w.cp.interface.encodeErrorResult("ReentrancyGuardReentrantCall", []);
      for (const [k, u] of [u0, u1].entries()) {
        await t.arm(w.address, w.cp.interface.encodeFunctionData("claim", [id, k]), false);
        await expect(w.cp.claim(id, k)).to.changeTokenBalance(ethers, t, u, owed);
        expect([await t.lastSuccess(), await t.lastReturnData()]).to.deep.equal([false, guard]);
      }
      const pot = (await w.cp.getCampaign(id)).pot;
      await t.arm(w.address, w.cp.interface.encodeFunctionData("claimPot", [id]), false);
      await expect(w.cp.claimPot(id)).to.changeTokenBalance(ethers, t, w.recipient, pot);
      expect([await t.lastSuccess(), await t.lastReturnData()]).to.deep.equal([false, guard]);
      expect(await t.attempts()).to.equal(3n);
      expect(await w.token.balanceOf(w.address)).to.equal(0n);
      expect((await w.cp.getPledge(id, 0)).state).to.equal(PState.Claimed);
    });

    it("pledges: a hook that cancels its own campaign mid-pledge (unguarded, no tokens) is harmless", async () => {
      const t = await reentrant();
      const w = await pledgesWorld(await t.getAddress(), 18);
      const tokenAddress = await t.getAddress();
      // The token itself creates a campaign (so it is the creator), through its hook.
      const params = {
        token: tokenAddress,
        recipient: w.recipient.address,
        deadline: w.deadline,
        mode: 0,
        policy: 0,
        initialSpeed: 10n ** 17n,
        decay: 10n ** 18n,
        minLimit: 0n,
        allocator: ethers.ZeroAddress,
        gapId: ethers.ZeroHash,
      };
      await t.arm(w.address, w.cp.interface.encodeFunctionData("createCampaign", [params]), true);
      await t.connect(w.users[0]).transfer(w.users[1].address, 1n);
      const id = await w.cp.campaignCount();
      expect((await w.cp.getCampaign(id)).creator).to.equal(tokenAddress);
      await w.cp.connect(w.users[0]).pledge(id, tok(5));
      await t.arm(w.address, w.cp.interface.encodeFunctionData("cancelCampaign", [id]), true);
      await expect(w.cp.connect(w.users[1]).pledge(id, tok(7)))
        .to.emit(w.cp, "CampaignCancelled")
        .withArgs(id, tokenAddress);
      // The pledge and the cancel both happened; every pledge gets its full limit back, once.
      expect(Number((await w.cp.getCampaign(id)).state)).to.equal(CState.Cancelled);
      expect((await w.cp.getCampaign(id)).escrow).to.equal(tok(12));
      await expect(w.cp.claim(id, 0)).to.changeTokenBalance(ethers, t, w.users[0], tok(5));
      await expect(w.cp.claim(id, 1)).to.changeTokenBalance(ethers, t, w.users[1], tok(7));
      await expect(w.cp.claim(id, 1)).to.be.revertedWithCustomError(w.cp, "NothingToClaim");
      expect(await w.token.balanceOf(w.address)).to.equal(0n);
    });

    it("pledges → allocator: a hook re-entering the allocator during the pot's contribution is refused", async () => {
      const t = await reentrant();
      const w = await pledgesWorld(await t.getAddress(), 18);
      const allocator = await deployAllocator(w.token.address);
      const allocatorAddress = await allocator.getAddress();
      await allocator.registerGap(A, w.recipient.address, "");
      const id = await pledgesFlowSetup(w, allocatorAddress);
      const pot = (await w.cp.getCampaign(id)).pot;
      // The allocator's pull of the pot calls back into the allocator: its own guard refuses, the
      // token swallows the failure, and the pot lands in the gap exactly once.
      await t.arm(allocatorAddress, allocator.interface.encodeFunctionData("withdrawGapFunds", [A]), false);
      await expect(w.cp.claimPot(id))
        .to.emit(w.cp, "PotClaimed")
        .withArgs(id, allocatorAddress, pot, true)
        .and.not.to.emit(w.cp, "GapContributionFailed");
      expect([await t.lastSuccess(), await t.lastReturnData()]).to.deep.equal([
        false,
        allocator.interface.encodeErrorResult("ReentrancyGuardReentrantCall", []),
      ]);
      expect(await t.balanceOf(allocatorAddress)).to.equal(pot);
      expect((await allocator.gapRoundState(A, await allocator.contributionRound()))[1]).to.equal(pot);
      expect(await t.balanceOf(w.address)).to.equal(tok(200) - pot);
      await expect(w.cp.claimPot(id)).to.be.revertedWithCustomError(w.cp, "PotNotClaimable");
    });
  });
});

/** A settled two-pledge campaign (L = 100 each, s = 0.1) whose pot goes to `allocator`'s gap A. */
async function pledgesFlowSetup(w: PledgesWorld, allocator: string): Promise<bigint> {
  const id = await createCampaign(w.cp, w.token.address, {
    recipient: w.recipient.address,
    deadline: w.deadline,
    initialSpeed: 10n ** 17n,
    allocator,
    gapId: A,
  });
  await w.cp.connect(w.users[0]).pledge(id, tok(100));
  await w.cp.connect(w.users[1]).pledge(id, tok(100));
  await settle(w.cp, id);
  return id;
}
