/**
 * A campaign's status — live values before settlement (the exact mirror's h, payments at it, float
 * marginal leverage, real leverage), the settled ones after — from its terms, whoever read them:
 * `PledgesClient.status` from the contract's views, the indexer's API from the one event replay.
 */
import type { CampaignStatus, CampaignStatusName, PledgeStatus } from "./pledges-types";
import * as pm from "./math/pledges";

/** What a status is computed from. */
export interface CampaignStatusInput extends Omit<
  CampaignStatus,
  "state" | "h" | "pot" | "pledges" | "policyParameter"
> {
  /** The policy's parameter as stored (`CampaignView.decay`; 1e18 under the constant policy). */
  decay: bigint;
  /** The state on chain (a campaign "open" past its deadline is "settling"). */
  chainState: "open" | "cancelled" | "settled";
  /** The chain's time now (unix seconds). */
  now: bigint;
  /** Settled h and pot (used once settled). */
  settledH: bigint;
  settledPot: bigint;
  math: pm.CampaignMath;
  pledgers: string[];
  pledgeStates: PledgeStatus["state"][];
  /** Compute each pledge's real leverage (default true; O(n²) solves: false leaves them null). */
  realLeverage?: boolean;
}

/** The campaign's status (see the module comment). */
export function campaignStatus(input: CampaignStatusInput): CampaignStatus {
  const {
    chainState,
    now,
    settledH,
    settledPot,
    math,
    pledgers,
    pledgeStates,
    realLeverage,
    decay,
    ...rest
  } = input;
  const policyParameter = input.policy === "constant" ? null : decay;
  const state: CampaignStatusName =
    chainState !== "open" ? chainState : now < input.deadline ? "open" : "settling";
  const h = state === "settled" ? settledH : state === "cancelled" ? 0n : pm.solve(math);
  const float = pm.toFloat(math);
  const hFloat = Number(h) / 1e18;
  const real =
    state === "cancelled" || realLeverage === false
      ? []
      : pm.realLeverageNumbers(math, state === "settled" ? { h, pot: settledPot } : undefined);
  const pledges: PledgeStatus[] = [];
  let activeIndex = 0;
  let pot = 0n;
  for (let k = 0; k < math.pledges.length; k++) {
    const p = math.pledges[k]!;
    const pay = p.active ? pm.paymentAt(p.limit, p.speed, h) : 0n;
    if (p.active) pot += pay;
    const leverage = p.active && float.limits.length > 0 ? pm.leverageFloat(float, activeIndex, hFloat) : 0;
    if (p.active) activeIndex++;
    pledges.push({
      pledgeId: BigInt(k),
      pledger: pledgers[k]!,
      limit: p.limit,
      speed: p.speed,
      state: pledgeStates[k]!,
      payment: pay,
      refund: p.active ? p.limit - pay : 0n,
      leverage,
      realLeverage: real[k] ?? null,
    });
  }
  return { ...rest, policyParameter, state, h, pot: state === "settled" ? settledPot : pot, pledges };
}
