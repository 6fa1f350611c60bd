/**
 * Event indexer: fetches the logs of a cofund deployment, decodes them into typed events
 * (sdk/replay/events.ts) and builds the allocator's two history tables (contributions with their
 * tier direct/match/refund, rounds) plus gaps, pool fundings, pledge campaigns, pledges and settlements as a
 * projection of the one event replay (sdk/replay/) — no contract view is read but the tokens'
 * decimals.
 *
 * Logs are fetched with `provider.getLogs` in block ranges (`blockRange`, default 2,000) from the
 * deployment block to `toBlock`; when a provider rejects a range as too large (most public RPC
 * providers cap eth_getLogs ranges or result counts), the range is halved and the request retried.
 * Logs are sorted by (block, logIndex).
 *
 * The deployment block is `fromBlock` when given, else `findDeploymentBlock` (sdk/deployments.ts:
 * the deployment's Ignition journal, else a binary search on `getCode`, else 0).
 */
import type { Log, Provider } from "ethers";
import { IERC20Metadata__factory } from "../typechain-types/factories/@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata__factory";
import { QuadraticFundingAllocator__factory } from "../typechain-types/factories/contracts/QuadraticFundingAllocator__factory";
import { findDeploymentBlock, type CofundDeployment } from "./deployments";
import {
  decodeCofundLog,
  escrowOf,
  matchedTotalOf,
  modeName,
  policyName,
  replay,
  type Campaign,
  type CofundEvent,
  type EventPosition,
  type Gap,
  type GapFundingFigures,
  type ModeName,
  type PolicyName,
  type Pledge,
  type ReplayContext,
  type ReplayState,
  type Round,
} from "./replay";

export type {
  ContributionRow,
  EventPosition,
  GapPayment,
  GapRefund,
  GapRoundSettlement,
  PoolFundingRow,
  PotPayment,
  SettingsChangeRow,
  SettlementRow,
} from "./replay";

// ─────────────────────────────────────────────── rows (views of the replay's entities)

/** A row of the `gap_funding_rounds` table: a round as the replay left it. */
export interface RoundRow extends Pick<
  Round,
  | "roundNumber"
  | "gapsFunded"
  | "totalWeight"
  | "capBps"
  | "paid"
  | "settlements"
  | "returned"
  | "contributions"
> {
  /** Pool size the keeper committed (`RoundFinalized.poolSize`); 0 while open. */
  matchingPoolTokens: bigint;
  /** Raw tokens allocated at finalisation. */
  distributed: bigint;
  status: "open" | "finalized" | "swept";
  /** Finalisation time, block and transaction (0, 0, "" while open). */
  finalizedAt: number;
  finalizedBlock: number;
  finalizedTx: string;
  /** Matching settings in force when the round was finalised. */
  distributeWholePool: boolean;
  /** Direct contributions recorded in the round. */
  directTotal: bigint;
}

/** A gap as the replay left it. */
export interface IndexedGap
  extends
    Pick<
      Gap,
      | "gapId"
      | "recipient"
      | "metadataURI"
      | "closedRound"
      | "closed"
      | "contributions"
      | "settlements"
      | "withdrawals"
      | "refunds"
    >,
    GapFundingFigures {
  /** Its registration (block −1 and the first event about it when never registered). */
  registered: EventPosition;
  status: "active" | "closed";
  contributors: number;
  withdrawnTotal: bigint;
}

/** A pledge campaign as the replay left it. */
export interface CampaignRow extends Pick<
  Campaign,
  | "campaignId"
  | "creator"
  | "token"
  | "recipient"
  | "initialSpeed"
  | "minLimit"
  | "allocator"
  | "gapId"
  | "created"
  | "state"
  | "cancelled"
  | "h"
  | "pot"
  | "potPayments"
  | "potClaimed"
  | "gapContributionFailed"
> {
  deadline: number;
  mode: ModeName;
  policy: PolicyName;
  /** As given to `createCampaign` (the contract uses 1e18 under the constant policy). */
  decay: bigint;
  /** Pledges ever made (withdrawn ones included). */
  pledgeCount: number;
  /** Σ limits of pledges not withdrawn. */
  escrow: bigint;
}

/** A pledge as the replay left it. */
export interface PledgeRow extends Omit<Pledge, "payment" | "refund" | "claimedAmounts"> {
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

/** Everything the indexer rebuilt. */
export interface IndexedHistory extends Tables {
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
  /** Every decoded event in (block, logIndex) order, for tools that need more than the tables. */
  events: IndexedEvent[];
}

/** One decoded event. */
export type IndexedEvent = CofundEvent;

/** The tables of an indexed history. */
export interface Tables {
  contributions: ReplayState["contributions"];
  rounds: RoundRow[];
  gaps: IndexedGap[];
  poolFundings: ReplayState["poolFundings"];
  settingsChanges: ReplayState["settingsChanges"];
  campaigns: CampaignRow[];
  pledges: PledgeRow[];
  settlements: ReplayState["settlements"];
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

// ─────────────────────────────────────────────── token decimals

/** Token decimals, read once per token. */
export function tokenDecimalsReader(
  provider: Provider,
  blockTag?: number,
): (token: string) => Promise<number> {
  const known = new Map<string, number>();
  return async (token) => {
    const key = token.toLowerCase();
    let decimals = known.get(key);
    if (decimals === undefined) {
      decimals = Number(await IERC20Metadata__factory.connect(token, provider).decimals({ blockTag }));
      known.set(key, decimals);
    }
    return decimals;
  };
}

/** The decimals of every campaign token of `events`, by lower-case address. */
export async function campaignTokenDecimals(
  events: readonly CofundEvent[],
  tokenDecimals: (token: string) => Promise<number>,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const e of events)
    if (e.contract === "pledges" && e.name === "CampaignCreated")
      out.set(e.args.token.toLowerCase(), await tokenDecimals(e.args.token));
  return out;
}

// ─────────────────────────────────────────────── the indexer

/** Block timestamps, fetched once per block with logs (a few in parallel). */
async function blockTimestamps(provider: Provider, logs: readonly Log[]): Promise<Map<number, number>> {
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
  return timestamps;
}

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
  const timestamps = await blockTimestamps(provider, logs);
  const allocatorLc = allocator?.toLowerCase();
  const events: IndexedEvent[] = [];
  for (const log of logs) {
    const contract = log.address.toLowerCase() === allocatorLc ? "allocator" : "pledges";
    const e = decodeCofundLog(contract, log, timestamps.get(log.blockNumber) ?? 0);
    if (e !== undefined) events.push(e);
  }

  // The tokens' decimals turn the events' normalised weights and speeds into raw amounts.
  const tokenDecimals = tokenDecimalsReader(provider, toBlock);
  const allocatorToken =
    allocator !== undefined
      ? await QuadraticFundingAllocator__factory.connect(allocator, provider).token({ blockTag: toBlock })
      : undefined;
  const campaignDecimals = await campaignTokenDecimals(events, tokenDecimals);
  const tables = buildTables(events, {
    allocator,
    pledges,
    allocatorDecimals: allocatorToken !== undefined ? await tokenDecimals(allocatorToken) : 18,
    decimalsOf: (token) => campaignDecimals.get(token.toLowerCase()) ?? 18,
  });
  return {
    allocatorAddress: allocator,
    pledgesAddress: pledges,
    fromBlock,
    toBlock,
    logCount: logs.length,
    requests,
    ...tables,
    events,
  };
}

// ─────────────────────────────────────────────── the tables: a projection of the replay

function roundRow(r: Round): RoundRow {
  const { roundNumber, gapsFunded, totalWeight, capBps, paid, settlements, returned, contributions } = r;
  return {
    roundNumber,
    matchingPoolTokens: r.poolSize,
    gapsFunded,
    totalWeight,
    distributed: r.allocated,
    status: r.swept ? "swept" : r.finalized ? "finalized" : "open",
    finalizedAt: r.finalizedBy?.timestamp ?? 0,
    finalizedBlock: r.finalizedBy?.blockNumber ?? 0,
    finalizedTx: r.finalizedBy?.txHash ?? "",
    distributeWholePool: r.wholePool,
    capBps,
    paid,
    settlements,
    returned,
    directTotal: r.contributed,
    contributions,
  };
}

function gapRow(s: ReplayState, g: Gap): IndexedGap {
  const {
    gapId,
    recipient,
    metadataURI,
    closedRound,
    closed,
    contributions,
    settlements,
    withdrawals,
    refunds,
  } = g;
  return {
    gapId,
    recipient,
    metadataURI,
    registered: g.registered ?? { ...g.seen, blockNumber: -1 },
    status: closedRound !== 0 ? "closed" : "active",
    closedRound,
    ...(closed !== undefined ? { closed } : {}),
    directTotal: g.contributed - g.refunded,
    contributions,
    contributors: g.contributors.size,
    settlements,
    withdrawals,
    refunds,
    withdrawnTotal: g.withdrawn,
    matchedTotal: matchedTotalOf(s, g),
    matchedPaid: g.matchedPaid,
    refundedTotal: g.refunded,
  };
}

function campaignRow(c: Campaign): CampaignRow {
  const { campaignId, creator, token, recipient, initialSpeed, minLimit, allocator, gapId, created, state } =
    c;
  return {
    campaignId,
    creator,
    token,
    recipient,
    deadline: Number(c.deadline),
    mode: modeName(c),
    policy: policyName(c),
    initialSpeed,
    decay: c.decayParam,
    minLimit,
    allocator,
    gapId,
    created,
    state,
    ...(c.cancelled !== undefined ? { cancelled: c.cancelled } : {}),
    pledgeCount: c.pledges.length,
    escrow: escrowOf(c),
    h: c.h,
    pot: c.pot,
    potPayments: c.potPayments,
    potClaimed: c.potClaimed,
    gapContributionFailed: c.gapContributionFailed,
  };
}

function pledgeRow(c: Campaign, p: Pledge): PledgeRow {
  const { payment, refund, claimedAmounts, ...rest } = p;
  const row: PledgeRow = { ...rest, paymentRecorded: claimedAmounts !== undefined };
  if (p.state === "withdrawn") row.refund = refund;
  else if (claimedAmounts !== undefined) Object.assign(row, claimedAmounts);
  else if (c.state !== "open") Object.assign(row, { payment, refund: p.limit - payment });
  return row;
}

/** The tables of a replayed state. */
export function tablesOf(s: ReplayState): Tables {
  const campaigns = [...s.campaigns.values()].sort((x, y) => x.campaignId - y.campaignId);
  return {
    contributions: s.contributions,
    rounds: [...s.rounds.values()].sort((x, y) => x.roundNumber - y.roundNumber).map(roundRow),
    gaps: [...s.gaps.values()].map((g) => gapRow(s, g)),
    poolFundings: s.poolFundings,
    settingsChanges: s.settingsChanges,
    campaigns: campaigns.map(campaignRow),
    pledges: campaigns.flatMap((c) => c.pledges.filter((p) => p !== undefined).map((p) => pledgeRow(c, p))),
    settlements: s.settlements,
  };
}

/** Builds the tables from decoded events (in order). Exported for tests of hand-made histories. */
export function buildTables(events: readonly CofundEvent[], context: ReplayContext = {}): Tables {
  return tablesOf(replay(events, context));
}
