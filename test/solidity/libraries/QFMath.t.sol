// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {QFMath} from "../../../contracts/libraries/QFMath.sol";
import {TestBase} from "../utils/Test.sol";
import {Reference} from "../utils/Reference.sol";

/// @title QFMathTest
/// @notice Properties of the quadratic-funding math: square roots and weights round down (the exact
/// weight (Σ√c)² − Σc is bracketed with floor and ceiling roots), a single contributor weighs 0, a
/// round never allocates more than its pool, the matches of all gaps never exceed the allocation,
/// matches grow with the weight and the pool and round down, and the cap is a floor share of the pool.
contract QFMathTest is TestBase {
    uint256 internal constant WAD = 1e18;
    /// @dev Raw amounts per contributor and round stay below 2⁹⁶ (the allocator rejects more).
    uint256 internal constant MAX_RAW = type(uint96).max;

    function scaleOf(uint256 decimalsSeed) internal pure returns (uint256) {
        return 10 ** (18 - bound(decimalsSeed, 0, 18));
    }

    // ─────────────────────────────────────────────── sqrtTerm and weight

    function testFuzz_sqrtTermIsFloorRoot(uint256 cRaw, uint256 decimalsSeed) public pure {
        uint256 scale = scaleOf(decimalsSeed);
        cRaw = bound(cRaw, 0, MAX_RAW);
        uint256 s = QFMath.sqrtTerm(cRaw, scale);
        assertTrue(Reference.isSqrtFloor(cRaw * scale * WAD, s), "sqrtTerm = floor(sqrt(c * scale * 1e18))");
        assertEq(s, Reference.sqrtFloor(cRaw * scale * WAD), "sqrtTerm vs digit-by-digit root");
    }

    function testFuzz_singleContributorWeighsZero(uint256 cRaw, uint256 decimalsSeed) public pure {
        uint256 scale = scaleOf(decimalsSeed);
        cRaw = bound(cRaw, 0, MAX_RAW);
        assertEq(QFMath.weight(QFMath.sqrtTerm(cRaw, scale), cRaw * scale), 0, "one contributor: w = 0");
    }

    /// @dev With sᵢ = ⌊√(cᵢ·1e18)⌋ ≤ √(cᵢ·1e18) < sᵢ + 1, the exact weight (Σ√cᵢ)² − Σcᵢ lies in
    /// [(Σsᵢ)²/1e18 − Σc, (Σ(sᵢ + 1))²/1e18 − Σc]: the library's w must be at most the exact weight and
    /// at least the floor-root lower bound minus one unit of the final floor.
    function testFuzz_weightBracketsExactWeight(
        uint256[6] memory amounts,
        uint256 n,
        uint256 decimalsSeed
    ) public pure {
        uint256 scale = scaleOf(decimalsSeed);
        n = bound(n, 1, 6);
        uint256 sumSqrt;
        uint256 sumCeil;
        uint256 direct;
        for (uint256 i = 0; i < n; ++i) {
            uint256 c = bound(amounts[i], 1, MAX_RAW / 8);
            uint256 s = QFMath.sqrtTerm(c, scale);
            sumSqrt += s;
            sumCeil += Reference.sqrtCeil(c * scale * WAD);
            direct += c * scale;
        }
        uint256 w = QFMath.weight(sumSqrt, direct);
        uint256 upperSq = Reference.mulDivFloor(sumCeil, sumCeil, WAD) + 1;
        uint256 exactUpper = upperSq > direct ? upperSq - direct : 0;
        assertLe(w, exactUpper, "w above the exact weight");
        uint256 lowerSq = Reference.mulDivFloor(sumSqrt, sumSqrt, WAD);
        assertEq(
            w,
            lowerSq > direct ? lowerSq - direct : 0,
            "w = floor((sum s)^2/1e18) - sum c, floored at 0"
        );
        if (n == 1) assertEq(w, 0, "single contributor");
    }

    /// @dev Splitting one contributor's amount between two contributors never lowers the weight
    /// (√a + √b ≥ √(a + b)), up to the floors of the two roots (two units of Σ√c).
    function testFuzz_moreContributorsMoreWeight(uint256 a, uint256 b, uint256 decimalsSeed) public pure {
        uint256 scale = scaleOf(decimalsSeed);
        a = bound(a, 1, MAX_RAW / 2);
        b = bound(b, 1, MAX_RAW / 2);
        uint256 split = QFMath.weight(QFMath.sqrtTerm(a, scale) + QFMath.sqrtTerm(b, scale), (a + b) * scale);
        uint256 whole = QFMath.weight(QFMath.sqrtTerm(a + b, scale), (a + b) * scale);
        assertEq(whole, 0, "one contributor");
        assertGe(split, whole, "two contributors weigh at least one");
    }

    // ─────────────────────────────────────────────── allocation and matches

    function testFuzz_allocationWithinPool(
        uint256 w,
        uint256 pool,
        uint256 decimalsSeed,
        bool wholePool
    ) public pure {
        uint256 scale = scaleOf(decimalsSeed);
        w = bound(w, 0, type(uint176).max);
        pool = bound(pool, 0, type(uint96).max);
        uint256 a = QFMath.allocation(w, pool, scale, wholePool);
        assertLe(a, pool, "allocation <= pool");
        if (w == 0) assertEq(a, 0, "W = 0 allocates nothing");
        else if (wholePool) assertEq(a, pool, "whole-pool mode allocates the pool");
        else if (w <= pool * scale) assertEq(a, w / scale, "alpha = 1 allocates floor(W/scale)");
        else assertEq(a, pool, "alpha < 1 allocates the pool");
    }

    /// @dev Gaps with weights wᵢ, W = Σwᵢ: Σ matchRaw(wᵢ) ≤ allocation(W) ≤ pool, every match rounds
    /// down (match·scale·W ≤ wᵢ·P·scale when α < 1; match·scale ≤ wᵢ when α = 1), and the total
    /// rounding loss is below one raw unit per gap plus the conversion to raw units.
    function testFuzz_matchesWithinAllocation(
        uint256[8] memory weights,
        uint256 n,
        uint256 pool,
        uint256 decimalsSeed,
        bool wholePool
    ) public pure {
        uint256 scale = scaleOf(decimalsSeed);
        n = bound(n, 1, 8);
        pool = bound(pool, 0, type(uint96).max);
        uint256 total;
        for (uint256 i = 0; i < n; ++i) {
            weights[i] = bound(weights[i], 0, type(uint176).max / 8);
            total += weights[i];
        }
        uint256 alloc = QFMath.allocation(total, pool, scale, wholePool);
        uint256 paid;
        for (uint256 i = 0; i < n; ++i) {
            uint256 m = QFMath.matchRaw(weights[i], total, pool, scale, wholePool);
            paid += m;
            if (weights[i] == 0) assertEq(m, 0, "no weight, no match");
            if (!wholePool && total <= pool * scale) {
                assertEq(m, weights[i] / scale, "alpha = 1: the full weight");
            } else if (total > 0) {
                // m = ⌊⌊w·P·scale/W⌋/scale⌋, checked against the independent long division.
                assertEq(
                    m,
                    Reference.mulDivFloor(weights[i], pool * scale, total) / scale,
                    "alpha < 1 match"
                );
            }
        }
        assertLe(paid, alloc, "sum of matches <= allocation");
        assertLe(alloc, pool, "allocation <= pool");
        assertLe(alloc - paid, n, "rounding loss < one raw unit per gap");
    }

    function testFuzz_matchMonotone(
        uint256 w1,
        uint256 w2,
        uint256 total,
        uint256 p1,
        uint256 p2,
        bool wholePool
    ) public pure {
        total = bound(total, 1, type(uint176).max);
        w1 = bound(w1, 0, total);
        w2 = bound(w2, 0, total);
        if (w1 > w2) (w1, w2) = (w2, w1);
        p1 = bound(p1, 0, type(uint96).max);
        p2 = bound(p2, 0, type(uint96).max);
        if (p1 > p2) (p1, p2) = (p2, p1);
        assertLe(
            QFMath.matchRaw(w1, total, p1, 1, wholePool),
            QFMath.matchRaw(w2, total, p1, 1, wholePool),
            "in w"
        );
        assertLe(
            QFMath.matchRaw(w1, total, p1, 1, wholePool),
            QFMath.matchRaw(w1, total, p2, 1, wholePool),
            "in P"
        );
        uint256 m = QFMath.matchRaw(w2, total, p1, 1, wholePool);
        // Default mode: α = min(1, P/W) ≤ 1. Whole-pool mode: α = P/W may exceed 1, but a gap never
        // gets more than the pool.
        if (!wholePool) assertLe(m, w2, "default mode: match <= weight");
        assertLe(m, p1, "match <= pool");
    }

    function testFuzz_capIsFloorShare(uint256 pool, uint256 capBps) public pure {
        pool = bound(pool, 0, type(uint96).max);
        capBps = bound(capBps, 0, 10_000);
        uint256 cap = QFMath.capRaw(pool, capBps);
        assertLe(cap, pool, "cap <= pool");
        assertLe(cap * 10_000, pool * capBps, "cap rounds down");
        assertGt((cap + 1) * 10_000, pool * capBps, "cap is the floor");
        if (capBps == 10_000) assertEq(cap, pool, "100% cap");
    }

    function test_constants() public pure {
        assertEq(QFMath.WAD, 1e18, "WAD");
        assertEq(QFMath.BPS, 10_000, "BPS");
        // 100 contributors of 1 token against one whale of 100: (Σ√c)² − Σc = 100² − 100 = 9,900 tokens.
        uint256 s = 100 * QFMath.sqrtTerm(1e18, 1);
        assertEq(QFMath.weight(s, 100e18), 9_900e18, "a hundred people giving 1");
        assertEq(QFMath.weight(QFMath.sqrtTerm(100e18, 1), 100e18), 0, "one whale giving 100");
    }
}
