/**
 * Cheap chain reads for the fuzzer's per-step view (`Harness.readView`, dozens of view calls a
 * step). On the in-process chain each `eth_call` costs far more in request handling than the view
 * itself, and ethers' Contract wrapper costs more again, so:
 *
 * - `viewsOf(contract, address)` exposes a TypeChain contract's view functions as plain async
 *   functions that encode with the contract's ABI and decode its answer exactly as a call through
 *   the contract would (a lone output unwrapped). Encoding is memoised per argument list and
 *   decoding per returned bytes: both are pure functions of those, and most reads repeat the step
 *   before's.
 * - The calls issued together (before the event loop turns) go to the chain as ONE `eth_call` to a
 *   tiny batch reader, placed by the call's state override (nothing is deployed, the chain is never
 *   changed), which STATICCALLs each target at the same block and returns every answer. If any call
 *   of a batch fails, each is sent again on its own, so every read resolves or rejects exactly as
 *   an individual `eth_call` would.
 */
import type { BaseContract, FunctionFragment } from "ethers";
import { connection } from "../helpers/chain";
import type { TypedContractMethod } from "../../typechain-types/common";

// ─────────────────────────────────────────────── the batch reader

const OPCODES: Record<string, number> = {
  ADD: 0x01,
  LT: 0x10,
  ISZERO: 0x15,
  SHR: 0x1c,
  CALLDATALOAD: 0x35,
  CALLDATASIZE: 0x36,
  CALLDATACOPY: 0x37,
  RETURNDATASIZE: 0x3d,
  RETURNDATACOPY: 0x3e,
  POP: 0x50,
  MSTORE: 0x52,
  JUMP: 0x56,
  JUMPI: 0x57,
  GAS: 0x5a,
  JUMPDEST: 0x5b,
  PUSH0: 0x5f,
  PUSH1: 0x60,
  DUP1: 0x80,
  DUP2: 0x81,
  DUP3: 0x82,
  DUP4: 0x83,
  DUP5: 0x84,
  DUP6: 0x85,
  DUP7: 0x86,
  SWAP1: 0x90,
  RETURN: 0xf3,
  STATICCALL: 0xfa,
  REVERT: 0xfd,
};

/**
 * Assembles EVM code: an opcode name, a number (pushed with PUSH1), ":label" (a JUMPDEST) or
 * "@label" (PUSH2 of the label's offset).
 */
export function assemble(program: (string | number)[]): string {
  const size = (x: string | number): number => (typeof x === "number" ? 2 : x.startsWith("@") ? 3 : 1);
  const labels = new Map<string, number>();
  let at = 0;
  for (const x of program) {
    if (typeof x === "string" && x.startsWith(":")) labels.set(x.slice(1), at);
    at += size(x);
  }
  const bytes: number[] = [];
  for (const x of program) {
    if (typeof x === "number") {
      if (x < 0 || x > 0xff) throw new Error(`PUSH1 ${x} out of range`);
      bytes.push(OPCODES.PUSH1, x);
    } else if (x.startsWith(":")) {
      bytes.push(OPCODES.JUMPDEST);
    } else if (x.startsWith("@")) {
      const target = labels.get(x.slice(1));
      if (target === undefined) throw new Error(`unknown label ${x}`);
      bytes.push(0x61, target >> 8, target & 0xff);
    } else {
      const op = OPCODES[x];
      if (op === undefined) throw new Error(`unknown opcode ${x}`);
      bytes.push(op);
    }
  }
  return "0x" + bytes.map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The batch reader's runtime code. Calldata is a sequence of calls, each the 20-byte target, its
 * calldata length (2 bytes) and its calldata; the answer is, per call in order, the length of its
 * return data (32 bytes) and the return data. The first call that fails makes the reader revert
 * with that call's revert data. Stack comments list the top first; i walks the calldata, o the
 * answer in memory (each call's calldata is copied to o + 32, where its answer then goes).
 */
export const READER_CODE = assemble([
  "PUSH0", // o = 0
  "PUSH0", // i = 0                                     [i, o]
  ":loop",
  "CALLDATASIZE",
  "DUP2",
  "LT", //                                              [i < size, i, o]
  "ISZERO",
  "@done",
  "JUMPI", //                                           [i, o]
  "DUP1",
  "CALLDATALOAD",
  96,
  "SHR", //                                             [to, i, o]
  "DUP2",
  20,
  "ADD",
  "CALLDATALOAD",
  240,
  "SHR", //                                             [len, to, i, o]
  "DUP1", //   size
  "DUP4",
  22,
  "ADD", //    offset i + 22
  "DUP6",
  32,
  "ADD", //    destination o + 32
  "CALLDATACOPY", //                                    [len, to, i, o]
  "PUSH0", //  retSize
  "PUSH0", //  retOffset
  "DUP3", //   argsSize = len
  "DUP7",
  32,
  "ADD", //    argsOffset = o + 32
  "DUP6", //   to
  "GAS",
  "STATICCALL", //                                      [ok, len, to, i, o]
  "ISZERO",
  "@fail",
  "JUMPI", //                                           [len, to, i, o]
  "RETURNDATASIZE",
  "DUP5",
  "MSTORE", // mem[o] = returned length
  "RETURNDATASIZE", // size
  "PUSH0", //  offset
  "DUP6",
  32,
  "ADD", //    destination o + 32
  "RETURNDATACOPY", //                                  [len, to, i, o]
  "SWAP1",
  "POP", //                                             [len, i, o]
  22,
  "ADD",
  "ADD", //                                             [i + 22 + len, o]
  "SWAP1",
  "RETURNDATASIZE",
  "ADD",
  32,
  "ADD", //                                             [o + 32 + returned, i']
  "SWAP1", //                                           [i', o']
  "@loop",
  "JUMP",
  ":done", //                                           [i, o]
  "POP",
  "PUSH0",
  "RETURN", // memory [0, o)
  ":fail",
  "RETURNDATASIZE",
  "PUSH0",
  "PUSH0",
  "RETURNDATACOPY",
  "RETURNDATASIZE",
  "PUSH0",
  "REVERT",
]);

/** Where the reader lives during a batched call (an address with no code on the test chain). */
export const READER_ADDRESS = "0x00000000000000000000000000000000ba7c4ead";

interface PendingRead {
  to: string;
  data: string;
  resolve: (raw: string) => void;
  reject: (error: unknown) => void;
}

async function ethCall(to: string, data: string, overrides?: object): Promise<string> {
  const params: unknown[] = [{ to, data }, "latest"];
  if (overrides) params.push(overrides);
  return (await connection.provider.request({ method: "eth_call", params })) as string;
}

/** Splits the reader's answer into each call's return data. */
export function splitAnswers(answer: string, count: number): string[] {
  const hex = answer.startsWith("0x") ? answer.slice(2) : answer;
  const out: string[] = [];
  let at = 0;
  for (let k = 0; k < count; k++) {
    const length = Number.parseInt(hex.slice(at, at + 64), 16);
    at += 64;
    out.push("0x" + hex.slice(at, at + 2 * length));
    at += 2 * length;
  }
  if (at !== hex.length || out.length !== count) throw new Error("batch reader: malformed answer");
  return out;
}

/** Encodes calls for the reader (see READER_CODE). */
export function readerInput(calls: { to: string; data: string }[]): string {
  let input = "0x";
  for (const c of calls) {
    const body = c.data.slice(2);
    if (body.length / 2 > 0xffff) throw new Error("batch reader: calldata over 65,535 bytes");
    input += c.to.slice(2).toLowerCase() + (body.length / 2).toString(16).padStart(4, "0") + body;
  }
  return input;
}

let queue: PendingRead[] = [];

async function flush(): Promise<void> {
  const calls = queue;
  queue = [];
  if (calls.length === 1) {
    const [c] = calls;
    await ethCall(c.to, c.data).then(c.resolve, c.reject);
    return;
  }
  let answers: string[] | undefined;
  try {
    const answer = await ethCall(READER_ADDRESS, readerInput(calls), {
      [READER_ADDRESS]: { code: READER_CODE },
    });
    answers = splitAnswers(answer, calls.length);
  } catch {
    // One call failed (or the batch ran out of gas): each on its own, to settle each as it would.
    await Promise.all(calls.map((c) => ethCall(c.to, c.data).then(c.resolve, c.reject)));
    return;
  }
  calls.forEach((c, k) => c.resolve(answers[k]));
}

/** An `eth_call` at the latest block, sent with the other reads issued in the same turn. */
export function batchedCall(to: string, data: string): Promise<string> {
  return new Promise((resolve, reject) => {
    if (queue.length === 0) setImmediate(() => void flush());
    queue.push({ to, data, resolve, reject });
  });
}

// ─────────────────────────────────────────────── typed views

/** The view functions of a TypeChain contract, as plain async functions. */
export type Views<C> = {
  [K in keyof C as C[K] extends TypedContractMethod<infer _A, infer _R, "view"> ? K : never]: C[K] extends (
    ...args: infer A
  ) => infer R
    ? (...args: A) => R
    : never;
};

/** `contract`'s view functions at `address`, read through {@link batchedCall}. */
export function viewsOf<C extends BaseContract>(contract: C, address: string): Views<C> {
  const iface = contract.interface;
  const functions = new Map<
    string,
    { fragment: FunctionFragment; calldata: Map<string, string>; decoded: Map<string, unknown> }
  >();
  return new Proxy({} as Views<C>, {
    get(_target, name) {
      if (typeof name !== "string") return undefined;
      return async (...args: unknown[]): Promise<unknown> => {
        let fn = functions.get(name);
        if (fn === undefined) {
          const fragment = iface.getFunction(name);
          if (fragment === null || !fragment.constant) throw new Error(`${name} is not a view function`);
          fn = { fragment, calldata: new Map(), decoded: new Map() };
          functions.set(name, fn);
        }
        const key = args.map(String).join(",");
        let data = fn.calldata.get(key);
        if (data === undefined) {
          data = iface.encodeFunctionData(fn.fragment, args);
          fn.calldata.set(key, data);
        }
        const raw = await batchedCall(address, data);
        if (!fn.decoded.has(raw)) {
          const result = iface.decodeFunctionResult(fn.fragment, raw);
          fn.decoded.set(raw, result.length === 1 ? result[0] : result);
        }
        return fn.decoded.get(raw);
      };
    },
  });
}
