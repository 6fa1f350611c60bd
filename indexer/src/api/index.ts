/**
 * The indexer's HTTP API (served by Ponder on PORT, default 42069). Ponder's GraphQL (/graphql) and
 * SQL-over-HTTP (/sql/*) stay available beside cofund's JSON endpoints under /api.
 */
import { Hono } from "hono";
import { client, graphql } from "ponder";
import { db, publicClients } from "ponder:api";
import schema from "ponder:schema";
import { sql } from "ponder";

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
