/**
 * The auditor: replays an indexed history (sdk/indexer.ts) with the SDK's own bigint math — never the
 * contracts' views — and reconciles it with the chain, in four phases (sdk/audit/):
 *
 * 1. replay (sdk/replay/): every gap's per-round Σ√c, weight and match, every round's W and
 *    allocation, the pool, every campaign's settlement (bracket proof, payments, pot); every event
 *    that disagrees with the recomputation is a finding;
 * 2. what each contract owes, with the report's lines (./audit/lines.ts);
 * 3. the contracts' views, read at the indexed block, against the replay (./audit/*-views.ts);
 * 4. the token balance of each contract against what it owes — to the wei, both ways: a shortfall
 *    and a surplus (tokens sent straight to a contract) are both discrepancies (./audit/balances.ts).
 */
import { QuadraticFundingAllocator__factory } from "../typechain-types/factories/contracts/QuadraticFundingAllocator__factory";
import { CoordinatedPledges__factory } from "../typechain-types/factories/contracts/CoordinatedPledges__factory";
import { campaignTokenDecimals, tokenDecimalsReader } from "./indexer";
import { replay, type ReplayState } from "./replay";
import { lc } from "./replay/findings";
import { Findings } from "./audit/compare";
import { owedOf, potTotalsFindings, type Owed } from "./audit/lines";
import { compareAllocatorViews, type ViewScope } from "./audit/allocator-views";
import { comparePledgesViews } from "./audit/pledges-views";
import { balanceOf, compareBalances, pledgesBalances } from "./audit/balances";
import { checkIndexer } from "./audit/indexer-check";
import type { QuadraticFundingAllocator } from "../typechain-types/contracts/QuadraticFundingAllocator";
import type { AuditOptions, AuditReport, BalanceLine, GapLine } from "./audit/types";

export type * from "./audit/types";
export type { Discrepancy, DiscrepancyKind } from "./replay/findings";
export { MAX_ROUNDS_PER_WITHDRAWAL, SETTLEMENT_GRACE_PERIOD } from "./replay";

/** Report totals from the replay and the lines. */
function totalsOf(s: ReplayState, owed: Owed, gapLines: GapLine[]): AuditReport["totals"] {
  let [matchesPaid, withdrawn, refunded] = [0n, 0n, 0n];
  for (const g of gapLines) {
    matchesPaid += g.matchedPaid;
    withdrawn += g.withdrawn;
    refunded += g.refunded;
  }
  return {
    matchingPool: s.pool,
    directContributed: s.directContributed,
    matchesPaid,
    withdrawn,
    refunded,
    unpaidAllocations: owed.unpaidAllocations,
    directHeld: owed.directHeld,
    refundable: owed.refundable,
    allocatorOwed: owed.allocatorOwed,
    campaigns: owed.campaignLines.length,
    pledges: owed.campaignLines.reduce((sum, c) => sum + c.pledges, 0),
    potsPaid: [...s.campaigns.values()].reduce((sum, c) => sum + c.potsPaid, 0n),
  };
}

/** The indexer's tables and logs against the replay `s` (`audit --indexer`). */
async function reconcileIndexer(
  options: AuditOptions,
  s: ReplayState,
  alloc: QuadraticFundingAllocator | undefined,
  findings: Findings,
  blockTag: number,
): Promise<NonNullable<AuditReport["indexer"]>> {
  const { url, fetch } = options.indexer!;
  const block = await options.provider.getBlock(blockTag);
  const rows = await checkIndexer({
    url,
    s,
    events: options.history.events,
    now: BigInt(block?.timestamp ?? 0),
    // As the indexer records it: null when the allocator does not answer for the round.
    roundStart: async (n) =>
      alloc === undefined
        ? null
        : alloc.getRound(n, { blockTag }).then(
            (r) => r.startTime,
            () => null,
          ),
    findings,
    ...(fetch !== undefined ? { fetch } : {}),
  });
  return { url, rows };
}

/** Audits an indexed history against the chain. See the module comment. */
export async function auditCofund(options: AuditOptions): Promise<AuditReport> {
  const { provider, history } = options;
  const blockTag = history.toBlock;
  const tokenDecimals = tokenDecimalsReader(provider);
  const { allocatorAddress, pledgesAddress } = history;
  const alloc =
    allocatorAddress !== undefined
      ? QuadraticFundingAllocator__factory.connect(allocatorAddress, provider)
      : undefined;
  const allocatorToken = options.token ?? (alloc !== undefined ? await alloc.token() : undefined);
  const allocatorDecimals = allocatorToken !== undefined ? await tokenDecimals(allocatorToken) : 18;

  // 1. Replay.
  const decimals = await campaignTokenDecimals(history.events, tokenDecimals);
  const s = replay(history.events, {
    allocator: allocatorAddress,
    pledges: pledgesAddress,
    allocatorDecimals,
    decimalsOf: (token) => decimals.get(lc(token)) ?? 18,
  });
  const findings = new Findings();
  findings.list.push(...s.findings.allocator, ...s.findings.pledges, ...potTotalsFindings(s));

  // 2. What each contract owes.
  const owed = owedOf(s, allocatorToken);

  // 3. Views, and 4. balances.
  const steps = owed.gapLines.length + owed.roundLines.length + owed.campaignLines.length + 2;
  let done = 0;
  const scope: ViewScope = {
    s,
    findings,
    overrides: { blockTag },
    tick: () => options.onProgress?.(++done, steps),
  };
  const balances: BalanceLine[] = [];
  if (alloc !== undefined && allocatorAddress !== undefined && allocatorToken !== undefined) {
    await compareAllocatorViews(scope, alloc, owed.roundLines, owed.gapLines);
    const balance = await balanceOf(provider, allocatorToken, allocatorAddress, blockTag);
    const { allocatorOwed } = owed;
    balances.push({
      contract: "allocator",
      address: allocatorAddress,
      token: allocatorToken,
      decimals: allocatorDecimals,
      owed: allocatorOwed,
      balance,
    });
  } else scope.tick();
  if (pledgesAddress !== undefined) {
    await comparePledgesViews(scope, CoordinatedPledges__factory.connect(pledgesAddress, provider));
    balances.push(
      ...(await pledgesBalances(provider, pledgesAddress, owed, allocatorToken, tokenDecimals, blockTag)),
    );
  }
  scope.tick();
  compareBalances(findings, balances);
  const indexer =
    options.indexer === undefined ? undefined : await reconcileIndexer(options, s, alloc, findings, blockTag);

  return {
    ok: findings.list.length === 0,
    fromBlock: history.fromBlock,
    toBlock: history.toBlock,
    events: history.events.length,
    gaps: owed.gapLines,
    rounds: owed.roundLines,
    campaigns: owed.campaignLines,
    balances,
    totals: totalsOf(s, owed, owed.gapLines),
    discrepancies: findings.list,
    ...(indexer !== undefined ? { indexer } : {}),
  };
}
