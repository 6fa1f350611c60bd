/**
 * `npm run bench:indexer` end to end at a small size: it plays its history on its own node, indexes
 * it, checks the API against `qf:stats --json` and the audit, and reports figures for every question
 * — and it leaves README alone when the sizes are not the published ones.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "../helpers/local-node";

describe("bench:indexer end to end (small history)", function () {
  this.timeout(600_000);

  it("indexes every event of its history and reports each figure, README untouched", async () => {
    const sizes = { gaps: 12, contributions: 60, contributors: 7, campaigns: 2, pledgers: 5, requests: 5 };
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const env = {
      ...process.env,
      BENCH_GAPS: String(sizes.gaps),
      BENCH_CONTRIBUTIONS: String(sizes.contributions),
      BENCH_CONTRIBUTORS: String(sizes.contributors),
      BENCH_CAMPAIGNS: String(sizes.campaigns),
      BENCH_PLEDGERS: String(sizes.pledgers),
      BENCH_REQUESTS: String(sizes.requests),
    };
    const child = spawn(
      process.execPath,
      [path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), "scripts/bench-indexer.ts", "--json"],
      { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] },
    );
    let [stdout, stderr] = ["", ""];
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
    const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
    expect(code, stderr).to.equal(0);
    const f = JSON.parse(stdout.trim().split("\n").pop()!) as Record<string, number> & {
      sizes: typeof sizes;
    };
    expect(f.sizes).to.deep.equal(sizes);
    // Every gap registered, the pool funded once, every contribution, one finalisation, every
    // campaign created and every pledge (the audit's count of decoded events).
    const events =
      sizes.gaps + 1 + sizes.contributions + 1 + sizes.campaigns + sizes.campaigns * sizes.pledgers;
    expect(f.events).to.equal(events);
    for (const key of [
      "indexSeconds",
      "startupSeconds",
      "statsFirstMs",
      "statsP50Ms",
      "statsP99Ms",
      "qfStatsMs",
      "auditMs",
    ])
      expect(f[key], key).to.be.a("number").and.greaterThan(0);
    expect(f.statsP50Ms).to.be.at.most(f.statsP99Ms);
    expect(f.startupSeconds).to.be.lessThan(f.indexSeconds);
    const written = JSON.parse(fs.readFileSync(path.join(ROOT, "out", "bench", "indexer.json"), "utf8")) as {
      events: number;
    };
    expect(written.events).to.equal(events);
    expect(fs.readFileSync(path.join(ROOT, "README.md"), "utf8")).to.equal(readme);
  });
});
