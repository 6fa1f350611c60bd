/**
 * What `AllocatorClient` and `PledgesClient` share: a TypeChain contract handle, the runner (a
 * provider for reads, a signer for writes), reverts rethrown as one readable sentence, sending and
 * waiting (a write mined reverted still names its error, sdk/tx.ts), paying the contract from the
 * signer's balance (sdk/approvals.ts), and decoding the contract's own events from a receipt. Only
 * types are imported here: each client passes the decoder, the sender and the payer (`ClientLib`),
 * so the pledges client can keep loading them lazily.
 */
import type {
  BaseContract,
  ContractRunner,
  ContractTransactionReceipt,
  ContractTransactionResponse,
  Provider,
  Signer,
} from "ethers";
import type { ERC20Permit } from "../typechain-types";
import type { TypedContractEvent, TypedLogDescription } from "../typechain-types/common";
import type { PaymentRequest, PaymentResult } from "./approvals";
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

/** The decoder, the sender and the payer a client uses. */
export interface ClientLib {
  toRevertError: (error: unknown, ctx?: ErrorContext) => unknown;
  sendAndWait: (
    fn: () => Promise<ContractTransactionResponse>,
    provider: Provider | null,
  ) => Promise<{ receipt: ContractTransactionReceipt; info: TxInfo }>;
  payFromBalance: <T>(req: PaymentRequest<T>) => Promise<PaymentResult<T>>;
}

/** A payment into the client's contract: what `ContractClient.pay` takes. */
export interface Payment<T> {
  token: ERC20Permit;
  amount: bigint;
  ctx: ErrorContext;
  /** `false`: send the call as it is (no balance, allowance or simulation checks). */
  approve?: boolean;
  /** The call as eth_call, and sent and mined. */
  simulate: () => Promise<unknown>;
  send: () => Promise<T>;
  /** The contract's permit entry point, when the payment may use one. */
  permit?: PaymentRequest<T>["permit"];
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
   * Pays `amount` of `token` into the contract by a call, by the rules of sdk/approvals.ts: nothing
   * signed or sent for a call that would fail (a rejection by the contract's own errors is thrown),
   * permit when given and the token has it, else an allowance raised to exactly the amount and put
   * back if the call still fails. `approve: false` sends the call as it is.
   */
  protected async pay<T>(p: Payment<T>): Promise<PaymentResult<T>> {
    if (p.approve === false) return { result: await p.send(), permit: false };
    const spenderErrors = this.contract.interface;
    return this.lib.payFromBalance({
      token: p.token,
      signer: this.signer(),
      spender: this.address,
      amount: p.amount,
      ctx: p.ctx,
      isSpenderError: (name) => spenderErrors.getError(name) !== null,
      simulate: p.simulate,
      send: p.send,
      approve: async (value) =>
        (await this.send(() => p.token.approve(this.address, value), p.ctx)).info.txHash,
      ...(p.permit !== undefined ? { permit: p.permit } : {}),
    });
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
