/**
 * The fixed-point primitives the math libraries share, each defined once: 1.0 in UD60x18, the
 * largest uint256, and the rounded-down square root and mulDiv of PRBMath's `Common.sol` (which
 * OpenZeppelin's `Math.sqrt` equals). bigint never overflows; where the Solidity twin would revert
 * above 2²⁵⁶ the callers' bounds (proven in the libraries) keep every value below it.
 */

/** 1.0 in 18-decimal fixed point: `QFMath.WAD`, `Arctan.WAD`, `PledgeMath.UNIT`. */
export const WAD = 10n ** 18n;

/** `type(uint256).max` (also PledgeMath's "unbounded" leverage). */
export const MAX_UINT256 = (1n << 256n) - 1n;

/** ⌊√x⌋ — PRBMath `Common.sqrt` / OpenZeppelin `Math.sqrt` (both round down). Newton on bigints. */
export function isqrt(x: bigint): bigint {
  if (x < 0n) throw new RangeError("isqrt of a negative number");
  if (x < 2n) return x;
  // Start above the root (2^⌈bits/2⌉) so the iteration decreases monotonically to ⌊√x⌋.
  let y = 1n << BigInt(Math.ceil(x.toString(2).length / 2));
  for (;;) {
    const next = (y + x / y) >> 1n;
    if (next >= y) return y;
    y = next;
  }
}

/** PRBMath `Common.mulDiv`: ⌊x·y/d⌋. */
export function mulDiv(x: bigint, y: bigint, d: bigint): bigint {
  return (x * y) / d;
}
