// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PledgeMath} from "../libraries/PledgeMath.sol";

/// @title PledgeMathHarness
/// @notice Exposes PledgeMath's internal functions for tests and benchmarks. Not deployed.
contract PledgeMathHarness {
    function saturation(uint256 h, uint256 speed) external pure returns (uint256) {
        return PledgeMath.saturation(h, speed);
    }

    function payment(uint256 limit, uint256 a) external pure returns (uint256) {
        return PledgeMath.payment(limit, a);
    }

    function term(bool quadratic, uint256 limitNorm, uint256 a) external pure returns (uint256) {
        return PledgeMath.term(quadratic, limitNorm, a);
    }

    function nextSpeed(uint256 speed, uint256 decay) external pure returns (uint256) {
        return PledgeMath.nextSpeed(speed, decay);
    }

    function hasPositiveRoot(bool quadratic, uint256 sumLimitSpeed) external pure returns (bool) {
        return PledgeMath.hasPositiveRoot(quadratic, sumLimitSpeed);
    }

    function maxBracketWidth(uint256 hLow) external pure returns (uint256) {
        return PledgeMath.maxBracketWidth(hLow);
    }

    function derivative(uint256 limitNorm, uint256 speed, uint256 h) external pure returns (uint256) {
        return PledgeMath.derivative(limitNorm, speed, h);
    }

    function gAndSlope(
        bool quadratic,
        uint256[] calldata limitsNorm,
        uint256[] calldata speeds,
        uint256 h
    ) external pure returns (uint256 g, uint256 slope) {
        return PledgeMath.gAndSlope(quadratic, limitsNorm, speeds, h);
    }

    function bracket(
        bool quadratic,
        uint256[] calldata limitsNorm,
        uint256[] calldata speeds,
        uint256 sumLimitSpeed
    ) external pure returns (bool found, uint256 hLow, uint256 hHigh) {
        return PledgeMath.bracket(quadratic, limitsNorm, speeds, sumLimitSpeed);
    }

    function solve(
        bool quadratic,
        uint256[] calldata limitsNorm,
        uint256[] calldata speeds,
        uint256 sumLimitSpeed
    ) external pure returns (uint256) {
        return PledgeMath.solve(quadratic, limitsNorm, speeds, sumLimitSpeed);
    }

    function leverage(
        bool quadratic,
        uint256[] calldata limitsNorm,
        uint256[] calldata speeds,
        uint256 i,
        uint256 h
    ) external pure returns (uint256) {
        return PledgeMath.leverage(quadratic, limitsNorm, speeds, i, h);
    }

    function preview(
        bool quadratic,
        uint256[] calldata limitsNorm,
        uint256[] calldata speeds,
        uint256 sumLimitSpeed,
        uint256 scale
    ) external pure returns (uint256 h, uint256 pay, uint256 potIncrease, uint256 lev) {
        return PledgeMath.preview(quadratic, limitsNorm, speeds, sumLimitSpeed, scale);
    }
}
