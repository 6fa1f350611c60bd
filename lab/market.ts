/**
 * One simulated campaign: the pledges so far (exact terms: raw limits and the policy's speeds, as the
 * chain would store them), their float64 mirror for fast screening (sdk/math/float.ts), and an agent's
 * best response — the limit maximising value·Δpot − payment — found by golden-section search on the
 * float preview, warm-started from the current root.
 */
import * as pm from "../sdk/math/pledges";

/** An agent: how much a token of pot is worth to it, its budget (tokens), when it arrives. */
export interface Agent {
  id: number;
  /** Value per token of pot (a token of its own money is worth 1). */
  value: number;
  /** The largest limit it can pledge (tokens). */
  budget: number;
  /** Arrival time in [0, 1) (the campaign's deadline is 1). */
  arrival: number;
  /** May delay joining when a later place is cheaper. */
  strategic: boolean;
}

/** The campaign's terms in the lab. */
export interface LabCampaignConfig {
  mode: pm.Mode;
  policy: pm.LabPolicy;
  params: pm.PolicyParams;
}

/** One pledge of the simulated campaign. */
export interface SimPledge {
  agent: number;
  limit: bigint;
  speed: bigint;
  /** The pledge's marginal leverage in the preview it joined with (float). */
  leverageAtJoin: number;
}

/** What pledging a limit (split over `split` addresses) would do, in float. */
export interface Response {
  /** Total limit (tokens, on the 1e-6 grid). */
  limit: number;
  /** value·Δpot − payment. */
  surplus: number;
  h: number;
  payment: number;
  potIncrease: number;
}

const NONE: Response = { limit: 0, surplus: 0, h: 0, payment: 0, potIncrease: 0 };
const GOLDEN = (Math.sqrt(5) - 1) / 2;
/** Golden-section steps of the best response (the limit to ~1e-3 of the budget in √-scale). */
const SEARCH_STEPS = 16;

/** Tokens → raw 18-decimal units on a 1e-6 token grid. */
export function toRaw(tokens: number): bigint {
  return BigInt(Math.round(tokens * 1e6)) * 10n ** 12n;
}

/** Raw 18-decimal units (or UD60x18) → float. */
export function toNum(raw: bigint): number {
  return Number(raw) / 1e18;
}

/** Whether a policy's speed depends on the slot (so a later place can be cheaper). */
export function slotDependent(policy: pm.LabPolicy): boolean {
  return policy === "geometric" || policy === "harmonic";
}

export class SimCampaign {
  readonly pledges: SimPledge[] = [];
  /** Float mirror of the pledges (limits in tokens). */
  readonly float: pm.FloatCampaign;
  /** Float root and pot of the pledges so far. */
  h = 0;
  pot = 0;
  /** The slot policies' speeds by slot (their recursion, as the contract runs it). */
  private readonly slots: bigint[];

  constructor(readonly config: LabCampaignConfig) {
    this.float = { quadratic: config.mode === pm.Mode.Quadratic, limits: [], speeds: [] };
    this.slots = [config.params.initialSpeed];
  }

  /** The speed the policy gives slot `slot` for a raw `limit` (scale 1: 18-decimal tokens). */
  speedFor(slot: number, limit: bigint): bigint {
    const { policy, params } = this.config;
    if (!slotDependent(policy)) return pm.labSpeed(policy, params, slot, limit);
    while (this.slots.length <= slot) {
      const last = this.slots[this.slots.length - 1];
      this.slots.push(pm.labSpeed(policy, params, this.slots.length, limit, last));
    }
    return this.slots[slot];
  }

  /** Float root, pot and payment of `split` equal pledges of `limit` tokens in total from `slot` on. */
  trial(limit: number, slot: number, split = 1): Response & { speeds: bigint[]; raw: bigint } {
    const raw = toRaw(limit / split);
    const speeds: bigint[] = [];
    for (let j = 0; j < split; j++) speeds.push(this.speedFor(slot + j, raw > 0n ? raw : 1n));
    const f = this.float;
    for (const s of speeds) {
      f.limits.push(toNum(raw));
      f.speeds.push(toNum(s));
    }
    const h = pm.solveFloat(f, this.h > 0 ? this.h : undefined);
    const pot = pm.potFloat(f, h);
    let payment = 0;
    for (const s of speeds) payment += pm.paymentFloat(toNum(raw), toNum(s), h);
    f.limits.length -= split;
    f.speeds.length -= split;
    const potIncrease = pot - this.pot;
    return { limit: toNum(raw) * split, surplus: 0, h, payment, potIncrease, speeds, raw };
  }

  /**
   * The agent's best response from `slot` on (over `split` addresses): golden-section search of
   * value·Δpot − payment over limit = budget·u², u ∈ [0, 1] (finer near 0, where leverage is
   * highest), plus the full budget. Linear campaigns with a root screen first: if even an
   * infinitesimal pledge's leverage 1/(1 − Σp′) is below 1/value, no limit pays (g is concave).
   */
  bestResponse(agent: Agent, slot: number, split = 1): Response {
    if (!this.float.quadratic && this.h > 0 && split === 1) {
      let dMinus = 0;
      const f = this.float;
      for (let j = 0; j < f.limits.length; j++)
        dMinus += pm.derivativeFloat(f.limits[j], f.speeds[j], this.h);
      if (dMinus < 1 && agent.value <= 1 - dMinus) return NONE;
    }
    const score = (u: number): Response => {
      const r = this.trial(agent.budget * u * u, slot, split);
      return { ...r, surplus: agent.value * r.potIncrease - r.payment };
    };
    let a = 0;
    let b = 1;
    let c = b - GOLDEN * (b - a);
    let d = a + GOLDEN * (b - a);
    let rc = score(c);
    let rd = score(d);
    for (let it = 0; it < SEARCH_STEPS; it++) {
      if (rc.surplus >= rd.surplus) {
        b = d;
        d = c;
        rd = rc;
        c = b - GOLDEN * (b - a);
        rc = score(c);
      } else {
        a = c;
        c = d;
        rc = rd;
        d = a + GOLDEN * (b - a);
        rd = score(d);
      }
    }
    let best = rc.surplus >= rd.surplus ? rc : rd;
    const full = score(1);
    if (full.surplus > best.surplus) best = full;
    return best.limit > 0 && best.surplus > 1e-9 * agent.budget ? best : NONE;
  }

  /** Adds the agent's pledge of `limit` tokens in the next slot; returns the pledge. */
  join(agent: Agent, limit: number): SimPledge {
    const slot = this.pledges.length;
    const r = this.trial(limit, slot);
    const pledge: SimPledge = { agent: agent.id, limit: r.raw, speed: r.speeds[0], leverageAtJoin: 0 };
    this.pledges.push(pledge);
    this.float.limits.push(toNum(r.raw));
    this.float.speeds.push(toNum(r.speeds[0]));
    this.h = r.h;
    this.pot = pm.potFloat(this.float, r.h);
    pledge.leverageAtJoin = pm.leverageFloat(this.float, slot, r.h);
    return pledge;
  }

  /** The pledges as the exact math sees them (18-decimal token, scale 1). */
  exact(): pm.CampaignMath {
    return {
      mode: this.config.mode,
      scale: 1n,
      pledges: this.pledges.map((p) => ({ limit: p.limit, speed: p.speed, active: true })),
    };
  }
}
