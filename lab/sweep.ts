/**
 * The policies at tuned speeds: every policy's final pot (quadratic mode) at each s₀ of a grid, so a
 * policy is not judged by an s₀ that suits another. Each grid point replays the same agents.
 */
import { type Estimate, estimate } from "./report";
import { type LabConfig, simulate } from "./simulate";

/** Pots per policy and s₀. */
export interface SweepResult {
  /** The s₀ grid. */
  speeds: number[];
  runs: number;
  /** Per policy, the final pot's estimate at each s₀ of the grid. */
  pots: Record<string, Estimate[]>;
  seconds: number;
}

/** s₀ (a number) as UD60x18, to 1e-12. */
function wad(x: number): bigint {
  return BigInt(Math.round(x * 1e12)) * 10n ** 6n;
}

/** Runs `runs` runs of `config`'s agents in quadratic mode at each s₀ of `speeds`. */
export function sweep(config: LabConfig, speeds: number[], runs: number): SweepResult {
  const started = performance.now();
  const pots: Record<string, Estimate[]> = {};
  for (const s0 of speeds) {
    const quadratic = { ...config.params.quadratic, initialSpeed: wad(s0) };
    const lab = simulate({ ...config, runs, params: { ...config.params, quadratic } }, ["quadratic"]);
    for (const policy of config.policies)
      (pots[policy] ??= []).push(estimate(lab.results[`${policy}/quadratic`].map((r) => r.pot)));
  }
  return { speeds, runs, pots, seconds: (performance.now() - started) / 1000 };
}

/** The best grid point of a policy. */
export function best(r: SweepResult, policy: string): { s0: number; pot: Estimate } {
  const pots = r.pots[policy];
  let k = 0;
  for (let i = 1; i < pots.length; i++) if (pots[i].mean > pots[k].mean) k = i;
  return { s0: r.speeds[k], pot: pots[k] };
}

function cell(e: Estimate): string {
  return `${e.mean.toFixed(0)} ± ${e.ci.toFixed(0)}`;
}

/** The sweep as a markdown section: a table per policy × s₀ and which policy funds most at its best s₀. */
export function renderSweep(r: SweepResult, policies: readonly string[]): string {
  const head = `| policy | ${r.speeds.map((s) => `s₀ = ${s}`).join(" | ")} | best |\n|${"---|".repeat(r.speeds.length + 2)}\n`;
  const rows = policies.map((p) => {
    const b = best(r, p);
    return `| ${p} | ${r.pots[p].map(cell).join(" | ")} | ${cell(b.pot)} at s₀ = ${b.s0} |`;
  });
  const ranked = policies.map((p) => ({ p, ...best(r, p) })).sort((a, b) => b.pot.mean - a.pot.mean);
  const [first, second] = ranked;
  const verdict =
    second === undefined
      ? ""
      : `At its best s₀ ${first.p} gives the largest pot (${cell(first.pot)} at s₀ = ${first.s0}); ` +
        (first.pot.mean - first.pot.ci > second.pot.mean + second.pot.ci
          ? `ahead of ${second.p} (${cell(second.pot)} at s₀ = ${second.s0}) beyond the 95% intervals.`
          : `${second.p} (${cell(second.pot)} at s₀ = ${second.s0}) is within the 95% intervals of it.`);
  return (
    `## Tuned s₀ (quadratic mode, ${r.runs} runs per point, ${r.seconds.toFixed(1)} s)\n\n` +
    `Final pot (tokens, mean ± 95% CI) of every policy at each s₀ of the grid, the other parameters as above.\n\n` +
    `${head}${rows.join("\n")}\n\n${verdict}`
  );
}
