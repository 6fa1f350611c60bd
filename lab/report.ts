/**
 * The lab's report: per mode a table of every policy's metrics (mean ± 95% confidence half-width over
 * runs), three SVG plots (pot by policy, leverage at join vs real leverage, pot growth as agents
 * join) and a conclusion computed from the numbers. Markdown (plots as files next to it) and HTML
 * (plots inline).
 */
import type { LabConfig } from "./simulate";
import type { RunResult } from "./run";

/** Everything a simulation produced. */
export interface LabResults {
  config: LabConfig;
  /** Runs per "policy/mode". */
  results: Record<string, RunResult[]>;
  /** The no-coordination baseline pot of every run. */
  baselines: number[];
  seconds: number;
}

/** Mean and 95% confidence half-width (normal approximation, 1.96·s/√n) of the finite values. */
export interface Estimate {
  mean: number;
  ci: number;
  n: number;
}

export function estimate(xs: number[]): Estimate {
  const v = xs.filter(Number.isFinite);
  const n = v.length;
  if (n === 0) return { mean: NaN, ci: NaN, n };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const s = n > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, ci: (1.96 * s) / Math.sqrt(n), n };
}

/** The metrics of one policy and mode. */
export interface Summary {
  pot: Estimate;
  potBeforeDeadline: Estimate;
  potOverBaseline: Estimate;
  participation: Estimate;
  surplus: Estimate;
  leverageAtJoin: Estimate;
  realLeverage: Estimate;
  paymentRatioSpread: Estimate;
  deadlockRate: Estimate;
  waiting: Estimate;
  sybilGain: Estimate;
  sybilRatio: Estimate;
  floatPotError: Estimate;
  previewError: Estimate;
  realLeverageError: Estimate;
}

export function summarize(runs: RunResult[], baselines: number[]): Summary {
  const m = (f: (r: RunResult) => number | undefined): Estimate => estimate(runs.map((r) => f(r) ?? NaN));
  return {
    pot: m((r) => r.pot),
    potBeforeDeadline: m((r) => r.potBeforeDeadline),
    potOverBaseline: estimate(runs.map((r, i) => (baselines[i] > 0 ? r.pot / baselines[i] : NaN))),
    participation: m((r) => r.participation),
    surplus: m((r) => r.surplus),
    leverageAtJoin: m((r) => r.leverageAtJoin),
    realLeverage: m((r) => r.realLeverage),
    paymentRatioSpread: m((r) => r.paymentRatioSpread),
    deadlockRate: m((r) => (r.waiting >= 2 ? 1 : 0)),
    waiting: m((r) => r.waiting),
    sybilGain: m((r) => r.sybilGain),
    sybilRatio: m((r) => r.sybilRatio),
    floatPotError: m((r) => Math.abs(r.floatPotError)),
    previewError: m((r) => r.previewError),
    realLeverageError: m((r) => r.realLeverageError),
  };
}

function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return "–";
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return x.toExponential(2);
  return a >= 100 ? x.toFixed(0) : x.toPrecision(digits);
}

function pm(e: Estimate, scale = 1, digits = 3): string {
  return Number.isFinite(e.mean) ? `${fmt(e.mean * scale, digits)} ± ${fmt(e.ci * scale, 2)}` : "–";
}

const MODES = ["quadratic", "linear"] as const;

function summaries(lab: LabResults): Map<string, Summary> {
  const out = new Map<string, Summary>();
  for (const [key, runs] of Object.entries(lab.results)) out.set(key, summarize(runs, lab.baselines));
  return out;
}

/** One markdown table per mode. */
export function tables(lab: LabResults, s = summaries(lab)): string {
  const head =
    "| policy | final pot | pot before the deadline round | pot / baseline | participation % | total surplus | " +
    "leverage at join (median) | real leverage (median) | sd of payment/limit | deadlock runs % | " +
    `Sybil gain, ${lab.config.options.sybilSplit} addresses (tokens) | Sybil surplus × |\n|${"---|".repeat(12)}\n`;
  return MODES.map((mode) => {
    const rows = lab.config.policies.map((p) => {
      const x = s.get(`${p}/${mode}`)!;
      return (
        `| ${p} | ${pm(x.pot)} | ${pm(x.potBeforeDeadline)} | ${pm(x.potOverBaseline)} | ` +
        `${pm(x.participation, 100)} | ${pm(x.surplus)} | ${pm(x.leverageAtJoin)} | ${pm(x.realLeverage)} | ` +
        `${pm(x.paymentRatioSpread)} | ${pm(x.deadlockRate, 100)} | ${pm(x.sybilGain)} | ` +
        `${pm(x.sybilRatio)} |`
      );
    });
    return `### ${lab.config.name}: ${mode} mode\n\n${head}${rows.join("\n")}\n`;
  }).join("\n");
}

// ─────────────────────────────────────────────── SVG plots

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

interface Bar {
  group: string;
  series: string;
  value: Estimate;
}

/** Grouped bars with 95% CI whiskers; `log` plots log10 of the values. */
function barChart(title: string, bars: Bar[], log = false): string {
  const groups = [...new Set(bars.map((b) => b.group))];
  const series = [...new Set(bars.map((b) => b.series))];
  const W = 640;
  const H = 320;
  const L = 60;
  const B = 40;
  const T = 40;
  const tf = (v: number): number => (log ? Math.log10(Math.max(v, 1e-12)) : v);
  const tops = bars.map((b) => tf(b.value.mean + (Number.isFinite(b.value.ci) ? b.value.ci : 0)));
  const lo = log ? Math.min(0, ...bars.map((b) => Math.floor(tf(b.value.mean)))) : 0;
  const hi = Math.max(lo + 1e-9, ...tops.filter(Number.isFinite)) * (log ? 1 : 1.1);
  const y = (v: number): number => T + (H - T - B) * (1 - (tf(v) - lo) / (hi - lo));
  const gw = (W - L - 10) / groups.length;
  const bw = (gw * 0.8) / series.length;
  const parts: string[] = [
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - 10}" y2="${H - B}" stroke="#333"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#333"/>`,
  ];
  const ticks = 4;
  for (let k = 0; k <= ticks; k++) {
    const t = lo + ((hi - lo) * k) / ticks;
    const v = log ? 10 ** t : t;
    parts.push(`<text x="${L - 4}" y="${y(v) + 4}" text-anchor="end" font-size="10">${fmt(v, 2)}</text>`);
  }
  groups.forEach((g, gi) => {
    parts.push(
      `<text x="${L + gi * gw + gw / 2}" y="${H - B + 16}" text-anchor="middle" font-size="11">${esc(g)}</text>`,
    );
    series.forEach((sname, si) => {
      const b = bars.find((x) => x.group === g && x.series === sname);
      if (!b || !Number.isFinite(b.value.mean)) return;
      const x = L + gi * gw + gw * 0.1 + si * bw;
      const top = y(b.value.mean);
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${(bw * 0.9).toFixed(1)}" ` +
          `height="${Math.max(0, H - B - top).toFixed(1)}" fill="${COLORS[si % COLORS.length]}"/>`,
      );
      if (Number.isFinite(b.value.ci) && b.value.ci > 0) {
        const cx = x + bw * 0.45;
        const y1 = y(b.value.mean + b.value.ci);
        const y0 = y(Math.max(b.value.mean - b.value.ci, log ? 1e-12 : 0));
        parts.push(`<line x1="${cx}" y1="${y1.toFixed(1)}" x2="${cx}" y2="${y0.toFixed(1)}" stroke="#000"/>`);
      }
    });
  });
  series.forEach((sname, si) => {
    const x = L + 10 + si * 150;
    parts.push(
      `<rect x="${x}" y="${H - 14}" width="10" height="10" fill="${COLORS[si % COLORS.length]}"/>`,
      `<text x="${x + 14}" y="${H - 5}" font-size="11">${esc(sname)}</text>`,
    );
  });
  return svg(W, H, parts);
}

/** Lines of the mean pot after each arrival, one per series. */
function lineChart(title: string, lines: { name: string; ys: number[] }[], xLabel: string): string {
  const W = 640;
  const H = 320;
  const L = 60;
  const B = 40;
  const T = 40;
  const n = Math.max(...lines.map((l) => l.ys.length));
  const hi = Math.max(1e-9, ...lines.flatMap((l) => l.ys.filter(Number.isFinite))) * 1.05;
  const x = (i: number): number => L + ((W - L - 130) * i) / Math.max(1, n - 1);
  const y = (v: number): number => T + (H - T - B) * (1 - v / hi);
  const parts: string[] = [
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - 130}" y2="${H - B}" stroke="#333"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#333"/>`,
    `<text x="${(L + W - 130) / 2}" y="${H - 8}" text-anchor="middle" font-size="11">${esc(xLabel)}</text>`,
  ];
  for (let k = 0; k <= 4; k++) {
    const v = (hi * k) / 4;
    parts.push(`<text x="${L - 4}" y="${y(v) + 4}" text-anchor="end" font-size="10">${fmt(v, 2)}</text>`);
  }
  lines.forEach((l, li) => {
    const pts = l.ys.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    const color = COLORS[li % COLORS.length];
    parts.push(
      `<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="1.5"/>`,
      `<text x="${W - 125}" y="${T + 14 * li + 10}" font-size="11" fill="${color}">${esc(l.name)}</text>`,
    );
  });
  return svg(W, H, parts);
}

function svg(w: number, h: number, parts: string[]): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" ` +
    `font-family="sans-serif">\n<rect width="${w}" height="${h}" fill="#fff"/>\n${parts.join("\n")}\n</svg>\n`
  );
}

/** The three plots, by file name. */
export function plots(lab: LabResults, s = summaries(lab)): Record<string, string> {
  const policies = lab.config.policies;
  const potBars = policies.flatMap((p) =>
    MODES.map((mode) => ({ group: p, series: mode, value: s.get(`${p}/${mode}`)!.pot })),
  );
  const levBars = policies.flatMap((p) => [
    { group: p, series: "at join (median)", value: s.get(`${p}/quadratic`)!.leverageAtJoin },
    { group: p, series: "real, at settlement (median)", value: s.get(`${p}/quadratic`)!.realLeverage },
  ]);
  const growth = policies.map((p) => {
    const runs = lab.results[`${p}/quadratic`];
    const len = runs[0].growth.length;
    const ys = Array.from({ length: len }, (_, i) => runs.reduce((a, r) => a + r.growth[i], 0) / runs.length);
    return { name: p, ys };
  });
  return {
    "pot-by-policy.svg": barChart("Final pot by policy (tokens, mean ± 95% CI)", potBars),
    "leverage.svg": barChart("Quadratic: leverage at join vs real leverage (log scale)", levBars, true),
    "pot-growth.svg": lineChart(
      "Quadratic: mean pot as agents arrive (last point: after the deadline round)",
      growth,
      "agents arrived",
    ),
  };
}

// ─────────────────────────────────────────────── conclusion and documents

/** Sentences computed from the numbers: which policy funds most per mode and where each fails. */
export function conclusion(lab: LabResults, s = summaries(lab)): string[] {
  const out: string[] = [];
  for (const mode of MODES) {
    const ranked = lab.config.policies
      .map((p) => ({ p, x: s.get(`${p}/${mode}`)! }))
      .sort((a, b) => b.x.pot.mean - a.x.pot.mean);
    const [best, second] = ranked;
    const separated = second && best.x.pot.mean - best.x.pot.ci > second.x.pot.mean + second.x.pot.ci;
    out.push(
      `${lab.config.name}, ${mode} mode: ${best.p} gives the largest final pot (${pm(best.x.pot)} tokens, ` +
        `${pm(best.x.potOverBaseline)}× the no-coordination baseline)` +
        (second
          ? separated
            ? `, ahead of ${second.p} (${pm(second.x.pot)}) beyond the 95% intervals.`
            : `; ${second.p} (${pm(second.x.pot)}) is within the 95% intervals of it.`
          : "."),
    );
    for (const { p, x } of ranked) {
      const notes: string[] = [];
      if (x.deadlockRate.mean > 0)
        notes.push(
          `deadlock (≥ 2 agents waiting for a later place when the last agent arrived) in ` +
            `${fmt(x.deadlockRate.mean * 100, 2)}% of runs, ${fmt(x.waiting.mean, 2)} agents waiting on average; ` +
            `without the deadline round the pot would be ${pm(x.potBeforeDeadline)}`,
        );
      if (x.realLeverage.mean < x.leverageAtJoin.mean)
        notes.push(
          `median real leverage ${fmt(x.realLeverage.mean)} against ${fmt(x.leverageAtJoin.mean)} seen at join`,
        );
      if (x.sybilGain.mean - x.sybilGain.ci > 0)
        notes.push(
          `a median agent splitting into ${lab.config.options.sybilSplit} addresses gains ` +
            `${pm(x.sybilGain)} tokens of surplus`,
        );
      if (notes.length > 0) out.push(`- ${p}: ${notes.join("; ")}.`);
    }
  }
  return out;
}

function setup(lab: LabResults): string {
  const c = lab.config;
  const q = c.params.quadratic;
  const l = c.params.linear;
  return [
    `Agents: ${c.agents} per run, ${c.runs} runs, seed ${c.seed}; value per token of pot log-normal (median ` +
      `${c.value.median}, σ ${c.value.sigma}), budget log-normal (median ${c.budget.median} tokens, σ ` +
      `${c.budget.sigma}), arrival uniform, ${c.strategicShare * 100}% strategic (wait when their best surplus ` +
      `${c.options.lookahead} places later, the campaign otherwise unchanged, is more than ` +
      `${c.options.hurdle * 100}% higher; only decaying policies have later places that differ). Sybil splitter: value ${c.options.sybilAgent.value}, budget ` +
      `${c.options.sybilAgent.budget}, arriving last, ${c.options.sybilSplit} equal pledges vs one.`,
    `Policies: s₀ = ${Number(q.initialSpeed) / 1e18} (quadratic) and ${Number(l.initialSpeed) / 1e18} (linear); ` +
      `geometric r = ${Number(q.decay) / 1e18}; harmonic c = ${Number(q.harmonicRate) / 1e18}; limit-sqrt ` +
      `L₀ = ${Number(q.referenceLimit) / 1e18} tokens.`,
    `Each agent, on arrival, pledges the limit maximising value·Δpot − payment (float preview, golden-section ` +
      `search), or waits, or declines; at the deadline everyone not in looks once more, in random order. The ` +
      `pot, payments and surplus are the exact settlement (sdk/math \`settledPot\`/\`paymentAt\`); leverage ` +
      `at join is the marginal leverage of the join's preview, real leverage the float counterfactual ` +
      `(\`realLeverageFloat\`). Baseline: agents valuing a token of pot at ≥ 1 give their budget, others nothing.`,
  ].join("\n\n");
}

function checks(lab: LabResults, s: Map<string, Summary>): string {
  const all = [...s.values()];
  const max = (f: (x: Summary) => Estimate): string =>
    fmt(Math.max(...all.map((x) => f(x).mean).filter(Number.isFinite)), 2);
  return (
    `Float screening against the exact mirror: mean |float pot / exact pot − 1| ≤ ${max((x) => x.floatPotError)}; ` +
    `sampled (every ${lab.config.exactEvery}th run) join payment vs exact \`previewPledge\` ≤ ` +
    `${max((x) => x.previewError)}, real leverage vs exact \`realLeverage\` ≤ ${max((x) => x.realLeverageError)} ` +
    `(means per policy and mode).`
  );
}

/**
 * The report of one or more scenarios (plots of the first, as files next to the markdown), then the
 * `extra` sections (markdown) before the model's limits.
 */
export function renderMarkdown(labs: LabResults[], extra: string[] = []): string {
  const c = labs[0].config;
  const parts = [
    `# Mechanism lab report`,
    `Generated by \`npm run simulate -- --agents ${c.agents} --runs ${c.runs} --seed ${c.seed} --policies ` +
      `${c.policies.join(",")}\`. Every cell: mean ± 95% confidence half-width over runs. Timing: ` +
      labs
        .map(
          (lab) =>
            `${lab.config.name} ${lab.seconds.toFixed(1)} s for ${lab.config.agents} agents × ` +
            `${lab.config.runs} runs × ${lab.config.policies.length} policies × 2 modes`,
        )
        .join("; ") +
      ".",
  ];
  for (const lab of labs) {
    const s = summaries(lab);
    parts.push(
      `## Scenario "${lab.config.name}"`,
      setup(lab),
      tables(lab, s),
      `Conclusion computed from the table:\n\n${conclusion(lab, s).join("\n")}`,
      checks(lab, s),
    );
  }
  parts.push(
    ...extra,
    `## What the model leaves out`,
    [
      `- The scenarios' policies share s₀: geometric, harmonic and limit-sqrt give most pledges a lower ` +
        `speed than constant, so part of their smaller pot is a lower average speed, not the shape of the ` +
        `decay; the tuned-s₀ table compares each at its best s₀ of a grid.`,
      `- Agents are myopic at their one look on arrival (and once more at the deadline): nobody raises, ` +
        `withdraws or anticipates later joiners; utility is linear in the pot (no satiation).`,
      `- The deadline round lets every waiting agent join at the end in random order; on chain they would ` +
        `race for the last blocks. "Pot before the deadline round" is the pot if none of them made it.`,
      `- The Sybil splitter is a median agent arriving last; in linear mode it does not pledge at all, so its ` +
        `gain there is 0 by construction.`,
    ].join("\n"),
    `## Plots (scenario "${c.name}")`,
    `![pot by policy](pot-by-policy.svg)\n\n![leverage](leverage.svg)\n\n![pot growth](pot-growth.svg)`,
  );
  return parts.join("\n\n") + "\n";
}

/** Markdown tables and headings as HTML (the report's own markdown only). */
function markdownToHtml(md: string): string {
  const out: string[] = [];
  const lines = md.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith("|")) {
      const rows: string[][] = [];
      for (; i < lines.length && lines[i].startsWith("|"); i++)
        if (!/^\|(-+\|)+$/.test(lines[i]))
          rows.push(
            lines[i]
              .slice(1, -1)
              .split(" | ")
              .map((x) => x.trim()),
          );
      i--;
      const [head, ...body] = rows;
      out.push(
        `<table border="1" cellspacing="0" cellpadding="3"><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr>` +
          body.map((r) => `<tr>${r.map((x) => `<td>${esc(x)}</td>`).join("")}</tr>`).join("") +
          `</table>`,
      );
    } else if (line.startsWith("#")) {
      const level = line.match(/^#+/)![0].length;
      out.push(`<h${level}>${esc(line.slice(level).trim())}</h${level}>`);
    } else if (line.startsWith("![")) continue;
    else if (line.trim() !== "") out.push(`<p>${esc(line)}</p>`);
  }
  return out.join("\n");
}

/** The same report as one HTML page, the plots inline. */
export function renderHtml(labs: LabResults[], extra: string[] = []): string {
  const figures = Object.values(plots(labs[0])).join("\n");
  return (
    `<!doctype html>\n<html><head><meta charset="utf-8"><title>cofund mechanism lab</title>` +
    `<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto}td,th{font-size:12px}</style>` +
    `</head><body>\n${markdownToHtml(renderMarkdown(labs, extra))}\n${figures}\n</body></html>\n`
  );
}
