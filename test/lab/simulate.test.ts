/**
 * The mechanism lab (lab/), small: 10 agents × 3 runs. A run is the same for a seed; the
 * exact settlement of a simulated campaign is the decimal.js model's pot (50 digits); the metrics
 * are in range; the candidate policies' speeds are the floors their formulas state.
 */
import { expect } from "chai";
import * as pm from "../../sdk/math/pledges";
import { SimCampaign } from "../../lab/market";
import { Rng } from "../../lab/rng";
import { runCampaign } from "../../lab/run";
import { best, renderSweep, sweep } from "../../lab/sweep";
import { type LabResults, conclusion, plots, renderHtml, renderMarkdown, summarize } from "../../lab/report";
import { type LabConfig, defaultConfig, drawAgents, patientConfig, simulate } from "../../lab/simulate";
import { D, fromWad, refCampaign, refPot, relErr } from "../helpers/pledges-reference";

const WAD = 10n ** 18n;

/** 10 agents who care more than the default ones (some value the pot above their money: campaigns start). */
function small(seed = 7): LabConfig {
  return { ...defaultConfig(), agents: 10, runs: 3, seed, exactEvery: 1, value: { median: 0.6, sigma: 1 } };
}

describe("mechanism lab: the simulator (10 agents × 3 runs)", function () {
  this.timeout(60_000);
  let lab: LabResults;

  before(() => {
    lab = simulate(small());
  });

  it("is deterministic for a seed, and another seed draws other agents", () => {
    const again = simulate(small());
    expect(JSON.stringify(again.results)).to.equal(JSON.stringify(lab.results));
    expect(again.baselines).to.deep.equal(lab.baselines);
    expect(drawAgents(small(8), 0)).to.not.deep.equal(drawAgents(small(7), 0));
    expect(new Rng(1, 2).next()).to.equal(new Rng(1, 2).next());
  });

  it("settles a simulated campaign at the decimal.js model's pot (exact mirror, 50 digits)", () => {
    const config = small();
    for (const mode of [pm.Mode.Quadratic, pm.Mode.Linear]) {
      const params = config.params[mode === pm.Mode.Quadratic ? "quadratic" : "linear"];
      for (const policy of pm.LAB_POLICIES) {
        const market = new SimCampaign({ mode, policy, params });
        // Everyone joins with half its budget: a campaign of the lab's own pledges.
        for (const agent of drawAgents(config, 0)) market.join(agent, agent.budget / 2);
        const c = market.exact();
        const exact = pm.settledPot(c).pot;
        const ref = refPot(
          refCampaign(
            mode === pm.Mode.Quadratic,
            c.pledges.map((p) => fromWad(p.limit)),
            c.pledges.map((p) => fromWad(p.speed)),
          ),
        );
        // Payments round down to the wei, h is the bracket's lower end: within n wei and 1e-12 relative.
        const tolerance = ref.mul("1e-12").plus(new D(c.pledges.length).mul("1e-18"));
        expect(ref.minus(fromWad(exact)).abs().lte(tolerance), `${policy}/${mode}`).to.equal(true);
        expect(relErr(new D(market.pot), ref), `float pot ${policy}/${mode}`).to.be.lessThan(1e-9);
      }
    }
  });

  it("reports metrics in range, the float screen close to the exact mirror", () => {
    for (const [key, runs] of Object.entries(lab.results)) {
      expect(runs, key).to.have.length(3);
      const quadratic = key.endsWith("/quadratic");
      for (const r of runs) {
        expect(r.pot, key).to.be.at.least(0);
        expect(r.participation, key).to.be.within(0, 1);
        expect(r.potBeforeDeadline, key).to.be.at.most(r.pot * (1 + 1e-9) + 1e-9);
        expect(r.growth, key).to.have.length(11);
        expect(Math.abs(r.floatPotError), key).to.be.lessThan(1e-9);
        if (r.previewError !== undefined) expect(r.previewError, key).to.be.lessThan(1e-9);
        if (r.realLeverageError !== undefined) expect(r.realLeverageError, key).to.be.lessThan(1e-6);
        for (const [atJoin, real] of r.leveragePairs) {
          expect(atJoin, key).to.be.at.least(1 - 1e-9);
          expect(real, key).to.be.at.least(1 - 1e-6);
        }
        if (!quadratic) expect(Math.abs(r.sybilGain), key).to.be.lessThan(1e-6 * 100);
      }
      const s = summarize(runs, lab.baselines);
      expect(s.pot.ci, key).to.be.at.least(0);
      expect(s.deadlockRate.mean, key).to.be.within(0, 1);
    }
    // Splitting into addresses pays in quadratic mode (the splitter's h terms add up).
    expect(summarize(lab.results["constant/quadratic"], lab.baselines).sybilGain.mean).to.be.greaterThan(0);
  });

  it("counts the deadlock of decaying speeds when strategic agents wait for any gain", () => {
    const patient = patientConfig({ ...small(), agents: 12 });
    const r = simulate({ ...patient, runs: 1, policies: ["harmonic", "limit-sqrt"] });
    const harmonic = r.results["harmonic/quadratic"][0];
    const scaled = r.results["limit-sqrt/quadratic"][0];
    expect(scaled.waiting).to.equal(0); // the speed does not depend on the place: nobody waits
    expect(harmonic.waiting).to.be.at.least(0);
    const agents = drawAgents(patient, 0);
    const one = runCampaign(
      agents.map((a) => ({ ...a, strategic: true })),
      { mode: pm.Mode.Quadratic, policy: "harmonic", params: patient.params.quadratic },
      { ...patient.options, exactSample: false },
      new Rng(1),
    );
    expect(one.waiting).to.be.at.least(2); // everyone strategic: a deadlock when the last agent has arrived
    expect(one.potBeforeDeadline).to.be.lessThan(one.pot); // the waiters join in the deadline round
  });

  it("renders the report: tables per mode, three SVG plots, a conclusion from the numbers", () => {
    const md = renderMarkdown([lab]);
    expect(md).to.match(/### default: quadratic mode/);
    expect(md).to.match(/### default: linear mode/);
    for (const p of pm.LAB_POLICIES) expect(md).to.include(`| ${p} |`);
    const svgs = plots(lab);
    expect(Object.keys(svgs).sort()).to.deep.equal(["leverage.svg", "pot-by-policy.svg", "pot-growth.svg"]);
    for (const svg of Object.values(svgs)) expect(svg).to.match(/^<svg [^>]*>[\s\S]*<\/svg>\n$/);
    expect(conclusion(lab).join("\n")).to.match(/quadratic mode: [\w-]+ gives the largest final pot/);
    expect(renderHtml([lab])).to.include("<table");
  });

  it("sweeps s₀: each policy's pot at every grid point, its best, and the sweep's section", () => {
    const r = sweep(small(), [0.005, 0.02], 2);
    for (const p of pm.LAB_POLICIES) {
      expect(r.pots[p]).to.have.length(2);
      expect(r.pots[p].map((e) => e.n)).to.deep.equal([2, 2]);
      expect([0.005, 0.02]).to.include(best(r, p).s0);
    }
    const section = renderSweep(r, pm.LAB_POLICIES);
    expect(section).to.match(/\| constant \| \d+ ± \d+ \| \d+ ± \d+ \| \d+ ± \d+ at s₀ = 0\.0(05|2) \|/);
    expect(section).to.match(/At its best s₀ [\w-]+ gives the largest pot/);
    expect(renderMarkdown([lab], [section])).to.include("## Tuned s₀");
  });
});

describe("mechanism lab: speed policies (the contract's rules, PledgeMath's mirrors)", () => {
  it("harmonic: the recursion 1/s_{k+1} = 1/s_k + c/s₀ stays within k wei below ⌊s₀/(1 + c·k)⌋, never 0", () => {
    const s0 = 123456789012345678n;
    const c = WAD / 20n;
    for (const k of [0, 1, 2, 7, 199, 10_000]) {
      const want = BigInt(
        new D(s0.toString())
          .div(new D(1).plus(new D(c.toString()).div(1e18).mul(k)))
          .floor()
          .toFixed(0),
      );
      const got = pm.harmonicSpeed(s0, c, k);
      expect(got <= want && got >= want - BigInt(k), `slot ${k}: ${got} vs ${want}`).to.equal(true);
    }
    expect(pm.harmonicSpeed(1n, WAD, 5)).to.equal(1n);
  });

  it("limit-sqrt: s₀·√(L₀/L) to within one wei of the floor (the inner √ floors too), never 0", () => {
    const s0 = 5n * 10n ** 15n;
    const L0 = 100n * WAD;
    for (const L of [1n, 10n ** 12n, 37n * WAD, 100n * WAD, 12345n * WAD]) {
      const got = pm.limitScaledSpeed(s0, L0, L);
      const exact = new D(s0.toString()).mul(new D(L0.toString()).div(L.toString()).sqrt());
      expect(new D(got.toString()).lte(exact)).to.equal(true);
      expect(exact.minus(got.toString()).lt(new D(s0.toString()).div(1e18).plus(1))).to.equal(true);
    }
    expect(pm.limitScaledSpeed(100n * WAD, L0, L0)).to.equal(100n * WAD);
    expect(pm.limitScaledSpeed(1n, 1n, 10n ** 30n)).to.equal(1n);
    expect(() => pm.limitScaledSpeed(s0, L0, 0n)).to.throw(RangeError);
  });

  it("labSpeed: constant and geometric are the contract's policySpeeds", () => {
    const p: pm.PolicyParams = {
      initialSpeed: WAD,
      decay: (WAD * 9n) / 10n,
      harmonicRate: 0n,
      referenceLimit: WAD,
    };
    const geometric = pm.policySpeeds(pm.Policy.Geometric, p.initialSpeed, p.decay, 300);
    let prev: bigint | undefined;
    for (let k = 0; k < 300; k++) {
      prev = pm.labSpeed("geometric", p, k, WAD, prev);
      expect(prev).to.equal(geometric[k]);
      expect(pm.labSpeed("constant", p, k, WAD)).to.equal(WAD);
    }
  });

  it("labSpeed: harmonic is the contract's policySpeeds, with or without the previous slot's speed", () => {
    const p: pm.PolicyParams = { initialSpeed: WAD, decay: WAD, harmonicRate: WAD / 3n, referenceLimit: WAD };
    const harmonic = pm.policySpeeds(pm.Policy.Harmonic, p.initialSpeed, p.harmonicRate, 50);
    let prev: bigint | undefined;
    for (let k = 0; k < 50; k++) {
      prev = pm.labSpeed("harmonic", p, k, WAD, prev);
      expect(prev).to.equal(harmonic[k]);
      expect(pm.labSpeed("harmonic", p, k, WAD)).to.equal(harmonic[k]);
      expect(pm.harmonicSpeed(p.initialSpeed, p.harmonicRate, k)).to.equal(harmonic[k]);
    }
  });
});
