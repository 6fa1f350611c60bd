import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import type { PledgeMathHarness } from "../../typechain-types";
import * as PledgeMath from "../../sdk/math/pledge-math";
import * as pm from "../../sdk/math/pledges";
import { UNDER_COVERAGE, ethers, loadFixture } from "../helpers/chain";
import {
  D,
  PI,
  fromWad,
  refCampaign,
  refLeverage,
  refPayment,
  refSolve,
  relErr,
} from "../helpers/pledges-reference";

const WAD = 10n ** 18n;

/** Deterministic PRNG (mulberry32) so failures replay. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 10^(lo + (hi − lo)·u) as a UD60x18 bigint (≥ 1). */
function logUniform(r: () => number, lo: number, hi: number): bigint {
  const x = Math.pow(10, lo + (hi - lo) * r());
  const s = x.toPrecision(15);
  const [m, e] = s.includes("e") ? s.split("e") : [s, "0"];
  const v = new D(m)
    .mul(new D(10).pow(Number(e)))
    .mul("1e18")
    .floor();
  return BigInt(v.toFixed(0)) > 0n ? BigInt(v.toFixed(0)) : 1n;
}

async function harnessFixture() {
  return (await ethers.deployContract("PledgeMathHarness")) as unknown as PledgeMathHarness;
}

describe("PledgeMath and its SDK mirror", () => {
  it("sdk/math/pledge-math.ts exports every function and constant of PledgeMath.sol under its name", () => {
    const sol = fs.readFileSync(
      path.join(import.meta.dirname, "../../contracts/libraries/PledgeMath.sol"),
      "utf8",
    );
    const functions = [...sol.matchAll(/^ {4}function (\w+)\(/gm)].map((m) => m[1]);
    const constants = [...sol.matchAll(/^ {4}uint256 internal constant (\w+) = /gm)].map((m) => m[1]);
    expect(functions.length).to.be.greaterThan(15);
    expect(constants.length).to.be.greaterThan(10);
    for (const name of functions)
      expect(typeof PledgeMath[name as keyof typeof PledgeMath], name).to.equal("function");
    for (const name of constants) {
      expect(["bigint", "number"], name).to.include(typeof PledgeMath[name as keyof typeof PledgeMath]);
    }
  });

  it("per-pledge functions agree with the mirror to the wei", async () => {
    const hm = await loadFixture(harnessFixture);
    const r = rng(11);
    for (let k = 0; k < 40; k++) {
      const h = logUniform(r, -6, 8);
      const s = logUniform(r, -9, 6);
      const lim = logUniform(r, -6, 12);
      const a = pm.saturation(h, s);
      expect(await hm.saturation(h, s)).to.equal(a);
      expect(a).to.be.lt(WAD * WAD); // 36 decimals
      expect(await hm.payment(lim, a)).to.equal(pm.payment(lim, a));
      expect(await hm.term(true, lim, a)).to.equal(pm.quadraticTerm(lim, a));
      expect(await hm.term(false, lim, a)).to.equal(pm.linearTerm(lim, a));
      expect(await hm.derivative(lim, s, h)).to.equal(pm.derivative(lim, s, h));
      expect(await hm.nextSpeed(s, (s % WAD) + 1n)).to.equal(pm.nextSpeed(s, (s % WAD) + 1n));
      expect(await hm.maxBracketWidth(h)).to.equal(pm.maxBracketWidth(h));
      // A(h) against decimal.js: (2/π)·atan(h·s) within 3e-18 (atan ≤ 1 unit of 1e-18, two floors) and,
      // below h·s = 1e-3 (the 36-decimal rational branch), within 1e-19 relative + 2e-36.
      const x = fromWad(h).mul(fromWad(s));
      const exact = new D(2).div(PI).mul(D.atan(x));
      const got = new D(a.toString()).div("1e36");
      expect(exact.minus(got).toNumber()).to.be.within(-1e-30, 3e-18);
      if (x.lt("1e-3")) expect(exact.minus(got).abs().lte(exact.mul("1e-19").plus("2e-36"))).to.equal(true);
    }
    // The largest A: ⌊⌊π/2·1e18⌋·1e18·⌊(2/π)·1e36⌋/1e36⌋ (atan saturates at ⌊π/2·1e18⌋).
    const maxA = PI.div(2)
      .mul("1e18")
      .floor()
      .mul("1e18")
      .mul(new D(2).div(PI).mul("1e36").floor())
      .div("1e36");
    expect(await hm.saturation(pm.MAX_H, pm.MAX_SPEED)).to.equal(BigInt(maxA.floor().toFixed(0)));
    expect(await hm.saturation(0, pm.MAX_SPEED)).to.equal(0n);
  });

  it("saturation, payment and the g-terms are monotone in h", async () => {
    const r = rng(5);
    for (let k = 0; k < 300; k++) {
      const h = logUniform(r, -4, 6);
      const s = logUniform(r, -6, 3);
      const lim = logUniform(r, -3, 9);
      const a0 = pm.saturation(h, s);
      const a1 = pm.saturation(h + 1n + BigInt(k), s);
      expect(a1).to.be.gte(a0);
      expect(pm.quadraticTerm(lim, a1)).to.be.gte(pm.quadraticTerm(lim, a0));
      expect(pm.payment(lim, a1)).to.be.gte(pm.payment(lim, a0));
    }
    // Across the switch from the 36-decimal rational branch to atan at x = h·s = 1e-3, unit by unit
    // (s = 1: h·s = 1e-3 at h = 1e15), on chain and in the mirror.
    const hm = await loadFixture(harnessFixture);
    let prev = -1n;
    for (let h = 10n ** 15n - 1500n; h <= 10n ** 15n + 1500n; h++) {
      const a = pm.saturation(h, WAD);
      expect(a).to.be.gte(prev);
      prev = a;
    }
    for (const h of [10n ** 15n - 2n, 10n ** 15n - 1n, 10n ** 15n, 10n ** 15n + 1n]) {
      expect(await hm.saturation(h, WAD)).to.equal(pm.saturation(h, WAD));
    }
    expect(pm.saturation(10n ** 15n - 1n, WAD)).to.be.lte(pm.saturation(10n ** 15n, WAD));
  });

  it("hasPositiveRoot is exact at the linear threshold and any pledge suffices in quadratic mode", async () => {
    const hm = await loadFixture(harnessFixture);
    expect(await hm.hasPositiveRoot(false, pm.PI_36 / 2n)).to.equal(false);
    expect(await hm.hasPositiveRoot(false, pm.PI_36 / 2n + 1n)).to.equal(true);
    expect(await hm.hasPositiveRoot(true, 1n)).to.equal(true);
    expect(await hm.hasPositiveRoot(true, 0n)).to.equal(false);
    // ⌊π·1e36⌋ from decimal.js.
    expect(pm.PI_36.toString()).to.equal(PI.mul("1e36").floor().toFixed(0));
    expect(pm.TWO_OVER_PI_36.toString()).to.equal(new D(2).div(PI).mul("1e36").floor().toFixed(0));
  });

  it("reference vector L=[10,10,10,10,1], s=0.4·π/(2Lᵢ): h ≈ 7.712673878, pot ≈ 12.361516370, leverages", async () => {
    const hm = await loadFixture(harnessFixture);
    const limits = [10, 10, 10, 10, 1];
    const speedsDec = limits.map((l) => new D("0.4").mul(PI).div(2 * l));
    // Reference (decimal.js, exact speeds).
    const ref = refCampaign(true, limits, speedsDec);
    const h = refSolve(ref);
    expect(h.toFixed(9)).to.equal("7.712673878");
    const pot = ref.limits.reduce((acc, l, i) => acc.plus(refPayment(l, ref.speeds[i], h)), new D(0));
    expect(pot.toFixed(9)).to.equal("12.361516370");
    expect(refLeverage(ref, 0, h).toFixed(9)).to.equal("1.413721269");
    expect(refLeverage(ref, 4, h).toFixed(9)).to.equal("2.124046578");
    // Fixed point (speeds rounded down to 18 decimals): library == mirror, both within 1e-15 of the
    // decimal solution of the same rounded speeds.
    const speeds = speedsDec.map((s) => BigInt(s.mul("1e18").floor().toFixed(0)));
    const limitsNorm = limits.map((l) => BigInt(l) * WAD);
    const sumLS = limitsNorm.reduce((acc, l, i) => acc + l * speeds[i], 0n);
    const onchain = await hm.solve(true, limitsNorm, speeds, sumLS);
    expect(onchain).to.equal(PledgeMath.solve(true, limitsNorm, speeds, sumLS));
    const refRounded = refCampaign(
      true,
      limits,
      speeds.map((s) => fromWad(s)),
    );
    const hRounded = refSolve(refRounded);
    expect(relErr(fromWad(onchain), hRounded)).to.be.lessThan(1e-15);
    const potFixed = pm.potAt(limitsNorm, speeds, 1n, 5, onchain);
    expect(relErr(fromWad(potFixed), pot)).to.be.lessThan(1e-15);
    for (const i of [0, 4]) {
      const lev = await hm.leverage(true, limitsNorm, speeds, i, onchain);
      expect(lev).to.equal(PledgeMath.leverage(true, limitsNorm, speeds, i, onchain));
      expect(relErr(fromWad(lev), refLeverage(refRounded, i, hRounded))).to.be.lessThan(1e-13);
      expect(
        Math.abs(
          pm.leverageFloat(
            pm.toFloat({
              mode: pm.Mode.Quadratic,
              scale: 1n,
              pledges: limitsNorm.map((l, j) => ({ limit: l, speed: speeds[j], active: true })),
            }),
            i,
          ) - refLeverage(refRounded, i, hRounded).toNumber(),
        ),
      ).to.be.lessThan(1e-9);
    }
  });

  it("solve, leverage and preview of the library equal the mirror on random columns", async () => {
    const hm = await loadFixture(harnessFixture);
    const r = rng(23);
    for (let k = 0; k < (UNDER_COVERAGE ? 4 : 12); k++) {
      const quadratic = k % 2 === 0;
      const n = 1 + Math.floor(r() * 25);
      const limitsNorm = Array.from({ length: n }, () => (r() < 0.1 ? 0n : logUniform(r, -2, 6)));
      const speeds = Array.from({ length: n }, () => logUniform(r, -6, 1));
      const sumLS = limitsNorm.reduce((acc, l, i) => acc + l * speeds[i], 0n);
      const h = await hm.solve(quadratic, limitsNorm, speeds, sumLS);
      expect(h).to.equal(PledgeMath.solve(quadratic, limitsNorm, speeds, sumLS));
      const [g, slope] = await hm.gAndSlope(quadratic, limitsNorm, speeds, h);
      expect([g, slope]).to.deep.equal(Object.values(pm.gAndSlope(quadratic, limitsNorm, speeds, h)));
      const i = Math.floor(r() * n);
      expect(await hm.leverage(quadratic, limitsNorm, speeds, i, h)).to.equal(
        PledgeMath.leverage(quadratic, limitsNorm, speeds, i, h),
      );
      const extraL = logUniform(r, -1, 4);
      const extraS = logUniform(r, -5, 0);
      const pv = await hm.preview(quadratic, [...limitsNorm, extraL], [...speeds, extraS], sumLS, 1n);
      const c: pm.CampaignMath = {
        mode: quadratic ? pm.Mode.Quadratic : pm.Mode.Linear,
        scale: 1n,
        pledges: limitsNorm.map((l, j) => ({ limit: l, speed: speeds[j], active: l > 0n })),
      };
      const mirror = pm.previewPledge(c, extraL, extraS);
      expect([...pv]).to.deep.equal([mirror.h, mirror.payment, mirror.potIncrease, mirror.leverage]);
    }
  });

  it("the on-chain bracket (checkUpkeep's) passes the settlement rule and pays within the tolerance (1e-9 relative or 1e-12 tokens) of the decimal.js root", async () => {
    const hm = await loadFixture(harnessFixture);
    const r = rng(31);
    let found = 0;
    for (let k = 0; k < (UNDER_COVERAGE ? 8 : 24); k++) {
      const quadratic = k % 3 !== 2;
      const n = 1 + Math.floor(r() * 12);
      // Wide ranges on purpose: nearly flat g (saturated pledges) and nearly linear g both occur,
      // which is where Newton's last step can land on the wrong side and the fallbacks take over.
      const limitsNorm = Array.from({ length: n }, () => logUniform(r, -4, 9));
      const speeds = Array.from({ length: n }, () => logUniform(r, -9, 4));
      const sumLS = limitsNorm.reduce((acc, l, i) => acc + l * speeds[i], 0n);
      const [ok, hLow, hHigh] = await hm.bracket(quadratic, limitsNorm, speeds, sumLS);
      const hRef = refSolve(refCampaign(quadratic, limitsNorm.map(fromWad), speeds.map(fromWad)));
      if (hRef.isZero()) {
        expect([ok, hLow, hHigh]).to.deep.equal([false, 0n, 0n]);
        continue;
      }
      expect(ok, `case ${k}: a positive root exists (${hRef.toFixed(6)})`).to.equal(true);
      found++;
      // The settlement's acceptance rule, evaluated with the exact mirror of g.
      expect(hLow > 0n && hLow <= hHigh && hHigh <= pm.MAX_H).to.equal(true);
      expect(hHigh - hLow).to.be.lte(pm.maxBracketWidth(hLow));
      const perH = pm.gPerH(quadratic);
      expect(pm.gAndSlope(quadratic, limitsNorm, speeds, hLow).g).to.be.gte(hLow * perH);
      expect(pm.gAndSlope(quadratic, limitsNorm, speeds, hHigh).g).to.be.lte(hHigh * perH);
      // And it settles everyone within the tolerance of the exact solution: each payment at
      // either end within 1e-9 relative or 1e-12 tokens absolute of the payment at the exact root
      // (for a nearly flat g, h itself may be further: payments barely depend on it there).
      for (let i = 0; i < n; i++) {
        const L = fromWad(limitsNorm[i]);
        const S = fromWad(speeds[i]);
        const exact = refPayment(L, S, hRef);
        const tol = D.max(exact.mul("1e-9"), "1e-12");
        for (const end of [hLow, hHigh]) {
          const at = refPayment(L, S, fromWad(end));
          expect(at.minus(exact).abs().lte(tol), `case ${k}, pledge ${i}: ${at} vs ${exact}`).to.equal(true);
        }
      }
    }
    expect(found).to.be.greaterThan(3);
  });

  it("bracket of the library equals the mirror to the wei (random columns, the linear threshold, no root)", async () => {
    const hm = await loadFixture(harnessFixture);
    const r = rng(37);
    const cases: { quadratic: boolean; limitsNorm: bigint[]; speeds: bigint[] }[] = [];
    for (let k = 0; k < (UNDER_COVERAGE ? 8 : 30); k++) {
      const n = 1 + Math.floor(r() * 20);
      cases.push({
        quadratic: k % 3 !== 2,
        limitsNorm: Array.from({ length: n }, () => (r() < 0.1 ? 0n : logUniform(r, -4, 9))),
        speeds: Array.from({ length: n }, () => logUniform(r, -9, 4)),
      });
    }
    // One linear pledge of 1e6 tokens around the threshold (2/π)·L·s = 1: just above (δ down to
    // 1e-15, where g barely resolves the root), exactly at the rounded threshold and below (no root).
    const L = 10n ** 6n * WAD;
    const sThreshold = BigInt(PI.div(2).div("1e6").mul("1e18").floor().toFixed(0));
    for (const ds of [10n ** 9n, 10n ** 3n, 1n, 0n, -1n, -(10n ** 6n)]) {
      cases.push({ quadratic: false, limitsNorm: [L], speeds: [sThreshold + ds] });
    }
    cases.push({ quadratic: true, limitsNorm: [0n, 0n], speeds: [WAD, WAD] }); // no active pledge
    let found = 0;
    for (const [k, { quadratic, limitsNorm, speeds }] of cases.entries()) {
      const sumLS = limitsNorm.reduce((acc, l, i) => acc + l * speeds[i], 0n);
      const [ok, hLow, hHigh] = await hm.bracket(quadratic, limitsNorm, speeds, sumLS);
      expect(PledgeMath.bracket(quadratic, limitsNorm, speeds, sumLS), `case ${k}`).to.deep.equal({
        found: ok,
        hLow,
        hHigh,
      });
      if (ok) found++;
    }
    expect(found).to.be.greaterThan(cases.length / 2);
    expect(found).to.be.lessThan(cases.length);
  });

  describe("against a decimal.js solver at 50 digits (random campaigns, mixed saturation)", () => {
    const sizes = [1, 3, 10, 60, 250, 1000];
    for (const [idx, n] of sizes.entries()) {
      for (const quadratic of [true, false]) {
        if (!quadratic && n === 1000) continue;
        it(`${quadratic ? "quadratic" : "linear"}, ${n} pledges`, function () {
          this.timeout(60_000);
          const r = rng(1000 + idx * 2 + (quadratic ? 0 : 1));
          // Limits from 0.01 to 1e5 tokens; speeds spread so that h·s ranges from ~1e-3 (linear regime)
          // to ~1e3 (saturated) across the campaign.
          const decimals = r() < 0.5 ? 18 : 6;
          const scale = 10n ** BigInt(18 - decimals);
          const pledges: pm.PledgeTerms[] = [];
          for (let k = 0; k < n; k++) {
            const limit = logUniform(r, -2, 5) / scale || 1n;
            pledges.push({ limit, speed: logUniform(r, -7, 0), active: r() > 0.05 || n === 1 });
          }
          const c: pm.CampaignMath = { mode: quadratic ? pm.Mode.Quadratic : pm.Mode.Linear, scale, pledges };
          const active = pledges.filter((p) => p.active);
          const ref = refCampaign(
            quadratic,
            active.map((p) => fromWad(p.limit * scale)),
            active.map((p) => fromWad(p.speed)),
          );
          const hRef = refSolve(ref);
          const hFloat = pm.solveFloat(c);
          const b = pm.findBracket(c);
          const verdict = pm.checkBracket(c, b.hLow, b.hHigh);
          expect(verdict.ok).to.equal(true);
          if (hRef.isZero()) {
            expect(hFloat).to.equal(0);
            expect(b).to.deep.equal({ hLow: 0n, hHigh: 0n });
            return;
          }
          expect(relErr(new D(hFloat), hRef)).to.be.lessThan(1e-9);
          expect(relErr(fromWad(b.hLow), hRef)).to.be.lessThan(1e-12);
          // The tightest bracket: adjacent integers (or a single exact fixed point).
          expect(b.hHigh - b.hLow).to.be.lte(1n);
          // Every payment within 1e-9 relative or 1e-12 tokens absolute of the exact one before the
          // final rounding down to the token's raw unit (1e-6 for a 6-decimal token), and ≤ its limit.
          const unit = new D(10).pow(-decimals);
          let potExact = new D(0);
          let potMirror = 0n;
          for (const p of active) {
            const exact = refPayment(fromWad(p.limit * scale), fromWad(p.speed), hRef);
            const paid = pm.paymentAt(p.limit, p.speed, b.hLow);
            expect(paid).to.be.lte(p.limit);
            const paidTokens = fromWad(paid * scale);
            const tol = D.max(exact.mul("1e-9"), "1e-12");
            const within = paidTokens.lte(exact.plus(tol)) && exact.minus(paidTokens).lt(unit.plus(tol));
            expect(within, `payment ${paidTokens} vs ${exact}`).to.equal(true);
            potExact = potExact.plus(exact);
            potMirror += paid;
          }
          expect(verdict.ok && verdict.pot).to.equal(potMirror);
          const potTokens = fromWad(potMirror * scale);
          expect(potTokens.lte(potExact.mul(1 + 1e-9))).to.equal(true);
          expect(potExact.minus(potTokens).lt(unit.mul(active.length).plus(potExact.mul("1e-9")))).to.equal(
            true,
          );
          // The contract's Newton `solve` (mirrored) lands within 1e-12 of the root too.
          expect(relErr(fromWad(pm.solve(c)), hRef)).to.be.lessThan(1e-12);
          // Leverage (float and exact mirror) of one pledge against decimal.js, on small campaigns.
          if (n <= 60) {
            const i = 0;
            const levRef = refLeverage(ref, i, hRef);
            const idInCampaign = pledges.indexOf(active[i]);
            expect(relErr(fromWad(pm.marginalLeverage(c, idInCampaign, b.hLow)), levRef)).to.be.lessThan(
              1e-9,
            );
            expect(relErr(new D(pm.leverageFloat(c, i)), levRef)).to.be.lessThan(1e-9);
          }
        });
      }
    }
  });

  it("float preview agrees with the exact preview", () => {
    const c: pm.CampaignMath = {
      mode: pm.Mode.Quadratic,
      scale: 1n,
      pledges: [
        { limit: 100n * WAD, speed: WAD / 10n, active: true },
        { limit: 40n * WAD, speed: WAD / 10n, active: true },
      ],
    };
    const exact = pm.previewPledge(c, 25n * WAD, WAD / 10n);
    const float = pm.previewFloat(c, 25, 0.1);
    expect(relErr(fromWad(exact.h), new D(float.h))).to.be.lessThan(1e-12);
    expect(relErr(fromWad(exact.payment), new D(float.payment))).to.be.lessThan(1e-12);
    expect(relErr(fromWad(exact.potIncrease), new D(float.potIncrease))).to.be.lessThan(1e-9);
    expect(relErr(fromWad(exact.leverage), new D(float.leverage))).to.be.lessThan(1e-9);
  });
});
