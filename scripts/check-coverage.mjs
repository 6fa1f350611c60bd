#!/usr/bin/env node
// Coverage gate of `npm run coverage` (and CI): reads coverage/coverage-summary.json written by
// solidity-coverage (mocks are skipped in .solcover.js) and fails below the project's thresholds.
import * as fs from "fs";
import * as path from "path";
import { fileURLToPath } from "url";

const THRESHOLDS = { lines: 95, branches: 90 };
const file = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "coverage",
  "coverage-summary.json",
);
if (!fs.existsSync(file)) {
  console.error(
    `coverage gate: ${path.relative(process.cwd(), file)} not found (run \`npx hardhat coverage\` first)`,
  );
  process.exit(1);
}
const summary = JSON.parse(fs.readFileSync(file, "utf8"));
let failed = false;
for (const [metric, min] of Object.entries(THRESHOLDS)) {
  const pct = summary.total[metric].pct;
  const ok = pct >= min;
  if (!ok) failed = true;
  console.log(`coverage gate: ${metric} ${pct.toFixed(2)}% (minimum ${min}%) ${ok ? "ok" : "FAILED"}`);
}
for (const [name, entry] of Object.entries(summary)) {
  if (name === "total") continue;
  for (const metric of Object.keys(THRESHOLDS)) {
    if (entry[metric].pct < THRESHOLDS[metric]) {
      console.log(
        `  below on its own: ${path.relative(process.cwd(), name)} ${metric} ${entry[metric].pct}%`,
      );
    }
  }
}
process.exit(failed ? 1 : 0);
