/**
 * Readable sentences for the custom errors only QuadraticFundingAllocator declares
 * (IQuadraticFundingAllocator). The errors both contracts declare have their one sentence in
 * ./shared.ts; OpenZeppelin's and PRBMath's in ./libraries.ts.
 */
import type { AllocatorErrorSignature } from "../generated/error-names";
import type { SentenceTable } from "./decoder";

export const ALLOCATOR_SENTENCES = {
  "UnknownGap(bytes32)": (a, f) => `Gap ${f.gap(a[0])} is not registered`,
  "GapAlreadyRegistered(bytes32)": (a, f) => `Gap ${f.gap(a[0])} is already registered`,
  "GapIsClosed(bytes32)": (a, f) => `Gap ${f.gap(a[0])} is closed`,
  "GapNotClosed(bytes32)": (a, f) =>
    `Gap ${f.gap(a[0])} is still open; only contributions to a closed gap can be refunded`,
  "ZeroAmount()": () => "The amount must be greater than zero",
  "ZeroGapId()": () => "The gap id must not be zero",
  "AmountTooLarge(uint256,uint256)": (a, f) =>
    `The amount ${f.amount(a[0])} is larger than the ${f.amount(a[1])} the allocator's accounting supports`,
  "RoundNotOver(uint256,uint256)": (a, f) => `Round ${f.int(a[0])} is still open until ${f.time(a[1])}`,
  "RoundNotFinalized(uint256)": (a, f) => `Round ${f.int(a[0])} is not finalised yet`,
  "RoundAlreadySwept(uint256)": (a, f) => `Round ${f.int(a[0])} was already swept`,
  "GapsUnsettled(uint256,uint256,uint256)": (a, f) =>
    `Only ${f.int(a[1])} of round ${f.int(a[0])}'s ${f.int(a[2])} funded gaps have withdrawn; the round can be swept once all have`,
  "PoolTooSmall(uint256,uint256)": (a, f) =>
    `The matching pool holds ${f.amount(a[1])}, less than the ${f.amount(a[0])} requested`,
  "InvalidRoundDuration(uint256)": (a, f) =>
    `A round duration of ${f.int(a[0])} seconds is not allowed (zero or too long)`,
  "InvalidCap(uint256)": (a, f) =>
    `A per-gap cap of ${f.int(a[0])} basis points is above the maximum of 10,000 (100%)`,
  "ContractPaused()": () => "The allocator is paused",
  "ContractNotPaused()": () => "The allocator is not paused",
  "NothingToWithdraw(bytes32)": (a, f) => `Gap ${f.gap(a[0])} has nothing to withdraw now`,
  "NothingToRefund(bytes32,address,uint256)": (a, f) =>
    `${f.address(a[1])} has nothing to refund from gap ${f.gap(a[0])} in round ${f.int(a[2])}`,
  "InvalidPerformData()": () => "The upkeep's performData could not be decoded",
  "GapIndexOutOfRange(uint256,uint256)": (a, f) =>
    `There is no gap at index ${f.int(a[0])}; ${f.int(a[1])} gaps are registered`,
} satisfies SentenceTable<AllocatorErrorSignature>;
