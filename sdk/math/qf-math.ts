/**
 * contracts/libraries/QFMath.sol mirrored one to one in bigint: the same functions under the same names,
 * rounding the same way (always down), so the results agree with the contract to the wei.
 *
 * Units: "raw" amounts are integers of the token; "norm" amounts are normalised to 18 decimals
 * (raw · scale with scale = 10^(18 − decimals)); Σ√c is in 1e18 units of √token.
 */
import { WAD, isqrt } from "./common";

/** `QFMath.WAD`: 1.0 in 18-decimal fixed point (defined once, in ./common). */
export { WAD };
/** Basis points in 100% (`QFMath.BPS`). */
export const BPS = 10_000n;

/** `QFMath.sqrtTerm`: √c of one contributor's round total, ⌊√(cRaw · scale · 1e18)⌋ (1e18 = 1 √token). */
export function sqrtTerm(cRaw: bigint, scale: bigint): bigint {
  return isqrt(cRaw * scale * WAD);
}

/** `QFMath.weight`: w = max(0, ⌊S²/1e18⌋ − Σc) in normalised units. */
export function weight(sumSqrt: bigint, directNorm: bigint): bigint {
  const square = (sumSqrt * sumSqrt) / WAD;
  return square > directNorm ? square - directNorm : 0n;
}

/** `QFMath.allocation`: raw tokens a round takes from the pool when finalised with `poolRaw`. */
export function allocation(totalWeight: bigint, poolRaw: bigint, scale: bigint, wholePool: boolean): bigint {
  if (totalWeight === 0n) return 0n;
  if (!wholePool && totalWeight <= poolRaw * scale) return totalWeight / scale;
  return poolRaw;
}

/** `QFMath.matchRaw`: a gap's match before any cap, ⌊α·w⌋ then down to raw units. */
export function matchRaw(
  w: bigint,
  totalWeight: bigint,
  poolRaw: bigint,
  scale: bigint,
  wholePool: boolean,
): bigint {
  if (w === 0n || totalWeight === 0n) return 0n;
  const poolNorm = poolRaw * scale;
  if (!wholePool && totalWeight <= poolNorm) return w / scale;
  return (w * poolNorm) / totalWeight / scale;
}

/** `QFMath.capRaw`: ⌊pool · capBps / 10,000⌋ (0 = no cap). */
export function capRaw(poolRaw: bigint, capBps: bigint): bigint {
  return (poolRaw * capBps) / BPS;
}
