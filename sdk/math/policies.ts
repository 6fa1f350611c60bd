/**
 * Saturation-speed policies, the two the contract has and two candidates of the mechanism lab
 * (issue 14), each a rule from the pledge's slot and limit to its speed (UD60x18).
 *
 * `constant` and `geometric` are the contract's (`Policy`, ./campaign; speeds via `policySpeeds` /
 * `geometricNextSpeed` of ./settlement and ./pledge-math). The candidates are off-chain only for now
 * (no Solidity twin yet); they are written in the integer arithmetic a Solidity mirror would use
 * (uint256, 1e18 fixed point, every division rounding down, `isqrt` = `Math.sqrt`), so a library can
 * copy them line for line:
 * - `harmonicSpeed`: s_k = max(⌊s₀·1e18 / (1e18 + c·k)⌋, 1) — decays like 1/k, never reaching 0;
 * - `limitScaledSpeed`: s = max(⌊s₀·⌊√(⌊L₀·1e36 / L⌋)⌋ / 1e18⌋, 1), i.e. s₀·√(L₀/L): in quadratic
 *   mode every quarter circle saturates at the same h relative to its radius √L, and a pledge's
 *   speed does not depend on when it joins. A raise would have to recompute the speed from the
 *   combined limit (the contract keeps a raised pledge's speed today): keeping it would let a pledger
 *   open small, at a high speed, and raise.
 */
import { UNIT, geometricNextSpeed } from "./pledge-math";
import { isqrt } from "./common";

/** The policies the lab compares (`constant`, `geometric` on chain; the others candidates). */
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

/** Candidate `harmonic`: s_k = max(⌊s₀·1e18 / (1e18 + c·k)⌋, 1) for the pledge in slot k (0-based). */
export function harmonicSpeed(initialSpeed: bigint, rate: bigint, slot: number): bigint {
  const s = (initialSpeed * UNIT) / (UNIT + rate * BigInt(slot));
  return s === 0n ? 1n : s;
}

/** Candidate `limit-sqrt`: s = max(⌊s₀·⌊√⌊L₀·1e36/L⌋⌋/1e18⌋, 1) (L, L₀ normalised; L > 0). */
export function limitScaledSpeed(initialSpeed: bigint, referenceLimit: bigint, limitNorm: bigint): bigint {
  if (limitNorm <= 0n) throw new RangeError("limit must be positive");
  const s = (initialSpeed * isqrt((referenceLimit * UNIT * UNIT) / limitNorm)) / UNIT;
  return s === 0n ? 1n : s;
}

/**
 * The speed of the pledge in slot `slot` (0-based, slots of withdrawn pledges not reused) with the
 * normalised limit `limitNorm`; `previous` is slot − 1's speed (the geometric recursion's input).
 */
export function labSpeed(
  policy: LabPolicy,
  p: PolicyParams,
  slot: number,
  limitNorm: bigint,
  previous?: bigint,
): bigint {
  switch (policy) {
    case "constant":
      return p.initialSpeed;
    case "geometric":
      return slot === 0 || previous === undefined
        ? p.initialSpeed
        : geometricNextSpeed(previous, p.decay, p.initialSpeed);
    case "harmonic":
      return harmonicSpeed(p.initialSpeed, p.harmonicRate, slot);
    case "limit-sqrt":
      return limitScaledSpeed(p.initialSpeed, p.referenceLimit, limitNorm);
  }
}
