/**
 * The errors of the libraries and tokens the contracts call that can bubble up through them
 * (OpenZeppelin: ERC-20, AccessControl, SafeERC20, permit/ECDSA, nonces, pause, reentrancy, SafeCast,
 * Address; PRBMath's overflow errors): their ABI, for the decoder, and a sentence each.
 */
import type { Sentence } from "./decoder";

export const LIBRARY_ERRORS = [
  "error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)",
  "error ERC20InvalidSender(address sender)",
  "error ERC20InvalidReceiver(address receiver)",
  "error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed)",
  "error ERC20InvalidApprover(address approver)",
  "error ERC20InvalidSpender(address spender)",
  "error AccessControlUnauthorizedAccount(address account, bytes32 neededRole)",
  "error AccessControlBadConfirmation()",
  "error SafeERC20FailedOperation(address token)",
  "error SafeERC20FailedDecreaseAllowance(address spender, uint256 currentAllowance, uint256 requestedDecrease)",
  "error ERC2612ExpiredSignature(uint256 deadline)",
  "error ERC2612InvalidSigner(address signer, address owner)",
  "error ECDSAInvalidSignature()",
  "error ECDSAInvalidSignatureLength(uint256 length)",
  "error ECDSAInvalidSignatureS(bytes32 s)",
  "error InvalidAccountNonce(address account, uint256 currentNonce)",
  "error EnforcedPause()",
  "error ExpectedPause()",
  "error ReentrancyGuardReentrantCall()",
  "error AddressEmptyCode(address target)",
  "error FailedCall()",
  "error InsufficientBalance(uint256 balance, uint256 needed)",
  "error SafeCastOverflowedUintDowncast(uint8 bits, uint256 value)",
  "error SafeCastOverflowedIntToUint(int256 value)",
  "error SafeCastOverflowedIntDowncast(uint8 bits, int256 value)",
  "error SafeCastOverflowedUintToInt(uint256 value)",
  "error PRBMath_MulDiv18_Overflow(uint256 x, uint256 y)",
  "error PRBMath_MulDiv_Overflow(uint256 x, uint256 y, uint256 denominator)",
  "error PRBMath_UD60x18_Sqrt_Overflow(uint256 x)",
  "error PRBMath_UD60x18_Exp2_InputTooBig(uint256 x)",
  "error PRBMath_UD60x18_Log_InputTooSmall(uint256 x)",
  "error PRBMath_UD60x18_Convert_Overflow(uint256 x)",
];

export const LIBRARY_SENTENCES: Record<string, Sentence> = {
  "ERC20InsufficientBalance(address,uint256,uint256)": (a, f) =>
    `${f.address(a[0])} holds ${f.amount(a[1])} of the token but ${f.amount(a[2])} are needed`,
  "ERC20InvalidSender(address)": (a, f) => `The token cannot transfer from ${f.address(a[0])}`,
  "ERC20InvalidReceiver(address)": (a, f) => `The token cannot transfer to ${f.address(a[0])}`,
  "ERC20InsufficientAllowance(address,uint256,uint256)": (a, f) =>
    `The allowance of ${f.address(a[0])} is ${f.amount(a[1])} but ${f.amount(a[2])} are needed (approve more)`,
  "ERC20InvalidApprover(address)": (a, f) => `${f.address(a[0])} cannot approve`,
  "ERC20InvalidSpender(address)": (a, f) => `${f.address(a[0])} cannot be approved as a spender`,
  "AccessControlUnauthorizedAccount(address,bytes32)": (a, f) =>
    `${f.address(a[0])} does not have the ${f.role(a[1])} needed for this call`,
  "AccessControlBadConfirmation()": () => "An account can only renounce its own roles",
  "SafeERC20FailedOperation(address)": (a, f) =>
    `The token ${f.address(a[0])} refused the transfer (it returned false or is not a token)`,
  "SafeERC20FailedDecreaseAllowance(address,uint256,uint256)": (a, f) =>
    `The allowance of ${f.address(a[0])} is ${f.amount(a[1])}, less than the decrease of ${f.amount(a[2])}`,
  "ERC2612ExpiredSignature(uint256)": (a, f) => `The permit expired at ${f.time(a[0])}`,
  "ERC2612InvalidSigner(address,address)": (a, f) =>
    `The permit was signed by ${f.address(a[0])}, not by the owner ${f.address(a[1])}`,
  "ECDSAInvalidSignature()": () => "The signature is invalid",
  "ECDSAInvalidSignatureLength(uint256)": (a, f) =>
    `The signature has an invalid length of ${f.int(a[0])} bytes`,
  "ECDSAInvalidSignatureS(bytes32)": () => "The signature's s value is not in the lower half order",
  "InvalidAccountNonce(address,uint256)": (a, f) =>
    `The nonce of ${f.address(a[0])} is ${f.int(a[1])}, not the one signed`,
  "EnforcedPause()": () => "The contract is paused",
  "ExpectedPause()": () => "The contract is not paused",
  "ReentrancyGuardReentrantCall()": () => "Re-entering the contract is not allowed",
  "AddressEmptyCode(address)": (a, f) => `There is no contract at ${f.address(a[0])}`,
  "FailedCall()": () => "A call to another contract failed",
  "InsufficientBalance(uint256,uint256)": (a, f) =>
    `The contract holds ${f.int(a[0])} wei but ${f.int(a[1])} are needed`,
  "SafeCastOverflowedUintDowncast(uint8,uint256)": (a, f) =>
    `The value ${f.int(a[1])} does not fit in ${f.int(a[0])} bits`,
  "SafeCastOverflowedIntToUint(int256)": (a, f) => `The negative value ${f.int(a[0])} cannot be unsigned`,
  "SafeCastOverflowedIntDowncast(uint8,int256)": (a, f) =>
    `The value ${f.int(a[1])} does not fit in ${f.int(a[0])} bits`,
  "SafeCastOverflowedUintToInt(uint256)": (a, f) => `The value ${f.int(a[0])} does not fit in an int256`,
  "PRBMath_MulDiv18_Overflow(uint256,uint256)": () => "A fixed-point multiplication overflowed",
  "PRBMath_MulDiv_Overflow(uint256,uint256,uint256)": () =>
    "A fixed-point multiplication/division overflowed",
  "PRBMath_UD60x18_Sqrt_Overflow(uint256)": () => "A fixed-point square root input is too large",
  "PRBMath_UD60x18_Exp2_InputTooBig(uint256)": () => "A fixed-point exponential input is too large",
  "PRBMath_UD60x18_Log_InputTooSmall(uint256)": () => "A fixed-point logarithm input is below 1",
  "PRBMath_UD60x18_Convert_Overflow(uint256)": () => "A value is too large to convert to fixed point",
};
