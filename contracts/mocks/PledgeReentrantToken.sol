// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";

/// @title PledgeReentrantToken
/// @notice An ERC-20 whose transfers, once armed, call `target` with `data` (a re-entry attempt into
/// CoordinatedPledges) and bubble up its revert. For tests only.
contract PledgeReentrantToken is ERC20 {
    address public reentryTarget;
    bytes public data;

    constructor() ERC20("Reentrant", "RE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function arm(address target_, bytes calldata data_) external {
        reentryTarget = target_;
        data = data_;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        address t = reentryTarget;
        if (t != address(0) && from != address(0)) {
            reentryTarget = address(0);
            Address.functionCall(t, data);
        }
    }
}
