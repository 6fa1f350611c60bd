/**
 * Paying a contract from an ERC-20 balance without leaving an approval standing. Shared by the
 * SDK's clients: sdk/allocator.ts (contributions and pool funding, with permit) and sdk/pledges.ts
 * (pledges and raises, by exact approval: CoordinatedPledges has no permit entry point).
 *
 * The rules, in order; nothing is signed or sent until the call is known to succeed:
 * 1. the balance must cover the amount, else the token's own `ERC20InsufficientBalance` is thrown;
 * 2. the call is simulated (eth_call): a rejection by the spender itself (one of its own custom
 *    errors, e.g. `GapIsClosed`) is thrown as is. A rejection by the token (typically the missing
 *    allowance: the spender pulls the tokens after its own checks) means an allowance is needed;
 * 3. an allowance that already covers the amount is used as it is (no approval);
 * 4. with EIP-2612 permit (the token answers `nonces` and `eip712Domain`, and the spender has a
 *    permit entry point): a permit for exactly the amount is signed and the permit call simulated;
 *    when it would succeed it is sent, one transaction, no approval left standing;
 * 5. otherwise the allowance is raised to exactly the amount (only what is missing), the call sent,
 *    and if it still fails (the state changed in between), the previous allowance is restored.
 */
import { Signature, type Signer } from "ethers";
import type { ERC20Permit } from "../typechain-types";
import {
  ContractRevertError,
  decodeRevert,
  decodeRevertData,
  toRevertError,
  type ErrorContext,
} from "./errors";

/** An EIP-2612 permit, signed: what a permit entry point takes. */
export interface SignedPermit {
  value: bigint;
  deadline: bigint;
  v: number;
  r: string;
  s: string;
}

/** How a payment was authorised. */
export interface PaymentResult<T> {
  result: T;
  /** The approval sent first, when the allowance was short and permit could not be used. */
  approvalTxHash?: string;
  /** Whether the payment went through a signed permit (no approval transaction). */
  permit: boolean;
}

/** What `payFromBalance` needs. */
export interface PaymentRequest<T> {
  token: ERC20Permit;
  signer: Signer;
  /** The contract that pulls the tokens. */
  spender: string;
  amount: bigint;
  ctx: ErrorContext;
  /** Whether a decoded custom error is the spender's own (a reason the call fails whatever the allowance). */
  isSpenderError: (name: string) => boolean;
  /** The call as eth_call (rejects with the revert). */
  simulate: () => Promise<unknown>;
  /** The call, sent and mined. */
  send: () => Promise<T>;
  /** Sends `approve(spender, value)` and waits; returns its hash. */
  approve: (value: bigint) => Promise<string>;
  /** The permit entry point, when the spender has one. */
  permit?: {
    simulate: (p: SignedPermit) => Promise<unknown>;
    send: (p: SignedPermit) => Promise<T>;
    /** Seconds the permit stays valid after the latest block (default 3600). */
    validFor?: number;
  };
}

/** Whether `token` answers EIP-2612's `nonces(owner)` and EIP-5267's `eip712Domain()`. */
export async function supportsPermit(token: ERC20Permit, owner: string): Promise<boolean> {
  try {
    await Promise.all([token.nonces(owner), token.eip712Domain()]);
    return true;
  } catch {
    return false;
  }
}

/** EIP-2612's typed-data type of a permit: built once, here. */
export const PERMIT_TYPES = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

/** Signs an EIP-2612 permit of exactly `value` for `spender`, valid until `deadline` (unix seconds). */
export async function signPermitUntil(
  token: ERC20Permit,
  signer: Signer,
  spender: string,
  value: bigint,
  deadline: bigint,
): Promise<SignedPermit> {
  const owner = await signer.getAddress();
  const [domain, nonce] = await Promise.all([token.eip712Domain(), token.nonces(owner)]);
  const signature = await signer.signTypedData(
    {
      name: domain.name,
      version: domain.version,
      chainId: domain.chainId,
      verifyingContract: domain.verifyingContract,
    },
    PERMIT_TYPES,
    { owner, spender, value, nonce, deadline },
  );
  const sig = Signature.from(signature);
  return { value, deadline, v: sig.v, r: sig.r, s: sig.s };
}

/** Signs an EIP-2612 permit of exactly `value` for `spender`, valid `validFor` s after the latest block. */
export async function signPermit(
  token: ERC20Permit,
  signer: Signer,
  spender: string,
  value: bigint,
  validFor = 3600,
): Promise<SignedPermit> {
  const provider = signer.provider;
  if (provider === null) throw new Error("The signer has no provider");
  const block = await provider.getBlock("latest");
  if (block === null) throw new Error("Cannot read the latest block");
  return signPermitUntil(token, signer, spender, value, BigInt(block.timestamp + validFor));
}

/**
 * Simulates a call: "ok" when it would succeed, "allowance" when only the token refuses (an
 * allowance may be what is missing); a rejection by the spender itself is thrown, decoded.
 */
async function simulate(
  call: () => Promise<unknown>,
  ctx: ErrorContext,
  isSpenderError: (name: string) => boolean,
): Promise<"ok" | "allowance"> {
  try {
    await call();
    return "ok";
  } catch (error) {
    const decoded = decodeRevert(error, ctx);
    if (decoded === undefined) throw error; // not a revert (the node, the signer): as it is
    if (
      decoded.kind === "custom" &&
      isSpenderError(decoded.name) &&
      decoded.name !== "SafeERC20FailedOperation"
    )
      throw toRevertError(error, ctx);
    return "allowance";
  }
}

/** Pays `amount` by the rules of this module (see its comment). */
export async function payFromBalance<T>(req: PaymentRequest<T>): Promise<PaymentResult<T>> {
  const { token, spender, amount, ctx } = req;
  const owner = await req.signer.getAddress();
  let balance: bigint;
  let allowance: bigint;
  try {
    [balance, allowance] = await Promise.all([token.balanceOf(owner), token.allowance(owner, spender)]);
  } catch (error) {
    throw toRevertError(error, ctx);
  }
  if (balance < amount) {
    const data = token.interface.encodeErrorResult("ERC20InsufficientBalance", [owner, balance, amount]);
    throw new ContractRevertError(decodeRevertData(data, ctx));
  }
  const plain = await simulate(req.simulate, ctx, req.isSpenderError);
  if (plain === "ok" || allowance >= amount) return { result: await req.send(), permit: false };

  if (req.permit !== undefined && (await supportsPermit(token, owner))) {
    const signed = await signPermit(token, req.signer, spender, amount, req.permit.validFor);
    const permitted = req.permit;
    if ((await simulate(() => permitted.simulate(signed), ctx, req.isSpenderError)) === "ok") {
      return { result: await permitted.send(signed), permit: true };
    }
  }

  const approvalTxHash = await req.approve(amount);
  try {
    return { result: await req.send(), approvalTxHash, permit: false };
  } catch (error) {
    // Nothing may stay approved for a payment that did not happen.
    try {
      if ((await token.allowance(owner, spender)) !== allowance) await req.approve(allowance);
    } catch {
      // the original error matters more
    }
    throw error;
  }
}
