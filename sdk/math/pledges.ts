/**
 * The math of CoordinatedPledges, in two forms:
 *
 * 1. An EXACT bigint mirror of contracts/libraries/PledgeMath.sol and the settlement pass of
 *    contracts/CoordinatedPledges.sol: same integers, same rounding (always down), same results to
 *    the wei — payments, g(h), the settlement sums, the on-chain Newton `solve`, previews, leverage
 *    and the speeds of both policies. Each function names its Solidity twin. On top of it,
 *    `findBracket` returns the tightest bracket [hLow, hHigh] the contract accepts.
 * 2. A fast float64 solver (`solveFloat`, `leverageFloat`, `previewFloat`) for estimates, plots and
 *    as the starting point of `findBracket`.
 *
 * Units: limits are raw token integers; `scale` = 10^(18 − decimals) turns them into 18-decimal
 * ("normalised") amounts; speeds and h are 1e18 fixed point (UD60x18); in quadratic mode h is in
 * √token, in linear mode in token. The saturation A carries 36 decimals, g-terms `gPerH` units per
 * unit of h (27 decimals quadratic, 36 linear); settlement compares g with h exactly.
 */
import { atan as atanRaw } from "./arctan";

// ─────────────────────────────────────────────── constants (PledgeMath.sol)

/** `PledgeMath.UNIT`: 1.0 in UD60x18. */
export const UNIT = 10n ** 18n;
/** `PledgeMath.A_UNIT`: 1.0 in the saturation's 36-decimal fixed point. */
export const A_UNIT = 10n ** 36n;
/** `PledgeMath.SMALL_X`: below x = h·s = 1e-3 (36 decimals) the arctangent is a rational approximation. */
export const SMALL_X = 10n ** 33n;
/** `PledgeMath.SMALL_X_ATAN_CAP`: atanRaw(1e15)·1e18, the large branch's angle at SMALL_X. */
export const SMALL_X_ATAN_CAP = 999999666666866n * 10n ** 18n;
/** `PledgeMath.G_PER_H_QUADRATIC`: g-units (27 decimals) per unit of h. */
export const G_PER_H_QUADRATIC = 10n ** 9n;
/** `PledgeMath.G_PER_H_LINEAR`: g-units (36 decimals) per unit of h. */
export const G_PER_H_LINEAR = 10n ** 18n;
/** `PledgeMath.TWO_OVER_PI_36`: ⌊(2/π)·1e36⌋. */
export const TWO_OVER_PI_36 = 636619772367581343075535053490057448n;
/** `PledgeMath.PI_36`: ⌊π·1e36⌋. */
export const PI_36 = 3141592653589793238462643383279502884n;
/** `PledgeMath.MAX_X`: clamp of h·s inside `derivative`. */
export const MAX_X = 10n ** 36n;
/** `PledgeMath.MAX_H`: the largest h `settle` accepts. */
export const MAX_H = 10n ** 45n;
/** `PledgeMath.MAX_SPEED`: the largest s₀ `createCampaign` accepts. */
export const MAX_SPEED = 10n ** 27n;
/** `PledgeMath.MAX_ESCROW`: a campaign's escrow cap in 18-decimal units. */
export const MAX_ESCROW = 10n ** 38n;
/** `PledgeMath.BRACKET_RELATIVE`. */
export const BRACKET_RELATIVE = 10n ** 12n;
/** `PledgeMath.BRACKET_SLACK`. */
export const BRACKET_SLACK = 4n;
/** `PledgeMath.MAX_NEWTON_ITERATIONS`. */
export const MAX_NEWTON_ITERATIONS = 64;
/** `CoordinatedPledges.MAX_PAGE_PLEDGES`. */
export const MAX_PAGE_PLEDGES = 2000;
/** Largest uint256 (`type(uint256).max`, the "unbounded" leverage). */
export const MAX_UINT256 = (1n << 256n) - 1n;

/** Quadratic mode (h = Σ√p) or linear mode (h = Σp). `ICoordinatedPledges.Mode`. */
export enum Mode {
  Quadratic = 0,
  Linear = 1,
}

/** `ICoordinatedPledges.Policy`. */
export enum Policy {
  Constant = 0,
  Geometric = 1,
}

/** One pledge as the math sees it. */
export interface PledgeTerms {
  /** Raw token units. */
  limit: bigint;
  /** UD60x18. */
  speed: bigint;
  /** False once withdrawn (the settlement pass skips it). */
  active: boolean;
}

/** The inputs of a campaign's settlement math. */
export interface CampaignMath {
  mode: Mode;
  /** 10^(18 − decimals). */
  scale: bigint;
  /** In pledge-id order. */
  pledges: PledgeTerms[];
}

// ─────────────────────────────────────────────── helpers

/** ⌊√x⌋ — PRBMath `Common.sqrt` (which returns the floor). */
export function isqrt(x: bigint): bigint {
  if (x < 0n) throw new RangeError("isqrt of a negative number");
  if (x < 2n) return x;
  let y = 1n << BigInt(Math.ceil(x.toString(2).length / 2));
  for (;;) {
    const next = (y + x / y) >> 1n;
    if (next >= y) return y;
    y = next;
  }
}

/** PRBMath `mulDiv`: ⌊x·y/d⌋ (bigint has no overflow; the contract reverts above 2²⁵⁶, never here). */
function mulDiv(x: bigint, y: bigint, d: bigint): bigint {
  return (x * y) / d;
}

// ─────────────────────────────────────────────── per pledge (PledgeMath.sol)

/**
 * `PledgeMath.saturation`: A(h, s) = ⌊(2/π)·atan(h·s)⌋ with 36 decimals ∈ [0, 1e36). x = h·s exact;
 * below SMALL_X the angle is ⌊x·(945e36 + 735u + 64u₂)/(945e36 + 1050u + 225u₂)⌋ (u = ⌊x²/1e36⌋,
 * u₂ = ⌊u²/1e36⌋) capped at
 * SMALL_X_ATAN_CAP, from it on atanRaw(⌊x/1e18⌋)·1e18.
 */
export function saturation(h: bigint, speed: bigint): bigint {
  const x = h * speed;
  let angle: bigint;
  if (x < SMALL_X) {
    const u = (x * x) / A_UNIT;
    const u2 = (u * u) / A_UNIT;
    angle = (x * (945n * A_UNIT + 735n * u + 64n * u2)) / (945n * A_UNIT + 1050n * u + 225n * u2);
    if (angle > SMALL_X_ATAN_CAP) angle = SMALL_X_ATAN_CAP;
  } else {
    angle = atanRaw(x / UNIT) * UNIT;
  }
  return (angle * TWO_OVER_PI_36) / A_UNIT;
}

/** `PledgeMath.payment`: ⌊limit·A/1e36⌋ (raw tokens when `limit` is raw). */
export function payment(limit: bigint, a: bigint): bigint {
  return (limit * a) / A_UNIT;
}

/** `PledgeMath.quadraticTerm`: ⌊√(L·A)⌋ = √p in √token with 27 decimals. */
export function quadraticTerm(limitNorm: bigint, a: bigint): bigint {
  return isqrt(limitNorm * a);
}

/** `PledgeMath.linearTerm`: ⌊L·A/1e18⌋ = p in token with 36 decimals. */
export function linearTerm(limitNorm: bigint, a: bigint): bigint {
  return (limitNorm * a) / UNIT;
}

/** `PledgeMath.term`. */
export function term(quadratic: boolean, limitNorm: bigint, a: bigint): bigint {
  return quadratic ? quadraticTerm(limitNorm, a) : linearTerm(limitNorm, a);
}

/** `PledgeMath.gPerH`: g-units per unit of h (g(h) ≥ h reads g ≥ h·gPerH). */
export function gPerH(quadratic: boolean): bigint {
  return quadratic ? G_PER_H_QUADRATIC : G_PER_H_LINEAR;
}

/** `PledgeMath.payment(limit, PledgeMath.saturation(h, speed))` — `CoordinatedPledges.paymentAt`/`claim`. */
export function paymentAt(limit: bigint, speed: bigint, h: bigint): bigint {
  return payment(limit, saturation(h, speed));
}

// ─────────────────────────────────────────────── campaign rules

/** `PledgeMath.nextSpeed`: s_{k+1} = ⌊s_k·r/1e18⌋. */
export function nextSpeed(speed: bigint, decay: bigint): bigint {
  return (speed * decay) / UNIT;
}

/** `PledgeMath.SPEED_FLOOR_DIVISOR`: the geometric policy's floor is ⌊s₀/10⁶⌋ (at least 1 wei). */
export const SPEED_FLOOR_DIVISOR = 10n ** 6n;

/** `PledgeMath.speedFloor`: max(⌊s₀/10⁶⌋, 1). */
export function speedFloor(initialSpeed: bigint): bigint {
  const floor = initialSpeed / SPEED_FLOOR_DIVISOR;
  return floor === 0n ? 1n : floor;
}

/** `PledgeMath.geometricNextSpeed`: max(⌊s_k·r/1e18⌋, speedFloor(s₀)) — never 0. */
export function geometricNextSpeed(speed: bigint, decay: bigint, initialSpeed: bigint): bigint {
  const next = nextSpeed(speed, decay);
  const floor = speedFloor(initialSpeed);
  return next > floor ? next : floor;
}

/**
 * The speeds `pledge` assigns to pledges 0 … count − 1 without withdrawals (`CoordinatedPledges.pledge`:
 * constant s₀, or geometric s_{k+1} = max(⌊s_k·r⌋, speedFloor(s₀)) from s₀). Withdrawing the latest
 * pledge releases its slot: the next pledge gets that speed again (`CampaignView.nextSpeed`).
 */
export function policySpeeds(policy: Policy, initialSpeed: bigint, decay: bigint, count: number): bigint[] {
  const out: bigint[] = [];
  let s = initialSpeed;
  for (let k = 0; k < count; k++) {
    out.push(s);
    if (policy === Policy.Geometric) s = geometricNextSpeed(s, decay, initialSpeed);
  }
  return out;
}

/** Σ Lnorm·s over active pledges — `Campaign.sumLimitSpeed`. */
export function sumLimitSpeed(c: CampaignMath): bigint {
  let sum = 0n;
  for (const p of c.pledges) if (p.active) sum += p.limit * c.scale * p.speed;
  return sum;
}

/** `PledgeMath.hasPositiveRoot`. */
export function hasPositiveRoot(quadratic: boolean, sumLS: bigint): boolean {
  return quadratic ? sumLS > 0n : 2n * sumLS > PI_36;
}

/** `PledgeMath.maxBracketWidth`: ⌊hLow/1e12⌋ + 4. */
export function maxBracketWidth(hLow: bigint): bigint {
  return hLow / BRACKET_RELATIVE + BRACKET_SLACK;
}

// ─────────────────────────────────────────────── settlement pass (CoordinatedPledges._pass)

/** What one settlement pass sums. */
export interface PassResult {
  /** g(hLow) in g-units (`gPerH` per unit of h), unrounded as the contract sums it. */
  gLow: bigint;
  /** g(hHigh) in g-units. */
  gHigh: bigint;
  /** Σ pᵢ(hLow), raw tokens. */
  pot: bigint;
}

/**
 * `CoordinatedPledges._pass` + `_pledgeTerms` over pledges [start, end): skips withdrawn pledges,
 * one saturation at hLow (and one at hHigh when it differs) per pledge.
 */
export function pass(
  c: CampaignMath,
  hLow: bigint,
  hHigh: bigint,
  start = 0,
  end = c.pledges.length,
): PassResult {
  const quadratic = c.mode === Mode.Quadratic;
  let gLow = 0n;
  let gHigh = 0n;
  let pot = 0n;
  for (let k = start; k < end; k++) {
    const p = c.pledges[k];
    if (!p.active) continue;
    const aLow = saturation(hLow, p.speed);
    pot += payment(p.limit, aLow);
    const tLow = term(quadratic, p.limit * c.scale, aLow);
    gLow += tLow;
    gHigh += hLow === hHigh ? tLow : term(quadratic, p.limit * c.scale, saturation(hHigh, p.speed));
  }
  return { gLow, gHigh, pot };
}

/** `CoordinatedPledges.evaluate`: g(h) (UD60x18, rounded down) and the pot at h. */
export function evaluate(c: CampaignMath, h: bigint): { g: bigint; pot: bigint } {
  const r = pass(c, h, h);
  return { g: r.gLow / gPerH(c.mode === Mode.Quadratic), pot: r.pot };
}

/** Why `settle` would reject a bracket, named after the contract's custom errors. */
export type BracketVerdict =
  | { ok: true; h: bigint; pot: bigint }
  | {
      ok: false;
      error: "InvalidBracket" | "BracketTooWide" | "TrivialRootRejected" | "HTooHigh" | "HTooLow";
      args: bigint[];
    };

/**
 * What `settle` (all pages) would decide for [hLow, hHigh] before the grace period: the same checks
 * in the same order (`settle` then `_settlePage`), and on success the settled h and pot.
 */
export function checkBracket(c: CampaignMath, hLow: bigint, hHigh: bigint): BracketVerdict {
  if (hLow > hHigh || hHigh > MAX_H) return { ok: false, error: "InvalidBracket", args: [hLow, hHigh] };
  const maxWidth = maxBracketWidth(hLow);
  if (hHigh - hLow > maxWidth) return { ok: false, error: "BracketTooWide", args: [hLow, hHigh, maxWidth] };
  const quadratic = c.mode === Mode.Quadratic;
  if (hHigh === 0n) {
    if (hasPositiveRoot(quadratic, sumLimitSpeed(c)))
      return { ok: false, error: "TrivialRootRejected", args: [] };
    return { ok: true, h: 0n, pot: 0n };
  }
  const r = pass(c, hLow, hHigh);
  const k = gPerH(quadratic);
  if (r.gLow < hLow * k) return { ok: false, error: "HTooHigh", args: [hLow, r.gLow / k] };
  if (r.gHigh > hHigh * k) return { ok: false, error: "HTooLow", args: [hHigh, r.gHigh / k] };
  return { ok: true, h: hLow, pot: r.pot };
}

// ─────────────────────────────────────────────── solver, leverage, preview (PledgeMath.sol)

/** Columns as `CoordinatedPledges._load` builds them: withdrawn pledges have limit 0. */
export function columns(c: CampaignMath): { limitsNorm: bigint[]; speeds: bigint[] } {
  return {
    limitsNorm: c.pledges.map((p) => (p.active ? p.limit * c.scale : 0n)),
    speeds: c.pledges.map((p) => p.speed),
  };
}

/** `PledgeMath.derivative`: p'(h) = ⌊⌊⌊L·s/1e18⌋·TWO_OVER_PI_36/1e36⌋·1e18 / (1e18 + ⌊x²/1e18⌋)⌋. */
export function derivative(limitNorm: bigint, speed: bigint, h: bigint): bigint {
  let x = (h * speed) / UNIT;
  if (x > MAX_X) x = MAX_X;
  const c = (((limitNorm * speed) / UNIT) * TWO_OVER_PI_36) / 10n ** 36n;
  return (c * UNIT) / (UNIT + (x * x) / UNIT);
}

/** `PledgeMath.gAndSlope`. */
export function gAndSlope(
  quadratic: boolean,
  limitsNorm: bigint[],
  speeds: bigint[],
  h: bigint,
): { g: bigint; slope: bigint } {
  let g = 0n;
  let slope = 0n;
  for (let j = 0; j < limitsNorm.length; j++) {
    const lim = limitsNorm[j];
    if (lim === 0n) continue;
    const a = saturation(h, speeds[j]);
    const d = derivative(lim, speeds[j], h);
    if (quadratic) {
      const root = quadraticTerm(lim, a);
      g += root;
      if (root > 0n) slope += (d * 10n ** 27n) / (2n * root);
    } else {
      g += linearTerm(lim, a);
      slope += d;
    }
  }
  return { g, slope };
}

/** `PledgeMath.initialGuess`: Σ⌊√(L·1e18)⌋ or ΣL. */
export function initialGuess(quadratic: boolean, limitsNorm: bigint[]): bigint {
  let h = 0n;
  for (const lim of limitsNorm) h += quadratic ? isqrt(lim * UNIT) : lim;
  return h;
}

/**
 * `PledgeMath.solve`'s Newton loop, from any h₀ right of the root (the contract starts from
 * `initialGuess`; `findBracket` from a float estimate): the largest iterate with g(h) ≥ h, stepping
 * left from the right of the root and right again after an overshoot; the last iterate if none
 * landed on the left.
 */
export function newtonFrom(quadratic: boolean, limitsNorm: bigint[], speeds: bigint[], h0: bigint): bigint {
  const k = gPerH(quadratic);
  let x = h0 > MAX_H ? MAX_H : h0;
  let h = 0n;
  for (let it = 0; it < MAX_NEWTON_ITERATIONS; it++) {
    const { g, slope } = gAndSlope(quadratic, limitsNorm, speeds, x);
    const target = x * k;
    if (g >= target) {
      h = x;
      if (slope >= UNIT) break;
      const up = ((g - target) * UNIT) / (k * (UNIT - slope));
      if (up <= x / BRACKET_RELATIVE || x + up > MAX_H) break;
      x += up;
    } else {
      let step = slope < UNIT ? mulDiv(target - g, UNIT, k * (UNIT - slope)) : (target - g) / k;
      if (step === 0n) step = 1n;
      if (step >= x || x - step <= h) break;
      x -= step;
    }
  }
  return h === 0n ? x : h;
}

/** `PledgeMath.solve` on columns. */
export function solveColumns(
  quadratic: boolean,
  limitsNorm: bigint[],
  speeds: bigint[],
  sumLS: bigint,
): bigint {
  if (!hasPositiveRoot(quadratic, sumLS)) return 0n;
  return newtonFrom(quadratic, limitsNorm, speeds, initialGuess(quadratic, limitsNorm));
}

/** `CoordinatedPledges.solve`: the on-chain Newton root, to the wei. */
export function solve(c: CampaignMath): bigint {
  const { limitsNorm, speeds } = columns(c);
  return solveColumns(c.mode === Mode.Quadratic, limitsNorm, speeds, sumLimitSpeed(c));
}

/** `PledgeMath.leverage` on columns (MAX_UINT256 = unbounded). */
export function leverageColumns(
  quadratic: boolean,
  limitsNorm: bigint[],
  speeds: bigint[],
  i: number,
  h: bigint,
): bigint {
  let aMinus = 0n;
  let dMinus = 0n;
  for (let j = 0; j < limitsNorm.length; j++) {
    const lim = limitsNorm[j];
    if (j === i || lim === 0n) continue;
    const d = derivative(lim, speeds[j], h);
    dMinus += d;
    if (quadratic) {
      const root = quadraticTerm(lim, saturation(h, speeds[j]));
      if (root > 0n) aMinus += (d * 10n ** 27n) / (2n * root);
    }
  }
  if (quadratic) {
    const rootI = quadraticTerm(limitsNorm[i], saturation(h, speeds[i]));
    if (rootI === 0n || aMinus >= UNIT) return MAX_UINT256;
    return UNIT + mulDiv(mulDiv(dMinus, 10n ** 27n, 2n * rootI), UNIT, UNIT - aMinus);
  }
  if (dMinus >= UNIT) return MAX_UINT256;
  return (UNIT * UNIT) / (UNIT - dMinus);
}

/**
 * `CoordinatedPledges.marginalLeverage`: at `h` when given (the contract passes the settled h once
 * settled), else at `solve(c)`.
 */
export function marginalLeverage(c: CampaignMath, pledgeId: number, h?: bigint): bigint {
  const { limitsNorm, speeds } = columns(c);
  const quadratic = c.mode === Mode.Quadratic;
  const at = h ?? solveColumns(quadratic, limitsNorm, speeds, sumLimitSpeed(c));
  return leverageColumns(quadratic, limitsNorm, speeds, pledgeId, at);
}

/** `PledgeMath.potAt`: Σ payments of the first n column entries at h (raw tokens). */
export function potAt(limitsNorm: bigint[], speeds: bigint[], scale: bigint, n: number, h: bigint): bigint {
  let pot = 0n;
  for (let k = 0; k < n; k++) pot += payment(limitsNorm[k] / scale, saturation(h, speeds[k]));
  return pot;
}

/** What `previewPledge` returns. */
export interface PledgePreview {
  /** The new root (UD60x18). */
  h: bigint;
  /** The new pledge's payment at it (raw tokens). */
  payment: bigint;
  /** Pot increase over the current root (raw tokens). */
  potIncrease: bigint;
  /** Its marginal leverage (UD60x18; MAX_UINT256 = unbounded). */
  leverage: bigint;
}

/** `CoordinatedPledges.previewPledge` / `PledgeMath.preview`: a new pledge of raw `limit` at `speed`. */
export function previewPledge(c: CampaignMath, limit: bigint, speed: bigint): PledgePreview {
  const quadratic = c.mode === Mode.Quadratic;
  const { limitsNorm, speeds } = columns(c);
  const n = limitsNorm.length;
  limitsNorm.push(0n);
  speeds.push(speed);
  const sumLS = sumLimitSpeed(c);
  const hBefore = solveColumns(quadratic, limitsNorm, speeds, sumLS);
  const potBefore = potAt(limitsNorm, speeds, c.scale, n, hBefore);
  const newLimitNorm = limit * c.scale;
  limitsNorm[n] = newLimitNorm;
  const h = solveColumns(quadratic, limitsNorm, speeds, sumLS + newLimitNorm * speed);
  const pay = payment(newLimitNorm / c.scale, saturation(h, speed));
  const potAfter = potAt(limitsNorm, speeds, c.scale, n + 1, h);
  return {
    h,
    payment: pay,
    potIncrease: potAfter > potBefore ? potAfter - potBefore : 0n,
    leverage: leverageColumns(quadratic, limitsNorm, speeds, n, h),
  };
}

// ─────────────────────────────────────────────── bracket finder

/** A bracket `settle` accepts. */
export interface Bracket {
  hLow: bigint;
  hHigh: bigint;
}

/**
 * The tightest bracket the contract accepts: [0, 0] when no positive root exists; otherwise two
 * adjacent integers (hHigh = hLow + 1, or hLow = hHigh when g(h) = h exactly) with
 * g(hLow) ≥ hLow and g(hHigh) ≤ hHigh for the contract's own g (compared exactly, `gPerH`) — found
 * by exact Newton from a float estimate, then bisection on the exact mirror. g is monotone and
 * g(0) = 0, so one always exists: hLow = 0 < hHigh when the root lies within one unit of h above 0
 * (a linear campaign whose δ is below what g resolves); `settle` certifies it with a pass.
 */
export function findBracket(c: CampaignMath): Bracket {
  const quadratic = c.mode === Mode.Quadratic;
  if (!hasPositiveRoot(quadratic, sumLimitSpeed(c))) return { hLow: 0n, hHigh: 0n };
  const k = gPerH(quadratic);
  const above = (h: bigint): boolean => pass(c, h, h).gLow >= h * k; // g(h) ≥ h

  // 1. A point right of the root: the float estimate nudged up, else the contract's h₀.
  const { limitsNorm, speeds } = columns(c);
  let start = initialGuess(quadratic, limitsNorm);
  const est = solveFloat(c);
  if (Number.isFinite(est) && est > 0) {
    const up = BigInt(Math.ceil(est * (1 + 1e-9) * 1e18)) + 8n;
    if (up < start && !above(up)) start = up;
  }
  // 2. Exact Newton lands on (or just below) the largest h with g(h) ≥ h. Step down until g(lo) ≥ lo
  //    (0 always qualifies), doubling the step; each point passed is a valid upper end.
  let lo = newtonFrom(quadratic, limitsNorm, speeds, start);
  let hi = 0n;
  let stepDown = 1n;
  while (lo > 0n && !above(lo)) {
    hi = lo;
    lo = lo > stepDown ? lo - stepDown : 0n;
    stepDown *= 2n;
  }
  if (hi === 0n) {
    if (lo > 0n && pass(c, lo, lo).gLow === lo * k) return { hLow: lo, hHigh: lo };
    // 3. hi with g(hi) ≤ hi.
    let stepUp = 1n;
    hi = lo + 1n;
    while (pass(c, hi, hi).gLow > hi * k) {
      lo = hi;
      stepUp *= 2n;
      hi = lo + stepUp;
    }
  }
  // 4. Bisection keeping g(lo) ≥ lo and g(hi) ≤ hi.
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (above(mid)) lo = mid;
    else hi = mid;
  }
  return { hLow: lo, hHigh: hi };
}

// ─────────────────────────────────────────────── float solver

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
 * monotonically to the root). 0 when none exists (linear with (2/π)·ΣLs ≤ 1, or no pledge).
 */
export function solveFloat(campaign: CampaignMath | FloatCampaign): number {
  const c = isFloatCampaign(campaign) ? campaign : toFloat(campaign);
  const n = c.limits.length;
  let sumLS = 0;
  for (let i = 0; i < n; i++) sumLS += c.limits[i] * c.speeds[i];
  if (sumLS === 0 || (!c.quadratic && (2 / Math.PI) * sumLS <= 1)) return 0;
  let h = 0;
  for (let i = 0; i < n; i++) h += c.quadratic ? Math.sqrt(c.limits[i]) : c.limits[i];
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
    const step = f / (1 - slope);
    const next = h + step;
    if (!(next > 0) || !Number.isFinite(next)) return h;
    if (Math.abs(next - h) <= 1e-15 * h) return next;
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

/** Float preview of a new pledge (limit in tokens, speed as a number). */
export function previewFloat(
  campaign: CampaignMath | FloatCampaign,
  limit: number,
  speed: number,
): { h: number; payment: number; potIncrease: number; leverage: number } {
  const c = isFloatCampaign(campaign) ? campaign : toFloat(campaign);
  const before = solveFloat(c);
  const potBefore = c.limits.reduce((s, l, j) => s + paymentFloat(l, c.speeds[j], before), 0);
  const next: FloatCampaign = {
    quadratic: c.quadratic,
    limits: [...c.limits, limit],
    speeds: [...c.speeds, speed],
  };
  const h = solveFloat(next);
  const potAfter = next.limits.reduce((s, l, j) => s + paymentFloat(l, next.speeds[j], h), 0);
  return {
    h,
    payment: paymentFloat(limit, speed, h),
    potIncrease: potAfter - potBefore,
    leverage: leverageFloat(next, next.limits.length - 1, h),
  };
}
