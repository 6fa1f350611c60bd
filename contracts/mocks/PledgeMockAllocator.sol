// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title PledgeMockAllocator
/// @notice A stand-in QuadraticFundingAllocator for CoordinatedPledges tests: `contributeToGap` pulls a
/// configurable share of the amount (100% = a well-behaved allocator), or reverts.
contract PledgeMockAllocator {
    using SafeERC20 for IERC20;

    /// @notice Thrown by `contributeToGap` in reverting mode.
    error MockRejected(bytes32 gapId);

    address private immutable _TOKEN;
    /// @notice Share of the requested amount pulled, in basis points.
    uint256 public pullBps = 10_000;
    bool public rejecting;
    mapping(bytes32 gapId => uint256) public received;

    constructor(address token_) {
        _TOKEN = token_;
    }

    function token() external view returns (address) {
        return _TOKEN;
    }

    /// @notice Every gap is active (1) for the stand-in.
    function gapStatus(bytes32) external pure returns (uint8) {
        return 1;
    }

    function configure(uint256 pullBps_, bool rejecting_) external {
        pullBps = pullBps_;
        rejecting = rejecting_;
    }

    function contributeToGap(bytes32 gapId, uint256 amount) external returns (uint256) {
        if (rejecting) revert MockRejected(gapId);
        uint256 pulled = (amount * pullBps) / 10_000;
        received[gapId] += pulled;
        IERC20(_TOKEN).safeTransferFrom(msg.sender, address(this), pulled);
        return 1;
    }
}
