// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title QFMath
/// @notice Pure quadratic-funding math of the allocator, on amounts normalised to 18 decimals
/// ("norm" = raw · scale, scale = 10^(18 − decimals)). The SDK mirrors every function one to one
/// (sdk/math/qf-math.ts), to the wei.
/// @dev Rounding always favours the contract: square roots, weights and matches round down, so the
/// matches paid out never exceed what a round allocated.
library QFMath {
    /// @notice 1.0 in 18-decimal fixed point.
    uint256 internal constant WAD = 1e18;
    /// @notice Basis points in 100%.
    uint256 internal constant BPS = 10_000;

    /// @notice √c of one contributor's round total, in 1e18 units of √token: ⌊√(cRaw · scale · 1e18)⌋.
    /// @dev cRaw < 2^96 and scale ≤ 1e18 (< 2^60) keep the product below 2^216: no overflow.
    /// @param cRaw The contributor's total to the gap in the round, raw token units (< 2^96).
    /// @param scale 10^(18 − decimals) of the token (1 for an 18-decimal token).
    /// @return √c in 1e18 units of √token, rounded down.
    function sqrtTerm(uint256 cRaw, uint256 scale) internal pure returns (uint256) {
        return Math.sqrt(cRaw * scale * WAD);
    }

    /// @notice A gap's weight w = (Σ√c)² − Σc in normalised units, floored at zero.
    /// @dev ⌊S²/1e18⌋ rounds down and each √c was rounded down, so a single contributor's gap gets
    /// exactly 0 (⌊√x⌋² ≤ x), and w never exceeds the exact weight by more than rounding of S².
    /// @param sumSqrt Σ√cᵢ as produced by `sqrtTerm` (1e18 = 1 √token).
    /// @param directNorm Σcᵢ normalised (raw · scale).
    /// @return The weight in normalised units (1e18 = 1 token), rounded down; 0 if S²/1e18 ≤ Σc.
    function weight(uint256 sumSqrt, uint256 directNorm) internal pure returns (uint256) {
        uint256 square = Math.mulDiv(sumSqrt, sumSqrt, WAD);
        return square > directNorm ? square - directNorm : 0;
    }

    /// @notice Raw tokens a round allocates to its gaps when finalised with pool `poolRaw`.
    /// @dev Default mode: α = min(1, P/W); when W ≤ P every gap gets exactly its weight, so the round
    /// needs ⌊W/scale⌋ raw tokens (Σ⌊wᵍ/scale⌋ ≤ ⌊W/scale⌋ since W = Σwᵍ). Otherwise (α < 1, or the
    /// whole-pool mode) it needs at most the pool: Σ⌊⌊wᵍ·P/W⌋/scale⌋ ≤ ⌊P·scale/scale⌋ = P. W = 0 spends
    /// nothing.
    /// @param totalWeight The round's W = Σwᵍ (normalised, 1e18 = 1 token).
    /// @param poolRaw The round's pool P (raw token units).
    /// @param scale 10^(18 − decimals) of the token.
    /// @param wholePool True for α = P/W (the whole pool), false for α = min(1, P/W).
    /// @return The raw tokens allocated, ≤ poolRaw: ⌊W/scale⌋ when α = 1, poolRaw otherwise, 0 when W = 0.
    function allocation(
        uint256 totalWeight,
        uint256 poolRaw,
        uint256 scale,
        bool wholePool
    ) internal pure returns (uint256) {
        if (totalWeight == 0) return 0;
        if (!wholePool && totalWeight <= poolRaw * scale) return totalWeight / scale;
        return poolRaw;
    }

    /// @notice One gap's match in raw tokens before any cap: ⌊α·w⌋ converted down to raw units.
    /// @param w The gap's weight in the round (normalised).
    /// @param totalWeight The round's W (normalised).
    /// @param poolRaw The round's pool (raw).
    /// @param scale 10^(18 − decimals) of the token.
    /// @param wholePool True for α = P/W (the whole pool), false for α = min(1, P/W).
    /// @return The match in raw token units, rounded down twice (⌊α·w⌋, then to raw units); 0 when w or
    /// W is 0.
    function matchRaw(
        uint256 w,
        uint256 totalWeight,
        uint256 poolRaw,
        uint256 scale,
        bool wholePool
    ) internal pure returns (uint256) {
        if (w == 0 || totalWeight == 0) return 0;
        uint256 poolNorm = poolRaw * scale;
        // α = 1 when the pool covers every weight (default mode only): pay the full weight.
        if (!wholePool && totalWeight <= poolNorm) return w / scale;
        // α = P/W < 1 (or the whole-pool mode): ⌊w·P/W⌋, rounding down keeps Σ matches ≤ P.
        return Math.mulDiv(w, poolNorm, totalWeight) / scale;
    }

    /// @notice The per-gap cap in raw tokens: ⌊pool · capBps / 10,000⌋ (0 when there is no cap).
    /// @param poolRaw The round's pool (raw).
    /// @param capBps The cap in basis points of the pool (≤ 10,000; 0 means no cap, which callers check).
    /// @return The cap in raw token units, rounded down.
    function capRaw(uint256 poolRaw, uint256 capBps) internal pure returns (uint256) {
        return Math.mulDiv(poolRaw, capBps, BPS);
    }
}
