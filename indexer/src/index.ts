/**
 * Indexing functions: every event of both contracts is stored as the chain has it (`cofund_events`),
 * then applied to the SDK's one event replay (sdk/replay), whose entities are written to the allocator
 * design's tables (gap_funding_contributions, gap_funding_rounds, gaps) and the pledges' (campaigns,
 * pledges, settlements). The replay lives in memory; before each event it is checked against the
 * stored logs (the previous log must be the last one it applied) and rebuilt from them after a restart
 * or a reorganisation (Ponder has reverted the tables to the fork by then).
 */
import { ponder } from "ponder:registry";
import {
  campaigns,
  cofundEvents,
  gapFundingContributions,
  gapFundingRounds,
  gaps,
  pledges,
  settlements,
} from "ponder:schema";
import { asc, desc, lt } from "ponder";
import { CoordinatedPledges__factory } from "../../typechain-types/factories/contracts/CoordinatedPledges__factory";
import { QuadraticFundingAllocator__factory } from "../../typechain-types/factories/contracts/QuadraticFundingAllocator__factory";
import {
  campaignTableRows,
  contributionTableRow,
  gapTableRow,
  roundTableRow,
  settlementTableRow,
  touchedBy,
  type Touched,
} from "../../sdk/indexer-tables";
import type { ReplayState } from "../../sdk/replay";
import { applyStoredLog, newReplay, TokenDecimals, type ContractReader, type StoredLog } from "./stored-logs";

type Registered = Parameters<typeof ponder.on>[0];
type Handler = Parameters<typeof ponder.on>[1];
type Context = Parameters<Handler>[0]["context"];
type Row = StoredLog;
/** The SDK's rows carry addresses and hashes as strings; the tables type them as 0x-hex. */
type Hexed<T> = {
  [K in keyof T]: T[K] extends string ? (string extends T[K] ? `0x${string}` & T[K] : T[K]) : T[K];
};

/** The replay and the last stored log it applied. */
let cache: { state: ReplayState; lastId: string; lastHash: string } | undefined;
let decimals: TokenDecimals | undefined;

/**
 * The replay up to (not including) the stored log `id`: the cache if it is in step, else rebuilt.
 * In step: `id` comes after the last log it applied, and that log is still stored with its block
 * hash (a reorganisation removes the logs of the blocks it replaces; a restart starts without a
 * cache). The check is a primary-key read, which Ponder serves from its cache while backfilling; the
 * rebuild reads every earlier log with SQL (a flush: only after a restart or a reorganisation).
 */
async function replayBefore(context: Context, id: string): Promise<ReplayState> {
  if (cache !== undefined && id > cache.lastId) {
    if (cache.lastId === "") return cache.state;
    const last = await context.db.find(cofundEvents, { id: cache.lastId });
    if (last !== null && last.blockHash === cache.lastHash) return cache.state;
  }
  const previous = await context.db.sql
    .select({ id: cofundEvents.id, blockHash: cofundEvents.blockHash })
    .from(cofundEvents)
    .where(lt(cofundEvents.id, id))
    .orderBy(desc(cofundEvents.id))
    .limit(1);
  const prev = previous[0];
  const inStep =
    cache !== undefined &&
    (prev === undefined
      ? cache.lastId === ""
      : cache.lastId === prev.id && cache.lastHash === prev.blockHash);
  if (inStep) return cache!.state;
  decimals ??= new TokenDecimals(context.client as unknown as ContractReader);
  const state = await newReplay(context.client as unknown as ContractReader, decimals);
  const rows = await context.db.sql
    .select()
    .from(cofundEvents)
    .where(lt(cofundEvents.id, id))
    .orderBy(asc(cofundEvents.id));
  for (const row of rows) await applyStoredLog(state, row, decimals);
  cache = { state, lastId: prev?.id ?? "", lastHash: prev?.blockHash ?? "" };
  return state;
}

/** When round `n` opened (the allocator's schedule, fixed once the round exists), or null if not readable. */
async function roundStart(context: Context, n: number): Promise<bigint | null> {
  try {
    const round = await context.client.readContract({
      address: process.env.COFUND_ALLOCATOR as `0x${string}`,
      abi: QuadraticFundingAllocator__factory.abi,
      functionName: "getRound",
      args: [BigInt(n)],
    });
    return round.startTime;
  } catch {
    return null;
  }
}

/** Writes the allocator's rows the event touched (sdk/indexer-tables.ts `touchedBy`). */
async function projectAllocator(context: Context, s: ReplayState, row: Row, touched: Touched): Promise<void> {
  // The event's own contribution rows are the last ones the replay appended.
  for (let i = s.contributions.length - 1; i >= 0; i--) {
    const r = s.contributions[i]!;
    if (r.blockNumber !== Number(row.blockNumber) || r.logIndex !== row.logIndex) break;
    await context.db
      .insert(gapFundingContributions)
      .values(contributionTableRow(r) as never)
      .onConflictDoNothing();
  }
  for (const gapId of touched.gaps) {
    const g = s.gaps.get(gapId);
    if (g?.registered === undefined) continue;
    const { gapId: id, ...values } = gapTableRow(s, g);
    await context.db
      .insert(gaps)
      .values({ gapId: id as `0x${string}`, ...(values as Hexed<typeof values>) })
      .onConflictDoUpdate(values as Hexed<typeof values>);
  }
  for (const n of touched.rounds) {
    const { roundNumber, ...values } = roundTableRow(s, n);
    const known = await context.db.find(gapFundingRounds, { roundNumber });
    const startedAt = known?.startedAt ?? (await roundStart(context, roundNumber));
    await context.db
      .insert(gapFundingRounds)
      .values({ roundNumber, ...values, startedAt })
      .onConflictDoUpdate({ ...values, startedAt });
  }
}

/** Real leverages of settled campaigns, computed once per settlement (the settlement's tx as the key). */
const settledReal = new Map<string, (number | null)[]>();

/** Writes the campaign an event is about, its pledges (live as of this block while open) and its settlement. */
async function projectPledges(context: Context, s: ReplayState, row: Row, campaignId: number): Promise<void> {
  const c = s.campaigns.get(campaignId);
  if (c === undefined) return;
  const settled = s.settlements.find((x) => x.campaignId === campaignId);
  const memoKey = settled === undefined ? "" : `${campaignId}:${settled.txHash}`;
  const rows = campaignTableRows(s, c, BigInt(row.timestamp), settledReal.get(memoKey));
  if (c.state === "settled") settledReal.set(memoKey, rows.real);
  const { campaignId: id, ...values } = rows.campaign;
  await context.db
    .insert(campaigns)
    .values({ campaignId: id, ...(values as Hexed<typeof values>) })
    .onConflictDoUpdate(values as Hexed<typeof values>);
  for (const p of rows.pledges) {
    const { id: pledgeKey, ...v } = p;
    await context.db
      .insert(pledges)
      .values({ id: pledgeKey, ...(v as Hexed<typeof v>) })
      .onConflictDoUpdate(v as Hexed<typeof v>);
  }
  if (
    settled !== undefined &&
    settled.blockNumber === Number(row.blockNumber) &&
    settled.logIndex === row.logIndex
  ) {
    await context.db
      .insert(settlements)
      .values(settlementTableRow(settled) as never)
      .onConflictDoNothing();
  }
}

/** The handler that stores `contract`'s `name` events and brings the tables up to date. */
const store =
  (contract: string, name: string): Handler =>
  async ({ event, context }) => {
    const { log, block, transaction } = event;
    const row: Row = {
      id: event.id,
      contract,
      name,
      blockNumber: block.number,
      blockHash: block.hash,
      timestamp: block.timestamp,
      transactionHash: transaction.hash,
      transactionIndex: transaction.transactionIndex,
      logIndex: log.logIndex,
      address: log.address,
      // Historical sync pads the topics with null up to four: keep the log's own.
      topics: log.topics.filter((t): t is `0x${string}` => t !== null && t !== undefined),
      data: log.data,
    };
    await context.db.insert(cofundEvents).values(row);
    const state = await replayBefore(context, event.id);
    const decoded = await applyStoredLog(state, row, decimals!);
    cache = { state, lastId: row.id, lastHash: row.blockHash };
    if (decoded === undefined) return;
    const touched = touchedBy(state, decoded);
    if (contract === "Allocator") await projectAllocator(context, state, row, touched);
    else if (touched.campaign !== undefined) await projectPledges(context, state, row, touched.campaign);
  };

const sources = [
  ["Allocator", QuadraticFundingAllocator__factory.abi],
  ["Pledges", CoordinatedPledges__factory.abi],
] as const;
for (const [contract, abi] of sources) {
  for (const item of abi) {
    if (item.type === "event")
      ponder.on(`${contract}:${item.name}` as Registered, store(contract, item.name));
  }
}
