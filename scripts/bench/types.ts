import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { NetworkConnection } from "hardhat/types/network";

/** One line of the gas table printed by `npm run bench`. */
export interface BenchRow {
  /** What was measured, e.g. "contributeToGap (first in round)". */
  name: string;
  /** Gas used (full transaction gasUsed unless the note says otherwise). */
  gas: bigint | number;
  /** The budget from the issue, if any; a figure above it fails the bench. */
  limit?: number;
  note?: string;
}

/**
 * What every module of scripts/bench/ exports as default: its rows, measured on `connection` (the
 * in-process chain the modules share) or on a fresh chain of its own (`hre.network.create`).
 */
export type BenchModule = (
  connection: NetworkConnection,
  hre: HardhatRuntimeEnvironment,
) => Promise<BenchRow[]>;
