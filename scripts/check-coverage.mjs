#!/usr/bin/env node
// Coverage gate of `npm run coverage` (and CI), on Hardhat 3's built-in coverage.
//
//   node scripts/check-coverage.mjs --run [test args…]   run the tests instrumented, then gate
//   node scripts/check-coverage.mjs                      gate the last run's reports only
//
// --run runs `hardhat test [test args…] --coverage --grep-exclude "<EXCLUDED>"`: both test runners
// (mocha and the Solidity tests), leaving out the mocha tests whose title says "[gas]" (exact gas
// figures, which instrumentation inflates) or "[heavy]" (large samples that add no coverage) and the
// end-to-end suites ("end to end": they drive separate `hardhat node` processes with their own,
// uninstrumented contracts). Extra arguments go to `hardhat test` (e.g. `mocha test/math/arctan.test.ts`).
// The run's report table is kept in coverage/test-output.txt.
//
// The gate, over contracts/ without contracts/mocks/ (test scaffolding, not product code):
// - lines, from coverage/lcov.info: ≥ 95% overall and ≥ 95% in contracts/libraries/PledgeMath.sol;
// - statements, from the run's report table (Hardhat 3 writes statement figures nowhere else; lcov
//   holds lines only and no branches): ≥ 90% overall and in PledgeMath.sol.
// It ends with one verdict line, "coverage: PASSED — …" or "coverage: FAILED — …", and exits 0 or 1.
import { Buffer } from "node:buffer";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");
const COVERAGE_DIR = path.join(ROOT, "coverage");
const LCOV = path.join(COVERAGE_DIR, "lcov.info");
const TEST_OUTPUT = path.join(COVERAGE_DIR, "test-output.txt");

/** Test titles left out of the coverage run (a regular expression, as `--grep-exclude` takes it). */
const EXCLUDED = String.raw`\[gas\]|\[heavy\]|end to end`;
/** Product sources: the gate's scope. */
const SCOPE = "contracts/";
const SKIPPED = "contracts/mocks/";
/** The file gated on its own as well. */
const PLEDGE_MATH = "contracts/libraries/PledgeMath.sol";
const MIN = {
  lines: { overall: 95, pledgeMath: 95 },
  statements: { overall: 90, pledgeMath: 90 },
};

const inScope = (file) => file.startsWith(SCOPE) && !file.startsWith(SKIPPED);
const pct = (hit, found) => (found === 0 ? 0 : (hit * 100) / found);
const fmt = (value) => `${value.toFixed(2)}%`;

/** Runs `hardhat test … --coverage`, echoing its output; returns its exit code and stdout. */
async function runCoverage(extraArgs) {
  const cli = fs.realpathSync(path.join(ROOT, "node_modules", ".bin", "hardhat"));
  const args = ["test", ...extraArgs, "--coverage", "--grep-exclude", EXCLUDED];
  console.log(`coverage: hardhat ${args.map((a) => (/[\s|\\[]/.test(a) ? `"${a}"` : a)).join(" ")}`);
  const child = spawn(process.execPath, [cli, ...args], {
    cwd: ROOT,
    stdio: ["inherit", "pipe", "inherit"],
  });
  const chunks = [];
  child.stdout.on("data", (chunk) => {
    chunks.push(chunk);
    process.stdout.write(chunk);
  });
  const code = await new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status, signal) => resolve(status ?? (signal === null ? 1 : 128)));
  });
  return { code, stdout: Buffer.concat(chunks).toString("utf8") };
}

/** Per-file line counts from an lcov tracefile: file → { found, hit }. */
function parseLcov(text) {
  const files = new Map();
  let current;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("SF:")) {
      const file = path.isAbsolute(line.slice(3))
        ? path.relative(ROOT, line.slice(3))
        : line.slice(3).replace(/^\.\//, "");
      current = { found: 0, hit: 0 };
      files.set(file.split(path.sep).join("/"), current);
    } else if (line.startsWith("DA:") && current !== undefined) {
      const [, count] = line.slice(3).split(",");
      current.found++;
      if (Number(count) > 0) current.hit++;
    } else if (line === "end_of_record") {
      current = undefined;
    }
  }
  return files;
}

/**
 * The rows of Hardhat 3's "Coverage Report" table in a test run's output: file → { lines,
 * statements } (percentages as printed, two decimals), plus the "Total" row.
 */
function parseReportTable(text) {
  // eslint-disable-next-line no-control-regex
  const plain = text.replace(/\u001b\[[0-9;]*m/g, "");
  const rows = new Map();
  let total;
  for (const line of plain.split("\n")) {
    const m = /^\s*║\s*(\S.*?)\s*│\s*(\d+\.\d+)\s*│\s*(\d+\.\d+)\s*│/.exec(line);
    if (m === null) continue;
    const entry = { lines: Number(m[2]), statements: Number(m[3]) };
    if (m[1] === "Total") total = entry;
    else rows.set(m[1], entry);
  }
  return { rows, total };
}

/**
 * How many statements Hardhat's instrumentation finds in each file (what its "Statement %" counts),
 * from EDR's instrumenter, the one `hardhat test --coverage` runs. Needed only to take
 * contracts/mocks/ out of the overall statement figure when hardhat.config.ts does not skip them.
 */
function statementCounts(files) {
  const requireFromHardhat = createRequire(createRequire(import.meta.url).resolve("hardhat/package.json"));
  const edr = requireFromHardhat("@nomicfoundation/edr");
  const solc = createRequire(import.meta.url)("solc/package.json").version;
  const latest = edr.latestSupportedSolidityVersion();
  const newer = (a, b) => {
    const [x, y] = [a, b].map((v) => v.split(".").map(Number));
    for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] > y[i];
    return false;
  };
  const version = newer(solc, latest) ? latest : solc;
  const counts = new Map();
  for (const file of files) {
    const source = fs.readFileSync(path.join(ROOT, file), "utf8");
    const { metadata } = edr.addStatementCoverageInstrumentation(source, `project/${file}`, version);
    const keys = new Set(
      metadata
        .filter((m) => m.kind === "statement")
        .map((m) => `${Buffer.from(m.tag).toString("hex")}-${m.startUtf16}-${m.endUtf16}`),
    );
    counts.set(file, keys.size);
  }
  return counts;
}

/** The overall statement percentage over the gate's scope, from the report table. */
function overallStatements(table) {
  const files = [...table.rows.keys()];
  if (!files.some((f) => f.startsWith(SKIPPED))) {
    // Nothing outside the scope was instrumented (hardhat.config.ts skips contracts/mocks/): the
    // table's total is the scope's.
    if (files.some((f) => !inScope(f))) {
      throw new Error(
        `the report covers files outside ${SCOPE}: ${files.filter((f) => !inScope(f)).join(", ")}`,
      );
    }
    return table.total.statements;
  }
  // Recompute without the mocks: executed = percentage × statements (exact: two decimals of a file
  // with fewer than 10,000 statements), checked against the printed total first.
  const counts = statementCounts(files);
  let allHit = 0;
  let allFound = 0;
  let hit = 0;
  let found = 0;
  for (const [file, row] of table.rows) {
    const n = counts.get(file);
    const executed = Math.round((row.statements * n) / 100);
    allHit += executed;
    allFound += n;
    if (inScope(file)) {
      hit += executed;
      found += n;
    }
  }
  if (pct(allHit, allFound).toFixed(2) !== table.total.statements.toFixed(2)) {
    throw new Error(
      `recounting the statements gives ${fmt(pct(allHit, allFound))} overall, the report ` +
        `${fmt(table.total.statements)}: cannot take ${SKIPPED} out (skip it in hardhat.config.ts, ` +
        `coverage.skipFiles)`,
    );
  }
  return pct(hit, found);
}

async function main() {
  const argv = process.argv.slice(2);
  const run = argv[0] === "--run";
  let startedAt = 0;
  if (run) {
    startedAt = Date.now();
    const result = await runCoverage(argv.slice(1));
    fs.mkdirSync(COVERAGE_DIR, { recursive: true });
    fs.writeFileSync(TEST_OUTPUT, result.stdout);
    if (result.code !== 0) {
      return { ok: false, verdict: `the instrumented test run failed (hardhat test exited ${result.code})` };
    }
  }

  if (!fs.existsSync(LCOV) || fs.statSync(LCOV).mtimeMs < startedAt - 1000) {
    return { ok: false, verdict: `${path.relative(process.cwd(), LCOV)} missing (run npm run coverage)` };
  }
  const lcov = parseLcov(fs.readFileSync(LCOV, "utf8"));
  const scoped = [...lcov].filter(([file]) => inScope(file));
  if (scoped.length === 0) return { ok: false, verdict: `lcov.info has no file under ${SCOPE}` };
  const lines = pct(
    scoped.reduce((s, [, f]) => s + f.hit, 0),
    scoped.reduce((s, [, f]) => s + f.found, 0),
  );
  const pm = lcov.get(PLEDGE_MATH);
  if (pm === undefined) return { ok: false, verdict: `${PLEDGE_MATH} is not in lcov.info` };
  const pmLines = pct(pm.hit, pm.found);

  const checks = [
    { what: "lines", value: lines, min: MIN.lines.overall },
    { what: "PledgeMath.sol lines", value: pmLines, min: MIN.lines.pledgeMath },
  ];
  // Statements: from the table of the run that wrote this lcov.info (the table is saved after it).
  const table =
    fs.existsSync(TEST_OUTPUT) && fs.statSync(TEST_OUTPUT).mtimeMs >= fs.statSync(LCOV).mtimeMs
      ? parseReportTable(fs.readFileSync(TEST_OUTPUT, "utf8"))
      : undefined;
  if (table === undefined || table.total === undefined) {
    if (run) return { ok: false, verdict: "no coverage report table in the test run's output" };
    console.log("coverage gate: statements not checked (no report table of this run; use --run)");
  } else {
    const pmRow = table.rows.get(PLEDGE_MATH);
    if (pmRow === undefined) return { ok: false, verdict: `${PLEDGE_MATH} is not in the report table` };
    checks.push({ what: "statements", value: overallStatements(table), min: MIN.statements.overall });
    checks.push({
      what: "PledgeMath.sol statements",
      value: pmRow.statements,
      min: MIN.statements.pledgeMath,
    });
  }

  for (const [file, f] of scoped.sort(([a], [b]) => a.localeCompare(b))) {
    const p = pct(f.hit, f.found);
    if (p < MIN.lines.overall)
      console.log(`  below ${MIN.lines.overall}% on its own: ${file} lines ${fmt(p)}`);
  }
  for (const c of checks) {
    console.log(
      `coverage gate: ${c.what} ${fmt(c.value)} (minimum ${c.min}%) ${c.value >= c.min ? "ok" : "FAILED"}`,
    );
  }
  const failed = checks.filter((c) => c.value < c.min);
  const summary = checks.map((c) => `${c.what} ${fmt(c.value)}${c.value < c.min ? ` < ${c.min}%` : ""}`);
  return { ok: failed.length === 0, verdict: summary.join(", ") };
}

let result;
try {
  result = await main();
} catch (error) {
  result = { ok: false, verdict: error instanceof Error ? error.message : String(error) };
}
console.log(`coverage: ${result.ok ? "PASSED" : "FAILED"} — ${result.verdict}`);
process.exitCode = result.ok ? 0 : 1;
