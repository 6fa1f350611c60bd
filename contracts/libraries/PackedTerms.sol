// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice A pledge's terms in one storage word: the limit (raw tokens) in bits 0–127, the speed
/// (UD60x18) in bits 128–223 and the withdrawn flag in bit 255. The settlement loop reads one word per
/// pledge. Built and read only through `PackedTermsLib` (attached globally).
type PackedTerms is uint256;

using PackedTermsLib for PackedTerms global;

/// @title PackedTermsLib
/// @notice Packs and reads `PackedTerms`: the only place that knows the layout of a pledge's word.
library PackedTermsLib {
    /// @dev Bit 255 marks the pledge withdrawn.
    uint256 private constant _WITHDRAWN = 1 << 255;
    uint256 private constant _MASK_128 = type(uint128).max;
    uint256 private constant _MASK_96 = type(uint96).max;

    /// @notice The terms of an active pledge.
    /// @param limit The limit in raw tokens (< 2¹²⁸).
    /// @param speed The speed (UD60x18, < 2⁹⁶).
    /// @return The packed word.
    function pack(uint256 limit, uint256 speed) internal pure returns (PackedTerms) {
        return PackedTerms.wrap((speed << 128) | limit);
    }

    /// @notice The limit in raw tokens (withdrawn pledges keep theirs).
    /// @param t The packed terms.
    /// @return The limit.
    function limitOf(PackedTerms t) internal pure returns (uint256) {
        return PackedTerms.unwrap(t) & _MASK_128;
    }

    /// @notice The speed (UD60x18), whatever the withdrawn flag.
    /// @param t The packed terms.
    /// @return The speed.
    function speedOf(PackedTerms t) internal pure returns (uint256) {
        return (PackedTerms.unwrap(t) >> 128) & _MASK_96;
    }

    /// @notice The speed of terms known not withdrawn (one masking less, for the settlement loop).
    /// @param t The packed terms, withdrawn flag clear.
    /// @return The speed.
    function activeSpeedOf(PackedTerms t) internal pure returns (uint256) {
        return PackedTerms.unwrap(t) >> 128;
    }

    /// @notice Whether the pledge was withdrawn.
    /// @param t The packed terms.
    /// @return True once withdrawn.
    function isWithdrawn(PackedTerms t) internal pure returns (bool) {
        return PackedTerms.unwrap(t) & _WITHDRAWN != 0;
    }

    /// @notice The same terms marked withdrawn.
    /// @param t The packed terms.
    /// @return The terms with the withdrawn flag set.
    function withdrawn(PackedTerms t) internal pure returns (PackedTerms) {
        return PackedTerms.wrap(PackedTerms.unwrap(t) | _WITHDRAWN);
    }

    /// @notice The same terms with `amount` added to the limit.
    /// @dev The caller keeps the new limit below 2¹²⁸ (the escrow cap does), so nothing carries into the
    /// speed: unchecked.
    /// @param t The packed terms.
    /// @param amount The raw tokens added to the limit.
    /// @return The raised terms.
    function raised(PackedTerms t, uint256 amount) internal pure returns (PackedTerms) {
        unchecked {
            return PackedTerms.wrap(PackedTerms.unwrap(t) + amount);
        }
    }
}
