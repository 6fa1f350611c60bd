// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title TestToken
/// @notice An ERC-20 with EIP-2612 permit and configurable decimals for local networks, tests, the
/// demo and the benchmarks.
/// @dev Warning: FOR LOCAL NETWORKS AND TESTS ONLY. `mint` is open to anyone, so the token has no
/// value and no supply control; never deploy it where it could be mistaken for a real token. The
/// deploy script only deploys it on local networks unless `TOKEN_ADDRESS` names a real token.
contract TestToken is ERC20, ERC20Permit {
    uint8 private immutable _DECIMALS;

    /// @param name_ The token's name (also the EIP-712 domain name used by permits).
    /// @param symbol_ The token's symbol.
    /// @param decimals_ The token's decimals (any value; the allocator itself rejects more than 18).
    constructor(
        string memory name_,
        string memory symbol_,
        uint8 decimals_
    ) ERC20(name_, symbol_) ERC20Permit(name_) {
        _DECIMALS = decimals_;
    }

    /// @notice Creates `amount` raw units for `to`. Anyone may call it: this is a test token.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @inheritdoc ERC20
    function decimals() public view override returns (uint8) {
        return _DECIMALS;
    }
}
