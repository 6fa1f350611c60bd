// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Vm, VM_ADDRESS} from "./Vm.sol";

/// @title TestBase
/// @notice The small test base of these suites: the cheatcode handle, `bound`, and assertions that
/// revert with a message naming both values (a reverting test function fails in Hardhat's runner).
abstract contract TestBase {
    Vm internal constant vm = Vm(VM_ADDRESS);

    /// @dev Marks the contract as a test contract for runners that look for it.
    bool public constant IS_TEST = true;

    // ─────────────────────────────────────────────── inputs

    /// @dev Maps any `x` into [lo, hi]. Values already inside stay unchanged (so the fuzzer's
    /// dictionary values and edge cases survive); others wrap around modulo the range size.
    function bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        require(lo <= hi, "bound: lo > hi");
        if (x >= lo && x <= hi) return x;
        uint256 size = hi - lo;
        if (size == type(uint256).max) return x;
        return lo + (x % (size + 1));
    }

    /// @dev A pseudo-random word derived from `seed` and `salt` (to spread one fuzzed word over many
    /// decisions).
    function mix(uint256 seed, uint256 salt) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(seed, salt)));
    }

    // ─────────────────────────────────────────────── assertions

    function fail(string memory message) internal pure {
        revert(message);
    }

    function assertTrue(bool condition, string memory message) internal pure {
        if (!condition) revert(message);
    }

    function assertFalse(bool condition, string memory message) internal pure {
        if (condition) revert(message);
    }

    function assertEq(uint256 a, uint256 b, string memory message) internal pure {
        if (a != b) revert(string.concat(message, ": ", toString(a), " != ", toString(b)));
    }

    function assertEq(bool a, bool b, string memory message) internal pure {
        if (a != b) revert(string.concat(message, ": ", a ? "true" : "false", " != ", b ? "true" : "false"));
    }

    function assertEq(address a, address b, string memory message) internal pure {
        if (a != b) revert(string.concat(message, ": ", toHex(uint160(a)), " != ", toHex(uint160(b))));
    }

    function assertEq(bytes32 a, bytes32 b, string memory message) internal pure {
        if (a != b) revert(string.concat(message, ": ", toHex(uint256(a)), " != ", toHex(uint256(b))));
    }

    function assertSelector(bytes4 a, bytes4 b, string memory message) internal pure {
        if (a != b) revert(string.concat(message, ": ", toHex(uint32(a)), " != ", toHex(uint32(b))));
    }

    function assertLe(uint256 a, uint256 b, string memory message) internal pure {
        if (a > b) revert(string.concat(message, ": ", toString(a), " > ", toString(b)));
    }

    function assertGe(uint256 a, uint256 b, string memory message) internal pure {
        if (a < b) revert(string.concat(message, ": ", toString(a), " < ", toString(b)));
    }

    function assertLt(uint256 a, uint256 b, string memory message) internal pure {
        if (a >= b) revert(string.concat(message, ": ", toString(a), " >= ", toString(b)));
    }

    function assertGt(uint256 a, uint256 b, string memory message) internal pure {
        if (a <= b) revert(string.concat(message, ": ", toString(a), " <= ", toString(b)));
    }

    /// @dev |a − b| ≤ tolerance.
    function assertApproxEq(uint256 a, uint256 b, uint256 tolerance, string memory message) internal pure {
        uint256 d = a > b ? a - b : b - a;
        if (d > tolerance) {
            revert(
                string.concat(message, ": |", toString(a), " - ", toString(b), "| > ", toString(tolerance))
            );
        }
    }

    /// @dev The 4-byte selector at the head of revert data (0 when shorter).
    function selectorOf(bytes memory revertData) internal pure returns (bytes4 sel) {
        if (revertData.length < 4) return bytes4(0);
        assembly ("memory-safe") {
            sel := mload(add(revertData, 32))
        }
    }

    /// @dev "Panic(0x11)", "error 0x1234abcd" or "empty revert" for revert data.
    function describeRevert(bytes memory revertData) internal pure returns (string memory) {
        bytes4 sel = selectorOf(revertData);
        if (sel == 0x4e487b71 && revertData.length == 36) {
            uint256 code;
            assembly ("memory-safe") {
                code := mload(add(revertData, 36))
            }
            return string.concat("Panic(", toHex(code), ")");
        }
        if (revertData.length >= 4) return string.concat("error ", toHex(uint32(sel)));
        return "empty revert";
    }

    // ─────────────────────────────────────────────── formatting

    function toString(uint256 value) internal pure returns (string memory) {
        if (value == 0) return "0";
        uint256 digits;
        for (uint256 v = value; v != 0; v /= 10) ++digits;
        bytes memory out = new bytes(digits);
        for (uint256 v = value; v != 0; v /= 10) out[--digits] = bytes1(uint8(48 + (v % 10)));
        return string(out);
    }

    function toHex(uint256 value) internal pure returns (string memory) {
        if (value == 0) return "0x0";
        uint256 nibbles;
        for (uint256 v = value; v != 0; v >>= 4) ++nibbles;
        bytes memory out = new bytes(nibbles + 2);
        out[0] = "0";
        out[1] = "x";
        bytes memory digits = "0123456789abcdef";
        for (uint256 i = 0; i < nibbles; ++i) {
            out[nibbles + 1 - i] = digits[(value >> (4 * i)) & 0xf];
        }
        return string(out);
    }
}
