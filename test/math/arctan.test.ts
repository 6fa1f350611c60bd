/**
 * contracts/libraries/Arctan.sol through contracts/mocks/ArctanHarness.sol, and its bigint mirror
 * sdk/math/arctan.ts. Every reference value comes from decimal.js at 60 significant digits, never
 * from the code under test. Inputs come from a seeded generator, so every run checks the same values.
 */
import { expect } from "chai";
import { ethers, loadFixture } from "../helpers/chain";
import Decimal from "decimal.js";
import type { ArctanHarness } from "../../typechain-types";
import { MAX_UINT256, WAD } from "../../sdk/math/common";
import {
  MAX_RESULT,
  PI_OVER_2_X128,
  Q,
  TABLE,
  atan as atanMirror,
  atanReducedX128,
  atanX128,
  branchPoints,
  reduce,
  tableEntry,
  tableIndex,
} from "../../sdk/math/arctan";

const D = Decimal.clone({ precision: 60 });
const PI_OVER_2 = D.acos(-1).div(2);
const TWO_128 = new D(2).pow(128);
/** Largest raw input of the accuracy requirement: 1e36 in real terms. */
const X_MAX_DOMAIN = 10n ** 54n;
/** Inputs per eth_call of `atanBatch` (well inside the in-process node's gas cap). */
const BATCH = 1500;

/** Exact atan(x/1e18)·1e18 (60 digits). */
function reference(x: bigint): Decimal {
  return D.atan(new D(x.toString()).div(1e18)).mul(1e18);
}

/** Deterministic generator (SplitMix64), so failures reproduce. */
function rng(seed: bigint): () => bigint {
  let s = seed & 0xffffffffffffffffn;
  return () => {
    s = (s + 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
    let z = s;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & 0xffffffffffffffffn;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & 0xffffffffffffffffn;
    return z ^ (z >> 31n);
  };
}

/** Uniform bigint in [0, 2^bits). */
function randomBits(next: () => bigint, bits: number): bigint {
  let v = 0n;
  for (let have = 0; have < bits; have += 64) v = (v << 64n) | next();
  return v & ((1n << BigInt(bits)) - 1n);
}

/** Uniform bigint in [lo, hi]. */
function randomBetween(next: () => bigint, lo: bigint, hi: bigint): bigint {
  const span = hi - lo + 1n;
  return lo + (randomBits(next, span.toString(2).length + 64) % span);
}

/** `count` inputs log-spaced in [1, max]: a uniform bit length, then a uniform value of that length. */
function logSpaced(next: () => bigint, count: number, max: bigint): bigint[] {
  const maxBits = max.toString(2).length;
  const out: bigint[] = [];
  while (out.length < count) {
    const bits = 1 + Number(next() % BigInt(maxBits));
    const x = (1n << BigInt(bits - 1)) | randomBits(next, bits - 1);
    if (x <= max) out.push(x);
  }
  return out;
}

/** `x` and its neighbours ±1, ±2, clipped to uint256. */
function withNeighbours(points: readonly bigint[], radius = 2n): bigint[] {
  const out = new Set<bigint>();
  for (const p of points) {
    for (let d = -radius; d <= radius; d++) {
      const x = p + d;
      if (x >= 0n && x <= MAX_UINT256) out.add(x);
    }
  }
  return [...out];
}

function isNonDecreasing(values: readonly bigint[]): boolean {
  return values.every((v, i) => i === 0 || values[i - 1] <= v);
}

describe("Arctan", function () {
  async function deployHarness(): Promise<{ harness: ArctanHarness }> {
    const harness = await ethers.deployContract("ArctanHarness");
    await harness.waitForDeployment();
    return { harness };
  }

  /** The contract's results for `xs`, in batches. */
  async function evaluate(harness: ArctanHarness, xs: readonly bigint[]): Promise<bigint[]> {
    const out: bigint[] = [];
    for (let i = 0; i < xs.length; i += BATCH) {
      out.push(...(await harness.atanBatch(xs.slice(i, i + BATCH))));
    }
    return out;
  }

  /** Signed error extremes (result − exact, in units of 1e-18) over `xs`, checking each input. */
  function checkAccuracy(xs: readonly bigint[], results: readonly bigint[]): { min: Decimal; max: Decimal } {
    let min = new D(0);
    let max = new D(0);
    xs.forEach((x, i) => {
      const err = new D(results[i].toString()).sub(reference(x));
      // The requirement (≤ 2 units) …
      expect(err.abs().lte(2), `atan(${x}) = ${results[i]}, error ${err.toString()}`).to.equal(true);
      // … and the library's documented bound: the floor of a value within 7.7e-25 of the exact one.
      expect(err.gt(-1.000001) && err.lt(0.000001), `atan(${x}): error ${err.toString()}`).to.equal(true);
      min = D.min(min, err);
      max = D.max(max, err);
    });
    return { min, max };
  }

  describe("constants (decimal.js)", function () {
    it("π/2 is ⌊π/2·2^128⌋ and the result bound ⌊π/2·1e18⌋", function () {
      expect(PI_OVER_2_X128).to.equal(BigInt(PI_OVER_2.mul(TWO_128).floor().toFixed(0)));
      expect(MAX_RESULT).to.equal(BigInt(PI_OVER_2.mul(1e18).floor().toFixed(0)));
    });

    it("the table holds atan(k/16)·2^128 rounded to nearest", function () {
      for (let k = 0n; k <= 15n; k++) {
        const exact = D.atan(new D(k.toString()).div(16)).mul(TWO_128);
        expect(new D(tableEntry(k).toString()).sub(exact).abs().lte(0.5), `k = ${k}`).to.equal(true);
      }
      expect(TABLE.length).to.equal(8);
    });

    it("the polynomial is within 7.67e-25 of atan on |t| ≤ 1/31", function () {
      let worst = new D(0);
      for (let i = 0; i <= 600; i++) {
        const t = new D(i).div(600 * 31);
        const u = t.mul(t);
        let q = new D(0);
        for (let j = Q.length - 1; j >= 0; j--) {
          q = q.mul(u).add(new D(Q[j].toString()).div(TWO_128).mul(j % 2 === 0 ? 1 : -1));
        }
        worst = D.max(worst, q.mul(t).sub(D.atan(t)).abs());
      }
      expect(worst.lt(7.67e-25), worst.toString()).to.equal(true);
    });
  });

  describe("accuracy against decimal.js (≤ 2 units of 1e-18)", function () {
    it("atan(0) = 0, atan(1e-18) rounds down to 0, atan(1) = ⌊π/4·1e18⌋", async function () {
      const { harness } = await loadFixture(deployHarness);
      expect(await harness.atanRaw(0n)).to.equal(0n);
      expect(await harness.atan(0n)).to.equal(0n);
      expect(await harness.atanRaw(1n)).to.equal(0n);
      expect(await harness.atanRaw(WAD)).to.equal(BigInt(PI_OVER_2.div(2).mul(1e18).floor().toFixed(0)));
    });

    it("[heavy] 3,000 log-spaced random inputs in (0, 1e36]", async function () {
      const { harness } = await loadFixture(deployHarness);
      const xs = logSpaced(rng(1n), 3000, X_MAX_DOMAIN);
      const { min, max } = checkAccuracy(xs, await evaluate(harness, xs));
      const show = (d: Decimal): string => d.toSignificantDigits(12, Decimal.ROUND_DOWN).toString();
      console.log(`      result − exact ∈ [${show(min)}, ${show(max)}] units of 1e-18`);
    });

    it("every branch point of the range reduction and its neighbours (±1, ±2)", async function () {
      const { harness } = await loadFixture(deployHarness);
      const xs = withNeighbours(branchPoints());
      checkAccuracy(xs, await evaluate(harness, xs));
    });

    it("[heavy] 1,000 uniform inputs in [0, 2] and 500 log-spaced over all of uint256", async function () {
      const { harness } = await loadFixture(deployHarness);
      const next = rng(2n);
      const xs = [
        ...Array.from({ length: 1000 }, () => randomBetween(next, 0n, 2n * WAD)),
        ...logSpaced(next, 500, MAX_UINT256),
      ];
      checkAccuracy(xs, await evaluate(harness, xs));
    });
  });

  describe("branch points", function () {
    it("are where the branch changes: x > 1 inverts, the table index moves by one", function () {
      const branch = (x: bigint): string => {
        const { z, inverted } = reduce(x);
        return `${inverted}/${tableIndex(z)}`;
      };
      const points = branchPoints();
      // 0, 1e18, 1e18 + 1, 15 boundaries on each side of 1, and the end of the z grid
      expect(points.length).to.equal(34);
      for (const p of points) {
        if (p === 0n || p === WAD || p === (WAD << 96n) + 1n) continue;
        expect(branch(p - 1n), `x = ${p}`).to.not.equal(branch(p));
      }
    });
  });

  describe("monotonicity", function () {
    it("[heavy] is non-decreasing over 128 consecutive inputs around every branch point", async function () {
      const { harness } = await loadFixture(deployHarness);
      for (const p of branchPoints()) {
        const xs = withNeighbours([p], 64n).sort((a, b) => (a < b ? -1 : 1));
        expect(isNonDecreasing(await harness.atanBatch(xs)), `around ${p}`).to.equal(true);
      }
    });

    it("the mirror's 2^128-scaled angle strictly increases over 20,000 inputs around each branch point", function () {
      for (const p of branchPoints()) {
        if (p === (WAD << 96n) + 1n) continue; // z = 0 beyond: constant, by design
        let previous = p > 10_000n ? atanX128(p - 10_001n) : -1n;
        for (let x = p > 10_000n ? p - 10_000n : 0n; x <= p + 10_000n; x++) {
          const angle = atanX128(x);
          if (angle <= previous) expect.fail(`angle not increasing at x = ${x} (branch point ${p})`);
          previous = angle;
        }
      }
    });

    it("the mirror's reduced angle strictly increases with z inside every table interval", function () {
      // The core of the monotonicity proof: within one table interval, distinct z give strictly
      // increasing angles (the 2^128-scale roundings never outweigh a 2^-96 step of z).
      const next = rng(7n);
      const starts: bigint[] = [];
      for (let k = 0n; k <= 15n; k++) {
        const lo = k === 0n ? 0n : (2n * k - 1n) << 91n; // first z of interval k
        const hi = k === 15n ? 1n << 96n : ((2n * k + 1n) << 91n) - 1n; // last z of interval k
        starts.push(lo, hi - 2000n, randomBetween(next, lo, hi - 2000n));
      }
      for (const start of starts) {
        const k = tableIndex(start);
        let previous = atanReducedX128(start);
        for (let z = start + 1n; z <= start + 2000n; z++) {
          expect(tableIndex(z)).to.equal(k);
          const angle = atanReducedX128(z);
          if (angle <= previous) expect.fail(`reduced angle not increasing at z = ${z}`);
          previous = angle;
        }
      }
    });

    it("[heavy] is non-decreasing on 3,000 random pairs and on sorted random inputs", async function () {
      const { harness } = await loadFixture(deployHarness);
      const next = rng(3n);
      const lows = [...logSpaced(next, 2000, X_MAX_DOMAIN), ...logSpaced(next, 1000, MAX_UINT256 - 1000n)];
      // Neighbours at distance 1 … 1000, and at a random relative distance.
      const highs = lows.map((x, i) =>
        i % 2 === 0 ? x + 1n + (next() % 1000n) : x + randomBetween(next, 0n, x >> BigInt(1 + (i % 60))),
      );
      const xs = [...lows, ...highs].map((x) => (x > MAX_UINT256 ? MAX_UINT256 : x));
      const results = await evaluate(harness, xs);
      for (let i = 0; i < lows.length; i++) {
        const hi = results[lows.length + i];
        if (results[i] > hi)
          expect.fail(`atan(${xs[i]}) = ${results[i]} > atan(${xs[lows.length + i]}) = ${hi}`);
      }
      const order = xs.map((_, i) => i).sort((a, b) => (xs[a] < xs[b] ? -1 : xs[a] > xs[b] ? 1 : 0));
      expect(isNonDecreasing(order.map((i) => results[i]))).to.equal(true);
    });
  });

  describe("bounds", function () {
    it("stays strictly below π/2 and saturates at ⌊π/2·1e18⌋ for huge inputs", async function () {
      const { harness } = await loadFixture(deployHarness);
      const huge = [
        ...withNeighbours([10n ** 36n, 10n ** 54n, (WAD << 96n) + 1n, 1n << 255n], 2n),
        MAX_UINT256 - 1n,
        MAX_UINT256,
      ];
      const results = await evaluate(harness, huge);
      const bound = PI_OVER_2.mul(1e18);
      for (const r of results) {
        expect(r <= MAX_RESULT).to.equal(true);
        expect(new D(r.toString()).lt(bound)).to.equal(true);
      }
      expect(await harness.atanRaw(MAX_UINT256)).to.equal(MAX_RESULT);
      // x = 1e18: π/2 − 1e-18 + O(1e-54) → one unit below the bound; x = 1e36: π/2 − 1e-36 → the bound.
      expect(await harness.atanRaw(10n ** 36n)).to.equal(MAX_RESULT - 1n);
      expect(await harness.atanRaw(10n ** 54n)).to.equal(MAX_RESULT);
    });

    it("never reverts and never exceeds ⌊π/2·1e18⌋ on 2,000 random uint256 inputs", async function () {
      const { harness } = await loadFixture(deployHarness);
      const next = rng(4n);
      const xs = Array.from({ length: 2000 }, (_, i) => randomBits(next, 1 + (i % 256)));
      const results = await evaluate(harness, xs);
      expect(results.every((r) => r <= MAX_RESULT)).to.equal(true);
    });
  });

  describe("sdk/math/arctan.ts mirror", function () {
    it("[heavy] agrees to the wei with the contract on 4,000 random inputs and every branch neighbourhood", async function () {
      const { harness } = await loadFixture(deployHarness);
      const next = rng(5n);
      const xs = [
        ...logSpaced(next, 1500, X_MAX_DOMAIN),
        ...logSpaced(next, 1000, MAX_UINT256),
        ...Array.from({ length: 1500 }, () => randomBetween(next, 0n, 40n * WAD)),
        ...withNeighbours(branchPoints(), 8n),
        MAX_UINT256,
      ];
      const results = await evaluate(harness, xs);
      xs.forEach((x, i) => {
        if (atanMirror(x) !== results[i])
          expect.fail(`x = ${x}: contract ${results[i]}, mirror ${atanMirror(x)}`);
      });
    });

    it("rejects inputs outside uint256", function () {
      expect(() => atanMirror(-1n)).to.throw(RangeError);
      expect(() => atanMirror(MAX_UINT256 + 1n)).to.throw(RangeError);
    });
  });

  describe("gas", function () {
    it("[gas] costs at most 700 gas per call (harness overhead subtracted) across all branches", async function () {
      const { harness } = await loadFixture(deployHarness);
      const xs = [...withNeighbours(branchPoints(), 1n), ...logSpaced(rng(6n), 300, MAX_UINT256)];
      const [gas, results] = await harness.measureGasBatch(xs);
      expect(results).to.deep.equal(xs.map((x) => atanMirror(x)));
      const max = gas.reduce((a, b) => (a > b ? a : b));
      expect(Number(max)).to.be.at.most(700);
    });
  });
});
