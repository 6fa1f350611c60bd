/**
 * Readable sentences for the custom errors only CoordinatedPledges declares (ICoordinatedPledges),
 * registered with the decoder by ./index.ts, so `describeError` reads a pledges revert without any
 * client. The errors both contracts declare have their one sentence in ./shared.ts.
 */
import type { PledgesErrorSignature } from "../generated/error-names";
import { Policy, pledgeStateName, policyNameOf } from "../math/campaign";
import { formatFixed, type Formatter, type SentenceTable } from "./decoder";

/** Whether the decoder was given the token's decimals (then `f.amount` shows token units). */
function knowsDecimals(f: Formatter): boolean {
  return !f.amount(1n).endsWith("raw units");
}

/**
 * A sentence about token amounts: `text` receives each amount in token units with the symbol when
 * the decimals are known; otherwise as integers, and the sentence says they are the token's smallest
 * units (never an 18-decimal integer passed off as tokens).
 */
function withAmounts(f: Formatter, raws: unknown[], text: (amounts: string[]) => string): string {
  if (knowsDecimals(f)) return text(raws.map((r) => f.amount(r)));
  return `${text(raws.map((r) => f.int(r)))}, in the token's smallest units (its decimals are not known here)`;
}

export const PLEDGES_SENTENCES = {
  "DeadlineNotInFuture(uint256,uint256)": (a, f) => `The deadline ${f.time(a[0])} is not in the future`,
  "InvalidSpeed(uint256,uint256)": (a) =>
    `The initial speed ${formatFixed(a[0])} must be positive and at most ${formatFixed(a[1])}`,
  "InvalidDecay(uint256)": (a) => `The decay ${formatFixed(a[0])} must be above 0 and at most 1`,
  "InvalidPolicyParameter(uint8,uint256,uint256)": (a) =>
    Number(a[0]) === Policy.LimitSqrt
      ? `The reference limit ${formatFixed(a[1])} tokens (18-decimal) of the limit-sqrt policy must be above 0 and at most ${formatFixed(a[2])} tokens`
      : `The ${policyNameOf(a[0] as bigint)} policy's rate ${formatFixed(a[1])} must be above 0 and at most ${formatFixed(a[2])}`,
  "InvalidAllocator(address,bytes32)": (a, f) =>
    `Allocator ${f.address(a[0])} is not a contract answering token(), or the gap id and allocator do not go together`,
  "GapNotActive(address,bytes32,uint256)": (a, f) =>
    `Gap ${f.gap(a[1])} of allocator ${f.address(a[0])} is ${Number(a[2]) === 2 ? "closed" : Number(a[2]) === 0 ? "not registered" : "not active"} (status ${f.int(a[2])}): a campaign's pot needs an active gap`,
  "AllocatorTokenMismatch(address,address,address)": (a, f) =>
    `Allocator ${f.address(a[0])} moves ${f.address(a[1])}, not the campaign's token ${f.address(a[2])}`,
  "UnknownCampaign(uint256)": (a, f) => `Campaign ${f.int(a[0])} does not exist`,
  "UnknownPledge(uint256,uint256)": (a, f) => `Campaign ${f.int(a[0])} has no pledge ${f.int(a[1])}`,
  "InvalidCampaignState(uint256,uint8)": (a, f) =>
    `Campaign ${f.int(a[0])} is ${["unknown", "open", "cancelled", "settled"][Number(a[1])] ?? "in another state"}, which does not allow this`,
  "DeadlinePassed(uint256,uint256)": (a, f) =>
    `Campaign ${f.int(a[0])} closed for pledges at ${f.time(a[1])}`,
  "DeadlineNotReached(uint256,uint256)": (a, f) =>
    `Campaign ${f.int(a[0])} can be settled from ${f.time(a[1])}, not before`,
  "LimitTooSmall(uint256,uint256)": (a, f) =>
    withAmounts(
      f,
      [a[0], a[1]],
      ([limit, min]) => `The limit ${limit} is zero or below the campaign's minimum ${min}`,
    ),
  "LimitTooLarge(uint256,uint256)": (a, f) =>
    withAmounts(
      f,
      [a[0], a[1]],
      ([limit, available]) => `The limit ${limit} exceeds the ${available} the campaign can still take`,
    ),
  "NotCreator(uint256,address)": (a, f) => `${f.address(a[1])} did not create campaign ${f.int(a[0])}`,
  "NotPledger(uint256,uint256,address)": (a, f) =>
    `${f.address(a[2])} did not make pledge ${f.int(a[1])} of campaign ${f.int(a[0])}`,
  "PledgeNotActive(uint256,uint256,uint8)": (a, f) =>
    `Pledge ${f.int(a[1])} of campaign ${f.int(a[0])} is ${pledgeStateName(a[2] as bigint) ?? "not active"}`,
  "InvalidBracket(uint256,uint256)": (a) =>
    `The bracket [${formatFixed(a[0])}, ${formatFixed(a[1])}] is reversed or above the largest h`,
  "BracketTooWide(uint256,uint256,uint256)": (a) =>
    `The bracket [${formatFixed(a[0])}, ${formatFixed(a[1])}] is wider than ${formatFixed(a[2])}`,
  "TrivialRootRejected(uint256,uint256)": (a, f) =>
    `Campaign ${f.int(a[0])} has a positive root; h = 0 is accepted only from ${f.time(a[1])}`,
  "HTooHigh(uint256,uint256)": (a) =>
    `h = ${formatFixed(a[0])} is above the root: g(h) = ${formatFixed(a[1])}`,
  "HTooLow(uint256,uint256)": (a) =>
    `h = ${formatFixed(a[0])} is below the root: g(h) = ${formatFixed(a[1])}`,
  "NothingToClaim(uint256,uint256)": (a, f) =>
    `Pledge ${f.int(a[1])} of campaign ${f.int(a[0])} has nothing to claim (withdrawn or already claimed)`,
  "PotNotClaimable(uint256)": (a, f) =>
    `Campaign ${f.int(a[0])}'s pot is not settled yet or was already paid`,
  "PotNotReclaimable(uint256)": (a, f) =>
    `Campaign ${f.int(a[0])} has no pot in an allocator gap to reclaim (none went in, or it was reclaimed already)`,
  "InvalidCheckData(uint256)": (a, f) =>
    `checkData must be empty or abi.encode(offset, limit, maxPledges), not ${f.int(a[0])} bytes`,
  "InvalidPerformData(uint256)": (a, f) =>
    `performData must be abi.encode(campaignId, hLow, hHigh, maxPledges, cursor), not ${f.int(a[0])} bytes`,
  "SessionAdvanced(uint256,uint256,uint256)": (a, f) =>
    `Campaign ${f.int(a[0])}'s settlement page at pledge ${f.int(a[1])} was already processed (the session is at ${f.int(a[2])}); check again`,
} satisfies SentenceTable<PledgesErrorSignature>;
