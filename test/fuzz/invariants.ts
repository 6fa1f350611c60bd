/**
 * The invariant catalogue of the fuzzer: each invariant is one sentence and one check, run after
 * every step against the model (test/fuzz/model.ts, built from the actions sent, their events and the
 * SDK mirrors) and a view of the chain read once per step (`ChainView`). A check returns undefined
 * when the invariant holds and a short description of the violation otherwise.
 */
import Decimal from "decimal.js";
import * as qf from "../../sdk/math/qf";
import * as pm from "../../sdk/math/pledges";
import type { Model } from "./model";
import { escrowOf, matchedTotalOf } from "../../sdk/replay";

Decimal.set({ precision: 80 });

/** What the fuzzer reads from the chain after each step (only time-independent views). */
export interface ChainView {
  /** Token balances of every account and of both contracts. */
  balances: Map<string, bigint>;
  allocator: {
    pool: bigint;
    currentRound: bigint;
    paused: boolean;
    wholePool: boolean;
    capBps: bigint;
    /** `getRound` for rounds 1 … currentRound + 1. */
    rounds: Map<
      bigint,
      {
        status: bigint;
        matchingPoolTokens: bigint;
        totalWeight: bigint;
        gapsFunded: bigint;
        distributed: bigint;
        claimed: bigint;
        gapsSettled: bigint;
        swept: boolean;
        capBps: bigint;
        distributeWholePool: boolean;
      }
    >;
    /** `gapRoundState` and `matchOf` per "gapName:round" the model knows contributions for. */
    gapRounds: Map<string, { sumSqrt: bigint; direct: bigint; weight: bigint; match: bigint }>;
    /** `getGapFundingStats` (time-independent fields) and `withdrawable` per gap name. */
    gaps: Map<
      string,
      {
        recipient: string;
        status: bigint;
        directTotal: bigint;
        matchedTotal: bigint;
        matchedPaid: bigint;
        refundedTotal: bigint;
        /** `getGapFundingStats(...).withdrawable`. */
        statsWithdrawable: bigint;
        contributorCount: bigint;
        closedRound: bigint;
        withdrawable: bigint;
      }
    >;
    /** `contributionOf` per "gapName:contributor:round". */
    contributions: Map<string, bigint>;
  };
  pledges: {
    campaigns: Map<
      bigint,
      {
        state: bigint;
        escrow: bigint;
        pledgeCount: bigint;
        nextSpeed: bigint;
        sumLimitSpeed: bigint;
        h: bigint;
        pot: bigint;
        potClaimed: boolean;
        /** `solve` (the live root) for open campaigns, the settled h otherwise. */
        probeH: bigint;
        /** `evaluate(probeH)`. */
        g: bigint;
        potAtProbe: bigint;
        pledges: {
          pledger: string;
          limit: bigint;
          speed: bigint;
          state: bigint;
          paymentAtProbe: bigint;
          /** Whether `pledgeOf(campaign, pledger)` names this pledge (one pledge per address). */
          pledgersPledge: boolean;
        }[];
      }
    >;
  };
}

export interface InvariantContext {
  model: Model;
  view: ChainView;
}

export interface Invariant {
  name: string;
  sentence: string;
  check(ctx: InvariantContext): string | undefined;
}

const GAP_STATUS = { active: 1n, closed: 2n } as const;
const CAMPAIGN_STATE = { open: 1n, cancelled: 2n, settled: 3n } as const;
const PLEDGE_STATE = { active: 1n, withdrawn: 2n, claimed: 3n } as const;
const ROUND_STATUS = { open: 1n, finalized: 2n } as const;

/** The first mismatch between two records of bigints/booleans/strings, described. */
function diff(where: string, chain: object, model: object): string | undefined {
  const c = chain as Record<string, unknown>;
  const m = model as Record<string, unknown>;
  for (const k of Object.keys(m)) {
    if (c[k] !== m[k]) return `${where}.${k}: chain ${String(c[k])} ≠ model ${String(m[k])}`;
  }
  return undefined;
}

function first(items: Iterable<string | undefined>): string | undefined {
  for (const x of items) if (x !== undefined) return x;
  return undefined;
}

/** Exact (Σ√cᵢ)² − Σcᵢ in raw token units (decimal.js, 80 digits): the full quadratic match. */
function exactFullMatch(totals: Iterable<bigint>, netDirect: bigint, decimals: bigint): Decimal {
  const unit = new Decimal(10).pow(decimals.toString());
  let s = new Decimal(0);
  for (const c of totals) s = s.plus(new Decimal(c.toString()).div(unit).sqrt());
  return s.mul(s).minus(new Decimal(netDirect.toString()).div(unit)).mul(unit);
}

/** Every (registered gap, round it has contributions in) of the replay, keyed "gapName:round". */
function* gapRoundPairs(model: Model) {
  const a = model.allocator;
  for (const g of a.gaps) {
    for (const [r, gr] of g.rounds) yield { g, r: BigInt(r), gr, key: `${a.nameOf(g)}:${r}` };
  }
}

export const invariants: Invariant[] = [
  // ── solvency
  {
    name: "allocator-solvent",
    sentence:
      "The allocator's token balance covers everything it owes: the matching pool, every unpaid or unrefunded contribution, and every finalised round's unpaid, unswept allocation.",
    check: ({ model, view }) => {
      const bal = view.balances.get(model.allocator.address) ?? 0n;
      const owed = model.allocator.owed();
      return bal >= owed ? undefined : `allocator balance ${bal} < owed ${owed}`;
    },
  },
  {
    name: "allocator-exact",
    sentence:
      "No token is created or lost: with no direct donations, the allocator's balance equals what it owes exactly.",
    check: ({ model, view }) => {
      const bal = view.balances.get(model.allocator.address) ?? 0n;
      const owed = model.allocator.owed();
      return bal === owed ? undefined : `allocator balance ${bal} ≠ owed ${owed}`;
    },
  },
  {
    name: "pledges-solvent",
    sentence:
      "The pledges contract's token balance covers everything it owes: the escrow of open campaigns, the unclaimed limits of cancelled ones, and the unclaimed refunds and pots of settled ones.",
    check: ({ model, view }) => {
      const bal = view.balances.get(model.pledges.address) ?? 0n;
      const owed = model.pledges.owed();
      return bal >= owed ? undefined : `pledges balance ${bal} < owed ${owed}`;
    },
  },
  {
    name: "pledges-exact",
    sentence:
      "With no direct donations, the pledges contract's balance equals what it owes exactly (rounding never creates or strands a token).",
    check: ({ model, view }) => {
      const bal = view.balances.get(model.pledges.address) ?? 0n;
      const owed = model.pledges.owed();
      return bal === owed ? undefined : `pledges balance ${bal} ≠ owed ${owed}`;
    },
  },
  {
    name: "accounts-exact",
    sentence:
      "Every account holds exactly its initial tokens minus what it sent plus what the model says it was paid (nobody is paid twice or short).",
    check: ({ model, view }) =>
      first(
        [...model.balances].map(([who, expected]) => {
          const actual = view.balances.get(who) ?? 0n;
          return actual === expected ? undefined : `balance of ${who}: chain ${actual} ≠ model ${expected}`;
        }),
      ),
  },
  // ── matching
  {
    name: "round-within-pool",
    sentence:
      "The matching a finalised round allocates never exceeds its pool, and what it paid never exceeds what it allocated.",
    check: ({ view }) =>
      first(
        [...view.allocator.rounds].map(([r, rv]) => {
          if (rv.status !== ROUND_STATUS.finalized) return undefined;
          if (rv.distributed > rv.matchingPoolTokens)
            return `round ${r}: distributed ${rv.distributed} > pool ${rv.matchingPoolTokens}`;
          if (rv.claimed > rv.distributed)
            return `round ${r}: claimed ${rv.claimed} > distributed ${rv.distributed}`;
          return undefined;
        }),
      ),
  },
  {
    name: "match-below-full-quadratic",
    sentence:
      "In the default mode no gap is paid more than its full quadratic match (Σ√cᵢ)² − Σcᵢ, computed exactly with decimal.js.",
    check: ({ model }) => {
      const a = model.allocator;
      const decimals = BigInt(a.decimals);
      for (const { g, r, gr, key } of gapRoundPairs(model)) {
        const rm = a.round(r);
        const paid = a.matchPaid(g, r);
        if (!gr.settled || !rm || rm.wholePool || paid === 0n) continue;
        const full = exactFullMatch(gr.totals.values(), a.gapRound(g, r).direct, decimals);
        if (new Decimal(paid.toString()).gt(full))
          return `gap round ${key}: match ${paid} > full quadratic ${full.toFixed(4)}`;
      }
      return undefined;
    },
  },
  {
    name: "round-paid-within-allocation",
    sentence: "Σ of the matches the model saw paid in a round never exceeds the round's allocation.",
    check: ({ model }) => {
      for (const [r, rm] of model.allocator.finalized) {
        let paid = 0n;
        for (const p of model.payments)
          if (p.key.startsWith("alloc:match:") && p.round === r) paid += p.actual;
        if (paid > rm.allocated) return `round ${r}: matches paid ${paid} > allocated ${rm.allocated}`;
      }
      return undefined;
    },
  },
  // ── payments
  {
    name: "paid-once",
    sentence:
      "No contribution, match, refund, pledge refund or pot is ever paid twice: every payment key appears at most once.",
    check: ({ model }) => {
      const seen = new Set<string>();
      for (const p of model.payments) {
        if (seen.has(p.key)) return `${p.key} paid twice`;
        seen.add(p.key);
      }
      return undefined;
    },
  },
  {
    name: "payments-as-predicted",
    sentence: "Every payment a contract made equals, to the wei, the amount the SDK mirror predicted for it.",
    check: ({ model }) =>
      first(
        model.payments.map((p) =>
          p.actual === p.expected ? undefined : `${p.key}: paid ${p.actual}, mirror ${p.expected}`,
        ),
      ),
  },
  {
    name: "payment-within-limit",
    sentence: "Every pledge's payment is at most its limit, and its refund plus payment equal the limit.",
    check: ({ model, view }) => {
      for (const p of model.payments) {
        if (p.limit !== undefined && p.actual > p.limit) return `${p.key}: ${p.actual} > limit ${p.limit}`;
      }
      for (const p of model.payments) {
        if (!p.key.startsWith("pledges:refund:")) continue;
        const paid = model.payments.find((q) => q.key === p.key.replace("refund", "payment"));
        if (p.limit !== undefined && paid && p.actual + paid.actual !== p.limit)
          return `${p.key}: refund ${p.actual} + payment ${paid.actual} ≠ limit ${p.limit}`;
      }
      for (const [id, cv] of view.pledges.campaigns) {
        for (const [i, pv] of cv.pledges.entries())
          if (pv.paymentAtProbe > pv.limit)
            return `campaign ${id} pledge ${i}: payment ${pv.paymentAtProbe} > limit`;
      }
      return undefined;
    },
  },
  {
    name: "settled-refunds-plus-pot",
    sentence: "A settled campaign's refunds plus its pot equal its escrow exactly.",
    check: ({ model, view }) => {
      for (const c of model.pledges.campaigns) {
        if (c.state !== "settled") continue;
        const cv = view.pledges.campaigns.get(BigInt(c.campaignId));
        if (!cv) return `campaign ${c.campaignId} missing`;
        let refunds = 0n;
        for (const pv of cv.pledges)
          if (pv.state !== PLEDGE_STATE.withdrawn) refunds += pv.limit - pv.paymentAtProbe;
        if (refunds + cv.pot !== cv.escrow)
          return `campaign ${c.campaignId}: refunds ${refunds} + pot ${cv.pot} ≠ escrow ${cv.escrow}`;
        if (cv.escrow !== escrowOf(c))
          return `campaign ${c.campaignId}: escrow ${cv.escrow} ≠ ${escrowOf(c)}`;
      }
      return undefined;
    },
  },
  // ── mirror agreement
  {
    name: "mirror-allocator-state",
    sentence: "The allocator's pool, round, pause flag and matching settings equal the model's.",
    check: ({ model, view }) => {
      const a = model.allocator;
      return diff("allocator", view.allocator, {
        pool: a.pool,
        currentRound: a.currentRound,
        paused: a.paused,
        wholePool: a.wholePool,
        capBps: a.capBps,
      });
    },
  },
  {
    name: "mirror-gap-rounds",
    sentence:
      "Every gap's Σ√c, direct total and weight in every round, and its match in every finalised round, equal the SDK mirror's to the wei.",
    check: ({ model, view }) =>
      first(
        [...gapRoundPairs(model)].map(({ g, r, key }) => {
          const cv = view.allocator.gapRounds.get(key);
          if (!cv) return `gapRoundState ${key} not read`;
          const st = model.allocator.gapRound(g, r);
          // After refunds the contract keeps Σ√c as contributed and lowers only `direct`.
          return diff(`gapRound ${key}`, cv, {
            sumSqrt: st.sumSqrt,
            direct: st.direct,
            weight: st.weight,
            match: model.allocator.matchOf(g, r),
          });
        }),
      ),
  },
  {
    name: "mirror-rounds",
    sentence:
      "Every round's status, pool, total weight W, funded gaps, allocation, claimed matches, settled gaps and settings equal the mirror's.",
    check: ({ model, view }) => {
      const a = model.allocator;
      for (const [r, rv] of view.allocator.rounds) {
        const rm = a.round(r);
        const { totalWeight, gapsFunded } = a.roundWeight(r);
        const d = diff(`round ${r}`, rv, {
          status: rm ? ROUND_STATUS.finalized : ROUND_STATUS.open,
          matchingPoolTokens: rm?.poolSize ?? 0n,
          totalWeight,
          gapsFunded: BigInt(gapsFunded),
          distributed: a.distributed(r),
          claimed: rm?.paid ?? 0n,
          gapsSettled: BigInt(rm?.gapsSettled ?? 0),
          swept: rm?.swept ?? false,
          capBps: rm ? rm.capBps : a.capBps,
          distributeWholePool: rm ? rm.wholePool : a.wholePool,
        });
        if (d) return d;
        if (rm && rm.allocated !== qf.allocation(totalWeight, rm.poolSize, a.scale, rm.wholePool))
          return `round ${r}: model allocation drifted from the mirror`;
      }
      return undefined;
    },
  },
  {
    name: "mirror-gaps",
    sentence:
      "Every gap's recipient, status, totals, contributor count, closing round, withdrawable amount and per-contributor balances equal the model's.",
    check: ({ model, view }) => {
      const a = model.allocator;
      for (const g of a.gaps) {
        const name = a.nameOf(g);
        const gv = view.allocator.gaps.get(name);
        if (!gv) return `gap ${name} not read`;
        let withdrawable = 0n;
        for (const r of a.settleable(g)) withdrawable += a.gapRound(g, r).direct + a.matchOf(g, r);
        const d = diff(`gap ${name}`, gv, {
          recipient: g.recipient,
          status: g.closedRound === 0 ? GAP_STATUS.active : GAP_STATUS.closed,
          directTotal: g.contributed - g.refunded,
          matchedTotal: matchedTotalOf(model.replay, g),
          matchedPaid: g.matchedPaid,
          refundedTotal: g.refunded,
          statsWithdrawable: withdrawable,
          contributorCount: BigInt(g.contributors.size),
          closedRound: BigInt(g.closedRound),
          withdrawable,
        });
        if (d) return d;
        for (const [r, gr] of g.rounds) {
          for (const who of gr.totals.keys()) {
            const key = `${name}:${who}:${r}`;
            const expected = a.contributionOf(g, who, BigInt(r));
            const actual = view.allocator.contributions.get(key);
            if (actual !== expected)
              return `contributionOf ${key}: chain ${String(actual)} ≠ model ${expected}`;
          }
        }
      }
      return undefined;
    },
  },
  {
    name: "mirror-campaigns",
    sentence:
      "Every campaign's state, escrow, pledge count, next speed, Σ Lᵢsᵢ, h, pot and pot flag, and every pledge's pledger, limit (raises included), speed, state and whether pledgeOf names it (one pledge per address: every pledge not withdrawn) equal the model's.",
    check: ({ model, view }) => {
      const p = model.pledges;
      for (const c of p.campaigns) {
        const cv = view.pledges.campaigns.get(BigInt(c.campaignId));
        if (!cv) return `campaign ${c.campaignId} not read`;
        const d = diff(`campaign ${c.campaignId}`, cv, {
          state: CAMPAIGN_STATE[c.state],
          escrow: p.escrow(c),
          pledgeCount: BigInt(c.pledges.length),
          nextSpeed: c.nextSpeed,
          sumLimitSpeed: pm.sumLimitSpeed(p.math(c)),
          h: c.h,
          pot: c.pot,
          potClaimed: c.potClaimed,
        });
        if (d) return d;
        for (const [i, pl] of c.pledges.entries()) {
          const pv = cv.pledges[i];
          if (!pv) return `campaign ${c.campaignId} pledge ${i} not read`;
          const dp = diff(`campaign ${c.campaignId} pledge ${i}`, pv, {
            pledger: pl.pledger,
            limit: pl.limit,
            speed: pl.speed,
            state: PLEDGE_STATE[pl.state],
            pledgersPledge: pl.state !== "withdrawn",
          });
          if (dp) return dp;
        }
      }
      return undefined;
    },
  },
  {
    name: "mirror-pledge-math",
    sentence:
      "For every campaign the on-chain solve, g(h), pot at h and each pledge's payment at h equal the SDK's exact mirror to the wei.",
    check: ({ model, view }) => {
      const p = model.pledges;
      for (const c of p.campaigns) {
        const cv = view.pledges.campaigns.get(BigInt(c.campaignId));
        if (!cv) return `campaign ${c.campaignId} not read`;
        const math = p.math(c);
        const h = c.state === "settled" ? c.h : pm.solve(math);
        if (cv.probeH !== h) return `campaign ${c.campaignId}: h chain ${cv.probeH} ≠ mirror ${h}`;
        const ev = pm.evaluate(math, h);
        if (cv.g !== ev.g) return `campaign ${c.campaignId}: g(h) chain ${cv.g} ≠ mirror ${ev.g}`;
        if (cv.potAtProbe !== ev.pot)
          return `campaign ${c.campaignId}: pot(h) chain ${cv.potAtProbe} ≠ mirror ${ev.pot}`;
        if (c.state === "settled" && cv.pot !== ev.pot)
          return `campaign ${c.campaignId}: settled pot ≠ Σ payments`;
        for (const [i, pl] of c.pledges.entries()) {
          const expected = pl.state === "withdrawn" ? 0n : pm.paymentAt(pl.limit, pl.speed, h);
          const pv = cv.pledges[i];
          if (!pv || pv.paymentAtProbe !== expected)
            return `campaign ${c.campaignId} pledge ${i}: paymentAt chain ${String(pv?.paymentAtProbe)} ≠ mirror ${expected}`;
        }
      }
      return undefined;
    },
  },
];

/** Runs the whole catalogue; returns the violated invariants as "name: detail". */
export function violations(ctx: InvariantContext): string[] {
  const out: string[] = [];
  for (const inv of invariants) {
    const v = inv.check(ctx);
    if (v !== undefined) out.push(`${inv.name}: ${v}`);
  }
  return out;
}
