/**
 * One run of the lab: one campaign under one policy and mode, agents arriving in order, then the
 * deadline round and the exact settlement (sdk/math: `settledPot`, `paymentAt`, sampled
 * `realLeverage` / `previewPledge` against their float screens).
 */
import * as pm from "../sdk/math/pledges";
import { type Agent, type LabCampaignConfig, SimCampaign, slotDependent, toNum, toRaw } from "./market";
import { Rng } from "./rng";

/** How agents behave and what the run measures besides the campaign. */
export interface RunOptions {
  /**
   * A strategic agent waits when its best surplus `lookahead` places later (the campaign otherwise
   * unchanged) beats the current one by more than this factor.
   */
  hurdle: number;
  lookahead: number;
  /** Addresses of the Sybil splitter. */
  sybilSplit: number;
  /** Value and budget of the Sybil splitter (a median agent arriving last). */
  sybilAgent: { value: number; budget: number };
  /** Check one preview and one real leverage against the exact mirror in this run. */
  exactSample: boolean;
}

/** What one run measured. */
export interface RunResult {
  /** The pot the chain would settle (exact, tokens). */
  pot: number;
  /** The pot before the deadline round (agents still waiting never join). */
  potBeforeDeadline: number;
  /** Joined agents / agents. */
  participation: number;
  /** Σ value·pot − Σ payments over all agents (exact payments). */
  surplus: number;
  /** Median over pledges of the marginal leverage at join, and of the real leverage at settlement. */
  leverageAtJoin: number;
  realLeverage: number;
  /** Standard deviation over pledges of payment / limit at settlement. */
  paymentRatioSpread: number;
  /** Agents still waiting for a later place when the last agent had arrived (≥ 2: a deadlock). */
  waiting: number;
  /** The splitter's best surplus over `sybilSplit` addresses minus its best with one (tokens). */
  sybilGain: number;
  /** The same as a ratio (split / single; NaN when one address has no surplus). */
  sybilRatio: number;
  /** Float pot / exact pot − 1. */
  floatPotError: number;
  /** Sampled: |float − exact| / exact of one join's payment, and of one pledge's real leverage. */
  previewError?: number;
  realLeverageError?: number;
  /** Pot (float) after each arrival, then after the deadline round. */
  growth: number[];
  /** (marginal leverage at join, real leverage) of every pledge. */
  leveragePairs: [number, number][];
}

function median(xs: number[]): number {
  const finite = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (finite.length === 0) return NaN;
  const m = finite.length >> 1;
  return finite.length % 2 ? finite[m] : (finite[m - 1] + finite[m]) / 2;
}

function sd(xs: number[]): number {
  if (xs.length < 2) return 0;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
}

/** Agents arrive in order; strategic agents may wait; everyone not in joins (or not) at the deadline. */
function play(
  market: SimCampaign,
  agents: Agent[],
  opts: RunOptions,
  rng: Rng,
): { waiting: number; potBeforeDeadline: number; growth: number[]; previewError?: number } {
  const waiting: Agent[] = [];
  const declined: Agent[] = [];
  const growth: number[] = [];
  const sampleAt = opts.exactSample ? Math.floor(rng.next() * agents.length) : -1;
  let previewError: number | undefined;
  const decide = (agent: Agent, canWait: boolean, index: number): void => {
    const slot = market.pledges.length;
    const now = market.bestResponse(agent, slot);
    if (canWait && agent.strategic && slotDependent(market.config.policy)) {
      const later = market.bestResponse(agent, slot + opts.lookahead);
      if (later.surplus > 0 && later.surplus > now.surplus * (1 + opts.hurdle)) {
        waiting.push(agent);
        return;
      }
    }
    if (now.limit === 0) {
      declined.push(agent);
      return;
    }
    if (index >= 0 && index >= sampleAt && previewError === undefined && slot > 0) {
      const exact = pm.previewPledge(
        market.exact(),
        toRaw(now.limit),
        market.speedFor(slot, toRaw(now.limit)),
      );
      previewError = Math.abs(now.payment / toNum(exact.payment) - 1);
    }
    market.join(agent, now.limit);
  };
  agents.forEach((agent, i) => {
    decide(agent, true, i);
    growth.push(market.pot);
  });
  const stuck = waiting.length;
  const potBeforeDeadline = market.pot;
  const last = rng.shuffle([...waiting, ...declined]);
  waiting.length = 0;
  declined.length = 0;
  for (const agent of last) decide(agent, false, -1);
  growth.push(market.pot);
  return { waiting: stuck, potBeforeDeadline, growth, previewError };
}

/** One run of `agents` (sorted by arrival) in a campaign of `config`. */
export function runCampaign(
  agents: Agent[],
  config: LabCampaignConfig,
  opts: RunOptions,
  rng: Rng,
): RunResult {
  const market = new SimCampaign(config);
  const played = play(market, agents, opts, rng);
  const c = market.exact();
  const settled = pm.settledPot(c);
  const pot = toNum(settled.pot);
  const payments = c.pledges.map((p) => pm.paymentAt(p.limit, p.speed, settled.h));
  const paid = toNum(payments.reduce((a, b) => a + b, 0n));
  const valueSum = agents.reduce((a, x) => a + x.value, 0);
  const real = market.pledges.map((_, i) => pm.realLeverageFloat(market.float, i, market.h));
  let realLeverageError: number | undefined;
  if (opts.exactSample && c.pledges.length > 0) {
    const i = Math.floor(rng.next() * c.pledges.length);
    const exact = pm.realLeverage(c, i, settled).leverage;
    if (exact !== null) realLeverageError = Math.abs(real[i] / toNum(exact) - 1);
  }
  const sybil = { id: -1, arrival: 1, strategic: false, ...opts.sybilAgent };
  const slot = market.pledges.length;
  const single = market.bestResponse(sybil, slot).surplus;
  const split = market.bestResponse(sybil, slot, opts.sybilSplit).surplus;
  return {
    pot,
    potBeforeDeadline: played.potBeforeDeadline,
    participation: market.pledges.length / agents.length,
    surplus: valueSum * pot - paid,
    leverageAtJoin: median(market.pledges.map((p) => p.leverageAtJoin)),
    realLeverage: median(real),
    paymentRatioSpread: sd(c.pledges.map((p, i) => toNum(payments[i]) / toNum(p.limit))),
    waiting: played.waiting,
    sybilGain: split - single,
    sybilRatio: single > 0 ? split / single : NaN,
    floatPotError: pot > 0 ? market.pot / pot - 1 : 0,
    previewError: played.previewError,
    realLeverageError,
    growth: played.growth,
    leveragePairs: market.pledges.map((p, i) => [p.leverageAtJoin, real[i]]),
  };
}
