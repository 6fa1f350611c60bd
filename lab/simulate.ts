/**
 * The mechanism lab's simulator (issue 14):
 *
 *   npm run simulate -- [--policies constant,geometric,harmonic,limit-sqrt] [--agents 200] [--runs 100]
 *                       [--seed 1] [--sweep-runs 20] [--out out/lab]
 *
 * For every run, one population of agents (seeded) plays one campaign per policy and mode
 * (quadratic and linear, the same agents); the report (out/lab/report.md, report.html) gives each
 * metric's mean with a 95% confidence interval over runs, the plots and the timing; a second scenario
 * ("patient") shows the deadlock of decaying speeds, and a sweep compares the policies at tuned s₀.
 */
import fs from "node:fs";
import path from "node:path";
import * as pm from "../sdk/math/pledges";
import { type Agent } from "./market";
import { Rng } from "./rng";
import { type RunOptions, type RunResult, runCampaign } from "./run";
import { type LabResults, plots, renderHtml, renderMarkdown } from "./report";
import { renderSweep, sweep } from "./sweep";

/** The s₀ grid of the tuned comparison (quadratic mode). */
export const SWEEP_SPEEDS = [0.0025, 0.005, 0.01, 0.02, 0.04];

const WAD = 10n ** 18n;

/** The lab's scenario: agents, policies' parameters per mode, behaviour. */
export interface LabConfig {
  /** The scenario's name in the report. */
  name: string;
  policies: pm.LabPolicy[];
  agents: number;
  runs: number;
  seed: number;
  /** Median value per token of pot and σ of its log. */
  value: { median: number; sigma: number };
  /** Median budget (tokens) and σ of its log. */
  budget: { median: number; sigma: number };
  /** Share of strategic agents. */
  strategicShare: number;
  /** Policy parameters per mode (h is in √token quadratic, in token linear: s₀ differs). */
  params: Record<"quadratic" | "linear", pm.PolicyParams>;
  options: Omit<RunOptions, "exactSample">;
  /** Check the exact mirror every this many runs. */
  exactEvery: number;
}

function params(initialSpeed: bigint): pm.PolicyParams {
  return {
    initialSpeed,
    decay: (WAD * 98n) / 100n,
    harmonicRate: WAD / 20n,
    referenceLimit: 100n * WAD,
  };
}

/** The default scenario (the README's headline table). */
export function defaultConfig(): LabConfig {
  return {
    name: "default",
    policies: [...pm.LAB_POLICIES],
    agents: 200,
    runs: 100,
    seed: 1,
    value: { median: 0.15, sigma: 1 },
    budget: { median: 100, sigma: 1 },
    strategicShare: 0.3,
    params: { quadratic: params(WAD / 200n), linear: params(WAD / 50n) },
    options: { hurdle: 0.05, lookahead: 5, sybilSplit: 10, sybilAgent: { value: 0.15, budget: 100 } },
    exactEvery: 10,
  };
}

/**
 * The deadlock scenario: more strategic agents, and they wait for any gain (no hurdle) — the
 * document's "everyone is incentivised to wait for others to pay first".
 */
export function patientConfig(base: LabConfig): LabConfig {
  return { ...base, name: "patient", strategicShare: 0.6, options: { ...base.options, hurdle: 0 } };
}

/** The agents of run `run` (sorted by arrival), the same for every policy and mode. */
export function drawAgents(config: LabConfig, run: number): Agent[] {
  const rng = new Rng(config.seed, run);
  const agents: Agent[] = [];
  for (let id = 0; id < config.agents; id++) {
    agents.push({
      id,
      value: rng.logNormal(config.value.median, config.value.sigma),
      budget: rng.logNormal(config.budget.median, config.budget.sigma),
      arrival: rng.next(),
      strategic: rng.next() < config.strategicShare,
    });
  }
  return agents.sort((a, b) => a.arrival - b.arrival);
}

/** The no-coordination baseline: an agent gives its whole budget iff a token of pot is worth a token. */
export function baselinePot(agents: Agent[]): number {
  return agents.reduce((s, a) => s + (a.value >= 1 ? a.budget : 0), 0);
}

/** Every run of every policy and mode (both modes unless `modes` says otherwise). */
export function simulate(
  config: LabConfig,
  modes: readonly ("quadratic" | "linear")[] = ["quadratic", "linear"],
): LabResults {
  const started = performance.now();
  const results: LabResults["results"] = {};
  const baselines: number[] = [];
  for (let run = 0; run < config.runs; run++) {
    const agents = drawAgents(config, run);
    baselines.push(baselinePot(agents));
    for (const mode of modes) {
      for (const policy of config.policies) {
        const key = `${policy}/${mode}`;
        const rng = new Rng(config.seed ^ 0x5eed, run);
        const r: RunResult = runCampaign(
          agents,
          {
            mode: mode === "quadratic" ? pm.Mode.Quadratic : pm.Mode.Linear,
            policy,
            params: config.params[mode],
          },
          { ...config.options, exactSample: run % config.exactEvery === 0 },
          rng,
        );
        (results[key] ??= []).push(r);
      }
    }
  }
  return { config, results, baselines, seconds: (performance.now() - started) / 1000 };
}

function parseArgs(argv: string[]): { config: LabConfig; out: string; sweepRuns: number } {
  const config = defaultConfig();
  let out = "out/lab";
  let sweepRuns = 20;
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    const int = (): number => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} "${value}" is not a non-negative integer`);
      i++;
      return n;
    };
    if (flag === "--agents") config.agents = int();
    else if (flag === "--runs") config.runs = int();
    else if (flag === "--seed") config.seed = int();
    else if (flag === "--sweep-runs") sweepRuns = int();
    else if (flag === "--out") [out, i] = [value, i + 1];
    else if (flag === "--policies") {
      const names = (value ?? "").split(",").map((s) => s.trim());
      for (const n of names)
        if (!(pm.LAB_POLICIES as readonly string[]).includes(n))
          throw new Error(`--policies: unknown policy "${n}" (one of ${pm.LAB_POLICIES.join(", ")})`);
      config.policies = names as pm.LabPolicy[];
      i++;
    } else throw new Error(`unknown option ${flag}`);
  }
  if (config.runs === 0 || config.agents === 0) throw new Error("--runs and --agents must be positive");
  return { config, out, sweepRuns };
}

function main(): void {
  const { config, out, sweepRuns } = parseArgs(process.argv.slice(2).filter((a) => a !== "--"));
  const labs: LabResults[] = [];
  for (const scenario of [config, patientConfig(config)]) {
    console.log(
      `${scenario.name}: ${scenario.agents} agents × ${scenario.runs} runs × ${scenario.policies.length} ` +
        `policies × 2 modes (seed ${scenario.seed}) …`,
    );
    const lab = simulate(scenario);
    const perAgent = (lab.seconds * 1e6) / (scenario.agents * scenario.runs * scenario.policies.length * 2);
    console.log(`  ${lab.seconds.toFixed(1)} s (${perAgent.toFixed(0)} µs per agent per campaign)`);
    labs.push(lab);
  }
  const extra: string[] = [];
  if (sweepRuns > 0) {
    console.log(`tuned s₀: ${SWEEP_SPEEDS.length} speeds × ${sweepRuns} runs (quadratic) …`);
    const r = sweep(config, SWEEP_SPEEDS, sweepRuns);
    console.log(`  ${r.seconds.toFixed(1)} s`);
    extra.push(renderSweep(r, config.policies));
  }
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, "report.md"), renderMarkdown(labs, extra));
  fs.writeFileSync(path.join(out, "report.html"), renderHtml(labs, extra));
  for (const [name, svg] of Object.entries(plots(labs[0]))) fs.writeFileSync(path.join(out, name), svg);
  console.log(`wrote ${path.join(out, "report.md")}, report.html and the plots`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) main();
