// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {CoordinatedPledges} from "../CoordinatedPledges.sol";

/// @title MisrecordingPledges
/// @notice A CoordinatedPledges with faults planted for the auditor's tests: it can emit a refund claim
/// that pays nothing (a harness that mis-records), and send tokens away without any event.
/// @dev Warning: FOR TESTS ONLY. Both functions are open to anyone and break every invariant on purpose.
contract MisrecordingPledges is CoordinatedPledges {
    using SafeERC20 for IERC20;

    /// @notice Emits `RefundClaimed` for a pledge with the given figures, moving no tokens and
    /// changing no state.
    function recordPhantomClaim(
        uint256 campaignId,
        uint256 pledgeId,
        address pledger,
        uint256 refund,
        uint256 payment
    ) external {
        emit RefundClaimed(campaignId, pledgeId, pledger, refund, payment);
    }

    /// @notice Sends `amount` of `token` held by the contract to `to` without recording anything.
    function leak(address token, address to, uint256 amount) external {
        IERC20(token).safeTransfer(to, amount);
    }
}
