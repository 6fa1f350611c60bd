// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {UD60x18} from "@prb/math/src/UD60x18.sol";

/// @title Arctan
/// @notice Fixed-point arctangent on 18-decimal numbers: `atan(x)` for every x ≥ 0, as UD60x18 or as a
/// plain 1e18-scaled uint256. The result is ⌊atan(x)·1e18⌋ up to an approximation error of 7.7e-25:
/// it is within 1.000001 units (1e-18) of the exact value, never decreases when x grows, is 0 at 0, and
/// stays below π/2 for every input (it saturates at ⌊π/2·1e18⌋ = 1570796326794896619 for huge x).
/// The TypeScript twin `sdk/math/arctan.ts` reproduces every result to the wei; the constants come from
/// `scripts/fit-arctan.ts` (which also checks that this file holds them).
/// @dev Algorithm, all intermediates in binary fixed point:
///   1. Reduce to z ∈ [0, 1] on a 2^-96 grid: z = x if x ≤ 1, else z = 1/x and atan(x) = π/2 − atan(z).
///   2. Table centre c = k/16, k = min(round(16·z), 15): atan(z) = atan(c) + atan(t) with
///      t = (z − c)/(1 + z·c), |t| ≤ 1/31 (1/32 except for z > 31/32, folded into k = 15).
///   3. atan(t) ≈ t·q(t²), q the degree-5 polynomial of least maximum absolute error of t·q(t²) − atan(t)
///      on |t| ≤ 1/31 (Remez at 80 digits: 7.67e-25), evaluated by Horner at 2^128 scale.
///   4. Scale the 2^128-scaled angle to 1e18, rounding down.
/// Error budget: polynomial 7.67e-25; the 2^-96 grid of z 1.3e-29; the 2^128-scale roundings (t, u, five
/// Horner steps, t·q, table entry, π/2) below 4·2^-128 < 1.2e-38. So the angle before the final floor
/// is within 7.7e-25 of atan(x), and the result within 1 + 7.7e-7 units below and 7.7e-7 units above.
/// Monotonicity: (a) inside one branch (same k, same side of 1) distinct values of z differ by at least
/// 2^-96, which moves the exact t by at least 2^-97 ((1 + c²)/(1 + z·c)² ≥ 1/2) and the polynomial
/// (slope > 0.99) by more than 2^-98, far above the accumulated rounding (< 2^-125); and z is monotone in
/// x. (b) Every branch switch (x = 1, and z crossing (2k − 1)/32) lies between consecutive inputs x and
/// x + 1e-18 with x ≤ 32, where atan grows by at least 1e-18/(1 + 32²) > 9.7e-22, far above twice the
/// 7.7e-25 error. The final floor preserves order, so the result is monotone non-decreasing on uint256.
library Arctan {
    /// @notice ⌊π/2 · 2^128⌋ (rounded down so that the result stays below π/2).
    uint256 internal constant PI_OVER_2_X128 = 0x1921fb54442d18469898cc51701b839a2;
    /// @notice The largest value `atan` returns: ⌊π/2 · 1e18⌋.
    uint256 internal constant MAX_RESULT = 1570796326794896619;

    /// @dev 1.0 in 18 decimals.
    uint256 private constant WAD = 1e18;
    /// @dev 1e18 · 2^96: z = ONE_X96_WAD / x is 1/x on the 2^-96 grid.
    uint256 private constant ONE_X96_WAD = 79228162514264337593543950336e18;

    // |coefficients| of q(u) = Q0 − Q1·u + Q2·u² − Q3·u³ + Q4·u⁴ − Q5·u⁵, scaled by 2^128
    // (scripts/fit-arctan.ts).
    uint256 private constant Q0 = 0xfffffffffffffffffe8a8670a1275caa;
    uint256 private constant Q1 = 0x55555555555554bbf8156063ae1e14e1;
    uint256 private constant Q2 = 0x33333333332134bb7ce54a350d332bd4;
    uint256 private constant Q3 = 0x24924923aaa4c1adf8ca61422dc708b8;
    uint256 private constant Q4 = 0x1c71c172b23fc586c19297596349a597;
    uint256 private constant Q5 = 0x1734ccf21b7decda5516f4cc672173ef;

    // atan(k/16)·2^128 rounded to nearest (k = 0…15), two per word: word i holds k = 2i in its low and
    // k = 2i + 1 in its high 128 bits (scripts/fit-arctan.ts).
    uint256 private constant T0 = 0xffaaddb967ef4e36cb2792dc0e2e0d500000000000000000000000000000000;
    uint256 private constant T1 = 0x2f72f6979cb6044d1ec2d3e207271d221fd5ba9aac2f6dc65912f313e7d111df;
    uint256 private constant T2 = 0x4d89dcdc1faf2f34e2d5da4c693d79943eb6ebf25901bac55b71e7bd7de885f9;
    uint256 private constant T3 = 0x6993bb0f308ff2db213e4af4800f389b5bd86507937bc239c55190916e7f2242;
    uint256 private constant T4 = 0x832bf4a6d9867e2a4b6a09cb61a515c176b19c1586ed3da2b7f222f65e1d4682;
    uint256 private constant T5 = 0x9a2f80e671bdda204226f8e2204ff3bd8f005d5ef7f59f9b5c835e1665c43748;
    uint256 private constant T6 = 0xaeac4c38b4d8c08014725e2f3e52070aa4bc7d1934f7092419a87f2a457dac9f;
    uint256 private constant T7 = 0xc0ce85b8ac52664089dd62c46e92fa25b8053e2bc2319e73cb2da55210a4443d;

    /// @notice The arctangent of `x`, in radians.
    /// @dev Never reverts. Within 1.000001e-18 of the exact value (the floor of a value within 7.7e-25 of
    /// it), monotone non-decreasing, atan(0) = 0, and always below π/2: huge inputs return
    /// ⌊π/2·1e18⌋ = 1570796326794896619. About 560 gas.
    /// @param x The tangent, an 18-decimal fixed-point number ≥ 0.
    /// @return The angle in [0, π/2), an 18-decimal fixed-point number.
    function atan(UD60x18 x) internal pure returns (UD60x18) {
        return UD60x18.wrap(atanRaw(UD60x18.unwrap(x)));
    }

    /// @notice `atan` on plain 1e18-scaled integers: atanRaw(x) = ⌊atan(x/1e18)·1e18⌋ up to 7.7e-25
    /// (see `atan`), for every uint256 x.
    /// @param x The tangent, scaled by 1e18.
    /// @return result The angle in radians, scaled by 1e18, in [0, MAX_RESULT].
    // One straight assembly block on purpose: splitting it into functions would add jumps to a hot path.
    // solhint-disable-next-line function-max-lines
    function atanRaw(uint256 x) internal pure returns (uint256 result) {
        assembly ("memory-safe") {
            // 1. z ∈ [0, 2^96]: the reduced argument on the 2^-96 grid, rounded down.
            //    x ≤ 1e18: x·2^96 ≤ 2^156. x > 1e18: ONE_X96_WAD < 2^156 and the quotient is < 2^96.
            let inverted := gt(x, WAD)
            let z
            switch inverted
            case 0 {
                z := div(shl(96, x), WAD)
            }
            default {
                z := div(ONE_X96_WAD, x)
            }
            // 2. k = round(16·z/2^96) ∈ {0, …, 16}, then 16 folded into 15 (k − ⌊k/16⌋); c = k/16.
            //    n = 16z − k·2^96 = (z − c)·2^100 ∈ [−2^95, 2^96] is exact (two's complement when
            //    negative); d = (1 + z·c)·2^100 ∈ [2^100, 2^101) is exact. (0x8…0 = 2^91, 0x1…0 = 2^100.)
            let k := shr(92, add(z, 0x80000000000000000000000))
            k := sub(k, shr(4, k))
            let n := sub(shl(4, z), shl(96, k))
            let d := add(0x10000000000000000000000000, mul(z, k))
            //    t = n/d at 2^128 scale, truncated toward zero: |n·2^128| ≤ 2^224 fits a signed word, and
            //    |t| ≤ 2^128/31 < 2^124.
            let t := sdiv(shl(128, n), d)
            // 3. p = t·q(t²) at 2^128 scale. u = t² ≤ 2^128/961 (< 2^119), rounded down. Horner with
            //    alternating signs, q = Q0 − u(Q1 − u(Q2 − u(Q3 − u(Q4 − u·Q5)))): every bracket is
            //    positive (Q_i > Q_{i+1}/961) and below 2^128, so no product reaches 2^247 and no
            //    subtraction underflows; each step rounds its product down (so the bracket up) by less
            //    than one 2^-128 unit. |t·q| < 2^252 fits a signed word; sar rounds toward −∞.
            let u := shr(128, mul(t, t))
            let q := sub(Q2, shr(128, mul(u, sub(Q3, shr(128, mul(u, sub(Q4, shr(128, mul(u, Q5)))))))))
            let p := sar(128, mul(t, sub(Q0, shr(128, mul(u, sub(Q1, shr(128, mul(u, q))))))))
            //    atan(c): the word holding entry k by binary search on bits 3, 2 and 1 of k, then its
            //    low (k even) or high (k odd) half.
            let word
            switch shr(3, k)
            case 0 {
                switch and(k, 4)
                case 0 {
                    word := T0
                    if and(k, 2) {
                        word := T1
                    }
                }
                default {
                    word := T2
                    if and(k, 2) {
                        word := T3
                    }
                }
            }
            default {
                switch and(k, 4)
                case 0 {
                    word := T4
                    if and(k, 2) {
                        word := T5
                    }
                }
                default {
                    word := T6
                    if and(k, 2) {
                        word := T7
                    }
                }
            }
            //    angle = atan(c) + atan(t) ∈ [0, π/4] at 2^128 scale, adding a possibly negative p in two's
            //    complement: for k ≥ 1, atan(c) ≥ atan(1/16) > atan(1/31) ≥ |p|; for k = 0, p ≥ 0.
            let angle := add(and(shr(shl(7, and(k, 1)), word), 0xffffffffffffffffffffffffffffffff), p)
            // π/2 − atan(z) for x > 1: angle ≤ π/4·2^128 + 1 < PI_OVER_2_X128, no underflow.
            if inverted {
                angle := sub(PI_OVER_2_X128, angle)
            }
            // 4. To 1e18 scale, rounded down: angle < 2^129, angle·1e18 < 2^189.
            result := shr(128, mul(angle, WAD))
        }
    }
}
