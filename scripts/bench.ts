/**
 * `npm run bench`: deterministic gas figures from transaction receipts on the in-process network.
 * Every module in scripts/bench/ exports a `BenchModule` (`default async function (connection, hre):
 * Promise<BenchRow[]>`, `connection` being the in-process chain they share); this script runs them in order, prints one table, writes it as Markdown to out/gas.md and, on a full run
 * (no BENCH_ONLY), replaces the table between the `<!-- gas-table -->` markers of README.md, so the
 * committed figures are always the measured ones. A row over its limit makes the run exit non-zero.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import hre from "hardhat";
import type { BenchModule, BenchRow } from "./bench/types";

async function main(): Promise<void> {
  const connection = await hre.network.getOrCreate();
  if (connection.networkConfig.type !== "edr-simulated") {
    throw new Error(`bench: run it on the in-process network, not ${connection.networkName}`);
  }
  const dir = path.join(import.meta.dirname, "bench");
  const only = process.env.BENCH_ONLY;
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".ts") && f !== "types.ts" && (!only || f.startsWith(only)))
    .sort();
  const rows: BenchRow[] = [];
  for (const file of files) {
    process.stderr.write(`bench: ${file}\n`);
    const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as { default: BenchModule };
    rows.push(...(await mod.default(connection, hre)));
  }
  const md = ["| operation | gas | limit | note |", "| --- | ---: | ---: | --- |"];
  let failed = 0;
  for (const r of rows) {
    const over = r.limit !== undefined && Number(r.gas) > r.limit;
    if (over) failed++;
    md.push(
      `| ${r.name} | ${Number(r.gas).toLocaleString("en-US")} | ${
        r.limit === undefined ? "" : r.limit.toLocaleString("en-US")
      } | ${over ? "OVER LIMIT " : ""}${r.note ?? ""} |`,
    );
  }
  const table = md.join("\n");
  fs.mkdirSync("out", { recursive: true });
  fs.writeFileSync(path.join("out", "gas.md"), table + "\n");
  if (!only) updateReadme(table);
  console.log(table);
  if (failed > 0) {
    console.error(`${failed} figure(s) over their limit`);
    process.exitCode = 1;
  }
}

/** Replaces the gas table between the README's markers (left alone when the markers are missing). */
function updateReadme(table: string): void {
  const readme = path.join(import.meta.dirname, "..", "README.md");
  const text = fs.readFileSync(readme, "utf8");
  const begin = "<!-- gas-table -->";
  const end = "<!-- /gas-table -->";
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  if (i < 0 || j < i) {
    process.stderr.write("bench: README.md has no gas-table markers; table not written there\n");
    return;
  }
  const next = `${text.slice(0, i + begin.length)}\n${table}\n${text.slice(j)}`;
  if (next !== text) {
    fs.writeFileSync(readme, next);
    process.stderr.write("bench: README.md gas table updated\n");
  }
}

await main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
