// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {QuadraticFundingAllocator} from "../QuadraticFundingAllocator.sol";

/// @title MisrecordingAllocator
/// @notice A QuadraticFundingAllocator with two faults planted for the auditor's tests: it can emit a
/// `ContributionMade` for tokens it never received (a harness that mis-records), and it can send tokens
/// away without any event (a contract that holds a wrong balance).
/// @dev Warning: FOR TESTS ONLY. Both functions are open to anyone and break every invariant on purpose.
contract MisrecordingAllocator is QuadraticFundingAllocator {
    using SafeERC20 for IERC20;

    IERC20 private immutable _LEAK_TOKEN;

    /// @param token_ The ERC-20 (as for the allocator).
    /// @param roundDuration_ Minimum round length in seconds.
    /// @param admin Receives every role.
    constructor(
        address token_,
        uint256 roundDuration_,
        address admin
    ) QuadraticFundingAllocator(token_, roundDuration_, admin) {
        _LEAK_TOKEN = IERC20(token_);
    }

    /// @notice Emits a contribution of `amount` by `msg.sender` to `gapId` in `round` that moves no
    /// tokens and changes no state (the recorded round total and weight are `amount` and 0).
    function recordPhantomContribution(bytes32 gapId, uint256 round, uint256 amount) external {
        emit ContributionMade(gapId, msg.sender, round, amount, amount, 0);
    }

    /// @notice Sends `amount` of the allocator's tokens to `to` without recording anything.
    function leak(address to, uint256 amount) external {
        _LEAK_TOKEN.safeTransfer(to, amount);
    }
}
