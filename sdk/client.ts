/**
 * What `AllocatorClient` and `PledgesClient` share: a TypeChain contract handle, the runner (a
 * provider for reads, a signer for writes), reverts rethrown as one readable sentence, sending and
 * waiting (a write mined reverted still names its error, sdk/tx.ts), and decoding the contract's own
 * events from a receipt. Only types are imported here: each client passes the decoder and the sender
 * (`ClientLib`), so the pledges client can keep loading them lazily.
 */
import type {
  BaseContract,
  ContractRunner,
  ContractTransactionReceipt,
  ContractTransactionResponse,
  Provider,
  Signer,
} from "ethers";
import type { TypedContractEvent, TypedLogDescription } from "../typechain-types/common";
import type { ErrorContext } from "./errors";
import type { TxInfo } from "./tx";

/** The events a TypeChain contract declares (its `filters`), by name. */
type EventsOf<C> = C extends { filters: infer F } ? F : never;

/** The name of an event of contract `C`. */
export type EventName<C> = Extract<keyof EventsOf<C>, string>;

/** Event `N` of contract `C` decoded from a log, its arguments typed as TypeChain declares them. */
export type DecodedEvent<C, N extends EventName<C>> = TypedLogDescription<
  EventsOf<C>[N] extends TypedContractEvent ? EventsOf<C>[N] : never
>;

/** The arguments `keys` of a decoded event, by name, as a plain object. */
export function eventFields<A extends object, K extends keyof A>(args: A, ...keys: K[]): Pick<A, K> {
  const out = {} as Pick<A, K>;
  for (const key of keys) out[key] = args[key];
  return out;
}

/** The decoder and the sender a client uses. */
export interface ClientLib {
  toRevertError: (error: unknown, ctx?: ErrorContext) => unknown;
  sendAndWait: (
    fn: () => Promise<ContractTransactionResponse>,
    provider: Provider | null,
  ) => Promise<{ receipt: ContractTransactionReceipt; info: TxInfo }>;
}

/** The plumbing of a client of one contract. */
export abstract class ContractClient<C extends BaseContract> {
  protected constructor(
    readonly contract: C,
    readonly address: string,
    readonly runner: ContractRunner,
    protected readonly lib: ClientLib,
  ) {}

  /** The context error sentences use when a call gives none (token units, known names). */
  protected defaultErrorContext(): ErrorContext | undefined {
    return undefined;
  }

  /** The runner as a signer, or a one-line error saying the client can only read. */
  protected signer(): Signer {
    const runner = this.runner as Partial<Signer>;
    if (typeof runner.getAddress !== "function" || typeof runner.sendTransaction !== "function") {
      throw new Error(
        "This client was connected with a provider; connect it with a signer to send transactions",
      );
    }
    return this.runner as Signer;
  }

  /** Runs a read or write, rethrowing reverts as `ContractRevertError` with a readable message. */
  protected async guard<T>(fn: () => Promise<T>, ctx?: ErrorContext): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw this.lib.toRevertError(error, ctx ?? this.defaultErrorContext());
    }
  }

  /** Sends a transaction and waits for its receipt (a mined revert still names its error: sdk/tx.ts). */
  protected async send(
    fn: () => Promise<ContractTransactionResponse>,
    ctx?: ErrorContext,
  ): Promise<{ receipt: ContractTransactionReceipt; info: TxInfo }> {
    return this.guard(() => this.lib.sendAndWait(fn, this.runner.provider ?? null), ctx);
  }

  /**
   * The contract's events named `name` in `receipt`, decoded by the contract's ABI (the one place
   * its logs are decoded: the arguments' types are TypeChain's for that ABI).
   */
  protected events<N extends EventName<C>>(
    receipt: ContractTransactionReceipt,
    name: N,
  ): DecodedEvent<C, N>[] {
    const out: DecodedEvent<C, N>[] = [];
    for (const log of receipt.logs) {
      if (log.address.toLowerCase() !== this.address.toLowerCase()) continue;
      const parsed = this.contract.interface.parseLog(log);
      if (parsed !== null && parsed.name === name) out.push(parsed as unknown as DecodedEvent<C, N>);
    }
    return out;
  }

  /** The first event `name` in `receipt`, or an error saying the transaction emitted none. */
  protected event<N extends EventName<C>>(receipt: ContractTransactionReceipt, name: N): DecodedEvent<C, N> {
    const found = this.events(receipt, name)[0];
    if (found === undefined) throw new Error(`Transaction ${receipt.hash} emitted no ${name} event`);
    return found;
  }
}
