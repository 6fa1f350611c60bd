// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {UD60x18} from "@prb/math/src/UD60x18.sol";

/// @title Arctan
/// @notice Fixed-point arctangent on 18-decimal numbers: `atan(x)` for every x ≥ 0, as UD60x18 or as a
/// plain 1e18-scaled uint256. The result is ⌊atan(x)·1e18⌋ up to the approximation: it is never more
/// than 1 unit (1e-18) away from the exact value, never decreases when x grows, is 0 at 0, and stays
/// below π/2 for every input (it saturates at ⌊π/2·1e18⌋ = 1570796326794896619 for huge x).
/// The TypeScript twin `sdk/math/arctan.ts` reproduces every result to the wei; the constants come from
/// `scripts/fit-arctan.ts`.
/// @dev Algorithm, all intermediates in binary fixed point:
///   1. Reduce to z ∈ [0, 1] on a 2^-96 grid: z = x if x ≤ 1, else z = 1/x and atan(x) = π/2 − atan(z).
///   2. Nearest table centre c = k/16, k ∈ {0, …, 16}: atan(z) = atan(c) + atan(t) with
///      t = (z − c)/(1 + z·c), |t| ≤ 1/32.
///   3. atan(t) ≈ t·q(t²), q the degree-5 minimax polynomial of atan(t)/t on |t| ≤ 1/32 (Remez at 80
///      digits, absolute error 5.1e-25), evaluated by Horner at 2^128 scale.
///   4. Scale the 2^128-scaled angle to 1e18, rounding down.
/// Error budget: polynomial 5.1e-25, the 2^-96 grid of z 1.3e-29, 2^128-scale roundings below 1e-37;
/// so the value before the final floor is within 5.2e-25 of atan(x) and the result within
/// 1 + 5.2e-7 units of 1e-18 (floor of a value that is off by at most 5.2e-25).
/// Monotonicity: (a) inside one branch (same k and same side of 1) consecutive grid points of z differ
/// by 2^-96, which moves t by at least 2^-97 and the polynomial by at least 2^-98, far above the
/// accumulated 2^128-scale rounding (< 2^-124), and z is monotone in x; (b) every branch switch
/// happens between consecutive inputs x, x + 1e-18 with x ≤ 32, where atan grows by at least
/// 1e-18/(1 + 32²) > 9.7e-22, far above twice the 5.2e-25 error. Both with the final floor preserve
/// order, so the result is monotone non-decreasing over all of uint256.
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
    uint256 private constant Q0 = 0xffffffffffffffffff00cb56e64d1a50;
    uint256 private constant Q1 = 0x55555555555554e5aa81cb090b3a5b36;
    uint256 private constant Q2 = 0x3333333333253d4d76ec4d443bbbba87;
    uint256 private constant Q3 = 0x24924923d2c9dad605fc1c2ca605a943;
    uint256 private constant Q4 = 0x1c71c21f66f6ef334b34bcecde2674dc;
    uint256 private constant Q5 = 0x1735d882defd23a888446c8af42568c5;

    // atan(k/16)·2^128 rounded to nearest, two per word: word i holds k = 2i in its low and k = 2i + 1
    // in its high 128 bits (scripts/fit-arctan.ts).
    uint256 private constant T0 = 0xffaaddb967ef4e36cb2792dc0e2e0d500000000000000000000000000000000;
    uint256 private constant T1 = 0x2f72f6979cb6044d1ec2d3e207271d221fd5ba9aac2f6dc65912f313e7d111df;
    uint256 private constant T2 = 0x4d89dcdc1faf2f34e2d5da4c693d79943eb6ebf25901bac55b71e7bd7de885f9;
    uint256 private constant T3 = 0x6993bb0f308ff2db213e4af4800f389b5bd86507937bc239c55190916e7f2242;
    uint256 private constant T4 = 0x832bf4a6d9867e2a4b6a09cb61a515c176b19c1586ed3da2b7f222f65e1d4682;
    uint256 private constant T5 = 0x9a2f80e671bdda204226f8e2204ff3bd8f005d5ef7f59f9b5c835e1665c43748;
    uint256 private constant T6 = 0xaeac4c38b4d8c08014725e2f3e52070aa4bc7d1934f7092419a87f2a457dac9f;
    uint256 private constant T7 = 0xc0ce85b8ac52664089dd62c46e92fa25b8053e2bc2319e73cb2da55210a4443d;
    uint256 private constant T8 = 0xc90fdaa22168c234c4c6628b80dc1cd1;

    /// @notice The arctangent of `x`, in radians.
    /// @dev Defined for every input, never reverts. Within 1e-18 of the exact value (rounded down up to
    /// an approximation error of 5.2e-25), monotone non-decreasing, atan(0) = 0, and always below π/2:
    /// huge inputs return ⌊π/2·1e18⌋ = 1570796326794896619.
    /// @param x The tangent, an 18-decimal fixed-point number ≥ 0.
    /// @return The angle in [0, π/2), an 18-decimal fixed-point number.
    function atan(UD60x18 x) internal pure returns (UD60x18) {
        return UD60x18.wrap(atanRaw(UD60x18.unwrap(x)));
    }

    /// @notice `atan` on plain 1e18-scaled integers: atanRaw(x) = ⌊atan(x/1e18)·1e18⌋ (see `atan`).
    /// @param x The tangent, scaled by 1e18.
    /// @return result The angle in radians, scaled by 1e18, in [0, MAX_RESULT].
    // solhint-disable-next-line function-max-lines
    function atanRaw(uint256 x) internal pure returns (uint256 result) {
        assembly ("memory-safe") {
            // 1. z ∈ [0, 2^96]: the reduced argument on the 2^-96 grid, rounded down.
            //    x ≤ 1e18: x·2^96 < 2^156. x > 1e18: ONE_X96_WAD < 2^156 and the quotient is < 2^96.
            let inverted := gt(x, WAD)
            let z
            switch inverted
            case 0 {
                z := div(shl(96, x), WAD)
            }
            default {
                z := div(ONE_X96_WAD, x)
            }
            // 2. k = round(16·z) ∈ {0, …, 16}; n = 16z − k·2^96 = (z − c)·2^100 ∈ [−2^95, 2^95) is exact
            //    (two's complement when negative); d = (1 + z·c)·2^100 ∈ [2^100, 2^101] is exact.
            let k := shr(92, add(z, 0x80000000000000000000000))
            let n := sub(shl(4, z), shl(96, k))
            let d := add(0x10000000000000000000000000, mul(z, k))
            //    t = n/d scaled by 2^128, truncated toward zero: |n·2^128| ≤ 2^223 fits a signed word.
            let t := sdiv(shl(128, n), d)
            // 3. q(t²) at 2^128 scale. u = t² < 2^118 (|t| ≤ 2^123), rounded down. Every bracket of the
            //    Horner scheme is positive (Q_i > Q_{i+1}·u) and below 2^129, so no product exceeds
            //    2^247 and no subtraction underflows; each step rounds its product down (the bracket
            //    up) by less than one 2^-128 unit.
            let u := shr(128, mul(t, t))
            let q := sub(Q4, shr(128, mul(Q5, u)))
            q := sub(Q3, shr(128, mul(q, u)))
            q := sub(Q2, shr(128, mul(q, u)))
            q := sub(Q1, shr(128, mul(q, u)))
            q := sub(Q0, shr(128, mul(q, u)))
            //    atan(t) = t·q, rounded toward −∞ (sar); |t·q| < 2^251 fits a signed word.
            let p := sar(128, mul(t, q))
            // atan(c) from the table: binary search on the word index w = ⌊k/2⌋ ∈ {0, …, 8}.
            let w := shr(1, k)
            let word := T8
            if lt(w, 8) {
                switch lt(w, 4)
                case 1 {
                    switch lt(w, 2)
                    case 1 {
                        word := T0
                        if w {
                            word := T1
                        }
                    }
                    default {
                        word := T2
                        if eq(w, 3) {
                            word := T3
                        }
                    }
                }
                default {
                    switch lt(w, 6)
                    case 1 {
                        word := T4
                        if eq(w, 5) {
                            word := T5
                        }
                    }
                    default {
                        word := T6
                        if eq(w, 7) {
                            word := T7
                        }
                    }
                }
            }
            // angle = atan(c) + atan(t) ∈ [0, π/4] at 2^128 scale (two's complement addition of a
            // possibly negative p; for k ≥ 1, atan(c) ≥ atan(1/16) > |p|, and for k = 0, p ≥ 0).
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
