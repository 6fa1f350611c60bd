/**
 * The in-process chain every mocha suite shares: one Hardhat 3 network connection (EDR, the
 * "default" network of hardhat.config.ts) with its ethers and network helpers. Suites import what
 * they need from here instead of connecting themselves, so fixtures and snapshots are shared.
 */
import hre from "hardhat";

export const connection = await hre.network.getOrCreate();
export const { ethers, networkHelpers } = connection;
export const { loadFixture, time, mine } = networkHelpers;

/**
 * Whether the suite runs under `npm run coverage` (`hardhat test --coverage`). Instrumented
 * contracts are slower and heavier: statistical tests draw fewer samples there (their full size
 * runs in `npm test`), and titles tagged "[gas]" (exact gas figures, which instrumentation inflates)
 * or "[heavy]" (large samples that add no coverage) are left out by the coverage script's grep.
 */
export const UNDER_COVERAGE = hre.globalOptions.coverage === true;
