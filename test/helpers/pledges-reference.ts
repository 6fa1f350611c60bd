/**
 * Independent high-precision reference for the pledges tests: the exact model of ICoordinatedPledges
 * (h = Σ√pᵢ(h) or Σpᵢ(h), pᵢ(h) = Lᵢ·(2/π)·atan(h·sᵢ)) in
 * decimal.js at 50 significant digits (no fixed point, no code under test). Loaded by the
 * pledges.*.test.ts files; defines no tests itself.
 */
import Decimal from "decimal.js";

/** A decimal.js constructor at 50 digits, independent of the global Decimal settings. */
export const D = Decimal.clone({ precision: 50 });
export type Dec = InstanceType<typeof D>;

export const PI: Dec = D.acos(-1);
export const TWO_OVER_PI: Dec = new D(2).div(PI);

/** A campaign in real numbers: limits in tokens, speeds as numbers. */
export interface RefCampaign {
  quadratic: boolean;
  limits: Dec[];
  speeds: Dec[];
}

export function refCampaign(
  quadratic: boolean,
  limits: Decimal.Value[],
  speeds: Decimal.Value[],
): RefCampaign {
  return { quadratic, limits: limits.map((x) => new D(x)), speeds: speeds.map((x) => new D(x)) };
}

/** pᵢ(h) = Lᵢ·(2/π)·atan(h·sᵢ). */
export function refPayment(limit: Dec, speed: Dec, h: Dec): Dec {
  return limit.mul(TWO_OVER_PI).mul(D.atan(h.mul(speed)));
}

/** pᵢ'(h) = Lᵢ·(2/π)·sᵢ/(1 + (h·sᵢ)²). */
export function refDerivative(limit: Dec, speed: Dec, h: Dec): Dec {
  const x = h.mul(speed);
  return limit.mul(TWO_OVER_PI).mul(speed).div(x.mul(x).plus(1));
}

/** g(h) − h and its derivative. */
function residual(c: RefCampaign, h: Dec): { f: Dec; df: Dec } {
  let g = new D(0);
  let slope = new D(0);
  for (let i = 0; i < c.limits.length; i++) {
    const p = refPayment(c.limits[i], c.speeds[i], h);
    const d = refDerivative(c.limits[i], c.speeds[i], h);
    if (c.quadratic) {
      const r = p.sqrt();
      g = g.plus(r);
      if (!r.isZero()) slope = slope.plus(d.div(r.mul(2)));
    } else {
      g = g.plus(p);
      slope = slope.plus(d);
    }
  }
  return { f: g.minus(h), df: slope.minus(1) };
}

/** A float64 estimate of the root (its own Newton from the right, independent of the SDK). */
function floatEstimate(c: RefCampaign): number {
  const L = c.limits.map((x) => x.toNumber());
  const S = c.speeds.map((x) => x.toNumber());
  let h = L.reduce((acc, l) => acc + (c.quadratic ? Math.sqrt(l) : l), 0);
  for (let it = 0; it < 500; it++) {
    let g = 0;
    let slope = 0;
    for (let i = 0; i < L.length; i++) {
      const p = (L[i] * 2 * Math.atan(h * S[i])) / Math.PI;
      const d = (L[i] * 2 * S[i]) / Math.PI / (1 + h * S[i] * h * S[i]);
      if (c.quadratic) {
        g += Math.sqrt(p);
        if (p > 0) slope += d / (2 * Math.sqrt(p));
      } else {
        g += p;
        slope += d;
      }
    }
    const next = h - (g - h) / (slope - 1);
    if (!(next > 0) || !Number.isFinite(next) || Math.abs(next - h) <= 1e-16 * h) return h;
    h = next;
  }
  return h;
}

/**
 * The unique positive root (0 when none exists), to ~45 digits: decimal Newton from a float
 * estimate (g is concave and smooth away from 0, so Newton converges quadratically); bisection on a
 * bracket around the estimate if Newton misbehaves.
 */
export function refSolve(c: RefCampaign): Dec {
  const sumLS = c.limits.reduce((s, l, i) => s.plus(l.mul(c.speeds[i])), new D(0));
  if (sumLS.isZero()) return new D(0);
  if (!c.quadratic && TWO_OVER_PI.mul(sumLS).lte(1)) return new D(0);
  let h = new D(floatEstimate(c));
  for (let it = 0; it < 12; it++) {
    const { f, df } = residual(c, h);
    const next = h.minus(f.div(df));
    if (next.minus(h).abs().lte(h.mul("1e-45"))) return next;
    h = next;
  }
  // Not converged: bisection between 0⁺ and Σ√L (ΣL).
  let hi = c.limits.reduce((s, l) => s.plus(c.quadratic ? l.sqrt() : l), new D(0));
  let lo = hi.div(new D(10).pow(40));
  for (let it = 0; it < 400 && hi.minus(lo).gt(hi.mul("1e-45")); it++) {
    const mid = lo.plus(hi).div(2);
    if (residual(c, mid).f.gte(0)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Marginal leverage of pledge i at h (the model of PledgeMath.leverage) (Infinity as a Decimal when unbounded). */
export function refLeverage(c: RefCampaign, i: number, h: Dec): Dec {
  let aMinus = new D(0);
  let dMinus = new D(0);
  for (let j = 0; j < c.limits.length; j++) {
    if (j === i) continue;
    const d = refDerivative(c.limits[j], c.speeds[j], h);
    dMinus = dMinus.plus(d);
    if (c.quadratic) aMinus = aMinus.plus(d.div(refPayment(c.limits[j], c.speeds[j], h).sqrt().mul(2)));
  }
  if (c.quadratic) {
    const ri = refPayment(c.limits[i], c.speeds[i], h).sqrt();
    return dMinus.div(ri.mul(2).mul(new D(1).minus(aMinus))).plus(1);
  }
  return new D(1).div(new D(1).minus(dMinus));
}

/** A UD60x18 / 18-decimal bigint as a Decimal. */
export function fromWad(x: bigint): Dec {
  return new D(x.toString()).div("1e18");
}

/** |a − b| / |b| (or |a − b| when b = 0). */
export function relErr(a: Dec, b: Dec): number {
  return b.isZero() ? a.abs().toNumber() : a.minus(b).abs().div(b.abs()).toNumber();
}

/** Σ pᵢ(h) at the campaign's root: the pot (tokens). */
export function refPot(c: RefCampaign): Dec {
  const h = refSolve(c);
  return c.limits.reduce((s, l, i) => s.plus(refPayment(l, c.speeds[i], h)), new D(0));
}

/**
 * Real (counterfactual) leverage of pledge i: (pot − pot of the campaign without i, every other
 * pledge's terms kept) / pᵢ at the campaign's root. null when pᵢ = 0.
 */
export function refRealLeverage(c: RefCampaign, i: number): Dec | null {
  const pi = refPayment(c.limits[i], c.speeds[i], refSolve(c));
  if (pi.isZero()) return null;
  const without: RefCampaign = {
    quadratic: c.quadratic,
    limits: c.limits.filter((_, k) => k !== i),
    speeds: c.speeds.filter((_, k) => k !== i),
  };
  return refPot(c).minus(refPot(without)).div(pi);
}
