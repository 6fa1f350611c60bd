/**
 * Sending a transaction from the app: pending → confirmed (hash and gas) or the SDK's one-sentence
 * error, shown in a live region next to the action.
 */
import { useState, type ReactElement } from "react";
import { describeError } from "../../../sdk/errors";
import { formatUnitsDisplay } from "../../../sdk/units";

/** What the SDK's write methods return (every one carries these). */
interface Sent {
  txHash?: string;
  gasUsed?: bigint;
  transactions?: { txHash: string; gasUsed: bigint }[];
  /** The exact approval sent first (never an unlimited one), or whether a permit was signed instead. */
  approvalTxHash?: string;
  permit?: boolean;
}

type TxState =
  | { kind: "idle" }
  | { kind: "pending"; label: string }
  | { kind: "done"; label: string; hash?: string; gas?: bigint; note?: string; how?: string }
  | { kind: "failed"; label: string; sentence: string };

/** A transaction runner and its status line. */
export function useTx(): {
  busy: boolean;
  run: <T extends Sent>(
    label: string,
    send: () => Promise<T>,
    note?: (result: T) => string,
  ) => Promise<T | undefined>;
  status: ReactElement | null;
} {
  const [state, setState] = useState<TxState>({ kind: "idle" });
  const run = async <T extends Sent>(
    label: string,
    send: () => Promise<T>,
    note?: (result: T) => string,
  ): Promise<T | undefined> => {
    setState({ kind: "pending", label });
    try {
      const result = await send();
      const last = result.transactions?.at(-1);
      setState({
        kind: "done",
        label,
        hash: result.txHash ?? last?.txHash,
        gas: result.gasUsed,
        note: note?.(result),
        how:
          result.approvalTxHash !== undefined
            ? `after an approval of exactly this amount (tx ${result.approvalTxHash.slice(0, 10)}…)`
            : result.permit === true
              ? "by a signed permit (no approval)"
              : undefined,
      });
      return result;
    } catch (error) {
      setState({ kind: "failed", label, sentence: describeError(error) });
      return undefined;
    }
  };
  const status =
    state.kind === "idle" ? null : (
      <p
        className={`tx tx-${state.kind}`}
        role={state.kind === "failed" ? "alert" : "status"}
        data-testid="tx-status"
      >
        {state.kind === "pending" && <>{state.label}: waiting for the wallet and the chain…</>}
        {state.kind === "done" && (
          <>
            {state.label}: confirmed{state.hash !== undefined && <> · tx {state.hash.slice(0, 10)}…</>}
            {state.gas !== undefined && <> · gas {formatUnitsDisplay(state.gas, 0)}</>}
            {state.note !== undefined && <> · {state.note}</>}
            {state.how !== undefined && <> · {state.how}</>}
          </>
        )}
        {state.kind === "failed" && (
          <>
            {state.label} failed: {state.sentence}
          </>
        )}
      </p>
    );
  return { busy: state.kind === "pending", run, status };
}
