/**
 * `audit --indexer <url>`: reconciles an indexer's database with the chain. The auditor's replay of
 * the chain's logs (up to the block the indexer has indexed) gives every row the indexer should hold
 * (sdk/indexer-tables.ts, the functions the indexer writes them with); the indexer's rows are read
 * through its GraphQL endpoint, table by table, in pages. A row missing, extra, or with a column
 * that differs is an `indexer-table` discrepancy; a stored log that differs from the chain's is an
 * `indexer-log` one.
 */
import type { IndexedEvent } from "../indexer";
import {
  campaignTableRows,
  contributionTableRow,
  gapTableRow,
  roundTableRow,
  settlementTableRow,
} from "../indexer-tables";
import { decodeCofundLog } from "../replay";
import type { ReplayState } from "../replay/state";
import { registeredGaps } from "../views";
import type { Findings } from "./compare";
import { roundLines } from "./lines";

/** What the check needs. */
export interface IndexerCheckInput {
  /** The indexer's base URL (its /api/health and /graphql). */
  url: string;
  /** The replay of the chain's logs up to the block the indexer indexed. */
  s: ReplayState;
  events: readonly IndexedEvent[];
  /** The chain's time at that block (unix seconds). */
  now: bigint;
  /** Round `n`'s start on chain (`getRound(n).startTime`). */
  roundStart: (n: number) => Promise<bigint | null>;
  findings: Findings;
  fetch?: typeof fetch;
}

/** What the indexer's health endpoint says. */
export interface IndexerHealth {
  indexedBlock: number | null;
  chainBlock: number;
}

/** Rows compared per table. */
export type IndexerRowCounts = Record<string, number>;

type Value = string | number | boolean | bigint | null;
type Row = Record<string, Value>;

/** One line of why an indexer request failed. */
const unreachable = (url: string, why: string): Error =>
  new Error(`The indexer at ${url} did not answer: ${why}`);

async function getJson(doFetch: typeof fetch, url: string, init?: RequestInit): Promise<unknown> {
  let res: Response;
  try {
    res = await doFetch(url, init);
  } catch (e) {
    throw unreachable(
      url,
      e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(e),
    );
  }
  if (!res.ok) throw unreachable(url, `HTTP ${res.status}`);
  return res.json();
}

/** The indexer's /api/health. */
export async function indexerHealth(url: string, doFetch: typeof fetch = fetch): Promise<IndexerHealth> {
  const body = (await getJson(doFetch, new URL("/api/health", url).toString())) as Partial<IndexerHealth>;
  if (typeof body.chainBlock !== "number") throw unreachable(url, "its /api/health is not cofund's");
  return { indexedBlock: body.indexedBlock ?? null, chainBlock: body.chainBlock };
}

/** Every row of a table (GraphQL plural `field`), in pages of 1,000. */
async function tableRows(
  doFetch: typeof fetch,
  url: string,
  field: string,
  columns: string[],
): Promise<Row[]> {
  const out: Row[] = [];
  let after: string | null = null;
  const endpoint = new URL("/graphql", url).toString();
  for (;;) {
    const cursor = after === null ? "" : `, after: ${JSON.stringify(after)}`;
    const query = `{ ${field}(limit: 1000${cursor}) { items { ${columns.join(" ")} } pageInfo { hasNextPage endCursor } } }`;
    const body = (await getJson(doFetch, endpoint, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query }),
    })) as {
      data?: Record<string, { items: Row[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }>;
      errors?: { message: string }[];
    };
    const page = body.data?.[field];
    if (page === undefined)
      throw unreachable(url, body.errors?.[0]?.message ?? `no ${field} in its GraphQL answer`);
    out.push(...page.items);
    if (!page.pageInfo.hasNextPage) return out;
    after = page.pageInfo.endCursor;
  }
}

/** A value as the GraphQL answer writes it (bigint as a decimal string, hex in lower case). */
function canonical(v: Value | undefined): Value {
  if (v === undefined) return null;
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "string" && /^0x[0-9a-fA-F]*$/.test(v)) return v.toLowerCase();
  return v;
}

/** Equal as stored: floats (the leverages, single precision in the database) to 1e-6 relative. */
function same(expected: Value, actual: Value): boolean {
  if (typeof expected === "number" && typeof actual === "number" && !Number.isInteger(expected)) {
    return Math.abs(expected - actual) <= 1e-6 * Math.max(1, Math.abs(expected));
  }
  return expected === actual;
}

/** Compares one table: `expected` rows (SDK rows) with the indexer's, by `key`. */
function compareTable(findings: Findings, table: string, key: string, expected: Row[], actual: Row[]): void {
  const byKey = new Map(actual.map((r) => [String(canonical(r[key] ?? null)), r]));
  for (const want of expected) {
    const id = String(canonical(want[key] ?? null));
    const got = byKey.get(id);
    const subject = `indexer ${table} ${id}`;
    if (got === undefined) {
      findings.add("indexer-table", subject, "a row", "none", `The indexer has no ${table} row ${id}.`);
      continue;
    }
    byKey.delete(id);
    for (const column of Object.keys(want)) {
      const [e, a] = [canonical(want[column]), canonical(got[column])];
      if (same(e, a)) continue;
      const sentence = `The indexer's ${table} row ${id} has ${column} ${String(a)}; the chain's history gives ${String(e)}.`;
      findings.add("indexer-table", subject, String(e), String(a), sentence);
    }
  }
  for (const id of byKey.keys()) {
    const sentence = `The indexer's ${table} row ${id} is not in the chain's history.`;
    findings.add("indexer-table", `indexer ${table} ${id}`, "none", "a row", sentence);
  }
}

/** A decoded event's arguments as comparable text. */
const argsText = (e: IndexedEvent): string =>
  JSON.stringify(e.args, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));

/**
 * The stored logs against the chain's: every log the replay knows (role events aside) at the same
 * place, of the same transaction, decoding to the same event and arguments.
 */
async function compareLogs(input: IndexerCheckInput, doFetch: typeof fetch): Promise<number> {
  const columns = ["blockNumber", "transactionHash", "logIndex", "address", "topics", "data"];
  const stored = await tableRows(doFetch, input.url, "cofundEventss", columns);
  const key = (block: Value, index: Value): string => `block ${String(block)} log ${String(index)}`;
  const chain = new Map(input.events.map((e) => [key(e.position.blockNumber, e.position.logIndex), e]));
  const allocator = input.s.context.allocator?.toLowerCase();
  const add = (k: string, expected: string, actual: string, sentence: string): void =>
    input.findings.add("indexer-log", `indexer log ${k}`, expected, actual, sentence);
  for (const row of stored) {
    const k = key(row.blockNumber ?? null, row.logIndex ?? null);
    const address = String(row.address);
    const decoded = decodeCofundLog(
      address.toLowerCase() === allocator ? "allocator" : "pledges",
      {
        address,
        topics: row.topics as unknown as string[],
        data: String(row.data),
        blockNumber: Number(row.blockNumber),
        index: Number(row.logIndex),
        transactionHash: String(row.transactionHash),
      },
      0,
    );
    if (decoded === undefined) continue; // not an event of the replay (e.g. a role grant)
    const e = chain.get(k);
    if (e === undefined) {
      add(k, "none", decoded.name, `The indexer stored a ${decoded.name} at ${k} the chain does not have.`);
      continue;
    }
    chain.delete(k);
    const [want, got] = [
      `${e.name} ${argsText(e)} in ${e.position.txHash}`,
      `${decoded.name} ${argsText(decoded)} in ${String(row.transactionHash)}`,
    ];
    if (want.toLowerCase() !== got.toLowerCase())
      add(k, want, got, `The indexer's log at ${k} is ${got}; the chain's is ${want}.`);
  }
  for (const [k, e] of chain) add(k, e.name, "none", `The indexer is missing the chain's ${e.name} at ${k}.`);
  return stored.length;
}

/** Reconciles the indexer's tables and stored logs with the replay (see the module comment). */
export async function checkIndexer(input: IndexerCheckInput): Promise<IndexerRowCounts> {
  const { s, url, findings } = input;
  const doFetch = input.fetch ?? fetch;
  const rounds = await Promise.all(
    roundLines(s).lines.map(async (l) => ({
      ...roundTableRow(s, l.roundNumber),
      startedAt: await input.roundStart(l.roundNumber),
    })),
  );
  const campaigns = [...s.campaigns.values()].map((c) => campaignTableRows(s, c, input.now));
  const tables: [table: string, field: string, key: string, rows: Row[]][] = [
    [
      "gap_funding_contributions",
      "gapFundingContributionss",
      "id",
      s.contributions.map(contributionTableRow) as unknown as Row[],
    ],
    ["gap_funding_rounds", "gapFundingRoundss", "roundNumber", rounds as unknown as Row[]],
    ["gaps", "gapss", "gapId", registeredGaps(s).map((g) => gapTableRow(s, g)) as unknown as Row[]],
    ["campaigns", "campaignss", "campaignId", campaigns.map((c) => c.campaign) as unknown as Row[]],
    ["pledges", "pledgess", "id", campaigns.flatMap((c) => c.pledges) as unknown as Row[]],
    ["settlements", "settlementss", "campaignId", s.settlements.map(settlementTableRow) as unknown as Row[]],
  ];
  const counts: IndexerRowCounts = { cofund_events: await compareLogs(input, doFetch) };
  for (const [table, field, key, expected] of tables) {
    const columns = Object.keys(expected[0] ?? { [key]: null });
    const actual = await tableRows(doFetch, url, field, columns);
    compareTable(findings, table, key, expected, actual);
    counts[table] = actual.length;
  }
  return counts;
}
