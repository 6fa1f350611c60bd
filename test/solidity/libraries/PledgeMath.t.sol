// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PledgeMath} from "../../../contracts/libraries/PledgeMath.sol";
import {Arctan} from "../../../contracts/libraries/Arctan.sol";
import {PledgeMathHarness} from "../../../contracts/mocks/PledgeMathHarness.sol";
import {TestBase} from "../utils/Test.sol";
import {Reference} from "../utils/Reference.sol";

/// @title PledgeMathTest
/// @notice Properties of the pledge math on random columns of limits and speeds (log-uniform over the
/// whole accepted range), in its units: A with 36 decimals, g in g-units (gPerH = 1e9 quadratic, 1e18
/// linear per unit of h) compared exactly with h·gPerH. Saturation in [0, 1e36), monotone in h and s
/// (across the Padé/atanRaw switch too) and equal to (2/π)·atan(h·s) from an independent Taylor
/// series (to 3e-36 below 1e-3) or Arctan; payments and g-terms round down and never exceed the limit;
/// the linear root test is exactly 2S > π·1e36; g is monotone and concave (up to each term's
/// rounding); Newton's start is above the root; every campaign with a positive root gets a bracket
/// settlement accepts, and no bracket far from the root is; leverage, pot and preview agree with
/// their definitions. Crafted columns (found with an instrumented copy of the SDK's exact mirror) drive
/// `solve` and `bracket` through each branch — checked by replaying the documented iteration
/// (`traceSolve`, `traceBracket`, built on gAndSlope/gAt) and by closed forms of the root where the
/// noise of g allows: Newton stopping before 0, the fixed-point step when the rounded slope is ≥ 1,
/// the right step after an overshoot, the step-down (to a positive lower end, and to 0 → [0, hHigh]),
/// doubling, bisection, the exact fixed point and a root beyond MAX_H.
contract PledgeMathTest is TestBase {
    uint256 internal constant UNIT = 1e18;
    uint256 internal constant MAX_H = 1e45;
    uint256 internal constant MAX_SPEED = 1e27;
    uint256 internal constant MAX_ESCROW = 1e38;
    /// @dev 1 in the saturation's fixed point (36 decimals).
    uint256 internal constant A_UNIT = 1e36;
    /// @dev g-units per unit of h (quadratic g-terms carry 27 decimals, linear ones 36; h 18).
    uint256 internal constant K_QUADRATIC = 1e9;
    uint256 internal constant K_LINEAR = 1e18;

    PledgeMathHarness internal harness;

    function setUp() public {
        harness = new PledgeMathHarness();
    }

    // ─────────────────────────────────────────────── input helpers

    /// @dev A value in [lo, hi] spread over orders of magnitude (a decimal exponent first, then a
    /// mantissa), so small, medium and huge values are all drawn often.
    function logUniform(uint256 seed, uint256 lo, uint256 hi) internal pure returns (uint256) {
        uint256 digits;
        for (uint256 v = hi; v != 0; v /= 10) ++digits;
        uint256 e = seed % digits;
        uint256 from = 10 ** e;
        uint256 to = e >= 76 ? type(uint256).max : 10 ** (e + 1) - 1;
        if (from < lo) from = lo;
        if (to > hi) to = hi;
        if (from > to) return bound(seed >> 8, lo, hi);
        return bound(seed >> 8, from, to);
    }

    /// @dev n pledges with limits (normalised) summing to at most MAX_ESCROW and speeds ≤ MAX_SPEED;
    /// about one in eight is withdrawn (limit 0).
    function columns(uint256 seed, uint256 n) internal pure returns (uint256[] memory L, uint256[] memory S) {
        L = new uint256[](n);
        S = new uint256[](n);
        for (uint256 j = 0; j < n; ++j) {
            uint256 r = mix(seed, j);
            L[j] = r % 8 == 0 && n > 1 ? 0 : logUniform(r >> 3, 1, MAX_ESCROW / n);
            S[j] = logUniform(mix(seed, 100 + j), 1, MAX_SPEED);
        }
    }

    function sumLimitSpeed(uint256[] memory L, uint256[] memory S) internal pure returns (uint256 sum) {
        for (uint256 j = 0; j < L.length; ++j) sum += L[j] * S[j];
    }

    function g(bool q, uint256[] memory L, uint256[] memory S, uint256 h) internal pure returns (uint256) {
        return PledgeMath.gAt(q, L, S, h);
    }

    /// @dev g-units per unit of h, independently of the library.
    function k(bool q) internal pure returns (uint256) {
        return q ? K_QUADRATIC : K_LINEAR;
    }

    /// @dev a·b, or type(uint256).max when it overflows (an upper bound that cannot be exceeded).
    function mulSat(uint256 a, uint256 b) internal pure returns (uint256) {
        if (a == 0 || b <= type(uint256).max / a) return a * b;
        return type(uint256).max;
    }

    /// @dev Each g-term is within its rounding of the exact one: A(h, s) is within 3e18 units (3e-18) of
    /// (2/π)·atan(h·s) (atanRaw's error and the floor of h·s/1e18 above 1e-3; 3 units below), so a
    /// linear term (36 decimals) is within 3·L + 1 and a quadratic one (27 decimals) within
    /// √(3·L·1e18) + 1 — the 18-decimal tolerances of before, scaled by gPerH.
    function noise(bool q, uint256[] memory L) internal pure returns (uint256 tol) {
        for (uint256 j = 0; j < L.length; ++j) {
            if (L[j] == 0) continue;
            tol += q ? Reference.sqrtFloor(3 * L[j] * UNIT) + 2 : 3 * L[j] + 2;
        }
    }

    // ─────────────────────────────────────────────── per pledge

    /// @dev h and s log-uniform, so x = h·s falls on both sides of SMALL_X (1e-3) and near 0.
    function testFuzz_saturation(uint256 h1, uint256 h2, uint256 s1, uint256 s2) public pure {
        h1 = logUniform(h1, 0, MAX_H);
        h2 = logUniform(h2, 0, MAX_H);
        s1 = logUniform(s1, 0, MAX_SPEED);
        s2 = logUniform(s2, 0, MAX_SPEED);
        if (h1 > h2) (h1, h2) = (h2, h1);
        if (s1 > s2) (s1, s2) = (s2, s1);
        uint256 a = PledgeMath.saturation(h1, s1);
        assertLt(a, A_UNIT, "A < 1");
        assertLe(a, PledgeMath.saturation(h2, s1), "A monotone in h");
        assertLe(a, PledgeMath.saturation(h1, s2), "A monotone in s");
        assertEq(PledgeMath.saturation(0, s1), 0, "A(0, s) = 0");
        assertEq(PledgeMath.saturation(h1, 0), 0, "A(h, 0) = 0");
        checkSaturation(h1 * s1, a);
    }

    /// @dev A = ⌊(2/π)·atan(x)⌋ (x = h·s with 36 decimals, exact) against independent arctangents:
    /// below 0.1 the Taylor series of Reference.atan36 — within 3 units (3e-36) where the library uses
    /// its Padé approximant (x < 1e-3, except within 1e21 of the switch, where its cap may hold it at
    /// atanRaw's value), within 3e18 (atanRaw's 1e-18 and the floor of x/1e18) above; from 1e-3 on,
    /// Arctan.atanRaw(⌊x/1e18⌋)·1e18 exactly (to 1 unit). And (2/π)·atan(x) ≤ (2/π)·x.
    function checkSaturation(uint256 x, uint256 a) internal pure {
        if (x <= 1e35) {
            uint256 series = Reference.mulDivFloor(Reference.atan36(x), Reference.TWO_OVER_PI_36, A_UNIT);
            uint256 tol = x + 1e21 < 1e33 ? 3 : 3e18;
            assertApproxEq(a, series, tol, "A = (2/pi) atan(x), Taylor series");
        }
        if (x >= 1e33) {
            uint256 big = Reference.mulDivFloor(
                Arctan.atanRaw(x / UNIT) * UNIT,
                Reference.TWO_OVER_PI_36,
                A_UNIT
            );
            assertApproxEq(a, big, 1, "A = (2/pi) atanRaw(x)");
        }
        assertLe(a, Reference.mulDivFloor(x, Reference.TWO_OVER_PI_36, A_UNIT) + 1, "A <= (2/pi) x");
    }

    /// @dev Around the switch at x = SMALL_X = 1e33 (1e-3): A never decreases from the Padé branch
    /// (capped at atanRaw's value at the switch) to atanRaw's, on a ladder of exact x = h·1 from 1e21
    /// below to 1e21 above it (where the cap bites, within ~1e18) and on 81 points 1e27 apart (s = 1e27);
    /// every point agrees with the Taylor series (3e-36 away from the switch, atanRaw's 3e-18 near it).
    function test_saturationAcrossTheSwitch() public pure {
        uint256 prev;
        uint256[13] memory below = [
            uint256(1e21),
            1e20,
            3e19,
            1e19,
            3e18,
            1e18,
            3e17,
            1e17,
            1e15,
            1e12,
            1e9,
            1e3,
            1
        ];
        for (uint256 i = 0; i < below.length; ++i) {
            uint256 a = PledgeMath.saturation(1e33 - below[i], 1);
            assertGe(a, prev, "monotone up to the switch");
            checkSaturation(1e33 - below[i], a);
            prev = a;
        }
        uint256[6] memory above = [uint256(0), 1, 1e17, 1e18, 1e19, 1e21];
        for (uint256 i = 0; i < above.length; ++i) {
            uint256 a = PledgeMath.saturation(1e33 + above[i], 1);
            assertGe(a, prev, "monotone across the switch");
            checkSaturation(1e33 + above[i], a);
            prev = a;
        }
        prev = 0;
        for (uint256 h = 1e6 - 40; h <= 1e6 + 40; ++h) {
            uint256 a = PledgeMath.saturation(h, 1e27);
            assertGe(a, prev, "monotone in h across the switch");
            checkSaturation(h * 1e27, a);
            prev = a;
        }
        // Just below the switch with an exact x, where no cap can hold: 3e-36.
        uint256 x = 1e33 - 1e22;
        uint256 series = Reference.mulDivFloor(Reference.atan36(x), Reference.TWO_OVER_PI_36, A_UNIT);
        assertApproxEq(PledgeMath.saturation(x / 1e9, 1e9), series, 3, "Pade at 36 decimals");
    }

    function testFuzz_paymentRoundsDownWithinLimit(uint256 limit, uint256 a) public pure {
        limit = bound(limit, 0, type(uint128).max);
        a = bound(a, 0, A_UNIT - 1);
        uint256 p = PledgeMath.payment(limit, a);
        assertLe(p, limit, "payment <= limit");
        if (limit > 0) assertLt(p, limit, "A < 1: payment < limit");
        assertLe(p * A_UNIT, limit * a, "rounds down");
        assertGt((p + 1) * A_UNIT, limit * a, "floor");
    }

    function testFuzz_terms(uint256 limitNorm, uint256 a) public pure {
        limitNorm = bound(limitNorm, 0, MAX_ESCROW);
        a = bound(a, 0, A_UNIT - 1);
        uint256 qt = PledgeMath.quadraticTerm(limitNorm, a);
        assertTrue(
            Reference.isSqrtFloor(limitNorm * a, qt),
            "quadratic term = floor(sqrt(L A)) (27 decimals)"
        );
        uint256 lt = PledgeMath.linearTerm(limitNorm, a);
        assertLe(lt * UNIT, limitNorm * a, "linear term rounds down");
        assertGt((lt + 1) * UNIT, limitNorm * a, "linear term is the floor (36 decimals)");
        assertEq(PledgeMath.term(true, limitNorm, a), qt, "term(quadratic)");
        assertEq(PledgeMath.term(false, limitNorm, a), lt, "term(linear)");
        // √p: the quadratic term squared is the linear term (both floors of L·A, at 54 and 36 decimals).
        assertLe((qt * qt) / UNIT, lt, "sqrt(p)^2 <= p");
        assertEq(PledgeMath.gPerH(true), K_QUADRATIC, "gPerH(quadratic) = 1e9");
        assertEq(PledgeMath.gPerH(false), K_LINEAR, "gPerH(linear) = 1e18");
    }

    function testFuzz_nextSpeed(uint256 speed, uint256 r1, uint256 r2) public pure {
        speed = bound(speed, 0, MAX_SPEED);
        r1 = bound(r1, 1, UNIT);
        r2 = bound(r2, 1, UNIT);
        if (r1 > r2) (r1, r2) = (r2, r1);
        uint256 next = PledgeMath.nextSpeed(speed, r1);
        assertLe(next, speed, "speeds never grow");
        assertLe(next, PledgeMath.nextSpeed(speed, r2), "monotone in the decay");
        assertEq(PledgeMath.nextSpeed(speed, UNIT), speed, "r = 1 keeps the speed");
        assertLe(next * UNIT, speed * r1, "rounds down");
        assertGt((next + 1) * UNIT, speed * r1, "floor");
    }

    /// @dev The geometric policy with its floor max(⌊s₀/10⁶⌋, 1): never 0, never below the floor,
    /// never faster than the speed it follows, and the plain product whenever that is above the floor.
    function testFuzz_geometricNextSpeedFloor(uint256 s0, uint256 speed, uint256 r) public pure {
        s0 = bound(s0, 1, MAX_SPEED);
        uint256 floor = s0 / 1e6 == 0 ? 1 : s0 / 1e6;
        speed = bound(speed, floor, s0);
        r = bound(r, 1, UNIT);
        uint256 next = PledgeMath.geometricNextSpeed(speed, r, s0);
        assertEq(PledgeMath.speedFloor(s0), floor, "floor");
        assertGe(next, floor, "at least the floor");
        assertLe(next, speed, "never faster");
        uint256 product = (speed * r) / UNIT;
        assertEq(next, product > floor ? product : floor, "max(product, floor)");
    }

    // ─────────────────────────────────────────────── campaign rules

    function testFuzz_hasPositiveRoot(uint256 sum) public pure {
        sum = bound(sum, 0, 1e66);
        assertEq(PledgeMath.hasPositiveRoot(true, sum), sum > 0, "quadratic: any S > 0");
        // Linear: g'(0) = (2/π)·S/1e36 > 1 ⇔ S > π/2·1e36 = 1570796326794896619231321691639751442.098…
        assertEq(PledgeMath.hasPositiveRoot(false, sum), sum > Reference.HALF_PI_36, "linear: S > pi/2");
    }

    function test_hasPositiveRootThreshold() public pure {
        assertFalse(PledgeMath.hasPositiveRoot(true, 0), "quadratic, S = 0");
        assertTrue(PledgeMath.hasPositiveRoot(true, 1), "quadratic, S = 1");
        assertFalse(PledgeMath.hasPositiveRoot(false, Reference.HALF_PI_36), "linear, S = floor(pi/2 1e36)");
        assertTrue(PledgeMath.hasPositiveRoot(false, Reference.HALF_PI_36 + 1), "linear, one above");
    }

    function testFuzz_maxBracketWidth(uint256 h1, uint256 h2) public pure {
        h1 = bound(h1, 0, MAX_H);
        h2 = bound(h2, 0, MAX_H);
        if (h1 > h2) (h1, h2) = (h2, h1);
        uint256 w = PledgeMath.maxBracketWidth(h1);
        assertGe(w, 4, "at least the 4-wei slack");
        assertLe((w - 4) * 1e12, h1, "relative part rounds down");
        assertGt((w - 3) * 1e12, h1, "relative part is the floor");
        assertLe(w, PledgeMath.maxBracketWidth(h2), "monotone");
    }

    // ─────────────────────────────────────────────── derivative

    /// @dev p'(h) is non-increasing in h and, by the mean value theorem, brackets the growth of the
    /// linear term (36 decimals): p'(h₂)·δ − tol ≤ term(h₂) − term(h₁) ≤ p'(h₁)·δ + tol with δ = h₂ − h₁
    /// (p' in UD60x18 times δ in units of h: 36 decimals). Rounding: each term is within 3·L + 1 of the
    /// exact one (see `noise`), and the derivative's floors (⌊L·s/1e18⌋, ⌊·2/π⌋, the final quotient)
    /// understate it by less than 3 units, i.e. 3·δ of growth. Beyond h·s = 1e36 the derivative is
    /// clamped (overstated), so the lower bound is checked below it.
    function testFuzz_derivative(uint256 limitNorm, uint256 speed, uint256 h1, uint256 h2) public pure {
        limitNorm = logUniform(limitNorm, 1, MAX_ESCROW);
        speed = logUniform(speed, 1, MAX_SPEED);
        h1 = logUniform(h1, 0, MAX_H);
        h2 = bound(h2, h1, h1 + h1 / 1000 + 1e6);
        if (h2 > MAX_H) h2 = MAX_H;
        uint256 d1 = PledgeMath.derivative(limitNorm, speed, h1);
        uint256 d2 = PledgeMath.derivative(limitNorm, speed, h2);
        assertLe(d2, d1, "p' non-increasing");
        assertLe(d1, PledgeMath.derivative(limitNorm, speed, 0), "p'(0) is the maximum");
        uint256 t1 = PledgeMath.linearTerm(limitNorm, PledgeMath.saturation(h1, speed));
        uint256 t2 = PledgeMath.linearTerm(limitNorm, PledgeMath.saturation(h2, speed));
        assertLe(t1, t2, "term monotone");
        uint256 delta = h2 - h1;
        uint256 tol = 6 * limitNorm + 2 + 3 * delta + 1;
        uint256 up = mulSat(d1, delta);
        if (up != type(uint256).max) assertLe(t2 - t1, up + tol, "growth <= p'(h1) delta");
        if ((h2 * speed) / UNIT <= 1e36) {
            // Checked: p'(h₂)·δ is below the growth (≤ L·1e18), so it cannot overflow unless it fails.
            assertGe(t2 - t1 + tol, d2 * delta, "growth >= p'(h2) delta");
        }
    }

    // ─────────────────────────────────────────────── g: monotone, concave, slope

    function testFuzz_gMonotoneConcave(uint256 seed, uint256 n, bool q, uint256 h1, uint256 h3) public view {
        n = bound(n, 1, 6);
        (uint256[] memory L, uint256[] memory S) = columns(seed, n);
        h1 = logUniform(h1, 0, MAX_H);
        h3 = logUniform(h3, 0, MAX_H);
        if (h1 > h3) (h1, h3) = (h3, h1);
        // An exact midpoint: with g' up to ~1e23 near 0, flooring it would cost far more than rounding.
        if ((h3 - h1) % 2 == 1) --h3;
        uint256 h2 = h1 + (h3 - h1) / 2;
        uint256 g1 = g(q, L, S, h1);
        uint256 g2 = g(q, L, S, h2);
        uint256 g3 = g(q, L, S, h3);
        assertLe(g1, g2, "g monotone (h1 <= h2)");
        assertLe(g2, g3, "g monotone (h2 <= h3)");
        // Concave: g(midpoint) ≥ the chord's midpoint, up to each term's rounding.
        assertGe(2 * g2 + 2 * noise(q, L), g1 + g3, "g concave");
        (uint256 gs, uint256 slope) = PledgeMath.gAndSlope(q, L, S, h2);
        assertEq(gs, g2, "gAndSlope's g = gAt");
        // The slope at h2 bounds the chord to the right from above (concavity), up to rounding: the
        // terms' noise and each derivative's floors (≤ 3 units per pledge, see testFuzz_derivative).
        // In g-units the slope (UD60x18) times a distance in units of h is 36 decimals: slope·Δh.
        if (h3 > h2 && q == false) {
            uint256 tol = noise(q, L) + n + 3 * n * (h3 - h2) + n;
            uint256 bound_ = mulSat(slope, h3 - h2);
            if (bound_ != type(uint256).max) assertLe(g3 - g2, bound_ + tol, "chord <= slope");
        }
        (uint256 gh, uint256 sh) = harness.gAndSlope(q, L, S, h2);
        assertEq(gh, g2, "harness gAndSlope g");
        assertEq(sh, slope, "harness gAndSlope slope");
    }

    /// @dev Every payment is below its limit, so g(h) < ΣL·1e18 = h₀·gPerH (linear) and
    /// g(h) < Σ√(L·1e36) < Σ(⌊√(L·1e18)⌋ + 1)·1e9 = (h₀ + n)·gPerH (quadratic: h₀ is Σ√L at 18
    /// decimals, g at 27): every root is below h₀ (linear) or h₀ + n (quadratic). At h₀ itself
    /// g(h₀) ≤ h₀·gPerH (the library's claim; speeds ≤ MAX_SPEED leave each √p at least
    /// √L·1e18/(π·x) ≥ 3e17 g-units below √L·1e18, far more than h₀'s floor of up to 1e9), so Newton
    /// starts at or right of the root.
    function testFuzz_initialGuessAboveG(uint256 seed, uint256 n, bool q, uint256 h) public pure {
        n = bound(n, 1, 6);
        (uint256[] memory L, uint256[] memory S) = columns(seed, n);
        h = logUniform(h, 0, MAX_H);
        uint256 h0 = PledgeMath.initialGuess(q, L);
        if (q) assertLt(g(q, L, S, h), (h0 + n) * k(q), "quadratic: g(h) < (h0 + n) gPerH");
        else if (h0 > 0) assertLt(g(q, L, S, h), h0 * k(q), "linear: g(h) < h0 gPerH");
        uint256 start = h0 < MAX_H ? h0 : MAX_H;
        assertLe(g(q, L, S, start), start * k(q), "g(h0) <= h0 gPerH");
        uint256 expected;
        for (uint256 j = 0; j < n; ++j) expected += q ? Reference.sqrtFloor(L[j] * UNIT) : L[j];
        assertEq(h0, expected, "h0 = sum sqrt(L) / sum L");
    }

    // ─────────────────────────────────────────────── solve and bracket

    /// @dev `bracket` returns only brackets settlement accepts: hLow ≤ hHigh ≤ MAX_H,
    /// g(hLow) ≥ hLow·gPerH (hLow = 0 qualifies: g(0) = 0), g(hHigh) ≤ hHigh·gPerH (exact, in g-units),
    /// hHigh − hLow ≤ maxBracketWidth(hLow); and it finds one for EVERY column with a positive root
    /// (roots here are ≤ Σ L ≤ MAX_ESCROW ≪ MAX_H), never [0, 0] then; nothing when no positive root
    /// exists. `solve` stays within [0, min(h₀ + n, MAX_H)] (see testFuzz_initialGuessAboveG), and is
    /// itself a valid lower end whenever it is not `bracket`'s step-down start.
    function testFuzz_bracketIsAccepted(uint256 seed, uint256 n, bool q) public view {
        n = bound(n, 1, 6);
        (uint256[] memory L, uint256[] memory S) = columns(seed, n);
        uint256 sum = sumLimitSpeed(L, S);
        uint256 h = PledgeMath.solve(q, L, S, sum);
        uint256 h0 = PledgeMath.initialGuess(q, L) + (q ? n : 0);
        assertLe(h, h0 < MAX_H ? h0 : MAX_H, "solve <= min(h0 (+ n), MAX_H)");
        (bool found, uint256 lo, uint256 hi) = PledgeMath.bracket(q, L, S, sum);
        bool root = PledgeMath.hasPositiveRoot(q, sum);
        assertEq(found, root, "found exactly when a positive root exists");
        if (!root) {
            assertEq(h, 0, "no root: solve = 0");
            assertEq(lo, 0, "not found: hLow = 0");
            assertEq(hi, 0, "not found: hHigh = 0");
            return;
        }
        assertGt(hi, 0, "a positive root: not [0, 0]");
        assertLe(lo, hi, "hLow <= hHigh");
        assertLe(hi, MAX_H, "hHigh <= MAX_H");
        assertGe(g(q, L, S, lo), lo * k(q), "g(hLow) >= hLow gPerH");
        assertLe(g(q, L, S, hi), hi * k(q), "g(hHigh) <= hHigh gPerH");
        assertLe(hi - lo, PledgeMath.maxBracketWidth(lo), "width rule");
        // Newton's answer is the bracket's lower end unless it is right of the root (then bracket
        // steps down from it, and it is a valid upper end).
        if (g(q, L, S, h) >= h * k(q)) assertGe(lo, h, "hLow >= solve when solve is a lower end");
        else assertLt(lo, h, "bracket steps down from a solve right of the root");
        (bool f2, uint256 lo2, uint256 hi2) = harness.bracket(q, L, S, sum);
        assertTrue(f2 && lo2 == lo && hi2 == hi, "harness bracket");
        assertEq(harness.solve(q, L, S, sum), h, "harness solve");
    }

    /// @dev An upper bound of G'(h), the exact slope (UD60x18), from the rounded one: each linear
    /// derivative is understated by < 3 units (its floors) and each quadratic term p'·1e27/(2√p) by
    /// < 3e27/(2√p) + 1 (√p with 27 decimals; it rounds down, which only overstates). `ok` is false where
    /// a quadratic √p rounds to 0 (the rounded slope then leaves that term out and says nothing).
    function slopeUpper(
        bool q,
        uint256[] memory L,
        uint256[] memory S,
        uint256 h
    ) internal pure returns (uint256 upper, bool ok) {
        (, upper) = PledgeMath.gAndSlope(q, L, S, h);
        ok = true;
        for (uint256 j = 0; j < L.length; ++j) {
            if (L[j] == 0) continue;
            if (!q) {
                upper += 3;
                continue;
            }
            uint256 root = PledgeMath.quadraticTerm(L[j], PledgeMath.saturation(h, S[j]));
            if (root == 0) return (upper, false);
            upper += 3e27 / (2 * root) + 1;
        }
    }

    /// @dev Acceptance only around the root. In g-units, with G the exact (unrounded) g and
    /// f(h) = G(h) − h·gPerH: f is concave, f(0) = 0 and f > 0 exactly on (0, r), r the exact root;
    /// g ≤ G ≤ g + noise. Right: the tangent at hHigh bounds f from above,
    /// f(p) ≤ noise − gPerH·(1 − G'(hHigh))·(p − hHigh), so every p beyond
    /// hHigh + noise/(gPerH·(1 − G'(hHigh))) has g(p) < p·gPerH: a bracket starting there is rejected
    /// (HTooHigh). Left: at a probe p < hLow with G'(p) < 1 the tangent at p gives
    /// f(hLow) ≤ f(p) − gPerH·(1 − G'(p))·(hLow − p) and f(hLow) ≥ g(hLow) − hLow·gPerH ≥ 0, so p
    /// further than noise/(gPerH·(1 − G'(p))) left of hLow has
    /// g(p) > p·gPerH: a bracket ending there is rejected (HTooLow). G' is bounded by `slopeUpper`.
    function testFuzz_bracketRejectsAwayFromRoot(
        uint256 seed,
        uint256 n,
        bool q,
        uint256 offset
    ) public pure {
        n = bound(n, 1, 6);
        (uint256[] memory L, uint256[] memory S) = columns(seed, n);
        (bool found, uint256 lo, uint256 hi) = PledgeMath.bracket(q, L, S, sumLimitSpeed(L, S));
        vm.assume(found);
        rejectRight(q, L, S, hi, offset);
        if (lo >= 2) rejectLeft(q, L, S, lo, lo - bound(offset, 1, lo - 1));
    }

    function rejectRight(
        bool q,
        uint256[] memory L,
        uint256[] memory S,
        uint256 hi,
        uint256 offset
    ) internal pure {
        (uint256 slope, bool ok) = slopeUpper(q, L, S, hi);
        if (!ok || slope >= UNIT) return;
        uint256 margin = Reference.mulDivFloor(noise(q, L) + 1, UNIT, k(q) * (UNIT - slope)) + 1;
        uint256 right = hi + margin + hi / 1e9 + bound(offset, 0, hi);
        if (right <= MAX_H)
            assertLt(g(q, L, S, right), right * k(q), "a lower end right of the root is rejected");
    }

    function rejectLeft(
        bool q,
        uint256[] memory L,
        uint256[] memory S,
        uint256 lo,
        uint256 left
    ) internal pure {
        (uint256 slope, bool ok) = slopeUpper(q, L, S, left);
        if (!ok || slope >= UNIT) return;
        uint256 margin = Reference.mulDivFloor(noise(q, L) + 1, UNIT, k(q) * (UNIT - slope)) + 1;
        if (lo - left > margin)
            assertGt(g(q, L, S, left), left * k(q), "an upper end left of the root is rejected");
    }

    // ─────────────────────────────────────────────── leverage, pot, preview

    function testFuzz_leverage(uint256 seed, uint256 n, bool q, uint256 i) public view {
        n = bound(n, 1, 6);
        i = bound(i, 0, n - 1);
        (uint256[] memory L, uint256[] memory S) = columns(seed, n);
        uint256 h = PledgeMath.solve(q, L, S, sumLimitSpeed(L, S));
        uint256 lev = PledgeMath.leverage(q, L, S, i, h);
        assertGe(lev, UNIT, "leverage >= 1");
        assertEq(harness.leverage(q, L, S, i, h), lev, "harness leverage");
        // Alone, a pledge has leverage exactly 1 (unless its √p rounds to 0 in quadratic mode).
        uint256[] memory alone = new uint256[](n);
        alone[i] = L[i];
        uint256 solo = PledgeMath.leverage(q, alone, S, i, h);
        if (q && PledgeMath.quadraticTerm(L[i], PledgeMath.saturation(h, S[i])) == 0) {
            assertEq(solo, type(uint256).max, "sqrt(p) = 0: unbounded");
        } else {
            assertEq(solo, UNIT, "alone: leverage 1");
        }
        // Other pledges only add leverage.
        assertGe(lev, solo == type(uint256).max ? lev : solo, "others add leverage");
        if (solo == type(uint256).max) assertEq(lev, solo, "unbounded stays unbounded");
    }

    function testFuzz_potAt(
        uint256 seed,
        uint256 n,
        uint256 decimalsSeed,
        uint256 h1,
        uint256 h2
    ) public pure {
        n = bound(n, 1, 6);
        uint256 scale = 10 ** (18 - bound(decimalsSeed, 0, 18));
        (uint256[] memory L, uint256[] memory S) = columns(seed, n);
        uint256 escrow;
        for (uint256 j = 0; j < n; ++j) {
            L[j] = (L[j] / scale) * scale; // normalised limits are multiples of the scale
            escrow += L[j] / scale;
        }
        h1 = logUniform(h1, 0, MAX_H);
        h2 = logUniform(h2, 0, MAX_H);
        if (h1 > h2) (h1, h2) = (h2, h1);
        uint256 p1 = PledgeMath.potAt(L, S, scale, n, h1);
        uint256 sum;
        for (uint256 j = 0; j < n; ++j)
            sum += PledgeMath.payment(L[j] / scale, PledgeMath.saturation(h1, S[j]));
        assertEq(p1, sum, "pot = sum of payments");
        assertLe(p1, escrow, "pot <= escrow");
        assertLe(p1, PledgeMath.potAt(L, S, scale, n, h2), "pot monotone in h");
        assertEq(PledgeMath.potAt(L, S, scale, 0, h2), 0, "no pledges, no pot");
    }

    struct Preview {
        uint256 h;
        uint256 pay;
        uint256 inc;
        uint256 lev;
    }

    function testFuzz_preview(uint256 seed, uint256 n, bool q, uint256 decimalsSeed) public view {
        n = bound(n, 1, 6);
        uint256 scale = 10 ** (18 - bound(decimalsSeed, 0, 18));
        (uint256[] memory L, uint256[] memory S) = columns(seed, n);
        for (uint256 j = 0; j < n; ++j) L[j] = (L[j] / scale) * scale;
        uint256 before = sumLimitSpeed(L, S) - L[n - 1] * S[n - 1];
        Preview memory p;
        (p.h, p.pay, p.inc, p.lev) = PledgeMath.preview(q, L, S, before, scale);
        checkPreview(q, L, S, before, scale, p);
        Preview memory ph;
        (ph.h, ph.pay, ph.inc, ph.lev) = harness.preview(q, L, S, before, scale);
        assertTrue(ph.h == p.h && ph.pay == p.pay && ph.inc == p.inc && ph.lev == p.lev, "harness preview");
    }

    function checkPreview(
        bool q,
        uint256[] memory L,
        uint256[] memory S,
        uint256 before,
        uint256 scale,
        Preview memory p
    ) internal pure {
        uint256 n = L.length;
        uint256 newLimit = L[n - 1];
        uint256 withNew = before + newLimit * S[n - 1];
        assertEq(p.h, PledgeMath.solve(q, L, S, withNew), "h = the root with the pledge");
        assertEq(
            p.pay,
            PledgeMath.payment(newLimit / scale, PledgeMath.saturation(p.h, S[n - 1])),
            "payment"
        );
        assertLe(p.pay, newLimit / scale, "payment <= limit");
        assertEq(p.lev, PledgeMath.leverage(q, L, S, n - 1, p.h), "leverage at h");
        L[n - 1] = 0;
        uint256 potBefore = PledgeMath.potAt(L, S, scale, n - 1, PledgeMath.solve(q, L, S, before));
        L[n - 1] = newLimit;
        uint256 potAfter = PledgeMath.potAt(L, S, scale, n, p.h);
        assertEq(p.inc, potAfter > potBefore ? potAfter - potBefore : 0, "pot increase");
    }

    // ─────────────────────────────────────────────── crafted paths through solve and bracket

    function cols2(
        uint256 l0,
        uint256 s0,
        uint256 l1,
        uint256 s1
    ) internal pure returns (uint256[] memory L, uint256[] memory S) {
        L = new uint256[](2);
        S = new uint256[](2);
        (L[0], S[0], L[1], S[1]) = (l0, s0, l1, s1);
    }

    function cols1(uint256 l0, uint256 s0) internal pure returns (uint256[] memory L, uint256[] memory S) {
        L = new uint256[](1);
        S = new uint256[](1);
        (L[0], S[0]) = (l0, s0);
    }

    function assertAccepted(
        bool q,
        uint256[] memory L,
        uint256[] memory S,
        string memory what
    ) internal pure returns (uint256 lo, uint256 hi) {
        bool found;
        (found, lo, hi) = PledgeMath.bracket(q, L, S, sumLimitSpeed(L, S));
        assertTrue(found, string.concat(what, ": found"));
        assertGe(g(q, L, S, lo), lo * k(q), string.concat(what, ": g(hLow) >= hLow gPerH"));
        assertLe(g(q, L, S, hi), hi * k(q), string.concat(what, ": g(hHigh) <= hHigh gPerH"));
        assertLe(hi - lo, PledgeMath.maxBracketWidth(lo), string.concat(what, ": width"));
    }

    // ─────────────────────────────────────────────── the documented iterations, replayed

    uint256 internal constant STOP_ITERATIONS = 0; // MAX_NEWTON_ITERATIONS used up
    uint256 internal constant STOP_SLOPE_LEFT = 1; // on the left with a rounded slope ≥ 1: no step
    uint256 internal constant STOP_NO_UP = 2; // on the left, the step right is ≤ 1e-12 of h (the width rule's)
    uint256 internal constant STOP_MAX_H = 3; // on the left, the step right would pass MAX_H
    uint256 internal constant STOP_ZERO = 4; // on the right, the step left would reach 0
    uint256 internal constant STOP_BEST = 5; // on the right, the step would not land above the best lower end

    /// @dev What `solve` did, replayed from its NatSpec (Newton h ← h + (g − h)/(1 − slope) in g-units,
    /// the fixed-point step when the rounded slope is ≥ 1 on the right, at least 1 unit left, no step
    /// right of ≤ 1e-12 of h, the largest iterate with g ≥ h·gPerH kept) on the library's gAndSlope.
    struct SolveTrace {
        uint256 h;
        uint256 iterations;
        uint256 left; // iterates with g ≥ x·gPerH
        uint256 right;
        uint256 fixedPointSteps; // right of the root, rounded slope ≥ 1: x ← x − (x·gPerH − g)/gPerH
        uint256 rightAfterOvershoot; // steps right from a left iterate once some iterate was on the right
        uint256 firstLeft; // the first iterate with g ≥ x·gPerH (0: none)
        uint256 stop;
    }

    function traceSolve(
        bool q,
        uint256[] memory L,
        uint256[] memory S
    ) internal pure returns (SolveTrace memory t) {
        uint256 kk = k(q);
        uint256 x = PledgeMath.initialGuess(q, L);
        if (x > MAX_H) x = MAX_H;
        bool sawRight;
        for (; t.iterations < 64; ++t.iterations) {
            (uint256 gx, uint256 slope) = PledgeMath.gAndSlope(q, L, S, x);
            if (gx >= x * kk) {
                t.h = x;
                ++t.left;
                if (t.firstLeft == 0) t.firstLeft = x;
                if (slope >= UNIT) {
                    t.stop = STOP_SLOPE_LEFT;
                    break;
                }
                uint256 up = ((gx - x * kk) * UNIT) / (kk * (UNIT - slope));
                if (up <= x / 1e12) {
                    t.stop = STOP_NO_UP;
                    break;
                }
                if (x + up > MAX_H) {
                    t.stop = STOP_MAX_H;
                    break;
                }
                if (sawRight) ++t.rightAfterOvershoot;
                x += up;
            } else {
                sawRight = true;
                ++t.right;
                uint256 step;
                if (slope < UNIT) {
                    step = Reference.mulDivFloor(x * kk - gx, UNIT, kk * (UNIT - slope));
                } else {
                    step = (x * kk - gx) / kk;
                    ++t.fixedPointSteps;
                }
                if (step == 0) step = 1;
                if (step >= x) {
                    t.stop = STOP_ZERO;
                    break;
                }
                if (x - step <= t.h) {
                    t.stop = STOP_BEST;
                    break;
                }
                x -= step;
            }
        }
        if (t.h == 0) t.h = x;
    }

    /// @dev What `bracket` did, replayed from its NatSpec on the library's solve and gAt: step down 1,
    /// 2, 4, … wei while g(lo) < lo·gPerH (each such point an upper end; 0 ends the walk), else the exact
    /// fixed point, else the widest allowed upper end doubled while g is still above it, then bisection.
    struct BracketTrace {
        bool found;
        uint256 lo;
        uint256 hi;
        uint256 stepsDown;
        bool reachedZero;
        bool exact;
        uint256 doublings;
        uint256 bisections;
    }

    function traceBracket(
        bool q,
        uint256[] memory L,
        uint256[] memory S
    ) internal pure returns (BracketTrace memory t) {
        uint256 sum = sumLimitSpeed(L, S);
        if (!PledgeMath.hasPositiveRoot(q, sum)) return t;
        uint256 kk = k(q);
        uint256 lo = PledgeMath.solve(q, L, S, sum);
        uint256 hi;
        uint256 gLo;
        uint256 step = 1;
        while (lo != 0) {
            gLo = g(q, L, S, lo);
            if (gLo >= lo * kk) break;
            hi = lo;
            lo = lo > step ? lo - step : 0;
            step <<= 1;
            ++t.stepsDown;
        }
        t.reachedZero = lo == 0;
        if (hi == 0) {
            if (lo != 0 && gLo == lo * kk) {
                (t.found, t.exact, t.lo, t.hi) = (true, true, lo, lo);
                return t;
            }
            step = PledgeMath.maxBracketWidth(lo);
            for (;;) {
                hi = lo + step;
                if (hi > MAX_H) hi = MAX_H;
                if (g(q, L, S, hi) <= hi * kk) break;
                if (hi == MAX_H) return t;
                lo = hi;
                step <<= 1;
                ++t.doublings;
            }
        }
        while (hi - lo > PledgeMath.maxBracketWidth(lo)) {
            uint256 mid = lo + (hi - lo) / 2;
            if (g(q, L, S, mid) >= mid * kk) lo = mid;
            else hi = mid;
            ++t.bisections;
        }
        (t.found, t.lo, t.hi) = (true, lo, hi);
    }

    /// @dev Both replays, checked against the library (same result), and the bracket accepted.
    function traced(
        bool q,
        uint256[] memory L,
        uint256[] memory S,
        string memory what
    ) internal pure returns (SolveTrace memory st, BracketTrace memory bt) {
        st = traceSolve(q, L, S);
        assertEq(
            PledgeMath.solve(q, L, S, sumLimitSpeed(L, S)),
            st.h,
            string.concat(what, ": solve = its replay")
        );
        bt = traceBracket(q, L, S);
        (uint256 lo, uint256 hi) = assertAccepted(q, L, S, what);
        assertTrue(bt.found && bt.lo == lo && bt.hi == hi, string.concat(what, ": bracket = its replay"));
    }

    /// @dev The root of a linear campaign just above the threshold whose curvature comes from one fast
    /// pledge (L₁, s₁) (the others are slow: x ≪ 1e-9, only their linear part counts): with
    /// δ = (2/π)·S/1e36 − 1 and c₁ = (2/π)·L₁·s₁/1e36, (2/π)·Σ Lᵢ·atan(h·sᵢ) = h gives
    /// c₁·x²/3 = δ + O(δ²), x = h·s₁: h = √(3δ/c₁)·1e36/s₁ (floors: a few wei low). Also returns δ·1e36.
    function thresholdRoot(
        uint256 l1,
        uint256 s1,
        uint256 sum
    ) internal pure returns (uint256 root, uint256 d) {
        d = Reference.mulDivFloor(sum, Reference.TWO_OVER_PI_36, 1e36) - 1e36;
        uint256 c1 = Reference.mulDivFloor(l1 * s1, Reference.TWO_OVER_PI_36, 1e36);
        root = Reference.sqrtFloor(Reference.mulDivFloor(3 * d * 1e36, 1e36, c1)) / s1;
    }

    // ─────────────────────────────────────────────── crafted paths through solve and bracket

    /// @dev Quadratic with tiny terms (L = 12501 wei, s = 4360001): the exact root is
    /// h* ≤ (2/π)·L·s/1e18 ≈ 3.5e-8 wei (√(L·(2/π)·h·s) ≥ h·1e9 only below it), so no h ≥ 1 has
    /// g(h) ≥ h. Newton steps left from h₀ without ever landing left until a step would reach 0: it
    /// stops at its last iterate (1 wei, g < h). `bracket` steps down from there to 0 — [0, 1], certified
    /// by g(0) = 0 and g(1) ≤ 1. (This used to walk Newton to 0 and report "nothing to certify".)
    function test_solveStopsBeforeZeroThenStepDownToZero() public pure {
        (uint256[] memory L, uint256[] memory S) = cols1(12501, 4360001);
        assertTrue(PledgeMath.hasPositiveRoot(true, sumLimitSpeed(L, S)), "S > 0");
        assertLt(Reference.mulDivFloor(12501 * 4360001, Reference.TWO_OVER_PI_36, 1e36), UNIT, "h* < 1 wei");
        (SolveTrace memory st, BracketTrace memory bt) = traced(true, L, S, "stop before 0");
        assertEq(st.left, 0, "no iterate landed left of the root");
        assertEq(st.stop, STOP_ZERO, "Newton stops where its step would reach 0");
        assertLt(g(true, L, S, st.h), st.h * K_QUADRATIC, "solve = the last iterate, right of the root");
        assertGt(bt.stepsDown, 0, "bracket steps down");
        assertTrue(bt.reachedZero, "... to 0");
        assertEq(bt.lo, 0, "hLow = 0");
        assertGe(bt.hi, 1, "hHigh >= 1 > h*");
    }

    /// @dev Linear, a fast pledge (s₁ = 0.071) and a slow one (s₂ = 200 wei) with Σ L·s only 5e10 above
    /// π/2·1e36: δ ≈ 3e-26, far below what g resolves (f = g − h·gPerH moves by ~1e-7 g-units per wei
    /// near the root, the terms' floors by ~70). Newton converges slowly from h₀ ≈ 22 tokens and uses
    /// up its 64 iterations right of the root; `bracket` steps down (33 times) to 0, then bisects the
    /// [0, last failing point] range down to the 4-wei width: [0, hHigh ≤ 4].
    function test_bracketStepDownToZeroThenBisection() public pure {
        (uint256[] memory L, uint256[] memory S) = cols2(
            22123807386522288045,
            71000271307361762,
            130780207116700,
            200
        );
        assertGt(sumLimitSpeed(L, S), Reference.HALF_PI_36, "a positive root exists");
        assertLt(sumLimitSpeed(L, S) - Reference.HALF_PI_36, 1e11, "delta < 1e-25");
        (SolveTrace memory st, BracketTrace memory bt) = traced(false, L, S, "step-down to 0");
        assertEq(st.iterations, 64, "Newton uses up its iterations");
        assertEq(st.left, 0, "... all right of the root");
        assertGt(bt.stepsDown, 30, "a long step-down");
        assertTrue(bt.reachedZero, "to 0");
        assertGt(bt.bisections, 0, "then bisection");
        assertEq(bt.lo, 0, "hLow = 0");
        assertTrue(bt.hi > 0 && bt.hi <= 4, "0 < hHigh <= 4");
    }

    /// @dev Linear, 1570.796… tokens at s₁ = 1e-3 and a slow pledge (s₂ = 1000 wei): δ ≈ 4.3e-20, root
    /// ≈ 3.6e11 wei. Newton uses up its 64 iterations right of the root (1 − slope ≈ 2δ); `bracket`
    /// steps down to a certified lower end (36 steps), then bisects. Closed form: hLow is never above
    /// the exact root (g ≤ G), and hHigh is within noise/(2δ·gPerH) of it (2× for the slope between).
    function test_bracketStepDownThenBisection() public pure {
        (uint256[] memory L, uint256[] memory S) = cols2(1570796326794896619231, 1e15, 68200048411671, 1000);
        (SolveTrace memory st, BracketTrace memory bt) = traced(false, L, S, "step-down");
        assertEq(st.iterations, 64, "Newton uses up its iterations");
        assertEq(st.left, 0, "... all right of the root");
        assertGt(bt.stepsDown, 0, "bracket steps down");
        assertFalse(bt.reachedZero, "to a positive lower end");
        assertEq(bt.doublings, 0, "no doubling");
        assertGt(bt.bisections, 0, "bisection");
        (uint256 root, uint256 d) = thresholdRoot(L[0], S[0], sumLimitSpeed(L, S));
        // Both pledges are in the Padé branch here (x < 1e-3): A within 3e-36, a term within 3L/1e18 + 2.
        uint256 tol = (2 * ((3 * L[0]) / UNIT + (3 * L[1]) / UNIT + 4) * 1e36) / (2 * d * K_LINEAR) + 2;
        assertLe(bt.lo, root + 2, "hLow <= the exact root");
        assertGe(bt.hi + tol, root, "hHigh >= the exact root - noise / (2 delta)");
        assertLt(tol, root / 1e6, "the closed-form check is sharp (1e-6)");
    }

    /// @dev Linear, one pledge just past the tipping point (100 tokens at 0.0157…, δ ≈ 1e-7) and a huge
    /// slow one (942e9 tokens at 1 wei). Newton from h₀ lands left of the root, steps right again after
    /// that overshoot (twice) and keeps its largest lower end; `bracket` then finds g still above the
    /// widest allowed upper end, doubles (5 times) and bisects (5 times).
    function test_solveStepsRightAfterOvershootThenDoublingAndBisection() public pure {
        (uint256[] memory L, uint256[] memory S) = cols2(1e20, 15707964838745293, 942e27, 1);
        (SolveTrace memory st, BracketTrace memory bt) = traced(false, L, S, "overshoot");
        assertGt(st.right, 0, "iterates right of the root");
        assertGt(st.rightAfterOvershoot, 0, "steps right after an overshoot to the left");
        assertGt(st.h, st.firstLeft, "solve keeps a better lower end than the first one");
        assertGe(g(false, L, S, st.h), st.h * K_LINEAR, "solve is a lower end");
        assertEq(bt.stepsDown, 0, "no step-down");
        assertGt(bt.doublings, 0, "doubling");
        assertGt(bt.bisections, 0, "bisection");
        assertGt(bt.lo, st.h, "hLow moved right of Newton's answer");
    }

    /// @dev Linear, ⌊π/2·1e9⌋ wei at the top speed 1e27 and a slow pledge (9.6e6 tokens at 83 wei)
    /// topping Σ L·s up by 3e22: near h ≈ 30 wei the floors of the terms make the rounded slope reach
    /// 1 right of the root, where Newton takes fixed-point steps h ← g(h); it lands left of the root
    /// with a rounded slope ≥ 1 and stops there (no step right to take). The bracket needs neither
    /// step-down nor doubling.
    function test_solveFixedPointFallback() public pure {
        (uint256[] memory L, uint256[] memory S) = cols2(1570796326, 1e27, 9577444610404210629215928, 83);
        (SolveTrace memory st, BracketTrace memory bt) = traced(false, L, S, "fixed point");
        assertGt(st.fixedPointSteps, 0, "fixed-point steps (rounded slope >= 1 right of the root)");
        assertEq(st.stop, STOP_SLOPE_LEFT, "stops on the left with a rounded slope >= 1");
        (uint256 gh, uint256 slope) = PledgeMath.gAndSlope(false, L, S, st.h);
        assertGe(gh, st.h * K_LINEAR, "g(h) >= h");
        assertGe(slope, UNIT, "rounded slope >= 1 there");
        assertEq(bt.stepsDown + bt.doublings, 0, "neither step-down nor doubling");
        assertEq(bt.lo, st.h, "hLow = solve");
    }

    /// @dev Linear, 1e20 tokens at s = 0.0064 (x ≈ 6e17 at the root, where atanRaw is flat over many
    /// units of h): Newton lands on h with g(h) = h·gPerH exactly, so the bracket is [h, h]. Closed
    /// form (atan(x) = π/2 − 1/x + O(x⁻³)): h = L − (2/π)·L·1e36/(h·s), i.e.
    /// h = (L + √(L² − 4·L·c))/2 with c = (2/π)·1e36/s, to g's noise (3e-18 of L).
    function test_bracketExactFixedPoint() public pure {
        uint256 s = 6386091626964909;
        (uint256[] memory L, uint256[] memory S) = cols1(1e38, s);
        (, BracketTrace memory bt) = traced(false, L, S, "exact");
        assertTrue(bt.exact, "the exact fixed point");
        assertEq(bt.lo, bt.hi, "hLow = hHigh");
        assertEq(g(false, L, S, bt.lo), bt.lo * K_LINEAR, "g(h) = h exactly");
        uint256 c = Reference.TWO_OVER_PI_36 / s;
        uint256 root = (1e38 + Reference.sqrtFloor(1e76 - 4 * 1e38 * c)) / 2;
        assertApproxEq(bt.lo, root, noise(false, L) / K_LINEAR + 2, "h = the closed-form root");
    }

    /// @dev 8696 pledges of 1.15e41 (the most L·A can hold, far beyond the contract's escrow bound) at
    /// the top speed: Σ L = 1.00004e45 > MAX_H (and Newton's (g − h)·1e18 still fits a word), so the
    /// root is beyond MAX_H. h₀ is clamped to MAX_H, where g is still above h: Newton's step right
    /// would pass MAX_H, so solve = MAX_H; the first upper end is clamped to MAX_H too and, g being
    /// still above it, no bracket exists.
    function test_bracketRootBeyondMaxH() public pure {
        uint256 n = 8696;
        uint256[] memory L = new uint256[](n);
        uint256[] memory S = new uint256[](n);
        for (uint256 j = 0; j < n; ++j) (L[j], S[j]) = (1.15e41, MAX_SPEED);
        uint256 sum = sumLimitSpeed(L, S);
        assertGt(g(false, L, S, MAX_H), MAX_H * K_LINEAR, "g(MAX_H) > MAX_H");
        assertEq(PledgeMath.solve(false, L, S, sum), MAX_H, "solve clamps at MAX_H");
        (bool found, uint256 lo, uint256 hi) = PledgeMath.bracket(false, L, S, sum);
        assertFalse(found, "no bracket below MAX_H");
        assertEq(lo + hi, 0, "both ends 0");
    }

    /// @dev Linear at or below the threshold, or quadratic with S = 0: no positive root, solve = 0.
    function test_solveWithoutRoot() public pure {
        (uint256[] memory L, uint256[] memory S) = cols1(1e18, 1570796326794896619);
        uint256 sum = sumLimitSpeed(L, S);
        assertLe(sum, Reference.HALF_PI_36, "below the threshold");
        assertEq(PledgeMath.solve(false, L, S, sum), 0, "linear below the threshold");
        (bool found, , ) = PledgeMath.bracket(false, L, S, sum);
        assertFalse(found, "no bracket");
        assertEq(PledgeMath.solve(true, L, S, 0), 0, "quadratic, S = 0");
    }

    function test_derivativeClampsAtMaxX() public pure {
        // h·s/1e18 > 1e36: x is clamped, p' = c/(1 + 1e54/1e18) — tiny but defined (no overflow).
        uint256 d = PledgeMath.derivative(1e32, MAX_SPEED, MAX_H);
        uint256 c = (((1e32 * MAX_SPEED) / UNIT) * Reference.TWO_OVER_PI_36) / 1e36;
        assertEq(d, (c * UNIT) / (UNIT + 1e54), "clamped derivative");
        assertEq(PledgeMath.derivative(1e32, MAX_SPEED, MAX_H / 2), d, "same beyond the clamp");
    }

    function test_leverageUnbounded() public pure {
        // Quadratic: √pᵢ rounds to 0 (h = 0) ⇒ unbounded.
        (uint256[] memory L, uint256[] memory S) = cols2(1e18, 1e18, 1e18, 1e18);
        assertEq(PledgeMath.leverage(true, L, S, 0, 0), type(uint256).max, "quadratic, p = 0");
        // Quadratic: the others' Σ p'/(2√p) ≥ 1 (a slow, huge pledge near h = 0) ⇒ unbounded.
        // At h = 3 wei the other pledge's A is 1 unit: √p = 1e19 while p' ≈ 6.4e37.
        (L, S) = cols2(1e18, 1e18, 1e38, 1e18);
        assertEq(PledgeMath.leverage(true, L, S, 0, 3), type(uint256).max, "quadratic, others' slope >= 1");
        // Linear: the others' Σ p' ≥ 1 ⇒ unbounded.
        (L, S) = cols2(1e18, 1e18, 1e20, 1e18);
        assertEq(PledgeMath.leverage(false, L, S, 0, 0), type(uint256).max, "linear, others' slope >= 1");
        // Linear, others' slope 0.5: 1/(1 − 0.5) = 2.
        (L, S) = cols2(1e18, 1e18, 785398163397448310, 1e18);
        assertApproxEq(PledgeMath.leverage(false, L, S, 0, 0), 2e18, 1e3, "linear, 1/(1 - 1/2)");
    }

    function test_previewWithoutGain() public pure {
        // A new pledge with zero speed adds nothing: same root, zero payment, zero increase.
        (uint256[] memory L, uint256[] memory S) = cols2(1e20, 1e16, 1e20, 0);
        uint256 before = L[0] * S[0];
        (uint256 h, uint256 pay, uint256 inc, uint256 lev) = PledgeMath.preview(true, L, S, before, 1);
        assertEq(h, PledgeMath.solve(true, L, S, before), "same root");
        assertEq(pay, 0, "no payment");
        assertEq(inc, 0, "no pot increase");
        assertEq(lev, type(uint256).max, "sqrt(p) = 0: unbounded");
    }
}
