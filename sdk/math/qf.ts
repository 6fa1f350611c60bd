/**
 * The allocator's quadratic-funding math, mirrored one to one in bigint from
 * contracts/libraries/QFMath.sol and the matching parts of QuadraticFundingAllocator.sol, so the
 * results agree with the contract to the wei. Every function names its Solidity twin and rounds the
 * same way (always down). A float version (`qfMatchFloat`) is there for quick estimates and plots.
 *
 * Units: "raw" amounts are integers of the token; "norm" amounts are normalised to 18 decimals
 * (raw · scale with scale = 10^(18 − decimals)); Σ√c is in 1e18 units of √token.
 */

import { WAD, isqrt } from "./common";

/** `QFMath.WAD`: 1.0 in 18-decimal fixed point (defined once, in ./common). */
export { WAD };
/** Basis points in 100% (`QFMath.BPS`). */
export const BPS = 10_000n;

/** 10^(18 − decimals): the factor from raw to normalised amounts (the allocator's `_SCALE`). */
export function scaleOf(decimals: number): bigint {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 18) {
    throw new RangeError(`Tokens with ${decimals} decimals are not supported (at most 18)`);
  }
  return 10n ** BigInt(18 - decimals);
}

/** `QFMath.sqrtTerm`: √c of one contributor's round total, ⌊√(cRaw · scale · 1e18)⌋ (1e18 = 1 √token). */
export function sqrtTerm(cRaw: bigint, scale: bigint): bigint {
  return isqrt(cRaw * scale * WAD);
}

/** `QFMath.weight`: w = max(0, ⌊S²/1e18⌋ − Σc) in normalised units. */
export function weight(sumSqrt: bigint, directNorm: bigint): bigint {
  const square = (sumSqrt * sumSqrt) / WAD;
  return square > directNorm ? square - directNorm : 0n;
}

/** `QFMath.allocation`: raw tokens a round takes from the pool when finalised with `poolRaw`. */
export function allocation(totalWeight: bigint, poolRaw: bigint, scale: bigint, wholePool: boolean): bigint {
  if (totalWeight === 0n) return 0n;
  if (!wholePool && totalWeight <= poolRaw * scale) return totalWeight / scale;
  return poolRaw;
}

/** `QFMath.matchRaw`: a gap's match before any cap, ⌊α·w⌋ then down to raw units. */
export function matchRaw(
  w: bigint,
  totalWeight: bigint,
  poolRaw: bigint,
  scale: bigint,
  wholePool: boolean,
): bigint {
  if (w === 0n || totalWeight === 0n) return 0n;
  const poolNorm = poolRaw * scale;
  if (!wholePool && totalWeight <= poolNorm) return w / scale;
  return (w * poolNorm) / totalWeight / scale;
}

/** `QFMath.capRaw`: ⌊pool · capBps / 10,000⌋ (0 = no cap). */
export function capRaw(poolRaw: bigint, capBps: bigint): bigint {
  return (poolRaw * capBps) / BPS;
}

/** `QuadraticFundingAllocator._matchOf`: the match after the round's cap. */
export function matchAfterCap(
  w: bigint,
  totalWeight: bigint,
  poolRaw: bigint,
  scale: bigint,
  wholePool: boolean,
  capBps: bigint,
): bigint {
  if (w === 0n) return 0n;
  const amount = matchRaw(w, totalWeight, poolRaw, scale, wholePool);
  if (capBps !== 0n) {
    const cap = capRaw(poolRaw, capBps);
    if (amount > cap) return cap;
  }
  return amount;
}

/** A gap's contributions in one round, keyed by contributor (several entries are summed first). */
export type RoundContributions = ReadonlyArray<readonly [contributor: string, rawAmount: bigint]>;

/** Σ√c, Σc (raw) and w of one gap in one round, as the contract accumulates them. */
export interface GapRoundState {
  sumSqrt: bigint;
  direct: bigint;
  weight: bigint;
}

/**
 * The gap's round state after `contributions` (in any order; the same contributor's amounts are
 * summed before the square root, exactly like the contract's incremental update, which telescopes
 * to Σ sqrtTerm(total of each contributor)).
 */
export function gapRoundState(contributions: RoundContributions, scale: bigint): GapRoundState {
  const totals = new Map<string, bigint>();
  for (const [who, amount] of contributions) {
    const key = who.toLowerCase();
    totals.set(key, (totals.get(key) ?? 0n) + amount);
  }
  let sumSqrt = 0n;
  let direct = 0n;
  for (const total of totals.values()) {
    sumSqrt += sqrtTerm(total, scale);
    direct += total;
  }
  return { sumSqrt, direct, weight: weight(sumSqrt, direct * scale) };
}

/** Matching settings of a round. */
export interface MatchSettings {
  /** α = P/W instead of min(1, P/W). */
  wholePool?: boolean;
  /** Per-gap cap in basis points of the pool (0 = none). */
  capBps?: bigint;
}

/** The outcome of a round for every gap, as the contract would pay it. */
export interface RoundOutcome {
  /** W = Σw over the gaps. */
  totalWeight: bigint;
  /** Gaps with a positive weight. */
  gapsFunded: number;
  /** Raw tokens taken from the pool at finalisation (`RoundFinalized.distributed`). */
  allocated: bigint;
  /** Each gap's weight and match (after the cap), in the order given. */
  gaps: { weight: bigint; match: bigint }[];
  /** Σ matches actually paid. */
  paid: bigint;
  /** `allocated − paid`: cap excess and rounding dust, returned to the pool by `sweepRound` once every gap withdrew. */
  returned: bigint;
}

/**
 * A whole round: the contributions of each (open) gap, the pool and the settings → each gap's
 * match, what the round allocates and what flows back to the pool.
 */
export function roundOutcome(
  gaps: readonly RoundContributions[],
  poolRaw: bigint,
  decimals: number,
  settings: MatchSettings = {},
): RoundOutcome {
  const scale = scaleOf(decimals);
  const wholePool = settings.wholePool ?? false;
  const capBps = settings.capBps ?? 0n;
  const weights = gaps.map((c) => gapRoundState(c, scale).weight);
  const totalWeight = weights.reduce((a, b) => a + b, 0n);
  const allocated = allocation(totalWeight, poolRaw, scale, wholePool);
  const rows = weights.map((w) => ({
    weight: w,
    match: matchAfterCap(w, totalWeight, poolRaw, scale, wholePool, capBps),
  }));
  const paid = rows.reduce((a, r) => a + r.match, 0n);
  return {
    totalWeight,
    gapsFunded: weights.filter((w) => w > 0n).length,
    allocated,
    gaps: rows,
    paid,
    returned: allocated - paid,
  };
}

/**
 * Float estimate of the quadratic match of one gap with α = 1: (Σ√cᵢ)² − Σcᵢ, amounts in tokens.
 * Contributions are per contributor (already summed). Not exact; use the bigint functions for money.
 */
export function qfMatchFloat(contributions: readonly number[]): number {
  let sumSqrt = 0;
  for (const c of contributions) {
    if (!(c >= 0)) throw new RangeError("contributions must be non-negative numbers");
    sumSqrt += Math.sqrt(c);
  }
  // (Σ√c)² − Σc written as Σ √cᵢ·(S − √cᵢ): no cancellation, and exactly 0 for one contributor.
  let w = 0;
  for (const c of contributions) {
    const r = Math.sqrt(c);
    w += r * (sumSqrt - r);
  }
  return Math.max(0, w);
}

/** Float estimate of every gap's match for a pool (tokens), α = min(1, P/W) or P/W with `wholePool`. */
export function roundMatchesFloat(
  gaps: readonly (readonly number[])[],
  pool: number,
  wholePool = false,
): number[] {
  const weights = gaps.map(qfMatchFloat);
  const total = weights.reduce((a, b) => a + b, 0);
  if (total === 0) return weights.map(() => 0);
  const alpha = wholePool ? pool / total : Math.min(1, pool / total);
  return weights.map((w) => w * alpha);
}
