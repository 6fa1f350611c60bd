/**
 * The indexer's HTTP API (served by Ponder on PORT, default 42069). Ponder's GraphQL (/graphql) and
 * SQL-over-HTTP (/sql/*) stay available beside cofund's JSON endpoints under /api.
 */
import { Hono } from "hono";
import { client, graphql } from "ponder";
import { db, publicClients } from "ponder:api";
import schema from "ponder:schema";
import { sql } from "ponder";
import { allocatorStatsJson, gapRowJson } from "../../../sdk/allocator-json";
import { gapLineJson, roundLineJson } from "../../../sdk/audit-report";
import { gapLine, owedOf } from "../../../sdk/audit/lines";
import { toGapId } from "../../../sdk/ids";
import type { ContributionRow } from "../../../sdk/replay";
import { formatUnitsExact } from "../../../sdk/units";
import { campaignStatusJson } from "../../../sdk/pledges-json";
import { allocatorStatsOf, campaignStatusOf, gapRowOf } from "../../../sdk/views";
import { currentState, stateKey } from "./replay";

const app = new Hono();

app.use("/sql/*", client({ db, schema }));
app.use("/graphql", graphql({ db, schema }));

/** The database schema Ponder writes to (the launcher sets it). */
const dbSchema = process.env.DATABASE_SCHEMA ?? "cofund";

/** The block the indexer has processed up to, from Ponder's checkpoint (block number at chars 26–42). */
async function indexedBlock(): Promise<number | undefined> {
  const rows = (await db.execute(
    sql.raw(`select latest_checkpoint from "${dbSchema.replaceAll('"', "")}"."_ponder_checkpoint"`),
  )) as unknown as { rows?: { latest_checkpoint: string }[] } | { latest_checkpoint: string }[];
  const list = Array.isArray(rows) ? rows : (rows.rows ?? []);
  const checkpoint = list[0]?.latest_checkpoint;
  return checkpoint === undefined ? undefined : Number(checkpoint.slice(26, 42));
}

app.get("/api/health", async (c) => {
  const [indexed, chain] = await Promise.all([indexedBlock(), publicClients.cofund.getBlockNumber()]);
  const chainBlock = Number(chain);
  return c.json({
    ok: indexed !== undefined,
    chainId: publicClients.cofund.chain?.id ?? null,
    indexedBlock: indexed ?? null,
    chainBlock,
    lag: indexed === undefined ? null : Math.max(0, chainBlock - indexed),
  });
});

/** A bad parameter: 400 with a one-line reason. */
class BadRequest extends Error {}

/** `name` as a whole number ≥ `min` (400 otherwise); `fallback` when absent. */
function whole(value: string | undefined, name: string, fallback: number, min = 0): number {
  if (value === undefined || value === "") return fallback;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)) || Number(value) < min) {
    throw new BadRequest(`${name} "${value}" is not a whole number ≥ ${min}`);
  }
  return Number(value);
}

/**
 * The allocator's `contributionRound()` at `block` (the round contributions go to: time decides); read
 * at the deployment block while the indexer has not reached it (nothing indexed yet: round 1).
 */
async function contributionRound(indexed: bigint): Promise<number> {
  const start = BigInt(process.env.COFUND_START_BLOCK ?? "0");
  const block = indexed < start ? start : indexed;
  const round = await publicClients.cofund.readContract({
    address: (process.env.COFUND_ALLOCATOR ?? "") as `0x${string}`,
    abi: [
      {
        type: "function",
        name: "contributionRound",
        stateMutability: "view",
        inputs: [],
        outputs: [{ type: "uint256" }],
      },
    ],
    functionName: "contributionRound",
    blockNumber: block,
  });
  return Number(round);
}

/** `contributionRound()` at the last block asked about (requests at one indexed block share it). */
let roundAt: { block: bigint; round: number } | undefined;

/** The replay and the block it stands at (the indexed block); `key` names both, for caches. */
async function snapshot() {
  const [state, indexed] = await Promise.all([currentState(), indexedBlock()]);
  const block = BigInt(indexed ?? Number(await publicClients.cofund.getBlockNumber()));
  if (roundAt?.block !== block) roundAt = { block, round: await contributionRound(block) };
  return { state, block, contributionRound: roundAt.round, key: `${block}:${stateKey()}` };
}

/** Answers computed at one snapshot (its key), by route: cleared when the snapshot moves. */
const answers: { key: string; byRoute: Map<string, unknown> } = { key: "", byRoute: new Map() };
async function memo<T>(key: string, route: string, compute: () => Promise<T>): Promise<T> {
  if (answers.key !== key) Object.assign(answers, { key, byRoute: new Map() });
  if (!answers.byRoute.has(route)) answers.byRoute.set(route, await compute());
  return answers.byRoute.get(route) as T;
}

app.onError((error, c) => {
  if (error instanceof BadRequest) return c.json({ error: error.message }, 400);
  return c.json({ error: error instanceof Error ? error.message : String(error) }, 500);
});

/** Every gap and the system totals, as `qf:stats --json` prints them (`?offset=&limit=` page the gaps). */
app.get("/api/gaps/funding/stats", async (c) => {
  const offset = whole(c.req.query("offset"), "offset", 0);
  const limit = whole(c.req.query("limit"), "limit", 0);
  const { state, block, contributionRound: cr, key } = await snapshot();
  // Every gap's row: the costly part, computed once per snapshot.
  const stats = await memo(key, "stats", () => Promise.resolve(allocatorStatsOf(state, cr, Number(block))));
  const page = limit === 0 ? stats.gaps.slice(offset) : stats.gaps.slice(offset, offset + limit);
  const paged = { ...stats, gaps: page };
  return c.json(
    allocatorStatsJson(
      paged,
      page.map((g) => g.name),
      state.decimals,
    ),
  );
});

/** A `gap_funding_contributions` row as JSON (the allocator design's columns). */
function contributionJson(r: ContributionRow, u: (raw: bigint) => string) {
  return {
    id: r.id,
    timestamp: r.timestamp,
    block: r.blockNumber,
    txHash: r.txHash,
    contributor: r.contributor,
    gapId: r.gapId,
    amount: u(r.amount),
    tier: r.tier,
    matchingAmount: u(r.matchingAmount),
    totalAllocation: u(r.totalAllocation),
    round: r.round,
  };
}

/** One gap (a name or a 0x bytes32 id): its row, its rounds and its contributions. */
app.get("/api/gaps/:gapId/funding", async (c) => {
  let gapId: string;
  try {
    gapId = toGapId(c.req.param("gapId")).toLowerCase();
  } catch (error) {
    throw new BadRequest(error instanceof Error ? error.message : String(error));
  }
  const { state, contributionRound: cr } = await snapshot();
  const gap = state.gaps.get(gapId);
  if (gap === undefined || gap.registered === undefined) return c.json({ error: `no gap ${gapId}` }, 404);
  const u = (raw: bigint): string => formatUnitsExact(raw, state.decimals);
  const row = gapRowOf(state, gap, cr);
  return c.json({
    ...gapRowJson(row, row.name, state.decimals),
    rounds: gapLineJson(gapLine(state, gap).line, state.decimals).rounds,
    contributions: state.contributions.filter((r) => r.gapId === gapId).map((r) => contributionJson(r, u)),
  });
});

/** The chain's time at `block` (unix seconds). */
async function timeAt(block: bigint): Promise<bigint> {
  return (await publicClients.cofund.getBlock({ blockNumber: block })).timestamp;
}

/** Every campaign: live h, payments and leverages while open, the settled values after. */
/**
 * Every campaign, as `cqf:status --json` describes each — but real leverage (a solve per pledge;
 * null here): `GET /api/campaigns/{id}` gives it.
 */
app.get("/api/campaigns", async (c) => {
  const { state, block, key } = await snapshot();
  const body = await memo(key, "campaigns", async () => {
    const now = await timeAt(block);
    const list = [...state.campaigns.values()].map((k) =>
      campaignStatusJson(campaignStatusOf(state, k, now, { realLeverage: false })),
    );
    return { campaigns: list };
  });
  return c.json(body);
});

/** One campaign, as `cqf:status --json` describes it. */
app.get("/api/campaigns/:id", async (c) => {
  const id = whole(c.req.param("id"), "campaign", 0, 1);
  const { state, block, key } = await snapshot();
  const campaign = state.campaigns.get(id);
  if (campaign === undefined) return c.json({ error: `no campaign ${id}` }, 404);
  const body = await memo(key, `campaign ${id}`, async () =>
    campaignStatusJson(campaignStatusOf(state, campaign, await timeAt(block))),
  );
  return c.json(body);
});

/** What one address did: its contributions (and refunds) and its pledges. */
app.get("/api/contributors/:address", async (c) => {
  const address = c.req.param("address");
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) throw new BadRequest(`"${address}" is not an address`);
  const who = address.toLowerCase();
  const { state } = await snapshot();
  const u = (raw: bigint): string => formatUnitsExact(raw, state.decimals);
  const contributions = state.contributions.filter(
    (r) => r.tier === "direct" && r.contributor.toLowerCase() === who,
  );
  const refunds = [...state.gaps.values()].flatMap((g) =>
    g.refunds
      .filter((r) => r.contributor.toLowerCase() === who)
      .map((r) => ({ gapId: g.gapId, round: r.round, amount: u(r.amount), txHash: r.txHash })),
  );
  const pledges = [...state.campaigns.values()].flatMap((k) =>
    k.pledges
      .filter((p) => p.pledger.toLowerCase() === who)
      .map((p) => ({
        campaignId: k.campaignId,
        pledgeId: p.pledgeId,
        state: p.state,
        limit: formatUnitsExact(p.limit, k.decimals),
        payment: formatUnitsExact(p.payment, k.decimals),
        refund: formatUnitsExact(p.refund, k.decimals),
      })),
  );
  return c.json({
    address: who,
    contributed: u(contributions.reduce((a, r) => a + r.amount, 0n)),
    contributions: contributions.map((r) => contributionJson(r, u)),
    refunds,
    pledges,
  });
});

/** Every round (open, finalised, swept). */
app.get("/api/rounds", async (c) => {
  const { state } = await snapshot();
  return c.json({ rounds: owedOf(state, undefined).roundLines.map((r) => roundLineJson(r, state.decimals)) });
});

/** One round. */
app.get("/api/rounds/:n", async (c) => {
  const n = whole(c.req.param("n"), "round", 0, 1);
  const { state } = await snapshot();
  const line = owedOf(state, undefined).roundLines.find((r) => r.roundNumber === n);
  if (line === undefined) return c.json({ error: `no round ${n}` }, 404);
  return c.json(roundLineJson(line, state.decimals));
});

/** The allocator design's writes are wallet transactions: the API names the function and the CLI task. */
const WRITES: Record<string, { contract: string; function: string; cli: string }> = {
  "/fund": {
    contract: "QuadraticFundingAllocator",
    function: "contributeToGap(bytes32 gapId, uint256 amount) or contributeToGapWithPermit(…)",
    cli: "npx hardhat qf:contribute --gap <name|0x…> --amount <tokens> --network <name>",
  },
  "/match": {
    contract: "QuadraticFundingAllocator",
    function: "computeMatchingRound(uint256 poolSize) (KEEPER_ROLE), after fundMatchingPool(uint256 amount)",
    cli: "npx hardhat qf:match --pool <tokens|all> --network <name> (or the keeper: npx hardhat keeper)",
  },
};
for (const [path, write] of Object.entries(WRITES)) {
  for (const p of [path, `/api${path}`]) {
    app.all(p, (c) => {
      return c.json(
        {
          error: `${c.req.method} ${p} is not served: it is a wallet transaction on chain, signed by the contributor or keeper`,
          ...write,
        },
        405,
      );
    });
  }
}

export default app;
