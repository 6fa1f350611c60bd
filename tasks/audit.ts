/**
 * `audit`: rebuilds the whole cofund history from events (sdk/indexer.ts), recomputes every gap's
 * weights and matches and every campaign's settlement with the SDK's own math, and reconciles it
 * with the contracts' state and token balances (sdk/audit.ts).
 *
 *   npx hardhat audit [--json] [--csv <dir>] [--from-block <n>] [--block-range <n>] --network <net>
 *
 * Prints per-gap, per-round and per-campaign tables, the balances, totals and every discrepancy
 * (with --json: one JSON object). Exit code 0 only when everything reconciles to the wei; 1 on any
 * discrepancy or error. Progress goes to stderr, only when stderr is a terminal and not with --json.
 * `--csv <dir>` writes contributions.csv, rounds.csv, gaps.csv, campaigns.csv and pledges.csv.
 */
import * as fs from "fs";
import * as path from "path";
import type { AuditReport } from "../sdk/audit";
import type { IndexedHistory } from "../sdk/indexer";
// units.ts imports nothing generated, so it may load with the config.
import { formatUnitsExact } from "../sdk/units";
import {
  cliTask,
  deploymentsDir,
  loadDeployment,
  printJson,
  printLines,
  renderTable,
  type CliEnv,
  type JsonValue,
} from "./_cli";

interface AuditArgs {
  json: boolean;
  csv?: string;
  fromBlock?: string;
  blockRange?: string;
}

function parseBlockArg(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (!/^\d+$/.test(v) || Number(v) < min || !Number.isSafeInteger(Number(v))) {
    throw new Error(`--${name} "${value}" is not a whole number ≥ ${min}`);
  }
  return Number(v);
}

/** A progress line on stderr, rewritten in place (terminals only). */
function progress(enabled: boolean): {
  update: (label: string, done: number, total: number) => void;
  end: () => void;
} {
  let shown = false;
  return {
    update(label, done, total) {
      if (!enabled) return;
      const pct = total === 0 ? 100 : Math.floor((done / total) * 100);
      process.stderr.write(
        `\r${label} ${done.toLocaleString("en-US")}/${total.toLocaleString("en-US")} (${pct}%)   `,
      );
      shown = true;
    },
    end() {
      if (enabled && shown) process.stderr.write("\r\x1b[K");
      shown = false;
    },
  };
}

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

/**
 * Makes sure the audit can write its CSV files into `dir` (created when missing): otherwise one
 * readable line naming `--csv` and why (a file in the way, no permission, …).
 */
export function prepareCsvDir(dir: string): void {
  const fail = (why: string): never => {
    throw new Error(`--csv "${dir}": cannot write there (${why})`);
  };
  try {
    if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) fail("it is a file, not a directory");
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (e) {
    if (e instanceof Error && e.message.startsWith("--csv")) throw e;
    const code = (e as { code?: unknown }).code;
    fail(
      code === "ENOTDIR" || code === "EEXIST"
        ? "a part of its path is a file, not a directory"
        : code === "EACCES" || code === "EPERM"
          ? "permission denied"
          : code === "EROFS"
            ? "the file system is read-only"
            : typeof code === "string"
              ? code
              : String(e),
    );
  }
}

/** Writes the five CSV tables of an audit into `dir` (raw integer amounts, ISO timestamps). */
export function writeAuditCsv(dir: string, history: IndexedHistory, report: AuditReport): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const files: [string, string][] = [
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
  const written: string[] = [];
  for (const [name, text] of files) {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    written.push(file);
  }
  return written;
}

// ─────────────────────────────────────────────── JSON

/**
 * The report as JSON: amounts as decimal strings in token units; fixed-point values (normalised
 * weights, Σ√c, h, speeds) as decimal strings of their 18-decimal fixed point — no raw integers.
 */
export function auditJson(report: AuditReport, decimals: number): { [key: string]: JsonValue } {
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

// ─────────────────────────────────────────────── task

cliTask(
  "audit",
  "Rebuild cofund's history from events and reconcile it with contract state and token balances",
)
  .addFlag("json", "Print one JSON object on stdout")
  .addOptionalParam(
    "csv",
    "Directory to write contributions.csv, rounds.csv, gaps.csv, campaigns.csv, pledges.csv",
  )
  .addOptionalParam("fromBlock", "First block to index (default: the deployment block)")
  .addOptionalParam(
    "blockRange",
    "Blocks per eth_getLogs request (default 2000; halved when the provider refuses)",
  )
  .setAction(async (args: AuditArgs, env: CliEnv) => {
    const [{ indexCofund }, { auditCofund }, { formatUnitsDisplay }, { shortHex }] = await Promise.all([
      import("../sdk/indexer"),
      import("../sdk/audit"),
      import("../sdk/units"),
      import("../sdk/ids"),
    ]);
    const fromBlock = parseBlockArg("from-block", args.fromBlock, 0);
    const blockRange = parseBlockArg("block-range", args.blockRange, 1);
    // Checked before any indexing: a bad --csv or --from-block fails at once, in one line.
    if (args.csv !== undefined) prepareCsvDir(args.csv);
    const deployment = await loadDeployment(env);
    const provider = env.ethers.provider;
    if (fromBlock !== undefined) {
      const head = await provider.getBlockNumber();
      if (fromBlock > head) {
        throw new Error(`--from-block ${fromBlock} is past the chain head (block ${head})`);
      }
    }
    const bar = progress(!args.json && process.stderr.isTTY === true);

    const history = await indexCofund({
      provider,
      deployment,
      fromBlock,
      blockRange,
      deploymentsDir: deploymentsDir(env),
      onProgress: (done, total) => bar.update("Indexing blocks", done, total),
    });
    bar.end();
    const report = await auditCofund({
      provider,
      history,
      token: deployment.token,
      onProgress: (done, total) => bar.update("Auditing", done, total),
    });
    bar.end();
    const decimals = report.balances.find((b) => b.contract === "allocator")?.decimals ?? 18;
    const csvFiles = args.csv !== undefined ? writeAuditCsv(args.csv, history, report) : [];
    if (!report.ok) process.exitCode = 1;

    if (args.json) {
      printJson({ ...auditJson(report, decimals), csvFiles });
      return;
    }
    const u = (raw: bigint, d = decimals): string => formatUnitsDisplay(raw, d, 6);
    const out: string[] = [
      `Audit of ${env.network.name}: blocks ${history.fromBlock}–${history.toBlock}, ${history.events.length} events (${history.requests} getLogs requests)`,
      "",
      "Gaps",
      renderTable(
        [
          "gap",
          "status",
          "contributors",
          "direct",
          "matched",
          "withdrawn",
          "refunded",
          "withdrawable",
          "pending",
          "refundable",
        ],
        report.gaps.map((g) => [
          g.metadataURI !== "" ? g.metadataURI : shortHex(g.gapId),
          g.status === "closed" ? `closed@${g.closedRound}` : "active",
          String(g.contributors),
          u(g.directTotal),
          u(g.matchedPaid),
          u(g.withdrawn),
          u(g.refunded),
          u(g.withdrawableNow),
          u(g.pendingDirect),
          u(g.refundable),
        ]),
        ["l", "l", "r", "r", "r", "r", "r", "r", "r", "r"],
      ),
      "",
      "Rounds",
      renderTable(
        ["round", "status", "pool", "mode", "cap", "gaps", "allocated", "paid", "returned"],
        report.rounds.map((r) => [
          String(r.roundNumber),
          r.status,
          u(r.poolSize),
          r.distributeWholePool ? "whole pool" : "α≤1",
          r.capBps === 0n ? "—" : `${r.capBps} bps`,
          String(r.gapsFunded),
          u(r.allocated),
          u(r.paid),
          u(r.returned),
        ]),
        ["r", "l", "r", "l", "r", "r", "r", "r", "r"],
      ),
      "",
      "Campaigns",
      renderTable(
        ["id", "mode", "policy", "state", "pledges", "escrow", "h", "pot", "refunds paid", "owed"],
        report.campaigns.map((c) => [
          String(c.campaignId),
          c.mode,
          c.policy,
          c.state,
          String(c.pledges),
          u(c.escrow, c.decimals),
          formatUnitsDisplay(c.h, 18, 6),
          u(c.pot, c.decimals),
          u(c.refundsPaid, c.decimals),
          u(c.owed, c.decimals),
        ]),
        ["r", "l", "l", "l", "r", "r", "r", "r", "r", "r"],
      ),
      "",
      "Balances",
      renderTable(
        ["contract", "token", "owed", "balance", "difference"],
        report.balances.map((b) => [
          b.contract,
          shortHex(b.token),
          u(b.owed, b.decimals),
          u(b.balance, b.decimals),
          b.balance === b.owed
            ? "0"
            : (b.balance > b.owed ? "+" : "−") +
              u(b.balance > b.owed ? b.balance - b.owed : b.owed - b.balance, b.decimals),
        ]),
        ["l", "l", "r", "r", "r"],
      ),
      "",
      `Totals: contributed ${u(report.totals.directContributed)}, matches paid ${u(report.totals.matchesPaid)}, ` +
        `withdrawn ${u(report.totals.withdrawn)}, refunded ${u(report.totals.refunded)}, matching pool ${u(report.totals.matchingPool)}, ` +
        `allocator owes ${u(report.totals.allocatorOwed)}; ${report.totals.campaigns} campaigns, ${report.totals.pledges} pledges`,
    ];
    if (csvFiles.length > 0) out.push(`CSV written: ${csvFiles.join(", ")}`);
    out.push("");
    if (report.ok) {
      out.push("OK: everything reconciles to the wei.");
    } else {
      out.push(
        `${report.discrepancies.length} discrepanc${report.discrepancies.length === 1 ? "y" : "ies"}:`,
      );
      for (const d of report.discrepancies) out.push(`  [${d.kind}] ${d.subject}: ${d.sentence}`);
    }
    printLines(...out);
  });
