// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ITokenErrors
/// @notice The token errors both cofund contracts raise, declared once: token onboarding (a token with
/// no code, no `decimals()` or more than 18 decimals), exact pulls (fee-on-transfer tokens) and zero
/// addresses. `IQuadraticFundingAllocator` and `ICoordinatedPledges` inherit them, so each contract's ABI
/// still lists them.
interface ITokenErrors {
    /// @notice A zero address was given where an address is needed.
    error ZeroAddress();
    /// @notice The token has `decimals` > 18.
    error UnsupportedDecimals(uint8 decimals);
    /// @notice `token` has no code or does not answer `decimals()`.
    error InvalidToken(address token);
    /// @notice The token delivered `received` instead of `expected` (fee-on-transfer tokens are unsupported).
    error TransferAmountMismatch(uint256 expected, uint256 received);
}
