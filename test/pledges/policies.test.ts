/**
 * The harmonic and limit-sqrt policies of CoordinatedPledges (issue 14), on chain and in the SDK.
 * Speeds are checked against decimal.js at 50 digits: the harmonic slots against the closed form
 * s₀/(1 + c·k) of the recursion 1/s_{k+1} = 1/s_k + c/s₀ (each step rounds down by < 1 wei and the step
 * is 1-Lipschitz, so s_k lies in [⌊s₀/(1 + c·k)⌋ − k, s₀/(1 + c·k)]), the limit-sqrt speeds against
 * s₀·√(L₀/L) (two floors: at most s₀/1e18 + 1 wei below). Settled campaigns are checked against the
 * decimal.js fixed point of their speeds (1e-9 relative), and the chain against the SDK mirror to the wei.
 */
import { expect } from "chai";
import type { CoordinatedPledges, TestToken } from "../../typechain-types";
import { auditCofund } from "../../sdk/audit";
import { describeError } from "../../sdk/errors";
import { indexCofund } from "../../sdk/indexer";
import { Keeper } from "../../sdk/keeper";
import * as pm from "../../sdk/math/pledges";
import { PledgesClient } from "../../sdk/pledges";
import { ethers, loadFixture, time } from "../helpers/chain";
import { distinctPledgers } from "../helpers/pledgers";
import {
  D,
  type Dec,
  fromWad,
  refCampaign,
  refPayment,
  refSolve,
  relErr,
} from "../helpers/pledges-reference";

const WAD = 10n ** 18n;
const DAY = 86_400;
const Policy = { Constant: 0, Geometric: 1, Harmonic: 2, LimitSqrt: 3 } as const;
const PState = { Active: 1, Withdrawn: 2 } as const;

async function fixture() {
  const signers = await ethers.getSigners();
  const [creator, recipient, ...users] = signers;
  const token = (await ethers.deployContract("TestToken", ["Test", "TST", 18])) as unknown as TestToken;
  const token6 = (await ethers.deployContract("TestToken", ["Six", "SIX", 6])) as unknown as TestToken;
  const cp = (await ethers.deployContract("CoordinatedPledges")) as unknown as CoordinatedPledges;
  const cpAddress = await cp.getAddress();
  for (const s of signers)
    for (const t of [token, token6]) {
      await t.mint(s.address, 10n ** 30n);
      await t.connect(s).approve(cpAddress, ethers.MaxUint256);
    }
  const deadline = (await time.latest()) + 7 * DAY;
  return { cp, cpAddress, token, token6, creator, recipient, users, deadline };
}
type Fx = Awaited<ReturnType<typeof fixture>>;

interface Create {
  policy: number;
  speed: bigint;
  param: bigint;
  linear?: boolean;
  token?: string;
}

async function create(fx: Fx, o: Create): Promise<bigint> {
  await fx.cp.connect(fx.creator).createCampaign({
    token: o.token ?? (await fx.token.getAddress()),
    recipient: fx.recipient.address,
    deadline: fx.deadline,
    mode: o.linear ? 1 : 0,
    policy: o.policy,
    initialSpeed: o.speed,
    decay: o.param,
    minLimit: 0n,
    allocator: ethers.ZeroAddress,
    gapId: ethers.ZeroHash,
  });
  return fx.cp.campaignCount();
}

/** The campaign's pledges as the chain holds them. */
async function readPledges(cp: CoordinatedPledges, id: bigint) {
  const c = await cp.getCampaign(id);
  const [limits, speeds, states] = await cp.getPledges(id, 0, c.pledgeCount);
  return { c, limits, speeds, states: states.map(Number) };
}

/** Σ L·s over active pledges from the pledges themselves (the contract keeps its own running sum). */
async function sumFromPledges(cp: CoordinatedPledges, id: bigint): Promise<bigint> {
  const { c, limits, speeds, states } = await readPledges(cp, id);
  let sum = 0n;
  limits.forEach((l, k) => {
    if (states[k] !== PState.Withdrawn) sum += l * c.scale * speeds[k];
  });
  return sum;
}

/** The SDK's math shape of a campaign read from the chain. */
async function readMath(cp: CoordinatedPledges, id: bigint): Promise<pm.CampaignMath> {
  const { c, limits, speeds, states } = await readPledges(cp, id);
  return {
    mode: Number(c.mode) as pm.Mode,
    scale: c.scale,
    pledges: limits.map((limit, k) => ({ limit, speed: speeds[k], active: states[k] !== PState.Withdrawn })),
  };
}

/** decimal.js: s₀/(1 + c·k) in wei (s₀, c UD60x18). */
function refHarmonic(s0: bigint, c: bigint, k: number): Dec {
  return new D(s0.toString()).div(new D(1).plus(fromWad(c).mul(k)));
}

/** decimal.js: s₀·√(L₀/L) in wei. */
function refLimitSqrt(s0: bigint, l0: bigint, limitNorm: bigint): Dec {
  return new D(s0.toString()).mul(new D(l0.toString()).div(new D(limitNorm.toString())).sqrt());
}

/** A speed `s` (wei) within [ref − below, ref] of a decimal.js reference. */
function expectBelowWithin(s: bigint, ref: Dec, below: Dec, what: string): void {
  const x = new D(s.toString());
  expect(x.lte(ref), `${what}: ${s} ≤ ${ref.toFixed(3)}`).to.equal(true);
  expect(x.gte(ref.minus(below)), `${what}: ${s} ≥ ${ref.toFixed(3)} − ${below.toFixed(3)}`).to.equal(true);
}

describe("CoordinatedPledges: harmonic and limit-sqrt policies", () => {
  describe("harmonic", () => {
    it("speeds follow 1/s_{k+1} = 1/s_k + c/s₀: within k wei below s₀/(1 + c·k) (decimal.js), equal to the SDK mirror", async () => {
      const fx = await loadFixture(fixture);
      const s0 = WAD / 10n + 12_345n;
      const c = (WAD * 37n) / 100n;
      const id = await create(fx, { policy: Policy.Harmonic, speed: s0, param: c });
      const who = [...fx.users, ...(await distinctPledgers(fx.token, fx.cpAddress, 4, 10n ** 30n))];
      for (const [k, w] of who.entries()) {
        const expected = pm.policySpeeds(pm.Policy.Harmonic, s0, c, k + 1)[k];
        await expect(fx.cp.connect(w).pledge(id, WAD * BigInt(k + 1)))
          .to.emit(fx.cp, "Pledged")
          .withArgs(id, k, w.address, WAD * BigInt(k + 1), expected);
      }
      const { speeds, c: view } = await readPledges(fx.cp, id);
      expect(speeds.length).to.be.greaterThan(20);
      speeds.forEach((s, k) => expectBelowWithin(s, refHarmonic(s0, c, k), new D(k + 1), `slot ${k}`));
      expect(view.nextSpeed).to.equal(pm.harmonicNextSpeed(speeds[speeds.length - 1], c, s0));
      expectBelowWithin(view.nextSpeed, refHarmonic(s0, c, speeds.length), new D(speeds.length + 1), "next");
      expect(view.decay).to.equal(c);
    });

    it("never reaches 0: at the largest c (1e24) from a tiny s₀ the speed stops at 1 wei", async () => {
      const fx = await loadFixture(fixture);
      const id = await create(fx, { policy: Policy.Harmonic, speed: 1000n, param: pm.MAX_HARMONIC_RATE });
      for (const w of fx.users.slice(0, 4)) await fx.cp.connect(w).pledge(id, WAD);
      const { speeds, c } = await readPledges(fx.cp, id);
      // ⌊1000·1000e18 / (1000e18 + 1e24·1000)⌋ = 0 → 1, and 1 stays 1.
      expect(speeds).to.deep.equal([1000n, 1n, 1n, 1n]);
      expect(c.nextSpeed).to.equal(1n);
    });

    it("withdrawing the latest pledge releases its slot; an earlier one keeps its slot taken", async () => {
      const fx = await loadFixture(fixture);
      const s0 = WAD / 5n;
      const c = WAD / 2n;
      const slots = pm.policySpeeds(pm.Policy.Harmonic, s0, c, 4);
      const id = await create(fx, { policy: Policy.Harmonic, speed: s0, param: c });
      const [a, b, d, e] = fx.users;
      await fx.cp.connect(a).pledge(id, WAD);
      await fx.cp.connect(b).pledge(id, WAD);
      expect((await fx.cp.getCampaign(id)).nextSpeed).to.equal(slots[2]);
      await fx.cp.connect(b).withdrawPledge(id, 1n); // the latest: slot 1 comes back
      expect((await fx.cp.getCampaign(id)).nextSpeed).to.equal(slots[1]);
      await expect(fx.cp.connect(d).pledge(id, WAD))
        .to.emit(fx.cp, "Pledged")
        .withArgs(id, 2n, d.address, WAD, slots[1]);
      await fx.cp.connect(e).pledge(id, WAD); // slot 2
      await fx.cp.connect(a).withdrawPledge(id, 0n); // not the latest: nothing released
      expect((await fx.cp.getCampaign(id)).nextSpeed).to.equal(slots[3]);
      expect((await fx.cp.getCampaign(id)).sumLimitSpeed).to.equal(await sumFromPledges(fx.cp, id));
    });
  });

  describe("limit-sqrt", () => {
    it("a pledge's speed is s₀·√(L₀/L) (decimal.js, ≤ s₀/1e18 + 1 wei below) whatever its place; 6-decimal limits are normalised", async () => {
      const fx = await loadFixture(fixture);
      const s0 = WAD / 10n + 777n;
      const l0 = 100n * WAD;
      for (const [token, decimals] of [
        [await fx.token.getAddress(), 18],
        [await fx.token6.getAddress(), 6],
      ] as const) {
        const id = await create(fx, { policy: Policy.LimitSqrt, speed: s0, param: l0, token });
        const raw = [100n, 25n, 400n, 3n, 1_000_000n, 100n].map((t) => t * 10n ** BigInt(decimals));
        for (const [k, limit] of raw.entries()) await fx.cp.connect(fx.users[k]).pledge(id, limit);
        const { c, speeds } = await readPledges(fx.cp, id);
        expect(c.nextSpeed).to.equal(s0); // the speed of a pledge of L₀
        const below = new D(s0.toString()).div(1e18).plus(1);
        raw.forEach((limit, k) => {
          const norm = limit * c.scale;
          expectBelowWithin(speeds[k], refLimitSqrt(s0, l0, norm), below, `limit ${limit}`);
          expect(speeds[k]).to.equal(pm.limitSqrtSpeed(s0, l0, norm));
        });
        expect(speeds[0]).to.equal(s0); // L = L₀ exactly
        expect(speeds[5]).to.equal(s0); // the same limit later: the same speed
        expect(speeds[1]).to.equal(2n * s0); // √4
        expect(speeds[2]).to.equal(s0 / 2n);
        expect(c.sumLimitSpeed).to.equal(await sumFromPledges(fx.cp, id));
      }
    });

    it("speeds are capped at MAX_SPEED and floored at 1 wei", async () => {
      const fx = await loadFixture(fixture);
      // L₀ = 1e38 (the largest), s₀ = 1e27: a 1-wei limit would be s₀·1e19 — capped.
      const big = await create(fx, { policy: Policy.LimitSqrt, speed: pm.MAX_SPEED, param: pm.MAX_ESCROW });
      await fx.cp.connect(fx.users[0]).pledge(big, 1n);
      expect((await fx.cp.getPledge(big, 0n)).speed).to.equal(pm.MAX_SPEED);
      // s₀ = 1 wei, L₀ = 1 wei: any larger limit rounds to 0 — floored at 1.
      const tiny = await create(fx, { policy: Policy.LimitSqrt, speed: 1n, param: 1n });
      await fx.cp.connect(fx.users[0]).pledge(tiny, WAD);
      expect((await fx.cp.getPledge(tiny, 0n)).speed).to.equal(1n);
    });

    it("a raise recomputes the speed from the combined limit and moves Σ L·s exactly (old L·s out, new in)", async () => {
      const fx = await loadFixture(fixture);
      const s0 = WAD / 4n;
      const l0 = 10n * WAD;
      const id = await create(fx, { policy: Policy.LimitSqrt, speed: s0, param: l0 });
      const [a, b] = fx.users;
      await fx.cp.connect(a).pledge(id, 10n * WAD);
      await fx.cp.connect(b).pledge(id, 3n * WAD);
      const before = (await fx.cp.getCampaign(id)).sumLimitSpeed;
      const old = await fx.cp.getPledge(id, 0n);
      expect(old.speed).to.equal(s0);
      const newSpeed = pm.limitSqrtSpeed(s0, l0, 40n * WAD);
      expect(newSpeed).to.equal(s0 / 2n);
      // The call returns the new speed, and PledgeRaised carries the combined limit.
      expect((await fx.cp.connect(a).pledge.staticCall(id, 30n * WAD))[1]).to.equal(newSpeed);
      await expect(fx.cp.connect(a).pledge(id, 30n * WAD))
        .to.emit(fx.cp, "PledgeRaised")
        .withArgs(id, 0n, a.address, 30n * WAD, 40n * WAD);
      const raised = await fx.cp.getPledge(id, 0n);
      expect([raised.limit, raised.speed]).to.deep.equal([40n * WAD, newSpeed]);
      const after = (await fx.cp.getCampaign(id)).sumLimitSpeed;
      expect(after).to.equal(before - 10n * WAD * s0 + 40n * WAD * newSpeed);
      expect(after).to.equal(await sumFromPledges(fx.cp, id));
      // Withdrawing the raised pledge takes out exactly its new L·s; nextSpeed stays s₀.
      await fx.cp.connect(a).withdrawPledge(id, 0n);
      expect((await fx.cp.getCampaign(id)).sumLimitSpeed).to.equal(
        3n * WAD * pm.limitSqrtSpeed(s0, l0, 3n * WAD),
      );
      expect((await fx.cp.getCampaign(id)).nextSpeed).to.equal(s0);
    });

    it("previewPledge assumes the limit's own speed; the SDK's previewPledge and previewRaise equal the chain to the wei", async () => {
      const fx = await loadFixture(fixture);
      const s0 = WAD / 8n;
      const l0 = 50n * WAD;
      const id = await create(fx, { policy: Policy.LimitSqrt, speed: s0, param: l0 });
      const [a, b, d] = fx.users;
      await fx.cp.connect(a).pledge(id, 20n * WAD);
      await fx.cp.connect(b).pledge(id, 70n * WAD);
      const math = await readMath(fx.cp, id);
      const limit = 5n * WAD;
      const onChain = await fx.cp.previewPledge(id, limit);
      const mirror = pm.previewPledge(math, limit, pm.limitSqrtSpeed(s0, l0, limit));
      expect([onChain.h, onChain.payment, onChain.potIncrease, onChain.leverage]).to.deep.equal([
        mirror.h,
        mirror.payment,
        mirror.potIncrease,
        mirror.leverage,
      ]);
      // What the pledge then does equals the preview.
      await fx.cp.connect(d).pledge(id, limit);
      expect(await fx.cp.solve(id)).to.equal(onChain.h);
      expect(await fx.cp.paymentAt(id, 2n, onChain.h)).to.equal(onChain.payment);
      // A raise's preview (off-chain) with the recomputed speed, then the raise itself.
      const client = await PledgesClient.connect(fx.cpAddress, a);
      const p = await client.previewRaise(id, a.address, 60n * WAD);
      await client.pledge(id, 60n * WAD);
      const h = await fx.cp.solve(id);
      expect(p.h).to.equal(h);
      expect(p.limit).to.equal(80n * WAD);
      expect(p.payment).to.equal(await fx.cp.paymentAt(id, 0n, h));
      expect(p.leverage).to.equal(await fx.cp.marginalLeverage(id, 0n));
    });
  });

  describe("creation bounds", () => {
    it("c ∈ (0, 1e24] and L₀ ∈ (0, 1e38]: InvalidPolicyParameter(policy, value, max) with a readable sentence", async () => {
      const fx = await loadFixture(fixture);
      const cases = [
        [Policy.Harmonic, 0n, pm.MAX_HARMONIC_RATE],
        [Policy.Harmonic, pm.MAX_HARMONIC_RATE + 1n, pm.MAX_HARMONIC_RATE],
        [Policy.LimitSqrt, 0n, pm.MAX_ESCROW],
        [Policy.LimitSqrt, pm.MAX_ESCROW + 1n, pm.MAX_ESCROW],
      ] as const;
      for (const [policy, value, max] of cases) {
        const attempt = create(fx, { policy, speed: WAD, param: value });
        await expect(attempt)
          .to.be.revertedWithCustomError(fx.cp, "InvalidPolicyParameter")
          .withArgs(policy, value, max);
      }
      const sentence = await create(fx, { policy: Policy.Harmonic, speed: WAD, param: 0n }).then(
        () => "",
        (e: unknown) => describeError(e),
      );
      expect(sentence).to.equal(
        "The harmonic policy's rate 0 must be above 0 and at most 1,000,000 (InvalidPolicyParameter)",
      );
      const limitSentence = await create(fx, { policy: Policy.LimitSqrt, speed: WAD, param: 0n }).then(
        () => "",
        (e: unknown) => describeError(e),
      );
      expect(limitSentence).to.equal(
        "The reference limit 0 tokens (18-decimal) of the limit-sqrt policy must be above 0 and at most 100,000,000,000,000,000,000 tokens (InvalidPolicyParameter)",
      );
      // The bounds themselves are accepted and stored as the campaign's parameter.
      const h = await create(fx, { policy: Policy.Harmonic, speed: WAD, param: pm.MAX_HARMONIC_RATE });
      const l = await create(fx, { policy: Policy.LimitSqrt, speed: WAD, param: pm.MAX_ESCROW });
      expect((await fx.cp.getCampaign(h)).decay).to.equal(pm.MAX_HARMONIC_RATE);
      expect((await fx.cp.getCampaign(l)).decay).to.equal(pm.MAX_ESCROW);
      // The geometric policy keeps its own error.
      await expect(create(fx, { policy: Policy.Geometric, speed: WAD, param: 0n }))
        .to.be.revertedWithCustomError(fx.cp, "InvalidDecay")
        .withArgs(0n);
    });
  });

  describe("settlement", () => {
    for (const [name, policy, param, linear] of [
      ["harmonic, quadratic", Policy.Harmonic, WAD / 3n, false],
      ["limit-sqrt, quadratic", Policy.LimitSqrt, 40n * WAD, false],
      ["harmonic, linear", Policy.Harmonic, WAD / 10n, true],
      ["limit-sqrt, linear", Policy.LimitSqrt, 40n * WAD, true],
    ] as const) {
      it(`${name}: the keeper settles at the decimal.js fixed point (1e-9), the chain equals the SDK to the wei, the auditor is clean`, async () => {
        const fx = await loadFixture(fixture);
        const s0 = linear ? WAD / 25n : WAD / 20n;
        const id = await create(fx, { policy, speed: s0, param, linear });
        const client = await PledgesClient.connect(fx.cpAddress, fx.creator);
        const limits = [30n, 5n, 80n, 12n, 45n, 7n].map((t) => t * WAD);
        for (const [k, limit] of limits.entries()) await fx.cp.connect(fx.users[k]).pledge(id, limit);
        await fx.cp.connect(fx.users[1]).pledge(id, 20n * WAD); // a raise (limit-sqrt: a new speed)
        await fx.cp.connect(fx.users[5]).withdrawPledge(id, 5n); // the latest (harmonic: releases the slot)
        await fx.cp.connect(fx.users[6]).pledge(id, 9n * WAD);
        await time.increaseTo(fx.deadline);
        const math = await readMath(fx.cp, id);
        const bracket = pm.findBracket(math);
        const keeper = Keeper.fromClients({ account: fx.creator.address, pledges: client });
        await keeper.tick();
        const { c, limits: finalLimits, speeds, states } = await readPledges(fx.cp, id);
        expect(Number(c.state)).to.equal(3);
        expect(c.h).to.equal(bracket.hLow);
        // The reference: the exact model with the chain's speeds.
        const active = finalLimits.map((_, k) => k).filter((k) => states[k] !== PState.Withdrawn);
        const ref = refCampaign(
          !linear,
          active.map((k) => fromWad(finalLimits[k])),
          active.map((k) => fromWad(speeds[k])),
        );
        const hRef = refSolve(ref);
        expect(relErr(fromWad(c.h), hRef)).to.be.below(1e-9);
        let pot = 0n;
        for (const k of active) {
          const paid = await fx.cp.paymentAt(id, k, c.h);
          expect(paid).to.equal(pm.paymentAt(finalLimits[k], speeds[k], c.h));
          const exact = refPayment(fromWad(finalLimits[k]), fromWad(speeds[k]), hRef);
          const err = fromWad(paid).minus(exact).abs();
          expect(err.lte(exact.mul(1e-9)) || err.lte(1e-12), `payment ${k}`).to.equal(true);
          pot += paid;
        }
        expect(c.pot).to.equal(pot);
        expect(c.pot).to.equal(pm.evaluate(math, c.h).pot);
        // The speeds are the policy's (the raise and the released slot included) and the replay agrees.
        if (policy === Policy.LimitSqrt) {
          expect(speeds[1]).to.equal(pm.limitSqrtSpeed(s0, param, 25n * WAD));
        } else {
          expect(speeds[6]).to.equal(speeds[5]); // slot 5 released, taken again by pledge 6
        }
        const history = await indexCofund({ provider: ethers.provider, pledges: fx.cpAddress });
        const report = await auditCofund({ provider: ethers.provider, history });
        expect(report.discrepancies.map((d) => d.sentence)).to.deep.equal([]);
        const status = await client.status(id);
        expect(status.policy).to.equal(policy === Policy.Harmonic ? "harmonic" : "limit-sqrt");
        expect(status.pledges.map((p) => p.speed)).to.deep.equal(speeds);
      });
    }
  });

  it("checkUpkeep finds a harmonic and a limit-sqrt campaign past their deadline; performUpkeep settles each at the decimal.js root (1e-9)", async () => {
    const fx = await loadFixture(fixture);
    const ids = [
      await create(fx, { policy: Policy.Harmonic, speed: WAD / 20n, param: WAD / 4n }),
      await create(fx, { policy: Policy.LimitSqrt, speed: WAD / 20n, param: 30n * WAD }),
    ];
    for (const id of ids)
      for (const [k, t] of [40n, 9n, 120n, 3n].entries())
        await fx.cp.connect(fx.users[k]).pledge(id, t * WAD);
    await fx.cp.connect(fx.users[1]).pledge(ids[1], 16n * WAD); // a limit-sqrt raise: 25 tokens now
    await time.increaseTo(fx.deadline);
    for (const id of ids) {
      const [needed, data] = await fx.cp.checkUpkeep("0x");
      expect(needed).to.equal(true);
      const [campaignId] = ethers.AbiCoder.defaultAbiCoder().decode(["uint256"], data) as unknown as bigint[];
      expect(campaignId).to.equal(id);
      await fx.cp.performUpkeep(data);
      const { c, limits, speeds } = await readPledges(fx.cp, id);
      expect(Number(c.state)).to.equal(3);
      const ref = refCampaign(true, limits.map(fromWad), speeds.map(fromWad));
      expect(relErr(fromWad(c.h), refSolve(ref))).to.be.below(1e-9);
      expect(c.pot).to.equal(pm.evaluate(await readMath(fx.cp, id), c.h).pot);
    }
    expect((await fx.cp.checkUpkeep("0x"))[0]).to.equal(false);
  });

  it("SDK: createCampaign takes the new policies and their parameter (rate, referenceLimit), and requires it", async () => {
    const fx = await loadFixture(fixture);
    const client = await PledgesClient.connect(fx.cpAddress, fx.creator);
    const base = {
      token: await fx.token.getAddress(),
      recipient: fx.recipient.address,
      duration: DAY,
      initialSpeed: WAD,
    };
    const h = await client.createCampaign({ ...base, policy: "harmonic", rate: WAD / 2n });
    const l = await client.createCampaign({ ...base, policy: "limit-sqrt", referenceLimit: 7n * WAD });
    const ch = await fx.cp.getCampaign(h.campaignId);
    const cl = await fx.cp.getCampaign(l.campaignId);
    expect([Number(ch.policy), ch.decay]).to.deep.equal([Policy.Harmonic, WAD / 2n]);
    expect([Number(cl.policy), cl.decay]).to.deep.equal([Policy.LimitSqrt, 7n * WAD]);
    expect((await client.status(h.campaignId)).policy).to.equal("harmonic");
    expect((await client.status(l.campaignId)).policy).to.equal("limit-sqrt");
    await expect(client.createCampaign({ ...base, policy: "harmonic" })).to.be.rejectedWith(/needs its rate/);
    await expect(client.createCampaign({ ...base, policy: "limit-sqrt" })).to.be.rejectedWith(
      /reference limit/,
    );
  });
});
