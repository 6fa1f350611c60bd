// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PledgeMath} from "../../../contracts/libraries/PledgeMath.sol";
import {Arctan} from "../../../contracts/libraries/Arctan.sol";
import {PledgeMathHarness} from "../../../contracts/mocks/PledgeMathHarness.sol";
import {TestBase} from "../utils/Test.sol";
import {Reference} from "../utils/Reference.sol";

/// @title PledgeMathTest
/// @notice Properties of the pledge math on random columns of limits and speeds (log-uniform over the
/// whole accepted range): saturation in [0, 1), monotone in h and s; payments and g-terms round down
/// and never exceed the limit; the linear root test is exactly 2S > π·1e36; g is monotone and concave
/// (up to each term's documented rounding); Newton's start is above g; every bracket `bracket` returns
/// is one settlement accepts, and no bracket far from it is; leverage, pot and preview agree with their
/// definitions. Crafted columns (found by searching the SDK's exact mirror) drive `bracket` through its
/// step-down-after-Newton, doubling and bisection fallbacks, the exact fixed point, the MAX_H cap and
/// the "cannot certify" exits.
contract PledgeMathTest is TestBase {
    uint256 internal constant UNIT = 1e18;
    uint256 internal constant MAX_H = 1e45;
    uint256 internal constant MAX_SPEED = 1e27;
    uint256 internal constant MAX_ESCROW = 1e38;

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

    /// @dev Each g-term is within its rounding of the exact one: A(h, s) is within 3 units of
    /// (2/π)·atan(h·s) (floor of h·s, atan's 1.000001, floor of the 2/π product), so a linear term is
    /// within 3·L/1e18 + 1 and a quadratic one within √(3·L) + 1.
    function noise(bool q, uint256[] memory L) internal pure returns (uint256 tol) {
        for (uint256 j = 0; j < L.length; ++j) {
            if (L[j] == 0) continue;
            tol += q ? Reference.sqrtFloor(3 * L[j]) + 2 : (3 * L[j]) / UNIT + 2;
        }
    }

    // ─────────────────────────────────────────────── per pledge

    function testFuzz_saturation(uint256 h1, uint256 h2, uint256 s1, uint256 s2) public pure {
        h1 = bound(h1, 0, MAX_H);
        h2 = bound(h2, 0, MAX_H);
        s1 = bound(s1, 0, MAX_SPEED);
        s2 = bound(s2, 0, MAX_SPEED);
        if (h1 > h2) (h1, h2) = (h2, h1);
        if (s1 > s2) (s1, s2) = (s2, s1);
        uint256 a = PledgeMath.saturation(h1, s1);
        assertLt(a, UNIT, "A < 1");
        assertLe(a, PledgeMath.saturation(h2, s1), "A monotone in h");
        assertLe(a, PledgeMath.saturation(h1, s2), "A monotone in s");
        assertEq(PledgeMath.saturation(0, s1), 0, "A(0, s) = 0");
        assertEq(PledgeMath.saturation(h1, 0), 0, "A(h, 0) = 0");
        // A = ⌊(2/π)·atan(x)⌋ with x = ⌊h·s/1e18⌋; (2/π) from the independent constant.
        uint256 x = (h1 * s1) / UNIT;
        uint256 expected = Reference.mulDivFloor(Arctan.atanRaw(x), Reference.TWO_OVER_PI_36, 1e36);
        assertApproxEq(a, expected, 1, "A = (2/pi) atan(h s)");
        // (2/π)·atan(t) ≤ (2/π)·t.
        assertLe(a, Reference.mulDivFloor(x, Reference.TWO_OVER_PI_36, 1e36) + 1, "A <= (2/pi) t");
    }

    function testFuzz_paymentRoundsDownWithinLimit(uint256 limit, uint256 a) public pure {
        limit = bound(limit, 0, type(uint128).max);
        a = bound(a, 0, UNIT - 1);
        uint256 p = PledgeMath.payment(limit, a);
        assertLe(p, limit, "payment <= limit");
        if (limit > 0) assertLt(p, limit, "A < 1: payment < limit");
        assertLe(p * UNIT, limit * a, "rounds down");
        assertGt((p + 1) * UNIT, limit * a, "floor");
    }

    function testFuzz_terms(uint256 limitNorm, uint256 a) public pure {
        limitNorm = bound(limitNorm, 0, MAX_ESCROW);
        a = bound(a, 0, UNIT - 1);
        uint256 qt = PledgeMath.quadraticTerm(limitNorm, a);
        assertTrue(Reference.isSqrtFloor(limitNorm * a, qt), "quadratic term = floor(sqrt(L A))");
        uint256 lt = PledgeMath.linearTerm(limitNorm, a);
        assertLe(lt * UNIT, limitNorm * a, "linear term rounds down");
        assertGt((lt + 1) * UNIT, limitNorm * a, "linear term is the floor");
        assertEq(PledgeMath.term(true, limitNorm, a), qt, "term(quadratic)");
        assertEq(PledgeMath.term(false, limitNorm, a), lt, "term(linear)");
        // √p: the quadratic term squared is the linear term (both floors of L·A, at 36 and 18 decimals).
        assertLe((qt * qt) / UNIT, lt, "sqrt(p)^2 <= p");
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
    /// linear term: p'(h₂)·δ − tol ≤ term(h₂) − term(h₁) ≤ p'(h₁)·δ + tol with δ = h₂ − h₁. Rounding:
    /// each term is within 3·L/1e18 + 1 of the exact one, and the derivative's floors (⌊L·s/1e18⌋,
    /// ⌊·2/π⌋, the final quotient) understate it by less than 3 units, i.e. 3·δ/1e18 of growth. Beyond
    /// h·s = 1e36 the derivative is clamped (overstated), so the lower bound is checked below it.
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
        uint256 tol = (6 * limitNorm) / UNIT + 2 + (3 * delta) / UNIT + 1;
        assertLe(t2 - t1, Reference.mulDivFloor(d1, delta, UNIT) + tol, "growth <= p'(h1) delta");
        if ((h2 * speed) / UNIT <= 1e36) {
            assertGe(t2 - t1 + tol, Reference.mulDivFloor(d2, delta, UNIT), "growth >= p'(h2) delta");
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
        if (h3 > h2 && q == false) {
            uint256 tol = noise(q, L) + n + (3 * n * (h3 - h2)) / UNIT + n;
            assertLe(g3 - g2, Reference.mulDivFloor(slope, h3 - h2, UNIT) + tol, "chord <= slope");
        }
        (uint256 gh, uint256 sh) = harness.gAndSlope(q, L, S, h2);
        assertEq(gh, g2, "harness gAndSlope g");
        assertEq(sh, slope, "harness gAndSlope slope");
    }

    /// @dev Every payment is below its limit, so g(h) ≤ Σ√L (quadratic) or ΣL (linear): Newton's start
    /// is at or right of every fixed point.
    function testFuzz_initialGuessAboveG(uint256 seed, uint256 n, bool q, uint256 h) public pure {
        n = bound(n, 1, 6);
        (uint256[] memory L, uint256[] memory S) = columns(seed, n);
        h = logUniform(h, 0, MAX_H);
        uint256 h0 = PledgeMath.initialGuess(q, L);
        assertLe(g(q, L, S, h), h0, "g(h) <= h0");
        uint256 expected;
        for (uint256 j = 0; j < n; ++j) expected += q ? Reference.sqrtFloor(L[j] * UNIT) : L[j];
        assertEq(h0, expected, "h0 = sum sqrt(L) / sum L");
    }

    // ─────────────────────────────────────────────── solve and bracket

    /// @dev `bracket` returns only brackets settlement accepts: 0 < hLow ≤ hHigh ≤ MAX_H,
    /// g(hLow) ≥ hLow, g(hHigh) ≤ hHigh, hHigh − hLow ≤ maxBracketWidth(hLow); nothing when no
    /// positive root exists. `solve` stays within [0, min(h₀, MAX_H)].
    function testFuzz_bracketIsAccepted(uint256 seed, uint256 n, bool q) public view {
        n = bound(n, 1, 6);
        (uint256[] memory L, uint256[] memory S) = columns(seed, n);
        uint256 sum = sumLimitSpeed(L, S);
        uint256 h = PledgeMath.solve(q, L, S, sum);
        uint256 h0 = PledgeMath.initialGuess(q, L);
        assertLe(h, h0 < MAX_H ? h0 : MAX_H, "solve <= min(h0, MAX_H)");
        (bool found, uint256 lo, uint256 hi) = PledgeMath.bracket(q, L, S, sum);
        if (!PledgeMath.hasPositiveRoot(q, sum)) {
            assertEq(h, 0, "no root: solve = 0");
            assertFalse(found, "no root: no bracket");
        }
        if (!found) {
            assertEq(lo, 0, "not found: hLow = 0");
            assertEq(hi, 0, "not found: hHigh = 0");
            return;
        }
        assertGt(lo, 0, "hLow > 0");
        assertLe(lo, hi, "hLow <= hHigh");
        assertLe(hi, MAX_H, "hHigh <= MAX_H");
        assertGe(g(q, L, S, lo), lo, "g(hLow) >= hLow");
        assertLe(g(q, L, S, hi), hi, "g(hHigh) <= hHigh");
        assertLe(hi - lo, PledgeMath.maxBracketWidth(lo), "width rule");
        (bool f2, uint256 lo2, uint256 hi2) = harness.bracket(q, L, S, sum);
        assertTrue(f2 && lo2 == lo && hi2 == hi, "harness bracket");
        assertEq(harness.solve(q, L, S, sum), h, "harness solve");
    }

    /// @dev An upper bound of G'(h), the exact slope, from the rounded one: each linear derivative is
    /// understated by < 3 units (its floors) and each quadratic term p'/(2√p) by < 3/(2√p) + 1 (√p
    /// itself rounds down, which only overstates). `ok` is false where a quadratic √p rounds to 0 (the
    /// rounded slope then leaves that term out and says nothing about G').
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
            upper += (3 * UNIT) / (2 * root) + 1;
        }
    }

    /// @dev Acceptance only around the root. With G the exact (unrounded) g and f(h) = G(h) − h,
    /// f is concave, f(0) = 0 and f > 0 exactly on (0, r), r the exact root; g ≤ G ≤ g + noise.
    /// Right: the tangent at hHigh bounds f from above, f(p) ≤ noise − (1 − G'(hHigh))·(p − hHigh), so
    /// every p beyond hHigh + noise/(1 − G'(hHigh)) has g(p) < p: a bracket starting there is
    /// rejected (HTooHigh). Left: at a probe p < hLow with G'(p) < 1 the tangent at p gives
    /// f(hLow) ≤ f(p) − (1 − G'(p))·(hLow − p) and f(hLow) ≥ 0, so p further than noise/(1 − G'(p))
    /// left of hLow has g(p) > p: a bracket ending there is rejected (HTooLow). G' is bounded above
    /// by `slopeUpper`.
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
        uint256 tol = noise(q, L) + 1;
        (uint256 slope, bool ok) = slopeUpper(q, L, S, hi);
        if (ok && slope < UNIT) {
            uint256 margin = Reference.mulDivFloor(tol, UNIT, UNIT - slope) + 1;
            uint256 right = hi + margin + hi / 1e9 + bound(offset, 0, hi);
            if (right <= MAX_H)
                assertLt(g(q, L, S, right), right, "a lower end right of the root is rejected");
        }
        if (lo < 2) return;
        uint256 left = lo - bound(offset, 1, lo - 1);
        (slope, ok) = slopeUpper(q, L, S, left);
        if (ok && slope < UNIT) {
            uint256 margin = Reference.mulDivFloor(tol, UNIT, UNIT - slope) + 1;
            if (lo - left > margin)
                assertGt(g(q, L, S, left), left, "an upper end left of the root is rejected");
        }
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
        assertGe(g(q, L, S, lo), lo, string.concat(what, ": g(hLow) >= hLow"));
        assertLe(g(q, L, S, hi), hi, string.concat(what, ": g(hHigh) <= hHigh"));
        assertLe(hi - lo, PledgeMath.maxBracketWidth(lo), string.concat(what, ": width"));
    }

    /// @dev Linear, one pledge just past the tipping point (S = 1.0000015·π/2·1e36) and one of speed
    /// 1e-18 whose g-term floors to 0 near the root while its slope term counts fully: Newton's slope
    /// is overstated, it takes fixed-point steps and runs out of iterations right of the root with
    /// g(h) < h. `bracket` steps down 1, 2, 4, … wei (54 steps here) to a certified lower end far left,
    /// then doubles towards the root (37 times) and bisects (37 times). Found with the SDK mirror.
    function test_bracketStepDownThenDoublingAndBisection() public pure {
        (uint256[] memory L, uint256[] memory S) = cols2(1e20, 15707964838745293, 942e27, 1);
        uint256 h = PledgeMath.solve(false, L, S, sumLimitSpeed(L, S));
        assertEq(h, 47922235208045400, "Newton's last iterate");
        assertLt(g(false, L, S, h), h, "Newton ended right of the root: g(h) < h");
        (uint256 lo, uint256 hi) = assertAccepted(false, L, S, "step-down");
        assertEq(lo, 34869098364166492, "hLow (SDK mirror)");
        assertEq(hi, 34869098364196403, "hHigh (SDK mirror)");
    }

    /// @dev Same family, a larger slow pledge: 57 steps down, 41 doublings, 39 bisections.
    function test_bracketStepDownLonger() public pure {
        (uint256[] memory L, uint256[] memory S) = cols2(1e20, 15707964838745293, 942e28, 1);
        assertLt(g(false, L, S, PledgeMath.solve(false, L, S, sumLimitSpeed(L, S))), 152688619515405200, "");
        (uint256 lo, uint256 hi) = assertAccepted(false, L, S, "step-down 2");
        assertEq(lo, 34869098368959496, "hLow (SDK mirror)");
        assertEq(hi, 34869098368993804, "hHigh (SDK mirror)");
    }

    /// @dev Linear, one pledge at S ≈ (1 + 1.3e-12)·π/2·1e36: g is quantised in steps of 1e6 with
    /// slope ≈ 1, so no h > 0 has g(h) ≥ h. Newton exhausts its 64 iterations in lock-step, the
    /// step-down runs 60 times down to 0: no bracket can be certified (the grace-period case).
    function test_bracketStepDownToZero() public pure {
        (uint256[] memory L, uint256[] memory S) = cols1(1e24, 1570796326797);
        uint256 sum = sumLimitSpeed(L, S);
        assertTrue(PledgeMath.hasPositiveRoot(false, sum), "a root exists in exact arithmetic");
        uint256 h = PledgeMath.solve(false, L, S, sum);
        assertEq(h, 483812111723000000, "Newton's last iterate");
        (bool found, uint256 lo, uint256 hi) = PledgeMath.bracket(false, L, S, sum);
        assertFalse(found, "not certifiable");
        assertEq(lo + hi, 0, "both ends 0");
    }

    /// @dev Newton lands on h with g(h) = h exactly: the bracket is [h, h].
    function test_bracketExactFixedPoint() public pure {
        (uint256[] memory L, uint256[] memory S) = cols1(1e24, 1570796326798);
        (uint256 lo, uint256 hi) = assertAccepted(false, L, S, "exact");
        assertEq(lo, hi, "hLow = hHigh");
        assertEq(lo, 837054507778000000, "the fixed point (SDK mirror)");
        assertEq(g(false, L, S, lo), lo, "g(h) = h");
    }

    /// @dev Newton stops well left of the root (its slope is overstated by a slow quadratic pledge):
    /// the widest allowed upper end is still below g, so `bracket` doubles 12 times, then bisects.
    function test_bracketDoublingAndBisection() public pure {
        (uint256[] memory L, uint256[] memory S) = cols1(5550000000000001, 8230000000001);
        uint256 h = PledgeMath.solve(true, L, S, sumLimitSpeed(L, S));
        uint256 w = PledgeMath.maxBracketWidth(h);
        assertGt(g(true, L, S, h + w), h + w, "the first upper end is not above the root");
        assertAccepted(true, L, S, "doubling");
    }

    /// @dev Columns beyond the contract's escrow bound put the root above MAX_H: h₀ is clamped to
    /// MAX_H, Newton stops there (g(MAX_H) > MAX_H), the first upper end is clamped to MAX_H and,
    /// g being still above it, no bracket exists.
    function test_bracketRootBeyondMaxH() public pure {
        (uint256[] memory L, uint256[] memory S) = cols2(1e46, 1e13, 1e46, 1e13);
        uint256 sum = sumLimitSpeed(L, S);
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

    /// @dev Quadratic with tiny terms: every g-term floors to 0 below the root, Newton walks to 0.
    function test_solveNewtonReachesZero() public pure {
        (uint256[] memory L, uint256[] memory S) = cols1(12501, 4360001);
        uint256 sum = sumLimitSpeed(L, S);
        assertTrue(PledgeMath.hasPositiveRoot(true, sum), "S > 0");
        assertEq(PledgeMath.solve(true, L, S, sum), 0, "Newton reaches 0");
        (bool found, , ) = PledgeMath.bracket(true, L, S, sum);
        assertFalse(found, "nothing to certify");
    }

    /// @dev Quadratic with a huge slow pledge: the rounded slope reaches 1 right of the root and
    /// Newton falls back to fixed-point steps h ← g(h), still ending on a valid lower end.
    function test_solveFixedPointFallback() public pure {
        (uint256[] memory L, uint256[] memory S) = cols1(51600000000000000000000000000001, 482);
        uint256 sum = sumLimitSpeed(L, S);
        uint256 h = PledgeMath.solve(true, L, S, sum);
        assertEq(h, 7183313998427188, "the fixed point (SDK mirror)");
        assertGe(g(true, L, S, h), h, "g(h) >= h");
        assertAccepted(true, L, S, "fixed-point fallback");
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
