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
import { gapLine, roundLines } from "../../sdk/audit/lines";
import { nameFromMetadataURI } from "../../sdk/ids";
import { escrowOf, modeName, policyName, type ReplayState } from "../../sdk/replay";
import { campaignStatusOf, registeredGaps } from "../../sdk/views";
import { applyStoredLog, newReplay, TokenDecimals, type ContractReader, type StoredLog } from "./stored-logs";

type Registered = Parameters<typeof ponder.on>[0];
type Handler = Parameters<typeof ponder.on>[1];
type Context = Parameters<Handler>[0]["context"];
type Row = StoredLog;

/** The replay and the last stored log it applied. */
let cache: { state: ReplayState; lastId: string; lastHash: string } | undefined;
let decimals: TokenDecimals | undefined;

/** The replay up to (not including) the stored log `id`: the cache if it is in step, else rebuilt. */
async function replayBefore(context: Context, id: string): Promise<ReplayState> {
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

/** Writes the allocator's entities an event may have changed (every gap and round: W and matches move together). */
async function projectAllocator(context: Context, s: ReplayState, row: Row): Promise<void> {
  for (const r of s.contributions) {
    if (r.blockNumber !== Number(row.blockNumber) || r.logIndex !== row.logIndex) continue;
    await context.db
      .insert(gapFundingContributions)
      .values({
        id: r.id,
        timestamp: BigInt(r.timestamp),
        block: BigInt(r.blockNumber),
        txHash: r.txHash as `0x${string}`,
        contributor: r.contributor as `0x${string}`,
        gapId: r.gapId as `0x${string}`,
        amount: r.amount,
        tier: r.tier,
        matchingAmount: r.matchingAmount,
        totalAllocation: r.totalAllocation,
        round: r.round,
      })
      .onConflictDoNothing();
  }
  for (const g of registeredGaps(s)) {
    const { line } = gapLine(s, g);
    const values = {
      name: nameFromMetadataURI(g.metadataURI, g.gapId) ?? null,
      metadataUri: g.metadataURI,
      recipient: g.recipient as `0x${string}`,
      status: line.status,
      closedRound: g.closedRound,
      directTotal: line.directTotal,
      matchedTotal: line.matchedTotal,
      matchedPaid: line.matchedPaid,
      withdrawable: line.withdrawableNow,
      refundedTotal: line.refunded,
      contributorCount: line.contributors,
    };
    await context.db
      .insert(gaps)
      .values({ gapId: g.gapId as `0x${string}`, ...values })
      .onConflictDoUpdate(values);
  }
  for (const r of roundLines(s).lines) {
    const known = await context.db.find(gapFundingRounds, { roundNumber: r.roundNumber });
    const values = {
      startedAt: known?.startedAt ?? (await roundStart(context, r.roundNumber)),
      status: r.status,
      matchingPoolTokens: r.poolSize,
      gapsFunded: r.gapsFunded,
      totalWeight: r.totalWeight,
      distributed: r.allocated,
      paid: r.paid,
      returned: r.returned,
      swept: r.status === "swept",
      distributeWholePool: r.distributeWholePool,
      capBps: Number(r.capBps),
      finalizedAt: BigInt(s.rounds.get(r.roundNumber)?.finalizedBy?.timestamp ?? 0) || null,
    };
    await context.db
      .insert(gapFundingRounds)
      .values({ roundNumber: r.roundNumber, ...values })
      .onConflictDoUpdate(values);
  }
}

/** Writes the campaign an event is about, its pledges (live as of this block while open) and its settlement. */
async function projectPledges(context: Context, s: ReplayState, row: Row, campaignId: number): Promise<void> {
  const c = s.campaigns.get(campaignId);
  if (c === undefined) return;
  const status = campaignStatusOf(s, c, BigInt(row.timestamp));
  const values = {
    state: c.state,
    mode: modeName(c),
    policy: policyName(c),
    token: c.token as `0x${string}`,
    recipient: c.recipient as `0x${string}`,
    deadline: c.deadline,
    h: status.h,
    pot: status.pot,
    escrow: escrowOf(c),
    potClaimed: c.potClaimed,
    pledgeCount: c.pledges.length,
  };
  await context.db
    .insert(campaigns)
    .values({ campaignId, ...values })
    .onConflictDoUpdate(values);
  for (const p of status.pledges) {
    const v = {
      campaignId,
      pledgeId: Number(p.pledgeId),
      pledger: p.pledger as `0x${string}`,
      limit: p.limit,
      speed: p.speed,
      state: p.state,
      payment: p.payment,
      refund: p.refund,
      leverage: Number.isFinite(p.leverage) ? p.leverage : null,
      realLeverage: p.realLeverage,
    };
    await context.db
      .insert(pledges)
      .values({ id: `${campaignId}-${p.pledgeId}`, ...v })
      .onConflictDoUpdate(v);
  }
  const settled = s.settlements.find((x) => x.campaignId === campaignId);
  if (
    settled !== undefined &&
    settled.blockNumber === Number(row.blockNumber) &&
    settled.logIndex === row.logIndex
  ) {
    await context.db
      .insert(settlements)
      .values({
        campaignId,
        block: BigInt(settled.blockNumber),
        txHash: settled.txHash as `0x${string}`,
        timestamp: BigInt(settled.timestamp),
        h: settled.h,
        pot: settled.pot,
        hLow: settled.hLow,
        hHigh: settled.hHigh,
        pages: settled.pages,
      })
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
    await applyStoredLog(state, row, decimals!);
    cache = { state, lastId: row.id, lastHash: row.blockHash };
    if (contract === "Allocator") await projectAllocator(context, state, row);
    else {
      const id = (event.args as { campaignId?: bigint }).campaignId;
      if (id !== undefined) await projectPledges(context, state, row, Number(id));
    }
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
