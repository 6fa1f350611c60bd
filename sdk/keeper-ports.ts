/**
 * What the keeper needs of each contract (its ports) and the adapters from the SDK's clients. Tests
 * pass their own implementations of the ports; `Keeper.fromClients` uses the adapters.
 */
import type { AllocatorClient } from "./allocator";
import type { PledgesClient } from "./pledges";
import * as pm from "./math/pledges";
import { sendAndWait } from "./tx";
import { decodeCofundLog } from "./replay/events";
import type { Campaign } from "./replay/state";

/** What the keeper needs of a QuadraticFundingAllocator. */
export interface KeeperAllocator {
  readonly address: string;
  /** The open round, whether it can be finalised now (`checkUpkeep`), its end and the available pool. */
  roundState(): Promise<{ round: bigint; due: boolean; endTime: bigint; pool: bigint }>;
  /** Whether `account` holds KEEPER_ROLE. */
  isKeeper(account: string): Promise<boolean>;
  /** `computeMatchingRound(pool)`. */
  match(pool: bigint): Promise<{
    txHash: string;
    gasUsed: bigint;
    round: bigint;
    poolSize: bigint;
    distributed: bigint;
  }>;
}

/** A campaign as the keeper sees it. */
export interface KeeperCampaign extends Pick<Campaign, "state" | "deadline"> {
  pledgeCount: bigint;
}

/** One settlement page sent by the keeper. */
export interface KeeperPage {
  txHash: string;
  gasUsed: bigint;
  /** Pledges processed in the session after this page. */
  cursor: bigint;
  pledgeCount: bigint;
  settled: boolean;
  /** The settled h and pot (raw tokens) when `settled`. */
  h?: bigint;
  pot?: bigint;
}

/** What the keeper needs of a CoordinatedPledges. */
export interface KeeperPledges {
  readonly address: string;
  /** Open campaigns past their deadline. */
  campaignsDue(): Promise<bigint[]>;
  campaign(campaignId: bigint): Promise<KeeperCampaign>;
  /** Settlement inputs (for the off-chain bracket). */
  readMath(campaignId: bigint): Promise<pm.CampaignMath>;
  /** The cursor of the session [hLow, hHigh]. */
  sessionCursor(campaignId: bigint, hLow: bigint, hHigh: bigint): Promise<bigint>;
  /** `settle(campaignId, hLow, hHigh, maxPledges)`: one page. */
  settlePage(campaignId: bigint, hLow: bigint, hHigh: bigint, maxPledges: bigint): Promise<KeeperPage>;
}

/** Adapts an `AllocatorClient` (connected with the keeper's signer). */
export function allocatorPort(client: AllocatorClient): KeeperAllocator {
  const c = client.contract;
  return {
    address: client.address,
    async roundState() {
      const [round, [due], pool] = await Promise.all([
        c.currentRound(),
        c.checkUpkeep("0x"),
        c.matchingPoolBalance(),
      ]);
      const info = await c.getRound(round);
      return { round, due, endTime: info.endTime, pool };
    },
    async isKeeper(account) {
      return c.hasRole(await c.KEEPER_ROLE(), account);
    },
    async match(pool) {
      const r = await client.match(pool);
      return {
        txHash: r.txHash,
        gasUsed: r.gasUsed,
        round: r.round,
        poolSize: r.poolSize,
        distributed: r.distributed,
      };
    },
  };
}

/** Adapts a `PledgesClient` (connected with the keeper's signer; settlement is permissionless). */
export function pledgesPort(client: PledgesClient): KeeperPledges {
  const c = client.contract;
  return {
    address: client.address,
    campaignsDue: () => client.campaignsDue(),
    async campaign(campaignId) {
      const v = await c.getCampaign(campaignId);
      return {
        state: pm.campaignStateName(v.state),
        deadline: v.deadline,
        pledgeCount: v.pledgeCount,
      };
    },
    readMath: (campaignId) => client.readMath(campaignId),
    async sessionCursor(campaignId, hLow, hHigh) {
      return (await c.getSession(campaignId, hLow, hHigh)).cursor;
    },
    async settlePage(campaignId, hLow, hHigh, maxPledges) {
      // sendAndWait: a page mined reverted (another settler first) carries its replayed revert data,
      // so the keeper names the error on any node instead of retrying blind.
      const { receipt } = await sendAndWait(
        () => c.settle(campaignId, hLow, hHigh, maxPledges),
        client.runner.provider,
      );
      const page: KeeperPage = {
        txHash: receipt.hash,
        gasUsed: receipt.gasUsed,
        cursor: 0n,
        pledgeCount: 0n,
        settled: false,
      };
      for (const log of receipt.logs) {
        if (log.address.toLowerCase() !== client.address.toLowerCase()) continue;
        const e = decodeCofundLog("pledges", log, 0);
        if (e?.name === "SettlementProgressed") {
          page.cursor = e.args.cursor;
          page.pledgeCount = e.args.pledgeCount;
        } else if (e?.name === "CampaignSettled") {
          page.settled = true;
          page.h = e.args.h;
          page.pot = e.args.pot;
        }
      }
      if (page.settled && page.pledgeCount === 0n) {
        // h = 0 settles without a pass (no SettlementProgressed): every pledge is done.
        page.pledgeCount = await c.pledgeCount(campaignId);
        page.cursor = page.pledgeCount;
      }
      return page;
    },
  };
}
