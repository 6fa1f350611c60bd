/**
 * Shared by the end-to-end suites: a `hardhat node` in a child process on a free loopback port, the
 * Hardhat CLI run as a user runs it, JSON-RPC calls, and cleanup of the deployment records a suite
 * wrote under its own COFUND_DEPLOYMENT_ID (never a developer's own localhost records).
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "..", "..");
export const HARDHAT = path.join(ROOT, "node_modules", "hardhat", "dist", "src", "cli.js");

/** What a finished child process printed. */
export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
}

/** The environment of a child: the test's, pointed at `url` and `deploymentId`, without leaks. */
export function childEnv(
  url: string,
  deploymentId: string,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {
    ...process.env,
    LOCALHOST_URL: url,
    COFUND_DEPLOYMENT_ID: deploymentId,
    ...extra,
  };
  delete e.HARDHAT_NETWORK;
  delete e.COFUND_DEBUG;
  return e;
}

/** Starts `hardhat <args>` in the project root. */
export function startHardhat(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [HARDHAT, ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
}

/** Collects a child's output until it exits. */
export function finish(child: ChildProcess): Promise<Run> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** One JSON-RPC call to `url`; a JSON-RPC error is thrown with its message. */
export async function rpcCall(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: unknown; error?: { message: string } };
  if (body.error !== undefined) throw new Error(body.error.message);
  return body.result;
}

/** Starts `hardhat node` on `port` and resolves once it answers with chain id 31337 (60 s at most). */
export async function startNode(port: number, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const node = startHardhat(["node", "--hostname", "127.0.0.1", "--port", String(port)], env);
  let log = "";
  node.stdout?.on("data", (d: Buffer) => (log += d.toString()));
  node.stderr?.on("data", (d: Buffer) => (log += d.toString()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await rpcCall(`http://127.0.0.1:${port}`, "eth_chainId")) === "0x7a69") return node;
    } catch {
      // not up yet
    }
    if (node.exitCode !== null || Date.now() > deadline) {
      node.kill("SIGKILL");
      throw new Error(`hardhat node did not start:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Stops a child: SIGTERM, then SIGKILL after 5 s. */
export async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
  });
}

/** Removes the records a suite deployed under `deploymentId` and its entry in the instance map. */
export function removeDeploymentRecords(deploymentId: string, cacheDir: string): void {
  fs.rmSync(path.join(ROOT, "deploy", "deployments", deploymentId), { recursive: true, force: true });
  const instances = path.join(cacheDir, "cofund-local-instances.json");
  if (fs.existsSync(instances)) {
    const map = JSON.parse(fs.readFileSync(instances, "utf8")) as Record<string, string>;
    delete map[deploymentId];
    fs.writeFileSync(instances, JSON.stringify(map, null, 2) + "\n");
  }
}

/** The mnemonic of Hardhat's default accounts, which `startAnvil` gives anvil too. */
export const TEST_MNEMONIC = "test test test test test test test test test test test junk";

/**
 * The anvil binary of the `@foundry-rs/anvil` devDependency: the npm package ships it in a
 * per-platform optional dependency (`@foundry-rs/anvil-<platform>-<arch>/bin/anvil`).
 */
export function anvilBinary(): string {
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const binary = `anvil${process.platform === "win32" ? ".exe" : ""}`;
  const candidate = path.join(
    ROOT,
    "node_modules",
    "@foundry-rs",
    `anvil-${process.platform}-${arch}`,
    "bin",
    binary,
  );
  if (!fs.existsSync(candidate)) {
    throw new Error(
      `anvil is not installed for ${process.platform}-${process.arch} (npm install installs @foundry-rs/anvil)`,
    );
  }
  return candidate;
}

/**
 * Starts anvil on `port` with Hardhat's chain id (31337), mnemonic and 20 accounts, so `--network
 * localhost` meets the same accounts as on `hardhat node`; resolves once it answers (60 s at most).
 */
export async function startAnvil(port: number): Promise<ChildProcess> {
  const anvil = spawn(
    anvilBinary(),
    [
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--chain-id",
      "31337",
      "--accounts",
      "20",
      "--mnemonic",
      TEST_MNEMONIC,
    ],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  let log = "";
  anvil.stdout?.on("data", (d: Buffer) => (log = (log + d.toString()).slice(-20_000)));
  anvil.stderr?.on("data", (d: Buffer) => (log = (log + d.toString()).slice(-20_000)));
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await rpcCall(`http://127.0.0.1:${port}`, "eth_chainId")) === "0x7a69") return anvil;
    } catch {
      // not up yet
    }
    if (anvil.exitCode !== null || Date.now() > deadline) {
      anvil.kill("SIGKILL");
      throw new Error(`anvil did not start:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** What `scripts/deploy.ts` printed with DEPLOY_JSON=1: the deployment line, and stderr. */
export interface CliDeployment {
  json: Record<string, unknown>;
  /** The deployed contracts by name (`QuadraticFundingAllocator`, `CoordinatedPledges`, `TestToken`, …). */
  contracts: Record<string, string>;
  stderr: string;
}

/**
 * Deploys cofund onto the node at `url` as a user does (`hardhat run scripts/deploy.ts --network
 * localhost`), under `deploymentId`; throws with the output when the deployment fails.
 */
export async function deployWithCli(
  url: string,
  deploymentId: string,
  extra: Record<string, string> = {},
): Promise<CliDeployment> {
  const r = await finish(
    startHardhat(
      ["run", "--no-compile", "scripts/deploy.ts", "--network", "localhost"],
      childEnv(url, deploymentId, { DEPLOY_JSON: "1", ...extra }),
    ),
  );
  if (r.code !== 0) throw new Error(`deploy failed (${r.code}): ${r.stderr}\n${r.stdout}`);
  const json = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as Record<string, unknown>;
  return { json, contracts: json.contracts as Record<string, string>, stderr: r.stderr };
}

/** A `hardhat node` in a child process with cofund deployed on it (records under `deploymentId`). */
export interface LocalDeployment {
  url: string;
  node: ChildProcess;
  /** The deployed contracts by name. */
  contracts: Record<string, string>;
}

/** Starts a `hardhat node` on a free port and deploys cofund onto it as a user does. */
export async function startLocalDeployment(deploymentId: string): Promise<LocalDeployment> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const node = await startNode(port, childEnv(url, deploymentId));
  const deployed = await deployWithCli(url, deploymentId);
  return { url, node, contracts: deployed.contracts };
}
