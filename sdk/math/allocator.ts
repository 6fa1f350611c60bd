/**
 * QuadraticFundingAllocator's own matching math on top of QFMath (./qf-math): the raw/normalised scale,
 * the per-gap match after the round's cap (`_matchOf`), a gap's round state as the contract accumulates
 * it, and a round's outcome for every gap — in bigint, to the wei. Each function names its twin.
 */
import { allocation, capRaw, matchRaw, sqrtTerm, weight } from "./qf-math";

/** 10^(18 − decimals): the factor from raw to normalised amounts (the allocator's `_SCALE`). */
export function scaleOf(decimals: number): bigint {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 18) {
    throw new RangeError(`Tokens with ${decimals} decimals are not supported (at most 18)`);
  }
  return 10n ** BigInt(18 - decimals);
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

/** What a contribution would do to its gap's estimated match in the open round. */
export interface ContributionPreview {
  /** The gap's weight before and after (normalised units). */
  weightBefore: bigint;
  weightAfter: bigint;
  /** The round's W before and after. */
  totalWeightBefore: bigint;
  totalWeightAfter: bigint;
  /** `getGapFundingStats.estimatedMatch` before and after (raw tokens, before any cap). */
  matchBefore: bigint;
  matchAfter: bigint;
}

/**
 * `contributeToGap`'s effect on the gap's estimated match, as the contract updates its state: the
 * contributor's round total `prior` becomes `prior + amount`, so Σ√c gains
 * sqrtTerm(prior + amount) − sqrtTerm(prior) and W changes by the gap's change of weight; the estimate
 * is `QFMath.matchRaw` at the pool now, as `getGapFundingStats` computes it.
 */
export function previewContribution(args: {
  /** `gapRoundState(gapId, round)`: Σ√c and Σc (raw) of the gap in the open round. */
  sumSqrt: bigint;
  direct: bigint;
  /** The contributor's total with the gap in the round so far (`contributionOf`). */
  prior: bigint;
  amount: bigint;
  /** The round's W now (`getRound(round).totalWeight`). */
  totalWeight: bigint;
  poolRaw: bigint;
  scale: bigint;
  wholePool: boolean;
}): ContributionPreview {
  const { sumSqrt, direct, prior, amount, totalWeight, poolRaw, scale, wholePool } = args;
  const weightBefore = weight(sumSqrt, direct * scale);
  const sumAfter = sumSqrt - sqrtTerm(prior, scale) + sqrtTerm(prior + amount, scale);
  const weightAfter = weight(sumAfter, (direct + amount) * scale);
  const totalWeightAfter = totalWeight - weightBefore + weightAfter;
  return {
    weightBefore,
    weightAfter,
    totalWeightBefore: totalWeight,
    totalWeightAfter,
    matchBefore: matchRaw(weightBefore, totalWeight, poolRaw, scale, wholePool),
    matchAfter: matchRaw(weightAfter, totalWeightAfter, poolRaw, scale, wholePool),
  };
}
