/**
 * Bad input for every external function of both contracts: zero amounts, 2²⁵⁶ − 1 and its
 * neighbours, unknown ids, zero addresses, and speeds, limits and h that would overflow h·s or
 * L·(2/π). Each row expects one custom error with its arguments and proves that every view and
 * token balance reads the same afterwards.
 */
import { expect } from "chai";
import { ethers, loadFixture, time } from "../helpers/chain";
import type { BaseContract } from "ethers";
import type { TestToken } from "../../typechain-types";
import * as pm from "../../sdk/math/pledges";
import { D, fromWad, refCampaign, refSolve, relErr } from "../helpers/pledges-reference";
import {
  AnyToken,
  CState,
  DAY,
  MAX_UINT,
  Mode,
  Policy,
  ROUND,
  WAD,
  allocatorSnapshot,
  createCampaign,
  deployAllocator,
  deployPledges,
  gid,
  pledgesSnapshot,
  readMath,
  settle,
  tok,
} from "../helpers/security";

const U96 = (1n << 96n) - 1n;
const U112 = (1n << 112n) - 1n;
const G = gid("open");
const C = gid("closed");
const X = gid("never-registered");

/** One bad call: what it does, the contract whose error is expected, the error and its arguments. */
type Row = [label: string, call: () => Promise<unknown>, on: BaseContract, error: string, args: unknown[]];

async function expectRows(rows: Row[], snapshot: () => Promise<unknown>): Promise<void> {
  for (const [label, call, on, error, args] of rows) {
    const before = await snapshot();
    await expect(call(), label)
      .to.be.revertedWithCustomError(on, error)
      .withArgs(...args);
    expect(await snapshot(), `${label}: state changed`).to.deep.equal(before);
  }
}

async function allocatorFixture() {
  const [admin, recipient, u0, u1, outsider] = await ethers.getSigners();
  const token = (await ethers.deployContract("TestToken", ["T", "T", 18])) as unknown as TestToken;
  const allocator = await deployAllocator(await token.getAddress());
  const address = await allocator.getAddress();
  const any = new AnyToken(await token.getAddress());
  for (const s of [admin, u0, u1, outsider]) await any.fund(s, address, 1n << 200n);
  await allocator.registerGap(G, recipient.address, "");
  await allocator.registerGap(C, recipient.address, "");
  await allocator.connect(u0).contributeToGap(G, tok(1));
  await allocator.connect(u0).contributeToGap(C, tok(2));
  await allocator.closeGap(C);
  await allocator.fundMatchingPool(tok(50));
  const accounts = [admin, recipient, u0, u1, outsider].map((s) => s.address);
  const snapshot = () => allocatorSnapshot(allocator, any, accounts);
  return { allocator, token, admin, recipient, u0, u1, outsider, snapshot };
}

async function pledgesFixture() {
  const [creator, recipient, u0, u1, outsider] = await ethers.getSigners();
  const token = (await ethers.deployContract("TestToken", ["T", "T", 18])) as unknown as TestToken;
  const token6 = (await ethers.deployContract("TestToken", ["S", "S", 6])) as unknown as TestToken;
  const cp = await deployPledges();
  const address = await cp.getAddress();
  const [t18, t6] = [new AnyToken(await token.getAddress()), new AnyToken(await token6.getAddress())];
  for (const s of [u0, u1, outsider]) {
    await t18.fund(s, address, 10n ** 40n);
    await t6.fund(s, address, 10n ** 28n);
  }
  const deadline = (await time.latest()) + 7 * DAY;
  const base = { recipient: recipient.address, deadline, initialSpeed: WAD / 10n };
  const open = await createCampaign(cp, t18.address, { ...base, minLimit: 10n });
  await cp.connect(u0).pledge(open, tok(100));
  await cp.connect(u1).pledge(open, tok(60));
  // One pledge per address: the withdrawn pledge 2 is the outsider's (u1 pledging again would raise pledge 1).
  await cp.connect(outsider).pledge(open, tok(5));
  await cp.connect(outsider).withdrawPledge(open, 2);
  const six = await createCampaign(cp, t6.address, base);
  await cp.connect(u0).pledge(six, tok(3, 6));
  const cancelled = await createCampaign(cp, t18.address, base);
  await cp.cancelCampaign(cancelled);
  const accounts = [creator, recipient, u0, u1, outsider].map((s) => s.address);
  const snapshot = async () => [await pledgesSnapshot(cp, t18, accounts), await pledgesSnapshot(cp, t6, [])];
  return {
    cp,
    token,
    token6,
    t18,
    t6,
    creator,
    recipient,
    u0,
    u1,
    outsider,
    deadline,
    open,
    six,
    cancelled,
    snapshot,
  };
}

describe("Security: bad input everywhere", () => {
  describe("QuadraticFundingAllocator", () => {
    it("constructor: zero addresses, non-tokens, > 18 decimals, bad durations", async () => {
      const { token, admin, recipient } = await loadFixture(allocatorFixture);
      const f = await ethers.getContractFactory("QuadraticFundingAllocator");
      const t = await token.getAddress();
      const t19 = await (await ethers.deployContract("TestToken", ["N", "N", 19])).getAddress();
      const noDecimals = await (await deployPledges()).getAddress();
      const cases: Array<[string, [string, bigint, string], string, unknown[]]> = [
        ["zero token", [ethers.ZeroAddress, BigInt(ROUND), admin.address], "ZeroAddress", []],
        ["zero admin", [t, BigInt(ROUND), ethers.ZeroAddress], "ZeroAddress", []],
        [
          "token without code",
          [recipient.address, BigInt(ROUND), admin.address],
          "InvalidToken",
          [recipient.address],
        ],
        [
          "token without decimals()",
          [noDecimals, BigInt(ROUND), admin.address],
          "InvalidToken",
          [noDecimals],
        ],
        ["19 decimals", [t19, BigInt(ROUND), admin.address], "UnsupportedDecimals", [19]],
        ["zero duration", [t, 0n, admin.address], "InvalidRoundDuration", [0]],
        [
          "duration 365 days + 1",
          [t, 365n * 86_400n + 1n, admin.address],
          "InvalidRoundDuration",
          [365n * 86_400n + 1n],
        ],
        ["duration 2²⁵⁶ − 1", [t, MAX_UINT, admin.address], "InvalidRoundDuration", [MAX_UINT]],
      ];
      for (const [label, args, error, errArgs] of cases) {
        await expect(f.deploy(...args), label)
          .to.be.revertedWithCustomError(f, error)
          .withArgs(...errArgs);
      }
      // The boundaries themselves are accepted.
      const ok = await f.deploy(t, 365n * 86_400n, admin.address);
      expect(await ok.roundDuration()).to.equal(365n * 86_400n);
    });

    it("every state-changing function before the round ends: a custom error each, state unchanged", async () => {
      const { allocator, u0, u1, recipient, snapshot } = await loadFixture(allocatorFixture);
      const a = allocator;
      const { endTime } = await a.getRound(1);
      const prev = tok(1); // u0's total in gap G this round
      const pool = tok(50);
      const enc = (n: bigint) => ethers.AbiCoder.defaultAbiCoder().encode(["uint256"], [n]);
      const as0 = a.connect(u0);
      const rows: Row[] = [
        [
          "registerGap zero id",
          () => a.registerGap(ethers.ZeroHash, recipient.address, ""),
          a,
          "ZeroGapId",
          [],
        ],
        ["registerGap zero recipient", () => a.registerGap(X, ethers.ZeroAddress, ""), a, "ZeroAddress", []],
        ["registerGap twice", () => a.registerGap(G, recipient.address, ""), a, "GapAlreadyRegistered", [G]],
        ["closeGap unknown", () => a.closeGap(X), a, "UnknownGap", [X]],
        ["closeGap zero id", () => a.closeGap(ethers.ZeroHash), a, "UnknownGap", [ethers.ZeroHash]],
        ["closeGap twice", () => a.closeGap(C), a, "GapIsClosed", [C]],
        ["contribute 0", () => as0.contributeToGap(G, 0), a, "ZeroAmount", []],
        ["contribute unknown gap", () => as0.contributeToGap(X, 1), a, "UnknownGap", [X]],
        [
          "contribute zero gap id",
          () => as0.contributeToGap(ethers.ZeroHash, 1),
          a,
          "UnknownGap",
          [ethers.ZeroHash],
        ],
        ["contribute closed gap", () => as0.contributeToGap(C, 1), a, "GapIsClosed", [C]],
        [
          "contribute 2²⁵⁶ − 1 on top",
          () => as0.contributeToGap(G, MAX_UINT),
          a,
          "AmountTooLarge",
          [MAX_UINT, U96 - prev],
        ],
        [
          "contribute 2²⁵⁶ − 2 on top",
          () => as0.contributeToGap(G, MAX_UINT - 1n),
          a,
          "AmountTooLarge",
          [MAX_UINT - 1n, U96 - prev],
        ],
        [
          "contribute 2²⁵⁶ − 1 first",
          () => a.connect(u1).contributeToGap(G, MAX_UINT),
          a,
          "AmountTooLarge",
          [MAX_UINT, U96],
        ],
        [
          "contribute 2⁹⁶",
          () => a.connect(u1).contributeToGap(G, U96 + 1n),
          a,
          "AmountTooLarge",
          [U96 + 1n, U96],
        ],
        [
          "contribute one above the room",
          () => as0.contributeToGap(G, U96 - prev + 1n),
          a,
          "AmountTooLarge",
          [U96 - prev + 1n, U96 - prev],
        ],
        [
          "permit-contribute 0",
          () => as0.contributeToGapWithPermit(G, 0, 0, 0, ethers.ZeroHash, ethers.ZeroHash),
          a,
          "ZeroAmount",
          [],
        ],
        [
          "permit-contribute unknown",
          () => as0.contributeToGapWithPermit(X, 1, 0, 0, ethers.ZeroHash, ethers.ZeroHash),
          a,
          "UnknownGap",
          [X],
        ],
        [
          "permit-contribute 2²⁵⁶ − 1",
          () => as0.contributeToGapWithPermit(G, MAX_UINT, MAX_UINT, 27, ethers.ZeroHash, ethers.ZeroHash),
          a,
          "AmountTooLarge",
          [MAX_UINT, U96 - prev],
        ],
        ["fund 0", () => a.fundMatchingPool(0), a, "ZeroAmount", []],
        ["fund 2²⁵⁶ − 1", () => a.fundMatchingPool(MAX_UINT), a, "AmountTooLarge", [MAX_UINT, U112 - pool]],
        [
          "fund one above the room",
          () => a.fundMatchingPool(U112 - pool + 1n),
          a,
          "AmountTooLarge",
          [U112 - pool + 1n, U112 - pool],
        ],
        ["finalise early", () => a.computeMatchingRound(0), a, "RoundNotOver", [1, endTime]],
        [
          "finalise early with 2²⁵⁶ − 1",
          () => a.computeMatchingRound(MAX_UINT),
          a,
          "RoundNotOver",
          [1, endTime],
        ],
        ["performUpkeep early", () => a.performUpkeep(enc(MAX_UINT)), a, "RoundNotOver", [1, endTime]],
        ["performUpkeep empty data", () => a.performUpkeep("0x"), a, "InvalidPerformData", []],
        ["performUpkeep 33 bytes", () => a.performUpkeep(enc(1n) + "00"), a, "InvalidPerformData", []],
        ["withdraw unknown", () => a.withdrawGapFunds(X), a, "UnknownGap", [X]],
        ["withdraw zero id", () => a.withdrawGapFunds(ethers.ZeroHash), a, "UnknownGap", [ethers.ZeroHash]],
        ["withdraw before any round", () => a.withdrawGapFunds(G), a, "NothingToWithdraw", [G]],
        ["refund unknown gap", () => as0.refundContribution(X, 1), a, "UnknownGap", [X]],
        ["refund open gap", () => as0.refundContribution(G, 1), a, "GapNotClosed", [G]],
        ["refund round 0", () => as0.refundContribution(C, 0), a, "NothingToRefund", [C, u0.address, 0]],
        [
          "refund round 2²⁵⁶ − 1",
          () => as0.refundContribution(C, MAX_UINT),
          a,
          "NothingToRefund",
          [C, u0.address, MAX_UINT],
        ],
        [
          "refund round 2³² + 1 (truncation)",
          () => as0.refundContribution(C, (1n << 32n) + 1n),
          a,
          "NothingToRefund",
          [C, u0.address, (1n << 32n) + 1n],
        ],
        [
          "refund by a non-contributor",
          () => a.connect(u1).refundContribution(C, 1),
          a,
          "NothingToRefund",
          [C, u1.address, 1],
        ],
        ["sweep round 0", () => a.sweepRound(0), a, "RoundNotFinalized", [0]],
        ["sweep the open round", () => a.sweepRound(1), a, "RoundNotFinalized", [1]],
        ["sweep round 2²⁵⁶ − 1", () => a.sweepRound(MAX_UINT), a, "RoundNotFinalized", [MAX_UINT]],
        ["cap 10,001 bps", () => a.setMatchingSettings(false, 10_001), a, "InvalidCap", [10_001]],
        ["cap 2²⁵⁶ − 1", () => a.setMatchingSettings(true, MAX_UINT), a, "InvalidCap", [MAX_UINT]],
        ["unpause when not paused", () => a.unpause(), a, "ContractNotPaused", []],
      ];
      await expectRows(rows, snapshot);
      // The exact room is accepted: u0's total reaches 2⁹⁶ − 1 exactly.
      await as0.contributeToGap(G, U96 - prev);
      expect(await a.contributionOf(G, u0.address, 1)).to.equal(U96);
    });

    it("after the round ends: pool sizes above the pool or above 2⁹⁶ − 1, state unchanged", async () => {
      const { allocator: a, snapshot } = await loadFixture(allocatorFixture);
      await a.fundMatchingPool(U96 + 5n - tok(50));
      const pool = U96 + 5n;
      await time.increaseTo((await a.getRound(1)).endTime);
      const rows: Row[] = [
        ["pool + 1", () => a.computeMatchingRound(pool + 1n), a, "PoolTooSmall", [pool + 1n, pool]],
        ["2²⁵⁶ − 1", () => a.computeMatchingRound(MAX_UINT), a, "PoolTooSmall", [MAX_UINT, pool]],
        [
          "2⁹⁶ (in the pool, above the round's field)",
          () => a.computeMatchingRound(U96 + 1n),
          a,
          "AmountTooLarge",
          [U96 + 1n, U96],
        ],
        [
          "performUpkeep 2⁹⁶ (capped at the pool, still too large)",
          () => a.performUpkeep(ethers.AbiCoder.defaultAbiCoder().encode(["uint256"], [MAX_UINT])),
          a,
          "AmountTooLarge",
          [pool, U96],
        ],
      ];
      await expectRows(rows, snapshot);
      await expect(a.computeMatchingRound(U96)).to.emit(a, "RoundFinalized");
    });

    it("views: unknown ids read as zeros or revert with UnknownGap", async () => {
      const { allocator: a, u0 } = await loadFixture(allocatorFixture);
      await expect(a.getGapFundingStats(X)).to.be.revertedWithCustomError(a, "UnknownGap").withArgs(X);
      expect(await a.gapIdAt(1)).to.equal(C);
      await expect(a.gapIdAt(2)).to.be.revertedWithCustomError(a, "GapIndexOutOfRange").withArgs(2, 2);
      await expect(a.gapIdAt(MAX_UINT))
        .to.be.revertedWithCustomError(a, "GapIndexOutOfRange")
        .withArgs(MAX_UINT, 2);
      expect(await a.withdrawable(X)).to.equal(0n);
      expect(await a.contributionOf(X, u0.address, 1)).to.equal(0n);
      expect(await a.matchOf(X, MAX_UINT)).to.equal(0n);
      expect(await a.gapRoundState(X, MAX_UINT)).to.deep.equal([0n, 0n, 0n]);
      const r = await a.getRound(MAX_UINT);
      expect([r.roundNumber, r.status, r.startTime]).to.deep.equal([0n, 0n, 0n]);
      const [rows, totals] = await a.getAllGapsFunding(MAX_UINT, MAX_UINT);
      expect(rows.length).to.equal(0);
      expect(totals.gapCount).to.equal(2n);
      const [all] = await a.getAllGapsFunding(1, MAX_UINT);
      expect(all.map((g) => g.gapId)).to.deep.equal([C]);
    });
  });

  describe("CoordinatedPledges", () => {
    it("createCampaign: boundaries of speed, decay, minimum limit and addresses", async () => {
      const { cp, t18, t6, recipient, deadline } = await loadFixture(pledgesFixture);
      const allocator = await deployAllocator(t6.address);
      const allocatorAddress = await allocator.getAddress();
      const base = {
        token: t18.address,
        recipient: recipient.address,
        deadline,
        mode: Mode.Quadratic as number,
        policy: Policy.Constant as number,
        initialSpeed: WAD,
        decay: WAD,
        minLimit: 0n,
        allocator: ethers.ZeroAddress,
        gapId: ethers.ZeroHash,
      };
      const now = BigInt(await time.latest());
      const create = (o: Partial<typeof base>) => () => cp.createCampaign({ ...base, ...o });
      const maxRaw6 = pm.MAX_ESCROW / 10n ** 12n;
      const rows: Row[] = [
        ["zero token", create({ token: ethers.ZeroAddress }), cp, "ZeroAddress", []],
        ["zero recipient", create({ recipient: ethers.ZeroAddress }), cp, "ZeroAddress", []],
        ["speed 0", create({ initialSpeed: 0n }), cp, "InvalidSpeed", [0, pm.MAX_SPEED]],
        [
          "speed MAX_SPEED + 1 (h·s could overflow)",
          create({ initialSpeed: pm.MAX_SPEED + 1n }),
          cp,
          "InvalidSpeed",
          [pm.MAX_SPEED + 1n, pm.MAX_SPEED],
        ],
        ["speed 2²⁵⁶ − 1", create({ initialSpeed: MAX_UINT }), cp, "InvalidSpeed", [MAX_UINT, pm.MAX_SPEED]],
        ["geometric decay 0", create({ policy: Policy.Geometric, decay: 0n }), cp, "InvalidDecay", [0]],
        [
          "geometric decay 1 + 1e-18",
          create({ policy: Policy.Geometric, decay: WAD + 1n }),
          cp,
          "InvalidDecay",
          [WAD + 1n],
        ],
        [
          "geometric decay 2²⁵⁶ − 1",
          create({ policy: Policy.Geometric, decay: MAX_UINT }),
          cp,
          "InvalidDecay",
          [MAX_UINT],
        ],
        [
          "min limit above the escrow cap",
          create({ minLimit: pm.MAX_ESCROW + 1n }),
          cp,
          "LimitTooLarge",
          [pm.MAX_ESCROW + 1n, pm.MAX_ESCROW],
        ],
        [
          "min limit 2²⁵⁶ − 1",
          create({ minLimit: MAX_UINT }),
          cp,
          "LimitTooLarge",
          [MAX_UINT, pm.MAX_ESCROW],
        ],
        [
          "6 decimals: min limit above the cap",
          create({ token: t6.address, minLimit: maxRaw6 + 1n }),
          cp,
          "LimitTooLarge",
          [maxRaw6 + 1n, maxRaw6],
        ],
        [
          "deadline = the block time",
          create({ deadline: Number(now) + 1 }),
          cp,
          "DeadlineNotInFuture",
          [now + 1n, (t: bigint) => t >= now + 1n],
        ],
        ["deadline 0", create({ deadline: 0 }), cp, "DeadlineNotInFuture", [0, (t: bigint) => t >= now + 1n]],
        ["gap id without allocator", create({ gapId: G }), cp, "InvalidAllocator", [ethers.ZeroAddress, G]],
        [
          "allocator of another token",
          create({ allocator: allocatorAddress, gapId: G }),
          cp,
          "AllocatorTokenMismatch",
          [allocatorAddress, t6.address, t18.address],
        ],
      ];
      const snapshot = async () => [await cp.campaignCount(), await t18.balanceOf(await cp.getAddress())];
      await expectRows(rows, snapshot);
      // Exactly the bounds are accepted.
      await cp.createCampaign({ ...base, initialSpeed: pm.MAX_SPEED, minLimit: pm.MAX_ESCROW });
      await cp.createCampaign({
        ...base,
        policy: Policy.Geometric,
        decay: WAD,
        token: t6.address,
        minLimit: maxRaw6,
      });
    });

    it("every other function: unknown ids, zero and 2²⁵⁶ − 1 amounts, bad brackets, state unchanged", async () => {
      const f = await loadFixture(pledgesFixture);
      const { cp, u0, outsider, open, six, cancelled } = f;
      const escrow = tok(160); // open: 100 + 60 active (the 5 was withdrawn)
      const room = pm.MAX_ESCROW - escrow;
      const room6 = pm.MAX_ESCROW / 10n ** 12n - tok(3, 6);
      const none = 99n;
      const as0 = cp.connect(u0);
      const beforeDeadline: Row[] = [
        ["pledge unknown campaign", () => as0.pledge(none, tok(1)), cp, "UnknownCampaign", [none]],
        ["pledge campaign 0", () => as0.pledge(0, tok(1)), cp, "UnknownCampaign", [0]],
        ["pledge campaign 2²⁵⁶ − 1", () => as0.pledge(MAX_UINT, tok(1)), cp, "UnknownCampaign", [MAX_UINT]],
        ["pledge 0", () => as0.pledge(open, 0), cp, "LimitTooSmall", [0, 10]],
        // A new pledge (u0's would be a raise, which only needs limit > 0).
        [
          "pledge below the minimum",
          () => cp.connect(outsider).pledge(open, 9),
          cp,
          "LimitTooSmall",
          [9, 10],
        ],
        [
          "pledge 2²⁵⁶ − 1 (L·s would overflow)",
          () => as0.pledge(open, MAX_UINT),
          cp,
          "LimitTooLarge",
          [MAX_UINT, room],
        ],
        [
          "pledge one above the escrow cap",
          () => as0.pledge(open, room + 1n),
          cp,
          "LimitTooLarge",
          [room + 1n, room],
        ],
        [
          "6 decimals: pledge 2²⁵⁶ − 1 (L·scale would overflow)",
          () => as0.pledge(six, MAX_UINT),
          cp,
          "LimitTooLarge",
          [MAX_UINT, room6],
        ],
        [
          "6 decimals: one above the cap",
          () => as0.pledge(six, room6 + 1n),
          cp,
          "LimitTooLarge",
          [room6 + 1n, room6],
        ],
        [
          "pledge into a cancelled campaign",
          () => as0.pledge(cancelled, tok(1)),
          cp,
          "InvalidCampaignState",
          [cancelled, CState.Cancelled],
        ],
        ["withdraw unknown campaign", () => as0.withdrawPledge(none, 0), cp, "UnknownCampaign", [none]],
        [
          "withdraw pledge 2²⁵⁶ − 1",
          () => as0.withdrawPledge(open, MAX_UINT),
          cp,
          "UnknownPledge",
          [open, MAX_UINT],
        ],
        ["withdraw pledge never made", () => as0.withdrawPledge(open, 3), cp, "UnknownPledge", [open, 3]],
        [
          "withdraw someone else's",
          () => as0.withdrawPledge(open, 1),
          cp,
          "NotPledger",
          [open, 1, u0.address],
        ],
        [
          "withdraw twice",
          () => cp.connect(outsider).withdrawPledge(open, 2),
          cp,
          "PledgeNotActive",
          [open, 2, 2],
        ],
        ["cancel unknown", () => cp.cancelCampaign(none), cp, "UnknownCampaign", [none]],
        [
          "cancel by a stranger",
          () => cp.connect(outsider).cancelCampaign(open),
          cp,
          "NotCreator",
          [open, outsider.address],
        ],
        [
          "cancel twice",
          () => cp.cancelCampaign(cancelled),
          cp,
          "InvalidCampaignState",
          [cancelled, CState.Cancelled],
        ],
        ["settle unknown", () => cp.settle(none, 1, 1, 0), cp, "UnknownCampaign", [none]],
        [
          "settle before the deadline",
          () => cp.settle(open, 1, 1, 0),
          cp,
          "DeadlineNotReached",
          [open, f.deadline],
        ],
        [
          "settle cancelled",
          () => cp.settle(cancelled, 0, 0, 0),
          cp,
          "InvalidCampaignState",
          [cancelled, CState.Cancelled],
        ],
        ["claim unknown campaign", () => cp.claim(none, 0), cp, "UnknownCampaign", [none]],
        ["claim pledge 2²⁵⁶ − 1", () => cp.claim(open, MAX_UINT), cp, "UnknownPledge", [open, MAX_UINT]],
        [
          "claim pledge 2³² (past the array)",
          () => cp.claim(open, 1n << 32n),
          cp,
          "UnknownPledge",
          [open, 1n << 32n],
        ],
        ["claim pledge never made", () => cp.claim(open, 3), cp, "UnknownPledge", [open, 3]],
        ["claim before settlement", () => cp.claim(open, 0), cp, "InvalidCampaignState", [open, CState.Open]],
        [
          "claim in a campaign without pledges",
          () => cp.claim(cancelled, 0),
          cp,
          "UnknownPledge",
          [cancelled, 0],
        ],
        ["claimPot unknown", () => cp.claimPot(none), cp, "UnknownCampaign", [none]],
        ["claimPot before settlement", () => cp.claimPot(open), cp, "PotNotClaimable", [open]],
        [
          "claimPot of a cancelled campaign",
          () => cp.claimPot(cancelled),
          cp,
          "PotNotClaimable",
          [cancelled],
        ],
      ];
      await expectRows(beforeDeadline, f.snapshot);

      await time.increaseTo(f.deadline);
      const b = pm.findBracket(await readMath(cp, open));
      const width = pm.maxBracketWidth(b.hLow);
      const m = await readMath(cp, open);
      const MAX_H = pm.MAX_H;
      const afterDeadline: Row[] = [
        ["pledge at the deadline", () => as0.pledge(open, tok(1)), cp, "DeadlinePassed", [open, f.deadline]],
        [
          "withdraw at the deadline",
          () => as0.withdrawPledge(open, 0),
          cp,
          "DeadlinePassed",
          [open, f.deadline],
        ],
        ["cancel at the deadline", () => cp.cancelCampaign(open), cp, "DeadlinePassed", [open, f.deadline]],
        [
          "reversed bracket",
          () => cp.settle(open, b.hHigh + 1n, b.hLow, 0),
          cp,
          "InvalidBracket",
          [b.hHigh + 1n, b.hLow],
        ],
        [
          "hHigh 2²⁵⁶ − 1 (h·s would overflow)",
          () => cp.settle(open, b.hLow, MAX_UINT, 0),
          cp,
          "InvalidBracket",
          [b.hLow, MAX_UINT],
        ],
        [
          "hLow = hHigh = 2²⁵⁶ − 1",
          () => cp.settle(open, MAX_UINT, MAX_UINT, 0),
          cp,
          "InvalidBracket",
          [MAX_UINT, MAX_UINT],
        ],
        [
          "hHigh = MAX_H + 1",
          () => cp.settle(open, MAX_H + 1n, MAX_H + 1n, 0),
          cp,
          "InvalidBracket",
          [MAX_H + 1n, MAX_H + 1n],
        ],
        [
          "h = MAX_H (accepted range, wrong root)",
          () => cp.settle(open, MAX_H, MAX_H, 0),
          cp,
          "HTooHigh",
          [MAX_H, pm.evaluate(m, MAX_H).g],
        ],
        [
          "too wide by one wei",
          () => cp.settle(open, b.hLow, b.hLow + width + 1n, 0),
          cp,
          "BracketTooWide",
          [b.hLow, b.hLow + width + 1n, width],
        ],
        ["[0, 2²⁵⁶ − 1]", () => cp.settle(open, 0, MAX_UINT, 0), cp, "InvalidBracket", [0, MAX_UINT]],
        [
          "h = 0 with a positive root",
          () => cp.settle(open, 0, 0, MAX_UINT),
          cp,
          "TrivialRootRejected",
          [open, BigInt(f.deadline) + 30n * 86_400n],
        ],
      ];
      await expectRows(afterDeadline, f.snapshot);

      // maxPledges = 2²⁵⁶ − 1 is clamped to one page, and the campaign settles.
      await cp.settle(open, b.hLow, b.hHigh, MAX_UINT);
      const settledRows: Row[] = [
        [
          "settle twice",
          () => cp.settle(open, b.hLow, b.hHigh, 0),
          cp,
          "InvalidCampaignState",
          [open, CState.Settled],
        ],
        [
          "cancel after settlement",
          () => cp.cancelCampaign(open),
          cp,
          "InvalidCampaignState",
          [open, CState.Settled],
        ],
        ["claim a withdrawn pledge", () => cp.claim(open, 2), cp, "NothingToClaim", [open, 2]],
      ];
      await expectRows(settledRows, f.snapshot);
      await cp.claim(open, 0);
      await expectRows(
        [["claim twice", () => cp.claim(open, 0), cp, "NothingToClaim", [open, 0]]],
        f.snapshot,
      );
    });

    it("views: unknown ids and out-of-range h revert with custom errors; huge pages are clamped", async () => {
      const { cp, open, six } = await loadFixture(pledgesFixture);
      const none = 99n;
      const cases: Array<[string, () => Promise<unknown>, string, unknown[]]> = [
        ["getCampaign 0", () => cp.getCampaign(0), "UnknownCampaign", [0]],
        ["getCampaign 2²⁵⁶ − 1", () => cp.getCampaign(MAX_UINT), "UnknownCampaign", [MAX_UINT]],
        ["pledgeCount unknown", () => cp.pledgeCount(none), "UnknownCampaign", [none]],
        ["getPledge 2²⁵⁶ − 1", () => cp.getPledge(open, MAX_UINT), "UnknownPledge", [open, MAX_UINT]],
        ["getPledges unknown", () => cp.getPledges(none, 0, 1), "UnknownCampaign", [none]],
        ["solve unknown", () => cp.solve(none), "UnknownCampaign", [none]],
        [
          "paymentAt h = 2²⁵⁶ − 1",
          () => cp.paymentAt(open, 0, MAX_UINT),
          "InvalidBracket",
          [MAX_UINT, MAX_UINT],
        ],
        [
          "paymentAt pledge 2²⁵⁶ − 1",
          () => cp.paymentAt(open, MAX_UINT, 1),
          "UnknownPledge",
          [open, MAX_UINT],
        ],
        [
          "evaluate h = MAX_H + 1",
          () => cp.evaluate(open, pm.MAX_H + 1n),
          "InvalidBracket",
          [pm.MAX_H + 1n, pm.MAX_H + 1n],
        ],
        ["evaluate unknown", () => cp.evaluate(none, 1), "UnknownCampaign", [none]],
        ["previewPledge unknown", () => cp.previewPledge(none, 1), "UnknownCampaign", [none]],
        ["previewPledge 0", () => cp.previewPledge(open, 0), "LimitTooSmall", [0, 10]],
        [
          "previewPledge 2²⁵⁶ − 1",
          () => cp.previewPledge(open, MAX_UINT),
          "LimitTooLarge",
          [MAX_UINT, pm.MAX_ESCROW - tok(160)],
        ],
        [
          "previewPledge 6 decimals 2²⁵⁶ − 1",
          () => cp.previewPledge(six, MAX_UINT),
          "LimitTooLarge",
          [MAX_UINT, pm.MAX_ESCROW / 10n ** 12n - tok(3, 6)],
        ],
        [
          "marginalLeverage pledge 2²⁵⁶ − 1",
          () => cp.marginalLeverage(open, MAX_UINT),
          "UnknownPledge",
          [open, MAX_UINT],
        ],
        ["marginalLeverage unknown", () => cp.marginalLeverage(none, 0), "UnknownCampaign", [none]],
      ];
      for (const [label, call, error, args] of cases) {
        await expect(call(), label)
          .to.be.revertedWithCustomError(cp, error)
          .withArgs(...args);
      }
      const [limits] = await cp.getPledges(open, MAX_UINT, MAX_UINT);
      expect(limits.length).to.equal(0);
      expect((await cp.getPledges(open, 1, MAX_UINT))[0]).to.deep.equal([tok(60), tok(5)]);
      expect(await cp.campaignsDue(MAX_UINT, MAX_UINT)).to.deep.equal([]);
      expect(await cp.paymentAt(open, 0, pm.MAX_H)).to.equal(pm.paymentAt(tok(100), WAD / 10n, pm.MAX_H));
      const s = await cp.getSession(none, MAX_UINT, MAX_UINT);
      expect([s.cursor, s.gAtLow, s.gAtHigh, s.pot]).to.deep.equal([0n, 0n, 0n, 0n]);
    });

    it("the extreme accepted campaign (speed 1e9, escrow 1e20 tokens) settles without overflow", async () => {
      const { cp, t18, u0, u1, recipient } = await loadFixture(pledgesFixture);
      for (const mode of [Mode.Quadratic, Mode.Linear]) {
        const id = await createCampaign(cp, t18.address, {
          recipient: recipient.address,
          deadline: (await time.latest()) + DAY,
          mode,
          initialSpeed: pm.MAX_SPEED,
        });
        await cp.connect(u0).pledge(id, pm.MAX_ESCROW / 2n);
        await cp.connect(u1).pledge(id, pm.MAX_ESCROW / 2n);
        await expect(cp.connect(u1).pledge(id, 1))
          .to.be.revertedWithCustomError(cp, "LimitTooLarge")
          .withArgs(1, 0);
        const b = await settle(cp, id);
        // Independent reference: h = Σ√pᵢ(h) or Σpᵢ(h) with L = 5e19 tokens, s = 1e9, in decimal.js.
        const h = refSolve(refCampaign(mode === Mode.Quadratic, ["5e19", "5e19"], ["1e9", "1e9"]));
        expect(relErr(fromWad(b.hLow), h)).to.be.lessThan(1e-12);
        const c = await cp.getCampaign(id);
        let refunds = 0n;
        for (const k of [0, 1]) {
          const refund = await cp.claim.staticCall(id, k);
          await cp.claim(id, k);
          refunds += refund;
          // Exact refund at the settled h: L·(1 − (2/π)·atan(h·s)), far below 1e-18 of L here, so the
          // fixed point (rounding payments down, atan within 2 units of 1e-18) refunds between it and
          // it + 3·L·1e-18 + 1 raw units.
          const L = new D((pm.MAX_ESCROW / 2n).toString());
          const exact = L.mul(
            new D(1).minus(new D(2).div(D.acos(-1)).mul(D.atan(fromWad(b.hLow).mul("1e9")))),
          );
          expect(new D(refund.toString()).gte(exact.floor())).to.equal(true, `${refund} < ${exact}`);
          expect(new D(refund.toString()).lte(exact.plus(L.mul(3e-18)).plus(1))).to.equal(true, `${refund}`);
        }
        expect(refunds + c.pot).to.equal(pm.MAX_ESCROW);
      }
    });
  });
});
