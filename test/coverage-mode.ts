/**
 * Whether the suite runs under `npm run coverage` (solidity-coverage sets this flag on the runtime
 * environment). Instrumented contracts are several times slower and heavier: statistical tests run
 * fewer samples there (their full size runs in `npm test`). Titles tagged "[gas]" (exact gas figures,
 * which instrumentation inflates) and "[heavy]" (large samples that add no coverage) are left out of
 * the coverage run by the grep in .solcover.js.
 */
import hre from "hardhat";

export const UNDER_COVERAGE =
  (hre as unknown as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING === true;
