/**
 * Float64 estimates, for plots, quick previews and as the starting point of `findBracket`
 * (./settlement): the pledges' real-valued model pᵢ(h) = Lᵢ·(2/π)·atan(h·sᵢ) solved by Newton, and
 * the allocator's quadratic match (Σ√c)² − Σc. No Solidity twin; the exact on-chain integers are
 * ./pledge-math, ./settlement, ./qf-math and ./allocator.
 */
import { type CampaignMath, Mode } from "./campaign";

/** A campaign in float64: limits in tokens, speeds as numbers. */
export interface FloatCampaign {
  quadratic: boolean;
  limits: number[];
  speeds: number[];
}

/** Float view of a campaign (active pledges only). */
export function toFloat(c: CampaignMath): FloatCampaign {
  const active = c.pledges.filter((p) => p.active);
  return {
    quadratic: c.mode === Mode.Quadratic,
    limits: active.map((p) => Number(p.limit * c.scale) / 1e18),
    speeds: active.map((p) => Number(p.speed) / 1e18),
  };
}

function isFloatCampaign(c: CampaignMath | FloatCampaign): c is FloatCampaign {
  return (c as FloatCampaign).limits !== undefined;
}

/** pᵢ(h) = Lᵢ·(2/π)·atan(h·sᵢ) in float. */
export function paymentFloat(limit: number, speed: number, h: number): number {
  return limit * (2 / Math.PI) * Math.atan(h * speed);
}

/** pᵢ'(h) = Lᵢ·(2/π)·sᵢ/(1 + (h·sᵢ)²). */
export function derivativeFloat(limit: number, speed: number, h: number): number {
  const x = h * speed;
  return (limit * (2 / Math.PI) * speed) / (1 + x * x);
}

/**
 * The positive root by Newton from the right (h₀ = Σ√L or ΣL; g is concave, so iterates decrease
 * monotonically to the root). 0 when none exists (linear with (2/π)·ΣLs ≤ 1, or no pledge). `from`,
 * a warm start (e.g. the root before a pledge joined), may lie left of the root where g′ < 1: the
 * first step then lands right of it (g concave); where g′ ≥ 1 Newton would head for h = 0, so the
 * solver starts from h₀ instead.
 */
export function solveFloat(campaign: CampaignMath | FloatCampaign, from?: number): number {
  const c = isFloatCampaign(campaign) ? campaign : toFloat(campaign);
  const n = c.limits.length;
  let sumLS = 0;
  for (let i = 0; i < n; i++) sumLS += c.limits[i] * c.speeds[i];
  if (sumLS === 0 || (!c.quadratic && (2 / Math.PI) * sumLS <= 1)) return 0;
  let warm = from !== undefined && from > 0 && Number.isFinite(from);
  let h = 0;
  if (warm) h = from!;
  else for (let i = 0; i < n; i++) h += c.quadratic ? Math.sqrt(c.limits[i]) : c.limits[i];
  let lastStep = Infinity;
  for (let it = 0; it < 200; it++) {
    let g = 0;
    let slope = 0;
    for (let i = 0; i < n; i++) {
      const p = paymentFloat(c.limits[i], c.speeds[i], h);
      const d = derivativeFloat(c.limits[i], c.speeds[i], h);
      if (c.quadratic) {
        const r = Math.sqrt(p);
        g += r;
        if (r > 0) slope += d / (2 * r);
      } else {
        g += p;
        slope += d;
      }
    }
    const f = g - h;
    if (warm && f > 0 && slope >= 1) return solveFloat(c);
    warm = false;
    const step = f / (1 - slope);
    const next = h + step;
    if (!(next > 0) || !Number.isFinite(next)) return h;
    // Converged, or at the float noise floor (a near-flat g − h: steps no longer shrink).
    const size = Math.abs(step);
    if (size <= 1e-15 * h || (size >= lastStep && size <= 1e-9 * h)) return next;
    lastStep = size;
    h = next;
  }
  return h;
}

/** Marginal leverage of pledge i (index into the float campaign) at h (default: the root). */
export function leverageFloat(campaign: CampaignMath | FloatCampaign, i: number, h?: number): number {
  const c = isFloatCampaign(campaign) ? campaign : toFloat(campaign);
  const at = h ?? solveFloat(c);
  let aMinus = 0;
  let dMinus = 0;
  for (let j = 0; j < c.limits.length; j++) {
    if (j === i) continue;
    const d = derivativeFloat(c.limits[j], c.speeds[j], at);
    dMinus += d;
    if (c.quadratic) {
      const r = Math.sqrt(paymentFloat(c.limits[j], c.speeds[j], at));
      if (r > 0) aMinus += d / (2 * r);
    }
  }
  if (c.quadratic) {
    const ri = Math.sqrt(paymentFloat(c.limits[i], c.speeds[i], at));
    return ri > 0 && aMinus < 1 ? 1 + dMinus / (2 * ri * (1 - aMinus)) : Infinity;
  }
  return dMinus < 1 ? 1 / (1 - dMinus) : Infinity;
}

/** Σ pᵢ(h) of a float campaign (tokens). */
export function potFloat(c: FloatCampaign, h: number): number {
  let pot = 0;
  for (let j = 0; j < c.limits.length; j++) pot += paymentFloat(c.limits[j], c.speeds[j], h);
  return pot;
}

/**
 * Float estimate of `realLeverage` (./real-leverage): (pot − pot without pledge i) / pᵢ, the other
 * pledges' terms kept; `h` is the campaign's root when known. NaN when pᵢ = 0.
 */
export function realLeverageFloat(c: FloatCampaign, i: number, h = solveFloat(c)): number {
  const without: FloatCampaign = {
    quadratic: c.quadratic,
    limits: c.limits.filter((_, k) => k !== i),
    speeds: c.speeds.filter((_, k) => k !== i),
  };
  const pi = paymentFloat(c.limits[i], c.speeds[i], h);
  return (potFloat(c, h) - potFloat(without, solveFloat(without, h))) / pi;
}

/** Float preview of a new pledge (limit in tokens, speed as a number). */
export function previewFloat(
  campaign: CampaignMath | FloatCampaign,
  limit: number,
  speed: number,
): { h: number; payment: number; potIncrease: number; leverage: number } {
  const c = isFloatCampaign(campaign) ? campaign : toFloat(campaign);
  const before = solveFloat(c);
  const potBefore = potFloat(c, before);
  const next: FloatCampaign = {
    quadratic: c.quadratic,
    limits: [...c.limits, limit],
    speeds: [...c.speeds, speed],
  };
  const h = solveFloat(next);
  const potAfter = potFloat(next, h);
  return {
    h,
    payment: paymentFloat(limit, speed, h),
    potIncrease: potAfter - potBefore,
    leverage: leverageFloat(next, next.limits.length - 1, h),
  };
}

// ─────────────────────────────────────────────── the allocator's match (float estimates)

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
