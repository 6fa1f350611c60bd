/**
 * sdk/math/qf.ts (qf-math.ts, allocator.ts, the float match) against independent references: decimal.js at 80 digits for every floor the
 * contract takes, and closed forms ((Σ√c)² − Σc).
 */
import { expect } from "chai";
import Decimal from "decimal.js";
import {
  WAD,
  allocation,
  capRaw,
  gapRoundState,
  matchRaw,
  qfMatchFloat,
  roundMatchesFloat,
  roundOutcome,
  scaleOf,
  sqrtTerm,
  weight,
} from "../../sdk/math/qf";
import { isqrt } from "../../sdk/math/common";

const D = Decimal.clone({ precision: 80, rounding: Decimal.ROUND_FLOOR });
const floorD = (x: Decimal): bigint => BigInt(x.floor().toFixed(0));
const dec = (x: bigint): Decimal => new D(x.toString());

/**
 * chai's `closeTo` for plain numbers: |actual − expected| ≤ delta. Written out because Hardhat 3's
 * chai matchers (installed once any suite of the run opens the chain) send every number `closeTo`
 * through BigInt, which rejects fractional values.
 */
function expectClose(actual: number, expected: number, delta: number): void {
  expect(Math.abs(actual - expected), `${actual} is not within ${delta} of ${expected}`).to.be.at.most(delta);
}

/** Deterministic pseudo-random bigints (xorshift), so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}
function randomBig(next: () => number, bits: number): bigint {
  let v = 0n;
  for (let i = 0; i < bits; i += 16) v = (v << 16n) | BigInt(Math.floor(next() * 65536));
  return v & ((1n << BigInt(bits)) - 1n);
}

/** Reference weight of one gap: decimal.js floors of √(c·scale·1e18), then ⌊S²/1e18⌋ − Σc·scale. */
function referenceWeight(totals: bigint[], scale: bigint): bigint {
  let s = new D(0);
  let direct = 0n;
  for (const c of totals) {
    s = s.plus(
      dec(c * scale * WAD)
        .sqrt()
        .floor(),
    );
    direct += c * scale;
  }
  const square = floorD(s.mul(s).div(dec(WAD)));
  return square > direct ? square - direct : 0n;
}

describe("sdk/math/qf", () => {
  it("isqrt is ⌊√x⌋ (decimal.js), including perfect squares and their neighbours", () => {
    const next = rng(7);
    const cases: bigint[] = [
      0n,
      1n,
      2n,
      3n,
      4n,
      15n,
      16n,
      17n,
      10n ** 36n,
      10n ** 36n - 1n,
      (1n << 256n) - 1n,
    ];
    for (let i = 0; i < 300; i++) cases.push(randomBig(next, 8 + Math.floor(next() * 248)));
    for (const x of cases) {
      const r = isqrt(x);
      expect(r, x.toString()).to.equal(floorD(dec(x).sqrt()));
      expect(r * r <= x && (r + 1n) * (r + 1n) > x).to.equal(true);
    }
    expect(() => isqrt(-1n)).to.throw(RangeError);
  });

  it("closed-form cases: 1×100 → 0, 10×10 → 900, 100×1 → 9,900", () => {
    const scale = scaleOf(18);
    const tokens = (n: number): bigint => BigInt(n) * 10n ** 18n;
    const one = gapRoundState([["0xa", tokens(100)]], scale);
    expect(one.weight).to.equal(0n);

    // 100 contributors of 1: √1 is exact, so the weight is exactly (100·1)² − 100 = 9,900 tokens.
    const hundred = gapRoundState(
      Array.from({ length: 100 }, (_, i) => [`0x${i}`, tokens(1)] as const),
      scale,
    );
    expect(hundred.weight).to.equal(tokens(9_900));

    // 10 contributors of 10: √10 is irrational; the floors make the weight a hair below 900 tokens.
    const ten = gapRoundState(
      Array.from({ length: 10 }, (_, i) => [`0x${i}`, tokens(10)] as const),
      scale,
    );
    // Closed form: (10·√10)² − 100 = 1000 − 100 = 900 tokens (the seed's "116" is wrong).
    expect(ten.weight).to.equal(referenceWeight(Array(10).fill(tokens(10)), scale));
    expect(ten.weight <= tokens(900)).to.equal(true);
    // Ten floors of < 1 unit each in S ≈ 31.6e18 lower S² by < 2·31.62·10 ≈ 633 wei.
    expect(tokens(900) - ten.weight <= 633n).to.equal(true);
    expectClose(qfMatchFloat(Array(10).fill(10)), 900, 1e-9);
    expect(qfMatchFloat([100])).to.equal(0);
    expectClose(qfMatchFloat(Array(100).fill(1)), 9_900, 1e-9);
  });

  it("sums a contributor's contributions before the square root (split neutrality)", () => {
    const scale = scaleOf(18);
    const split = gapRoundState(
      [...Array.from({ length: 10 }, () => ["0xA", 10n ** 19n] as const), ["0xb", 4n * 10n ** 20n]],
      scale,
    );
    const whole = gapRoundState(
      [
        ["0xa", 10n ** 20n],
        ["0xB", 4n * 10n ** 20n],
      ],
      scale,
    );
    expect(split).to.deep.equal(whole);
    // (√100 + √400)² − 500 = 900 − 500 = 400 tokens, exact (perfect squares).
    expect(whole.weight).to.equal(400n * 10n ** 18n);
  });

  it("weights match decimal.js for random gaps and tokens of 18, 6 and 0 decimals", () => {
    const next = rng(42);
    for (const decimals of [18, 6, 0]) {
      const scale = scaleOf(decimals);
      for (let i = 0; i < 60; i++) {
        const n = 1 + Math.floor(next() * 12);
        const totals = Array.from({ length: n }, () => 1n + randomBig(next, 8 + Math.floor(next() * 80)));
        const state = gapRoundState(
          totals.map((c, j) => [`0x${j.toString(16)}`, c] as const),
          scale,
        );
        expect(state.weight).to.equal(referenceWeight(totals, scale));
        // Against the exact real weight: never above it, and close (each floor costs < 2·S/1e18 + 1).
        const sqrtSum = totals.reduce(
          (s, c) =>
            s.plus(
              dec(c * scale)
                .div(dec(WAD))
                .sqrt(),
            ),
          new D(0),
        );
        const real = sqrtSum.pow(2).minus(dec(totals.reduce((a, b) => a + b, 0n) * scale).div(dec(WAD)));
        const realWei = real.mul(dec(WAD));
        expect(dec(state.weight).lte(realWei.plus(1))).to.equal(true);
        expect(realWei.minus(dec(state.weight)).lte(sqrtSum.mul(2 * (n + 1)).plus(n + 2))).to.equal(true);
        if (n === 1) expect(state.weight).to.equal(0n); // a single contributor gets no match
      }
    }
  });

  it("matches and allocation follow α = min(1, P/W), the whole-pool mode and the cap", () => {
    const scale = 10n ** 12n; // a 6-decimal token
    // Pool covers the weights: every gap gets ⌊w/scale⌋ and the round takes ⌊W/scale⌋.
    expect(matchRaw(5_000_000_000_000_000_001n, 9n * 10n ** 18n, 100_000_000n, scale, false)).to.equal(
      5_000_000n,
    );
    expect(allocation(9n * 10n ** 18n + 7n, 100_000_000n, scale, false)).to.equal(9_000_000n);
    // Pool smaller than W: pro rata, floors.
    const w = 3n * 10n ** 18n;
    const W = 7n * 10n ** 18n;
    const P = 2_000_000n; // 2 tokens
    expect(matchRaw(w, W, P, scale, false)).to.equal(
      floorD(
        dec(w)
          .mul(dec(P * scale))
          .div(dec(W))
          .div(dec(scale)),
      ),
    );
    expect(allocation(W, P, scale, false)).to.equal(P);
    // Whole-pool mode with a pool larger than W: α = P/W > 1.
    expect(matchRaw(w, W, 70_000_000n, scale, true)).to.equal(30_000_000n);
    expect(allocation(W, 70_000_000n, scale, true)).to.equal(70_000_000n);
    // W = 0 spends nothing.
    expect(allocation(0n, P, scale, false)).to.equal(0n);
    expect(matchRaw(0n, 0n, P, scale, true)).to.equal(0n);
    expect(capRaw(1_000n, 2_500n)).to.equal(250n);
    expect(capRaw(999n, 1n)).to.equal(0n);
  });

  it("pro-rata sums never exceed the pool and the dust stays (random rounds, decimal.js)", () => {
    const next = rng(2026);
    for (let round = 0; round < 40; round++) {
      const decimals = [18, 6, 2][round % 3] ?? 18;
      const unit = 10n ** BigInt(decimals);
      const gaps = Array.from({ length: 1 + Math.floor(next() * 8) }, () =>
        Array.from(
          { length: 1 + Math.floor(next() * 6) },
          (_, j) => [`0x${j}`, 1n + BigInt(Math.floor(next() * 1000)) * unit + randomBig(next, 20)] as const,
        ),
      );
      const pool = BigInt(Math.floor(next() * 3000)) * unit;
      const wholePool = next() < 0.5;
      const capBps = next() < 0.3 ? BigInt(Math.floor(next() * 10_000)) : 0n;
      const out = roundOutcome(gaps, pool, decimals, { wholePool, capBps });
      expect(out.paid <= out.allocated && out.allocated <= pool).to.equal(true);
      expect(out.returned).to.equal(out.allocated - out.paid);
      // Reference: α·wᵍ in decimal.js, floored in normalised units then to raw (the contract's order).
      const scale = scaleOf(decimals);
      const W = dec(out.totalWeight);
      for (const g of out.gaps) {
        let expected = 0n;
        if (g.weight > 0n) {
          // ⌊w·α⌋ with α = 1 when the pool covers W (default mode), else P·scale/W; division last.
          const scaled =
            !wholePool && out.totalWeight <= pool * scale
              ? dec(g.weight)
              : dec(g.weight)
                  .mul(dec(pool * scale))
                  .div(W);
          expected = floorD(dec(floorD(scaled)).div(dec(scale)));
          if (capBps !== 0n) {
            const cap = floorD(dec(pool).mul(dec(capBps)).div(10_000));
            if (expected > cap) expected = cap;
          }
        }
        expect(g.match).to.equal(expected);
      }
      // Without a cap, dust is below one raw unit per funded gap (plus one from ⌊W/scale⌋).
      if (capBps === 0n) expect(out.returned <= BigInt(out.gapsFunded) + 1n).to.equal(true);
    }
  });

  it("float helpers agree with the closed forms", () => {
    const m = roundMatchesFloat([[1, 1, 1, 1], [100], [4, 9]], 10);
    // Weights: (4)² − 4 = 12, 0, (2 + 3)² − 13 = 12 → W = 24 > 10, α = 10/24.
    expectClose(m[0], 5, 1e-12);
    expect(m[1]).to.equal(0);
    expectClose(m[2], 5, 1e-12);
    expect(roundMatchesFloat([[1, 1]], 100)).to.deep.equal([2]);
    expect(roundMatchesFloat([[1, 1]], 100, true)).to.deep.equal([100]);
    expect(roundMatchesFloat([[5]], 100)).to.deep.equal([0]);
    expect(sqrtTerm(4n, 1n)).to.equal(2n * 10n ** 9n);
    expect(weight(3n * WAD, 4n * WAD)).to.equal(5n * WAD);
  });
});
