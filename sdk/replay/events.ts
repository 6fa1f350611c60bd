/**
 * Typed events: a log of the allocator or the pledges contract decoded into one `CofundEvent`, a
 * discriminated union on (`contract`, `name`) whose `args` are TypeChain's `XEvent.OutputObject`
 * types. The decoder checks every argument against its ABI type once (an integer is a bigint, an
 * address or bytes a string, a bool a boolean, tuples and arrays recursively); nothing downstream
 * casts an argument.
 */
import type { Interface, Log, ParamType, Result } from "ethers";
import { IQuadraticFundingAllocator__factory } from "../../typechain-types/factories/contracts/interfaces/IQuadraticFundingAllocator__factory";
import { ICoordinatedPledges__factory } from "../../typechain-types/factories/contracts/interfaces/ICoordinatedPledges.sol/ICoordinatedPledges__factory";
import type * as A from "../../typechain-types/contracts/interfaces/IQuadraticFundingAllocator";
import type * as P from "../../typechain-types/contracts/interfaces/ICoordinatedPledges.sol/ICoordinatedPledges";

/** Where and when an event happened. */
export interface EventPosition {
  blockNumber: number;
  logIndex: number;
  /** Block timestamp (seconds). */
  timestamp: number;
  txHash: string;
}

/** The allocator's events, by name. */
export interface AllocatorEventArgs {
  GapRegistered: A.GapRegisteredEvent.OutputObject;
  GapClosed: A.GapClosedEvent.OutputObject;
  ContributionMade: A.ContributionMadeEvent.OutputObject;
  ContributionRefunded: A.ContributionRefundedEvent.OutputObject;
  MatchingPoolFunded: A.MatchingPoolFundedEvent.OutputObject;
  MatchingSettingsUpdated: A.MatchingSettingsUpdatedEvent.OutputObject;
  RoundFinalized: A.RoundFinalizedEvent.OutputObject;
  GapRoundSettled: A.GapRoundSettledEvent.OutputObject;
  GapFundsWithdrawn: A.GapFundsWithdrawnEvent.OutputObject;
  MatchingReturned: A.MatchingReturnedEvent.OutputObject;
  UpkeepPoolSizeUpdated: A.UpkeepPoolSizeUpdatedEvent.OutputObject;
  PausedSet: A.PausedSetEvent.OutputObject;
}

/** The pledges contract's events, by name. */
export interface PledgesEventArgs {
  CampaignCreated: P.CampaignCreatedEvent.OutputObject;
  Pledged: P.PledgedEvent.OutputObject;
  PledgeRaised: P.PledgeRaisedEvent.OutputObject;
  PledgeWithdrawn: P.PledgeWithdrawnEvent.OutputObject;
  CampaignCancelled: P.CampaignCancelledEvent.OutputObject;
  SettlementProgressed: P.SettlementProgressedEvent.OutputObject;
  CampaignSettled: P.CampaignSettledEvent.OutputObject;
  RefundClaimed: P.RefundClaimedEvent.OutputObject;
  PotClaimed: P.PotClaimedEvent.OutputObject;
  GapContributionFailed: P.GapContributionFailedEvent.OutputObject;
  PotReclaimed: P.PotReclaimedEvent.OutputObject;
}

type EventOf<C extends string, M> = {
  [N in keyof M]: { contract: C; address: string; name: N; args: M[N]; position: EventPosition };
}[keyof M];

export type AllocatorEvent = EventOf<"allocator", AllocatorEventArgs>;
export type PledgesEvent = EventOf<"pledges", PledgesEventArgs>;
/** One decoded, checked event of either contract. */
export type CofundEvent = AllocatorEvent | PledgesEvent;
export type CofundContract = CofundEvent["contract"];

/** The names `decodeCofundLog` accepts, per contract (every event of each interface but its roles'). */
const KNOWN: Record<CofundContract, ReadonlySet<string>> = {
  allocator: new Set<keyof AllocatorEventArgs>([
    "GapRegistered",
    "GapClosed",
    "ContributionMade",
    "ContributionRefunded",
    "MatchingPoolFunded",
    "MatchingSettingsUpdated",
    "RoundFinalized",
    "GapRoundSettled",
    "GapFundsWithdrawn",
    "MatchingReturned",
    "UpkeepPoolSizeUpdated",
    "PausedSet",
  ]),
  pledges: new Set<keyof PledgesEventArgs>([
    "CampaignCreated",
    "Pledged",
    "PledgeRaised",
    "PledgeWithdrawn",
    "CampaignCancelled",
    "SettlementProgressed",
    "CampaignSettled",
    "RefundClaimed",
    "PotClaimed",
    "GapContributionFailed",
    "PotReclaimed",
  ]),
};

const INTERFACES: Record<CofundContract, Interface> = {
  allocator: IQuadraticFundingAllocator__factory.createInterface(),
  pledges: ICoordinatedPledges__factory.createInterface(),
};

/** Throws unless `value` has the JS type ethers decodes `type` to (recursively for tuples and arrays). */
function checkValue(type: ParamType, value: unknown, path: string): void {
  const fail = (): never => {
    throw new TypeError(`event argument ${path} is not a ${type.type}`);
  };
  if (type.baseType === "tuple") {
    const tuple = value as Result;
    if (tuple === null || typeof tuple !== "object") fail();
    (type.components ?? []).forEach((c, i) => checkValue(c, tuple[i], `${path}.${c.name}`));
  } else if (type.baseType === "array") {
    if (!Array.isArray(value) || type.arrayChildren === null) return fail();
    const child = type.arrayChildren;
    value.forEach((v, i) => checkValue(child, v, `${path}[${i}]`));
  } else if (/^u?int/.test(type.baseType)) {
    if (typeof value !== "bigint") fail();
  } else if (type.baseType === "bool") {
    if (typeof value !== "boolean") fail();
  } else if (typeof value !== "string") fail();
}

/** The fields of a log the decoder reads (an ethers `Log` has them). */
export type LogLike = Pick<Log, "address" | "topics" | "data" | "blockNumber" | "index" | "transactionHash">;

/**
 * Decodes one log of `contract` (its address is the log's) into a checked `CofundEvent`, or undefined
 * when the log is none of the contract's events (e.g. AccessControl's).
 */
export function decodeCofundLog(
  contract: CofundContract,
  log: LogLike,
  timestamp: number,
): CofundEvent | undefined {
  let parsed;
  try {
    parsed = INTERFACES[contract].parseLog({ topics: [...log.topics], data: log.data });
  } catch {
    return undefined;
  }
  if (parsed === null || !KNOWN[contract].has(parsed.name)) return undefined;
  parsed.fragment.inputs.forEach((input, i) => checkValue(input, parsed.args[i], input.name));
  const position = {
    blockNumber: log.blockNumber,
    logIndex: log.index,
    timestamp,
    txHash: log.transactionHash,
  };
  // Checked above against the ABI, whose names and types TypeChain's OutputObject types mirror; the
  // arguments become a plain object (named fields, nested structs too) that copies and compares.
  return {
    contract,
    address: log.address,
    name: parsed.name,
    args: parsed.args.toObject(true),
    position,
  } as unknown as CofundEvent;
}
