// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {mulDiv, sqrt} from "@prb/math/src/Common.sol";
import {Arctan} from "./Arctan.sol";

/// @title PledgeMath
/// @notice The fixed-point math of CoordinatedPledges, pure so it is tested alone and mirrored one to
/// one by `sdk/math/pledge-math.ts`. Every value is a raw integer: "UD60x18" means 1e18 = 1.
///
/// Notation: L = a limit normalised to 18 decimals, s = a speed (UD60x18), h (UD60x18),
/// x = h·s taken exactly (36 decimals), A(h, s) = ⌊(2/π)·atan(x)⌋ with 36 DECIMALS (in [0, 1)).
/// Per pledge:
///   payment (raw tokens)     p = ⌊Lraw · A⌋
///   quadratic g-term         ⌊√(L · A)⌋     (√token with 27 decimals; L·A carries 54)
///   linear g-term            ⌊L · A⌋        (token with 36 decimals)
/// g(h) = Σ g-terms is compared with h exactly: g ≥ h·G_PER_H (G_PER_H = 1e9 quadratic, 1e18 linear).
/// Every operation rounds down and is monotone non-decreasing in h, so g(h) = Σ g-terms is too.
/// Why 36 decimals: an 18-decimal A keeps only ~9 digits once h·s ≈ 1e-9 (tiny saturations), and near
/// the linear collapse threshold δ = (2/π)·Σ Lᵢsᵢ − 1 → 0⁺ the root moves by (error of g)/(2δ): the
/// resolution of g, not of h, decides how exact the settlement is.
library PledgeMath {
    /// @dev 1 in UD60x18.
    uint256 internal constant UNIT = 1e18;
    /// @dev 1 in the saturation's fixed point (36 decimals).
    uint256 internal constant A_UNIT = 1e36;
    /// @dev Below x = h·s = 1e-3 (1e33 with 36 decimals) the arctangent is the [5/4] Padé approximant
    /// x·(945 + 735x² + 64x⁴)/(945 + 1050x² + 225x⁴) taken at 36 decimals (error O(x¹¹): 1.5e-36 at 1e-3,
    /// 7e-40 at 5e-4, measured at 80 digits);
    /// from there on `Arctan.atanRaw` (error ≤ 1e-18, i.e. ≤ 1e-15 relative).
    uint256 internal constant SMALL_X = 1e33;
    /// @dev Arctan.atanRaw(1e15)·1e18: the large branch's value at SMALL_X. The small branch is capped
    /// there, so the angle never decreases across the switch (the cap only bites within ~1e-18 of it).
    uint256 internal constant SMALL_X_ATAN_CAP = 999999666666866e18;
    /// @dev g-units per unit of h (raw): quadratic g-terms carry 27 decimals, h 18.
    uint256 internal constant G_PER_H_QUADRATIC = 1e9;
    /// @dev g-units per unit of h (raw): linear g-terms carry 36 decimals, h 18.
    uint256 internal constant G_PER_H_LINEAR = 1e18;
    /// @dev ⌊(2/π)·1e36⌋ — 2/π with 36 decimals, so A loses less than one unit of 1e-18 to it.
    uint256 internal constant TWO_OVER_PI_36 = 636619772367581343075535053490057448;
    /// @dev ⌊π·1e36⌋. As π·1e36 is irrational, for an integer S: 2S > π·1e36 ⇔ 2S > PI_36.
    uint256 internal constant PI_36 = 3141592653589793238462643383279502884;
    /// @dev `derivative` clamps h·s at 1e18 (raw 1e36) so (h·s)² cannot overflow; p' there is ~L·s·1e-36.
    uint256 internal constant MAX_X = 1e36;
    /// @dev The largest accepted h (raw): with speeds ≤ MAX_SPEED, h·s ≤ 1e72 < 2²⁵⁶.
    uint256 internal constant MAX_H = 1e45;
    /// @dev The largest accepted speed (raw, i.e. 1e9 per √token); fits in 96 bits.
    uint256 internal constant MAX_SPEED = 1e27;
    /// @dev The geometric policy's speeds decay to ⌊s₀ / SPEED_FLOOR_DIVISOR⌋ (at least 1 wei), then stay.
    uint256 internal constant SPEED_FLOOR_DIVISOR = 1e6;
    /// @dev The harmonic policy's largest rate c (UD60x18: 1e6): c·s ≤ 1e24·1e27 = 1e51 keeps its
    /// recursion's denominator s₀·1e18 + c·s below 2²⁵⁶ with room to spare, and a larger c would divide
    /// the second pledge's speed by more than a million.
    uint256 internal constant MAX_HARMONIC_RATE = 1e24;
    /// @dev The largest escrow of a campaign in 18-decimal units (1e20 tokens). Bounds L·A ≤ 1e56,
    /// Σ L·s ≤ 1e65 and fits every raw amount in uint128.
    uint256 internal constant MAX_ESCROW = 1e38;
    /// @dev Bracket width rule: hHigh − hLow ≤ ⌊hLow / BRACKET_RELATIVE⌋ + BRACKET_SLACK.
    uint256 internal constant BRACKET_RELATIVE = 1e12;
    /// @dev See BRACKET_RELATIVE. 4 wei leaves room for float solvers at tiny h.
    uint256 internal constant BRACKET_SLACK = 4;
    /// @dev Newton steps `solve` takes at most.
    uint256 internal constant MAX_NEWTON_ITERATIONS = 64;

    // ─────────────────────────────────────────────── per pledge (hot loop)

    /// @notice A(h, s) = ⌊(2/π)·atan(h·s)⌋ with 36 decimals; always < 1e36.
    /// @dev Requires h ≤ MAX_H and s ≤ MAX_SPEED (callers check), so x = h·s (36 decimals, ≤ 1e72)
    /// cannot overflow. The angle: below SMALL_X, ⌊X·(945e36 + 735u + 64u₂)/(945e36 + 1050u + 225u₂)⌋
    /// with u = ⌊X²/1e36⌋, u₂ = ⌊u²/1e36⌋, capped at SMALL_X_ATAN_CAP; from SMALL_X on,
    /// atanRaw(⌊X/1e18⌋)·1e18. Monotone in X: in the small branch X + 1 raises the exact quotient by
    /// ≥ 1 − 5e-4 (u and u₂ move by at most 1 there, lowering the ratio by < 5e-37), the cap equals the
    /// large branch at SMALL_X, and atanRaw is monotone; the floors keep the order. So A is monotone in
    /// h and in s.
    /// @param h The outcome (UD60x18, √token or token), ≤ MAX_H.
    /// @param speed The pledge's saturation speed s (UD60x18, 1/√token or 1/token), ≤ MAX_SPEED.
    /// @return a The fraction of the limit paid at h (36 decimals, 0 ≤ a < 1e36; 0 when h or s is 0).
    function saturation(uint256 h, uint256 speed) internal pure returns (uint256 a) {
        uint256 x = h * speed;
        uint256 angle;
        if (x < SMALL_X) {
            uint256 u = (x * x) / A_UNIT; // x² < 1e30 (36 decimals)
            uint256 u2 = (u * u) / A_UNIT; // x⁴ < 1e24
            // x·(945 + 735x² + 64x⁴)/(945 + 1050x² + 225x⁴); x·(…) < 1e33 · 9.5e38.
            angle = (x * (945e36 + 735 * u + 64 * u2)) / (945e36 + 1050 * u + 225 * u2);
            if (angle > SMALL_X_ATAN_CAP) angle = SMALL_X_ATAN_CAP;
        } else {
            angle = Arctan.atanRaw(x / UNIT) * UNIT;
        }
        // angle ≤ ⌊π/2·1e18⌋·1e18 < (π/2)·1e36, so A < 1e36; the product stays below 1.1e72.
        a = (angle * TWO_OVER_PI_36) / A_UNIT;
    }

    /// @notice p = ⌊limit · A⌋ in the units of `limit` (raw tokens); ≤ limit since A < 1. Rounds down,
    /// in the escrow's favour.
    /// @param limit The pledge's limit, raw token units (≤ MAX_ESCROW).
    /// @param a The saturation A(h, s) (36 decimals, < 1e36).
    /// @return The payment in raw token units, rounded down.
    function payment(uint256 limit, uint256 a) internal pure returns (uint256) {
        return (limit * a) / A_UNIT;
    }

    /// @notice ⌊√(L·A)⌋ = √p in √token with 27 decimals: L·A has 54 decimals. Rounds down.
    /// @param limitNorm The limit normalised to 18 decimals (raw · scale), ≤ MAX_ESCROW.
    /// @param a The saturation A(h, s) (36 decimals, < 1e36).
    /// @return The term in √token (27 decimals; G_PER_H_QUADRATIC per unit of h), rounded down.
    function quadraticTerm(uint256 limitNorm, uint256 a) internal pure returns (uint256) {
        return sqrt(limitNorm * a);
    }

    /// @notice ⌊L·A⌋ = p in token with 36 decimals. Rounds down.
    /// @param limitNorm The limit normalised to 18 decimals (raw · scale), ≤ MAX_ESCROW.
    /// @param a The saturation A(h, s) (36 decimals, < 1e36).
    /// @return The term in token (36 decimals; G_PER_H_LINEAR per unit of h), rounded down.
    function linearTerm(uint256 limitNorm, uint256 a) internal pure returns (uint256) {
        return (limitNorm * a) / UNIT;
    }

    /// @notice The g-term of one pledge for the mode.
    /// @param quadratic True for quadratic mode (`quadraticTerm`), false for linear (`linearTerm`).
    /// @param limitNorm The limit normalised to 18 decimals (raw · scale), ≤ MAX_ESCROW.
    /// @param a The saturation A(h, s) (36 decimals, < 1e36).
    /// @return The term (G units: 27 decimals quadratic, 36 linear), rounded down.
    function term(bool quadratic, uint256 limitNorm, uint256 a) internal pure returns (uint256) {
        return quadratic ? quadraticTerm(limitNorm, a) : linearTerm(limitNorm, a);
    }

    /// @notice How many g-units make one unit (1e-18) of h: g(h) ≥ h reads g ≥ h·gPerH.
    /// @param quadratic True for quadratic mode, false for linear.
    /// @return G_PER_H_QUADRATIC (1e9) or G_PER_H_LINEAR (1e18).
    function gPerH(bool quadratic) internal pure returns (uint256) {
        return quadratic ? G_PER_H_QUADRATIC : G_PER_H_LINEAR;
    }

    // ─────────────────────────────────────────────── campaign-level rules

    /// @notice The geometric policy's next speed s_{k+1} = ⌊s_k · r⌋ (UD60x18, rounds down).
    /// @param speed The speed s_k of the pledge just made (UD60x18).
    /// @param decay The ratio r (UD60x18, 0 < r ≤ 1e18).
    /// @return The next pledge's speed (UD60x18); ≤ speed, and 0 once the product rounds to 0.
    function nextSpeed(uint256 speed, uint256 decay) internal pure returns (uint256) {
        return (speed * decay) / UNIT;
    }

    /// @notice The geometric policy's floor: ⌊s₀ / SPEED_FLOOR_DIVISOR⌋, at least 1 wei.
    /// @param initialSpeed s₀ (UD60x18, > 0).
    /// @return The slowest speed the policy assigns (UD60x18, ≥ 1, ≤ s₀).
    function speedFloor(uint256 initialSpeed) internal pure returns (uint256) {
        uint256 floor = initialSpeed / SPEED_FLOOR_DIVISOR;
        return floor == 0 ? 1 : floor;
    }

    /// @notice The geometric policy's next speed with its floor: max(⌊s_k · r⌋, speedFloor(s₀)).
    /// @param speed The speed s_k of the pledge just made (UD60x18, ≥ the floor).
    /// @param decay The ratio r (UD60x18, 0 < r ≤ 1e18).
    /// @param initialSpeed s₀ (UD60x18, > 0).
    /// @return The next pledge's speed (UD60x18): never 0, so the policy never shuts pledging.
    function geometricNextSpeed(
        uint256 speed,
        uint256 decay,
        uint256 initialSpeed
    ) internal pure returns (uint256) {
        uint256 next = nextSpeed(speed, decay);
        uint256 floor = speedFloor(initialSpeed);
        return next > floor ? next : floor;
    }

    /// @notice The harmonic policy's next speed: 1/s_{k+1} = 1/s_k + c/s₀, i.e.
    /// s_{k+1} = max(⌊s_k·s₀·1e18 / (s₀·1e18 + c·s_k)⌋, 1) (UD60x18, rounds down, at least 1 wei).
    /// @dev Without rounding s_k = s₀/(1 + c·k): the speeds decay like 1/k and never reach 0. Rounding
    /// down at each step only lowers later speeds (the map is increasing in s_k). No overflow: s_k ≤ s₀
    /// ≤ MAX_SPEED (1e27), so s_k·s₀·1e18 ≤ 1e72, and c ≤ MAX_HARMONIC_RATE (1e24), so c·s_k ≤ 1e51.
    /// @param speed The speed s_k of the pledge just made (UD60x18, 1 ≤ s_k ≤ s₀).
    /// @param rate c (UD60x18, 0 < c ≤ MAX_HARMONIC_RATE).
    /// @param initialSpeed s₀ (UD60x18, 0 < s₀ ≤ MAX_SPEED).
    /// @return next The next pledge's speed (UD60x18, 1 ≤ next ≤ speed).
    function harmonicNextSpeed(
        uint256 speed,
        uint256 rate,
        uint256 initialSpeed
    ) internal pure returns (uint256 next) {
        unchecked {
            // Within the bounds above (see @dev); the denominator is ≥ s₀·1e18 > 0.
            uint256 base = initialSpeed * UNIT;
            next = (speed * base) / (base + rate * speed);
        }
        if (next == 0) next = 1;
    }

    /// @notice The limit-scaled policy's speed s = min(max(⌊s₀·⌊√⌊L₀·1e36/L⌋⌋/1e18⌋, 1), MAX_SPEED),
    /// i.e. s₀·√(L₀/L): every pledge's quarter circle saturates at the same h relative to its size √L.
    /// @dev Rounds down (twice: the root, the product), at least 1 wei, capped at MAX_SPEED (a tiny L
    /// against a large L₀). No overflow: L₀ ≤ MAX_ESCROW (1e38), so L₀·1e36 ≤ 1e74; with L ≥ 1 the root is
    /// ≤ 1e37 and s₀·root ≤ 1e64.
    /// @param initialSpeed s₀ (UD60x18, 0 < s₀ ≤ MAX_SPEED): the speed at L = L₀.
    /// @param referenceLimit L₀ (18-decimal token amount, 0 < L₀ ≤ MAX_ESCROW).
    /// @param limitNorm The pledge's (combined) limit L normalised to 18 decimals, > 0.
    /// @return s The pledge's speed (UD60x18, 1 ≤ s ≤ MAX_SPEED).
    function limitSqrtSpeed(
        uint256 initialSpeed,
        uint256 referenceLimit,
        uint256 limitNorm
    ) internal pure returns (uint256 s) {
        unchecked {
            // Within the bounds above (see @dev); the caller's L > 0.
            s = (initialSpeed * sqrt((referenceLimit * A_UNIT) / limitNorm)) / UNIT;
        }
        if (s == 0) s = 1;
        if (s > MAX_SPEED) s = MAX_SPEED;
    }

    /// @notice Whether h = Σ√p(h) / h = Σp(h) has a positive root, from S = Σ L·s (exact, 1e36 units).
    /// @dev Quadratic: g'(0⁺) = ∞ as soon as one L·s > 0. Linear: g'(0) = (2/π)·S/1e36, and the concave
    /// g crosses the identity iff that slope exceeds 1, i.e. 2S > π·1e36 ⇔ 2S > PI_36 (exact).
    /// @param quadratic True for quadratic mode, false for linear.
    /// @param sumLimitSpeed S = Σ L·s over the active pledges, L normalised and s UD60x18 (so 1e36 = 1).
    /// @return Whether a positive root exists (false: the campaign settles at h = 0).
    function hasPositiveRoot(bool quadratic, uint256 sumLimitSpeed) internal pure returns (bool) {
        return quadratic ? sumLimitSpeed > 0 : 2 * sumLimitSpeed > PI_36;
    }

    /// @notice The widest accepted bracket at hLow: ⌊hLow / 1e12⌋ + 4 wei.
    /// @dev Payments have elasticity ≤ 1 in h (x·atan'(x)/atan(x) ≤ 1), so a relative width of 1e-12
    /// moves each payment by at most 1e-12 relative — three orders below the 1e-9 requirement.
    /// @param hLow The bracket's lower bound (UD60x18).
    /// @return The largest accepted hHigh − hLow, in the units of h (1e-18).
    function maxBracketWidth(uint256 hLow) internal pure returns (uint256) {
        return hLow / BRACKET_RELATIVE + BRACKET_SLACK;
    }

    // ─────────────────────────────────────────────── derivatives and solver (views)

    /// @notice p'(h) = L·(2/π)·s / (1 + (h·s)²), UD60x18 (token per unit of h). Rounds down.
    /// @dev h·s is clamped at MAX_X (1e18 in UD60x18), so beyond it the result overstates p', which is
    /// below ~1e-36·L·s there.
    /// @param limitNorm The limit normalised to 18 decimals, ≤ MAX_ESCROW.
    /// @param speed The speed s (UD60x18), ≤ MAX_SPEED.
    /// @param h The point (UD60x18, √token or token).
    /// @return p'(h) (UD60x18, token per unit of h), rounded down (up to the clamp).
    function derivative(uint256 limitNorm, uint256 speed, uint256 h) internal pure returns (uint256) {
        uint256 x = (h * speed) / UNIT;
        if (x > MAX_X) x = MAX_X;
        // L ≤ MAX_ESCROW and s ≤ MAX_SPEED: L·s ≤ 1e65; x ≤ 1e36: x² ≤ 1e72 — no overflow. The product
        // ⌊L·s/1e18⌋·(2/π·1e36) can pass 2²⁵⁶ (from L·s ≈ 1.8e59 on): there it is taken by mulDiv, which
        // rounds down to the same value; below, the plain product is cheaper and exact.
        uint256 ls = (limitNorm * speed) / UNIT;
        uint256 c =
            ls <= type(uint256).max / TWO_OVER_PI_36
                ? (ls * TWO_OVER_PI_36) / 1e36
                : mulDiv(ls, TWO_OVER_PI_36, 1e36);
        return (c * UNIT) / (UNIT + (x * x) / UNIT);
    }

    /// @notice g(h) and its slope Σ dterm/dh over all pledges (zero limits are skipped).
    /// @dev Quadratic slope terms are aⱼ = pⱼ'/(2√pⱼ) (skipped where √pⱼ rounds to 0; √pⱼ carries 27
    /// decimals, hence the 1e27); linear ones pⱼ'.
    /// @param quadratic True for quadratic mode, false for linear.
    /// @param limitsNorm The pledges' limits normalised to 18 decimals (0 = left out, e.g. withdrawn).
    /// @param speeds The pledges' speeds (UD60x18), aligned with `limitsNorm`.
    /// @param h The point (UD60x18, √token or token), ≤ MAX_H.
    /// @return g g(h) = Σ g-terms (G units: gPerH(quadratic) per unit of h), each rounded down.
    /// @return slope g'(h) (UD60x18, dimensionless: 1e18 = g grows as fast as h), each term rounded down.
    function gAndSlope(
        bool quadratic,
        uint256[] memory limitsNorm,
        uint256[] memory speeds,
        uint256 h
    ) internal pure returns (uint256 g, uint256 slope) {
        uint256 n = limitsNorm.length;
        for (uint256 j; j < n; ++j) {
            uint256 lim = limitsNorm[j];
            if (lim == 0) continue;
            uint256 a = saturation(h, speeds[j]);
            uint256 d = derivative(lim, speeds[j], h);
            if (quadratic) {
                uint256 root = quadraticTerm(lim, a);
                g += root;
                if (root > 0) slope += (d * 1e27) / (2 * root); // d ≤ 6.4e46: no overflow
            } else {
                g += linearTerm(lim, a);
                slope += d;
            }
        }
    }

    /// @notice The starting point of Newton: Σ√L (quadratic, √L = ⌊√(L·1e18)⌋) or ΣL (linear). g(h₀) ≤ h₀.
    /// @param quadratic True for quadratic mode, false for linear.
    /// @param limitsNorm The pledges' limits normalised to 18 decimals (0 = left out).
    /// @return h h₀ (UD60x18, √token or token), above or at the root since every payment is below its limit.
    function initialGuess(bool quadratic, uint256[] memory limitsNorm) internal pure returns (uint256 h) {
        uint256 n = limitsNorm.length;
        for (uint256 j; j < n; ++j) {
            h += quadratic ? sqrt(limitsNorm[j] * UNIT) : limitsNorm[j];
        }
    }

    /// @notice The positive root of g by Newton's method: h ← h + (g − h)/(1 − slope). Returns the largest
    /// iterate with g(h) ≥ h (a valid lower end of a settlement bracket): from the right it steps left;
    /// once an iterate lands on the left (g ≥ h) it steps right again while that step is ≥ 1 unit, so the
    /// result sits within the slope's rounding of the root even where 1 − slope is tiny (near the linear
    /// threshold); a step right of at most 1e-12 of h (the bracket width rule) is not taken. Stops when no
    /// step improves, or after MAX_NEWTON_ITERATIONS. 0 when no positive root
    /// exists; the last iterate if none landed on the left.
    /// @dev g is concave, so from h₀ ≥ root exact Newton iterates stay ≥ root and 1 − slope > 0; a
    /// rounded slope can overshoot to the left by (distance)·(slope error)/(1 − slope), which the steps
    /// to the right then recover. Steps are taken from the unrounded g − h (a g-unit is 1e-9 or 1e-18 of
    /// a unit of h) and round down, except that a step left is at least 1 unit.
    /// @param quadratic True for quadratic mode, false for linear.
    /// @param limitsNorm The pledges' limits normalised to 18 decimals (0 = left out, e.g. withdrawn).
    /// @param speeds The pledges' speeds (UD60x18), aligned with `limitsNorm`.
    /// @param sumLimitSpeed Σ L·s over the non-zero limits (1e36 = 1), for `hasPositiveRoot`.
    /// @return h The approximate root (UD60x18, √token or token, ≤ MAX_H), 0 when none exists.
    function solve(
        bool quadratic,
        uint256[] memory limitsNorm,
        uint256[] memory speeds,
        uint256 sumLimitSpeed
    ) internal pure returns (uint256 h) {
        if (!hasPositiveRoot(quadratic, sumLimitSpeed)) return 0;
        uint256 k = gPerH(quadratic);
        uint256 x = initialGuess(quadratic, limitsNorm);
        if (x > MAX_H) x = MAX_H;
        for (uint256 it; it < MAX_NEWTON_ITERATIONS; ++it) {
            (uint256 g, uint256 slope) = gAndSlope(quadratic, limitsNorm, speeds, x);
            uint256 target = x * k;
            if (g >= target) {
                h = x; // g(x) ≥ x: the best lower end so far (iterates on the left only move right)
                // Left of the root the slope is < 1 near it; otherwise there is no step to take.
                if (slope >= UNIT) break;
                // (g − x)/(1 − slope) in units of h, rounded down; g − target ≤ 1e56, so no overflow.
                uint256 up = ((g - target) * UNIT) / (k * (UNIT - slope));
                // Only a step the bracket width rule can see (> 1e-12 of h) is worth another pass.
                if (up <= x / BRACKET_RELATIVE || x + up > MAX_H) break;
                x += up;
            } else {
                // Right of the root the slope is < 1: (x − g)/(1 − slope) (x·k − g can reach 1e63, hence
                // mulDiv), at least 1 unit. If rounding says slope ≥ 1, take a plain fixed-point step
                // h ← g instead of dividing by a non-positive number.
                uint256 step = slope < UNIT ? mulDiv(target - g, UNIT, k * (UNIT - slope)) : (target - g) / k;
                if (step == 0) step = 1;
                // Stop when the step would not land above the best lower end (or 0).
                if (step >= x || x - step <= h) break;
                x -= step;
            }
        }
        if (h == 0) h = x;
    }

    /// @notice g(h) over memory columns (zero limits skipped): exactly the g the settlement pass sums.
    /// @param quadratic True for h = Σ√pᵢ(h), false for h = Σpᵢ(h).
    /// @param limitsNorm Limits normalised to 18 decimals (0 = withdrawn, skipped).
    /// @param speeds Saturation speeds (UD60x18, 1/√token or 1/token), one per limit.
    /// @param h The point to evaluate (UD60x18, √token or token).
    /// @return g Σ of the rounded-down terms at h (G units: gPerH(quadratic) per unit of h).
    function gAt(
        bool quadratic,
        uint256[] memory limitsNorm,
        uint256[] memory speeds,
        uint256 h
    ) internal pure returns (uint256 g) {
        uint256 n = limitsNorm.length;
        for (uint256 j; j < n; ++j) {
            uint256 lim = limitsNorm[j];
            if (lim == 0) continue;
            g += term(quadratic, lim, saturation(h, speeds[j]));
        }
    }

    /// @notice A bracket settlement accepts, found on-chain: g(hLow) ≥ hLow (hLow = 0 always qualifies,
    /// g(0) = 0), g(hHigh) ≤ hHigh ≤ MAX_H, and hHigh − hLow ≤ maxBracketWidth(hLow); g compared exactly
    /// (g ≥ h·gPerH). Every campaign with a positive root has one, since g is monotone: the largest h with
    /// g(h) ≥ h (or 0) and the next integer. `found` is false only when no positive root exists.
    /// @dev Newton (`solve`) lands on or just below the largest h with g(h) ≥ h. If rounding left it
    /// with g(h) < h, step down by 1, 2, 4, … wei (each such point is a valid upper end; 0 ends the walk).
    /// Otherwise try the widest allowed upper end; while g is still above it, that end is a better lower
    /// end and the next try doubles the distance. Finally bisect until the width rule holds. Every step
    /// keeps g(lo) ≥ lo and (once found) g(hi) ≤ hi, so the result is valid by construction; each loop
    /// at most doubles its step, so all are logarithmic in h (≤ 150 steps for h ≤ MAX_H ≈ 2¹⁵⁰) and in
    /// practice 2–4 passes follow Newton. hLow = 0 < hHigh settles at h = 0 after a pass certifies hHigh:
    /// the root lies within 4 wei of 0 (near the linear threshold, when g's resolution cannot see it).
    /// @param quadratic True for h = Σ√pᵢ(h), false for h = Σpᵢ(h).
    /// @param limitsNorm Limits normalised to 18 decimals (0 = withdrawn, skipped).
    /// @param speeds Saturation speeds (UD60x18), one per limit.
    /// @param sumLimitSpeed Σ Lᵢ·sᵢ over the active pledges (1e36 units), as `solve` takes it.
    /// @return found False when no positive root exists (then both ends are 0).
    /// @return hLow The lower end (UD60x18): g(hLow) ≥ hLow, or 0.
    /// @return hHigh The upper end (UD60x18): g(hHigh) ≤ hHigh, within the accepted width of hLow.
    function bracket(
        bool quadratic,
        uint256[] memory limitsNorm,
        uint256[] memory speeds,
        uint256 sumLimitSpeed
    ) internal pure returns (bool found, uint256 hLow, uint256 hHigh) {
        if (!hasPositiveRoot(quadratic, sumLimitSpeed)) return (false, 0, 0);
        uint256 k = gPerH(quadratic);
        uint256 lo = solve(quadratic, limitsNorm, speeds, sumLimitSpeed);
        uint256 hi; // 0 = no upper end yet
        uint256 gLo;
        uint256 step = 1;
        while (lo != 0) {
            gLo = gAt(quadratic, limitsNorm, speeds, lo);
            if (gLo >= lo * k) break;
            hi = lo;
            lo = lo > step ? lo - step : 0;
            step <<= 1;
        }
        if (hi == 0) {
            if (lo != 0 && gLo == lo * k) return (true, lo, lo);
            step = maxBracketWidth(lo);
            for (;;) {
                hi = lo + step;
                if (hi > MAX_H) hi = MAX_H;
                if (gAt(quadratic, limitsNorm, speeds, hi) <= hi * k) break;
                // g(hi) > hi: hi is a valid lower end, and the root lies further right.
                if (hi == MAX_H) return (false, 0, 0);
                lo = hi;
                step <<= 1;
            }
        }
        while (hi - lo > maxBracketWidth(lo)) {
            uint256 mid = lo + (hi - lo) / 2;
            if (gAt(quadratic, limitsNorm, speeds, mid) >= mid * k) lo = mid;
            else hi = mid;
        }
        return (true, lo, hi);
    }

    /// @notice Marginal leverage d(Σⱼpⱼ)/d(pᵢ) of pledge `i` at h, UD60x18.
    /// @dev Pledger i pays pᵢ + δ while every other payment follows h.
    /// Quadratic: h = √pᵢ + Σ_{j≠i}√pⱼ(h) ⇒ dh = dpᵢ/(2√pᵢ) + A₋ᵢ·dh ⇒ dh = dpᵢ/(2√pᵢ(1 − A₋ᵢ));
    ///   d(Σp) = dpᵢ + P'₋ᵢ·dh ⇒ leverage = 1 + P'₋ᵢ/(2√pᵢ(1 − A₋ᵢ)).
    /// Linear: h = pᵢ + Σ_{j≠i}pⱼ(h) ⇒ dh = dpᵢ + P'₋ᵢ·dh ⇒ dh = dpᵢ/(1 − P'₋ᵢ);
    ///   d(Σp) = dh (the pot is h) ⇒ leverage = 1 + P'₋ᵢ/(1 − P'₋ᵢ) = 1/(1 − P'₋ᵢ).
    /// Returns type(uint256).max when √pᵢ = 0 (quadratic) or the denominator is ≤ 0. Rounds down.
    /// @param quadratic True for quadratic mode, false for linear.
    /// @param limitsNorm The pledges' limits normalised to 18 decimals (0 = left out).
    /// @param speeds The pledges' speeds (UD60x18), aligned with `limitsNorm`.
    /// @param i The index of the pledge whose leverage is computed.
    /// @param h The point, normally the root (UD60x18, √token or token), ≤ MAX_H.
    /// @return The leverage (UD60x18, ≥ 1e18), or type(uint256).max for unbounded.
    function leverage(
        bool quadratic,
        uint256[] memory limitsNorm,
        uint256[] memory speeds,
        uint256 i,
        uint256 h
    ) internal pure returns (uint256) {
        uint256 aMinus;
        uint256 dMinus;
        uint256 n = limitsNorm.length;
        for (uint256 j; j < n; ++j) {
            uint256 lim = limitsNorm[j];
            if (j == i || lim == 0) continue;
            uint256 d = derivative(lim, speeds[j], h);
            dMinus += d;
            if (quadratic) {
                uint256 root = quadraticTerm(lim, saturation(h, speeds[j]));
                if (root > 0) aMinus += (d * 1e27) / (2 * root); // √p carries 27 decimals
            }
        }
        if (quadratic) {
            uint256 rootI = quadraticTerm(limitsNorm[i], saturation(h, speeds[i]));
            if (rootI == 0 || aMinus >= UNIT) return type(uint256).max;
            return UNIT + mulDiv(mulDiv(dMinus, 1e27, 2 * rootI), UNIT, UNIT - aMinus);
        }
        if (dMinus >= UNIT) return type(uint256).max;
        return (UNIT * UNIT) / (UNIT - dMinus);
    }

    /// @notice Σ payments (raw tokens, each rounded down) of the first `n` pledges at h; the raw limit
    /// is limitNorm / scale (exact, limitNorm = limit·scale).
    /// @param limitsNorm The pledges' limits normalised to 18 decimals (0 = left out).
    /// @param speeds The pledges' speeds (UD60x18), aligned with `limitsNorm`.
    /// @param scale 10^(18 − decimals) of the token.
    /// @param n How many leading entries to sum (≤ the columns' length).
    /// @param h The point (UD60x18, √token or token), ≤ MAX_H.
    /// @return pot Σ ⌊Lraw·A(h, s)⌋ in raw token units.
    function potAt(
        uint256[] memory limitsNorm,
        uint256[] memory speeds,
        uint256 scale,
        uint256 n,
        uint256 h
    ) internal pure returns (uint256 pot) {
        for (uint256 k; k < n; ++k) {
            pot += payment(limitsNorm[k] / scale, saturation(h, speeds[k]));
        }
    }

    /// @notice What a new pledge would do. It is the last entry of the columns (normalised limit and
    /// speed). Returns the new root, the pledge's payment there (raw tokens), the pot increase over
    /// the root without it (raw tokens, 0 if rounding makes it negative) and its leverage.
    /// @param quadratic True for quadratic mode, false for linear.
    /// @param limitsNorm The existing pledges' normalised limits (0 = left out), then the new one's last;
    /// the array is restored before returning.
    /// @param speeds The speeds (UD60x18) aligned with `limitsNorm`, the new pledge's last.
    /// @param sumLimitSpeed Σ L·s of the pledges before the new one.
    /// @param scale 10^(18 − decimals) of the token.
    /// @return h The root with the new pledge (UD60x18, √token or token).
    /// @return pay The new pledge's payment at h, raw tokens, rounded down.
    /// @return potIncrease The pot at h minus the pot without the pledge at its own root, raw tokens, ≥ 0.
    /// @return lev The new pledge's leverage at h (UD60x18; type(uint256).max for unbounded).
    function preview(
        bool quadratic,
        uint256[] memory limitsNorm,
        uint256[] memory speeds,
        uint256 sumLimitSpeed,
        uint256 scale
    ) internal pure returns (uint256 h, uint256 pay, uint256 potIncrease, uint256 lev) {
        uint256 n = limitsNorm.length - 1;
        uint256 newLimitNorm = limitsNorm[n];
        limitsNorm[n] = 0;
        h = solve(quadratic, limitsNorm, speeds, sumLimitSpeed);
        uint256 potBefore = potAt(limitsNorm, speeds, scale, n, h);
        limitsNorm[n] = newLimitNorm;
        h = solve(quadratic, limitsNorm, speeds, sumLimitSpeed + newLimitNorm * speeds[n]);
        pay = payment(newLimitNorm / scale, saturation(h, speeds[n]));
        uint256 potAfter = potAt(limitsNorm, speeds, scale, n + 1, h);
        potIncrease = potAfter > potBefore ? potAfter - potBefore : 0;
        lev = leverage(quadratic, limitsNorm, speeds, n, h);
    }
}
