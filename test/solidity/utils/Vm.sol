// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Vm
/// @notice The cheatcodes these tests use, at the standard cheatcode address (Hardhat 3 / EDR implement
/// them with the Foundry ABI). Only what the suites call is declared.
interface Vm {
    /// @notice Sets block.timestamp.
    function warp(uint256 newTimestamp) external;

    /// @notice The next call (only) is made from `sender`.
    function prank(address sender) external;

    /// @notice The next call must revert with exactly this revert data.
    function expectRevert(bytes calldata revertData) external;

    /// @notice Discards the current fuzz input when `condition` is false.
    function assume(bool condition) external pure;

    /// @notice Names `account` in traces.
    function label(address account, string calldata newLabel) external;

    /// @notice The address of private key `privateKey`.
    function addr(uint256 privateKey) external pure returns (address);

    /// @notice Signs `digest` with `privateKey` (secp256k1).
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
}

/// @dev address(uint160(uint256(keccak256("hevm cheat code")))).
address constant VM_ADDRESS = 0x7109709ECfa91a80626fF3989D68f67F5b1DD12D;
