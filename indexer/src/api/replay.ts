/**
 * The API's copy of the one event replay (sdk/replay), kept in step with the stored logs: each request
 * applies the logs stored since the last one; when the last applied log is gone or changed (a
 * reorganisation, or another instance's database), it replays from the start. The same code serves
 * `ponder start` and a read-only `ponder serve` instance.
 */
import { asc, eq, gt } from "ponder";
import { db, publicClients } from "ponder:api";
import { cofundEvents } from "ponder:schema";
import type { ReplayState } from "../../../sdk/replay";
import { applyStoredLog, newReplay, TokenDecimals, type ContractReader } from "../stored-logs";

/** The replay and the last stored log it applied. */
let cache: { state: ReplayState; lastId: string; lastHash: string } | undefined;
const client = publicClients.cofund as unknown as ContractReader;
const decimals = new TokenDecimals(client);

/** The replay of every stored log (requests are served one after another, each bringing it up to date). */
let pending: Promise<ReplayState> | undefined;
export function currentState(): Promise<ReplayState> {
  pending = (pending ?? Promise.resolve(undefined)).then(sync, sync);
  return pending;
}

/**
 * Kept in step in the background too (every 2 s, the newly stored logs only), so no request pays for
 * replaying the history — the first one after a backfill included. Errors (the database not ready
 * yet) are retried on the next tick; a request reports its own.
 */
const KEEP_IN_STEP_MS = 2_000;
setInterval(() => void currentState().catch(() => undefined), KEEP_IN_STEP_MS).unref();

async function sync(): Promise<ReplayState> {
  if (cache !== undefined && cache.lastId !== "") {
    const last = await db.select().from(cofundEvents).where(eq(cofundEvents.id, cache.lastId));
    if (last[0]?.blockHash !== cache.lastHash) cache = undefined; // reorganised: replay from the start
  }
  cache ??= { state: await newReplay(client, decimals), lastId: "", lastHash: "" };
  const rows = await db
    .select()
    .from(cofundEvents)
    .where(gt(cofundEvents.id, cache.lastId))
    .orderBy(asc(cofundEvents.id));
  for (const row of rows) {
    await applyStoredLog(cache.state, row, decimals);
    cache.lastId = row.id;
    cache.lastHash = row.blockHash;
  }
  return cache.state;
}

/** Which stored logs the replay has applied (the last one's id and block hash): a key for caches. */
export function stateKey(): string {
  return cache === undefined ? "" : `${cache.lastId}:${cache.lastHash}`;
}
