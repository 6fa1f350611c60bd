/**
 * cofund's JSON-RPC resilience, as a Hardhat network hook (every connection: CLI, scripts, tests).
 *
 * - A read that fails in transport (socket closed, reset, timeout) is retried, up to
 *   {@link READ_RETRIES} times with a doubling pause, before the error reaches the caller.
 * - A write (eth_sendTransaction / eth_sendRawTransaction) is never retried: sending twice could
 *   pay twice.
 * - A write the node signs (eth_sendTransaction without `gas`) is simulated first (eth_estimateGas),
 *   as Hardhat's own node does: a call that would revert is answered with its revert data and never
 *   mined, whatever the node (anvil mines it, reverted, and its receipt carries no reason).
 * - A revert answered without its data (some nodes and hosted RPCs say only "execution reverted")
 *   is run again as eth_call with the same parameters, whose answer carries the data, so the custom
 *   error can be named. When its transport fails, the hook asks the node whether the transaction arrived
 *   and throws {@link InterruptedWriteError}, whose one-line message says whether it was sent,
 *   with its hash when known, and how to check it.
 */
import type { HookContext, NetworkHooks } from "hardhat/types/hooks";
import type { NetworkConnection } from "hardhat/types/network";
import type { JsonRpcRequest, JsonRpcResponse } from "hardhat/types/providers";
import { keccak256 } from "ethers";

/** How often a read is retried after a transport failure. */
export const READ_RETRIES = 3;
/** The first pause before a retry, in milliseconds (then doubled). */
export const FIRST_RETRY_MS = 200;

const WRITE_METHODS = new Set(["eth_sendTransaction", "eth_sendRawTransaction"]);

/** A write whose transport failed; `sent` tells whether the node has the transaction. */
export class InterruptedWriteError extends Error {
  constructor(
    readonly sent: boolean | undefined,
    readonly txHash: string | undefined,
    readonly url: string | undefined,
    cause: unknown,
  ) {
    const reason = transportReason(cause);
    const where = url !== undefined ? ` to ${url}` : "";
    const message =
      sent === true
        ? `The connection${where} broke (${reason}) after the transaction was sent: it is ${txHash ?? "in the node"}; check its receipt (eth_getTransactionReceipt) before sending again`
        : sent === false
          ? `The connection${where} broke (${reason}) and the node does not have the transaction: it was not sent; it is safe to run the command again`
          : `The connection${where} broke (${reason}) while sending a transaction and the node could not be asked whether it arrived${txHash !== undefined ? ` (hash ${txHash})` : ""}: check the sender's nonce (eth_getTransactionCount) before sending again`;
    super(message, { cause });
    this.name = "InterruptedWriteError";
  }
}

/** Whether an error is a transport failure worth retrying (not a refused connection). */
export function isTransientTransportError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 6; depth++) {
    const code = (e as { code?: unknown }).code;
    if (
      typeof code === "string" &&
      /^(ECONNRESET|EPIPE|ETIMEDOUT|UND_ERR_(SOCKET|CLOSED|HEADERS_TIMEOUT|BODY_TIMEOUT|CONNECT_TIMEOUT))$/.test(
        code,
      )
    ) {
      return true;
    }
    const number = (e as { descriptor?: { number?: unknown } }).descriptor?.number;
    if (number === 704) return true; // Hardhat's NETWORK_TIMEOUT
    const message = e instanceof Error ? e.message : "";
    if (/other side closed|socket hang up|socket closed|terminated|ECONNRESET|timed out/i.test(message))
      return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

function transportReason(error: unknown): string {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 6; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && code.startsWith("E")) return code;
    const cause = (e as { cause?: unknown }).cause;
    if (cause === undefined || cause === null) {
      return (e instanceof Error ? e.message : String(e)).split("\n")[0] ?? "transport error";
    }
    e = cause;
  }
  return "transport error";
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

type Next = (
  context: HookContext,
  connection: NetworkConnection<string>,
  request: JsonRpcRequest,
) => Promise<JsonRpcResponse>;

let nextId = 1_000_000_000;

/** A read through the rest of the chain, retried on transport failures. */
async function read(
  context: HookContext,
  connection: NetworkConnection<string>,
  request: JsonRpcRequest,
  next: Next,
): Promise<JsonRpcResponse> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await next(context, connection, request);
    } catch (error) {
      if (attempt >= READ_RETRIES || !isTransientTransportError(error)) throw error;
      await sleep(FIRST_RETRY_MS * 2 ** attempt);
    }
  }
}

async function ask<T>(
  context: HookContext,
  connection: NetworkConnection<string>,
  next: Next,
  method: string,
  params: unknown[],
): Promise<T | undefined> {
  try {
    const response = await read(context, connection, { jsonrpc: "2.0", id: nextId++, method, params }, next);
    return "result" in response ? (response.result as T) : undefined;
  } catch {
    return undefined;
  }
}

function connectionUrl(connection: NetworkConnection<string>): string | undefined {
  const config = connection.networkConfig as { type?: string; url?: unknown };
  return config.type === "http" && typeof config.url === "string" ? config.url : undefined;
}

/** Finds the hash of `from`'s transaction with `nonce` among the latest blocks. */
async function findSentHash(
  context: HookContext,
  connection: NetworkConnection<string>,
  next: Next,
  from: string,
  nonce: bigint,
): Promise<string | undefined> {
  const latest = await ask<string>(context, connection, next, "eth_blockNumber", []);
  if (latest === undefined) return undefined;
  for (let n = BigInt(latest), seen = 0; n >= 0n && seen < 8; n--, seen++) {
    const block = await ask<{ transactions: { hash: string; from: string; nonce: string }[] }>(
      context,
      connection,
      next,
      "eth_getBlockByNumber",
      ["0x" + n.toString(16), true],
    );
    const tx = block?.transactions.find((t) => t.from.toLowerCase() === from && BigInt(t.nonce) === nonce);
    if (tx !== undefined) return tx.hash;
  }
  return undefined;
}

type JsonRpcErrorObject = { code: number; message: string; data?: unknown };

function failure(response: JsonRpcResponse): JsonRpcErrorObject | undefined {
  return "error" in response && response.error !== undefined
    ? (response.error as JsonRpcErrorObject)
    : undefined;
}

/** Revert data in a JSON-RPC error (`data` as hex, or `data.data` as some nodes nest it). */
function revertData(error: JsonRpcErrorObject): string | undefined {
  const data = error.data;
  const hex =
    typeof data === "string"
      ? data
      : data !== null && typeof data === "object" && typeof (data as { data?: unknown }).data === "string"
        ? (data as { data: string }).data
        : undefined;
  return hex !== undefined && /^0x([0-9a-fA-F]{2}){4,}$/.test(hex) ? hex : undefined;
}

function isRevert(error: JsonRpcErrorObject): boolean {
  return error.code === 3 || /revert/i.test(error.message);
}

/**
 * A failed eth_estimateGas/eth_call/eth_sendTransaction answer that says "reverted" without the
 * revert data: the same call again as eth_call (at `block`), whose error carries the data, merged in.
 */
async function withRevertData(
  context: HookContext,
  connection: NetworkConnection<string>,
  next: Next,
  response: JsonRpcResponse,
  call: unknown,
  block: unknown = "latest",
): Promise<JsonRpcResponse> {
  const error = failure(response);
  if (error === undefined || !isRevert(error) || revertData(error) !== undefined) return response;
  if (call === null || typeof call !== "object") return response;
  const { gas: _gas, nonce: _nonce, ...params } = call as Record<string, unknown>;
  void _gas;
  void _nonce;
  try {
    const again = await read(
      context,
      connection,
      { jsonrpc: "2.0", id: nextId++, method: "eth_call", params: [params, block] },
      next,
    );
    const replayed = failure(again);
    const data = replayed !== undefined ? revertData(replayed) : undefined;
    if (data === undefined) return response;
    return { ...response, error: { ...error, code: error.code, data } } as JsonRpcResponse;
  } catch {
    return response;
  }
}

/** A read, with its revert data recovered when it is a call or an estimate that reverted. */
async function readCall(
  context: HookContext,
  connection: NetworkConnection<string>,
  request: JsonRpcRequest,
  next: Next,
): Promise<JsonRpcResponse> {
  const response = await read(context, connection, request, next);
  if (request.method !== "eth_call" && request.method !== "eth_estimateGas") return response;
  const params = (request.params ?? []) as unknown[];
  return withRevertData(context, connection, next, response, params[0], params[1] ?? "latest");
}

async function write(
  context: HookContext,
  connection: NetworkConnection<string>,
  request: JsonRpcRequest,
  next: Next,
): Promise<JsonRpcResponse> {
  const params = (request.params ?? []) as unknown[];
  if (request.method === "eth_sendRawTransaction") {
    try {
      return await next(context, connection, request);
    } catch (error) {
      if (!isTransientTransportError(error)) throw error;
      const hash = keccak256(String(params[0]));
      const tx = await ask<unknown>(context, connection, next, "eth_getTransactionByHash", [hash]);
      const known = await ask<string>(context, connection, next, "eth_blockNumber", []);
      throw new InterruptedWriteError(
        known === undefined ? undefined : tx !== null && tx !== undefined,
        hash,
        connectionUrl(connection),
        error,
      );
    }
  }
  const call = params[0] as { from?: unknown; gas?: unknown } | undefined;
  if (call !== undefined && call.gas === undefined) {
    // Simulate first: a call that would revert is answered with its revert data, never mined.
    const estimate = await readCall(
      context,
      connection,
      { jsonrpc: "2.0", id: nextId++, method: "eth_estimateGas", params: [call] },
      next,
    );
    const error = failure(estimate);
    if (error !== undefined && isRevert(error)) {
      return { jsonrpc: "2.0", id: request.id, error } as JsonRpcResponse;
    }
  }
  const from = String(call?.from ?? "").toLowerCase();
  const before =
    from !== ""
      ? await ask<string>(context, connection, next, "eth_getTransactionCount", [from, "pending"])
      : undefined;
  try {
    return await next(context, connection, request);
  } catch (error) {
    if (!isTransientTransportError(error) || before === undefined) throw error;
    const after = await ask<string>(context, connection, next, "eth_getTransactionCount", [from, "pending"]);
    if (after === undefined)
      throw new InterruptedWriteError(undefined, undefined, connectionUrl(connection), error);
    const sent = BigInt(after) > BigInt(before);
    const hash = sent ? await findSentHash(context, connection, next, from, BigInt(before)) : undefined;
    throw new InterruptedWriteError(sent, hash, connectionUrl(connection), error);
  }
}

export default async (): Promise<Partial<NetworkHooks>> => ({
  async onRequest(context, connection, request, next) {
    const conn = connection as NetworkConnection<string>;
    const forward = next as unknown as Next;
    // An in-process chain has no transport to fail: nothing to retry or to ask.
    if ((conn.networkConfig as { type?: string }).type !== "http") return forward(context, conn, request);
    return WRITE_METHODS.has(request.method)
      ? write(context, conn, request, forward)
      : readCall(context, conn, request, forward);
  },
});
