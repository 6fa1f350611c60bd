/**
 * Real (counterfactual) leverage of a pledge: how much the settled pot owes to it, per token it pays.
 * Off-chain only: no Solidity twin (the contract has the marginal `leverage` of ./pledge-math); built
 * on the exact mirror of ./settlement, so both pots are the ones `settle` would settle to the wei.
 *
 *   realLeverageᵢ = (pot − pot without i) / pᵢ
 *
 * "Pot" is the pot at the tightest bracket `settle` accepts (`findBracket`'s hLow, the h that
 * `cqf:settle` and the keeper submit). "Without i" marks pledge i withdrawn and keeps every other
 * pledge's terms, speeds included: the counterfactual is the campaign had i not pledged while the
 * others pledged as they did (in a geometric campaign the later pledges keep their decayed speeds).
 * Cost: one exact root of n − 1 pledges per pledge, O(n) passes each.
 */
import { type CampaignMath } from "./campaign";
import { WAD } from "./common";
import { realLeverageFloat, solveFloat, toFloat } from "./float";
import { evaluate, findBracket, paymentAt } from "./settlement";

/**
 * The most active pledges `realLeverageNumbers` handles exactly: the exact path costs one bracket
 * search of n − 1 pledges per pledge (O(n²) passes: ~0.8 s for 100 pledges, ~25 ms per pledge at
 * 320); above it the float estimate `realLeverageFloat` (O(n²) float work, agreeing to ~1e-12·pot/pᵢ).
 */
export const EXACT_REAL_LEVERAGE_MAX = 100;

/** What `realLeverage` returns (raw tokens, UD60x18). */
export interface RealLeverage {
  /** The pot at the campaign's settlement root (raw tokens). */
  pot: bigint;
  /** The pot at the root of the campaign without the pledge (raw tokens). */
  potWithout: bigint;
  /** The pledge's payment at the settlement root (raw tokens). */
  payment: bigint;
  /** ⌊(pot − potWithout)·1e18 / payment⌋ (UD60x18, rounded toward zero); null when the payment is 0. */
  leverage: bigint | null;
}

/** The pot `settle` would settle: the pot at the tightest bracket's hLow. */
export function settledPot(c: CampaignMath): { h: bigint; pot: bigint } {
  const h = findBracket(c).hLow;
  return { h, pot: evaluate(c, h).pot };
}

/** The campaign with pledge `i` left out (withdrawn); every other pledge's limit and speed kept. */
export function withoutPledge(c: CampaignMath, i: number): CampaignMath {
  return { ...c, pledges: c.pledges.map((p, k) => (k === i ? { ...p, active: false } : p)) };
}

/**
 * Real leverage of pledge `i` of `c` (index in pledge-id order). `settled` passes the campaign's
 * root and pot when already known (all pledges of one campaign share them). A withdrawn pledge pays
 * nothing: its leverage is null.
 */
export function realLeverage(
  c: CampaignMath,
  i: number,
  settled: { h: bigint; pot: bigint } = settledPot(c),
): RealLeverage {
  const p = c.pledges[i];
  if (p === undefined) throw new RangeError(`no pledge ${i} in the campaign`);
  const pay = p.active ? paymentAt(p.limit, p.speed, settled.h) : 0n;
  const potWithout = p.active ? settledPot(withoutPledge(c, i)).pot : settled.pot;
  return {
    pot: settled.pot,
    potWithout,
    payment: pay,
    leverage: pay === 0n ? null : ((settled.pot - potWithout) * WAD) / pay,
  };
}

/**
 * Real leverage of every pledge of `c`, in pledge-id order (one root for the campaign unless
 * `settled` gives it, one per pledge).
 */
export function realLeverages(c: CampaignMath, settled = settledPot(c)): RealLeverage[] {
  return c.pledges.map((_, i) => realLeverage(c, i, settled));
}

/**
 * Every pledge's real leverage as a number (null for a pledge that pays 0, e.g. withdrawn), in
 * pledge-id order: exact (`realLeverages`) up to `EXACT_REAL_LEVERAGE_MAX` active pledges, the float
 * estimate above. What `PledgesClient.status` shows.
 */
export function realLeverageNumbers(
  c: CampaignMath,
  settled?: { h: bigint; pot: bigint },
): (number | null)[] {
  const active = c.pledges.filter((p) => p.active).length;
  if (active <= EXACT_REAL_LEVERAGE_MAX)
    return realLeverages(c, settled).map((r) => (r.leverage === null ? null : Number(r.leverage) / 1e18));
  const f = toFloat(c);
  const h = settled === undefined ? solveFloat(f) : Number(settled.h) / 1e18;
  let k = 0;
  return c.pledges.map((p) => {
    if (!p.active) return null;
    const x = realLeverageFloat(f, k++, h);
    return Number.isFinite(x) ? x : null;
  });
}
