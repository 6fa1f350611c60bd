import { expect } from "chai";
import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import type {
  CoordinatedPledges,
  PledgeFeeToken,
  PledgeMockAllocator,
  PledgeReentrantToken,
  QuadraticFundingAllocator,
  TestToken,
} from "../../typechain-types";
import * as pm from "../../sdk/math/pledges";
import { ethers, loadFixture, time } from "../helpers/chain";
import {
  D,
  fromWad,
  refCampaign,
  refLeverage,
  refPayment,
  refSolve,
  relErr,
} from "../helpers/pledges-reference";
import { distinctPledgers } from "../helpers/pledgers";

const WAD = 10n ** 18n;
const DAY = 86_400;
const GAP = ethers.id("pledges-gap");
const tok = (n: number | string, decimals = 18): bigint => ethers.parseUnits(String(n), decimals);
const Mode = { Quadratic: 0, Linear: 1 } as const;
const Policy = { Constant: 0, Geometric: 1 } as const;
const State = { None: 0, Open: 1, Cancelled: 2, Settled: 3 } as const;
const PState = { None: 0, Active: 1, Withdrawn: 2, Claimed: 3 } as const;

interface CreateOptions {
  token?: string;
  recipient?: string;
  deadline?: number;
  mode?: number;
  policy?: number;
  initialSpeed?: bigint;
  decay?: bigint;
  minLimit?: bigint;
  allocator?: string;
  gapId?: string;
}

async function deployFixture() {
  const signers = await ethers.getSigners();
  const [creator, recipient, ...users] = signers;
  const token = (await ethers.deployContract("TestToken", ["Test", "TST", 18])) as unknown as TestToken;
  const token6 = (await ethers.deployContract("TestToken", ["Six", "SIX", 6])) as unknown as TestToken;
  const cp = (await ethers.deployContract("CoordinatedPledges")) as unknown as CoordinatedPledges;
  const cpAddress = await cp.getAddress();
  for (const s of signers) {
    for (const t of [token, token6]) {
      await t.mint(s.address, tok(1_000_000_000, Number(await t.decimals())));
      await t.connect(s).approve(cpAddress, ethers.MaxUint256);
    }
  }
  const allocator = (await ethers.deployContract("QuadraticFundingAllocator", [
    await token.getAddress(),
    6 * 3600,
    creator.address,
  ])) as unknown as QuadraticFundingAllocator;
  await allocator.registerGap(GAP, recipient.address, "ipfs://gap");
  const mockAllocator = (await ethers.deployContract("PledgeMockAllocator", [
    await token.getAddress(),
  ])) as unknown as PledgeMockAllocator;
  const deadline = (await time.latest()) + 7 * DAY;
  return {
    cp,
    cpAddress,
    token,
    token6,
    allocator,
    mockAllocator,
    creator,
    recipient,
    users,
    signers,
    deadline,
  };
}
type Fixture = Awaited<ReturnType<typeof deployFixture>>;

async function create(fx: Fixture, o: CreateOptions = {}): Promise<bigint> {
  const params = {
    token: o.token ?? (await fx.token.getAddress()),
    recipient: o.recipient ?? fx.recipient.address,
    deadline: o.deadline ?? fx.deadline,
    mode: o.mode ?? Mode.Quadratic,
    policy: o.policy ?? Policy.Constant,
    initialSpeed: o.initialSpeed ?? WAD / 10n,
    decay: o.decay ?? WAD,
    minLimit: o.minLimit ?? 0n,
    allocator: o.allocator ?? ethers.ZeroAddress,
    gapId: o.gapId ?? ethers.ZeroHash,
  };
  const id = (await fx.cp.campaignCount()) + 1n;
  await fx.cp.connect(fx.creator).createCampaign(params);
  return id;
}

/** Reads a campaign's settlement inputs from the chain into the SDK's math shape. */
async function readMath(cp: CoordinatedPledges, id: bigint): Promise<pm.CampaignMath> {
  const c = await cp.getCampaign(id);
  const [limits, speeds, states] = await cp.getPledges(id, 0, c.pledgeCount);
  return {
    mode: Number(c.mode) as pm.Mode,
    scale: c.scale,
    pledges: limits.map((limit, k) => ({
      limit,
      speed: speeds[k],
      active: Number(states[k]) !== PState.Withdrawn,
    })),
  };
}

/**
 * n distinct pledgers: the fixture's users, then fresh funded addresses (one pledge per address per
 * campaign: a second pledge from the same address would raise the first).
 */
async function pledgers(fx: Fixture, n: number) {
  if (n <= fx.users.length) return fx.users.slice(0, n);
  const more = n - fx.users.length;
  const extra = await distinctPledgers([fx.token, fx.token6], fx.cpAddress, more, 10n ** 30n);
  return [...fx.users, ...extra];
}

/** One pledge per limit, each from its own address. */
async function pledgeAll(fx: Fixture, id: bigint, limits: bigint[]): Promise<void> {
  const who = await pledgers(fx, limits.length);
  for (let k = 0; k < limits.length; k++) await fx.cp.connect(who[k]).pledge(id, limits[k]);
}

/** Settles with the SDK's tightest bracket; returns the bracket. */
async function settleExact(fx: Fixture, id: bigint, maxPledges = 0n): Promise<pm.Bracket> {
  const b = pm.findBracket(await readMath(fx.cp, id));
  for (;;) {
    await fx.cp.settle(id, b.hLow, b.hHigh, maxPledges);
    if (Number((await fx.cp.getCampaign(id)).state) === State.Settled) return b;
  }
}

async function claimAll(fx: Fixture, id: bigint): Promise<bigint> {
  const n = await fx.cp.pledgeCount(id);
  let total = 0n;
  for (let k = 0n; k < n; k++) {
    const p = await fx.cp.getPledge(id, k);
    if (Number(p.state) !== PState.Active) continue;
    const before = await fx.token.balanceOf(p.pledger);
    await fx.cp.claim(id, k);
    total += (await fx.token.balanceOf(p.pledger)) - before;
  }
  return total;
}

describe("CoordinatedPledges", () => {
  describe("reference vectors", () => {
    it("L=[1], s=[1] settles at h = 1/√3 and p = 1/3 (arctan(1/√3) = π/6)", async () => {
      const fx = await loadFixture(deployFixture);
      const id = await create(fx, { initialSpeed: WAD });
      await fx.cp.connect(fx.users[0]).pledge(id, tok(1));
      await time.increaseTo(fx.deadline);
      await settleExact(fx, id);
      const c = await fx.cp.getCampaign(id);
      const exactH = new D(1).div(new D(3).sqrt());
      expect(relErr(fromWad(c.h), exactH)).to.be.lessThan(1e-15);
      expect(relErr(fromWad(c.pot), new D(1).div(3))).to.be.lessThan(1e-15);
      const before = await fx.token.balanceOf(fx.users[0].address);
      await expect(fx.cp.claim(id, 0))
        .to.emit(fx.cp, "RefundClaimed")
        .withArgs(id, 0, fx.users[0].address, tok(1) - c.pot, c.pot);
      expect((await fx.token.balanceOf(fx.users[0].address)) - before).to.equal(tok(1) - c.pot);
    });

    it("L=[100,100], s=0.1: h ≈ 16.070323328, pᵢ ≈ 64.563822966, leverage ≈ 1.124323807", async () => {
      const fx = await loadFixture(deployFixture);
      const id = await create(fx, { initialSpeed: WAD / 10n });
      await pledgeAll(fx, id, [tok(100), tok(100)]);
      const ref = refCampaign(true, [100, 100], ["0.1", "0.1"]);
      const h = refSolve(ref);
      expect(h.toFixed(9)).to.equal("16.070323328");
      expect(refPayment(ref.limits[0], ref.speeds[0], h).toFixed(9)).to.equal("64.563822966");
      expect(refLeverage(ref, 0, h).toFixed(9)).to.equal("1.124323807");
      // Live views before the deadline.
      const live = await fx.cp.solve(id);
      expect(relErr(fromWad(live), h)).to.be.lessThan(1e-15);
      expect(relErr(fromWad(await fx.cp.marginalLeverage(id, 0)), refLeverage(ref, 0, h))).to.be.lessThan(
        1e-12,
      );
      await time.increaseTo(fx.deadline);
      await settleExact(fx, id);
      const c = await fx.cp.getCampaign(id);
      expect(relErr(fromWad(c.h), h)).to.be.lessThan(1e-15);
      const p0 = await fx.cp.paymentAt(id, 0, c.h);
      expect(relErr(fromWad(p0), refPayment(ref.limits[0], ref.speeds[0], h))).to.be.lessThan(1e-15);
      expect(c.pot).to.equal(2n * p0);
      expect(relErr(fromWad(await fx.cp.marginalLeverage(id, 1)), refLeverage(ref, 1, h))).to.be.lessThan(
        1e-12,
      );
    });

    it("L=[1], s=[1], linear mode collapses to h = 0 and refunds everything", async () => {
      const fx = await loadFixture(deployFixture);
      const id = await create(fx, { mode: Mode.Linear, initialSpeed: WAD });
      await fx.cp.connect(fx.users[0]).pledge(id, tok(1));
      expect(await fx.cp.solve(id)).to.equal(0n);
      await time.increaseTo(fx.deadline);
      await expect(fx.cp.settle(id, 0, 0, 0))
        .to.emit(fx.cp, "CampaignSettled")
        .withArgs(id, anyValue, 0, 0);
      await expect(fx.cp.claim(id, 0)).to.changeTokenBalances(
        ethers,
        fx.token,
        [fx.users[0], fx.cp],
        [tok(1), -tok(1)],
      );
      expect(await fx.cp.claimPot.staticCall(id)).to.equal(0n);
    });
  });

  describe("closed forms and exactness", () => {
    it("single quadratic pledger: h = √(L·(2/π)·atan(h·s)) to 1e-15", async () => {
      const fx = await loadFixture(deployFixture);
      const id = await create(fx, { initialSpeed: (WAD * 3n) / 1000n });
      await fx.cp.connect(fx.users[0]).pledge(id, tok(250));
      await time.increaseTo(fx.deadline);
      await settleExact(fx, id);
      const h = fromWad((await fx.cp.getCampaign(id)).h);
      const rhs = refPayment(new D(250), new D("0.003"), h).sqrt();
      expect(relErr(h, rhs)).to.be.lessThan(1e-15);
    });

    it("single linear pledger above the threshold: h = L·(2/π)·atan(h·s), pot = h", async () => {
      const fx = await loadFixture(deployFixture);
      const id = await create(fx, { mode: Mode.Linear, initialSpeed: WAD / 10n });
      await fx.cp.connect(fx.users[0]).pledge(id, tok(100));
      await time.increaseTo(fx.deadline);
      await settleExact(fx, id);
      const c = await fx.cp.getCampaign(id);
      const h = fromWad(c.h);
      expect(relErr(h, refPayment(new D(100), new D("0.1"), h))).to.be.lessThan(1e-15);
      expect(relErr(fromWad(c.pot), h)).to.be.lessThan(1e-15);
      expect(relErr(h, refSolve(refCampaign(false, [100], ["0.1"])))).to.be.lessThan(1e-15);
    });

    it("n equal quadratic pledges: h = n·√(L·(2/π)·atan(h·s))", async () => {
      const fx = await loadFixture(deployFixture);
      const id = await create(fx, { initialSpeed: WAD / 50n });
      await pledgeAll(fx, id, Array(7).fill(tok(40)));
      await time.increaseTo(fx.deadline);
      await settleExact(fx, id);
      const h = fromWad((await fx.cp.getCampaign(id)).h);
      expect(relErr(h, refPayment(new D(40), new D("0.02"), h).sqrt().mul(7))).to.be.lessThan(1e-15);
    });

    it("linear collapse is decided exactly at (2/π)·ΣLs = 1", async () => {
      const fx = await loadFixture(deployFixture);
      // s·L = ⌊π/2·1e18⌋/1e18 < π/2: collapse; one wei of speed more: a positive root exists.
      const below = await create(fx, { mode: Mode.Linear, initialSpeed: 1570796326794896619n });
      const above = await create(fx, { mode: Mode.Linear, initialSpeed: 1570796326794896620n });
      await fx.cp.connect(fx.users[0]).pledge(below, tok(1));
      await fx.cp.connect(fx.users[0]).pledge(above, tok(1));
      await time.increaseTo(fx.deadline);
      await expect(fx.cp.settle(below, 0, 0, 0)).to.emit(fx.cp, "CampaignSettled");
      await expect(fx.cp.settle(above, 0, 0, 0))
        .to.be.revertedWithCustomError(fx.cp, "TrivialRootRejected")
        .withArgs(above, BigInt(fx.deadline + 30 * DAY));
    });

    it("quadratic and linear solutions agree with decimal.js on a mixed 6-decimal campaign", async () => {
      const fx = await loadFixture(deployFixture);
      for (const mode of [Mode.Quadratic, Mode.Linear]) {
        const id = await create(fx, {
          token: await fx.token6.getAddress(),
          mode,
          policy: Policy.Geometric,
          initialSpeed: WAD / 4n,
          decay: (WAD * 9n) / 10n,
        });
        const limits = ["12.5", "3", "250.000001", "0.75", "40", "9.99"].map((x) => tok(x, 6));
        await pledgeAll(fx, id, limits);
        const m = await readMath(fx.cp, id);
        const ref = refCampaign(
          mode === Mode.Quadratic,
          limits.map((l) => new D(l.toString()).div(1e6)),
          m.pledges.map((p) => fromWad(p.speed)),
        );
        const h = refSolve(ref);
        expect(relErr(fromWad(await fx.cp.solve(id)), h)).to.be.lessThan(1e-12);
        expect(relErr(new D(pm.solveFloat(m)), h)).to.be.lessThan(1e-12);
      }
    });
  });

  describe("policies", () => {
    it("constant: every pledge gets s₀", async () => {
      const fx = await loadFixture(deployFixture);
      const id = await create(fx, { initialSpeed: 123456789n });
      for (let k = 0; k < 3; k++) {
        await expect(fx.cp.connect(fx.users[k]).pledge(id, tok(1)))
          .to.emit(fx.cp, "Pledged")
          .withArgs(id, k, fx.users[k].address, tok(1), 123456789n);
      }
    });

    it("geometric: s_k = ⌊s_{k−1}·r⌋ from s₀; a withdrawn pledge keeps its place unless it is the latest", async () => {
      const fx = await loadFixture(deployFixture);
      const s0 = 777777777777777777n;
      const r = 333333333333333333n;
      const id = await create(fx, { policy: Policy.Geometric, initialSpeed: s0, decay: r });
      const expected = [s0];
      for (let k = 1; k < 5; k++) expected.push((expected[k - 1] * r) / WAD);
      expect(pm.policySpeeds(pm.Policy.Geometric, s0, r, 5)).to.deep.equal(expected);
      await fx.cp.connect(fx.users[0]).pledge(id, tok(1)); // s₀
      await fx.cp.connect(fx.users[1]).pledge(id, tok(2)); // s₁
      await fx.cp.connect(fx.users[2]).pledge(id, tok(2)); // s₂
      await fx.cp.connect(fx.users[1]).withdrawPledge(id, 1); // not the latest: s₁'s place stays taken
      await fx.cp.connect(fx.users[2]).withdrawPledge(id, 2); // the latest: its slot s₂ is released
      expect((await fx.cp.getCampaign(id)).nextSpeed).to.equal(expected[2]);
      for (let k = 3; k < 5; k++) {
        await expect(fx.cp.connect(fx.users[k]).pledge(id, tok(1)))
          .to.emit(fx.cp, "Pledged")
          .withArgs(id, k, fx.users[k].address, tok(1), expected[k - 1]);
      }
      expect((await fx.cp.getCampaign(id)).nextSpeed).to.equal(expected[4]);
    });

    it("geometric: pledge/withdraw pairs cost nothing to the next honest pledger (speed exhaustion)", async () => {
      const fx = await loadFixture(deployFixture);
      const s0 = 10n ** 17n;
      const id = await create(fx, { policy: Policy.Geometric, initialSpeed: s0, decay: WAD / 2n });
      const attacker = fx.cp.connect(fx.users[0]);
      // 2⁵⁷ > 10¹⁷: 60 halvings would take the geometric speed to 0 if every pledge kept its place.
      for (let k = 0n; k < 60n; k++) {
        await attacker.pledge(id, 1n);
        await attacker.withdrawPledge(id, k);
      }
      await expect(fx.cp.connect(fx.users[1]).pledge(id, tok(1)))
        .to.emit(fx.cp, "Pledged")
        .withArgs(id, 60n, fx.users[1].address, tok(1), s0);
    });

    it("geometric: speeds decay to the floor ⌊s₀/10⁶⌋ (at least 1) and pledging never shuts", async () => {
      const fx = await loadFixture(deployFixture);
      const s0 = 10n ** 17n;
      const floor = s0 / 10n ** 6n;
      const id = await create(fx, { policy: Policy.Geometric, initialSpeed: s0, decay: WAD / 2n });
      // Closed form for r = 1/2: s_k = max(⌊s₀/2ᵏ⌋, floor) (halving with floors is ⌊s₀/2ᵏ⌋).
      const who = await pledgers(fx, 24);
      for (let k = 0n; k < 24n; k++) {
        const halved = s0 / 2n ** k;
        const want = halved > floor ? halved : floor;
        await expect(fx.cp.connect(who[Number(k)]).pledge(id, 1n))
          .to.emit(fx.cp, "Pledged")
          .withArgs(id, k, who[Number(k)].address, 1n, want);
      }
      expect(pm.policySpeeds(pm.Policy.Geometric, s0, WAD / 2n, 24).slice(-3)).to.deep.equal([
        floor,
        floor,
        floor,
      ]);
      // The smallest s₀ floors at 1: 3, 1, 1, … — never 0.
      const tiny = await create(fx, { policy: Policy.Geometric, initialSpeed: 3n, decay: WAD / 2n });
      for (const [k, want] of [3n, 1n, 1n, 1n].entries()) {
        await expect(fx.cp.connect(fx.users[k]).pledge(tiny, tok(1)))
          .to.emit(fx.cp, "Pledged")
          .withArgs(tiny, anyValue, fx.users[k].address, tok(1), want);
      }
    });
  });

  describe("withdraw, cancel, claim", () => {
    it("withdrawPledge refunds the full limit and removes the pledge from the solution", async () => {
      const fx = await loadFixture(deployFixture);
      const id = await create(fx);
      await pledgeAll(fx, id, [tok(100), tok(100), tok(50)]);
      const [u0, u1] = fx.users;
      const tx = fx.cp.connect(u1).withdrawPledge(id, 1);
      await expect(tx).to.emit(fx.cp, "PledgeWithdrawn").withArgs(id, 1, u1.address, tok(100));
      await expect(tx).to.changeTokenBalances(ethers, fx.token, [u1, fx.cp], [tok(100), -tok(100)]);
      const c = await fx.cp.getCampaign(id);
      expect(c.escrow).to.equal(tok(150));
      expect(c.sumLimitSpeed).to.equal(tok(150) * (WAD / 10n));
      expect((await fx.cp.getPledge(id, 1)).state).to.equal(PState.Withdrawn);
      expect(await fx.cp.paymentAt(id, 1, WAD)).to.equal(0n);
      await expect(fx.cp.connect(u1).withdrawPledge(id, 1))
        .to.be.revertedWithCustomError(fx.cp, "PledgeNotActive")
        .withArgs(id, 1, PState.Withdrawn);
      await expect(fx.cp.connect(u1).withdrawPledge(id, 0))
        .to.be.revertedWithCustomError(fx.cp, "NotPledger")
        .withArgs(id, 0, u1.address);
      await time.increaseTo(fx.deadline);
      await expect(fx.cp.connect(u0).withdrawPledge(id, 0))
        .to.be.revertedWithCustomError(fx.cp, "DeadlinePassed")
        .withArgs(id, fx.deadline);
      await settleExact(fx, id);
      await expect(fx.cp.claim(id, 1)).to.be.revertedWithCustomError(fx.cp, "NothingToClaim").withArgs(id, 1);
      const ref = refSolve(refCampaign(true, [100, 50], ["0.1", "0.1"]));
      expect(relErr(fromWad((await fx.cp.getCampaign(id)).h), ref)).to.be.lessThan(1e-15);
    });

    it("cancelCampaign: only the creator, before the deadline; every pledge claims its full limit once", async () => {
      const fx = await loadFixture(deployFixture);
      const id = await create(fx);
      await pledgeAll(fx, id, [tok(10), tok(20)]);
      await expect(fx.cp.connect(fx.users[0]).cancelCampaign(id))
        .to.be.revertedWithCustomError(fx.cp, "NotCreator")
        .withArgs(id, fx.users[0].address);
      await expect(fx.cp.connect(fx.creator).cancelCampaign(id))
        .to.emit(fx.cp, "CampaignCancelled")
        .withArgs(id, fx.creator.address);
      await expect(fx.cp.connect(fx.users[2]).pledge(id, tok(1)))
        .to.be.revertedWithCustomError(fx.cp, "InvalidCampaignState")
        .withArgs(id, State.Cancelled);
      await expect(fx.cp.connect(fx.creator).cancelCampaign(id))
        .to.be.revertedWithCustomError(fx.cp, "InvalidCampaignState")
        .withArgs(id, State.Cancelled);
      // Anyone may trigger the claim; the pledger is paid.
      await expect(fx.cp.connect(fx.users[5]).claim(id, 1)).to.changeTokenBalances(
        ethers,
        fx.token,
        [fx.users[1], fx.users[5]],
        [tok(20), 0],
      );
      await expect(fx.cp.claim(id, 1)).to.be.revertedWithCustomError(fx.cp, "NothingToClaim").withArgs(id, 1);
      await expect(fx.cp.claim(id, 0)).to.changeTokenBalance(ethers, fx.token, fx.users[0], tok(10));
      await expect(fx.cp.claimPot(id)).to.be.revertedWithCustomError(fx.cp, "PotNotClaimable").withArgs(id);
      await time.increaseTo(fx.deadline);
      await expect(fx.cp.settle(id, 0, 0, 0))
        .to.be.revertedWithCustomError(fx.cp, "InvalidCampaignState")
        .withArgs(id, State.Cancelled);
      await expect(
        fx.cp.connect(fx.creator).cancelCampaign(await create(fx, { deadline: fx.deadline + 10 })),
      ).to.emit(fx.cp, "CampaignCancelled");
    });

    it("cancel after the deadline is rejected", async () => {
      const fx = await loadFixture(deployFixture);
      const id = await create(fx);
      await time.increaseTo(fx.deadline);
      await expect(fx.cp.connect(fx.creator).cancelCampaign(id))
        .to.be.revertedWithCustomError(fx.cp, "DeadlinePassed")
        .withArgs(id, fx.deadline);
    });

    it("claims pay refunds once, the pot once, and refunds + pot = escrow exactly", async () => {
      const fx = await loadFixture(deployFixture);
      const id = await create(fx, {
        policy: Policy.Geometric,
        initialSpeed: WAD / 3n,
        decay: (WAD * 97n) / 100n,
      });
      const limits: bigint[] = [];
      for (let k = 0; k < 40; k++) limits.push(tok(1 + ((k * 37) % 101)) + BigInt(k * 1_000_003));
      await pledgeAll(fx, id, limits);
      await fx.cp.connect(fx.users[3]).withdrawPledge(id, 3);
      await expect(fx.cp.claim(id, 0))
        .to.be.revertedWithCustomError(fx.cp, "InvalidCampaignState")
        .withArgs(id, State.Open);
      await time.increaseTo(fx.deadline);
      await settleExact(fx, id);
      const c = await fx.cp.getCampaign(id);
      const m = await readMath(fx.cp, id);
      // Every payment ≤ its limit and equal to the mirror's.
      for (let k = 0; k < m.pledges.length; k++) {
        const p = await fx.cp.paymentAt(id, k, c.h);
        expect(p).to.equal(
          m.pledges[k].active ? pm.paymentAt(m.pledges[k].limit, m.pledges[k].speed, c.h) : 0n,
        );
        expect(p).to.be.lte(m.pledges[k].limit);
      }
      const balanceBefore = await fx.token.balanceOf(fx.cpAddress);
      const refunds = await claimAll(fx, id);
      await expect(fx.cp.claimPot(id)).to.changeTokenBalance(ethers, fx.token, fx.recipient, c.pot);
      expect(refunds + c.pot).to.equal(c.escrow);
      expect(balanceBefore - (await fx.token.balanceOf(fx.cpAddress))).to.equal(c.escrow);
      await expect(fx.cp.claimPot(id)).to.be.revertedWithCustomError(fx.cp, "PotNotClaimable").withArgs(id);
      await expect(fx.cp.claim(id, 0)).to.be.revertedWithCustomError(fx.cp, "NothingToClaim").withArgs(id, 0);
    });
  });

  describe("settlement", () => {
    it("pages across several transactions; a bogus session never disturbs an honest one", async () => {
      const fx = await loadFixture(deployFixture);
      const id = await create(fx, { initialSpeed: WAD / 20n });
      const limits = Array.from({ length: 23 }, (_, k) => tok(5 + k));
      await pledgeAll(fx, id, limits);
      const m = await readMath(fx.cp, id);
      const b = pm.findBracket(m);
      expect(b.hHigh - b.hLow).to.be.lte(1n);
      await time.increaseTo(fx.deadline);
      await expect(fx.cp.settle(id, b.hLow, b.hHigh, 10))
        .to.emit(fx.cp, "SettlementProgressed")
        .withArgs(id, anyValue, b.hLow, b.hHigh, 10, 23);
      // A griefer starts a session with a wrong bracket; it runs independently.
      await fx.cp.settle(id, b.hLow + 1000n, b.hLow + 1000n, 5);
      const s = await fx.cp.getSession(id, b.hLow, b.hHigh);
      const partial = pm.pass(m, b.hLow, b.hHigh, 0, 10);
      // The view shows the partial sums like h (UD60x18, rounded down).
      const perH = pm.gPerH(m.mode === pm.Mode.Quadratic);
      expect([s.cursor, s.gAtLow, s.gAtHigh, s.pot]).to.deep.equal([
        10n,
        partial.gLow / perH,
        partial.gHigh / perH,
        partial.pot,
      ]);
      expect(await fx.cp.settle.staticCall(id, b.hLow, b.hHigh, 10)).to.deep.equal([false, 20n]);
      await fx.cp.settle(id, b.hLow, b.hHigh, 10);
      const expected = pm.pass(m, b.hLow, b.hHigh);
      await expect(fx.cp.settle(id, b.hLow, b.hHigh, 10))
        .to.emit(fx.cp, "CampaignSettled")
        .withArgs(id, fx.signers[0].address, b.hLow, expected.pot);
      // The griefer's session cannot continue after settlement.
      await expect(fx.cp.settle(id, b.hLow + 1000n, b.hLow + 1000n, 5))
        .to.be.revertedWithCustomError(fx.cp, "InvalidCampaignState")
        .withArgs(id, State.Settled);
      expect((await fx.cp.getSession(id, b.hLow, b.hHigh)).cursor).to.equal(0n);
    });

    it("rejects wrong brackets with the computed values", async () => {
      const fx = await loadFixture(deployFixture);
      const id = await create(fx, { initialSpeed: WAD / 10n });
      await pledgeAll(fx, id, [tok(100), tok(60), tok(30)]);
      const m = await readMath(fx.cp, id);
      const { hLow, hHigh } = pm.findBracket(m);
      await expect(fx.cp.settle(id, hLow, hHigh, 0))
        .to.be.revertedWithCustomError(fx.cp, "DeadlineNotReached")
        .withArgs(id, fx.deadline);
      // Stale bracket: computed before the last pledge.
      await fx.cp.connect(fx.users[5]).pledge(id, tok(10));
      await time.increaseTo(fx.deadline);
      const g = (h: bigint) => pm.evaluate(m, h).g;
      const fresh = await readMath(fx.cp, id);
      const gFresh = (h: bigint) => pm.evaluate(fresh, h).g;
      await expect(fx.cp.settle(id, hLow, hHigh, 0))
        .to.be.revertedWithCustomError(fx.cp, "HTooLow")
        .withArgs(hHigh, gFresh(hHigh));
      expect(g(hHigh)).to.be.lte(hHigh); // it was valid for the old pledge set
      const b = pm.findBracket(fresh);
      // Too high: both ends above the root.
      const up = b.hHigh + 10n ** 9n;
      await expect(fx.cp.settle(id, up, up, 0))
        .to.be.revertedWithCustomError(fx.cp, "HTooHigh")
        .withArgs(up, gFresh(up));
      // Too low: both ends below the root.
      const down = b.hLow - 10n ** 9n;
      await expect(fx.cp.settle(id, down, down + 1n, 0))
        .to.be.revertedWithCustomError(fx.cp, "HTooLow")
        .withArgs(down + 1n, gFresh(down + 1n));
      // h = 0 while a positive root exists.
      await expect(fx.cp.settle(id, 0, 0, 0))
        .to.be.revertedWithCustomError(fx.cp, "TrivialRootRejected")
        .withArgs(id, BigInt(fx.deadline + 30 * DAY));
      // Too wide, and reversed.
      const width = pm.maxBracketWidth(b.hLow);
      await expect(fx.cp.settle(id, b.hLow, b.hLow + width + 1n, 0))
        .to.be.revertedWithCustomError(fx.cp, "BracketTooWide")
        .withArgs(b.hLow, b.hLow + width + 1n, width);
      await expect(fx.cp.settle(id, b.hHigh, b.hLow, 0))
        .to.be.revertedWithCustomError(fx.cp, "InvalidBracket")
        .withArgs(b.hHigh, b.hLow);
      await expect(fx.cp.settle(id, 0, pm.MAX_H + 1n, 0))
        .to.be.revertedWithCustomError(fx.cp, "InvalidBracket")
        .withArgs(0, pm.MAX_H + 1n);
      // The widest accepted bracket around the root settles.
      expect(pm.checkBracket(fresh, b.hLow, b.hLow + width).ok).to.equal(true);
      await expect(fx.cp.settle(id, b.hLow, b.hLow + width, 0)).to.emit(fx.cp, "CampaignSettled");
    });

    it("an empty campaign (or one whose pledges were all withdrawn) settles at 0", async () => {
      const fx = await loadFixture(deployFixture);
      const id = await create(fx);
      await fx.cp.connect(fx.users[0]).pledge(id, tok(3));
      await fx.cp.connect(fx.users[0]).withdrawPledge(id, 0);
      await time.increaseTo(fx.deadline);
      await expect(fx.cp.settle(id, 1, 1, 0))
        .to.be.revertedWithCustomError(fx.cp, "HTooHigh")
        .withArgs(1, 0);
      await expect(fx.cp.settle(id, 0, 0, 0))
        .to.emit(fx.cp, "CampaignSettled")
        .withArgs(id, anyValue, 0, 0);
      await expect(fx.cp.claimPot(id))
        .to.emit(fx.cp, "PotClaimed")
        .withArgs(id, fx.recipient.address, 0, false);
    });

    it("after the grace period an unsettled campaign may settle at 0 (full refunds)", async () => {
      const fx = await loadFixture(deployFixture);
      const id = await create(fx);
      await fx.cp.connect(fx.users[0]).pledge(id, tok(3));
      await time.setNextBlockTimestamp(fx.deadline + 30 * DAY - 1);
      await expect(fx.cp.settle(id, 0, 0, 0)).to.be.revertedWithCustomError(fx.cp, "TrivialRootRejected");
      // Hardhat 3 estimates gas first, so the rejected call mines no block and the next block is still
      // due one second early: settle in the block at exactly the end of the grace period.
      await time.setNextBlockTimestamp(fx.deadline + 30 * DAY);
      await expect(fx.cp.settle(id, 0, 0, 0))
        .to.emit(fx.cp, "CampaignSettled")
        .withArgs(id, anyValue, 0, 0);
      await expect(fx.cp.claim(id, 0)).to.changeTokenBalance(ethers, fx.token, fx.users[0], tok(3));
    });

    it("half-open windows: pledging ends and settlement starts exactly at the deadline", async () => {
      const fx = await loadFixture(deployFixture);
      const id = await create(fx);
      await time.setNextBlockTimestamp(fx.deadline - 1);
      await fx.cp.connect(fx.users[0]).pledge(id, tok(1));
      await time.setNextBlockTimestamp(fx.deadline);
      await expect(fx.cp.connect(fx.users[0]).pledge(id, tok(1)))
        .to.be.revertedWithCustomError(fx.cp, "DeadlinePassed")
        .withArgs(id, fx.deadline);
      const b = pm.findBracket(await readMath(fx.cp, id));
      await time.setNextBlockTimestamp(fx.deadline + 1);
      await expect(fx.cp.settle(id, b.hLow, b.hHigh, 0)).to.emit(fx.cp, "CampaignSettled");
    });
  });

  describe("the pot", () => {
    it("goes into the allocator gap via contributeToGap", async () => {
      const fx = await loadFixture(deployFixture);
      const id = await create(fx, { allocator: await fx.allocator.getAddress(), gapId: GAP });
      await pledgeAll(fx, id, [tok(100), tok(100)]);
      await time.increaseTo(fx.deadline);
      await settleExact(fx, id);
      const pot = (await fx.cp.getCampaign(id)).pot;
      const before = (await fx.allocator.getGapFundingStats(GAP)).directTotal;
      const tx = fx.cp.claimPot(id);
      await expect(tx)
        .to.emit(fx.cp, "PotClaimed")
        .withArgs(id, await fx.allocator.getAddress(), pot, true);
      await expect(tx).to.changeTokenBalances(ethers, fx.token, [fx.cp, fx.allocator], [-pot, pot]);
      expect((await fx.allocator.getGapFundingStats(GAP)).directTotal - before).to.equal(pot);
      expect(await fx.token.allowance(fx.cpAddress, await fx.allocator.getAddress())).to.equal(0n);
    });

    it("goes to the recipient when the gap rejects it (closed gap)", async () => {
      const fx = await loadFixture(deployFixture);
      const alloc = await fx.allocator.getAddress();
      const id = await create(fx, { allocator: alloc, gapId: GAP });
      await pledgeAll(fx, id, [tok(50)]);
      await fx.allocator.closeGap(GAP);
      await time.increaseTo(fx.deadline);
      await settleExact(fx, id);
      const pot = (await fx.cp.getCampaign(id)).pot;
      const tx = fx.cp.claimPot(id);
      await expect(tx)
        .to.emit(fx.cp, "GapContributionFailed")
        .withArgs(id, alloc, GAP)
        .and.to.emit(fx.cp, "PotClaimed")
        .withArgs(id, fx.recipient.address, pot, false);
      await expect(tx).to.changeTokenBalance(ethers, fx.token, fx.recipient, pot);
      expect(await fx.token.allowance(fx.cpAddress, alloc)).to.equal(0n);
    });

    /** Finalises allocator rounds (pool 0) until round `round` is finalised. */
    async function finaliseThrough(fx: Fixture, round: bigint): Promise<void> {
      while ((await fx.allocator.currentRound()) <= round) {
        const r = await fx.allocator.getRound(await fx.allocator.currentRound());
        if (BigInt(await time.latest()) < r.endTime) await time.increaseTo(r.endTime);
        await fx.allocator.computeMatchingRound(0);
      }
    }

    /** Settled campaigns with an allocator gap (campaign recipients ≠ the gap's recipient) and their pots. */
    async function settledIntoGap(fx: Fixture, campaigns: { to: string; limits: bigint[] }[]) {
      const ids: bigint[] = [];
      for (const { to, limits } of campaigns) {
        const id = await create(fx, {
          allocator: await fx.allocator.getAddress(),
          gapId: GAP,
          recipient: to,
        });
        await pledgeAll(fx, id, limits);
        ids.push(id);
      }
      await time.increaseTo(fx.deadline);
      const out: { id: bigint; pot: bigint }[] = [];
      for (const id of ids) {
        await settleExact(fx, id);
        out.push({ id, pot: (await fx.cp.getCampaign(id)).pot });
      }
      return out;
    }

    it("claimPot, then closeGap before the round is finalised: reclaimPot pays the campaign's recipient", async () => {
      const fx = await loadFixture(deployFixture);
      const alloc = await fx.allocator.getAddress();
      const to = fx.users[10].address; // not the gap's recipient
      const [{ id, pot }] = await settledIntoGap(fx, [{ to, limits: [tok(100), tok(60)] }]);
      expect(pot).to.be.greaterThan(0n);
      const round = await fx.allocator.contributionRound();
      await fx.cp.claimPot(id);
      let c = await fx.cp.getCampaign(id);
      expect([c.potInGap, c.gapRound]).to.deep.equal([pot, round]);
      // Not refundable while the gap is open: the allocator's own error.
      await expect(fx.cp.reclaimPot(id))
        .to.be.revertedWithCustomError(fx.allocator, "GapNotClosed")
        .withArgs(GAP);
      await fx.allocator.closeGap(GAP);
      // Anyone may call; the tokens go to the campaign's recipient.
      const tx = fx.cp.connect(fx.users[3]).reclaimPot(id);
      await expect(tx).to.emit(fx.cp, "PotReclaimed").withArgs(id, to, pot);
      await expect(tx).to.changeTokenBalances(ethers, fx.token, [fx.allocator, fx.cp, to], [-pot, 0n, pot]);
      c = await fx.cp.getCampaign(id);
      expect(c.potInGap).to.equal(0n);
      await expect(fx.cp.reclaimPot(id))
        .to.be.revertedWithCustomError(fx.cp, "PotNotReclaimable")
        .withArgs(id);
      // Nothing is left behind: the allocator holds no tokens, the gap has nothing to withdraw, even later.
      expect(await fx.token.balanceOf(alloc)).to.equal(0n);
      await finaliseThrough(fx, round);
      await expect(fx.allocator.withdrawGapFunds(GAP)).to.be.revertedWithCustomError(
        fx.allocator,
        "NothingToWithdraw",
      );
    });

    it("claimPot, a round finalised, then closeGap: the pot stays the gap's (reclaimPot rejected)", async () => {
      const fx = await loadFixture(deployFixture);
      const to = fx.users[10].address;
      const [{ id, pot }] = await settledIntoGap(fx, [{ to, limits: [tok(100), tok(60)] }]);
      const round = await fx.allocator.contributionRound();
      await fx.cp.claimPot(id);
      await finaliseThrough(fx, round);
      await fx.allocator.closeGap(GAP);
      await expect(fx.cp.reclaimPot(id))
        .to.be.revertedWithCustomError(fx.allocator, "NothingToRefund")
        .withArgs(GAP, fx.cpAddress, round);
      // The finalised round pays the gap's recipient (direct pot; no matching pool, so no match).
      await expect(fx.allocator.withdrawGapFunds(GAP)).to.changeTokenBalance(
        ethers,
        fx.token,
        fx.recipient,
        pot,
      );
      expect(await fx.token.balanceOf(await fx.allocator.getAddress())).to.equal(0n);
    });

    for (const finalisedBetween of [false, true]) {
      it(`closeGap, ${finalisedBetween ? "a round finalised, " : ""}then claimPot: the recipient is paid at once`, async () => {
        const fx = await loadFixture(deployFixture);
        const to = fx.users[10].address;
        const [{ id, pot }] = await settledIntoGap(fx, [{ to, limits: [tok(100), tok(60)] }]);
        await fx.allocator.closeGap(GAP);
        if (finalisedBetween) await finaliseThrough(fx, await fx.allocator.currentRound());
        await expect(fx.cp.claimPot(id)).to.changeTokenBalance(ethers, fx.token, to, pot);
        expect((await fx.cp.getCampaign(id)).potInGap).to.equal(0n);
        await expect(fx.cp.reclaimPot(id))
          .to.be.revertedWithCustomError(fx.cp, "PotNotReclaimable")
          .withArgs(id);
        expect(await fx.token.balanceOf(await fx.allocator.getAddress())).to.equal(0n);
      });
    }

    it("pots of several campaigns in one gap and round are each reclaimed to their own recipient", async () => {
      const fx = await loadFixture(deployFixture);
      const [toA, toB] = [fx.users[10].address, fx.users[11].address];
      const [a, b] = await settledIntoGap(fx, [
        { to: toA, limits: [tok(100), tok(60)] },
        { to: toB, limits: [tok(7), tok(300)] },
      ]);
      const round = await fx.allocator.contributionRound();
      await fx.cp.claimPot(a.id);
      await fx.cp.claimPot(b.id);
      expect(await fx.allocator.contributionOf(GAP, fx.cpAddress, round)).to.equal(a.pot + b.pot);
      await fx.allocator.closeGap(GAP);
      // The first reclaim takes the whole refund of the round; each campaign is paid exactly its pot.
      await expect(fx.cp.reclaimPot(b.id)).to.changeTokenBalances(
        ethers,
        fx.token,
        [fx.allocator, fx.cp, toB],
        [-(a.pot + b.pot), a.pot, b.pot],
      );
      await expect(fx.cp.reclaimPot(a.id)).to.changeTokenBalances(
        ethers,
        fx.token,
        [fx.cp, toA],
        [-a.pot, a.pot],
      );
      expect(await fx.token.balanceOf(await fx.allocator.getAddress())).to.equal(0n);
    });

    it("pays the recipient whatever an allocator leaves (partial pull)", async () => {
      const fx = await loadFixture(deployFixture);
      const alloc = await fx.mockAllocator.getAddress();
      await fx.mockAllocator.configure(2_500, false);
      const id = await create(fx, { allocator: alloc, gapId: GAP });
      await pledgeAll(fx, id, [tok(80), tok(20)]);
      await time.increaseTo(fx.deadline);
      await settleExact(fx, id);
      const pot = (await fx.cp.getCampaign(id)).pot;
      const toGap = (pot * 2_500n) / 10_000n;
      await expect(fx.cp.claimPot(id)).to.changeTokenBalances(
        ethers,
        fx.token,
        [fx.mockAllocator, fx.recipient, fx.cp],
        [toGap, pot - toGap, -pot],
      );
      expect(await fx.mockAllocator.received(GAP)).to.equal(toGap);
    });
  });

  describe("views", () => {
    it("solve, paymentAt, evaluate, previewPledge and marginalLeverage match the SDK mirror to the wei", async () => {
      const fx = await loadFixture(deployFixture);
      for (const mode of [Mode.Quadratic, Mode.Linear]) {
        const id = await create(fx, {
          mode,
          policy: Policy.Geometric,
          initialSpeed: WAD / 5n,
          decay: (WAD * 95n) / 100n,
        });
        await pledgeAll(fx, id, [tok(30), tok("7.5"), tok(120), tok(1), tok(44)]);
        await fx.cp.connect(fx.users[1]).withdrawPledge(id, 1);
        const m = await readMath(fx.cp, id);
        const h = await fx.cp.solve(id);
        expect(h).to.equal(pm.solve(m));
        expect(await fx.cp.evaluate(id, h)).to.deep.equal([pm.evaluate(m, h).g, pm.evaluate(m, h).pot]);
        expect(await fx.cp.paymentAt(id, 2, h)).to.equal(pm.paymentAt(tok(120), m.pledges[2].speed, h));
        for (const k of [0, 2, 3, 4])
          expect(await fx.cp.marginalLeverage(id, k)).to.equal(pm.marginalLeverage(m, k));
        expect(await fx.cp.marginalLeverage(id, 1)).to.equal(
          mode === Mode.Quadratic ? pm.MAX_UINT256 : pm.marginalLeverage(m, 1),
        );
        const next = (await fx.cp.getCampaign(id)).nextSpeed;
        const pv = pm.previewPledge(m, tok(25), next);
        expect(await fx.cp.previewPledge(id, tok(25))).to.deep.equal([
          pv.h,
          pv.payment,
          pv.potIncrease,
          pv.leverage,
        ]);
        // The preview is what pledging then does.
        await fx.cp.connect(fx.users[6]).pledge(id, tok(25));
        expect(await fx.cp.solve(id)).to.equal(pv.h);
        // Leverage against decimal.js.
        const active = m.pledges.filter((p) => p.active);
        const ref = refCampaign(
          mode === Mode.Quadratic,
          active.map((p) => fromWad(p.limit)),
          active.map((p) => fromWad(p.speed)),
        );
        const hRef = refSolve(ref);
        expect(relErr(fromWad(pm.marginalLeverage(m, 0)), refLeverage(ref, 0, hRef))).to.be.lessThan(1e-12);
      }
    });

    it("campaignsDue lists open campaigns past their deadline", async () => {
      const fx = await loadFixture(deployFixture);
      const a = await create(fx, { deadline: fx.deadline });
      const b = await create(fx, { deadline: fx.deadline + DAY });
      const c = await create(fx, { deadline: fx.deadline });
      await fx.cp.connect(fx.creator).cancelCampaign(c);
      expect(await fx.cp.campaignsDue(0, 10)).to.deep.equal([]);
      await time.increaseTo(fx.deadline);
      expect(await fx.cp.campaignsDue(0, 10)).to.deep.equal([a]);
      await time.increaseTo(fx.deadline + DAY);
      expect(await fx.cp.campaignsDue(0, 10)).to.deep.equal([a, b]);
      expect(await fx.cp.campaignsDue(1, 1)).to.deep.equal([b]);
      expect(await fx.cp.campaignsDue(5, 10)).to.deep.equal([]);
      expect(await fx.cp.campaignsDue(ethers.MaxUint256, ethers.MaxUint256)).to.deep.equal([]);
      expect(await fx.cp.campaignsDue(0, ethers.MaxUint256)).to.deep.equal([a, b]);
    });

    it("getters decode the packed storage", async () => {
      const fx = await loadFixture(deployFixture);
      const id = await create(fx, { token: await fx.token6.getAddress(), minLimit: 5n, initialSpeed: 42n });
      await fx.cp.connect(fx.users[0]).pledge(id, 1234567n);
      const p = await fx.cp.getPledge(id, 0);
      expect([p.pledger, p.limit, p.speed, p.state]).to.deep.equal([
        fx.users[0].address,
        1234567n,
        42n,
        BigInt(PState.Active),
      ]);
      const c = await fx.cp.getCampaign(id);
      expect([c.scale, c.minLimit, c.escrow, c.pledgeCount, c.creator]).to.deep.equal([
        10n ** 12n,
        5n,
        1234567n,
        1n,
        fx.creator.address,
      ]);
      expect(await fx.cp.pledgeCount(id)).to.equal(1n);
      const cols = await fx.cp.getPledges(id, 0, 10);
      expect(cols[0]).to.deep.equal([1234567n]);
      expect((await fx.cp.getPledges(id, 3, 10))[0]).to.deep.equal([]);
    });
  });

  describe("input validation (every custom error)", () => {
    it("createCampaign", async () => {
      const fx = await loadFixture(deployFixture);
      const t = await fx.token.getAddress();
      await expect(create(fx, { token: ethers.ZeroAddress })).to.be.revertedWithCustomError(
        fx.cp,
        "ZeroAddress",
      );
      await expect(create(fx, { recipient: ethers.ZeroAddress })).to.be.revertedWithCustomError(
        fx.cp,
        "ZeroAddress",
      );
      await expect(create(fx, { token: fx.users[0].address }))
        .to.be.revertedWithCustomError(fx.cp, "InvalidToken")
        .withArgs(fx.users[0].address);
      await expect(create(fx, { token: fx.cpAddress }))
        .to.be.revertedWithCustomError(fx.cp, "InvalidToken")
        .withArgs(fx.cpAddress);
      const t19 = await ethers.deployContract("TestToken", ["N", "N", 19]);
      await expect(create(fx, { token: await t19.getAddress() }))
        .to.be.revertedWithCustomError(fx.cp, "UnsupportedDecimals")
        .withArgs(19);
      const now = await time.latest();
      await expect(create(fx, { deadline: now }))
        .to.be.revertedWithCustomError(fx.cp, "DeadlineNotInFuture")
        .withArgs(now, now + 1);
      await expect(create(fx, { initialSpeed: 0n }))
        .to.be.revertedWithCustomError(fx.cp, "InvalidSpeed")
        .withArgs(0, pm.MAX_SPEED);
      await expect(create(fx, { initialSpeed: pm.MAX_SPEED + 1n }))
        .to.be.revertedWithCustomError(fx.cp, "InvalidSpeed")
        .withArgs(pm.MAX_SPEED + 1n, pm.MAX_SPEED);
      await expect(create(fx, { policy: Policy.Geometric, decay: 0n }))
        .to.be.revertedWithCustomError(fx.cp, "InvalidDecay")
        .withArgs(0);
      await expect(create(fx, { policy: Policy.Geometric, decay: WAD + 1n }))
        .to.be.revertedWithCustomError(fx.cp, "InvalidDecay")
        .withArgs(WAD + 1n);
      await expect(create(fx, { minLimit: pm.MAX_ESCROW + 1n }))
        .to.be.revertedWithCustomError(fx.cp, "LimitTooLarge")
        .withArgs(pm.MAX_ESCROW + 1n, pm.MAX_ESCROW);
      await expect(create(fx, { allocator: await fx.allocator.getAddress() }))
        .to.be.revertedWithCustomError(fx.cp, "InvalidAllocator")
        .withArgs(await fx.allocator.getAddress(), ethers.ZeroHash);
      await expect(create(fx, { allocator: fx.users[0].address, gapId: GAP }))
        .to.be.revertedWithCustomError(fx.cp, "InvalidAllocator")
        .withArgs(fx.users[0].address, GAP);
      await expect(create(fx, { allocator: t, gapId: GAP }))
        .to.be.revertedWithCustomError(fx.cp, "InvalidAllocator")
        .withArgs(t, GAP);
      // The gap must be registered and open at creation, or the pot would silently go elsewhere.
      const alloc = await fx.allocator.getAddress();
      const unknownGap = ethers.id("never-registered");
      await expect(create(fx, { allocator: alloc, gapId: unknownGap }))
        .to.be.revertedWithCustomError(fx.cp, "GapNotActive")
        .withArgs(alloc, unknownGap, 0);
      const closedGap = ethers.id("closed-gap");
      await fx.allocator.registerGap(closedGap, fx.recipient.address, "");
      await create(fx, { allocator: alloc, gapId: closedGap }); // open: accepted
      await fx.allocator.closeGap(closedGap);
      await expect(create(fx, { allocator: alloc, gapId: closedGap }))
        .to.be.revertedWithCustomError(fx.cp, "GapNotActive")
        .withArgs(alloc, closedGap, 2);
      await expect(
        create(fx, {
          token: await fx.token6.getAddress(),
          allocator: await fx.allocator.getAddress(),
          gapId: GAP,
        }),
      )
        .to.be.revertedWithCustomError(fx.cp, "AllocatorTokenMismatch")
        .withArgs(await fx.allocator.getAddress(), t, await fx.token6.getAddress());
      await expect(
        fx.cp.connect(fx.creator).createCampaign({
          token: t,
          recipient: fx.recipient.address,
          deadline: fx.deadline,
          mode: 0,
          policy: 0,
          initialSpeed: 1n,
          decay: 0n,
          minLimit: 0n,
          allocator: ethers.ZeroAddress,
          gapId: ethers.ZeroHash,
        }),
      )
        .to.emit(fx.cp, "CampaignCreated")
        .withArgs(2n, fx.creator.address, t, anyValue);
      expect((await fx.cp.getCampaign(2)).decay).to.equal(WAD); // ignored under the constant policy
    });

    it("pledge, unknown ids, hostile tokens", async () => {
      const fx = await loadFixture(deployFixture);
      const id = await create(fx, { minLimit: 10n });
      const u = fx.users[0];
      await expect(fx.cp.connect(u).pledge(99, 10))
        .to.be.revertedWithCustomError(fx.cp, "UnknownCampaign")
        .withArgs(99);
      await expect(fx.cp.connect(u).pledge(id, 9))
        .to.be.revertedWithCustomError(fx.cp, "LimitTooSmall")
        .withArgs(9, 10);
      const six = await create(fx, { token: await fx.token6.getAddress() });
      await expect(fx.cp.connect(u).pledge(six, 0))
        .to.be.revertedWithCustomError(fx.cp, "LimitTooSmall")
        .withArgs(0, 0);
      const cap = pm.MAX_ESCROW / 10n ** 12n;
      await fx.token6.mint(u.address, cap + 1n);
      await expect(fx.cp.connect(u).pledge(six, cap + 1n))
        .to.be.revertedWithCustomError(fx.cp, "LimitTooLarge")
        .withArgs(cap + 1n, cap);
      await fx.cp.connect(u).pledge(six, cap - 5n);
      await expect(fx.cp.connect(u).pledge(six, 6n))
        .to.be.revertedWithCustomError(fx.cp, "LimitTooLarge")
        .withArgs(6n, 5n);
      await expect(fx.cp.getPledge(id, 0))
        .to.be.revertedWithCustomError(fx.cp, "UnknownPledge")
        .withArgs(id, 0);
      await expect(fx.cp.claim(id, 0)).to.be.revertedWithCustomError(fx.cp, "UnknownPledge").withArgs(id, 0);
      await expect(fx.cp.connect(u).withdrawPledge(id, 7))
        .to.be.revertedWithCustomError(fx.cp, "UnknownPledge")
        .withArgs(id, 7);
      await expect(fx.cp.getCampaign(0)).to.be.revertedWithCustomError(fx.cp, "UnknownCampaign").withArgs(0);
      await expect(fx.cp.claimPot(id)).to.be.revertedWithCustomError(fx.cp, "PotNotClaimable").withArgs(id);
      // Fee-on-transfer tokens are rejected at the first pledge.
      const fee = (await ethers.deployContract("PledgeFeeToken")) as unknown as PledgeFeeToken;
      await fee.mint(u.address, tok(100));
      await fee.connect(u).approve(fx.cpAddress, ethers.MaxUint256);
      const f = await create(fx, { token: await fee.getAddress() });
      await expect(fx.cp.connect(u).pledge(f, tok(10)))
        .to.be.revertedWithCustomError(fx.cp, "TransferAmountMismatch")
        .withArgs(tok(10), tok("9.9"));
    });

    it("a token re-entering during a transfer is stopped by the guard, state unchanged", async () => {
      const fx = await loadFixture(deployFixture);
      const re = (await ethers.deployContract("PledgeReentrantToken")) as unknown as PledgeReentrantToken;
      const [u, v] = fx.users;
      for (const w of [u, v]) {
        await re.mint(w.address, tok(100));
        await re.connect(w).approve(fx.cpAddress, ethers.MaxUint256);
      }
      const id = await create(fx, { token: await re.getAddress() });
      await fx.cp.connect(u).pledge(id, tok(10));
      await fx.cp.connect(v).pledge(id, tok(10));
      // u's refund transfer tries to withdraw v's pledge (or claim) from inside the token.
      await re.arm(fx.cpAddress, fx.cp.interface.encodeFunctionData("withdrawPledge", [id, 1]));
      await expect(fx.cp.connect(u).withdrawPledge(id, 0)).to.be.revertedWithCustomError(
        fx.cp,
        "ReentrancyGuardReentrantCall",
      );
      await re.arm(fx.cpAddress, fx.cp.interface.encodeFunctionData("pledge", [id, tok(1)]));
      await expect(fx.cp.connect(u).pledge(id, tok(5))).to.be.revertedWithCustomError(
        fx.cp,
        "ReentrancyGuardReentrantCall",
      );
      expect((await fx.cp.getCampaign(id)).escrow).to.equal(tok(20));
      expect((await fx.cp.getPledge(id, 0)).state).to.equal(PState.Active);
      expect(await re.balanceOf(fx.cpAddress)).to.equal(tok(20));
    });
  });
});
