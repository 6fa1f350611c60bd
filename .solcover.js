// solidity-coverage settings for `npm run coverage`.
// Mocks are test scaffolding, not product code. Tests whose title contains "[gas]" assert exact gas
// figures, which instrumentation inflates, "[heavy]" ones draw large samples that add no coverage
// (test/coverage-mode.ts), and the end-to-end suites drive separate `hardhat node`
// processes that compile their own, uninstrumented artifacts: all are left out of the coverage run
// (they run in `npm test`).
module.exports = {
  skipFiles: ["mocks/"],
  istanbulReporter: ["text", "lcov", "json-summary"],
  mocha: {
    grep: "\\[gas\\]|\\[heavy\\]|end to end",
    invert: true,
    timeout: 600000,
  },
};
