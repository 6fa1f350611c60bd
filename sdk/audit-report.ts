/**
 * The audit report's published formats (one place for both): `auditReportJson` (what `audit --json`
 * prints: amounts as decimal strings in token units, fixed-point values as decimal strings of their
 * 18-decimal fixed point — no raw integers) and `auditCsvTables` (the five CSV tables `audit --csv`
 * writes: raw integer amounts, ISO timestamps). The task only prints or writes them.
 */
import type { AuditReport, CampaignLine, GapLine, PledgeLine, RoundLine } from "./audit";
import type { ContributionRow, IndexedHistory } from "./indexer";
import { formatUnitsExact } from "./units";

/** A JSON value as the CLI prints it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

// ─────────────────────────────────────────────── CSV

type Cell = string | number | bigint | boolean | undefined;
/** A CSV table's columns: each header with how a row fills it. */
type Columns<T> = [header: string, cell: (row: T) => Cell][];

function csvCell(value: Cell): string {
  const s = value === undefined ? "" : String(value);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csv<T>(columns: Columns<T>, rows: readonly T[]): string {
  const lines = rows.map((r) => columns.map(([, cell]) => csvCell(cell(r))).join(","));
  return [columns.map(([header]) => header).join(","), ...lines].join("\n") + "\n";
}

function iso(seconds: number): string {
  return seconds === 0 ? "" : new Date(seconds * 1000).toISOString();
}

const CONTRIBUTIONS: Columns<ContributionRow> = [
  ["id", (c) => c.id],
  ["timestamp", (c) => iso(c.timestamp)],
  ["block", (c) => c.blockNumber],
  ["tx", (c) => c.txHash],
  ["contributor", (c) => c.contributor],
  ["gap_id", (c) => c.gapId],
  ["round", (c) => c.round],
  ["amount", (c) => c.amount],
  ["tier", (c) => c.tier],
  ["matching_amount", (c) => c.matchingAmount],
  ["total_allocation", (c) => c.totalAllocation],
];

/** A round's line with its finalisation time (from the indexer's round row). */
type RoundCsvRow = RoundLine & { finalizedAt: number };
const ROUNDS: Columns<RoundCsvRow> = [
  ["round_number", (r) => r.roundNumber],
  ["matching_pool_tokens", (r) => r.poolSize],
  ["gaps_funded", (r) => r.gapsFunded],
  ["status", (r) => r.status],
  ["total_weight", (r) => r.totalWeight],
  ["distributed", (r) => r.allocated],
  ["paid", (r) => r.paid],
  ["returned", (r) => r.returned],
  ["whole_pool", (r) => r.distributeWholePool],
  ["cap_bps", (r) => r.capBps],
  ["finalized_at", (r) => iso(r.finalizedAt)],
];

const GAPS: Columns<GapLine> = [
  ["gap_id", (g) => g.gapId],
  ["metadata_uri", (g) => g.metadataURI],
  ["recipient", (g) => g.recipient],
  ["status", (g) => g.status],
  ["closed_round", (g) => g.closedRound],
  ["contributors", (g) => g.contributors],
  ["direct_total", (g) => g.directTotal],
  ["matched_paid", (g) => g.matchedPaid],
  ["withdrawn", (g) => g.withdrawn],
  ["refunded", (g) => g.refunded],
  ["withdrawable_now", (g) => g.withdrawableNow],
  ["pending_direct", (g) => g.pendingDirect],
  ["refundable", (g) => g.refundable],
];

const CAMPAIGNS: Columns<CampaignLine> = [
  ["campaign_id", (c) => c.campaignId],
  ["token", (c) => c.token],
  ["mode", (c) => c.mode],
  ["policy", (c) => c.policy],
  ["state", (c) => c.state],
  ["pledges", (c) => c.pledges],
  ["escrow", (c) => c.escrow],
  ["h", (c) => c.h],
  ["pot", (c) => c.pot],
  ["pot_claimed", (c) => c.potClaimed],
  ["refunds_paid", (c) => c.refundsPaid],
  ["owed", (c) => c.owed],
];

const PLEDGES: Columns<PledgeLine & { campaignId: number }> = [
  ["campaign_id", (p) => p.campaignId],
  ["pledge_id", (p) => p.pledgeId],
  ["pledger", (p) => p.pledger],
  ["limit", (p) => p.limit],
  ["speed", (p) => p.speed],
  ["state", (p) => p.state],
  ["payment", (p) => p.payment],
  ["refund", (p) => p.refund],
];

/** The five CSV tables of an audit, as [file name, content] pairs. */
export function auditCsvTables(history: IndexedHistory, report: AuditReport): [string, string][] {
  const finalizedAt = (n: number): number =>
    history.rounds.find((x) => x.roundNumber === n)?.finalizedAt ?? 0;
  const rounds = report.rounds.map((r) => ({ ...r, finalizedAt: finalizedAt(r.roundNumber) }));
  const pledges = report.campaigns.flatMap((c) =>
    c.pledgeLines.map((p) => ({ ...p, campaignId: c.campaignId })),
  );
  return [
    ["contributions.csv", csv(CONTRIBUTIONS, history.contributions)],
    ["rounds.csv", csv(ROUNDS, rounds)],
    ["gaps.csv", csv(GAPS, report.gaps)],
    ["campaigns.csv", csv(CAMPAIGNS, report.campaigns)],
    ["pledges.csv", csv(PLEDGES, pledges)],
  ];
}

// ─────────────────────────────────────────────── JSON

/**
 * The report as JSON: amounts as decimal strings in token units; fixed-point values (normalised
 * weights, Σ√c, h, speeds) as decimal strings of their 18-decimal fixed point — no raw integers.
 */
export function auditReportJson(report: AuditReport, decimals: number): { [key: string]: JsonValue } {
  const u = (raw: bigint, d = decimals): string => formatUnitsExact(raw, d);
  return {
    ok: report.ok,
    fromBlock: report.fromBlock,
    toBlock: report.toBlock,
    events: report.events,
    discrepancies: report.discrepancies.map((d) => ({ ...d })),
    ...(report.indexer !== undefined
      ? { indexer: { url: report.indexer.url, rows: report.indexer.rows } }
      : {}),
    totals: {
      matchingPool: u(report.totals.matchingPool),
      directContributed: u(report.totals.directContributed),
      matchesPaid: u(report.totals.matchesPaid),
      withdrawn: u(report.totals.withdrawn),
      refunded: u(report.totals.refunded),
      unpaidAllocations: u(report.totals.unpaidAllocations),
      directHeld: u(report.totals.directHeld),
      refundable: u(report.totals.refundable),
      allocatorOwed: u(report.totals.allocatorOwed),
      campaigns: report.totals.campaigns,
      pledges: report.totals.pledges,
    },
    balances: report.balances.map((b) => ({
      contract: b.contract,
      address: b.address,
      token: b.token,
      owed: u(b.owed, b.decimals),
      balance: u(b.balance, b.decimals),
    })),
    rounds: report.rounds.map((r) => roundLineJson(r, decimals)),
    gaps: report.gaps.map((g) => gapLineJson(g, decimals)),
    campaigns: report.campaigns.map(campaignLineJson),
  };
}

const fx = (raw: bigint): string => formatUnitsExact(raw, 18);

/** A round's line as JSON (amounts in token units, W in 18-decimal units). */
export function roundLineJson(r: RoundLine, decimals: number): { [key: string]: JsonValue } {
  const u = (raw: bigint): string => formatUnitsExact(raw, decimals);
  return {
    round: r.roundNumber,
    status: r.status,
    poolSize: u(r.poolSize),
    wholePool: r.distributeWholePool,
    capBps: Number(r.capBps),
    totalWeight: fx(r.totalWeight),
    gapsFunded: r.gapsFunded,
    allocated: u(r.allocated),
    paid: u(r.paid),
    matchesTotal: u(r.matchesTotal),
    returned: u(r.returned),
  };
}

/** A gap's line (with its rounds) as JSON. */
export function gapLineJson(g: GapLine, decimals: number): { [key: string]: JsonValue } {
  const u = (raw: bigint): string => formatUnitsExact(raw, decimals);
  return {
    gapId: g.gapId,
    metadataURI: g.metadataURI,
    recipient: g.recipient,
    status: g.status,
    closedRound: g.closedRound,
    contributors: g.contributors,
    directTotal: u(g.directTotal),
    matchedTotal: u(g.matchedTotal),
    matchedPaid: u(g.matchedPaid),
    withdrawn: u(g.withdrawn),
    refunded: u(g.refunded),
    withdrawableNow: u(g.withdrawableNow),
    pendingDirect: u(g.pendingDirect),
    refundable: u(g.refundable),
    rounds: g.rounds.map((r) => ({
      round: r.round,
      status: r.status,
      contributors: r.contributors,
      direct: u(r.direct),
      sumSqrt: fx(r.sumSqrt),
      weight: fx(r.weight),
      match: u(r.match),
    })),
  };
}

/** A campaign's line (with its pledges) as JSON, amounts in the campaign token's units. */
export function campaignLineJson(c: CampaignLine): { [key: string]: JsonValue } {
  const u = (raw: bigint): string => formatUnitsExact(raw, c.decimals);
  return {
    campaignId: c.campaignId,
    token: c.token,
    mode: c.mode,
    policy: c.policy,
    state: c.state,
    pledges: c.pledges,
    escrow: u(c.escrow),
    h: fx(c.h),
    pot: u(c.pot),
    potClaimed: c.potClaimed,
    refundsPaid: u(c.refundsPaid),
    owed: u(c.owed),
    pledgeLines: c.pledgeLines.map((p) => ({
      pledgeId: p.pledgeId,
      pledger: p.pledger,
      limit: u(p.limit),
      speed: fx(p.speed),
      state: p.state,
      payment: u(p.payment),
      refund: u(p.refund),
    })),
  };
}
