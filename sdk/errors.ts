/**
 * Decoding reverts into one readable sentence that names the error, e.g.
 * "Round 3 is still open until 2026-11-21 18:00 UTC (RoundNotOver)".
 *
 * Known errors: every custom error of IQuadraticFundingAllocator and of ICoordinatedPledges (a
 * sentence each; the pledges' sentences live in errors-pledges.ts), the OpenZeppelin
 * errors the contracts can bubble up (ERC-20, AccessControl, SafeERC20, permit/ECDSA, nonces, pause,
 * reentrancy, SafeCast, Address), PRBMath's overflow errors, `Error(string)` and `Panic(uint256)`.
 * Other contracts add their ABI with `registerErrorAbi` and sentences with `registerErrorSentences`
 * (the CLI registers the errors of every compiled artifact); a registered error without a sentence is shown generically as
 * "The contract rejected the call: ErrorName(arg, …)".
 */
import {
  AbiCoder,
  ErrorFragment,
  Interface,
  dataSlice,
  id,
  isHexString,
  type InterfaceAbi,
  type Result,
} from "ethers";
import { IQuadraticFundingAllocator__factory } from "../typechain-types/factories/contracts/interfaces/IQuadraticFundingAllocator__factory";
import { ICoordinatedPledges__factory } from "../typechain-types/factories/contracts/interfaces/ICoordinatedPledges.sol/ICoordinatedPledges__factory";
import { PLEDGES_ERROR_SENTENCES } from "./errors-pledges";
import { shortHex } from "./ids";
import { formatUnitsExact } from "./units";

/** What a sentence may use to be more readable. Everything is optional. */
export interface ErrorContext {
  /** Token decimals, to show amounts in token units (otherwise raw units). */
  decimals?: number;
  /** Token symbol shown after amounts. */
  symbol?: string;
  /** Maps a gap id to the name the user gave, to show names instead of hashes. */
  gapName?: (gapId: string) => string | undefined;
}

/** A decoded revert. */
export interface DecodedRevert {
  /** "custom" (a custom error of a known ABI), "reason" (Error(string)), "panic", "empty" (no data), "unknown" (unknown selector). */
  kind: "custom" | "reason" | "panic" | "empty" | "unknown";
  /** The error name ("RoundNotOver", "Error", "Panic", …); "" for empty data; the selector for unknown ones. */
  name: string;
  /** Full signature, e.g. "RoundNotOver(uint256,uint256)" (empty for "empty"/"unknown"). */
  signature: string;
  /** Decoded arguments in declaration order. */
  args: readonly unknown[];
  /** The raw revert data. */
  data: string;
  /** One readable sentence ending with the error name in parentheses. */
  message: string;
}

/** An on-chain rejection, decoded. `message` is the readable sentence. */
export class ContractRevertError extends Error {
  override readonly name = "ContractRevertError";
  /** The custom error's name (e.g. "RoundNotOver"), "Error", "Panic", "" or a selector. */
  readonly errorName: string;
  readonly signature: string;
  readonly args: readonly unknown[];
  readonly data: string;
  readonly kind: DecodedRevert["kind"];

  constructor(decoded: DecodedRevert, options?: { cause?: unknown }) {
    super(decoded.message, options);
    this.errorName = decoded.name;
    this.signature = decoded.signature;
    this.args = decoded.args;
    this.data = decoded.data;
    this.kind = decoded.kind;
  }
}

/** Turns a custom error's decoded arguments into a sentence (without the trailing "(ErrorName)"). */
export type Sentence = (args: Result, f: Formatter) => string;

/** Helpers sentences use to show values. */
export interface Formatter {
  /** An amount of the allocator's token (raw units) in token units with symbol when known. */
  amount(raw: unknown): string;
  /** A gap id as its name (when known) or shortened hex. */
  gap(id: unknown): string;
  /** A unix timestamp as "2026-11-21 18:00 UTC". */
  time(seconds: unknown): string;
  /** An address, checksummed as given. */
  address(value: unknown): string;
  /** A role id as its name when it is a known role. */
  role(id: unknown): string;
  /** An integer as a decimal string with thousands separators. */
  int(value: unknown): string;
}

// ─────────────────────────────────────────────── known ABIs

const OPENZEPPELIN_AND_MATH_ERRORS = [
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

const ROLE_NAMES = ["CURATOR_ROLE", "KEEPER_ROLE", "PAUSER_ROLE", "MINTER_ROLE", "SETTLER_ROLE"];

const PANIC_REASONS: Record<number, string> = {
  0x00: "a generic compiler panic",
  0x01: "an assertion failed",
  0x11: "an arithmetic operation overflowed or underflowed",
  0x12: "a division or modulo by zero",
  0x21: "a value out of range was converted to an enum",
  0x22: "an incorrectly encoded storage byte array was read",
  0x31: "pop() was called on an empty array",
  0x32: "an array was indexed out of bounds",
  0x41: "too much memory was allocated",
  0x51: "a zero-initialised internal function was called",
};

// ─────────────────────────────────────────────── sentences

const SENTENCES: Record<string, Sentence> = {
  // IQuadraticFundingAllocator
  "UnknownGap(bytes32)": (a, f) => `Gap ${f.gap(a[0])} is not registered`,
  "GapAlreadyRegistered(bytes32)": (a, f) => `Gap ${f.gap(a[0])} is already registered`,
  "GapIsClosed(bytes32)": (a, f) => `Gap ${f.gap(a[0])} is closed`,
  "GapNotClosed(bytes32)": (a, f) =>
    `Gap ${f.gap(a[0])} is still open; only contributions to a closed gap can be refunded`,
  "ZeroAmount()": () => "The amount must be greater than zero",
  "ZeroAddress()": () => "The zero address is not allowed here",
  "ZeroGapId()": () => "The gap id must not be zero",
  "AmountTooLarge(uint256,uint256)": (a, f) =>
    `The amount ${f.amount(a[0])} is larger than the ${f.amount(a[1])} the allocator's accounting supports`,
  "RoundNotOver(uint256,uint256)": (a, f) => `Round ${f.int(a[0])} is still open until ${f.time(a[1])}`,
  "RoundNotFinalized(uint256)": (a, f) => `Round ${f.int(a[0])} is not finalised yet`,
  "RoundAlreadySwept(uint256)": (a, f) => `Round ${f.int(a[0])} was already swept`,
  "GapsUnsettled(uint256,uint256,uint256)": (a, f) =>
    `Only ${f.int(a[1])} of round ${f.int(a[0])}'s ${f.int(a[2])} funded gaps have withdrawn; the round can be swept once all have`,
  "PoolTooSmall(uint256,uint256)": (a, f) =>
    `The matching pool holds ${f.amount(a[1])}, less than the ${f.amount(a[0])} requested`,
  "TransferAmountMismatch(uint256,uint256)": (a, f) =>
    `The token delivered ${f.amount(a[1])} instead of ${f.amount(a[0])}; tokens with transfer fees are not supported`,
  "UnsupportedDecimals(uint8)": (a, f) => `The token has ${f.int(a[0])} decimals; at most 18 are supported`,
  "InvalidToken(address)": (a, f) => `${f.address(a[0])} is not an ERC-20 with decimals()`,
  "InvalidRoundDuration(uint256)": (a, f) =>
    `A round duration of ${f.int(a[0])} seconds is not allowed (zero or too long)`,
  "InvalidCap(uint256)": (a, f) =>
    `A per-gap cap of ${f.int(a[0])} basis points is above the maximum of 10,000 (100%)`,
  "ContractPaused()": () => "The allocator is paused",
  "ContractNotPaused()": () => "The allocator is not paused",
  "NothingToWithdraw(bytes32)": (a, f) => `Gap ${f.gap(a[0])} has nothing to withdraw now`,
  "NothingToRefund(bytes32,address,uint256)": (a, f) =>
    `${f.address(a[1])} has nothing to refund from gap ${f.gap(a[0])} in round ${f.int(a[2])}`,
  "InvalidPerformData()": () => "The upkeep's performData could not be decoded",
  "GapIndexOutOfRange(uint256,uint256)": (a, f) =>
    `There is no gap at index ${f.int(a[0])}; ${f.int(a[1])} gaps are registered`,

  // OpenZeppelin
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

// ─────────────────────────────────────────────── registry

const fragments = new Map<string, ErrorFragment>();

/**
 * Adds the custom errors of an ABI (a TypeChain factory's `abi`, an artifact's `abi`, or
 * human-readable fragments) to the decoder. Errors already known keep their entry.
 */
export function registerErrorAbi(abi: InterfaceAbi | Interface): void {
  const iface = abi instanceof Interface ? abi : new Interface(abi);
  iface.forEachError((fragment) => {
    if (!fragments.has(fragment.selector)) fragments.set(fragment.selector, fragment);
  });
}

/**
 * Adds sentences, keyed by full signature ("CampaignNotOver(uint256,uint256)"). A sentence returns
 * the text without the trailing "(ErrorName)", which is appended.
 */
export function registerErrorSentences(sentences: Record<string, Sentence>): void {
  Object.assign(SENTENCES, sentences);
}

/** Whether a sentence exists for `signature` (tests check every allocator error has one). */
export function hasSentence(signature: string): boolean {
  return signature in SENTENCES;
}

registerErrorAbi(IQuadraticFundingAllocator__factory.abi);
registerErrorAbi(ICoordinatedPledges__factory.abi);
registerErrorSentences(PLEDGES_ERROR_SENTENCES);
registerErrorAbi(OPENZEPPELIN_AND_MATH_ERRORS);

// ─────────────────────────────────────────────── formatting

const ROLE_BY_ID = new Map<string, string>([["0x" + "0".repeat(64), "DEFAULT_ADMIN_ROLE"]]);

for (const name of ROLE_NAMES) ROLE_BY_ID.set(id(name), name); // keccak256(utf8(name)), as OpenZeppelin roles

function asBigInt(value: unknown): bigint | undefined {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
  return undefined;
}

/** "2026-11-21 18:00 UTC" (seconds shown when not zero). */
export function formatUtc(seconds: bigint | number): string {
  const ms = Number(seconds) * 1000;
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return `timestamp ${seconds.toString()}`;
  const iso = new Date(ms).toISOString(); // 2026-11-21T18:00:05.000Z
  const date = iso.slice(0, 10);
  const time = iso.slice(17, 19) === "00" ? iso.slice(11, 16) : iso.slice(11, 19);
  return `${date} ${time} UTC`;
}

function makeFormatter(ctx: ErrorContext): Formatter {
  return {
    amount(raw) {
      const value = asBigInt(raw);
      if (value === undefined) return String(raw);
      if (ctx.decimals === undefined) return `${value.toString()} raw units`;
      return `${formatUnitsExact(value, ctx.decimals)}${ctx.symbol !== undefined ? " " + ctx.symbol : " tokens"}`;
    },
    gap(id) {
      const hex = String(id);
      const name = ctx.gapName?.(hex.toLowerCase());
      return name !== undefined ? `"${name}"` : shortHex(hex);
    },
    time(seconds) {
      const value = asBigInt(seconds);
      return value === undefined ? String(seconds) : formatUtc(value);
    },
    address(value) {
      return String(value);
    },
    role(id) {
      const hex = String(id).toLowerCase();
      return ROLE_BY_ID.get(hex) ?? `role ${shortHex(hex)}`;
    },
    int(value) {
      const v = asBigInt(value);
      return v === undefined ? String(value) : v.toLocaleString("en-US");
    },
  };
}

function formatArg(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return `[${value.map(formatArg).join(", ")}]`;
  return String(value);
}

// ─────────────────────────────────────────────── decoding

const ERROR_STRING = "0x08c379a0"; // Error(string)
const PANIC = "0x4e487b71"; // Panic(uint256)

/** Decodes revert data (the bytes a reverted call returned) into a readable `DecodedRevert`. */
export function decodeRevertData(data: string, ctx: ErrorContext = {}): DecodedRevert {
  const coder = AbiCoder.defaultAbiCoder();
  if (data === "0x" || data === "") {
    return {
      kind: "empty",
      name: "",
      signature: "",
      args: [],
      data,
      message: "The transaction reverted without a reason",
    };
  }
  const selector = dataSlice(data, 0, 4).toLowerCase();
  try {
    if (selector === ERROR_STRING) {
      const [reason] = coder.decode(["string"], dataSlice(data, 4));
      return {
        kind: "reason",
        name: "Error",
        signature: "Error(string)",
        args: [reason],
        data,
        message: `Reverted: ${String(reason)}`,
      };
    }
    if (selector === PANIC) {
      const [code] = coder.decode(["uint256"], dataSlice(data, 4));
      const c = Number(code);
      const what = PANIC_REASONS[c] ?? "an unknown panic";
      return {
        kind: "panic",
        name: "Panic",
        signature: "Panic(uint256)",
        args: [code],
        data,
        message: `The contract panicked: ${what} (Panic 0x${c.toString(16).padStart(2, "0")})`,
      };
    }
    const fragment = fragments.get(selector);
    if (fragment !== undefined) {
      const args = coder.decode(fragment.inputs, dataSlice(data, 4));
      const signature = fragment.format("sighash");
      const sentence = SENTENCES[signature];
      const text =
        sentence !== undefined
          ? sentence(args, makeFormatter(ctx))
          : `${fragment.name}(${args.toArray().map(formatArg).join(", ")})`;
      return {
        kind: "custom",
        name: fragment.name,
        signature,
        args: args.toArray(),
        data,
        message:
          sentence !== undefined ? `${text} (${fragment.name})` : `The contract rejected the call: ${text}`,
      };
    }
  } catch {
    // malformed arguments: fall through to "unknown"
  }
  return {
    kind: "unknown",
    name: selector,
    signature: "",
    args: [],
    data,
    message: `The contract rejected the call with an unknown error ${selector} (data ${shortHex(data)})`,
  };
}

/**
 * Finds the revert data inside an error thrown by ethers, Hardhat's provider or a JSON-RPC node
 * (the `data` of the error or of a nested `error`/`info`/`cause`). Never looks into the failed
 * transaction itself (its `data` is calldata). Returns undefined when there is none.
 */
export function findRevertData(error: unknown, depth = 0): string | undefined {
  if (error === null || typeof error !== "object" || depth > 6) return undefined;
  const record = error as Record<string, unknown>;
  const data = record.data;
  if (typeof data === "string" && isHexString(data) && (data.length === 2 || data.length >= 10)) {
    if (data.length % 2 === 0) return data;
  }
  for (const key of ["data", "error", "info", "cause", "revert", "originalError"]) {
    const nested = record[key];
    if (nested !== null && typeof nested === "object") {
      const found = findRevertData(nested, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function looksLikeRevert(error: unknown): boolean {
  const text = error instanceof Error ? error.message : String(error);
  return /revert|CALL_EXCEPTION|execution reverted/i.test(text);
}

/** Decodes the revert inside `error`, or undefined when `error` is not a contract rejection. */
export function decodeRevert(error: unknown, ctx: ErrorContext = {}): DecodedRevert | undefined {
  if (error instanceof ContractRevertError) {
    return {
      kind: error.kind,
      name: error.errorName,
      signature: error.signature,
      args: error.args,
      data: error.data,
      message: error.message,
    };
  }
  const data = findRevertData(error);
  if (data !== undefined) {
    if (data === "0x" && !looksLikeRevert(error)) return undefined;
    return decodeRevertData(data, ctx);
  }
  return undefined;
}

/** `error` as a `ContractRevertError` when it is a contract rejection, otherwise unchanged. */
export function toRevertError(error: unknown, ctx: ErrorContext = {}): unknown {
  if (error instanceof ContractRevertError) return error;
  const decoded = decodeRevert(error, ctx);
  return decoded === undefined ? error : new ContractRevertError(decoded, { cause: error });
}

/**
 * One readable line for any error: the decoded revert when it is one, otherwise the error's short
 * message (ethers' `shortMessage`, or the first line of `message`).
 */
export function describeError(error: unknown, ctx: ErrorContext = {}): string {
  const decoded = decodeRevert(error, ctx);
  if (decoded !== undefined) return decoded.message;
  if (error !== null && typeof error === "object") {
    const record = error as Record<string, unknown>;
    if (record.code === "INSUFFICIENT_FUNDS") return "The account cannot pay for gas (insufficient funds)";
    if (record.code === "ECONNREFUSED" || /ECONNREFUSED/.test(String(record.message))) {
      return "Cannot reach the node (connection refused) — is it running?";
    }
    if (typeof record.shortMessage === "string") return record.shortMessage;
  }
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0] ?? text;
}
