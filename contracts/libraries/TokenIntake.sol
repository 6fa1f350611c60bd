// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ITokenErrors} from "../interfaces/ITokenErrors.sol";

/// @title TokenIntake
/// @notice Token onboarding and exact pulls, shared by both cofund contracts: a token is accepted when it
/// has code and answers `decimals()` with at most 18, and every pull must deliver exactly the amount asked
/// (fee-on-transfer tokens are rejected). The errors are ITokenErrors'.
/// @dev Internal functions only: inlined into each contract, nothing to link or deploy.
library TokenIntake {
    using SafeERC20 for IERC20;

    /// @notice The decimals of `token`, which must have code, answer `decimals()` and have at most 18.
    /// @dev Reverts with `InvalidToken` (no code, or no answer) or `UnsupportedDecimals` (> 18).
    /// @param token The token to onboard.
    /// @return decimals Its decimals (≤ 18).
    function decimalsOf(address token) internal view returns (uint8 decimals) {
        if (token.code.length == 0) revert ITokenErrors.InvalidToken(token);
        try IERC20Metadata(token).decimals() returns (uint8 d) {
            decimals = d;
        } catch {
            revert ITokenErrors.InvalidToken(token);
        }
        if (decimals > 18) revert ITokenErrors.UnsupportedDecimals(decimals);
    }

    /// @notice Pulls exactly `amount` of `token` from `from` into this contract.
    /// @dev Measures the balance before and after: a token that delivers anything else (a fee, a rebase,
    /// a balance that falls) reverts with `TransferAmountMismatch(amount, received)`.
    /// @param token The token.
    /// @param from The payer (who approved this contract).
    /// @param amount The raw amount to pull.
    function pullExact(IERC20 token, address from, uint256 amount) internal {
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(from, address(this), amount);
        uint256 afterBalance = token.balanceOf(address(this));
        uint256 received;
        unchecked {
            // The difference only when the balance grew (a falling balance received nothing).
            received = afterBalance > before ? afterBalance - before : 0;
        }
        if (received != amount) revert ITokenErrors.TransferAmountMismatch(amount, received);
    }
}
