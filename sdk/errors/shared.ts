/**
 * Readable sentences for the custom errors both cofund contracts declare (token onboarding and exact
 * pulls), one sentence each.
 */
import type { AllocatorErrorSignature, PledgesErrorSignature } from "../generated/error-names";
import type { SentenceTable } from "./decoder";

export const SHARED_SENTENCES = {
  "ZeroAddress()": () => "The zero address is not allowed here",
  "TransferAmountMismatch(uint256,uint256)": (a, f) =>
    `The token delivered ${f.amount(a[1])} instead of ${f.amount(a[0])}; tokens with transfer fees are not supported`,
  "UnsupportedDecimals(uint8)": (a, f) => `The token has ${f.int(a[0])} decimals; at most 18 are supported`,
  "InvalidToken(address)": (a, f) => `${f.address(a[0])} is not an ERC-20 with decimals()`,
} satisfies SentenceTable<Extract<AllocatorErrorSignature, PledgesErrorSignature>>;
