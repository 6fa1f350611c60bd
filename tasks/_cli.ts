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
import * as path from "path";
import type { Signer } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { AllocatorClient } from "../sdk/allocator";
import type { CofundDeployment } from "../sdk/deployments";

/** Arguments every task accepts. */
export interface CommonArgs {
  from: string;
  json: boolean;
}

/** A JSON value as the CLI prints it (bigints must be converted before). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * The signer for `--from`: an index into the network's accounts ("0", "3") or an address the node
 * can sign for (an unlocked account of a local node, or the `PRIVATE_KEY` account).
 */
export async function resolveSigner(hre: HardhatRuntimeEnvironment, from = "0"): Promise<Signer> {
  const value = from.trim();
  if (/^\d+$/.test(value)) {
    const signers = await hre.ethers.getSigners();
    const index = Number(value);
    const signer = signers[index];
    if (signer === undefined) {
      throw new Error(
        `--from ${value}: network ${hre.network.name} has ${signers.length} account${signers.length === 1 ? "" : "s"} (indices 0–${Math.max(0, signers.length - 1)})`,
      );
    }
    return signer;
  }
  if (!hre.ethers.isAddress(value)) {
    throw new Error(`--from "${from}" is neither an account index nor an address`);
  }
  const signers = await hre.ethers.getSigners();
  const known = signers.find((s) => s.address.toLowerCase() === value.toLowerCase());
  if (known !== undefined) return known;
  const accounts = (await hre.network.provider.request({ method: "eth_accounts" })) as string[];
  if (!accounts.some((a) => a.toLowerCase() === value.toLowerCase())) {
    throw new Error(`--from ${value}: network ${hre.network.name} cannot sign for this address`);
  }
  return hre.ethers.getSigner(value);
}

/** The cofund deployment of the current network (from its Ignition records). */
export async function loadDeployment(hre: HardhatRuntimeEnvironment): Promise<CofundDeployment> {
  const { findDeployment } = await import("../sdk/deployments");
  return findDeployment({
    network: hre.network.name,
    provider: hre.ethers.provider,
    deploymentsDir: path.join(hre.config.paths.ignition, "deployments"),
  });
}

/** An `AllocatorClient` of the current network's deployment, acting as `--from`. */
export async function connectAllocator(
  hre: HardhatRuntimeEnvironment,
  from: string,
): Promise<AllocatorClient> {
  const [{ AllocatorClient }, { requireContract }] = await Promise.all([
    import("../sdk/allocator"),
    import("../sdk/deployments"),
  ]);
  const deployment = await loadDeployment(hre);
  const signer = await resolveSigner(hre, from);
  return AllocatorClient.connect(requireContract(deployment, "QuadraticFundingAllocator"), signer);
}

/** Prints one JSON object on stdout (one line). */
export function printJson(value: { [key: string]: JsonValue }): void {
  process.stdout.write(JSON.stringify(value) + "\n");
}

/** Prints human-readable lines on stdout. */
export function printLines(...lines: string[]): void {
  process.stdout.write(lines.join("\n") + "\n");
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

/** One readable line for any error a task can meet. */
export async function describeCliError(hre: HardhatRuntimeEnvironment, error: unknown): Promise<string> {
  try {
    await loadArtifactErrors(hre);
  } catch {
    // no artifacts (not compiled): decode with the SDK's built-in ABIs only
  }
  try {
    const { describeError } = await import("../sdk/errors");
    return describeError(error);
  } catch {
    const text = error instanceof Error ? error.message : String(error);
    return text.split("\n")[0] ?? text;
  }
}

/**
 * Wraps a task action: any error becomes one line on stderr and exit code 1 (no stack trace unless
 * `COFUND_DEBUG` is set).
 */
export function cliAction<A>(
  action: (args: A, hre: HardhatRuntimeEnvironment) => Promise<void>,
): (args: A, hre: HardhatRuntimeEnvironment) => Promise<void> {
  return async (args, hre) => {
    try {
      await action(args, hre);
    } catch (error) {
      const line = await describeCliError(hre, error);
      process.stderr.write(`Error: ${line}\n`);
      if (process.env.COFUND_DEBUG !== undefined && error instanceof Error && error.stack !== undefined) {
        process.stderr.write(error.stack + "\n");
      }
      process.exitCode = 1;
    }
  };
}
