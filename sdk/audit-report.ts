/**
 * The audit report's published formats (one place for both): `auditReportJson` (what `audit --json`
 * prints: amounts as decimal strings in token units, fixed-point values as decimal strings of their
 * 18-decimal fixed point — no raw integers) and `auditCsvTables` (the five CSV tables `audit --csv`
 * writes: raw integer amounts, ISO timestamps). The task only prints or writes them.
 */
import type { AuditReport } from "./audit";
import type { IndexedHistory } from "./indexer";
import { formatUnitsExact } from "./units";

/** A JSON value as the CLI prints it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

// ─────────────────────────────────────────────── CSV

function csvCell(value: string | number | bigint | boolean | undefined): string {
  const s = value === undefined ? "" : String(value);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csv(headers: string[], rows: (string | number | bigint | boolean | undefined)[][]): string {
  return [headers.join(","), ...rows.map((r) => r.map(csvCell).join(","))].join("\n") + "\n";
}

function iso(seconds: number): string {
  return seconds === 0 ? "" : new Date(seconds * 1000).toISOString();
}

/** The five CSV tables of an audit, as [file name, content] pairs. */
export function auditCsvTables(history: IndexedHistory, report: AuditReport): [string, string][] {
  return [
    [
      "contributions.csv",
      csv(
        [
          "id",
          "timestamp",
          "block",
          "tx",
          "contributor",
          "gap_id",
          "round",
          "amount",
          "tier",
          "matching_amount",
          "total_allocation",
        ],
        history.contributions.map((c) => [
          c.id,
          iso(c.timestamp),
          c.blockNumber,
          c.txHash,
          c.contributor,
          c.gapId,
          c.round,
          c.amount,
          c.tier,
          c.matchingAmount,
          c.totalAllocation,
        ]),
      ),
    ],
    [
      "rounds.csv",
      csv(
        [
          "round_number",
          "matching_pool_tokens",
          "gaps_funded",
          "status",
          "total_weight",
          "distributed",
          "paid",
          "returned",
          "whole_pool",
          "cap_bps",
          "finalized_at",
        ],
        report.rounds.map((r) => {
          const row = history.rounds.find((x) => x.roundNumber === r.roundNumber);
          return [
            r.roundNumber,
            r.poolSize,
            r.gapsFunded,
            r.status,
            r.totalWeight,
            r.allocated,
            r.paid,
            r.returned,
            r.distributeWholePool,
            r.capBps,
            iso(row?.finalizedAt ?? 0),
          ];
        }),
      ),
    ],
    [
      "gaps.csv",
      csv(
        [
          "gap_id",
          "metadata_uri",
          "recipient",
          "status",
          "closed_round",
          "contributors",
          "direct_total",
          "matched_paid",
          "withdrawn",
          "refunded",
          "withdrawable_now",
          "pending_direct",
          "refundable",
        ],
        report.gaps.map((g) => [
          g.gapId,
          g.metadataURI,
          g.recipient,
          g.status,
          g.closedRound,
          g.contributors,
          g.directTotal,
          g.matchedPaid,
          g.withdrawn,
          g.refunded,
          g.withdrawableNow,
          g.pendingDirect,
          g.refundable,
        ]),
      ),
    ],
    [
      "campaigns.csv",
      csv(
        [
          "campaign_id",
          "token",
          "mode",
          "policy",
          "state",
          "pledges",
          "escrow",
          "h",
          "pot",
          "pot_claimed",
          "refunds_paid",
          "owed",
        ],
        report.campaigns.map((c) => [
          c.campaignId,
          c.token,
          c.mode,
          c.policy,
          c.state,
          c.pledges,
          c.escrow,
          c.h,
          c.pot,
          c.potClaimed,
          c.refundsPaid,
          c.owed,
        ]),
      ),
    ],
    [
      "pledges.csv",
      csv(
        ["campaign_id", "pledge_id", "pledger", "limit", "speed", "state", "payment", "refund"],
        report.campaigns.flatMap((c) =>
          c.pledgeLines.map((p) => [
            c.campaignId,
            p.pledgeId,
            p.pledger,
            p.limit,
            p.speed,
            p.state,
            p.payment,
            p.refund,
          ]),
        ),
      ),
    ],
  ];
}

// ─────────────────────────────────────────────── JSON

/**
 * The report as JSON: amounts as decimal strings in token units; fixed-point values (normalised
 * weights, Σ√c, h, speeds) as decimal strings of their 18-decimal fixed point — no raw integers.
 */
export function auditReportJson(report: AuditReport, decimals: number): { [key: string]: JsonValue } {
  const u = (raw: bigint, d = decimals): string => formatUnitsExact(raw, d);
  const fx = (raw: bigint): string => formatUnitsExact(raw, 18);
  return {
    ok: report.ok,
    fromBlock: report.fromBlock,
    toBlock: report.toBlock,
    events: report.events,
    discrepancies: report.discrepancies.map((d) => ({ ...d })),
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
    rounds: report.rounds.map((r) => ({
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
    })),
    gaps: report.gaps.map((g) => ({
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
    })),
    campaigns: report.campaigns.map((c) => ({
      campaignId: c.campaignId,
      token: c.token,
      mode: c.mode,
      policy: c.policy,
      state: c.state,
      pledges: c.pledges,
      escrow: u(c.escrow, c.decimals),
      h: fx(c.h),
      pot: u(c.pot, c.decimals),
      potClaimed: c.potClaimed,
      refundsPaid: u(c.refundsPaid, c.decimals),
      owed: u(c.owed, c.decimals),
      pledgeLines: c.pledgeLines.map((p) => ({
        pledgeId: p.pledgeId,
        pledger: p.pledger,
        limit: u(p.limit, c.decimals),
        speed: fx(p.speed),
        state: p.state,
        payment: u(p.payment, c.decimals),
        refund: u(p.refund, c.decimals),
      })),
    })),
  };
}
