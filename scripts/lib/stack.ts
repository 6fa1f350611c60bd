/**
 * A local cofund stack from scripts: `hardhat` child processes (a node, the indexer, one-shot tasks),
 * waiting for them to answer, deploying, and stopping everything started. Used by `npm run app` and
 * `npm run bench:indexer`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import type { HistoryContracts } from "../../deploy/history";

export const ROOT = path.resolve(import.meta.dirname, "..", "..");
const HARDHAT = path.join(ROOT, "node_modules", "hardhat", "dist", "src", "cli.js");
const children: ChildProcess[] = [];

/** The TCP port in environment variable `name`, or `fallback`. */
export function port(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 65_535)
    throw new Error(`${name} "${raw}" is not a TCP port`);
  return Number(raw);
}

/**
 * Starts `hardhat <args>` in the project root with `env`; its output goes to stderr, prefixed (with
 * `relay` false only its stderr: a node logs every request on stdout).
 */
export function hardhat(args: string[], env: NodeJS.ProcessEnv, prefix: string, relay = true): ChildProcess {
  const child = spawn(process.execPath, [HARDHAT, ...args], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const write = (d: Buffer): void => {
    for (const line of d.toString().split("\n"))
      if (line.trim() !== "") process.stderr.write(`[${prefix}] ${line}\n`);
  };
  if (relay) child.stdout?.on("data", write);
  child.stderr?.on("data", write);
  children.push(child);
  return child;
}

/** Whether a JSON-RPC node answers at `url`. */
export async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    });
    return res.ok;
  } catch {
    return false;
  }
}

/** Polls `check` until it holds (one-line errors when `child` stops or `seconds` pass). */
export async function until(
  what: string,
  check: () => Promise<boolean>,
  child?: ChildProcess,
  seconds = 120,
): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (!(await check())) {
    if (child !== undefined && child.exitCode !== null)
      throw new Error(`${what} stopped (exit code ${child.exitCode})`);
    if (Date.now() > deadline) throw new Error(`${what} did not answer within ${seconds} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Runs `hardhat <args>` to completion; returns its stdout. */
export function hardhatOnce(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HARDHAT, ...args], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
    child.on("close", (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`hardhat ${args[0]} failed (${code}): ${err.trim().split("\n").pop()}`)),
    );
  });
}

/** What `scripts/deploy.ts` deployed (its DEPLOY_JSON line). */
export interface LocalDeployment {
  chainId: number;
  deploymentId: string;
  contracts: HistoryContracts;
}

/** Deploys cofund on the `localhost` network of `env` (LOCALHOST_URL). */
export async function deployLocal(env: NodeJS.ProcessEnv): Promise<LocalDeployment> {
  const out = await hardhatOnce(["run", "--no-compile", "scripts/deploy.ts", "--network", "localhost"], {
    ...env,
    DEPLOY_JSON: "1",
  });
  return JSON.parse(out.trim().split("\n").pop()!) as LocalDeployment;
}

/** SIGTERM to every child started here, then waits for them (SIGKILL after 10 s). */
export async function stopChildren(): Promise<void> {
  await Promise.all(
    children
      .filter((c) => c.exitCode === null && c.signalCode === null)
      .map(
        (c) =>
          new Promise<void>((resolve) => {
            c.once("exit", () => resolve());
            c.kill("SIGTERM");
            setTimeout(() => c.kill("SIGKILL"), 10_000).unref();
          }),
      ),
  );
}
