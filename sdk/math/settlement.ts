/**
 * The contract-level pledges math of contracts/CoordinatedPledges.sol and its settlement engine
 * (contracts/libraries/PledgeSettlement.sol), exact to the wei, on a campaign (`CampaignMath`,
 * ./campaign) rather than on columns: the settlement pass and `settle`'s checks,
 * `evaluate`, `solve`, `marginalLeverage`, `previewPledge`, `paymentAt`, the speeds of the policies,
 * and `findBracket`, the tightest bracket `settle` accepts. Each function names its Solidity twin; the
 * library math underneath is ./pledge-math (PledgeMath.sol), the float estimates ./float.
 */
import { type CampaignMath, Mode, Policy } from "./campaign";
import { solveFloat } from "./float";
import {
  MAX_H,
  gPerH,
  geometricNextSpeed,
  harmonicNextSpeed,
  hasPositiveRoot,
  initialGuess,
  leverage,
  limitSqrtSpeed,
  maxBracketWidth,
  newtonFrom,
  payment,
  preview,
  saturation,
  solve as solveColumns,
  term,
} from "./pledge-math";

/** `CoordinatedPledges.MAX_PAGE_PLEDGES`: the most pledges one `settle` page covers. */
export const MAX_PAGE_PLEDGES = 2000;

// ─────────────────────────────────────────────── per pledge and campaign rules

/** `CoordinatedPledges.paymentAt` / `claim`: `PledgeMath.payment(limit, PledgeMath.saturation(h, speed))`. */
export function paymentAt(limit: bigint, speed: bigint, h: bigint): bigint {
  return payment(limit, saturation(h, speed));
}

/** What `CoordinatedPledges.pledge` reads to assign a speed: the policy, s₀ and its parameter. */
export interface SpeedRule {
  policy: Policy;
  /** s₀ (UD60x18). */
  initialSpeed: bigint;
  /** `CampaignView.decay`: r (geometric), c (harmonic), L₀ (limit-sqrt, 18 decimals); 1e18 if constant. */
  param: bigint;
}

/**
 * The speed `pledge` gives a new pledge of normalised limit `limitNorm` when the campaign's
 * `nextSpeed` is `next`: `next`, or under limit-sqrt `PledgeMath.limitSqrtSpeed(s₀, L₀, L)` (also what
 * `previewPledge` assumes).
 */
export function newPledgeSpeed(rule: SpeedRule, next: bigint, limitNorm: bigint): bigint {
  return rule.policy === Policy.LimitSqrt ? limitSqrtSpeed(rule.initialSpeed, rule.param, limitNorm) : next;
}

/**
 * The campaign's `nextSpeed` after a new pledge at `speed` (its slot's speed): geometric
 * max(⌊s·r⌋, floor), harmonic 1/s' = 1/s + c/s₀; unchanged under constant and limit-sqrt (s₀).
 */
export function nextSpeedAfter(rule: SpeedRule, speed: bigint): bigint {
  if (rule.policy === Policy.Geometric) return geometricNextSpeed(speed, rule.param, rule.initialSpeed);
  if (rule.policy === Policy.Harmonic) return harmonicNextSpeed(speed, rule.param, rule.initialSpeed);
  return rule.policy === Policy.LimitSqrt ? rule.initialSpeed : speed;
}

/** The speed of a pledge at `speed` raised to the normalised combined limit `limitNorm` (limit-sqrt recomputes it). */
export function raisedSpeed(rule: SpeedRule, speed: bigint, limitNorm: bigint): bigint {
  return rule.policy === Policy.LimitSqrt ? limitSqrtSpeed(rule.initialSpeed, rule.param, limitNorm) : speed;
}

/** Whether withdrawing the campaign's latest pledge releases its speed slot (geometric, harmonic). */
export function releasesSlot(policy: Policy): boolean {
  return policy === Policy.Geometric || policy === Policy.Harmonic;
}

/**
 * The speeds `pledge` assigns to pledges 0 … count − 1 without withdrawals or raises
 * (`CoordinatedPledges.pledge`): constant s₀; geometric s_{k+1} = max(⌊s_k·r⌋, speedFloor(s₀)) and
 * harmonic s_{k+1} = max(⌊s_k·s₀·1e18/(s₀·1e18 + c·s_k)⌋, 1) from s₀; limit-sqrt from each pledge's
 * normalised limit in `limitsNorm` (required then). Withdrawing the latest pledge releases a geometric
 * or harmonic slot: the next pledge gets that speed again (`CampaignView.nextSpeed`).
 */
export function policySpeeds(
  policy: Policy,
  initialSpeed: bigint,
  param: bigint,
  count: number,
  limitsNorm: readonly bigint[] = [],
): bigint[] {
  const rule = { policy, initialSpeed, param };
  const out: bigint[] = [];
  let next = initialSpeed;
  for (let k = 0; k < count; k++) {
    const s = newPledgeSpeed(rule, next, policy === Policy.LimitSqrt ? limitsNorm[k] : 0n);
    out.push(s);
    next = nextSpeedAfter(rule, s);
  }
  return out;
}

/** Σ Lnorm·s over active pledges — `Campaign.sumLimitSpeed`. */
export function sumLimitSpeed(c: CampaignMath): bigint {
  let sum = 0n;
  for (const p of c.pledges) if (p.active) sum += p.limit * c.scale * p.speed;
  return sum;
}

/** Columns as `PledgeSettlement.load` builds them: withdrawn pledges have limit 0. */
export function columns(c: CampaignMath): { limitsNorm: bigint[]; speeds: bigint[] } {
  return {
    limitsNorm: c.pledges.map((p) => (p.active ? p.limit * c.scale : 0n)),
    speeds: c.pledges.map((p) => p.speed),
  };
}

// ─────────────────────────────────────────────── settlement pass (PledgeSettlement._pass)

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
 * `PledgeSettlement._pass` + `_pledgeTerms` over pledges [start, end): skips withdrawn pledges,
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
 * in the same order (`PledgeSettlement.settle` then `_settlePage`), and on success the settled h and pot.
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

// ─────────────────────────────────────────────── solver, leverage, preview

/** `CoordinatedPledges.solve`: the on-chain Newton root (`PledgeMath.solve` on the campaign's columns). */
export function solve(c: CampaignMath): bigint {
  const { limitsNorm, speeds } = columns(c);
  return solveColumns(c.mode === Mode.Quadratic, limitsNorm, speeds, sumLimitSpeed(c));
}

/**
 * `CoordinatedPledges.marginalLeverage`: at `h` when given (the contract passes the settled h once
 * settled), else at `solve(c)`.
 */
export function marginalLeverage(c: CampaignMath, pledgeId: number, h?: bigint): bigint {
  const { limitsNorm, speeds } = columns(c);
  const quadratic = c.mode === Mode.Quadratic;
  const at = h ?? solveColumns(quadratic, limitsNorm, speeds, sumLimitSpeed(c));
  return leverage(quadratic, limitsNorm, speeds, pledgeId, at);
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

/**
 * `CoordinatedPledges.previewPledge`: a new pledge of raw `limit` at `speed`, appended to the columns
 * and handed to `PledgeMath.preview`.
 */
export function previewPledge(c: CampaignMath, limit: bigint, speed: bigint): PledgePreview {
  const { limitsNorm, speeds } = columns(c);
  limitsNorm.push(limit * c.scale);
  speeds.push(speed);
  const r = preview(c.mode === Mode.Quadratic, limitsNorm, speeds, sumLimitSpeed(c), c.scale);
  return { h: r.h, payment: r.pay, potIncrease: r.potIncrease, leverage: r.lev };
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

/** A raise's preview: the new solution with the pledge's combined limit (the raise's `previewPledge`). */
export interface RaisePreview extends PledgePreview {
  /** The raised pledge. */
  pledgeId: bigint;
  /** Its combined limit after the raise (raw tokens); `payment` is this combined pledge's payment. */
  limit: bigint;
  /** The pot at the current solution, before the raise (raw tokens). */
  potBefore: bigint;
}

/**
 * What raising pledge `pledgeId` of `c` by `added` raw tokens would do — the contract has no preview
 * for raises, so this is the exact mirror's: the new root h (as `solve` will compute it), the combined
 * pledge's payment at h, the pot increase over the current root and the pledge's marginal leverage at h
 * (UD60x18), each to the wei of what the contract's views return after the raise. Give the campaign's
 * `rule` under the limit-sqrt policy, whose raise recomputes the pledge's speed from the combined limit.
 */
export function previewRaise(
  c: CampaignMath,
  pledgeId: number,
  added: bigint,
  rule?: SpeedRule,
): RaisePreview {
  const current = c.pledges[pledgeId];
  if (current === undefined || !current.active) throw new Error(`pledge ${pledgeId} is not an active pledge`);
  const hBefore = solve(c);
  const potBefore = evaluate(c, hBefore).pot;
  const limit = current.limit + added;
  // Under limit-sqrt (`rule` given) the raise recomputes the speed from the combined limit.
  const speed = rule === undefined ? current.speed : raisedSpeed(rule, current.speed, limit * c.scale);
  const raised: CampaignMath = {
    ...c,
    pledges: c.pledges.map((p, k) => (k === pledgeId ? { ...p, limit, speed } : p)),
  };
  const h = solve(raised);
  const potAfter = evaluate(raised, h).pot;
  return {
    pledgeId: BigInt(pledgeId),
    limit,
    potBefore,
    h,
    payment: paymentAt(limit, speed, h),
    potIncrease: potAfter > potBefore ? potAfter - potBefore : 0n,
    leverage: marginalLeverage(raised, pledgeId, h),
  };
}
