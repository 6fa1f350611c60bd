/**
 * Sending a contract transaction and waiting for its receipt, on any node. Shared by the SDK's
 * clients (through sdk/client.ts) and the keeper's settlement port.
 *
 * A transaction can pass its gas estimate and still be mined reverted (another transaction changed
 * the state first). Its receipt carries no revert data, so ethers says only "transaction execution
 * reverted". `sendAndWait` then replays the same call (from, to, data, value, gas) with eth_call on
 * the state after its block, then before it, and attaches the revert data it finds as the error's
 * `data`, where the error decoder (sdk/errors/) reads it, so the custom error is named. The replay
 * is best effort: transactions later in the same block can change the state it sees.
 */
import type { ContractTransactionReceipt, ContractTransactionResponse, Provider } from "ethers";
import { findRevertData } from "./errors";

/** What every transaction returns. */
export interface TxInfo {
  txHash: string;
  gasUsed: bigint;
  blockNumber: number;
}

/** The receipt of a transaction mined reverted, found inside an ethers error. */
function revertedReceipt(error: unknown): { hash: string; blockNumber: number } | undefined {
  const receipt = (error as { receipt?: unknown } | null)?.receipt as
    { hash?: unknown; blockNumber?: unknown; status?: unknown } | null | undefined;
  if (receipt === null || receipt === undefined || receipt.status !== 0) return undefined;
  if (typeof receipt.hash !== "string" || typeof receipt.blockNumber !== "number") return undefined;
  return { hash: receipt.hash, blockNumber: receipt.blockNumber };
}

/**
 * The revert data of a transaction mined reverted (`error` is what ethers threw from `wait()`),
 * recovered by replaying its call; undefined when `error` is something else or it already has data.
 */
export async function minedRevertData(
  error: unknown,
  provider: Provider | null,
): Promise<string | undefined> {
  const receipt = revertedReceipt(error);
  if (receipt === undefined || provider === null) return undefined;
  const known = findRevertData(error);
  if (known !== undefined && known.length >= 10) return undefined;
  const tx = await provider.getTransaction(receipt.hash).catch(() => null);
  if (tx === null) return undefined;
  for (const blockTag of [receipt.blockNumber, receipt.blockNumber - 1]) {
    try {
      await provider.call({
        from: tx.from,
        to: tx.to,
        data: tx.data,
        value: tx.value,
        gasLimit: tx.gasLimit,
        blockTag,
      });
    } catch (replayed) {
      const data = findRevertData(replayed);
      if (data !== undefined && data.length >= 10) return data;
    }
  }
  return undefined;
}

/**
 * Sends (`fn`) and waits for the receipt. A transaction mined reverted is rethrown with its revert
 * data (see the module comment) as `data`, the original error as `cause`.
 */
export async function sendAndWait(
  fn: () => Promise<ContractTransactionResponse>,
  provider: Provider | null,
): Promise<{ receipt: ContractTransactionReceipt; info: TxInfo }> {
  const tx = await fn();
  let receipt: ContractTransactionReceipt | null;
  try {
    receipt = await tx.wait();
  } catch (error) {
    const data = await minedRevertData(error, provider ?? tx.provider);
    if (data === undefined) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw Object.assign(new Error(message, { cause: error }), { code: "CALL_EXCEPTION", data });
  }
  if (receipt === null) throw new Error(`Transaction ${tx.hash} was dropped`);
  return {
    receipt,
    info: { txHash: receipt.hash, gasUsed: receipt.gasUsed, blockNumber: receipt.blockNumber },
  };
}
