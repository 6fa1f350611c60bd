// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {UD60x18} from "@prb/math/src/UD60x18.sol";
import {Arctan} from "../../../contracts/libraries/Arctan.sol";
import {ArctanHarness} from "../../../contracts/mocks/ArctanHarness.sol";
import {TestBase} from "../utils/Test.sol";
import {Reference} from "../utils/Reference.sol";

/// @title ArctanTest
/// @notice Properties of `Arctan.atanRaw` against independent facts of the arctangent: exact values,
/// range, monotonicity, atan(x) ≤ x, the complement and subtraction identities, the mean-value bounds
/// of the derivative 1/(1 + t²) and the Taylor bounds near 0. Each identity's tolerance is derived in
/// its comment from the library's documented error (the floor of a value within 7.7e-25 of atan).
contract ArctanTest is TestBase {
    uint256 internal constant WAD = 1e18;

    ArctanHarness internal harness;

    function setUp() public {
        harness = new ArctanHarness();
    }

    function atan(uint256 x) internal pure returns (uint256) {
        return Arctan.atanRaw(x);
    }

    // ─────────────────────────────────────────────── exact values and range

    function test_knownValues() public pure {
        assertEq(atan(0), 0, "atan(0)");
        // atan(1) = π/4 = 0.785398163397448309615…: floor …309.
        assertEq(atan(WAD), Reference.QUARTER_PI_18, "atan(1)");
        // atan(√3) = π/3 = 1.047197551196597746154…; √3·1e18 rounded down moves it by < 0.25 units.
        assertApproxEq(atan(1732050807568877293), 1047197551196597746, 1, "atan(sqrt 3)");
        // atan(1/√3) = π/6 = 0.523598775598298873077…
        assertApproxEq(atan(577350269189625764), 523598775598298873, 1, "atan(1/sqrt 3)");
        // atan(2 − √3) = π/12 = 0.261799387799149436538…
        assertApproxEq(atan(267949192431122706), 261799387799149436, 1, "atan(2 - sqrt 3)");
        // Saturation: every huge input returns ⌊π/2·1e18⌋.
        assertEq(atan(type(uint256).max), Reference.HALF_PI_18, "atan(max)");
        assertEq(Arctan.MAX_RESULT, Reference.HALF_PI_18, "MAX_RESULT");
        assertEq(atan(1e60), Reference.HALF_PI_18, "atan(1e42)");
    }

    function testFuzz_range(uint256 x) public pure {
        uint256 a = atan(x);
        assertLe(a, Reference.HALF_PI_18, "atan < pi/2");
        assertLe(a, x, "atan(t) <= t");
        // atan(t) > t/(1 + t²) ≥ t/2 for t ≤ 1: positive from the second unit on.
        if (x >= 2) assertGt(a, 0, "atan(x) > 0");
    }

    // ─────────────────────────────────────────────── monotonicity

    function testFuzz_monotone(uint256 x, uint256 y) public pure {
        if (x > y) (x, y) = (y, x);
        assertLe(atan(x), atan(y), "x <= y => atan(x) <= atan(y)");
    }

    /// @dev Adjacent inputs around every branch switch (x = 1 and z = (2k − 1)/32, k = 1…16, and
    /// their reciprocals) never decrease.
    function testFuzz_monotoneAdjacent(uint256 x) public pure {
        x = bound(x, 0, 64e18);
        assertLe(atan(x), atan(x + 1), "atan(x) <= atan(x + 1)");
    }

    function test_monotoneAtBranchSwitches() public pure {
        for (uint256 k = 1; k <= 16; ++k) {
            uint256 c = ((2 * k - 1) * WAD) / 32;
            for (uint256 d = 0; d < 4; ++d) {
                assertLe(atan(c + d - 2), atan(c + d - 1), "below 1");
                uint256 inv = (32 * WAD * WAD) / (2 * k - 1);
                assertLe(atan(inv + d - 2), atan(inv + d - 1), "above 1");
            }
        }
        assertLe(atan(WAD - 1), atan(WAD), "at 1");
        assertLe(atan(WAD), atan(WAD + 1), "past 1");
    }

    // ─────────────────────────────────────────────── identities

    /// @dev atan(t) + atan(1/t) = π/2. With y = ⌊1e36/x⌋ (1/t rounded down by < 1 unit, which moves
    /// atan by < 1 unit), each result within [exact − 1.000001, exact + 7.7e-7]: the sum lies in
    /// [π/2·1e18 − 3.000002, π/2·1e18 + 1.6e-6], i.e. in […616, …619].
    function testFuzz_complement(uint256 x) public pure {
        x = bound(x, 1, 1e36);
        uint256 y = (WAD * WAD) / x;
        uint256 sum = atan(x) + atan(y);
        assertLe(sum, Reference.HALF_PI_18, "complement sum too high");
        assertGe(sum + 3, Reference.HALF_PI_18, "complement sum too low");
    }

    /// @dev atan(u) − atan(v) = atan((u − v)/(1 + uv)). The argument w is computed with two floors
    /// (uv/1e18 and the quotient), each moving w by < 1 unit, so atan(w) by < 1 unit; each of the
    /// three results adds ≤ 1.000001: |atan(u) − atan(v) − atan(w)| ≤ 4.
    function testFuzz_subtraction(uint256 u, uint256 v) public pure {
        u = bound(u, 0, 1e27);
        v = bound(v, 0, 1e27);
        if (u < v) (u, v) = (v, u);
        uint256 w = ((u - v) * WAD) / (WAD + (u * v) / WAD);
        assertApproxEq(atan(u) - atan(v), atan(w), 4, "atan(u) - atan(v) = atan((u - v)/(1 + uv))");
    }

    /// @dev Mean value theorem with atan' = 1/(1 + t²) decreasing: for x < y,
    /// (y − x)/(1 + y²) ≤ atan(y) − atan(x) ≤ (y − x)/(1 + x²), each result off by ≤ 1.000001.
    function testFuzz_derivativeBounds(uint256 x, uint256 y) public pure {
        x = bound(x, 0, 1e30);
        y = bound(y, 0, 1e30);
        if (x > y) (x, y) = (y, x);
        uint256 diff = atan(y) - atan(x);
        uint256 upper = Reference.mulDivFloor(y - x, WAD * WAD, WAD * WAD + x * x) + 1;
        uint256 lower = Reference.mulDivFloor(y - x, WAD * WAD, WAD * WAD + y * y);
        assertLe(diff, upper + 2, "slope above 1/(1 + x^2)");
        assertGe(diff + 2, lower, "slope below 1/(1 + y^2)");
    }

    /// @dev Near 0: t − t³/3 ≤ atan(t) ≤ t − t³/3 + t⁵/5 (alternating series), here for t ≤ 1e-3.
    function testFuzz_taylorNearZero(uint256 x) public pure {
        x = bound(x, 0, 1e15);
        uint256 cube = (x * x * x) / (3 * WAD * WAD); // t³/3 in units, rounded down
        uint256 fifth = (x * x * x * x * x) / (5 * WAD * WAD * WAD * WAD) + 1; // t⁵/5, rounded up
        uint256 lower = x > cube + 1 ? x - cube - 1 : 0; // ⌈t³/3⌉ ≤ cube + 1
        uint256 upper = x - cube + fifth;
        uint256 a = atan(x);
        assertGe(a + 1, lower, "below t - t^3/3");
        assertLe(a, upper, "above t - t^3/3 + t^5/5");
    }

    // ─────────────────────────────────────────────── wrappers and the harness

    function testFuzz_ud60x18AndHarness(uint256 x) public view {
        uint256 raw = atan(x);
        assertEq(UD60x18.unwrap(Arctan.atan(UD60x18.wrap(x))), raw, "UD60x18 wrapper");
        assertEq(harness.atanRaw(x), raw, "harness atanRaw");
        assertEq(UD60x18.unwrap(harness.atan(UD60x18.wrap(x))), raw, "harness atan");
        uint256[] memory xs = new uint256[](2);
        xs[0] = x;
        xs[1] = x / 2;
        uint256[] memory out = harness.atanBatch(xs);
        assertEq(out[0], raw, "batch[0]");
        assertEq(out[1], atan(x / 2), "batch[1]");
        (uint256[] memory gasUsed, uint256[] memory results) = harness.measureGasBatch(xs);
        assertEq(results[0], raw, "measureGas result");
        assertEq(results[1], atan(x / 2), "measureGas result");
        // Gas figures are the benchmark's business (npm run bench; instrumented under --coverage):
        // here only that the measurement ran.
        assertGt(gasUsed[0], 0, "measured gas");
    }
}
