/**
 * Decoding reverts into one readable sentence that names the error, e.g.
 * "Round 3 is still open until 2026-11-21 18:00 UTC (RoundNotOver)".
 *
 * Known errors: every custom error QuadraticFundingAllocator and CoordinatedPledges can revert with
 * (their ABIs, generated into sdk/generated/error-names.ts by `npm run gen:errors`), the OpenZeppelin
 * errors the contracts can bubble up (ERC-20, AccessControl, SafeERC20, permit/ECDSA, nonces, pause,
 * reentrancy, SafeCast, Address), PRBMath's overflow errors, `Error(string)` and `Panic(uint256)`.
 * Other contracts add their ABI with `registerErrorAbi` and sentences with `registerErrorSentences`
 * (the CLI registers the errors of every compiled artifact); a registered error without a sentence is
 * shown generically as "The contract rejected the call: ErrorName(arg, …)".
 *
 * Module map (one sentence per error, in exactly one file):
 * - ./decoder.ts: shared types, registry, formatting helpers and the decoder;
 * - ./allocator.ts: the errors only the allocator declares;
 * - ./pledges.ts: the errors only the pledges contract declares;
 * - ./shared.ts: the errors both contracts declare;
 * - ./libraries.ts: OpenZeppelin's and PRBMath's errors (ABI and sentences);
 * - this index: registers them all and is the one import path (`sdk/errors`).
 */
import { ALLOCATOR_ERRORS, PLEDGES_ERRORS } from "../generated/error-names";
import { ALLOCATOR_SENTENCES } from "./allocator";
import { registerErrorAbi, registerErrorSentences } from "./decoder";
import { LIBRARY_ERRORS, LIBRARY_SENTENCES } from "./libraries";
import { PLEDGES_SENTENCES } from "./pledges";
import { SHARED_SENTENCES } from "./shared";

registerErrorAbi(ALLOCATOR_ERRORS);
registerErrorAbi(PLEDGES_ERRORS);
registerErrorAbi(LIBRARY_ERRORS);
for (const table of [ALLOCATOR_SENTENCES, PLEDGES_SENTENCES, SHARED_SENTENCES, LIBRARY_SENTENCES]) {
  registerErrorSentences(table);
}

export {
  ContractRevertError,
  decodeRevert,
  decodeRevertData,
  describeError,
  findRevertData,
  formatFixed,
  formatUtc,
  hasSentence,
  isCofundErrorName,
  isCofundRevert,
  registerErrorAbi,
  registerErrorSentences,
  toRevertError,
  type DecodedRevert,
  type ErrorContext,
  type Formatter,
  type Sentence,
  type SentenceTable,
} from "./decoder";
export type {
  AllocatorErrorName,
  AllocatorErrorSignature,
  CofundErrorName,
  PledgesErrorName,
  PledgesErrorSignature,
} from "../generated/error-names";
