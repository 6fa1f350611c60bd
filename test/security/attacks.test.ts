/**
 * Attacks on both contracts: splitting contributions, dust bloat, wrong or stale settlement brackets,
 * front-running, exact window boundaries, role escalation, and pausing with funds in flight.
 * Expected values come from closed forms in decimal.js or from independent recomputation.
 */
import { expect } from "chai";
import { connection, ethers, loadFixture, time } from "../helpers/chain";
import type { ContractTransactionResponse } from "ethers";
import type { QuadraticFundingAllocator, TestToken } from "../../typechain-types";
import * as pm from "../../sdk/math/pledges";
import { D, fromWad, refCampaign, refPayment, refSolve, relErr } from "../helpers/pledges-reference";
import { distinctPledgers } from "../helpers/pledgers";
import {
  AnyToken,
  CState,
  DAY,
  Mode,
  WAD,
  allocatorSnapshot,
  createCampaign,
  deployAllocator,
  deployPledges,
  gid,
  readMath,
  settle,
  tok,
} from "../helpers/security";

const EIP7825_CAP = 16_777_216n;
const G = gid("gap");

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const r = await (await tx).wait();
  return r!.gasUsed;
}

async function endRound(a: QuadraticFundingAllocator): Promise<bigint> {
  const { endTime } = await a.getRound(await a.currentRound());
  if (BigInt(await time.latest()) < endTime) await time.increaseTo(endTime);
  return endTime;
}

/** (Σ√cᵢ)² − Σcᵢ in tokens (closed form, decimal.js). */
function weight(contribs: Array<string | number>): InstanceType<typeof D> {
  const s = contribs.reduce((acc: InstanceType<typeof D>, c) => acc.plus(new D(c).sqrt()), new D(0));
  const t = contribs.reduce((acc: InstanceType<typeof D>, c) => acc.plus(c), new D(0));
  return s.mul(s).minus(t);
}

async function baseFixture() {
  const signers = await ethers.getSigners();
  const token = (await ethers.deployContract("TestToken", ["T", "T", 18])) as unknown as TestToken;
  const token6 = (await ethers.deployContract("TestToken", ["S", "S", 6])) as unknown as TestToken;
  const cp = await deployPledges();
  const cpAddress = await cp.getAddress();
  for (const s of signers.slice(0, 10)) {
    for (const t of [token, token6]) {
      await t.mint(s.address, 10n ** 30n);
      await t.connect(s).approve(cpAddress, ethers.MaxUint256);
    }
  }
  return { signers, token, token6, cp, cpAddress };
}

async function allocatorOf(token: TestToken) {
  const a = await deployAllocator(await token.getAddress());
  const address = await a.getAddress();
  for (const s of (await ethers.getSigners()).slice(0, 10))
    await token.connect(s).approve(address, ethers.MaxUint256);
  return a;
}

/** Sends `txs` without mining, then mines them together in one block at `timestamp`. */
async function oneBlock(
  timestamp: bigint,
  txs: Array<() => Promise<ContractTransactionResponse>>,
): Promise<number[]> {
  await connection.provider.request({ method: "evm_setAutomine", params: [false] });
  const hashes: string[] = [];
  try {
    for (const send of txs) hashes.push((await send()).hash);
    await connection.provider.request({ method: "evm_setNextBlockTimestamp", params: [Number(timestamp)] });
    await connection.provider.request({ method: "evm_mine", params: [] });
  } finally {
    await connection.provider.request({ method: "evm_setAutomine", params: [true] });
  }
  const statuses: number[] = [];
  for (const h of hashes) statuses.push((await ethers.provider.getTransactionReceipt(h))!.status!);
  return statuses;
}

describe("Security: attacks", () => {
  describe("splitting one contribution into many", () => {
    it("allocator: 100 as ten 10s (through both entry points, 6 decimals) gets exactly the match of one 100", async () => {
      const { token6, signers } = await loadFixture(baseFixture);
      const a = await allocatorOf(token6);
      const [admin, recipient, u0, u1] = signers;
      const split = gid("split");
      const whole = gid("whole");
      await a.registerGap(split, recipient.address, "");
      await a.registerGap(whole, recipient.address, "");
      await a.connect(u0).contributeToGap(split, tok(25, 6));
      await a.connect(u0).contributeToGap(whole, tok(25, 6));
      for (let i = 0; i < 10; i++) {
        // Half of the pieces through the permit entry point (a failing permit is ignored: allowance set).
        if (i % 2 === 0) await a.connect(u1).contributeToGap(split, tok(10, 6));
        else
          await a
            .connect(u1)
            .contributeToGapWithPermit(split, tok(10, 6), 0, 0, ethers.ZeroHash, ethers.ZeroHash);
      }
      await a.connect(u1).contributeToGap(whole, tok(100, 6));
      await a.connect(admin).fundMatchingPool(tok(150, 6));
      await endRound(a);
      await a.computeMatchingRound(tok(150, 6));
      // Closed form: each gap weighs (√25 + √100)² − 125 = 100; W = 200; α = 150/200; match 75.
      const w = weight([25, 100]);
      expect(w.toNumber()).to.equal(100);
      const expected = w.mul(150).div(w.mul(2)).mul(1e6);
      const [ms, mw] = [await a.matchOf(split, 1), await a.matchOf(whole, 1)];
      expect(ms).to.equal(mw);
      expect(expected.minus(ms.toString()).toNumber()).to.be.within(0, 1);
      expect(await a.gapRoundState(split, 1)).to.deep.equal(await a.gapRoundState(whole, 1));
    });

    it("pledges are aggregated per address: 4 pledges of 25 from one address weigh as one pledge of 100", async () => {
      const { cp, token, signers } = await loadFixture(baseFixture);
      const [, recipient, u0, u1, u2, u3, u4] = signers;
      const deadline = (await time.latest()) + DAY;
      const params = { recipient: recipient.address, deadline };
      const one = await createCampaign(cp, await token.getAddress(), params);
      const split = await createCampaign(cp, await token.getAddress(), params);
      const sybil = await createCampaign(cp, await token.getAddress(), params);
      await cp.connect(u0).pledge(one, tok(100));
      for (let k = 0; k < 4; k++) await cp.connect(u1).pledge(split, tok(25));
      for (const u of [u1, u2, u3, u4]) await cp.connect(u).pledge(sybil, tok(25));
      expect(await cp.pledgeCount(split)).to.equal(1n);
      expect((await cp.getPledge(split, 0)).limit).to.equal(tok(100));
      const [b1, bSplit, bSybil] = [await settle(cp, one), await settle(cp, split), await settle(cp, sybil)];
      // Closed forms: h = √(100·(2/π)·atan(0.1h)) and h = 4·√(25·(2/π)·atan(0.1h)) = 2·√(100·…).
      const h1 = refSolve(refCampaign(true, [100], [0.1]));
      const h4 = refSolve(refCampaign(true, [25, 25, 25, 25], [0.1, 0.1, 0.1, 0.1]));
      expect(relErr(fromWad(b1.hLow), h1)).to.be.lessThan(1e-12);
      // One address splitting its limit gains nothing: the same h as one pledge of 100.
      expect(bSplit.hLow).to.equal(b1.hLow);
      // Four addresses still weigh like four pledgers (sybil resistance is out of scope, documented).
      expect(relErr(fromWad(bSybil.hLow), h4)).to.be.lessThan(1e-12);
      expect(h4.gt(h1.mul(1.9))).to.equal(true);
    });
  });

  describe("dust bloat", () => {
    it("[heavy] allocator: 30 one-wei contributors pay ≥ 30 × 50k gas; finalising and withdrawing cost the same", async () => {
      const { token, signers } = await loadFixture(baseFixture);
      const [admin, recipient, u0, u1] = signers;
      const measure = async (dust: number) => {
        const a = await allocatorOf(token);
        await a.registerGap(G, recipient.address, "");
        await a.connect(u0).contributeToGap(G, tok(4));
        await a.connect(u1).contributeToGap(G, tok(9));
        await a.connect(admin).fundMatchingPool(tok(100));
        let attackerGas = 0n;
        for (let i = 0; i < dust; i++) {
          const w = ethers.Wallet.createRandom().connect(ethers.provider);
          await connection.provider.request({
            method: "hardhat_setBalance",
            params: [w.address, "0x8AC7230489E80000"],
          });
          await token.mint(w.address, 1n);
          attackerGas += await gasOf(token.connect(w).approve(await a.getAddress(), 1n));
          attackerGas += await gasOf(a.connect(w).contributeToGap(G, 1n));
        }
        await endRound(a);
        const finalise = await gasOf(a.computeMatchingRound(tok(100)));
        const match = await a.matchOf(G, 1);
        const withdraw = await gasOf(a.withdrawGapFunds(G));
        return { finalise, withdraw, attackerGas, match };
      };
      const clean = await measure(0);
      const bloated = await measure(30);
      expect(bloated.attackerGas).to.be.gte(30n * 50_000n);
      expect(bloated.finalise).to.equal(clean.finalise);
      expect(bloated.finalise).to.be.lte(100_000n);
      expect(bloated.withdraw).to.equal(clean.withdraw);
      // What the dust buys: w(4, 9, 30 × 1e-18) − w(4, 9) tokens of match (α = 1), a few 1e-7 tokens.
      const extra = weight([4, 9, ...Array<string>(30).fill("1e-18")]).minus(weight([4, 9]));
      expect(extra.lt("4e-7")).to.equal(true);
      const got = new D((bloated.match - clean.match).toString()).div(1e18);
      expect(got.minus(extra).abs().lt("1e-14")).to.equal(true, `${got} vs ${extra}`);
    });

    it("[heavy] pledges: 5,000 dust pledgers settle in pages each under 16,777,216 gas; honest claims cost the same", async () => {
      const { cp, token, signers } = await loadFixture(baseFixture);
      const [, recipient, u0, u1] = signers;
      const tokenAddress = await token.getAddress();
      const run = async (dust: number) => {
        const deadline = (await time.latest()) + DAY;
        const id = await createCampaign(cp, tokenAddress, { recipient: recipient.address, deadline });
        await cp.connect(u0).pledge(id, tok(100));
        await cp.connect(u1).pledge(id, tok(100));
        let attackerGas = 0n;
        if (dust > 0) {
          // One pledge per address per campaign: each dust pledge needs its own address (a contract
          // pledging many times only raises its one pledge, see "splitting" above).
          const dusters = await distinctPledgers(token, await cp.getAddress(), dust, 1n, {
            viaStorage: true,
          });
          for (let k = 0; k < dust; k += 50) {
            const gas = await Promise.all(
              dusters.slice(k, k + 50).map((d) => gasOf(cp.connect(d).pledge(id, 1n, { gasLimit: 300_000 }))),
            );
            attackerGas += gas.reduce((x, y) => x + y, 0n);
          }
        }
        await time.increaseTo(deadline);
        const b = pm.findBracket(await readMath(cp, id));
        const pages: bigint[] = [];
        while (Number((await cp.getCampaign(id)).state) !== CState.Settled)
          pages.push(await gasOf(cp.settle(id, b.hLow, b.hHigh, 0, { gasLimit: EIP7825_CAP })));
        const claim = await gasOf(cp.claim(id, 0));
        return { attackerGas, pages, claim, b };
      };
      const clean = await run(0);
      const bloated = await run(5_000);
      expect(bloated.pages.length).to.equal(3); // 2,000 + 2,000 + 1,002
      for (const g of bloated.pages) expect(g).to.be.lt(EIP7825_CAP);
      const settlerGas = bloated.pages.reduce((s, g) => s + g, 0n);
      // The attacker paid more for the dust than the settler pays to process it.
      expect(bloated.attackerGas).to.be.gt(5_000n * 100_000n);
      expect(bloated.attackerGas).to.be.gt(settlerGas);
      expect(bloated.claim).to.equal(clean.claim);
      // 1-wei pledges pay nothing but each adds √(1e-18·A(h)) to g. Independent reference, by
      // bisection in decimal.js: h = 2·√(100·A(h)) + 5,000·√(1e-18·A(h)), A(h) = (2/π)·atan(0.1·h).
      const A = (h: InstanceType<typeof D>) => new D(2).div(D.acos(-1)).mul(D.atan(h.mul(0.1)));
      const f = (h: InstanceType<typeof D>) =>
        new D(100)
          .mul(A(h))
          .sqrt()
          .mul(2)
          .plus(new D("1e-18").mul(A(h)).sqrt().mul(5000))
          .minus(h);
      let [lo, hi] = [new D(1), new D(100)];
      for (let i = 0; i < 200; i++) {
        const mid = lo.plus(hi).div(2);
        if (f(mid).gte(0)) lo = mid;
        else hi = mid;
      }
      expect(relErr(fromWad(bloated.b.hLow), lo)).to.be.lessThan(1e-12);
      expect(
        relErr(fromWad(clean.b.hLow), refSolve(refCampaign(true, [100, 100], [0.1, 0.1]))),
      ).to.be.lessThan(1e-12);
      expect(bloated.b.hLow).to.be.gt(clean.b.hLow);
    });
  });

  describe("keepers submitting wrong, stale or trivial brackets", () => {
    async function linearCampaign() {
      const f = await loadFixture(baseFixture);
      const [, recipient, u0, u1, u2] = f.signers;
      const deadline = (await time.latest()) + DAY;
      const id = await createCampaign(f.cp, await f.token.getAddress(), {
        recipient: recipient.address,
        deadline,
        mode: Mode.Linear,
        initialSpeed: WAD / 10n,
      });
      // (2/π)·Σ Lᵢ·sᵢ = (2/π)·(30 + 20 + 5)·0.1 = 3.5 > 1: a positive root exists.
      await f.cp.connect(u0).pledge(id, tok(30));
      await f.cp.connect(u1).pledge(id, tok(20));
      await f.cp.connect(u2).pledge(id, tok(5));
      return { ...f, id, deadline, u2 };
    }

    it("linear mode: wrong h on either side, h = 0, a stale bracket after a withdrawal, too wide — each rejected", async () => {
      const { cp, id, deadline, u2 } = await linearCampaign();
      const stale = pm.findBracket(await readMath(cp, id));
      await cp.connect(u2).withdrawPledge(id, 2); // the root moves down
      await time.increaseTo(deadline);
      const m = await readMath(cp, id);
      const b = pm.findBracket(m);
      const g = (h: bigint) => pm.evaluate(m, h).g;
      // Independent reference: h = Σ Lᵢ·(2/π)·atan(0.1·h) for L = [30, 20].
      const h = refSolve(refCampaign(false, [30, 20], [0.1, 0.1]));
      expect(relErr(fromWad(b.hLow), h)).to.be.lessThan(1e-12);
      expect(stale.hLow).to.be.gt(b.hHigh);
      const up = b.hHigh + WAD;
      const down = b.hLow - WAD;
      const cases: Array<[string, bigint, bigint, string, unknown[]]> = [
        ["stale (before a withdrawal)", stale.hLow, stale.hHigh, "HTooHigh", [stale.hLow, g(stale.hLow)]],
        ["above the root", up, up, "HTooHigh", [up, g(up)]],
        ["below the root", down, down, "HTooLow", [down, g(down)]],
        ["h = 0 with a positive root", 0n, 0n, "TrivialRootRejected", [id, BigInt(deadline + 30 * DAY)]],
        ["too wide", down, b.hHigh, "BracketTooWide", [down, b.hHigh, pm.maxBracketWidth(down)]],
      ];
      for (const [label, lo, hi, error, args] of cases) {
        await expect(cp.settle(id, lo, hi, 0), label)
          .to.be.revertedWithCustomError(cp, error)
          .withArgs(...args);
      }
      expect(Number((await cp.getCampaign(id)).state)).to.equal(CState.Open);
      await expect(cp.settle(id, b.hLow, b.hHigh, 0)).to.emit(cp, "CampaignSettled");
    });

    it("a wrong bracket's last page reverts and leaves its session at the previous page", async () => {
      const { cp, token, signers } = await loadFixture(baseFixture);
      const deadline = (await time.latest()) + DAY;
      const id = await createCampaign(cp, await token.getAddress(), {
        recipient: signers[1].address,
        deadline,
      });
      for (let k = 0; k < 6; k++) await cp.connect(signers[2 + k]).pledge(id, tok(10 + k));
      await time.increaseTo(deadline);
      const m = await readMath(cp, id);
      const b = pm.findBracket(m);
      const wrong = b.hHigh + 10n ** 12n;
      await cp.settle(id, wrong, wrong, 4);
      const partial = pm.pass(m, wrong, wrong, 0, 4);
      const s = await cp.getSession(id, wrong, wrong);
      await expect(cp.settle(id, wrong, wrong, 4))
        .to.be.revertedWithCustomError(cp, "HTooHigh")
        .withArgs(wrong, pm.evaluate(m, wrong).g);
      expect(await cp.getSession(id, wrong, wrong)).to.deep.equal(s);
      const perH = pm.gPerH(m.mode === pm.Mode.Quadratic);
      expect([s.cursor, s.gAtLow, s.pot]).to.deep.equal([4n, partial.gLow / perH, partial.pot]);
      await expect(cp.settle(id, b.hLow, b.hHigh, 0)).to.emit(cp, "CampaignSettled");
    });
  });

  describe("front-running", () => {
    async function twoPledges() {
      const f = await loadFixture(baseFixture);
      const [, recipient, u0, u1, s1, s2] = f.signers;
      const deadline = (await time.latest()) + DAY;
      const id = await createCampaign(f.cp, await f.token.getAddress(), {
        recipient: recipient.address,
        deadline,
        initialSpeed: WAD / 10n,
      });
      await f.cp.connect(u0).pledge(id, tok(100));
      await f.cp.connect(u1).pledge(id, tok(100));
      await time.increaseTo(deadline);
      const b = pm.findBracket(await readMath(f.cp, id));
      return { ...f, id, deadline, b, recipient, u0, u1, s1, s2 };
    }

    it("two settlers with the same bracket in one block: one settles, the other is refused, same state", async () => {
      const f = await twoPledges();
      const { cp, id, b, s1, s2 } = f;
      const statuses = await oneBlock(BigInt(f.deadline) + 10n, [
        () => cp.connect(s1).settle(id, b.hLow, b.hHigh, 0, { gasLimit: 1_000_000 }),
        () => cp.connect(s2).settle(id, b.hLow, b.hHigh, 0, { gasLimit: 1_000_000 }),
      ]);
      expect(statuses).to.deep.equal([1, 0]);
      const c = await cp.getCampaign(id);
      expect([c.state, c.h]).to.deep.equal([BigInt(CState.Settled), b.hLow]);
      const p = pm.paymentAt(tok(100), WAD / 10n, b.hLow);
      expect(c.pot).to.equal(2n * p);
      await expect(cp.connect(s2).settle(id, b.hLow, b.hHigh, 0))
        .to.be.revertedWithCustomError(cp, "InvalidCampaignState")
        .withArgs(id, CState.Settled);
    });

    it("a different valid bracket landing first settles within the width rule; nobody is paid twice", async () => {
      const f = await twoPledges();
      const { cp, id, b, s1, s2, token, u0, u1, recipient } = f;
      // Another valid bracket: same upper end, lower end pushed down within the width rule.
      const lo = b.hHigh - pm.maxBracketWidth(b.hHigh) + 5n;
      expect(pm.checkBracket(await readMath(cp, id), lo, b.hHigh).ok).to.equal(true);
      const statuses = await oneBlock(BigInt(f.deadline) + 10n, [
        () => cp.connect(s2).settle(id, lo, b.hHigh, 0, { gasLimit: 1_000_000 }),
        () => cp.connect(s1).settle(id, b.hLow, b.hHigh, 0, { gasLimit: 1_000_000 }),
      ]);
      expect(statuses).to.deep.equal([1, 0]);
      const c = await cp.getCampaign(id);
      expect(c.h).to.equal(lo);
      // Both candidate settlements pay within 1e-11 (relative) of the exact decimal.js payment.
      const hRef = refSolve(refCampaign(true, [100, 100], [0.1, 0.1]));
      const pRef = refPayment(new D(100), new D(0.1), hRef).mul(1e18);
      const before = [await token.balanceOf(u0.address), await token.balanceOf(u1.address)];
      await cp.claim(id, 0);
      await cp.claim(id, 1);
      await expect(cp.claim(id, 0)).to.be.revertedWithCustomError(cp, "NothingToClaim");
      const refunds = [
        (await token.balanceOf(u0.address)) - before[0],
        (await token.balanceOf(u1.address)) - before[1],
      ];
      for (const r of refunds) expect(relErr(new D((tok(100) - r).toString()), pRef)).to.be.lessThan(1e-11);
      await expect(cp.claimPot(id)).to.changeTokenBalance(ethers, token, recipient, c.pot);
      expect(refunds[0] + refunds[1] + c.pot).to.equal(tok(200));
      expect(await token.balanceOf(await cp.getAddress())).to.equal(0n);
    });

    it("a paged settlement overtaken by a one-transaction settlement stops cleanly", async () => {
      const { cp, token, signers } = await loadFixture(baseFixture);
      const deadline = (await time.latest()) + DAY;
      const id = await createCampaign(cp, await token.getAddress(), {
        recipient: signers[1].address,
        deadline,
      });
      for (let k = 0; k < 5; k++) await cp.connect(signers[2 + k]).pledge(id, tok(20 + k));
      await time.increaseTo(deadline);
      const b = pm.findBracket(await readMath(cp, id));
      await cp.connect(signers[8]).settle(id, b.hLow, b.hHigh, 2);
      await cp.connect(signers[9]).settle(id, b.hLow, b.hHigh + 1n, 0);
      await expect(cp.connect(signers[8]).settle(id, b.hLow, b.hHigh, 2))
        .to.be.revertedWithCustomError(cp, "InvalidCampaignState")
        .withArgs(id, CState.Settled);
      expect((await cp.getCampaign(id)).h).to.equal(b.hLow);
    });

    it("allocator: a contribution in the keeper's block goes to the next round, in either order", async () => {
      const { token, signers } = await loadFixture(baseFixture);
      const [, recipient, u0, u1] = signers;
      for (const order of ["contribution first", "keeper first"]) {
        const a = await allocatorOf(token);
        await a.registerGap(G, recipient.address, "");
        await a.connect(u0).contributeToGap(G, tok(4));
        await a.connect(u1).contributeToGap(G, tok(1));
        const { endTime } = await a.getRound(1);
        const before = await a.gapRoundState(G, 1);
        const contribute = () => a.connect(u1).contributeToGap(G, tok(7), { gasLimit: 500_000 });
        const finalise = () => a.computeMatchingRound(0, { gasLimit: 500_000 });
        const statuses = await oneBlock(
          endTime,
          order === "keeper first" ? [finalise, contribute] : [contribute, finalise],
        );
        expect(statuses, order).to.deep.equal([1, 1]);
        expect(await a.gapRoundState(G, 1), order).to.deep.equal(before);
        expect(await a.contributionOf(G, u1.address, 2), order).to.equal(tok(7));
        expect((await a.getRound(1)).totalWeight, order).to.equal(before[2]);
      }
    });
  });

  describe("exact window boundaries", () => {
    it("allocator: end − 1 counts in round r, end in r + 1; finalising at end − 1 refused, at end accepted", async () => {
      const { token, signers } = await loadFixture(baseFixture);
      const [, recipient, u0, u1, u2] = signers;
      const a = await allocatorOf(token);
      await a.registerGap(G, recipient.address, "");
      const end1 = (await a.getRound(1)).endTime;
      await time.setNextBlockTimestamp(end1 - 1n);
      await expect(a.connect(u0).contributeToGap(G, tok(1)))
        .to.emit(a, "ContributionMade")
        .withArgs(G, u0.address, 1, tok(1), tok(1), 0);
      await time.setNextBlockTimestamp(end1);
      await expect(a.connect(u1).contributeToGap(G, tok(4)))
        .to.emit(a, "ContributionMade")
        .withArgs(G, u1.address, 2, tok(4), tok(4), 0);
      await time.setNextBlockTimestamp(end1 + 1n);
      await a.connect(u2).contributeToGap(G, tok(9));
      await a.computeMatchingRound(0); // round 1 holds u0's 1 only
      expect((await a.gapRoundState(G, 1))[1]).to.equal(tok(1));
      const end2 = (await a.getRound(2)).endTime;
      await time.setNextBlockTimestamp(end2 - 2n);
      await a.connect(u0).contributeToGap(G, tok(1));
      await time.setNextBlockTimestamp(end2 - 1n);
      await expect(a.computeMatchingRound(0))
        .to.be.revertedWithCustomError(a, "RoundNotOver")
        .withArgs(2, end2);
      await time.setNextBlockTimestamp(end2);
      await expect(a.computeMatchingRound(0)).to.emit(a, "RoundFinalized");
      // Round 2's window [end1, end2) holds u1's 4, u2's 9 and u0's 1: weight (1 + 2 + 3)² − 14 = 22.
      const exact = weight([1, 4, 9]);
      expect(exact.toNumber()).to.equal(22);
      const w2 = (await a.gapRoundState(G, 2))[2];
      expect(exact.mul(1e18).minus(w2.toString()).abs().lt(1e6)).to.equal(true);
    });

    it("pledges: pledge, withdraw and cancel at deadline − 1 accepted, at deadline refused; settle the reverse", async () => {
      const { cp, token, signers } = await loadFixture(baseFixture);
      const [creator, recipient, u0, u1] = signers;
      const t = await token.getAddress();
      const D = (await time.latest()) + DAY;
      // One campaign per boundary (a mined block fixes its timestamp), deadlines 10 s apart.
      const ids: bigint[] = [];
      for (let k = 0; k < 5; k++) {
        const id = await createCampaign(
          cp,
          t,
          { recipient: recipient.address, deadline: D + 10 * k },
          creator,
        );
        await cp.connect(u0).pledge(id, tok(10));
        await cp.connect(u1).pledge(id, tok(10));
        ids.push(id);
      }
      const [pledgeId, withdrawId, cancelId, cancelLateId, settleId] = ids;
      const at = async (ts: number, call: () => Promise<unknown>) => {
        await time.setNextBlockTimestamp(ts);
        return call();
      };
      await at(D - 1, () => cp.connect(u0).pledge(pledgeId, tok(1)));
      await expect(at(D, () => cp.connect(u0).pledge(pledgeId, tok(1))))
        .to.be.revertedWithCustomError(cp, "DeadlinePassed")
        .withArgs(pledgeId, D);
      await at(D + 9, () => cp.connect(u0).withdrawPledge(withdrawId, 0));
      await expect(at(D + 10, () => cp.connect(u1).withdrawPledge(withdrawId, 1)))
        .to.be.revertedWithCustomError(cp, "DeadlinePassed")
        .withArgs(withdrawId, D + 10);
      await expect(at(D + 19, () => cp.connect(creator).cancelCampaign(cancelId))).to.emit(
        cp,
        "CampaignCancelled",
      );
      await expect(at(D + 30, () => cp.connect(creator).cancelCampaign(cancelLateId)))
        .to.be.revertedWithCustomError(cp, "DeadlinePassed")
        .withArgs(cancelLateId, D + 30);
      const b = pm.findBracket(await readMath(cp, settleId));
      await expect(at(D + 39, () => cp.settle(settleId, b.hLow, b.hHigh, 0)))
        .to.be.revertedWithCustomError(cp, "DeadlineNotReached")
        .withArgs(settleId, D + 40);
      const pot = 2n * pm.paymentAt(tok(10), WAD / 10n, b.hLow);
      await expect(at(D + 40, () => cp.connect(creator).settle(settleId, b.hLow, b.hHigh, 0)))
        .to.emit(cp, "CampaignSettled")
        .withArgs(settleId, creator.address, b.hLow, pot);
      // Independent reference for h: L = [10, 10], s = 0.1.
      const h = refSolve(refCampaign(true, [10, 10], [0.1, 0.1]));
      expect(relErr(fromWad(b.hLow), h)).to.be.lessThan(1e-12);
      // The pledge made at D − 1 counts; the withdrawal made at D + 9 took its pledge out.
      expect((await cp.getCampaign(pledgeId)).escrow).to.equal(tok(21));
      expect((await cp.getCampaign(withdrawId)).escrow).to.equal(tok(10));
    });
  });

  describe("role escalation", () => {
    it("allocator: each role can do its job only; only the admin grants or revokes", async () => {
      const { token, signers } = await loadFixture(baseFixture);
      const [admin, curator, keeper, pauser, outsider] = signers;
      const a = await allocatorOf(token);
      const [ADMIN, CURATOR, KEEPER, PAUSER] = [
        await a.DEFAULT_ADMIN_ROLE(),
        await a.CURATOR_ROLE(),
        await a.KEEPER_ROLE(),
        await a.PAUSER_ROLE(),
      ];
      await a.grantRole(CURATOR, curator.address);
      await a.grantRole(KEEPER, keeper.address);
      await a.grantRole(PAUSER, pauser.address);
      await a.registerGap(G, admin.address, "");
      const any = new AnyToken(await token.getAddress());
      const snapshot = () => allocatorSnapshot(a, any, [admin.address]);
      const roleChecks = async () => [
        ...(await Promise.all(
          [curator, keeper, pauser, outsider].flatMap((s) =>
            [ADMIN, CURATOR, KEEPER, PAUSER].map((r) => a.hasRole(r, s.address)),
          ),
        )),
      ];
      const attempts: Array<[string, typeof admin, () => Promise<unknown>, string]> = [];
      const add = (who: typeof admin, label: string, call: () => Promise<unknown>, role: string) =>
        attempts.push([label, who, call, role]);
      for (const who of [curator, keeper, pauser, outsider]) {
        const as = a.connect(who);
        for (const role of [ADMIN, CURATOR, KEEPER, PAUSER]) {
          add(who, "grantRole", () => as.grantRole(role, who.address), ADMIN);
          add(who, "revokeRole", () => as.revokeRole(role, admin.address), ADMIN);
        }
        add(who, "setMatchingSettings", () => as.setMatchingSettings(true, 5000), ADMIN);
        add(who, "setUpkeepPoolSize", () => as.setUpkeepPoolSize(1), ADMIN);
        if (who !== curator) {
          add(who, "registerGap", () => as.registerGap(gid("x"), who.address, ""), CURATOR);
          add(who, "closeGap", () => as.closeGap(G), CURATOR);
        }
        if (who !== keeper) {
          add(who, "computeMatchingRound", () => as.computeMatchingRound(0), KEEPER);
          add(who, "performUpkeep", () => as.performUpkeep(ethers.ZeroHash), KEEPER);
        }
        if (who !== pauser) {
          add(who, "pause", () => as.pause(), PAUSER);
          add(who, "unpause", () => as.unpause(), PAUSER);
        }
      }
      await endRound(a);
      const rolesBefore = await roleChecks();
      const stateBefore = await snapshot();
      for (const [label, who, call, role] of attempts) {
        await expect(call(), `${who.address} ${label}`)
          .to.be.revertedWithCustomError(a, "AccessControlUnauthorizedAccount")
          .withArgs(who.address, role);
      }
      // Renouncing someone else's role is refused.
      await expect(a.connect(outsider).renounceRole(KEEPER, keeper.address)).to.be.revertedWithCustomError(
        a,
        "AccessControlBadConfirmation",
      );
      expect(await roleChecks()).to.deep.equal(rolesBefore);
      expect(await snapshot()).to.deep.equal(stateBefore);
      // Each role does its own job; a revoked keeper can no longer finalise.
      await a.connect(curator).registerGap(gid("y"), curator.address, "");
      await a.connect(pauser).pause();
      await a.connect(pauser).unpause();
      await a.connect(keeper).computeMatchingRound(0);
      await a.revokeRole(KEEPER, keeper.address);
      await endRound(a);
      await expect(a.connect(keeper).computeMatchingRound(0))
        .to.be.revertedWithCustomError(a, "AccessControlUnauthorizedAccount")
        .withArgs(keeper.address, KEEPER);
    });

    it("pledges: only the creator cancels, only the pledger withdraws, and payouts never follow the caller", async () => {
      const { cp, token, signers } = await loadFixture(baseFixture);
      const [creator, recipient, u0, u1, mallory] = signers;
      const deadline = (await time.latest()) + DAY;
      const id = await createCampaign(
        cp,
        await token.getAddress(),
        { recipient: recipient.address, deadline },
        creator,
      );
      await cp.connect(u0).pledge(id, tok(100));
      await cp.connect(u1).pledge(id, tok(100));
      await expect(cp.connect(mallory).cancelCampaign(id))
        .to.be.revertedWithCustomError(cp, "NotCreator")
        .withArgs(id, mallory.address);
      await expect(cp.connect(mallory).withdrawPledge(id, 0))
        .to.be.revertedWithCustomError(cp, "NotPledger")
        .withArgs(id, 0, mallory.address);
      await expect(cp.connect(u1).withdrawPledge(id, 0))
        .to.be.revertedWithCustomError(cp, "NotPledger")
        .withArgs(id, 0, u1.address);
      const b = await settle(cp, id);
      const refund = tok(100) - pm.paymentAt(tok(100), WAD / 10n, b.hLow);
      await expect(cp.connect(mallory).claim(id, 0)).to.changeTokenBalances(
        ethers,
        token,
        [u0, mallory],
        [refund, 0n],
      );
      const pot = (await cp.getCampaign(id)).pot;
      await expect(cp.connect(mallory).claimPot(id)).to.changeTokenBalances(
        ethers,
        token,
        [recipient, mallory],
        [pot, 0n],
      );
    });
  });

  describe("pausing with funds in flight", () => {
    it("allocator: withdrawals, refunds, sweeps, closing and pool funding work while paused; inflows and finalisation do not", async () => {
      const { token, signers } = await loadFixture(baseFixture);
      const [admin, recipient, u0, u1] = signers;
      const a = await allocatorOf(token);
      const address = await a.getAddress();
      const C = gid("closing");
      await a.registerGap(G, recipient.address, "");
      await a.registerGap(C, recipient.address, "");
      await a.connect(u0).contributeToGap(G, tok(4));
      await a.connect(u1).contributeToGap(G, tok(9));
      await a.fundMatchingPool(tok(100));
      await endRound(a);
      await a.computeMatchingRound(tok(100));
      await a.connect(u0).contributeToGap(C, tok(3)); // round 2, in flight
      await a.pause();

      const enc = ethers.AbiCoder.defaultAbiCoder().encode(["uint256"], [0n]);
      const blocked: Array<[string, () => Promise<unknown>]> = [
        ["contribute", () => a.connect(u0).contributeToGap(G, 1n)],
        [
          "contribute with permit",
          () => a.connect(u0).contributeToGapWithPermit(G, 1n, 0, 0, ethers.ZeroHash, ethers.ZeroHash),
        ],
        ["finalise", () => a.computeMatchingRound(0)],
        ["performUpkeep", () => a.performUpkeep(enc)],
      ];
      await endRound(a);
      for (const [label, call] of blocked)
        await expect(call(), label).to.be.revertedWithCustomError(a, "ContractPaused");

      // Round 1 pays G its 13 direct plus the closed-form match (√4 + √9)² − 13 = 12 (α = 1).
      const match = await a.matchOf(G, 1);
      expect(tok(12) - match).to.be.within(0n, 1000n);
      await expect(a.withdrawGapFunds(G)).to.changeTokenBalance(ethers, token, recipient, tok(13) + match);
      const { distributed } = await a.getRound(1);
      await expect(a.sweepRound(1))
        .to.emit(a, "MatchingReturned")
        .withArgs(1, distributed - match);
      await a.closeGap(C);
      await expect(a.connect(u0).refundContribution(C, 2)).to.changeTokenBalance(ethers, token, u0, tok(3));
      await a.connect(admin).fundMatchingPool(tok(1));
      expect(await a.paused()).to.equal(true);
      // Everything owed is the pool, and the contract holds exactly that.
      expect(await a.matchingPoolBalance()).to.equal(tok(101) - match);
      expect(await token.balanceOf(address)).to.equal(tok(101) - match);
      await a.unpause();
      await expect(a.computeMatchingRound(0)).to.emit(a, "RoundFinalized");
    });
  });
});
