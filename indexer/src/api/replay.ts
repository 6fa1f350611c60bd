/**
 * The API's copy of the one event replay (sdk/replay), kept in step with the stored logs: each request
 * applies the logs stored since the last one; when the last applied log is gone or changed (a
 * reorganisation, or another instance's database), it replays from the start. The same code serves
 * `ponder start` and a read-only `ponder serve` instance.
 */
import { asc, eq, gt } from "ponder";
import { db, publicClients } from "ponder:api";
import { cofundEvents } from "ponder:schema";
import { erc20Abi } from "viem";
import {
  apply,
  decodeCofundLog,
  emptyState,
  type CofundContract,
  type ReplayState,
} from "../../../sdk/replay";

/** The replay and the last stored log it applied. */
interface Cache {
  state: ReplayState;
  lastId: string;
  lastHash: string;
}

let cache: Cache | undefined;
const decimals = new Map<string, number>();

async function tokenDecimals(token: string): Promise<number> {
  const key = token.toLowerCase();
  const known = decimals.get(key);
  if (known !== undefined) return known;
  const value = Number(
    await publicClients.cofund.readContract({
      address: token as `0x${string}`,
      abi: erc20Abi,
      functionName: "decimals",
    }),
  );
  decimals.set(key, value);
  return value;
}

type Row = typeof cofundEvents.$inferSelect;

async function fresh(): Promise<Cache> {
  const allocator = process.env.COFUND_ALLOCATOR ?? "";
  const pledges = process.env.COFUND_PLEDGES ?? "";
  const token = await publicClients.cofund.readContract({
    address: allocator as `0x${string}`,
    abi: [
      {
        type: "function",
        name: "token",
        stateMutability: "view",
        inputs: [],
        outputs: [{ type: "address" }],
      },
    ],
    functionName: "token",
  });
  const state = emptyState({
    allocator: allocator.toLowerCase(),
    pledges: pledges.toLowerCase(),
    allocatorDecimals: await tokenDecimals(token),
    decimalsOf: (t) => decimals.get(t.toLowerCase()) ?? 18,
  });
  return { state, lastId: "", lastHash: "" };
}

async function applyRow(c: Cache, row: Row): Promise<void> {
  const contract: CofundContract = row.contract === "Allocator" ? "allocator" : "pledges";
  const event = decodeCofundLog(
    contract,
    {
      address: row.address,
      topics: row.topics,
      data: row.data,
      blockNumber: Number(row.blockNumber),
      index: row.logIndex,
      transactionHash: row.transactionHash,
    },
    Number(row.timestamp),
  );
  if (event !== undefined) {
    // A campaign's settlement math needs its token's scale: known before its creation is applied.
    if (event.contract === "pledges" && event.name === "CampaignCreated") {
      await tokenDecimals((event.args as { token: string }).token);
    }
    apply(c.state, event);
  }
  c.lastId = row.id;
  c.lastHash = row.blockHash;
}

/** The replay of every stored log (one request at a time brings it up to date). */
let pending: Promise<ReplayState> | undefined;
export function currentState(): Promise<ReplayState> {
  pending = (pending ?? Promise.resolve(undefined as unknown as ReplayState)).then(sync, sync);
  return pending;
}

async function sync(): Promise<ReplayState> {
  if (cache !== undefined && cache.lastId !== "") {
    const last = await db.select().from(cofundEvents).where(eq(cofundEvents.id, cache.lastId));
    if (last[0]?.blockHash !== cache.lastHash) cache = undefined; // reorganised: replay from the start
  }
  cache ??= await fresh();
  const rows = await db
    .select()
    .from(cofundEvents)
    .where(gt(cofundEvents.id, cache.lastId))
    .orderBy(asc(cofundEvents.id));
  for (const row of rows) await applyRow(cache, row);
  return cache.state;
}
