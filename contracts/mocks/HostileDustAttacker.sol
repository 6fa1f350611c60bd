// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ICoordinatedPledges} from "../interfaces/ICoordinatedPledges.sol";

/// @title HostileDustAttacker
/// @notice Bloats a CoordinatedPledges campaign with many minimum pledges in few transactions (the
/// attacker pays every pledge's gas and escrow), then claims them back. FOR TESTS ONLY.
contract HostileDustAttacker {
    /// @notice Approves `pledges` to pull this contract's `token`.
    function approve(IERC20 token, address pledges) external {
        token.approve(pledges, type(uint256).max);
    }

    /// @notice Makes `n` pledges of `limit` raw tokens each in campaign `campaignId`.
    function pledgeMany(ICoordinatedPledges pledges, uint256 campaignId, uint256 limit, uint256 n) external {
        for (uint256 k; k < n; ++k) pledges.pledge(campaignId, limit);
    }

    /// @notice Claims pledges `from` … `to − 1` of campaign `campaignId` (refunds come back here).
    function claimMany(ICoordinatedPledges pledges, uint256 campaignId, uint256 from, uint256 to) external {
        for (uint256 k = from; k < to; ++k) pledges.claim(campaignId, k);
    }
}
