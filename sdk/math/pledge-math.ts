/**
 * Exact bigint mirror of contracts/libraries/PledgeMath.sol: the same functions under the same names
 * with the same arguments in the same order, the same integers and the same rounding (always down),
 * so every result equals the library's to the wei. Each function names its Solidity twin; the
 * contract-level helpers built on it (settlement pass, `solve(campaign)`, bracket finder) are in
 * ./settlement, the float64 estimates in ./float.
 *
 * Units: L = a limit normalised to 18 decimals (raw · scale, scale = 10^(18 − decimals)); speeds and
 * h are 1e18 fixed point (UD60x18); in quadratic mode h is in √token, in linear mode in token. The
 * saturation A carries 36 decimals, g-terms `gPerH` units per unit of h (27 decimals quadratic, 36
 * linear); settlement compares g with h exactly. Columns (`limitsNorm`, `speeds`) hold 0 as the
 * limit of a pledge left out (withdrawn).
 */
import { atan } from "./arctan";
import { MAX_UINT256, WAD, isqrt, mulDiv } from "./common";

// ─────────────────────────────────────────────── constants

/** `PledgeMath.UNIT`: 1.0 in UD60x18. */
export const UNIT = WAD;
/** `PledgeMath.A_UNIT`: 1.0 in the saturation's 36-decimal fixed point. */
export const A_UNIT = 10n ** 36n;
/** `PledgeMath.SMALL_X`: below x = h·s = 1e-3 (36 decimals) the arctangent is a rational approximation. */
export const SMALL_X = 10n ** 33n;
/** `PledgeMath.SMALL_X_ATAN_CAP`: atan(1e15)·1e18, the large branch's angle at SMALL_X. */
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
/** `PledgeMath.SPEED_FLOOR_DIVISOR`: the geometric policy's floor is ⌊s₀/10⁶⌋ (at least 1 wei). */
export const SPEED_FLOOR_DIVISOR = 10n ** 6n;
/** `PledgeMath.MAX_HARMONIC_RATE`: the harmonic policy's largest c (UD60x18, i.e. 1e6). */
export const MAX_HARMONIC_RATE = 10n ** 24n;
/** `PledgeMath.MAX_ESCROW`: a campaign's escrow cap in 18-decimal units (also the largest L₀). */
export const MAX_ESCROW = 10n ** 38n;
/** `PledgeMath.BRACKET_RELATIVE`: hHigh − hLow ≤ ⌊hLow/BRACKET_RELATIVE⌋ + BRACKET_SLACK. */
export const BRACKET_RELATIVE = 10n ** 12n;
/** `PledgeMath.BRACKET_SLACK`. */
export const BRACKET_SLACK = 4n;
/** `PledgeMath.MAX_NEWTON_ITERATIONS`. */
export const MAX_NEWTON_ITERATIONS = 64;

/** √p carries 27 decimals: the factor of the quadratic slope terms d/(2√p). */
const ROOT_UNIT = 10n ** 27n;

// ─────────────────────────────────────────────── per pledge

/**
 * `PledgeMath.saturation`: A(h, s) = ⌊(2/π)·atan(h·s)⌋ with 36 decimals ∈ [0, 1e36). x = h·s exact;
 * below SMALL_X the angle is ⌊x·(945e36 + 735u + 64u₂)/(945e36 + 1050u + 225u₂)⌋ (u = ⌊x²/1e36⌋,
 * u₂ = ⌊u²/1e36⌋) capped at SMALL_X_ATAN_CAP, from it on `Arctan.atanRaw(⌊x/1e18⌋)`·1e18.
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
    angle = atan(x / UNIT) * UNIT;
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

/** `PledgeMath.term`: the g-term of one pledge for the mode. */
export function term(quadratic: boolean, limitNorm: bigint, a: bigint): bigint {
  return quadratic ? quadraticTerm(limitNorm, a) : linearTerm(limitNorm, a);
}

/** `PledgeMath.gPerH`: g-units per unit of h (g(h) ≥ h reads g ≥ h·gPerH). */
export function gPerH(quadratic: boolean): bigint {
  return quadratic ? G_PER_H_QUADRATIC : G_PER_H_LINEAR;
}

// ─────────────────────────────────────────────── campaign-level rules

/** `PledgeMath.nextSpeed`: s_{k+1} = ⌊s_k·r/1e18⌋. */
export function nextSpeed(speed: bigint, decay: bigint): bigint {
  return (speed * decay) / UNIT;
}

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
 * `PledgeMath.harmonicNextSpeed`: 1/s_{k+1} = 1/s_k + c/s₀, i.e.
 * max(⌊s_k·s₀·1e18 / (s₀·1e18 + c·s_k)⌋, 1) — decays like s₀/(1 + c·k), never 0.
 */
export function harmonicNextSpeed(speed: bigint, rate: bigint, initialSpeed: bigint): bigint {
  const base = initialSpeed * UNIT;
  const next = (speed * base) / (base + rate * speed);
  return next === 0n ? 1n : next;
}

/**
 * `PledgeMath.limitSqrtSpeed`: min(max(⌊s₀·⌊√⌊L₀·1e36/L⌋⌋/1e18⌋, 1), MAX_SPEED) — s₀·√(L₀/L) for a
 * (combined) normalised limit L > 0.
 */
export function limitSqrtSpeed(initialSpeed: bigint, referenceLimit: bigint, limitNorm: bigint): bigint {
  if (limitNorm <= 0n) throw new RangeError("limit-sqrt speed: the limit must be positive");
  const s = (initialSpeed * isqrt((referenceLimit * A_UNIT) / limitNorm)) / UNIT;
  return s === 0n ? 1n : s > MAX_SPEED ? MAX_SPEED : s;
}

/** `PledgeMath.hasPositiveRoot`: S = Σ L·s > 0 (quadratic), 2S > PI_36 (linear). */
export function hasPositiveRoot(quadratic: boolean, sumLimitSpeed: bigint): boolean {
  return quadratic ? sumLimitSpeed > 0n : 2n * sumLimitSpeed > PI_36;
}

/** `PledgeMath.maxBracketWidth`: ⌊hLow/1e12⌋ + 4. */
export function maxBracketWidth(hLow: bigint): bigint {
  return hLow / BRACKET_RELATIVE + BRACKET_SLACK;
}

// ─────────────────────────────────────────────── derivatives and solver

/**
 * `PledgeMath.derivative`: p'(h) = ⌊⌊⌊L·s/1e18⌋·TWO_OVER_PI_36/1e36⌋·1e18 / (1e18 + ⌊x²/1e18⌋)⌋ with
 * x = min(⌊h·s/1e18⌋, MAX_X). (The contract takes the middle product by mulDiv above 2²⁵⁶; same floor.)
 */
export function derivative(limitNorm: bigint, speed: bigint, h: bigint): bigint {
  let x = (h * speed) / UNIT;
  if (x > MAX_X) x = MAX_X;
  const c = mulDiv((limitNorm * speed) / UNIT, TWO_OVER_PI_36, A_UNIT);
  return (c * UNIT) / (UNIT + (x * x) / UNIT);
}

/** `PledgeMath.gAndSlope`: g(h) (G units) and its slope (UD60x18) over the columns. */
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
      if (root > 0n) slope += (d * ROOT_UNIT) / (2n * root);
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
 * The Newton loop of `PledgeMath.solve`, from any h₀ right of the root (`solve` starts from
 * `initialGuess`; `findBracket` in ./settlement from a float estimate): the largest iterate with
 * g(h) ≥ h, stepping left from the right of the root and right again after an overshoot; the last
 * iterate if none landed on the left. Not a function of its own on chain: the body of `solve`.
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

/** `PledgeMath.solve`: the on-chain Newton root of the columns (0 when no positive root exists). */
export function solve(
  quadratic: boolean,
  limitsNorm: bigint[],
  speeds: bigint[],
  sumLimitSpeed: bigint,
): bigint {
  if (!hasPositiveRoot(quadratic, sumLimitSpeed)) return 0n;
  return newtonFrom(quadratic, limitsNorm, speeds, initialGuess(quadratic, limitsNorm));
}

/** `PledgeMath.gAt`: g(h) over the columns (zero limits skipped), exactly what the settlement pass sums. */
export function gAt(quadratic: boolean, limitsNorm: bigint[], speeds: bigint[], h: bigint): bigint {
  let g = 0n;
  for (let j = 0; j < limitsNorm.length; j++) {
    const lim = limitsNorm[j];
    if (lim === 0n) continue;
    g += term(quadratic, lim, saturation(h, speeds[j]));
  }
  return g;
}

/** What `bracket` returns (`found` false only when no positive root exists; then both ends are 0). */
export interface BracketResult {
  found: boolean;
  hLow: bigint;
  hHigh: bigint;
}

/**
 * `PledgeMath.bracket` (checkUpkeep's): a bracket settlement accepts, g(hLow) ≥ hLow, g(hHigh) ≤ hHigh
 * ≤ MAX_H, hHigh − hLow ≤ maxBracketWidth(hLow). From `solve`'s root: step down 1, 2, 4, … wei while
 * g(lo) < lo (each point passed is an upper end); else widen the upper end from maxBracketWidth(lo),
 * doubling; then bisect until the width rule holds. (`findBracket` in ./settlement finds the tightest.)
 */
export function bracket(
  quadratic: boolean,
  limitsNorm: bigint[],
  speeds: bigint[],
  sumLimitSpeed: bigint,
): BracketResult {
  const none: BracketResult = { found: false, hLow: 0n, hHigh: 0n };
  if (!hasPositiveRoot(quadratic, sumLimitSpeed)) return none;
  const k = gPerH(quadratic);
  const g = (h: bigint): bigint => gAt(quadratic, limitsNorm, speeds, h);
  let lo = solve(quadratic, limitsNorm, speeds, sumLimitSpeed);
  let hi = 0n; // 0 = no upper end yet
  let gLo = 0n;
  let step = 1n;
  while (lo !== 0n) {
    gLo = g(lo);
    if (gLo >= lo * k) break;
    hi = lo;
    lo = lo > step ? lo - step : 0n;
    step <<= 1n;
  }
  if (hi === 0n) {
    if (lo !== 0n && gLo === lo * k) return { found: true, hLow: lo, hHigh: lo };
    step = maxBracketWidth(lo);
    for (;;) {
      hi = lo + step;
      if (hi > MAX_H) hi = MAX_H;
      if (g(hi) <= hi * k) break;
      if (hi === MAX_H) return none;
      lo = hi;
      step <<= 1n;
    }
  }
  while (hi - lo > maxBracketWidth(lo)) {
    const mid = lo + (hi - lo) / 2n;
    if (g(mid) >= mid * k) lo = mid;
    else hi = mid;
  }
  return { found: true, hLow: lo, hHigh: hi };
}

/** `PledgeMath.leverage`: marginal leverage of column `i` at h (UD60x18; MAX_UINT256 = unbounded). */
export function leverage(
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
      if (root > 0n) aMinus += (d * ROOT_UNIT) / (2n * root);
    }
  }
  if (quadratic) {
    const rootI = quadraticTerm(limitsNorm[i], saturation(h, speeds[i]));
    if (rootI === 0n || aMinus >= UNIT) return MAX_UINT256;
    return UNIT + mulDiv(mulDiv(dMinus, ROOT_UNIT, 2n * rootI), UNIT, UNIT - aMinus);
  }
  if (dMinus >= UNIT) return MAX_UINT256;
  return (UNIT * UNIT) / (UNIT - dMinus);
}

/** `PledgeMath.potAt`: Σ payments of the first n column entries at h (raw tokens). */
export function potAt(limitsNorm: bigint[], speeds: bigint[], scale: bigint, n: number, h: bigint): bigint {
  let pot = 0n;
  for (let k = 0; k < n; k++) pot += payment(limitsNorm[k] / scale, saturation(h, speeds[k]));
  return pot;
}

/** What `preview` returns, under the library's names. */
export interface PreviewResult {
  /** The root with the new pledge (UD60x18). */
  h: bigint;
  /** The new pledge's payment at h (raw tokens). */
  pay: bigint;
  /** Pot at h minus the pot without the pledge at its own root (raw tokens, ≥ 0). */
  potIncrease: bigint;
  /** The new pledge's leverage at h (UD60x18; MAX_UINT256 = unbounded). */
  lev: bigint;
}

/**
 * `PledgeMath.preview`: what a new pledge, the last column entry, would do. `sumLimitSpeed` is Σ L·s
 * of the pledges before it. The columns are restored before returning, as on chain.
 */
export function preview(
  quadratic: boolean,
  limitsNorm: bigint[],
  speeds: bigint[],
  sumLimitSpeed: bigint,
  scale: bigint,
): PreviewResult {
  const n = limitsNorm.length - 1;
  const newLimitNorm = limitsNorm[n];
  limitsNorm[n] = 0n;
  let h = solve(quadratic, limitsNorm, speeds, sumLimitSpeed);
  const potBefore = potAt(limitsNorm, speeds, scale, n, h);
  limitsNorm[n] = newLimitNorm;
  h = solve(quadratic, limitsNorm, speeds, sumLimitSpeed + newLimitNorm * speeds[n]);
  const pay = payment(newLimitNorm / scale, saturation(h, speeds[n]));
  const potAfter = potAt(limitsNorm, speeds, scale, n + 1, h);
  return {
    h,
    pay,
    potIncrease: potAfter > potBefore ? potAfter - potBefore : 0n,
    lev: leverage(quadratic, limitsNorm, speeds, n, h),
  };
}
