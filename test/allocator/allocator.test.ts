import { expect } from "chai";
import { ethers, loadFixture, time } from "../helpers/chain";
import Decimal from "decimal.js";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { QuadraticFundingAllocator, TestToken } from "../../typechain-types";

Decimal.set({ precision: 60 });

const DAY = 86_400n;
const ROUND = 6n * 3600n;
const WAD = 10n ** 18n;
const gid = (name: string): string => ethers.id(name);
const tokens = (n: number | string, decimals = 18): bigint => ethers.parseUnits(String(n), decimals);

/** Independent reference: the exact quadratic weight (Σ√cᵢ)² − Σcᵢ of real token amounts. */
function exactWeight(contribs: Decimal.Value[]): Decimal {
  const s = contribs.reduce<Decimal>((acc, c) => acc.plus(new Decimal(c).sqrt()), new Decimal(0));
  const c = contribs.reduce<Decimal>((acc, x) => acc.plus(x), new Decimal(0));
  return s.mul(s).minus(c);
}

/** Converts a reference value in tokens to 18-decimal units (exact decimal, not rounded). */
const toWad = (d: Decimal): Decimal => d.mul(WAD.toString());

async function deployFixture(decimals = 18) {
  const signers = await ethers.getSigners();
  const [admin, recipient, ...users] = signers;
  const token = (await ethers.deployContract("TestToken", ["Test", "TST", decimals])) as unknown as TestToken;
  const allocator = (await ethers.deployContract("QuadraticFundingAllocator", [
    await token.getAddress(),
    ROUND,
    admin.address,
  ])) as unknown as QuadraticFundingAllocator;
  const address = await allocator.getAddress();
  for (const s of signers.slice(0, 12)) {
    await token.mint(s.address, tokens(1_000_000, decimals));
    await token.connect(s).approve(address, ethers.MaxUint256);
  }
  return { allocator, token, admin, recipient, users, signers, address, decimals };
}
const fixture18 = () => deployFixture(18);
const fixture6 = () => deployFixture(6);

async function contribute(
  allocator: QuadraticFundingAllocator,
  who: HardhatEthersSigner,
  gap: string,
  amount: bigint,
): Promise<void> {
  await allocator.connect(who).contributeToGap(gid(gap), amount);
}

async function endRound(allocator: QuadraticFundingAllocator): Promise<void> {
  const end = (await allocator.getRound(await allocator.currentRound())).endTime;
  await time.increaseTo(end);
}

describe("QuadraticFundingAllocator", () => {
  describe("quadratic weights (closed-form cases: (Σ√c)² − Σc)", () => {
    it("[heavy] 1 contributor × 100 → weight 0, 10 × 10 → 900, 100 × 1 → 9,900", async () => {
      const { allocator, admin, recipient, signers } = await loadFixture(fixture18);
      await allocator.registerGap(gid("whale"), recipient.address, "");
      await allocator.registerGap(gid("ten"), recipient.address, "");
      await allocator.registerGap(gid("hundred"), recipient.address, "");
      await contribute(allocator, admin, "whale", tokens(100));
      for (const s of signers.slice(0, 10)) await contribute(allocator, s, "ten", tokens(10));
      // 100 contributions of 1 from 10 accounts would aggregate; use fresh wallets funded by admin.
      const token = await ethers.getContractAt("TestToken", await allocator.token());
      for (let i = 0; i < 100; i++) {
        const w = ethers.Wallet.createRandom().connect(ethers.provider);
        await admin.sendTransaction({ to: w.address, value: tokens("0.01") });
        await token.mint(w.address, tokens(1));
        await token.connect(w).approve(await allocator.getAddress(), tokens(1));
        await allocator.connect(w).contributeToGap(gid("hundred"), tokens(1));
      }
      const cases: Array<[string, Decimal.Value[]]> = [
        ["whale", [100]],
        ["ten", Array<number>(10).fill(10)],
        ["hundred", Array<number>(100).fill(1)],
      ];
      for (const [gap, cs] of cases) {
        const [, , w] = await allocator.gapRoundState(gid(gap), 1);
        const exact = toWad(exactWeight(cs));
        // Rounding is down (floor roots, floor square): never above the exact value, and within
        // 2·S·n wei of it.
        expect(new Decimal(w.toString()).lte(exact.plus(0))).to.equal(true);
        expect(exact.minus(w.toString()).abs().lte(1e6)).to.equal(true, `${gap}: ${w} vs ${exact}`);
      }
      expect(exactWeight(Array<number>(10).fill(10)).toFixed(20)).to.equal("900.00000000000000000000");
      expect(exactWeight(Array<number>(100).fill(1)).toNumber()).to.equal(9900);
      const [, , whaleWeight] = await allocator.gapRoundState(gid("whale"), 1);
      expect(whaleWeight).to.equal(0n);
    });

    it("a contributor who splits 100 into ten transfers of 10 gets exactly the weight of one transfer", async () => {
      const { allocator, recipient, users } = await loadFixture(fixture18);
      await allocator.registerGap(gid("split"), recipient.address, "");
      await allocator.registerGap(gid("whole"), recipient.address, "");
      await contribute(allocator, users[0], "split", tokens(25));
      await contribute(allocator, users[0], "whole", tokens(25));
      for (let i = 0; i < 10; i++) await contribute(allocator, users[1], "split", tokens(10));
      await contribute(allocator, users[1], "whole", tokens(100));
      const a = await allocator.gapRoundState(gid("split"), 1);
      const b = await allocator.gapRoundState(gid("whole"), 1);
      expect(a).to.deep.equal(b);
      expect(await allocator.contributionOf(gid("split"), users[1].address, 1)).to.equal(tokens(100));
      // (√25 + √100)² − 125 = 225 − 125 = 100
      expect(
        toWad(exactWeight([25, 100]))
          .minus(a[2].toString())
          .abs()
          .lte(1e3),
      ).to.equal(true);
    });

    it("tracks W incrementally as the sum of the gaps' weights", async () => {
      const { allocator, recipient, users } = await loadFixture(fixture18);
      const amounts = [[3, 7, 11], [5, 5], [42]];
      let sum = 0n;
      for (let g = 0; g < amounts.length; g++) {
        await allocator.registerGap(gid(`g${g}`), recipient.address, "");
        for (let i = 0; i < amounts[g].length; i++)
          await contribute(allocator, users[i], `g${g}`, tokens(amounts[g][i]));
        sum += (await allocator.gapRoundState(gid(`g${g}`), 1))[2];
      }
      const round = await allocator.getRound(1);
      expect(round.totalWeight).to.equal(sum);
      expect(round.gapsFunded).to.equal(2n);
      const exact = toWad(exactWeight([3, 7, 11]).plus(exactWeight([5, 5])));
      expect(exact.minus(sum.toString()).abs().lte(1e6)).to.equal(true);
    });
  });

  describe("matching rounds", () => {
    async function twoGaps() {
      const f = await loadFixture(fixture18);
      const { allocator, recipient, users, signers } = f;
      await allocator.registerGap(gid("a"), recipient.address, "ipfs://a");
      await allocator.registerGap(gid("b"), signers[11].address, "ipfs://b");
      // a: 4 × 9 → w = (4·3)² − 36 = 108; b: 1 and 16 → w = (1 + 4)² − 17 = 8. W = 116.
      for (let i = 0; i < 4; i++) await contribute(allocator, users[i], "a", tokens(9));
      await contribute(allocator, users[4], "b", tokens(1));
      await contribute(allocator, users[5], "b", tokens(16));
      return f;
    }

    it("default mode with a pool above W pays every gap its full weight and keeps the rest", async () => {
      const { allocator, token, recipient, signers } = await twoGaps();
      await allocator.fundMatchingPool(tokens(1000));
      await endRound(allocator);
      await expect(allocator.computeMatchingRound(tokens(1000)))
        .to.emit(allocator, "RoundFinalized")
        .withArgs(1, tokens(1000), tokens(116), tokens(116), 2, (x: bigint) => x > 0n);
      expect(await allocator.matchingPoolBalance()).to.equal(tokens(1000 - 116));
      const before = await token.balanceOf(recipient.address);
      await allocator.withdrawGapFunds(gid("a"));
      expect((await token.balanceOf(recipient.address)) - before).to.equal(tokens(36 + 108));
      await allocator.withdrawGapFunds(gid("b"));
      expect(await token.balanceOf(signers[11].address)).to.equal(tokens(1_000_000 + 17 + 8));
      const r = await allocator.getRound(1);
      expect(r.claimed).to.equal(tokens(116));
      expect(r.distributed).to.equal(tokens(116));
      expect(r.gapsSettled).to.equal(2n);
      expect(r.status).to.equal(2n);
    });

    it("default mode with a pool below W scales pro rata, rounds down, and returns dust to the pool", async () => {
      const { allocator, token, recipient, signers, address } = await twoGaps();
      const pool = tokens(10) + 7n; // awkward on purpose
      await allocator.fundMatchingPool(pool);
      await endRound(allocator);
      await allocator.computeMatchingRound(pool);
      expect(await allocator.matchingPoolBalance()).to.equal(0n);
      const W = new Decimal(116);
      const expectA = new Decimal(pool.toString()).mul(108).div(W);
      const expectB = new Decimal(pool.toString()).mul(8).div(W);
      const mA = await allocator.matchOf(gid("a"), 1);
      const mB = await allocator.matchOf(gid("b"), 1);
      expect(expectA.minus(mA.toString()).gte(0) && expectA.minus(mA.toString()).lt(2)).to.equal(true);
      expect(expectB.minus(mB.toString()).gte(0) && expectB.minus(mB.toString()).lt(2)).to.equal(true);
      expect(mA + mB <= pool).to.equal(true);
      await allocator.withdrawGapFunds(gid("a"));
      await allocator.withdrawGapFunds(gid("b"));
      expect(await token.balanceOf(recipient.address)).to.equal(tokens(1_000_000 + 36) + mA);
      expect(await token.balanceOf(signers[11].address)).to.equal(tokens(1_000_000 + 17) + mB);
      // The dust stays allocated to the round until the round is swept; then it is back in the pool
      // and the contract holds exactly the pool.
      expect(await allocator.matchingPoolBalance()).to.equal(0n);
      expect((await allocator.getRound(1)).distributed).to.equal(pool);
      await expect(allocator.sweepRound(1))
        .to.emit(allocator, "MatchingReturned")
        .withArgs(1, pool - mA - mB);
      expect(await allocator.matchingPoolBalance()).to.equal(pool - mA - mB);
      expect((await allocator.getRound(1)).distributed).to.equal(mA + mB);
      expect((await allocator.getRound(1)).swept).to.equal(true);
      expect(await token.balanceOf(address)).to.equal(pool - mA - mB);
    });

    it("whole-pool mode distributes the whole pool even when it exceeds W", async () => {
      const { allocator } = await twoGaps();
      await allocator.setMatchingSettings(true, 0);
      await allocator.fundMatchingPool(tokens(580));
      await endRound(allocator);
      await allocator.computeMatchingRound(tokens(580));
      // α = 580 / 116 = 5: a gets 540, b gets 40.
      expect(await allocator.matchOf(gid("a"), 1)).to.equal(tokens(540));
      expect(await allocator.matchOf(gid("b"), 1)).to.equal(tokens(40));
      expect(await allocator.matchingPoolBalance()).to.equal(0n);
    });

    it("a per-gap cap limits each match and returns the excess to the pool", async () => {
      const { allocator, token, address } = await twoGaps();
      await allocator.setMatchingSettings(false, 5000); // 50% of the pool
      await allocator.fundMatchingPool(tokens(100));
      await endRound(allocator);
      await allocator.computeMatchingRound(tokens(100));
      // α = 100/116 < 1: a would get 93.10…, capped at 50; b gets 6.89….
      expect(await allocator.matchOf(gid("a"), 1)).to.equal(tokens(50));
      const mB = await allocator.matchOf(gid("b"), 1);
      const expectB = new Decimal(tokens(100).toString()).mul(8).div(116);
      expect(expectB.minus(mB.toString()).gte(0) && expectB.minus(mB.toString()).lt(2)).to.equal(true);
      await allocator.withdrawGapFunds(gid("a"));
      await expect(allocator.sweepRound(1))
        .to.be.revertedWithCustomError(allocator, "GapsUnsettled")
        .withArgs(1, 1, 2);
      await allocator.withdrawGapFunds(gid("b"));
      await expect(allocator.sweepRound(1)).to.emit(allocator, "MatchingReturned");
      await expect(allocator.sweepRound(1))
        .to.be.revertedWithCustomError(allocator, "RoundAlreadySwept")
        .withArgs(1);
      await expect(allocator.sweepRound(2))
        .to.be.revertedWithCustomError(allocator, "RoundNotFinalized")
        .withArgs(2);
      expect(await allocator.matchingPoolBalance()).to.equal(tokens(100) - tokens(50) - mB);
      expect(await token.balanceOf(address)).to.equal(tokens(100) - tokens(50) - mB);
      expect((await allocator.getRound(1)).distributed).to.equal(tokens(50) + mB);
    });

    it("a round with W = 0 spends nothing; a single-contributor gap gets no match but its direct funds", async () => {
      const { allocator, token, recipient, users } = await loadFixture(fixture18);
      await allocator.registerGap(gid("solo"), recipient.address, "");
      await contribute(allocator, users[0], "solo", tokens(50));
      await contribute(allocator, users[0], "solo", tokens(50));
      await allocator.fundMatchingPool(tokens(500));
      await endRound(allocator);
      await allocator.computeMatchingRound(tokens(500));
      expect(await allocator.matchingPoolBalance()).to.equal(tokens(500));
      const r = await allocator.getRound(1);
      expect(r.totalWeight).to.equal(0n);
      expect(r.distributed).to.equal(0n);
      await expect(allocator.withdrawGapFunds(gid("solo")))
        .to.emit(allocator, "GapRoundSettled")
        .withArgs(gid("solo"), 1, tokens(100), 0);
      expect(await token.balanceOf(recipient.address)).to.equal(tokens(1_000_000 + 100));
    });

    it("normalises tokens with 6 decimals: weights in 18 decimals, matches in raw units", async () => {
      const { allocator, token, recipient, users, address } = await loadFixture(fixture6);
      await allocator.registerGap(gid("usdc"), recipient.address, "");
      for (let i = 0; i < 3; i++) await contribute(allocator, users[i], "usdc", tokens("2.5", 6));
      const [, direct, w] = await allocator.gapRoundState(gid("usdc"), 1);
      expect(direct).to.equal(tokens("7.5", 6));
      // (3·√2.5)² − 7.5 = 15 tokens of weight, in 18-decimal units.
      expect(
        toWad(exactWeight([2.5, 2.5, 2.5]))
          .minus(w.toString())
          .abs()
          .lte(1e4),
      ).to.equal(true);
      await allocator.fundMatchingPool(tokens(100, 6));
      await endRound(allocator);
      await allocator.computeMatchingRound(tokens(100, 6));
      // α = 1: the match is ⌊w / 1e12⌋ raw units = 14.999999 (w is a hair under 15 by rounding).
      const m = await allocator.matchOf(gid("usdc"), 1);
      expect(m).to.equal(w / 10n ** 12n);
      expect(m >= tokens("14.99999", 6) && m <= tokens(15, 6)).to.equal(true);
      await allocator.withdrawGapFunds(gid("usdc"));
      expect(await token.balanceOf(recipient.address)).to.equal(tokens(1_000_000, 6) + tokens("7.5", 6) + m);
      expect(await token.balanceOf(address)).to.equal(await allocator.matchingPoolBalance());
    });

    it("[gas] finalising costs the same gas with 2 funded gaps and with 200", async () => {
      const { allocator, recipient, users } = await loadFixture(fixture18);
      await allocator.fundMatchingPool(tokens(10_000));
      const gasFor = async (gaps: number, tag: string): Promise<bigint> => {
        for (let g = 0; g < gaps; g++) {
          await allocator.registerGap(gid(`${tag}${g}`), recipient.address, "");
          await contribute(allocator, users[0], `${tag}${g}`, tokens(1));
          await contribute(allocator, users[1], `${tag}${g}`, tokens(4));
        }
        await endRound(allocator);
        const rc = await (await allocator.computeMatchingRound(tokens(10))).wait();
        return rc!.gasUsed;
      };
      const small = await gasFor(2, "s");
      const large = await gasFor(200, "l");
      expect((await allocator.getRound(2)).gapsFunded).to.equal(200n);
      const diff = small > large ? small - large : large - small;
      expect(diff * 100n <= small).to.equal(true, `${small} vs ${large}`);
      expect(large <= 100_000n).to.equal(true);
    });
  });

  describe("round timing", () => {
    it("rejects finalising one second early and accepts at the exact end", async () => {
      const { allocator } = await loadFixture(fixture18);
      const { endTime } = await allocator.getRound(1);
      await time.setNextBlockTimestamp(endTime - 1n);
      await expect(allocator.computeMatchingRound(0))
        .to.be.revertedWithCustomError(allocator, "RoundNotOver")
        .withArgs(1, endTime);
      await time.setNextBlockTimestamp(endTime);
      await expect(allocator.computeMatchingRound(0)).to.emit(allocator, "RoundFinalized");
      const r2 = await allocator.getRound(2);
      expect(r2.startTime).to.equal(endTime);
      expect(r2.endTime).to.equal(endTime + ROUND);
      expect(await allocator.currentRound()).to.equal(2n);
    });

    it("half-open windows: a contribution at the exact end belongs to the next round", async () => {
      const { allocator, recipient, users } = await loadFixture(fixture18);
      await allocator.registerGap(gid("g"), recipient.address, "");
      const { endTime } = await allocator.getRound(1);
      await time.setNextBlockTimestamp(endTime - 1n);
      await expect(allocator.connect(users[0]).contributeToGap(gid("g"), tokens(1)))
        .to.emit(allocator, "ContributionMade")
        .withArgs(gid("g"), users[0].address, 1, tokens(1), tokens(1), 0);
      await time.setNextBlockTimestamp(endTime);
      await expect(allocator.connect(users[1]).contributeToGap(gid("g"), tokens(1)))
        .to.emit(allocator, "ContributionMade")
        .withArgs(gid("g"), users[1].address, 2, tokens(1), tokens(1), 0);
      expect(await allocator.contributionRound()).to.equal(2n);
      expect(await allocator.currentRound()).to.equal(1n);
      // Round 1 is finalised without the late contribution; round 2 keeps it.
      await allocator.computeMatchingRound(0);
      expect((await allocator.gapRoundState(gid("g"), 1))[1]).to.equal(tokens(1));
      expect((await allocator.gapRoundState(gid("g"), 2))[1]).to.equal(tokens(1));
      expect(await allocator.contributionRound()).to.equal(2n);
    });

    it("checkUpkeep/performUpkeep follow the same schedule and cap the pool at what is available", async () => {
      const { allocator, admin, users } = await loadFixture(fixture18);
      await allocator.fundMatchingPool(tokens(30));
      let [needed, data] = await allocator.checkUpkeep("0x");
      expect(needed).to.equal(false);
      expect(ethers.AbiCoder.defaultAbiCoder().decode(["uint256"], data)[0]).to.equal(tokens(30));
      await allocator.setUpkeepPoolSize(tokens(10));
      await endRound(allocator);
      [needed, data] = await allocator.checkUpkeep("0x");
      expect(needed).to.equal(true);
      expect(ethers.AbiCoder.defaultAbiCoder().decode(["uint256"], data)[0]).to.equal(tokens(10));
      await expect(allocator.connect(users[0]).performUpkeep(data))
        .to.be.revertedWithCustomError(allocator, "AccessControlUnauthorizedAccount")
        .withArgs(users[0].address, await allocator.KEEPER_ROLE());
      await expect(allocator.connect(admin).performUpkeep("0x1234")).to.be.revertedWithCustomError(
        allocator,
        "InvalidPerformData",
      );
      const tooMuch = ethers.AbiCoder.defaultAbiCoder().encode(["uint256"], [tokens(1000)]);
      await expect(allocator.performUpkeep(tooMuch))
        .to.emit(allocator, "RoundFinalized")
        .withArgs(1, tokens(30), 0, 0, 0, (x: bigint) => x > 0n);
      expect((await allocator.checkUpkeep("0x"))[0]).to.equal(false);
    });
  });

  describe("closing gaps and refunds", () => {
    it("refunds the contributions of the open round and of the next, and drops them from matching", async () => {
      const { allocator, token, recipient, users } = await loadFixture(fixture18);
      await allocator.registerGap(gid("keep"), recipient.address, "");
      await allocator.registerGap(gid("drop"), recipient.address, "");
      await contribute(allocator, users[0], "keep", tokens(4));
      await contribute(allocator, users[1], "keep", tokens(9));
      await contribute(allocator, users[0], "drop", tokens(1));
      await contribute(allocator, users[1], "drop", tokens(1));
      const keepW = (await allocator.gapRoundState(gid("keep"), 1))[2];
      expect((await allocator.getRound(1)).gapsFunded).to.equal(2n);
      // The window ends; a late contribution lands in round 2 before the keeper finalises round 1.
      await endRound(allocator);
      await contribute(allocator, users[0], "drop", tokens(2));
      await contribute(allocator, users[2], "drop", tokens(2));
      await expect(allocator.closeGap(gid("drop")))
        .to.emit(allocator, "GapClosed")
        .withArgs(gid("drop"), 1);
      const r1 = await allocator.getRound(1);
      expect(r1.totalWeight).to.equal(keepW);
      expect(r1.gapsFunded).to.equal(1n);
      expect((await allocator.getRound(2)).totalWeight).to.equal(0n);
      await expect(contribute(allocator, users[3], "drop", 1n))
        .to.be.revertedWithCustomError(allocator, "GapIsClosed")
        .withArgs(gid("drop"));

      await allocator.fundMatchingPool(tokens(100));
      await allocator.computeMatchingRound(tokens(100));
      expect(await allocator.matchOf(gid("drop"), 1)).to.equal(0n);
      expect(await allocator.matchOf(gid("keep"), 1)).to.equal(keepW);
      await expect(allocator.withdrawGapFunds(gid("drop")))
        .to.be.revertedWithCustomError(allocator, "NothingToWithdraw")
        .withArgs(gid("drop"));

      const b0 = await token.balanceOf(users[0].address);
      await expect(allocator.connect(users[0]).refundContribution(gid("drop"), 1))
        .to.emit(allocator, "ContributionRefunded")
        .withArgs(gid("drop"), users[0].address, 1, tokens(1));
      await allocator.connect(users[0]).refundContribution(gid("drop"), 2);
      expect((await token.balanceOf(users[0].address)) - b0).to.equal(tokens(3));
      await expect(allocator.connect(users[0]).refundContribution(gid("drop"), 1))
        .to.be.revertedWithCustomError(allocator, "NothingToRefund")
        .withArgs(gid("drop"), users[0].address, 1);
      await allocator.connect(users[1]).refundContribution(gid("drop"), 1);
      await allocator.connect(users[2]).refundContribution(gid("drop"), 2);
      await allocator.withdrawGapFunds(gid("keep"));
      // Everything is paid out: the contract holds exactly the pool left.
      expect(await token.balanceOf(await allocator.getAddress())).to.equal(
        await allocator.matchingPoolBalance(),
      );
    });

    it("a gap closed after a finalised round still pays that round to its recipient", async () => {
      const { allocator, token, recipient, users } = await loadFixture(fixture18);
      await allocator.registerGap(gid("g"), recipient.address, "");
      await contribute(allocator, users[0], "g", tokens(1));
      await contribute(allocator, users[1], "g", tokens(1));
      await allocator.fundMatchingPool(tokens(10));
      await endRound(allocator);
      await allocator.computeMatchingRound(tokens(10));
      await contribute(allocator, users[0], "g", tokens(5));
      await allocator.closeGap(gid("g"));
      await expect(allocator.connect(users[0]).refundContribution(gid("g"), 1))
        .to.be.revertedWithCustomError(allocator, "NothingToRefund")
        .withArgs(gid("g"), users[0].address, 1);
      const before = await token.balanceOf(recipient.address);
      await allocator.withdrawGapFunds(gid("g"));
      // (√1 + √1)² − 2 = 2 tokens of match, within rounding.
      const got = (await token.balanceOf(recipient.address)) - before;
      expect(tokens(4) - got >= 0n && tokens(4) - got < 10n).to.equal(true);
      await allocator.connect(users[0]).refundContribution(gid("g"), 2);
    });

    it("rejects refunds for open gaps and unknown gaps", async () => {
      const { allocator, recipient, users } = await loadFixture(fixture18);
      await allocator.registerGap(gid("g"), recipient.address, "");
      await expect(allocator.connect(users[0]).refundContribution(gid("g"), 1))
        .to.be.revertedWithCustomError(allocator, "GapNotClosed")
        .withArgs(gid("g"));
      await expect(allocator.refundContribution(gid("nope"), 1))
        .to.be.revertedWithCustomError(allocator, "UnknownGap")
        .withArgs(gid("nope"));
    });
  });

  describe("withdrawals", () => {
    it("settles rounds in pages of MAX_ROUNDS_PER_WITHDRAWAL and pays each round exactly once", async () => {
      const { allocator, token, recipient, users } = await loadFixture(fixture18);
      await allocator.registerGap(gid("g"), recipient.address, "");
      const max = Number(await allocator.MAX_ROUNDS_PER_WITHDRAWAL());
      const rounds = max + 3;
      for (let r = 0; r < rounds; r++) {
        await contribute(allocator, users[0], "g", tokens(1));
        await endRound(allocator);
        await allocator.computeMatchingRound(0);
      }
      expect(await allocator.withdrawable(gid("g"))).to.equal(tokens(max));
      await allocator.withdrawGapFunds(gid("g"));
      expect(await token.balanceOf(recipient.address)).to.equal(tokens(1_000_000 + max));
      // A new finalised round arrives while the walk is unfinished: it is paid by a later walk.
      await contribute(allocator, users[0], "g", tokens(1));
      await endRound(allocator);
      await allocator.computeMatchingRound(0);
      await allocator.withdrawGapFunds(gid("g"));
      expect(await token.balanceOf(recipient.address)).to.equal(tokens(1_000_000 + rounds));
      await allocator.withdrawGapFunds(gid("g"));
      expect(await token.balanceOf(recipient.address)).to.equal(tokens(1_000_000 + rounds + 1));
      await expect(allocator.withdrawGapFunds(gid("g")))
        .to.be.revertedWithCustomError(allocator, "NothingToWithdraw")
        .withArgs(gid("g"));
      expect(await token.balanceOf(await allocator.getAddress())).to.equal(0n);
    });

    it("rejects withdrawals for unknown gaps and gaps with nothing finalised", async () => {
      const { allocator, recipient, users } = await loadFixture(fixture18);
      await expect(allocator.withdrawGapFunds(gid("x")))
        .to.be.revertedWithCustomError(allocator, "UnknownGap")
        .withArgs(gid("x"));
      await allocator.registerGap(gid("g"), recipient.address, "");
      await contribute(allocator, users[0], "g", tokens(1));
      await expect(allocator.withdrawGapFunds(gid("g")))
        .to.be.revertedWithCustomError(allocator, "NothingToWithdraw")
        .withArgs(gid("g"));
    });
  });

  describe("custom errors and roles", () => {
    it("rejects bad registrations", async () => {
      const { allocator, recipient } = await loadFixture(fixture18);
      await expect(
        allocator.registerGap(ethers.ZeroHash, recipient.address, ""),
      ).to.be.revertedWithCustomError(allocator, "ZeroGapId");
      await expect(allocator.registerGap(gid("g"), ethers.ZeroAddress, "")).to.be.revertedWithCustomError(
        allocator,
        "ZeroAddress",
      );
      await allocator.registerGap(gid("g"), recipient.address, "uri");
      await expect(allocator.registerGap(gid("g"), recipient.address, ""))
        .to.be.revertedWithCustomError(allocator, "GapAlreadyRegistered")
        .withArgs(gid("g"));
      await expect(allocator.closeGap(gid("x")))
        .to.be.revertedWithCustomError(allocator, "UnknownGap")
        .withArgs(gid("x"));
      await allocator.closeGap(gid("g"));
      await expect(allocator.closeGap(gid("g")))
        .to.be.revertedWithCustomError(allocator, "GapIsClosed")
        .withArgs(gid("g"));
    });

    it("rejects bad contributions and pool sizes", async () => {
      const { allocator, recipient, users } = await loadFixture(fixture18);
      await allocator.registerGap(gid("g"), recipient.address, "");
      await expect(contribute(allocator, users[0], "g", 0n)).to.be.revertedWithCustomError(
        allocator,
        "ZeroAmount",
      );
      await expect(contribute(allocator, users[0], "x", 1n))
        .to.be.revertedWithCustomError(allocator, "UnknownGap")
        .withArgs(gid("x"));
      const max96 = (1n << 96n) - 1n;
      await expect(contribute(allocator, users[0], "g", max96 + 1n))
        .to.be.revertedWithCustomError(allocator, "AmountTooLarge")
        .withArgs(max96 + 1n, max96);
      await expect(allocator.fundMatchingPool(0)).to.be.revertedWithCustomError(allocator, "ZeroAmount");
      await allocator.fundMatchingPool(tokens(5));
      await endRound(allocator);
      await expect(allocator.computeMatchingRound(tokens(6)))
        .to.be.revertedWithCustomError(allocator, "PoolTooSmall")
        .withArgs(tokens(6), tokens(5));
      await expect(allocator.setMatchingSettings(false, 10_001))
        .to.be.revertedWithCustomError(allocator, "InvalidCap")
        .withArgs(10_001);
    });

    it("rejects bad constructor arguments", async () => {
      const { token, admin } = await loadFixture(fixture18);
      const factory = await ethers.getContractFactory("QuadraticFundingAllocator");
      const t19 = await ethers.deployContract("TestToken", ["T", "T", 19]);
      await expect(factory.deploy(await t19.getAddress(), ROUND, admin.address))
        .to.be.revertedWithCustomError(factory, "UnsupportedDecimals")
        .withArgs(19);
      await expect(factory.deploy(await token.getAddress(), 0, admin.address))
        .to.be.revertedWithCustomError(factory, "InvalidRoundDuration")
        .withArgs(0);
      await expect(factory.deploy(await token.getAddress(), 366n * DAY, admin.address))
        .to.be.revertedWithCustomError(factory, "InvalidRoundDuration")
        .withArgs(366n * DAY);
      await expect(factory.deploy(ethers.ZeroAddress, ROUND, admin.address)).to.be.revertedWithCustomError(
        factory,
        "ZeroAddress",
      );
      await expect(
        factory.deploy(await token.getAddress(), ROUND, ethers.ZeroAddress),
      ).to.be.revertedWithCustomError(factory, "ZeroAddress");
    });

    it("guards every role-gated function", async () => {
      const { allocator, users } = await loadFixture(fixture18);
      const outsider = users[5];
      const as = allocator.connect(outsider);
      const CURATOR = await allocator.CURATOR_ROLE();
      const KEEPER = await allocator.KEEPER_ROLE();
      const PAUSER = await allocator.PAUSER_ROLE();
      const ADMIN = await allocator.DEFAULT_ADMIN_ROLE();
      const cases: Array<[() => Promise<unknown>, string]> = [
        [() => as.registerGap(gid("g"), outsider.address, ""), CURATOR],
        [() => as.closeGap(gid("g")), CURATOR],
        [() => as.computeMatchingRound(0), KEEPER],
        [() => as.pause(), PAUSER],
        [() => as.unpause(), PAUSER],
        [() => as.setMatchingSettings(true, 0), ADMIN],
        [() => as.setUpkeepPoolSize(1), ADMIN],
        [() => as.grantRole(KEEPER, outsider.address), ADMIN],
      ];
      for (const [call, role] of cases) {
        await expect(call())
          .to.be.revertedWithCustomError(allocator, "AccessControlUnauthorizedAccount")
          .withArgs(outsider.address, role);
      }
      // A granted keeper may finalise.
      await allocator.grantRole(KEEPER, outsider.address);
      await endRound(allocator);
      await expect(as.computeMatchingRound(0)).to.emit(allocator, "RoundFinalized");
    });

    it("pause blocks contributions and finalisation but not withdrawals, refunds or pool funding", async () => {
      const { allocator, recipient, users } = await loadFixture(fixture18);
      await allocator.registerGap(gid("g"), recipient.address, "");
      await allocator.registerGap(gid("c"), recipient.address, "");
      await contribute(allocator, users[0], "g", tokens(1));
      await contribute(allocator, users[0], "c", tokens(1));
      await endRound(allocator);
      await allocator.computeMatchingRound(0);
      await allocator.closeGap(gid("c"));
      await contribute(allocator, users[1], "g", tokens(1));
      await expect(allocator.pause())
        .to.emit(allocator, "PausedSet")
        .withArgs((await ethers.getSigners())[0], true);
      expect(await allocator.paused()).to.equal(true);
      await expect(allocator.pause()).to.be.revertedWithCustomError(allocator, "ContractPaused");
      await expect(contribute(allocator, users[0], "g", 1n)).to.be.revertedWithCustomError(
        allocator,
        "ContractPaused",
      );
      await endRound(allocator);
      await expect(allocator.computeMatchingRound(0)).to.be.revertedWithCustomError(
        allocator,
        "ContractPaused",
      );
      expect((await allocator.checkUpkeep("0x"))[0]).to.equal(false);
      await allocator.withdrawGapFunds(gid("g"));
      await allocator.withdrawGapFunds(gid("c"));
      await allocator.fundMatchingPool(1n);
      await allocator.unpause();
      await expect(allocator.unpause()).to.be.revertedWithCustomError(allocator, "ContractNotPaused");
      await allocator.computeMatchingRound(0);
    });
  });

  describe("permit and views", () => {
    it("contributes with an EIP-2612 permit, and survives a front-run permit", async () => {
      const { allocator, token, recipient, signers, address } = await loadFixture(fixture18);
      await allocator.registerGap(gid("g"), recipient.address, "");
      const owner = ethers.Wallet.createRandom().connect(ethers.provider);
      await signers[0].sendTransaction({ to: owner.address, value: tokens(1) });
      await token.mint(owner.address, tokens(10));
      const sign = async (value: bigint, deadline: bigint) => {
        const domain = {
          name: await token.name(),
          version: "1",
          chainId: (await ethers.provider.getNetwork()).chainId,
          verifyingContract: await token.getAddress(),
        };
        const types = {
          Permit: [
            { name: "owner", type: "address" },
            { name: "spender", type: "address" },
            { name: "value", type: "uint256" },
            { name: "nonce", type: "uint256" },
            { name: "deadline", type: "uint256" },
          ],
        };
        const nonce = await token.nonces(owner.address);
        return ethers.Signature.from(
          await owner.signTypedData(domain, types, {
            owner: owner.address,
            spender: address,
            value,
            nonce,
            deadline,
          }),
        );
      };
      const deadline = BigInt(await time.latest()) + 3600n;
      let sig = await sign(tokens(3), deadline);
      await allocator
        .connect(owner)
        .contributeToGapWithPermit(gid("g"), tokens(3), deadline, sig.v, sig.r, sig.s);
      expect(await allocator.contributionOf(gid("g"), owner.address, 1)).to.equal(tokens(3));
      // Someone submits the permit first: the contribution still goes through on the allowance.
      sig = await sign(tokens(2), deadline);
      await token.permit(owner.address, address, tokens(2), deadline, sig.v, sig.r, sig.s);
      await allocator
        .connect(owner)
        .contributeToGapWithPermit(gid("g"), tokens(2), deadline, sig.v, sig.r, sig.s);
      expect(await allocator.contributionOf(gid("g"), owner.address, 1)).to.equal(tokens(5));
      // No permit and no allowance: the token's own error surfaces.
      await expect(
        allocator
          .connect(owner)
          .contributeToGapWithPermit(gid("g"), tokens(1), deadline, sig.v, sig.r, sig.s),
      ).to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance");
    });

    it("reports gap stats, pages all gaps and sums the totals", async () => {
      const { allocator, recipient, users } = await loadFixture(fixture18);
      for (let g = 0; g < 5; g++) await allocator.registerGap(gid(`g${g}`), recipient.address, `uri${g}`);
      await contribute(allocator, users[0], "g1", tokens(4));
      await contribute(allocator, users[1], "g1", tokens(1));
      await contribute(allocator, users[0], "g3", tokens(2));
      await allocator.fundMatchingPool(tokens(100));
      const s = await allocator.getGapFundingStats(gid("g1"));
      expect(s.recipient).to.equal(recipient.address);
      expect(s.metadataURI).to.equal("uri1");
      expect(s.directTotal).to.equal(tokens(5));
      expect(s.contributorCount).to.equal(2n);
      expect(s.currentRoundDirect).to.equal(tokens(5));
      // (2 + 1)² − 5 = 4 tokens of weight; the pool covers it, so the estimate is the weight.
      expect(s.estimatedMatch).to.equal(s.currentRoundWeight);
      expect(tokens(4) - s.currentRoundWeight < 100n).to.equal(true);
      const [page, totals] = await allocator.getAllGapsFunding(1, 3);
      expect(page.map((p) => p.gapId)).to.deep.equal([gid("g1"), gid("g2"), gid("g3")]);
      expect(totals.gapCount).to.equal(5n);
      expect(totals.directTotal).to.equal(tokens(7));
      expect(totals.matchingPool).to.equal(tokens(100));
      expect((await allocator.getAllGapsFunding(4, 10))[0].length).to.equal(1);
      expect((await allocator.getAllGapsFunding(9, 10))[0].length).to.equal(0);
      expect(await allocator.gapCount()).to.equal(5n);
      expect(await allocator.gapIdAt(2)).to.equal(gid("g2"));
      await expect(allocator.getGapFundingStats(gid("zz")))
        .to.be.revertedWithCustomError(allocator, "UnknownGap")
        .withArgs(gid("zz"));
      expect((await allocator.getRound(0)).status).to.equal(0n);
      expect((await allocator.getRound(9)).status).to.equal(0n);
    });
  });
});
