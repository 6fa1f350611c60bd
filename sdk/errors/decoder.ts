/**
 * The error model's shared part: the types every sentence file uses (`ErrorContext`, `Formatter`,
 * `Sentence`, `DecodedRevert`, `ContractRevertError`), the registry of error ABIs and sentences, the
 * formatting helpers, and the decoder itself (`decodeRevertData`, `findRevertData`, `decodeRevert`,
 * `toRevertError`, `describeError`). It imports no sentence file: ./index.ts registers them.
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
import { ALLOCATOR_ERRORS, PLEDGES_ERRORS, ROLE_NAMES, type CofundErrorName } from "../generated/error-names";
import { shortHex } from "../ids";
import { formatUnitsExact } from "../units";

/** What a sentence may use to be more readable. Everything is optional. */
export interface ErrorContext {
  /** Token decimals, to show amounts in token units (otherwise raw units). */
  decimals?: number;
  /** Token symbol shown after amounts. */
  symbol?: string;
  /** Maps a gap id to the name the user gave, to show names instead of hashes. */
  gapName?: (gapId: string) => string | undefined;
}

/**
 * A decoded revert. `Name` is `string` unless narrowed: `isCofundRevert(d)` gives
 * `DecodedRevert<CofundErrorName>`, so code that matches a cofund error by name is checked by `tsc`.
 */
export interface DecodedRevert<Name extends string = string> {
  /** "custom" (a custom error of a known ABI), "reason" (Error(string)), "panic", "empty" (no data), "unknown" (unknown selector). */
  kind: "custom" | "reason" | "panic" | "empty" | "unknown";
  /** The error name ("RoundNotOver", "Error", "Panic", …); "" for empty data; the selector for unknown ones. */
  name: Name;
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

// ─────────────────────────────────────────────── panics

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

// ─────────────────────────────────────────────── registry

const fragments = new Map<string, ErrorFragment>();
const SENTENCES: Record<string, Sentence> = {};

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
export function registerErrorSentences(sentences: Readonly<Record<string, Sentence>>): void {
  Object.assign(SENTENCES, sentences);
}

/** Whether a sentence exists for `signature` (tests check every allocator error has one). */
export function hasSentence(signature: string): boolean {
  return signature in SENTENCES;
}

/** A table of sentences keyed by full signature; `S` limits the keys (a typo fails `tsc`). */
export type SentenceTable<S extends string = string> = Partial<Record<S, Sentence>>;

const COFUND_ERROR_NAMES: ReadonlySet<string> = new Set(
  [...ALLOCATOR_ERRORS, ...PLEDGES_ERRORS].map((fragment) => ErrorFragment.from(fragment).name),
);

/** Whether `name` is the name of a custom error of a cofund contract (sdk/generated/error-names.ts). */
export function isCofundErrorName(name: string): name is CofundErrorName {
  return COFUND_ERROR_NAMES.has(name);
}

/** Whether `decoded` is a custom error of a cofund contract; narrows its `name` to `CofundErrorName`. */
export function isCofundRevert(decoded: DecodedRevert): decoded is DecodedRevert<CofundErrorName> {
  return decoded.kind === "custom" && isCofundErrorName(decoded.name);
}

// ─────────────────────────────────────────────── formatting

/** The roles the contracts define (generated from their ABIs), by id. */
const ROLE_BY_ID = new Map<string, string>(
  // DEFAULT_ADMIN_ROLE is 0x00…00; the others keccak256(utf8(name)), as OpenZeppelin roles
  ROLE_NAMES.map((name) => [name === "DEFAULT_ADMIN_ROLE" ? "0x" + "0".repeat(64) : id(name), name]),
);

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

/**
 * An 18-decimal fixed-point value (UD60x18: speeds, decay, h, g(h)) as an exact decimal with
 * thousands separators in its integer part: 1.5e18 → "1.5", 1e24 → "1,000,000".
 */
export function formatFixed(value: unknown): string {
  if (typeof value !== "bigint") return String(value);
  const [whole, fraction] = formatUnitsExact(value, 18).split(".");
  const grouped = BigInt(whole ?? "0").toLocaleString("en-US");
  return fraction !== undefined ? `${grouped}.${fraction}` : grouped;
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
    // A browser wallet's "no" (EIP-1193 code 4001; ethers names it ACTION_REJECTED).
    if (record.code === "ACTION_REJECTED" || record.code === 4001)
      return "The request was rejected in the wallet";
    if (record.code === "ECONNREFUSED" || /ECONNREFUSED/.test(String(record.message))) {
      return "Cannot reach the node (connection refused) — is it running?";
    }
    if (typeof record.shortMessage === "string") return record.shortMessage;
  }
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0] ?? text;
}
