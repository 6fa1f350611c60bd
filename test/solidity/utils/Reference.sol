// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Reference
/// @notice Independent reference arithmetic for the tests: written here, deliberately by other
/// algorithms than the contracts' libraries use (OpenZeppelin/PRB Newton square roots, 512-bit mulDiv).
library Reference {
    /// @dev π·1e36, rounded down (π = 3.14159265358979323846264338327950288419716939937510…).
    uint256 internal constant PI_36 = 3141592653589793238462643383279502884;
    /// @dev π/2·1e18 = 1570796326794896619.2313… — its floor.
    uint256 internal constant HALF_PI_18 = 1570796326794896619;
    /// @dev π/4·1e18 = 785398163397448309.6156… — its floor.
    uint256 internal constant QUARTER_PI_18 = 785398163397448309;
    /// @dev π/2·1e36 = 1570796326794896619231321691639751442.0985… — its floor.
    uint256 internal constant HALF_PI_36 = 1570796326794896619231321691639751442;
    /// @dev 2/π·1e36 = 636619772367581343075535053490057448.1378… — its floor.
    uint256 internal constant TWO_OVER_PI_36 = 636619772367581343075535053490057448;

    /// @notice ⌊√x⌋ by the digit-by-digit (binary restoring) method: no division, no initial guess.
    function sqrtFloor(uint256 x) internal pure returns (uint256 root) {
        uint256 rem = x;
        uint256 bit = 1 << 254; // the highest power of four in a word
        while (bit > x) bit >>= 2;
        while (bit != 0) {
            if (rem >= root + bit) {
                rem -= root + bit;
                root = (root >> 1) + bit;
            } else {
                root >>= 1;
            }
            bit >>= 2;
        }
    }

    /// @notice ⌈√x⌉.
    function sqrtCeil(uint256 x) internal pure returns (uint256 r) {
        r = sqrtFloor(x);
        if (r * r < x) ++r;
    }

    /// @notice Whether r = ⌊√x⌋, checked by r² ≤ x < (r + 1)² without overflow.
    function isSqrtFloor(uint256 x, uint256 r) internal pure returns (bool) {
        if (r > type(uint128).max) return false;
        if (r * r > x) return false;
        if (r == type(uint128).max) return true; // (r + 1)² = 2²⁵⁶ > x
        return (r + 1) * (r + 1) > x;
    }

    /// @notice atan(x)·1e36 for 0 ≤ x ≤ 0.1 (x with 36 decimals) by its Taylor series x − x³/3 + x⁵/5 − …,
    /// summed at 54 decimals until the powers vanish: another algorithm than the contracts' (a Padé
    /// approximant below 1e-3, Arctan's range reduction above). Returns ⌊atan(x)·1e36⌋ or one less
    /// (the 54-decimal floors lose < 1e-52 in all).
    function atan36(uint256 x) internal pure returns (uint256) {
        require(x <= 1e35, "atan36: x > 0.1");
        uint256 x54 = x * 1e18;
        uint256 x2 = mulDivFloor(x54, x54, 1e54);
        uint256 power = x54; // x^(2n+1) with 54 decimals
        uint256 pos;
        uint256 neg;
        for (uint256 n = 0; power != 0; ++n) {
            if (n % 2 == 0) pos += power / (2 * n + 1);
            else neg += power / (2 * n + 1);
            power = mulDivFloor(power, x2, 1e54);
        }
        return (pos - neg) / 1e18;
    }

    /// @notice ⌊a·b/d⌋ for a·b that may exceed 2²⁵⁶, by schoolbook long division on 128-bit halves
    /// (slow, exact; requires the result to fit a word).
    function mulDivFloor(uint256 a, uint256 b, uint256 d) internal pure returns (uint256 q) {
        require(d != 0, "mulDiv: d = 0");
        unchecked {
            // 512-bit product (hi, lo) by 128-bit limbs.
            uint256 a0 = a & type(uint128).max;
            uint256 a1 = a >> 128;
            uint256 b0 = b & type(uint128).max;
            uint256 b1 = b >> 128;
            uint256 p00 = a0 * b0;
            uint256 p01 = a0 * b1;
            uint256 p10 = a1 * b0;
            uint256 p11 = a1 * b1;
            uint256 mid = (p00 >> 128) + (p01 & type(uint128).max) + (p10 & type(uint128).max);
            uint256 lo = (p00 & type(uint128).max) | (mid << 128);
            uint256 hi = p11 + (p01 >> 128) + (p10 >> 128) + (mid >> 128);
            require(hi < d, "mulDiv: overflow");
            // Restoring division, one bit at a time.
            uint256 r = hi;
            for (uint256 i = 0; i < 256; ++i) {
                bool carry = r >> 255 == 1;
                r = (r << 1) | (lo >> 255);
                lo <<= 1;
                q <<= 1;
                if (carry || r >= d) {
                    r -= d;
                    q |= 1;
                }
            }
        }
    }
}
