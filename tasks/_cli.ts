/**
 * Shared helpers of the CLI tasks (this file is not auto-loaded as a task file: it starts with "_").
 *
 * Conventions every task follows:
 * - `--from <account index or address>` picks the signer (default 0);
 * - `--json` prints exactly one JSON object on stdout and nothing else there: amounts as decimal
 *   strings in token units ("12.5"), ids, addresses and hashes as 0x hex, counts and round numbers
 *   as JSON numbers, `gasUsed` as a decimal string;
 * - a failure sets `process.exitCode = 1` and prints one readable line on stderr (a revert names the
 *   contract's custom error, e.g. "Round 1 is still open until 2026-11-21 20:00 UTC (RoundNotOver)");
 *   `COFUND_DEBUG=1` adds the stack trace.
 *
 * Nothing generated (typechain-types) may be imported at the top level here or in task files: the
 * Hardhat config loads the tasks before the first compile. The SDK is imported lazily in actions.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import type { Signer } from "ethers";
import { task } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { EthereumProvider } from "hardhat/types/providers";
import type { NewTaskDefinition } from "hardhat/types/tasks";
import type { AllocatorClient } from "../sdk/allocator";
import type { PledgesClient } from "../sdk/pledges";
import type { CofundDeployment } from "../sdk/deployments";
import type { GapNames } from "../sdk/ids";

/** Arguments every task accepts. */
export interface CommonArgs {
  from: string;
  json: boolean;
}

/** A JSON value as the CLI prints it (bigints must be converted before); defined with the SDK's formats. */
export type { JsonValue } from "../sdk/audit-report";
import type { JsonValue } from "../sdk/audit-report";

/** What a task action works with: the selected network's connection, its ethers and the project's paths. */
export interface CliEnv {
  hre: HardhatRuntimeEnvironment;
  ethers: HardhatEthers;
  network: { name: string; provider: EthereumProvider; url?: string };
}

/** Every task the CLI files declared, in declaration order (hardhat.config.ts registers them). */
export const cliTaskDefinitions: NewTaskDefinition[] = [];

type OptionKind = "required" | "optional" | "flag";

interface OptionSpec {
  name: string;
  description: string;
  kind: OptionKind;
  defaultValue?: string;
}

/**
 * Checks of option values that mean the same in every task, by option name: applied to every task
 * before its action runs, so a value no task can use is one readable line at once, never a hang
 * or a raw error later.
 */
const OPTION_CHECKS: Record<string, (value: string) => void> = {
  // 0 pledges per transaction would settle nothing, page after page.
  maxPledges: (value) => {
    const v = value.trim();
    if (!/^\d+$/.test(v) || BigInt(v) < 1n) {
      throw new Error(`--max-pledges "${value}" is not a whole number ≥ 1 (pledges per transaction)`);
    }
  },
};

/** `maxPledges` → `max-pledges`, as the option is typed on the command line. */
export function cliFlagName(name: string): string {
  return name.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
}

/**
 * A CLI task, declared the way its options read: `.addParam` (required), `.addOptionalParam`
 * (absent → undefined, or its default) and `.addFlag`, then `.setAction` registers it. The action
 * receives the parsed arguments and a {@link CliEnv}; any error becomes one line on stderr and exit
 * code 1, and stdout is drained before the task returns, so `--json` is never truncated in a pipe.
 */
export class CliTask {
  readonly #options: OptionSpec[] = [];

  constructor(
    readonly name: string,
    readonly description: string,
  ) {}

  /** A required string option: a missing or empty value is a one-line error. */
  addParam(name: string, description: string): this {
    this.#options.push({ name, description, kind: "required" });
    return this;
  }

  /** An optional string option: undefined when absent, unless it has a default. */
  addOptionalParam(name: string, description: string, defaultValue?: string): this {
    this.#options.push({ name, description, kind: "optional", defaultValue });
    return this;
  }

  /** A boolean flag. */
  addFlag(name: string, description: string): this {
    this.#options.push({ name, description, kind: "flag" });
    return this;
  }

  /** Registers the task with its action. */
  setAction<A>(action: (args: A, env: CliEnv) => Promise<void>): void {
    let builder = task(this.name, this.description);
    for (const o of this.#options) {
      builder =
        o.kind === "flag"
          ? builder.addFlag({ name: o.name, description: o.description })
          : builder.addOption({
              name: o.name,
              description: o.kind === "required" ? `${o.description} (required)` : o.description,
              defaultValue: o.defaultValue ?? "",
            });
    }
    const options = this.#options;
    cliTaskDefinitions.push(
      builder
        .setInlineAction(async (raw: Record<string, unknown>, hre: HardhatRuntimeEnvironment) => {
          await runCliAction(hre, async (env) => {
            const args: Record<string, unknown> = {};
            for (const o of options) {
              const value = raw[o.name];
              if (o.kind === "flag") {
                args[o.name] = value === true;
              } else if (typeof value !== "string" || value === "") {
                if (o.kind === "required")
                  throw new Error(`missing --${cliFlagName(o.name)} (${o.description})`);
                args[o.name] = o.defaultValue;
              } else {
                OPTION_CHECKS[o.name]?.(value);
                args[o.name] = value;
              }
            }
            await action(args as A, env);
          });
        })
        .build(),
    );
  }
}

/** Starts declaring a task (see {@link CliTask}). */
export function cliTask(name: string, description: string): CliTask {
  return new CliTask(name, description);
}

/** Starts declaring a task with the common `--from` (the signer) and `--json` options. */
export function signerTask(
  name: string,
  description: string,
  json = "Print one JSON object on stdout",
): CliTask {
  return cliTask(name, description)
    .addOptionalParam("from", "Signer: account index or address", "0")
    .addFlag("json", json);
}

/** `parse(value)`, a failure prefixed with the option as typed and its value: `--limit "x": …`. */
export function parseOption<T>(flag: string, value: string, parse: (value: string) => T): T {
  try {
    return parse(value);
  } catch (e) {
    throw new Error(`--${flag} "${value}": ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** A whole number ≥ 0 given as `--flag`; otherwise `--flag "value" is not <what>`. */
export function parseWhole(flag: string, value: string, what: string): bigint {
  if (!/^\d+$/.test(value.trim())) throw new Error(`--${flag} "${value}" is not ${what}`);
  return BigInt(value.trim());
}

/** Opens the selected network (`--network`, default the in-process chain) as a {@link CliEnv}. */
export async function connectCli(hre: HardhatRuntimeEnvironment): Promise<CliEnv> {
  const connection = await hre.network.getOrCreate();
  const config = connection.networkConfig as { type: string; url?: unknown };
  const url = config.type === "http" ? await httpUrl(config.url) : undefined;
  return {
    hre,
    ethers: connection.ethers,
    network: { name: connection.networkName, provider: connection.provider, url },
  };
}

async function httpUrl(url: unknown): Promise<string | undefined> {
  if (typeof url === "string") return url;
  if (url !== null && typeof url === "object" && "get" in url && typeof url.get === "function") {
    try {
      return String(await (url as { get(): Promise<string> }).get());
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * The signer for `--from`: an index into the network's accounts ("0", "3") or an address the node
 * can sign for (an unlocked account of a local node, or the `PRIVATE_KEY` account).
 */
export async function resolveSigner(env: CliEnv, from = "0"): Promise<Signer> {
  const value = from.trim();
  if (/^\d+$/.test(value)) {
    const signers = await env.ethers.getSigners();
    const index = Number(value);
    const signer = signers[index];
    if (signer === undefined) {
      throw new Error(
        `--from ${value}: network ${env.network.name} has ${signers.length} account${signers.length === 1 ? "" : "s"} (indices 0–${Math.max(0, signers.length - 1)})`,
      );
    }
    return signer;
  }
  if (!env.ethers.isAddress(value)) {
    if (/^0x[0-9a-fA-F]{40}$/.test(value)) {
      throw new Error(`--from "${from}" is not an address (its mixed-case checksum is wrong)`);
    }
    throw new Error(`--from "${from}" is neither an account index nor an address`);
  }
  const signers = await env.ethers.getSigners();
  const known = signers.find((s) => s.address.toLowerCase() === value.toLowerCase());
  if (known !== undefined) return known;
  const accounts = (await env.network.provider.request({ method: "eth_accounts" })) as string[];
  if (!accounts.some((a) => a.toLowerCase() === value.toLowerCase())) {
    throw new Error(`--from ${value}: network ${env.network.name} cannot sign for this address`);
  }
  return env.ethers.getSigner(value);
}

/** Where the Ignition deployment records live (deploy/deployments/). */
export function deploymentsDir(env: CliEnv): string {
  return path.join(env.hre.config.paths.ignition, "deployments");
}

/** The cofund deployment of the current network (from its Ignition records). */
export async function loadDeployment(env: CliEnv): Promise<CofundDeployment> {
  const { findDeployment } = await import("../sdk/deployments");
  return findDeployment({
    network: env.network.name,
    provider: env.ethers.provider,
    deploymentsDir: deploymentsDir(env),
  });
}

/**
 * Where the CLI keeps every gap name it was given (names are not stored on chain): a list of names
 * in the project's cache. A name maps to exactly one id (keccak256), so the list is right on any
 * chain and never shows a name for another gap.
 */
function gapNamesFile(env: CliEnv): string {
  return path.join(env.hre.config.paths.cache, "cofund-gap-names.json");
}

/** Adds the names in the project's list to `names`. */
export function loadGapNames(env: CliEnv, names: GapNames): void {
  for (const n of readGapNames(gapNamesFile(env))) if (n !== "") names.add(n);
}

/** The names in the project's list; none when there is no list yet (or it is unreadable). */
function readGapNames(file: string): string[] {
  try {
    const list = JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
    return Array.isArray(list) ? list.filter((n): n is string => typeof n === "string") : [];
  } catch {
    return [];
  }
}

/** Adds the names of `names` to the project's list (best effort: a table without a name is not an error). */
export function rememberGapNames(env: CliEnv, names: GapNames): void {
  try {
    const file = gapNamesFile(env);
    const known = new Set(readGapNames(file));
    const before = known.size;
    for (const n of names.all()) known.add(n);
    if (known.size === before) return;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify([...known], null, 2) + "\n");
    fs.renameSync(tmp, file);
  } catch {
    // best effort
  }
}

/** The address of `contract` in the current network's deployment and the `--from` signer. */
async function deployedFor(env: CliEnv, from: string, contract: string): Promise<[string, Signer]> {
  const { requireContract } = await import("../sdk/deployments");
  const deployment = await loadDeployment(env);
  return [requireContract(deployment, contract), await resolveSigner(env, from)];
}

/** An `AllocatorClient` of the current network's deployment, acting as `--from` (knowing the gap names). */
export async function connectAllocator(env: CliEnv, from: string): Promise<AllocatorClient> {
  const { AllocatorClient } = await import("../sdk/allocator");
  const client = await AllocatorClient.connect(
    ...(await deployedFor(env, from, "QuadraticFundingAllocator")),
  );
  loadGapNames(env, client.names);
  return client;
}

/** A `PledgesClient` of the current network's deployment, acting as `--from`. */
export async function connectPledges(env: CliEnv, from: string): Promise<PledgesClient> {
  const { PledgesClient } = await import("../sdk/pledges");
  return PledgesClient.connect(...(await deployedFor(env, from, "CoordinatedPledges")));
}

/** Prints one JSON object on stdout (one line). */
export function printJson(value: { [key: string]: JsonValue }): void {
  process.stdout.write(JSON.stringify(value) + "\n");
}

/** Prints human-readable lines on stdout. */
export function printLines(...lines: string[]): void {
  process.stdout.write(lines.join("\n") + "\n");
}

/** What a mined write reports. */
interface MinedTx {
  txHash: string;
  gasUsed: bigint;
}

/** "tx 0x… · gas 51,234": the last text line of a write. */
export function txLine(r: MinedTx): string {
  return `tx ${r.txHash} · gas ${formatInt(r.gasUsed)}`;
}

/**
 * Prints a write's outcome: with `--json` one object, `txHash` and `gasUsed` first, then `fields`;
 * otherwise `text` and the tx line (followed by `txNote`, e.g. " · by permit").
 */
export function printTx(
  json: boolean,
  r: MinedTx,
  fields: { [key: string]: JsonValue },
  text: string,
  txNote = "",
): void {
  if (json) printJson({ txHash: r.txHash, gasUsed: r.gasUsed.toString(), ...fields });
  else printLines(text, txLine(r) + txNote);
}

/** A time for people, "2026-11-21 18:00:00 UTC"; "—" for 0 (not set). */
export function utcTime(seconds: bigint): string {
  return seconds === 0n
    ? "—"
    : new Date(Number(seconds) * 1000).toISOString().replace("T", " ").slice(0, 19) + " UTC";
}

/** A plain-text table: `align` per column ("l" default, "r" for numbers). */
export function renderTable(headers: string[], rows: string[][], align: ("l" | "r")[] = []): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (align[i] === "r" ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(headers), widths.map((w) => "─".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** "1,234,567" for gas figures and counts. */
export function formatInt(value: bigint | number): string {
  return value.toLocaleString("en-US");
}

let artifactErrorsLoaded = false;

/** Registers the custom errors of every compiled contract, so any revert decodes at least by name. */
async function loadArtifactErrors(hre: HardhatRuntimeEnvironment): Promise<void> {
  if (artifactErrorsLoaded) return;
  artifactErrorsLoaded = true;
  const { registerErrorAbi } = await import("../sdk/errors");
  for (const name of await hre.artifacts.getAllFullyQualifiedNames()) {
    const artifact = await hre.artifacts.readArtifact(name);
    const errors = (artifact.abi as { type?: string }[]).filter((item) => item.type === "error");
    if (errors.length > 0) registerErrorAbi(errors);
  }
}

/** The Hardhat error number of an error (HHE703 → 703), if it is one. */
function hardhatErrorNumber(error: unknown): number | undefined {
  const descriptor = (error as { descriptor?: { number?: unknown } } | null)?.descriptor;
  return typeof descriptor?.number === "number" ? descriptor.number : undefined;
}

/** One line for a node that does not answer. */
export function unreachableLine(network: string, url: string | undefined): string {
  const where = url !== undefined ? ` at ${url}` : "";
  const local = network === "localhost";
  return (
    `No node answers for network ${network}${where}: ` +
    (local
      ? 'start a local node with "npx hardhat node" (or point LOCALHOST_URL at yours)'
      : "check that the node is running and its URL (RPC_URL) is right")
  );
}

/** One readable line for any error a task can meet. */
export async function describeCliError(
  hre: HardhatRuntimeEnvironment,
  error: unknown,
  env?: CliEnv,
): Promise<string> {
  const code = hardhatErrorNumber(error);
  const networkName = env?.network.name ?? hre.globalOptions.network ?? "default";
  if (code === 703 || code === 704 || isUnreachable(error))
    return unreachableLine(String(networkName), env?.network.url);
  if (code !== undefined) {
    const text = error instanceof Error ? error.message : String(error);
    return text.replace(/\s*\n\s*/g, " ");
  }
  const system = systemErrorLine(error);
  if (system !== undefined) return system;
  try {
    await loadArtifactErrors(hre);
  } catch {
    // no artifacts (not compiled): decode with the SDK's built-in ABIs only
  }
  try {
    const { describeError } = await import("../sdk/errors");
    return describeError(error).replace(/\s*\n\s*/g, " ");
  } catch {
    const text = error instanceof Error ? error.message : String(error);
    return text.split("\n")[0] ?? text;
  }
}

const SYSTEM_ERRORS: Record<string, string> = {
  EEXIST: "a file is in the way",
  ENOTDIR: "a part of the path is a file, not a directory",
  EISDIR: "it is a directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "the file system is read-only",
  ENOSPC: "no space left on the device",
  ENOENT: "no such file or directory",
};

/** One line for a file-system error of Node ("EEXIST: file already exists, mkdir '…'"). */
function systemErrorLine(error: unknown): string | undefined {
  const e = error as { code?: unknown; syscall?: unknown; path?: unknown } | null;
  if (e === null || typeof e !== "object" || typeof e.code !== "string" || typeof e.syscall !== "string")
    return undefined;
  if (typeof e.path !== "string") return undefined;
  const why = SYSTEM_ERRORS[e.code] ?? e.code;
  return `Cannot ${e.syscall} ${e.path}: ${why}`;
}

/** Whether an error (or its cause) is a refused or failed connection to the node. */
function isUnreachable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 6; depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EHOSTUNREACH") return true;
    if (hardhatErrorNumber(e) === 703) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** Resolves once everything written to stdout so far has been handed to the OS. */
export function drainStdout(): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.writableLength === 0) resolve();
    else process.stdout.write("", () => resolve());
  });
}

/**
 * Runs a task action: opens the network, runs it, and turns any error into one line on stderr and
 * exit code 1 (the stack trace only with `COFUND_DEBUG`). Stdout is drained before returning.
 */
export async function runCliAction(
  hre: HardhatRuntimeEnvironment,
  action: (env: CliEnv) => Promise<void>,
): Promise<void> {
  let env: CliEnv | undefined;
  try {
    env = await connectCli(hre);
    await action(env);
  } catch (error) {
    const line = await describeCliError(hre, error, env);
    process.stderr.write(`Error: ${line}\n`);
    if (process.env.COFUND_DEBUG !== undefined && error instanceof Error && error.stack !== undefined) {
      process.stderr.write(error.stack + "\n");
    }
    process.exitCode = 1;
  }
  await drainStdout();
}
