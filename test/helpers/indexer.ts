/**
 * The indexer as users run it (`hardhat indexer --network localhost`, Ponder in a child process) for
 * the end-to-end suites, on PGlite in a temporary directory or, when `DATABASE_URL` is set, on that
 * PostgreSQL in a schema of its own; and the reads the suites compare with the chain.
 */
import type { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import type { JsonRpcProvider } from "ethers";
import { childEnv, freePort, startHardhat, stopProcess } from "./local-node";

/** A running indexer. */
export interface RunningIndexer {
  child: ChildProcess;
  port: number;
  base: string;
  /** What the task printed once ready (its --json line). */
  ready: Record<string, unknown>;
  /** Everything it wrote to stderr (Ponder's log). */
  log: () => string;
  /** Where its data lives: PGlite's directory, or the PostgreSQL schema (with DATABASE_URL). */
  data: IndexerData;
  /** Stops it and deletes its data, or keeps it (`keep`) for a restart with `startIndexer(…, data)`. */
  stop: (options?: { keep?: boolean }) => Promise<void>;
}

/** An indexer's database: PGlite's directory or a PostgreSQL schema. */
export type IndexerData = { pgliteDir: string } | { schema: string };

/** Starts the indexer task against the node at `url` and resolves once it printed its ready line. */
export async function startIndexer(
  url: string,
  deploymentId: string,
  extra: Record<string, string> = {},
  reuse?: IndexerData,
  flags: string[] = [],
): Promise<RunningIndexer> {
  const port = await freePort();
  const data: IndexerData =
    reuse ??
    (process.env.DATABASE_URL !== undefined && process.env.DATABASE_URL !== ""
      ? { schema: `t${process.pid}_${Date.now() % 1e8}` }
      : { pgliteDir: fs.mkdtempSync(path.join(os.tmpdir(), "cofund-pglite-")) });
  const database: Record<string, string> =
    "schema" in data ? { DATABASE_SCHEMA: data.schema } : { COFUND_PGLITE_DIR: data.pgliteDir };
  const child = startHardhat(
    ["indexer", "--json", ...flags, "--network", "localhost"],
    childEnv(url, deploymentId, { PORT: String(port), COFUND_POLLING_MS: "100", ...database, ...extra }),
  );
  let stdout = "";
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-50_000)));
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`indexer not ready in 120 s:\n${stderr}`)), 120_000);
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString();
      const line = stdout.split("\n").find((l) => l.startsWith("{"));
      if (line !== undefined) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as Record<string, unknown>);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`indexer exited (${code}) before it was ready:\n${stderr}`));
    });
  });
  return {
    child,
    port,
    base: `http://127.0.0.1:${port}`,
    ready,
    log: () => stderr,
    data,
    stop: async (options = {}) => {
      await stopProcess(child);
      if (!options.keep && "pgliteDir" in data) fs.rmSync(data.pgliteDir, { recursive: true, force: true });
    },
  };
}

/** GET `path` of the indexer as JSON, with its status. */
export async function getJson(
  indexer: RunningIndexer,
  route: string,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(indexer.base + route);
  return { status: res.status, body: await res.json() };
}

/** Resolves once the indexer has processed the node's latest block (and its hash), 60 s at most. */
export async function waitSynced(indexer: RunningIndexer, provider: JsonRpcProvider): Promise<number> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const head = await provider.getBlockNumber();
    const { body } = await getJson(indexer, "/api/health");
    const health = body as { indexedBlock: number | null };
    if (health.indexedBlock === head) return head;
    if (Date.now() > deadline) {
      throw new Error(
        `indexer at block ${health.indexedBlock}, node at ${head}:\n${indexer.log().slice(-3_000)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One GraphQL query against the indexer (throws on GraphQL errors). */
export async function graphql<T>(indexer: RunningIndexer, query: string): Promise<T> {
  const res = await fetch(indexer.base + "/graphql", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors !== undefined) throw new Error(body.errors.map((e) => e.message).join("; "));
  return body.data as T;
}

/** A stored log as the indexer keeps it. */
export interface StoredLog {
  blockNumber: string;
  blockHash: string;
  transactionHash: string;
  logIndex: number;
  address: string;
  topics: string[];
  data: string;
}

/** Every log the indexer stored, in chain order (GraphQL, pages of 1,000). */
export async function storedLogs(indexer: RunningIndexer): Promise<StoredLog[]> {
  const out: StoredLog[] = [];
  let after: string | null = null;
  for (;;) {
    const cursor: string = after === null ? "" : `, after: ${JSON.stringify(after)}`;
    const page: {
      cofundEventss: { items: StoredLog[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
    } = await graphql(
      indexer,
      `{ cofundEventss(limit: 1000, orderBy: "id", orderDirection: "asc"${cursor}) {
          items { blockNumber blockHash transactionHash logIndex address topics data }
          pageInfo { hasNextPage endCursor } } }`,
    );
    out.push(...page.cofundEventss.items);
    if (!page.cofundEventss.pageInfo.hasNextPage) return out;
    after = page.cofundEventss.pageInfo.endCursor;
  }
}

/** A PostgreSQL client (the `pg` package Ponder brings), typed as far as the suites use it. */
interface PgClient {
  connect(): Promise<void>;
  query(sql: string): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<void>;
}

/** Ponder's row triggers feed its live queries (a table of its own sessions): an outside edit skips them. */
const EDIT_WITHOUT_TRIGGERS = "set session_replication_role = replica";

/**
 * Runs `sql` on an indexer's database directly, as an operator with database access would: on
 * PostgreSQL while it runs (`search_path` set to its schema); PGlite is one process's, so the indexer
 * must be stopped (with `keep`) first.
 */
export async function queryIndexerDatabase(
  data: IndexerData,
  sql: string,
): Promise<Record<string, unknown>[]> {
  if ("schema" in data) {
    const require = createRequire(import.meta.url);
    const { Client } = require("pg") as { Client: new (config: { connectionString: string }) => PgClient };
    const client = new Client({ connectionString: process.env.DATABASE_URL! });
    await client.connect();
    try {
      await client.query(`set search_path to "${data.schema}"`);
      await client.query(EDIT_WITHOUT_TRIGGERS);
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  }
  const { PGlite } = await import("@electric-sql/pglite");
  const db = new PGlite(data.pgliteDir);
  try {
    await db.query(`set search_path to "cofund"`); // the task's default schema
    await db.query(EDIT_WITHOUT_TRIGGERS);
    return (await db.query<Record<string, unknown>>(sql)).rows;
  } finally {
    await db.close();
  }
}
