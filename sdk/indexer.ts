/**
 * Event indexer: rebuilds the allocator's two history tables (contributions with their tier
 * direct/match, rounds) plus gaps, pool fundings, pledge campaigns, pledges and settlements from the
 * events of a cofund deployment alone — no contract view is read.
 *
 * Logs are fetched with `provider.getLogs` in block ranges (`blockRange`, default 2,000) from the
 * deployment block to `toBlock`; when a provider rejects a range as too large (most public RPC
 * providers cap eth_getLogs ranges or result counts), the range is halved and the request retried.
 * Logs are sorted by (block, logIndex) and decoded with the TypeChain interfaces.
 *
 * The deployment block is `fromBlock` when given, else `findDeploymentBlock` (sdk/deployments.ts:
 * the deployment's Ignition journal, else a binary search on `getCode`, else 0).
 */
import type { Interface, Log, LogDescription, Provider, Result } from "ethers";
import { IQuadraticFundingAllocator__factory } from "../typechain-types/factories/contracts/interfaces/IQuadraticFundingAllocator__factory";
import { ICoordinatedPledges__factory } from "../typechain-types/factories/contracts/interfaces/ICoordinatedPledges.sol/ICoordinatedPledges__factory";
import { findDeploymentBlock, type CofundDeployment } from "./deployments";
import { paymentAt } from "./math/settlement";
import { matchAfterCap, scaleOf } from "./math/qf";

// ─────────────────────────────────────────────── rows

/** Where and when an event happened. */
export interface EventPosition {
  blockNumber: number;
  logIndex: number;
  /** Block timestamp (seconds). */
  timestamp: number;
  txHash: string;
}

/** A row of the `gap_funding_contributions` table (one per contribution, match or refund). */
export interface ContributionRow extends EventPosition {
  /** 1-based row id in (block, logIndex) order. */
  id: number;
  /** "direct": a `ContributionMade`; "match": a gap's paid match of a round (`GapRoundSettled`). */
  tier: "direct" | "match";
  /** The contributor (direct), or the allocator itself, whose matching pool paid (match). */
  contributor: string;
  gapId: string;
  round: number;
  /** Raw tokens: the contribution (direct) or the match paid (match). */
  amount: bigint;
  /** Matching paid with this row: 0 for direct rows, the match for match rows. */
  matchingAmount: bigint;
  /** Direct rows: the amount. Match rows: the round's direct funds plus the match, paid together. */
  totalAllocation: bigint;
  /** Direct rows: the contributor's round total the event recorded (`contributorRoundTotal`). */
  recordedContributorRoundTotal: bigint;
  /** Direct rows: the gap's round weight the event recorded (`gapWeight`, normalised units). */
  recordedGapWeight: bigint;
  /** Match rows: the round's direct funds the event recorded (`GapRoundSettled.direct`). */
  recordedDirect: bigint;
}

/** A row of the `gap_funding_rounds` table, plus what the events add. */
export interface RoundRow {
  roundNumber: number;
  /** Pool size the keeper committed (`RoundFinalized.poolSize`); 0 while open. */
  matchingPoolTokens: bigint;
  /** Gaps with a positive weight as recorded at finalisation. */
  gapsFunded: number;
  /** W as recorded at finalisation (normalised). */
  totalWeight: bigint;
  /** Raw tokens allocated at finalisation (`RoundFinalized.distributed`). */
  distributed: bigint;
  status: "open" | "finalized" | "swept";
  /** Finalisation time (0 while open). */
  finalizedAt: number;
  finalizedBlock: number;
  finalizedTx: string;
  /** Matching settings in force when the round was finalised (from `MatchingSettingsUpdated`). */
  distributeWholePool: boolean;
  capBps: bigint;
  /** Σ of the matches paid for the round (`GapRoundSettled.matched`). */
  paid: bigint;
  /** `GapRoundSettled` events of the round (gaps with a zero weight included). */
  settlements: number;
  /** Returned to the pool by `sweepRound` (`MatchingReturned`). */
  returned: bigint;
  /** Direct contributions recorded in the round. */
  directTotal: bigint;
  contributions: number;
}

/** A recipient payment or a refund of a gap. */
export interface GapPayment extends EventPosition {
  amount: bigint;
}

/** One round of a gap paid to its recipient (`GapRoundSettled`). */
export interface GapRoundSettlement extends EventPosition {
  round: number;
  direct: bigint;
  matched: bigint;
}

/** A refund of a contribution to a closed gap. */
export interface GapRefund extends EventPosition {
  contributor: string;
  round: number;
  amount: bigint;
}

/** A gap as its events describe it. */
export interface IndexedGap {
  gapId: string;
  recipient: string;
  metadataURI: string;
  registered: EventPosition;
  status: "active" | "closed";
  /** First refund-only round (0 while open). */
  closedRound: number;
  closed?: EventPosition;
  /** Σ of direct contributions not refunded (`getGapFundingStats.directTotal`). */
  directTotal: bigint;
  contributions: number;
  contributors: number;
  settlements: GapRoundSettlement[];
  withdrawals: (GapPayment & { recipient: string })[];
  refunds: GapRefund[];
  withdrawnTotal: bigint;
  /** Every match allocated by finalised rounds, paid or not (`getGapFundingStats.matchedTotal`). */
  matchedTotal: bigint;
  /** Matches paid to the recipient (`GapRoundSettled.matched`). */
  matchedPaid: bigint;
  refundedTotal: bigint;
}

/** A `MatchingPoolFunded` event. */
export interface PoolFundingRow extends EventPosition {
  funder: string;
  amount: bigint;
  newBalance: bigint;
}

/** A `MatchingSettingsUpdated` event. */
export interface SettingsChangeRow extends EventPosition {
  distributeWholePool: boolean;
  capBps: bigint;
}

/** A campaign's pot payment (`PotClaimed`). */
export interface PotPayment extends EventPosition {
  to: string;
  amount: bigint;
  toGap: boolean;
}

/** A pledge campaign as its events describe it. */
export interface CampaignRow {
  campaignId: number;
  creator: string;
  token: string;
  recipient: string;
  deadline: number;
  mode: "quadratic" | "linear";
  policy: "constant" | "geometric";
  initialSpeed: bigint;
  /** As given to `createCampaign` (the contract uses 1e18 under the constant policy). */
  decay: bigint;
  minLimit: bigint;
  allocator: string;
  gapId: string;
  created: EventPosition;
  state: "open" | "cancelled" | "settled";
  cancelled?: EventPosition;
  /** Pledges ever made (withdrawn ones included). */
  pledgeCount: number;
  /** Σ limits of pledges not withdrawn. */
  escrow: bigint;
  /** Settled h (0 before). */
  h: bigint;
  /** Settled pot (0 before). */
  pot: bigint;
  potPayments: PotPayment[];
  potClaimed: boolean;
  gapContributionFailed: boolean;
}

/** A pledge as its events describe it. */
export interface PledgeRow {
  campaignId: number;
  pledgeId: number;
  pledger: string;
  /** The combined limit: the first pledge's plus every raise. */
  limit: bigint;
  speed: bigint;
  state: "active" | "withdrawn" | "claimed";
  pledged: EventPosition;
  /** Each `PledgeRaised` of this pledge (one pledge per address per campaign: pledging again raises it). */
  raises: (EventPosition & { added: bigint })[];
  withdrawn?: EventPosition;
  claimed?: EventPosition;
  /**
   * What the pledge pays: from settlement on, pᵢ(h) = ⌊Lᵢ·A(h, sᵢ)⌋ at the settled h (the exact
   * mirror of what `claim` pays, sdk/math/pledges.ts), replaced by `RefundClaimed.payment` once
   * claimed (`paymentRecorded`); 0 after a cancel. Undefined while the campaign is open or when withdrawn.
   */
  payment?: bigint;
  /** Lᵢ − payment after settlement or a cancel (then `RefundClaimed.refund` once claimed); the limit after a withdrawal. */
  refund?: bigint;
  /** Whether payment and refund come from a `RefundClaimed` event rather than from the settled h. */
  paymentRecorded: boolean;
}

/** A campaign settlement (`CampaignSettled`) with the bracket of its last page. */
export interface SettlementRow extends EventPosition {
  campaignId: number;
  settler: string;
  h: bigint;
  pot: bigint;
  /** The bracket proven (from the session's `SettlementProgressed`; [0, 0] for an h = 0 settlement). */
  hLow: bigint;
  hHigh: bigint;
  /** Pages the winning session took (0 for an h = 0 settlement, which needs no pass). */
  pages: number;
}

/** Everything the indexer rebuilt. */
export interface IndexedHistory {
  /** The allocator indexed (undefined when none). */
  allocatorAddress?: string;
  /** The CoordinatedPledges indexed (undefined when none). */
  pledgesAddress?: string;
  fromBlock: number;
  toBlock: number;
  /** Logs decoded. */
  logCount: number;
  /** getLogs requests made (including rejected ones). */
  requests: number;
  contributions: ContributionRow[];
  rounds: RoundRow[];
  gaps: IndexedGap[];
  poolFundings: PoolFundingRow[];
  settingsChanges: SettingsChangeRow[];
  campaigns: CampaignRow[];
  pledges: PledgeRow[];
  settlements: SettlementRow[];
  /** Every decoded event in (block, logIndex) order, for tools that need more than the tables. */
  events: IndexedEvent[];
}

/** One decoded event. */
export interface IndexedEvent extends EventPosition {
  contract: "allocator" | "pledges";
  address: string;
  name: string;
  args: Result;
}

// ─────────────────────────────────────────────── options

/** Options of `indexCofund`. */
export interface IndexOptions {
  provider: Provider;
  /** The deployment whose allocator and pledges to index (or give the addresses below). */
  deployment?: CofundDeployment;
  allocator?: string;
  pledges?: string;
  /** First block to read (default: the deployment block, see `findDeploymentBlock`). */
  fromBlock?: number;
  /** Last block to read (default: the latest block). */
  toBlock?: number;
  /** Blocks per eth_getLogs request (default 2,000; halved automatically when a provider refuses). */
  blockRange?: number;
  /** Ignition deployments directory for the journal lookup (default deploy/deployments). */
  deploymentsDir?: string;
  /** Called after each block range with the blocks done and the blocks to do. */
  onProgress?: (done: number, total: number) => void;
}

export const DEFAULT_BLOCK_RANGE = 2_000;

const allocatorInterface: Interface = IQuadraticFundingAllocator__factory.createInterface();
const pledgesInterface: Interface = ICoordinatedPledges__factory.createInterface();

// ─────────────────────────────────────────────── log fetching

/** Whether an RPC error says the request covered too many blocks or returned too many logs. */
export function isRangeTooLargeError(error: unknown): boolean {
  const parts: string[] = [];
  let e: unknown = error;
  for (let depth = 0; depth < 4 && e !== null && typeof e === "object"; depth++) {
    const o = e as { message?: unknown; code?: unknown; error?: unknown; info?: unknown };
    if (typeof o.message === "string") parts.push(o.message);
    if (o.code === -32005 || o.code === -32614) return true;
    e = o.error ?? (o.info as { error?: unknown } | undefined)?.error;
  }
  if (typeof error === "string") parts.push(error);
  return /block range|range (is )?too (large|big|wide)|too many (blocks|results|logs)|more than \d+ (results|logs)|limit exceeded|exceeds? (the )?(max|limit)|response size|query timeout|log response size/i.test(
    parts.join(" | "),
  );
}

/**
 * All logs of `addresses` in [fromBlock, toBlock], sorted by (block, logIndex), fetched in ranges of
 * `blockRange` blocks; a range the provider rejects as too large is halved and retried (down to one
 * block, where the error is rethrown).
 */
export async function fetchLogsPaged(
  provider: Provider,
  addresses: string[],
  fromBlock: number,
  toBlock: number,
  blockRange = DEFAULT_BLOCK_RANGE,
  onProgress?: (done: number, total: number) => void,
): Promise<{ logs: Log[]; requests: number; finalRange: number }> {
  if (!Number.isInteger(blockRange) || blockRange < 1)
    throw new RangeError(`blockRange must be ≥ 1 (got ${blockRange})`);
  const logs: Log[] = [];
  let requests = 0;
  let range = blockRange;
  const total = Math.max(0, toBlock - fromBlock + 1);
  let start = fromBlock;
  onProgress?.(0, total);
  while (start <= toBlock) {
    const end = Math.min(toBlock, start + range - 1);
    requests++;
    let batch: Log[];
    try {
      batch = await provider.getLogs({ address: addresses, fromBlock: start, toBlock: end });
    } catch (error) {
      if (end > start && isRangeTooLargeError(error)) {
        range = Math.max(1, Math.floor((end - start + 1) / 2));
        continue;
      }
      throw error;
    }
    logs.push(...batch);
    start = end + 1;
    onProgress?.(start - fromBlock, total);
  }
  logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
  return { logs, requests, finalRange: range };
}

// ─────────────────────────────────────────────── decoding helpers

function big(args: Result, key: string): bigint {
  const v: unknown = args.getValue(key);
  if (typeof v !== "bigint") throw new TypeError(`event argument ${key} is not an integer`);
  return v;
}

function num(args: Result, key: string): number {
  return Number(big(args, key));
}

function str(args: Result, key: string): string {
  const v: unknown = args.getValue(key);
  if (typeof v !== "string") throw new TypeError(`event argument ${key} is not a string`);
  return v;
}

function bool(args: Result, key: string): boolean {
  const v: unknown = args.getValue(key);
  if (typeof v !== "boolean") throw new TypeError(`event argument ${key} is not a boolean`);
  return v;
}

function position(e: IndexedEvent): EventPosition {
  return { blockNumber: e.blockNumber, logIndex: e.logIndex, timestamp: e.timestamp, txHash: e.txHash };
}

// ─────────────────────────────────────────────── the indexer

/** Indexes a deployment's allocator and pledges events into typed tables. */
export async function indexCofund(options: IndexOptions): Promise<IndexedHistory> {
  const { provider } = options;
  const allocator = options.allocator ?? options.deployment?.allocator;
  const pledges = options.pledges ?? options.deployment?.pledges;
  const addresses = [allocator, pledges].filter((a): a is string => a !== undefined);
  if (addresses.length === 0) throw new Error("indexCofund: no allocator or pledges address to index");

  const toBlock = options.toBlock ?? (await provider.getBlockNumber());
  const fromBlock =
    options.fromBlock ??
    (await findDeploymentBlock(provider, addresses, {
      deploymentId: options.deployment?.deploymentId,
      deploymentsDir: options.deploymentsDir,
      latest: toBlock,
    }));
  const { logs, requests } = await fetchLogsPaged(
    provider,
    addresses,
    fromBlock,
    toBlock,
    options.blockRange ?? DEFAULT_BLOCK_RANGE,
    options.onProgress,
  );

  // Block timestamps, fetched once per block with logs (a few in parallel).
  const blocks = [...new Set(logs.map((l) => l.blockNumber))];
  const timestamps = new Map<number, number>();
  for (let i = 0; i < blocks.length; i += 8) {
    const slice = blocks.slice(i, i + 8);
    const got = await Promise.all(slice.map((b) => provider.getBlock(b)));
    got.forEach((block, k) => {
      const n = slice[k];
      if (n !== undefined) timestamps.set(n, block?.timestamp ?? 0);
    });
  }

  const events: IndexedEvent[] = [];
  const allocatorLc = allocator?.toLowerCase();
  for (const log of logs) {
    const isAllocator = log.address.toLowerCase() === allocatorLc;
    const iface = isAllocator ? allocatorInterface : pledgesInterface;
    let parsed: LogDescription | null;
    try {
      parsed = iface.parseLog({ topics: [...log.topics], data: log.data });
    } catch {
      parsed = null;
    }
    if (parsed === null) continue; // not one of the interface's events (e.g. AccessControl's)
    events.push({
      contract: isAllocator ? "allocator" : "pledges",
      address: log.address,
      name: parsed.name,
      args: parsed.args,
      blockNumber: log.blockNumber,
      logIndex: log.index,
      timestamp: timestamps.get(log.blockNumber) ?? 0,
      txHash: log.transactionHash,
    });
  }

  // The token's scale (10^(18 − decimals)) turns the events' normalised weights into raw matches.
  let scale = 1n;
  if (allocator !== undefined) {
    const { Contract } = await import("ethers");
    const at = { blockTag: toBlock };
    const tokenAddress = (await new Contract(
      allocator,
      ["function token() view returns (address)"],
      provider,
    ).getFunction("token")(at)) as string;
    const decimals = (await new Contract(
      tokenAddress,
      ["function decimals() view returns (uint8)"],
      provider,
    ).getFunction("decimals")(at)) as bigint;
    scale = scaleOf(Number(decimals));
  }
  const history = buildTables(events, allocator ?? "", scale);
  return {
    allocatorAddress: allocator,
    pledgesAddress: pledges,
    fromBlock,
    toBlock,
    logCount: logs.length,
    requests,
    ...history,
    events,
  };
}

type Tables = Omit<
  IndexedHistory,
  "allocatorAddress" | "pledgesAddress" | "fromBlock" | "toBlock" | "logCount" | "requests" | "events"
>;

/** Builds the tables from decoded events (in order). Exported for tests of hand-made histories. */
/** A gap row before any of its events is applied. */
function emptyGap(gapId: string, registered: IndexedGap["registered"]): IndexedGap {
  return {
    gapId,
    recipient: "",
    metadataURI: "",
    registered,
    status: "active",
    closedRound: 0,
    directTotal: 0n,
    contributions: 0,
    contributors: 0,
    settlements: [],
    withdrawals: [],
    refunds: [],
    withdrawnTotal: 0n,
    matchedTotal: 0n,
    matchedPaid: 0n,
    refundedTotal: 0n,
  };
}

export function buildTables(events: readonly IndexedEvent[], allocator: string, scale = 1n): Tables {
  /** The gap's weight in each round as its last `ContributionMade` left it (gapId → round → w). */
  const gapWeights = new Map<string, Map<number, bigint>>();
  const contributions: ContributionRow[] = [];
  const rounds = new Map<number, RoundRow>();
  const gaps = new Map<string, IndexedGap>();
  const gapContributors = new Map<string, Set<string>>();
  const poolFundings: PoolFundingRow[] = [];
  const settingsChanges: SettingsChangeRow[] = [];
  const campaigns = new Map<number, CampaignRow>();
  const pledgeRows = new Map<string, PledgeRow>();
  const settlements: SettlementRow[] = [];
  /** Last SettlementProgressed per (campaign, session) → bracket and pages. */
  const sessions = new Map<string, { hLow: bigint; hHigh: bigint; pages: number }>();
  let lastProgress: { txHash: string; campaignId: number; key: string } | undefined;
  let wholePool = false;
  let capBps = 0n;

  const round = (n: number): RoundRow => {
    let r = rounds.get(n);
    if (r === undefined) {
      r = {
        roundNumber: n,
        matchingPoolTokens: 0n,
        gapsFunded: 0,
        totalWeight: 0n,
        distributed: 0n,
        status: "open",
        finalizedAt: 0,
        finalizedBlock: 0,
        finalizedTx: "",
        distributeWholePool: false,
        capBps: 0n,
        paid: 0n,
        settlements: 0,
        returned: 0n,
        directTotal: 0n,
        contributions: 0,
      };
      rounds.set(n, r);
    }
    return r;
  };
  const gapOf = (gapId: string, e: IndexedEvent): IndexedGap => {
    const key = gapId.toLowerCase();
    let g = gaps.get(key);
    if (g === undefined) {
      // An event for a gap never registered: keep it visible (the auditor flags it).
      g = emptyGap(key, { ...position(e), blockNumber: -1 });
      gaps.set(key, g);
    }
    return g;
  };
  const campaignOf = (id: number): CampaignRow | undefined => campaigns.get(id);
  const pledgeKey = (c: number, p: number): string => `${c}:${p}`;

  for (const e of events) {
    const a = e.args;
    if (e.contract === "allocator") {
      switch (e.name) {
        case "GapRegistered": {
          const id = str(a, "gapId").toLowerCase();
          const existing = gaps.get(id);
          const row: IndexedGap = existing ?? emptyGap(id, position(e));
          row.recipient = str(a, "recipient");
          row.metadataURI = str(a, "metadataURI");
          row.registered = position(e);
          gaps.set(id, row);
          break;
        }
        case "GapClosed": {
          const g = gapOf(str(a, "gapId"), e);
          g.status = "closed";
          g.closedRound = num(a, "closedRound");
          g.closed = position(e);
          break;
        }
        case "ContributionMade": {
          const g = gapOf(str(a, "gapId"), e);
          const contributor = str(a, "contributor");
          const amount = big(a, "amount");
          const r = num(a, "round");
          g.directTotal += amount;
          g.contributions++;
          const weights = gapWeights.get(g.gapId) ?? new Map<number, bigint>();
          weights.set(r, big(a, "gapWeight"));
          gapWeights.set(g.gapId, weights);
          const set = gapContributors.get(g.gapId) ?? new Set<string>();
          set.add(contributor.toLowerCase());
          gapContributors.set(g.gapId, set);
          g.contributors = set.size;
          const rr = round(r);
          rr.directTotal += amount;
          rr.contributions++;
          contributions.push({
            ...position(e),
            id: contributions.length + 1,
            tier: "direct",
            contributor,
            gapId: g.gapId,
            round: r,
            amount,
            matchingAmount: 0n,
            totalAllocation: amount,
            recordedContributorRoundTotal: big(a, "contributorRoundTotal"),
            recordedGapWeight: big(a, "gapWeight"),
            recordedDirect: 0n,
          });
          break;
        }
        case "MatchingPoolFunded":
          poolFundings.push({
            ...position(e),
            funder: str(a, "funder"),
            amount: big(a, "amount"),
            newBalance: big(a, "newBalance"),
          });
          break;
        case "MatchingSettingsUpdated":
          wholePool = bool(a, "distributeWholePool");
          capBps = big(a, "capBps");
          settingsChanges.push({ ...position(e), distributeWholePool: wholePool, capBps });
          break;
        case "RoundFinalized": {
          const r = round(num(a, "round"));
          r.status = "finalized";
          r.matchingPoolTokens = big(a, "poolSize");
          r.totalWeight = big(a, "totalWeight");
          r.distributed = big(a, "distributed");
          r.gapsFunded = num(a, "gapsFunded");
          r.finalizedAt = e.timestamp;
          r.finalizedBlock = e.blockNumber;
          r.finalizedTx = e.txHash;
          r.distributeWholePool = wholePool;
          r.capBps = capBps;
          break;
        }
        case "GapRoundSettled": {
          const g = gapOf(str(a, "gapId"), e);
          const rn = num(a, "round");
          const direct = big(a, "direct");
          const matched = big(a, "matched");
          g.settlements.push({ ...position(e), round: rn, direct, matched });
          g.matchedPaid += matched;
          const r = round(rn);
          r.paid += matched;
          r.settlements++;
          if (matched > 0n) {
            contributions.push({
              ...position(e),
              id: contributions.length + 1,
              tier: "match",
              contributor: allocator,
              gapId: g.gapId,
              round: rn,
              amount: matched,
              matchingAmount: matched,
              totalAllocation: direct + matched,
              recordedContributorRoundTotal: 0n,
              recordedGapWeight: 0n,
              recordedDirect: direct,
            });
          }
          break;
        }
        case "GapFundsWithdrawn": {
          const g = gapOf(str(a, "gapId"), e);
          const amount = big(a, "amount");
          g.withdrawals.push({ ...position(e), recipient: str(a, "recipient"), amount });
          g.withdrawnTotal += amount;
          break;
        }
        case "MatchingReturned": {
          const r = round(num(a, "round"));
          r.returned += big(a, "amount");
          r.status = "swept";
          break;
        }
        case "ContributionRefunded": {
          const g = gapOf(str(a, "gapId"), e);
          const amount = big(a, "amount");
          g.refunds.push({
            ...position(e),
            contributor: str(a, "contributor"),
            round: num(a, "round"),
            amount,
          });
          g.refundedTotal += amount;
          g.directTotal -= amount;
          break;
        }
        default:
          break; // UpkeepPoolSizeUpdated, PausedSet: no table
      }
    } else {
      switch (e.name) {
        case "CampaignCreated": {
          const p = a.getValue("params") as Result;
          const id = num(a, "campaignId");
          campaigns.set(id, {
            campaignId: id,
            creator: str(a, "creator"),
            token: str(a, "token"),
            recipient: str(p, "recipient"),
            deadline: num(p, "deadline"),
            mode: num(p, "mode") === 0 ? "quadratic" : "linear",
            policy: num(p, "policy") === 0 ? "constant" : "geometric",
            initialSpeed: big(p, "initialSpeed"),
            decay: big(p, "decay"),
            minLimit: big(p, "minLimit"),
            allocator: str(p, "allocator"),
            gapId: str(p, "gapId"),
            created: position(e),
            state: "open",
            pledgeCount: 0,
            escrow: 0n,
            h: 0n,
            pot: 0n,
            potPayments: [],
            potClaimed: false,
            gapContributionFailed: false,
          });
          break;
        }
        case "Pledged": {
          const cid = num(a, "campaignId");
          const pid = num(a, "pledgeId");
          const limit = big(a, "limit");
          pledgeRows.set(pledgeKey(cid, pid), {
            campaignId: cid,
            pledgeId: pid,
            pledger: str(a, "pledger"),
            limit,
            speed: big(a, "speed"),
            state: "active",
            pledged: position(e),
            raises: [],
            paymentRecorded: false,
          });
          const c = campaignOf(cid);
          if (c !== undefined) {
            c.pledgeCount = Math.max(c.pledgeCount, pid + 1);
            c.escrow += limit;
          }
          break;
        }
        case "PledgeRaised": {
          const cid = num(a, "campaignId");
          const added = big(a, "added");
          const p = pledgeRows.get(pledgeKey(cid, num(a, "pledgeId")));
          if (p !== undefined) {
            p.limit = big(a, "newLimit");
            p.raises.push({ ...position(e), added });
          }
          const c = campaignOf(cid);
          if (c !== undefined) c.escrow += added;
          break;
        }
        case "PledgeWithdrawn": {
          const cid = num(a, "campaignId");
          const p = pledgeRows.get(pledgeKey(cid, num(a, "pledgeId")));
          const limit = big(a, "limit");
          if (p !== undefined) {
            p.state = "withdrawn";
            p.withdrawn = position(e);
            p.refund = limit;
          }
          const c = campaignOf(cid);
          if (c !== undefined) c.escrow -= limit;
          break;
        }
        case "CampaignCancelled": {
          const c = campaignOf(num(a, "campaignId"));
          if (c !== undefined) {
            c.state = "cancelled";
            c.cancelled = position(e);
            for (const p of pledgeRows.values()) {
              if (p.campaignId !== c.campaignId || p.state !== "active") continue;
              p.payment = 0n;
              p.refund = p.limit;
            }
          }
          break;
        }
        case "SettlementProgressed": {
          const key = `${num(a, "campaignId")}:${str(a, "sessionId")}`;
          const s = sessions.get(key) ?? { hLow: big(a, "hLow"), hHigh: big(a, "hHigh"), pages: 0 };
          s.pages++;
          sessions.set(key, s);
          lastProgress = { txHash: e.txHash, campaignId: num(a, "campaignId"), key };
          break;
        }
        case "CampaignSettled": {
          const cid = num(a, "campaignId");
          const h = big(a, "h");
          const pot = big(a, "pot");
          // The winning session is the one whose last page is in this transaction.
          let bracket = { hLow: 0n, hHigh: 0n, pages: 0 };
          if (
            lastProgress !== undefined &&
            lastProgress.txHash === e.txHash &&
            lastProgress.campaignId === cid
          ) {
            bracket = sessions.get(lastProgress.key) ?? bracket;
          }
          settlements.push({
            ...position(e),
            campaignId: cid,
            settler: str(a, "settler"),
            h,
            pot,
            hLow: bracket.hLow,
            hHigh: bracket.hHigh,
            pages: bracket.pages,
          });
          const c = campaignOf(cid);
          if (c !== undefined) {
            c.state = "settled";
            c.h = h;
            c.pot = pot;
            for (const p of pledgeRows.values()) {
              if (p.campaignId !== cid || p.state !== "active") continue;
              p.payment = h === 0n ? 0n : paymentAt(p.limit, p.speed, h);
              p.refund = p.limit - p.payment;
            }
          }
          break;
        }
        case "RefundClaimed": {
          const p = pledgeRows.get(pledgeKey(num(a, "campaignId"), num(a, "pledgeId")));
          if (p !== undefined) {
            p.state = "claimed";
            p.claimed = position(e);
            p.refund = big(a, "refund");
            p.payment = big(a, "payment");
            p.paymentRecorded = true;
          }
          break;
        }
        case "PotClaimed": {
          const c = campaignOf(num(a, "campaignId"));
          if (c !== undefined) {
            c.potClaimed = true;
            c.potPayments.push({
              ...position(e),
              to: str(a, "to"),
              amount: big(a, "amount"),
              toGap: bool(a, "toGap"),
            });
          }
          break;
        }
        case "GapContributionFailed": {
          const c = campaignOf(num(a, "campaignId"));
          if (c !== undefined) {
            c.potClaimed = true;
            c.gapContributionFailed = true;
          }
          break;
        }
        default:
          break;
      }
    }
  }

  // matchedTotal: the paid matches plus those of finalised rounds the gap has not settled yet (a closed
  // gap's rounds from its closing on have none), as `_matchOf` computes them.
  for (const g of gaps.values()) {
    const settled = new Set(g.settlements.map((st) => st.round));
    let unpaid = 0n;
    for (const [rn, w] of gapWeights.get(g.gapId) ?? []) {
      const r = rounds.get(rn);
      if (settled.has(rn) || r === undefined || r.status === "open") continue;
      if (g.closedRound !== 0 && rn >= g.closedRound) continue;
      unpaid += matchAfterCap(w, r.totalWeight, r.matchingPoolTokens, scale, r.distributeWholePool, r.capBps);
    }
    g.matchedTotal = g.matchedPaid + unpaid;
  }

  return {
    contributions,
    rounds: [...rounds.values()].sort((x, y) => x.roundNumber - y.roundNumber),
    gaps: [...gaps.values()],
    poolFundings,
    settingsChanges,
    campaigns: [...campaigns.values()].sort((x, y) => x.campaignId - y.campaignId),
    pledges: [...pledgeRows.values()].sort((x, y) => x.campaignId - y.campaignId || x.pledgeId - y.pledgeId),
    settlements,
  };
}
