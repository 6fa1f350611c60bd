// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";

// Hostile ERC-20s for the security tests (test/security.*.test.ts). Each one misbehaves in one way a
// real token does; `mint` is open to anyone. FOR TESTS ONLY.

/// @title HostileFeeToken
/// @notice Takes a fee of `feeBps` basis points on every transfer (burnt from the amount sent, so the
/// receiver gets less than the sender loses), like a fee-on-transfer or "dormant fee" token.
contract HostileFeeToken is ERC20 {
    /// @notice The fee in basis points of each transfer (mints and burns are free).
    uint256 public feeBps;

    /// @param feeBps_ The initial fee (0 = a dormant fee that `setFee` can switch on later).
    constructor(uint256 feeBps_) ERC20("Hostile Fee", "HFEE") {
        feeBps = feeBps_;
    }

    /// @notice Creates `amount` for `to`.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Changes the fee (anyone: this is a test token).
    function setFee(uint256 feeBps_) external {
        feeBps = feeBps_;
    }

    /// @dev Burns ⌊value·fee/10,000⌋ from the sender and moves the rest.
    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) return super._update(from, to, value);
        uint256 fee = (value * feeBps) / 10_000;
        if (fee != 0) super._update(from, address(0), fee);
        super._update(from, to, value - fee);
    }
}

/// @title HostileNoReturnToken
/// @notice A USDT-style token: `transfer`, `transferFrom` and `approve` return nothing, and `approve`
/// refuses to change a non-zero allowance to another non-zero value. Reverts on insufficient balance
/// or allowance. 6 decimals.
contract HostileNoReturnToken {
    /// @notice The balance is below the amount moved.
    error NoReturnInsufficientBalance(address from, uint256 balance, uint256 needed);
    /// @notice The allowance is below the amount moved.
    error NoReturnInsufficientAllowance(address spender, uint256 allowance, uint256 needed);
    /// @notice A non-zero allowance may only be set back to zero first (USDT's rule).
    error NoReturnAllowanceNotZero(address owner, address spender, uint256 allowance);

    /// @notice ERC-20 Transfer.
    event Transfer(address indexed from, address indexed to, uint256 value);
    /// @notice ERC-20 Approval.
    event Approval(address indexed owner, address indexed spender, uint256 value);

    /// @notice Raw balances.
    mapping(address account => uint256) public balanceOf;
    /// @notice Allowances.
    mapping(address owner => mapping(address spender => uint256)) public allowance;
    /// @notice Total supply.
    uint256 public totalSupply;

    /// @notice 6, as USDT.
    function decimals() external pure returns (uint8) {
        return 6;
    }

    /// @notice Creates `amount` for `to`.
    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
        totalSupply += amount;
        emit Transfer(address(0), to, amount);
    }

    /// @notice Sets an allowance; no return value.
    function approve(address spender, uint256 amount) external {
        uint256 current = allowance[msg.sender][spender];
        if (current != 0 && amount != 0) revert NoReturnAllowanceNotZero(msg.sender, spender, current);
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
    }

    /// @notice Moves `amount` from the caller; no return value.
    function transfer(address to, uint256 amount) external {
        _move(msg.sender, to, amount);
    }

    /// @notice Moves `amount` from `from` with an allowance; no return value.
    function transferFrom(address from, address to, uint256 amount) external {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed < amount) revert NoReturnInsufficientAllowance(msg.sender, allowed, amount);
        if (allowed != type(uint256).max) allowance[from][msg.sender] = allowed - amount;
        _move(from, to, amount);
    }

    function _move(address from, address to, uint256 amount) private {
        uint256 balance = balanceOf[from];
        if (balance < amount) revert NoReturnInsufficientBalance(from, balance, amount);
        balanceOf[from] = balance - amount;
        balanceOf[to] += amount;
        emit Transfer(from, to, amount);
    }
}

/// @title HostileFalseToken
/// @notice Returns `false` instead of reverting when a transfer fails (insufficient balance or
/// allowance), and on every transfer while `failAll` is set (a token whose issuer froze transfers).
/// A failed transfer moves nothing.
contract HostileFalseToken {
    /// @notice ERC-20 Transfer.
    event Transfer(address indexed from, address indexed to, uint256 value);
    /// @notice ERC-20 Approval.
    event Approval(address indexed owner, address indexed spender, uint256 value);

    /// @notice Raw balances.
    mapping(address account => uint256) public balanceOf;
    /// @notice Allowances.
    mapping(address owner => mapping(address spender => uint256)) public allowance;
    /// @notice Total supply.
    uint256 public totalSupply;
    /// @notice While set, every transfer returns false.
    bool public failAll;

    /// @notice 18.
    function decimals() external pure returns (uint8) {
        return 18;
    }

    /// @notice Creates `amount` for `to`.
    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
        totalSupply += amount;
        emit Transfer(address(0), to, amount);
    }

    /// @notice Makes every transfer fail (return false) or not.
    function setFailAll(bool failAll_) external {
        failAll = failAll_;
    }

    /// @notice Sets an allowance.
    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    /// @notice Moves `amount` from the caller, or returns false.
    function transfer(address to, uint256 amount) external returns (bool) {
        return _move(msg.sender, to, amount);
    }

    /// @notice Moves `amount` from `from` with an allowance, or returns false.
    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed < amount) return false;
        if (!_move(from, to, amount)) return false;
        if (allowed != type(uint256).max) allowance[from][msg.sender] = allowed - amount;
        return true;
    }

    function _move(address from, address to, uint256 amount) private returns (bool) {
        uint256 balance = balanceOf[from];
        if (failAll || balance < amount) return false;
        balanceOf[from] = balance - amount;
        balanceOf[to] += amount;
        emit Transfer(from, to, amount);
        return true;
    }
}

/// @title HostileZeroRevertToken
/// @notice Reverts on any transfer of zero tokens (some real tokens do).
contract HostileZeroRevertToken is ERC20 {
    /// @notice A zero-amount transfer was attempted.
    error ZeroTransfer(address from, address to);

    constructor() ERC20("Hostile Zero", "HZERO") {}

    /// @notice Creates `amount` for `to`.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @dev Rejects zero-amount transfers between accounts.
    function _update(address from, address to, uint256 value) internal override {
        if (value == 0 && from != address(0) && to != address(0)) revert ZeroTransfer(from, to);
        super._update(from, to, value);
    }
}

/// @title HostileBlocklistToken
/// @notice Its owner (the deployer) can block addresses; any transfer from or to a blocked address
/// reverts (USDC-style blocklist).
contract HostileBlocklistToken is ERC20 {
    /// @notice `account` is blocked.
    error Blocklisted(address account);
    /// @notice Only the owner may change the blocklist.
    error NotBlocklister(address caller);

    /// @notice Emitted when `account` is blocked or unblocked.
    event BlockedSet(address indexed account, bool blocked);

    address private immutable _OWNER;
    /// @notice Whether an address is blocked.
    mapping(address account => bool) public blocked;

    constructor() ERC20("Hostile Blocklist", "HBLK") {
        _OWNER = msg.sender;
    }

    /// @notice Creates `amount` for `to`.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Blocks or unblocks `account`. Only the deployer.
    function setBlocked(address account, bool blocked_) external {
        if (msg.sender != _OWNER) revert NotBlocklister(msg.sender);
        blocked[account] = blocked_;
        emit BlockedSet(account, blocked_);
    }

    /// @dev Transfers touching a blocked address revert.
    function _update(address from, address to, uint256 value) internal override {
        if (blocked[from]) revert Blocklisted(from);
        if (blocked[to]) revert Blocklisted(to);
        super._update(from, to, value);
    }
}

/// @title HostileReentrantToken
/// @notice Once armed, its next transfer (after the balances moved) calls `target` with `data` — a
/// transfer hook re-entering the contract that moves it. With `bubble`, the hook's revert bubbles up
/// and fails the transfer; without, the hook's outcome is recorded (`lastSuccess`, `lastReturnData`)
/// and the transfer goes on. Each arming fires once.
contract HostileReentrantToken is ERC20 {
    /// @notice The hook called `target`; `success` and `returnData` are its outcome.
    event ReentryAttempted(address indexed target, bool success, bytes returnData);

    /// @notice Where the next transfer calls (zero = disarmed).
    address public reentryTarget;
    /// @notice The calldata of that call.
    bytes public reentryData;
    /// @notice Whether the hook's revert fails the transfer.
    bool public bubble;
    /// @notice Outcome of the last hook call (when not bubbling).
    bool public lastSuccess;
    /// @notice Return or revert data of the last hook call (when not bubbling).
    bytes public lastReturnData;
    /// @notice Hook calls made so far.
    uint256 public attempts;

    constructor() ERC20("Hostile Reentrant", "HRE") {}

    /// @notice Creates `amount` for `to`.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Arms the hook for the next transfer.
    function arm(address target, bytes calldata data, bool bubble_) external {
        reentryTarget = target;
        reentryData = data;
        bubble = bubble_;
    }

    /// @notice Sends an approval from this token contract (so re-entered calls can pull from it).
    function approveFromToken(address spender, uint256 amount) external {
        _approve(address(this), spender, amount);
    }

    /// @dev Moves the balances, then fires the armed hook once.
    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        address target = reentryTarget;
        if (target == address(0) || from == address(0)) return;
        reentryTarget = address(0);
        ++attempts;
        if (bubble) {
            Address.functionCall(target, reentryData);
            return;
        }
        // solhint-disable-next-line avoid-low-level-calls
        (bool success, bytes memory returnData) = target.call(reentryData);
        lastSuccess = success;
        lastReturnData = returnData;
        emit ReentryAttempted(target, success, returnData);
    }
}
