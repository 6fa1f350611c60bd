/**
 * `audit`: rebuilds the whole cofund history from events (sdk/indexer.ts), recomputes every gap's
 * weights and matches and every campaign's settlement with the SDK's own math, and reconciles it
 * with the contracts' state and token balances (sdk/audit.ts).
 *
 *   npx hardhat audit [--json] [--csv <dir>] [--from-block <n>] [--block-range <n>] [--indexer <url>]
 *                     --network <net>
 *
 * Prints per-gap, per-round and per-campaign tables, the balances, totals and every discrepancy
 * (with --json: one JSON object). Exit code 0 only when everything reconciles to the wei; 1 on any
 * discrepancy or error. Progress goes to stderr, only when stderr is a terminal and not with --json.
 * `--csv <dir>` writes contributions.csv, rounds.csv, gaps.csv, campaigns.csv and pledges.csv.
 * `--indexer <url>` also reconciles that indexer's database (its tables and stored logs, read through
 * its GraphQL) with the chain, at the block the indexer has indexed (sdk/audit/indexer-check.ts).
 */
import * as fs from "fs";
import * as path from "path";
import {
  cliTask,
  deploymentsDir,
  loadDeployment,
  printJson,
  printLines,
  renderTable,
  type CliEnv,
} from "./_cli";

import type { AuditReport } from "../sdk/audit";
import type { IndexedHistory } from "../sdk/indexer";

interface AuditArgs {
  json: boolean;
  csv?: string;
  fromBlock?: string;
  blockRange?: string;
  indexer?: string;
}

function parseBlockArg(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (!/^\d+$/.test(v) || Number(v) < min || !Number.isSafeInteger(Number(v))) {
    throw new Error(`--${name} "${value}" is not a whole number ≥ ${min}`);
  }
  return Number(v);
}

/** What the text report shows. */
interface AuditTextInput {
  network: string;
  history: IndexedHistory;
  report: AuditReport;
  csvFiles: string[];
  /** Raw amounts for display (token decimals: the allocator's by default). */
  u: (raw: bigint, decimals?: number) => string;
  shortHex: (hex: string) => string;
}

/** The report as text: gaps, rounds, campaigns, balances, totals and every discrepancy. */
function auditText({ network, history, report, csvFiles, u, shortHex }: AuditTextInput): string[] {
  const out: string[] = [
    `Audit of ${network}: blocks ${history.fromBlock}–${history.toBlock}, ${history.events.length} events (${history.requests} getLogs requests)`,
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
        u(c.h, 18),
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
  if (report.indexer !== undefined) {
    const rows = Object.entries(report.indexer.rows).map(([table, n]) => `${table} ${n}`);
    out.push(`Indexer ${report.indexer.url} at block ${history.toBlock}: rows compared: ${rows.join(", ")}`);
  }
  out.push("");
  if (report.ok) {
    out.push("OK: everything reconciles to the wei.");
  } else {
    out.push(`${report.discrepancies.length} discrepanc${report.discrepancies.length === 1 ? "y" : "ies"}:`);
    for (const d of report.discrepancies) out.push(`  [${d.kind}] ${d.subject}: ${d.sentence}`);
  }
  return out;
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

// ─────────────────────────────────────────────── CSV directory

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

/** Writes the five CSV tables of an audit (sdk/audit-report.ts) into `dir`; returns the files written. */
function writeAuditCsv(dir: string, tables: [string, string][]): string[] {
  fs.mkdirSync(dir, { recursive: true });
  return tables.map(([name, text]) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  });
}

// ─────────────────────────────────────────────── indexer

/** The block the indexer at `url` has indexed (one-line errors when it cannot be used). */
async function indexedBlockOf(url: string): Promise<number> {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new Error(`--indexer "${url}" is not a URL (e.g. http://127.0.0.1:42069)`);
  }
  const { indexerHealth } = await import("../sdk/audit/indexer-check");
  const health = await indexerHealth(base.toString());
  if (health.indexedBlock === null) throw new Error(`The indexer at ${url} has not indexed any block yet`);
  return health.indexedBlock;
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
  .addOptionalParam(
    "indexer",
    "Also reconcile this indexer's tables and stored logs (its base URL, e.g. http://127.0.0.1:42069)",
  )
  .setAction(async (args: AuditArgs, env: CliEnv) => {
    const [
      { indexCofund },
      { auditCofund },
      { auditCsvTables, auditReportJson },
      { formatUnitsDisplay },
      { shortHex },
    ] = await Promise.all([
      import("../sdk/indexer"),
      import("../sdk/audit"),
      import("../sdk/audit-report"),
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
    // With --indexer, the audit stops at the block the indexer has indexed, so both describe one chain state.
    const indexerBlock = args.indexer === undefined ? undefined : await indexedBlockOf(args.indexer);

    const history = await indexCofund({
      provider,
      deployment,
      fromBlock,
      ...(indexerBlock !== undefined ? { toBlock: indexerBlock } : {}),
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
      ...(args.indexer !== undefined ? { indexer: { url: args.indexer } } : {}),
    });
    if (args.indexer !== undefined) {
      const after = await indexedBlockOf(args.indexer);
      if (after !== indexerBlock) {
        throw new Error(
          `The indexer moved from block ${indexerBlock} to ${after} while the audit read it; run again when the chain is quiet`,
        );
      }
    }
    bar.end();
    const decimals = report.balances.find((b) => b.contract === "allocator")?.decimals ?? 18;
    const csvFiles = args.csv !== undefined ? writeAuditCsv(args.csv, auditCsvTables(history, report)) : [];
    if (!report.ok) process.exitCode = 1;

    if (args.json) {
      printJson({ ...auditReportJson(report, decimals), csvFiles });
      return;
    }
    const u = (raw: bigint, d = decimals): string => formatUnitsDisplay(raw, d, 6);
    printLines(...auditText({ network: env.network.name, history, report, csvFiles, u, shortHex }));
  });
