/**
 * `indexer`: indexes cofund's events into a database with Ponder (indexer/) and serves the HTTP API.
 *
 *   npm run indexer -- --network <name> [--json] [--serve]
 *
 * The contracts and the first block come from the deployment records, the node from the network
 * (`LOCALHOST_URL` for localhost; `RPC_URL` overrides any network's URL). Without `DATABASE_URL` the
 * data lives in PGlite under indexer/.ponder/ (one directory per deployment, so a restarted local
 * node never meets another chain's data); with it, in PostgreSQL, in the schema `DATABASE_SCHEMA`
 * (default "cofund"). `COFUND_PGLITE_DIR` chooses PGlite's directory. HTTP on `PORT` (default 42069). Ponder's log goes to stderr; once the API
 * answers, one line on stdout gives its URL (with --json: one JSON object). Runs until SIGINT/SIGTERM.
 * `--serve` starts a second, read-only instance on the same PostgreSQL database (Ponder's `serve`: the
 * API, GraphQL and SQL over what the indexing instance writes; PGlite belongs to one process).
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { cliTask, deploymentsDir, loadDeployment, printJson, printLines, type CliEnv } from "./_cli";

interface IndexerArgs {
  json: boolean;
  serve: boolean;
}

/** The default HTTP port (Ponder's). */
export const DEFAULT_INDEXER_PORT = 42069;

/** `PORT` as a TCP port: one sentence when it is not one. */
export function indexerPort(raw: string | undefined): number {
  const value = raw?.trim();
  if (value === undefined || value === "") return DEFAULT_INDEXER_PORT;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 65_535) {
    throw new Error(`PORT "${raw}" is not a TCP port (1–65535)`);
  }
  return Number(value);
}

/** Ponder's command line script. */
function ponderBin(): string {
  // The package exports no package.json: find it above its entry point.
  let dir = path.dirname(fileURLToPath(import.meta.resolve("ponder")));
  while (!fs.existsSync(path.join(dir, "package.json"))) dir = path.dirname(dir);
  const { bin } = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as {
    bin: { ponder: string };
  };
  return path.join(dir, bin.ponder);
}

/** Resolves once `url` answers 200, or rejects when the child exits first or `timeoutMs` passes. */
async function whenReady(
  url: string,
  child: ChildProcess,
  log: () => string,
  timeoutMs: number,
): Promise<void> {
  const started = Date.now();
  let exited: number | null | undefined;
  child.once("exit", (code) => (exited = code));
  for (;;) {
    if (exited !== undefined) {
      const last = log().trim().split("\n").slice(-3).join(" | ");
      throw new Error(
        `the indexer stopped before it was ready (exit code ${exited})${last ? `: ${last}` : ""}`,
      );
    }
    if (Date.now() - started > timeoutMs)
      throw new Error(`the indexer was not ready within ${timeoutMs / 1000} s`);
    try {
      const res = await fetch(url);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

cliTask("indexer", "Index cofund's events into a database (Ponder) and serve the HTTP API on PORT")
  .addFlag("json", "Print one JSON object on stdout once the API answers")
  .addFlag("serve", "Serve reads only, from the database another instance indexes into (PostgreSQL)")
  .setAction(async (args: IndexerArgs, env: CliEnv) => {
    if (args.serve && !process.env.DATABASE_URL?.trim()) {
      throw new Error(
        "--serve reads the database another instance indexes into: set DATABASE_URL (PGlite belongs to one process)",
      );
    }
    const { findDeploymentBlock, requireContract } = await import("../sdk/deployments");
    const deployment = await loadDeployment(env);
    const allocator = requireContract(deployment, "QuadraticFundingAllocator");
    const pledges = requireContract(deployment, "CoordinatedPledges");
    const rpcUrl = process.env.RPC_URL?.trim() || env.network.url;
    if (rpcUrl === undefined) {
      throw new Error(
        `network ${env.network.name} has no node URL: the indexer needs one (--network localhost, or set RPC_URL)`,
      );
    }
    const port = indexerPort(process.env.PORT);
    const startBlock = await findDeploymentBlock(env.ethers.provider, [allocator, pledges], {
      deploymentId: deployment.deploymentId,
      deploymentsDir: deploymentsDir(env),
    });
    const first = await env.ethers.provider.getBlock(startBlock);
    const root = path.join(env.hre.config.paths.root, "indexer");
    const databaseUrl = process.env.DATABASE_URL?.trim() || undefined;
    const schema = process.env.DATABASE_SCHEMA?.trim() || "cofund";
    const pgliteDir =
      process.env.COFUND_PGLITE_DIR?.trim() ||
      path.join(
        root,
        ".ponder",
        `chain-${deployment.chainId}-${allocator.slice(2, 10).toLowerCase()}-${(first?.hash ?? "0x").slice(2, 10)}`,
      );
    let output = "";
    const child = spawn(
      process.execPath,
      [
        ponderBin(),
        "--root",
        root,
        args.serve ? "serve" : "start",
        "--schema",
        schema,
        "--port",
        String(port),
      ],
      {
        cwd: root,
        stdio: ["ignore", "pipe", "pipe"],
        env: {
          ...process.env,
          PONDER_TELEMETRY_DISABLED: "true",
          DATABASE_SCHEMA: schema,
          COFUND_CHAIN_ID: String(deployment.chainId),
          COFUND_RPC_URL: rpcUrl,
          COFUND_ALLOCATOR: allocator,
          COFUND_PLEDGES: pledges,
          COFUND_START_BLOCK: String(startBlock),
          COFUND_PGLITE_DIR: pgliteDir,
        },
      },
    );
    const relay = (d: Buffer): void => {
      output = (output + d.toString()).slice(-4_000);
      process.stderr.write(d);
    };
    child.stdout?.on("data", relay);
    child.stderr?.on("data", relay);
    // Ponder stops with this process however it ends: a signal, or Hardhat exiting on one.
    let stopping = false;
    const stop = (): void => {
      stopping = true;
      child.kill("SIGTERM");
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    process.once("exit", stop);
    const done = new Promise<number | null>((resolve) => child.once("exit", resolve));

    const url = `http://localhost:${port}`;
    try {
      // A serving instance answers once its API does; an indexing one once its backfill is done.
      const probe = args.serve ? "/api/health" : "/ready";
      await whenReady(`http://127.0.0.1:${port}${probe}`, child, () => output, 600_000);
    } catch (error) {
      if (stopping) return; // stopped by a signal while starting: not an error
      throw error;
    }
    const where = databaseUrl !== undefined ? `PostgreSQL (schema ${schema})` : `PGlite in ${pgliteDir}`;
    if (args.json) {
      printJson({
        url,
        port,
        network: env.network.name,
        chainId: Number(deployment.chainId),
        allocator,
        pledges,
        startBlock,
        database: databaseUrl !== undefined ? "postgres" : "pglite",
        mode: args.serve ? "serve" : "index",
      });
    } else {
      printLines(
        `cofund indexer ready: ${url}  (API ${url}/api/…, GraphQL ${url}/graphql, SQL ${url}/sql)`,
        args.serve
          ? `serving reads of chain ${deployment.chainId} from ${where} (another instance indexes)`
          : `indexing chain ${deployment.chainId} from block ${startBlock} into ${where}`,
      );
    }
    const code = await done;
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    process.off("exit", stop);
    if (!stopping && code !== 0 && code !== null) throw new Error(`the indexer stopped (exit code ${code})`);
  });
