/**
 * Saturation-speed policies as the mechanism lab (issue 14) compares them: the contract's four
 * (`Policy`, ./campaign), each a rule from the pledge's slot and limit to its speed (UD60x18), computed
 * by the contract's own rules (`PledgeMath` mirrors in ./pledge-math, via ./settlement's
 * `newPledgeSpeed` / `nextSpeedAfter`), so the lab, the SDK and the chain agree to the wei:
 * - `harmonicSpeed`: the recursion 1/s_{k+1} = 1/s_k + c/s₀ (`PledgeMath.harmonicNextSpeed`, each step
 *   rounded down, at least 1 wei) — decays like s₀/(1 + c·k), never reaching 0;
 * - `limitScaledSpeed`: s = min(max(⌊s₀·⌊√⌊L₀·1e36/L⌋⌋/1e18⌋, 1), MAX_SPEED) (`PledgeMath.limitSqrtSpeed`),
 *   i.e. s₀·√(L₀/L): in quadratic mode every quarter circle saturates at the same h relative to its
 *   radius √L, and a pledge's speed does not depend on when it joins. A raise recomputes the speed from
 *   the combined limit (keeping it would let a pledger open small, at a high speed, and raise).
 */
import { Policy } from "./campaign";
import { harmonicNextSpeed, limitSqrtSpeed } from "./pledge-math";
import { newPledgeSpeed, nextSpeedAfter } from "./settlement";

/** The policies the lab compares (all four on chain), by their SDK names (`POLICY_NAMES`). */
export const LAB_POLICIES = ["constant", "geometric", "harmonic", "limit-sqrt"] as const;
export type LabPolicy = (typeof LAB_POLICIES)[number];

/** A campaign's policy parameters (UD60x18; `referenceLimit` normalised to 18 decimals). */
export interface PolicyParams {
  /** s₀. */
  initialSpeed: bigint;
  /** r of the geometric policy. */
  decay: bigint;
  /** c of the harmonic policy. */
  harmonicRate: bigint;
  /** L₀ of the limit-scaled policy: the limit whose speed is s₀. */
  referenceLimit: bigint;
}

/** The on-chain `Policy` of a lab policy name. */
export function labPolicyValue(policy: LabPolicy): Policy {
  return LAB_POLICIES.indexOf(policy) as Policy;
}

/** The parameter `createCampaign` takes for `policy` (`CampaignParams.decay`: r, c, L₀; 1e18 if constant). */
export function policyParam(policy: LabPolicy, p: PolicyParams): bigint {
  if (policy === "geometric") return p.decay;
  if (policy === "harmonic") return p.harmonicRate;
  return policy === "limit-sqrt" ? p.referenceLimit : 10n ** 18n;
}

/**
 * `harmonic`: the speed of slot `slot` (0-based) without withdrawals, by the contract's recursion
 * from s₀ (`PledgeMath.harmonicNextSpeed` applied `slot` times).
 */
export function harmonicSpeed(initialSpeed: bigint, rate: bigint, slot: number): bigint {
  let s = initialSpeed;
  for (let k = 0; k < slot; k++) s = harmonicNextSpeed(s, rate, initialSpeed);
  return s;
}

/** `limit-sqrt`: `PledgeMath.limitSqrtSpeed(s₀, L₀, L)` (L, L₀ normalised; L > 0). */
export function limitScaledSpeed(initialSpeed: bigint, referenceLimit: bigint, limitNorm: bigint): bigint {
  return limitSqrtSpeed(initialSpeed, referenceLimit, limitNorm);
}

/**
 * The speed of the pledge in slot `slot` (0-based, slots of withdrawn pledges not reused) with the
 * normalised limit `limitNorm`; `previous` is slot − 1's speed (the slot policies' recursion input:
 * without it, slot 0's s₀ is assumed for slot 0 and the recursion is run from s₀).
 */
export function labSpeed(
  policy: LabPolicy,
  p: PolicyParams,
  slot: number,
  limitNorm: bigint,
  previous?: bigint,
): bigint {
  const rule = {
    policy: labPolicyValue(policy),
    initialSpeed: p.initialSpeed,
    param: policyParam(policy, p),
  };
  if (policy === "constant" || policy === "limit-sqrt")
    return newPledgeSpeed(rule, p.initialSpeed, limitNorm);
  if (slot === 0) return p.initialSpeed;
  if (previous !== undefined) return nextSpeedAfter(rule, previous);
  let s = p.initialSpeed;
  for (let k = 0; k < slot; k++) s = nextSpeedAfter(rule, s);
  return s;
}
