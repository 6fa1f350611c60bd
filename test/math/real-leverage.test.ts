/**
 * `realLeverage` (sdk/math/real-leverage.ts, off-chain only): (pot − pot without pledge i) / pᵢ with
 * both pots at the exact mirror's settlement root, against the 50-digit decimal.js model
 * (test/helpers/pledges-reference.ts) in both modes and both policies (a geometric campaign's
 * counterfactual keeps the other pledges' decayed speeds).
 */
import { expect } from "chai";
import * as pm from "../../sdk/math/pledges";
import { D, fromWad, refCampaign, refRealLeverage, relErr } from "../helpers/pledges-reference";

const WAD = 10n ** 18n;

/** A campaign of 18-decimal tokens: limits in whole tokens, speeds from the policy. */
function campaign(
  mode: pm.Mode,
  policy: pm.Policy,
  limits: bigint[],
  s0: bigint,
  decay = WAD,
): pm.CampaignMath {
  const speeds = pm.policySpeeds(policy, s0, decay, limits.length);
  return {
    mode,
    scale: 1n,
    pledges: limits.map((l, k) => ({ limit: l * WAD, speed: speeds[k], active: true })),
  };
}

/** The decimal.js model of the active pledges of `c`, speeds on the exact 1e-18 grid. */
function reference(c: pm.CampaignMath) {
  const active = c.pledges.filter((p) => p.active);
  return refCampaign(
    c.mode === pm.Mode.Quadratic,
    active.map((p) => fromWad(p.limit)),
    active.map((p) => fromWad(p.speed)),
  );
}

describe("realLeverage (off-chain, exact pots) against decimal.js at 50 digits", () => {
  const cases: [string, pm.CampaignMath][] = [
    [
      "quadratic, constant",
      campaign(pm.Mode.Quadratic, pm.Policy.Constant, [100n, 40n, 250n, 7n, 1000n], WAD / 10n),
    ],
    [
      "quadratic, geometric",
      campaign(
        pm.Mode.Quadratic,
        pm.Policy.Geometric,
        [100n, 40n, 250n, 7n, 1000n, 60n],
        WAD / 10n,
        (WAD * 7n) / 10n,
      ),
    ],
    ["linear, constant", campaign(pm.Mode.Linear, pm.Policy.Constant, [100n, 40n, 250n, 7n], WAD / 50n)],
    [
      "linear, geometric",
      campaign(pm.Mode.Linear, pm.Policy.Geometric, [100n, 40n, 250n, 7n, 500n], WAD / 20n, (WAD * 8n) / 10n),
    ],
  ];
  for (const [name, c] of cases) {
    it(`${name}: every pledge's real leverage within 1e-9 of the reference`, () => {
      const ref = reference(c);
      const got = pm.realLeverages(c);
      expect(got).to.have.length(c.pledges.length);
      for (let i = 0; i < c.pledges.length; i++) {
        const want = refRealLeverage(ref, i);
        expect(want, `pledge ${i}`).to.not.equal(null);
        expect(got[i].leverage !== null, `pledge ${i}`).to.equal(true);
        expect(relErr(fromWad(got[i].leverage!), want!), `pledge ${i}`).to.be.lessThan(1e-9);
        // Real leverage is at least 1 (the pledge's own payment) and the pots are what settle settles.
        expect(got[i].leverage! >= WAD - 1n, `pledge ${i}`).to.equal(true);
        expect(got[i].pot).to.equal(pm.evaluate(c, pm.findBracket(c).hLow).pot);
      }
    });
  }

  it("a geometric campaign's counterfactual keeps the later pledges' speeds (no re-indexing)", () => {
    const c = campaign(pm.Mode.Quadratic, pm.Policy.Geometric, [100n, 100n, 100n], WAD, WAD / 2n);
    const without = pm.withoutPledge(c, 0);
    expect(without.pledges.map((p) => p.speed)).to.deep.equal(c.pledges.map((p) => p.speed));
    expect(without.pledges.map((p) => p.active)).to.deep.equal([false, true, true]);
    // Re-indexed speeds would give pledge 1 the first speed: a different (larger) pot without pledge 0.
    const reindexed = campaign(pm.Mode.Quadratic, pm.Policy.Geometric, [100n, 100n], WAD, WAD / 2n);
    expect(pm.settledPot(reindexed).pot).to.not.equal(pm.settledPot(without).pot);
  });

  it("a withdrawn pledge has null real leverage and is left out of both pots", () => {
    const c = campaign(pm.Mode.Quadratic, pm.Policy.Constant, [100n, 40n, 250n], WAD / 10n);
    c.pledges[1] = { ...c.pledges[1], active: false };
    const got = pm.realLeverages(c);
    expect(got[1]).to.deep.include({ leverage: null, payment: 0n, potWithout: got[1].pot });
    const ref = reference(c); // pledges 0 and 2
    expect(relErr(fromWad(got[2].leverage!), refRealLeverage(ref, 1)!)).to.be.lessThan(1e-9);
  });

  it("linear: a pledge without which no positive root exists owns the whole pot", () => {
    // (2/π)·Σ L·s crosses 1 only with both pledges: each alone leaves h = 0 and a pot of 0.
    const c = campaign(pm.Mode.Linear, pm.Policy.Constant, [100n, 100n], WAD / 100n);
    const [a, b] = pm.realLeverages(c);
    expect(a.potWithout).to.equal(0n);
    expect(b.potWithout).to.equal(0n);
    expect(a.pot > 0n).to.equal(true);
    const want = refRealLeverage(reference(c), 0)!;
    expect(relErr(fromWad(a.leverage!), want)).to.be.lessThan(1e-9);
    // Two equal pledges: pot / pᵢ = 2 (closeTo is integer-only under the ethers chai matchers).
    expect(Math.abs(want.toNumber() - 2)).to.be.lessThan(1e-9);
    expect(Math.abs(fromWad(b.leverage!).toNumber() - 2)).to.be.lessThan(1e-9);
  });
});

describe("realLeverageNumbers (what PledgesClient.status shows)", () => {
  it("is the exact real leverage up to EXACT_REAL_LEVERAGE_MAX active pledges, the float estimate above", () => {
    const c = campaign(
      pm.Mode.Quadratic,
      pm.Policy.Geometric,
      [100n, 40n, 250n, 7n],
      WAD / 10n,
      (WAD * 9n) / 10n,
    );
    c.pledges[2] = { ...c.pledges[2], active: false };
    const exact = pm.realLeverages(c).map((r) => (r.leverage === null ? null : Number(r.leverage) / 1e18));
    expect(pm.realLeverageNumbers(c)).to.deep.equal(exact);
    const limits = Array.from({ length: pm.EXACT_REAL_LEVERAGE_MAX + 1 }, (_, k) => BigInt(1 + (k % 17)));
    const big = campaign(pm.Mode.Quadratic, pm.Policy.Constant, limits, WAD / 100n);
    const got = pm.realLeverageNumbers(big);
    expect(got).to.have.length(limits.length);
    for (const i of [0, 16, pm.EXACT_REAL_LEVERAGE_MAX]) {
      const exactI = fromWad(pm.realLeverage(big, i).leverage!);
      expect(relErr(new D(got[i]!), exactI), `pledge ${i}`).to.be.lessThan(1e-9);
    }
  });
});
