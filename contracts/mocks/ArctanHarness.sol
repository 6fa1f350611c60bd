// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {UD60x18} from "@prb/math/src/UD60x18.sol";
import {Arctan} from "../libraries/Arctan.sol";

/// @title ArctanHarness
/// @notice Test and benchmark access to the internal `Arctan` library (not deployed in production).
contract ArctanHarness {
    /// @notice `Arctan.atan` on a UD60x18.
    function atan(UD60x18 x) external pure returns (UD60x18) {
        return Arctan.atan(x);
    }

    /// @notice `Arctan.atanRaw` on a plain 1e18-scaled integer.
    function atanRaw(uint256 x) external pure returns (uint256) {
        return Arctan.atanRaw(x);
    }

    /// @notice `Arctan.atan` of many inputs in one call (keeps differential tests fast).
    function atanBatch(uint256[] calldata xs) external pure returns (uint256[] memory results) {
        results = new uint256[](xs.length);
        for (uint256 i = 0; i < xs.length; ++i) {
            results[i] = UD60x18.unwrap(Arctan.atan(UD60x18.wrap(xs[i])));
        }
    }

    /// @notice Gas of one `Arctan.atan` call, harness overhead subtracted: the gasleft() difference
    /// around the call minus the same difference around a call of an empty function of the same shape.
    /// @return gasUsed Gas of the library call alone.
    /// @return result The call's result (so that the call cannot be optimised away).
    function measureGas(uint256 x) public view returns (uint256 gasUsed, uint256 result) {
        uint256 g0 = gasleft();
        result = UD60x18.unwrap(Arctan.atan(UD60x18.wrap(x)));
        uint256 g1 = gasleft();
        uint256 echo = UD60x18.unwrap(_empty(UD60x18.wrap(x)));
        uint256 g2 = gasleft();
        // The empty call must not be optimised away either; it returns its input.
        if (echo != x) result = type(uint256).max;
        gasUsed = (g0 - g1) - (g1 - g2);
    }

    /// @notice `measureGas` for many inputs.
    function measureGasBatch(
        uint256[] calldata xs
    ) external view returns (uint256[] memory gasUsed, uint256[] memory results) {
        gasUsed = new uint256[](xs.length);
        results = new uint256[](xs.length);
        for (uint256 i = 0; i < xs.length; ++i) {
            (gasUsed[i], results[i]) = measureGas(xs[i]);
        }
    }

    /// @dev The baseline: same signature as `Arctan.atan`, no work.
    function _empty(UD60x18 x) private pure returns (UD60x18) {
        return x;
    }
}
