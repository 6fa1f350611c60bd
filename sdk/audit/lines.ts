/**
 * Phase 2 of the audit: from the replay state, the report's lines and what each contract owes.
 * - allocator: matching pool + finalised-but-unpaid matches of unswept rounds (allocation − paid) +
 *   direct contributions not yet paid to recipients + refundable contributions not yet refunded;
 * - pledges (per token): escrow of open campaigns, limits of unclaimed pledges of cancelled ones,
 *   unclaimed refunds (Lᵢ − pᵢ(h)) and unclaimed pots of settled ones, plus pots refunded by a
 *   closed gap and not reclaimed yet.
 */
import {
  MAX_ROUNDS_PER_WITHDRAWAL,
  counts,
  escrowOf,
  matchOf,
  matchedTotalOf,
  modeName,
  newRound,
  policyName,
  roundWeight,
  weightOf,
} from "../replay";
import { finding, lc, type Discrepancy } from "../replay/findings";
import type { Campaign, Gap, Pledge, ReplayState } from "../replay/state";
import { formatUnitsExact } from "../units";
import type { CampaignLine, GapLine, GapRoundLine, PledgeLine, RoundLine } from "./types";

/** What the replay says each contract owes, with the lines it is made of. */
export interface Owed {
  gapLines: GapLine[];
  roundLines: RoundLine[];
  campaignLines: CampaignLine[];
  directHeld: bigint;
  refundable: bigint;
  unpaidAllocations: bigint;
  allocatorOwed: bigint;
  /** Lower-case token → what the pledges contract owes in it. */
  pledgesOwed: Map<string, bigint>;
}

/** A gap's line, and its share of the direct funds held and of the refundable contributions. */
export function gapLine(s: ReplayState, g: Gap): { line: GapLine; directHeld: bigint } {
  const lines: GapRoundLine[] = [];
  let [withdrawableNow, withdrawableRounds, pendingDirect, refundable, directHeld] = [0n, 0, 0n, 0n, 0n];
  for (const [r, gr] of [...g.rounds.entries()].sort((x, y) => x[0] - y[0])) {
    const acc = s.rounds.get(r);
    const finalized = acc?.finalized ?? false;
    const match = finalized && counts(g, r) && acc !== undefined ? matchOf(s, acc, g.gapId) : 0n;
    let status: GapRoundLine["status"];
    if (!counts(g, r)) {
      status = "refundable";
      for (const [who, total] of gr.totals) if (!gr.refunded.has(who)) refundable += total;
    } else if (gr.settled) status = "paid";
    else if (finalized) {
      status = "finalized";
      withdrawableNow += gr.direct + match;
      withdrawableRounds++;
      directHeld += gr.direct;
    } else {
      status = "open";
      pendingDirect += gr.direct;
      directHeld += gr.direct;
    }
    const { sumSqrt, direct } = gr;
    lines.push({
      round: r,
      contributors: gr.totals.size,
      direct,
      sumSqrt,
      weight: weightOf(s, gr),
      match,
      status,
    });
  }
  const line: GapLine = {
    gapId: g.gapId,
    metadataURI: g.metadataURI,
    recipient: g.recipient,
    status: g.closedRound !== 0 ? "closed" : "active",
    closedRound: g.closedRound,
    directTotal: g.contributed - g.refunded,
    contributors: g.contributors.size,
    matchedTotal: matchedTotalOf(s, g),
    matchedPaid: g.matchedPaid,
    withdrawn: g.withdrawn,
    refunded: g.refunded,
    withdrawableNow,
    withdrawableInOneCall: !g.mayWalk && withdrawableRounds <= MAX_ROUNDS_PER_WITHDRAWAL,
    pendingDirect,
    refundable,
    rounds: lines,
  };
  return { line, directHeld };
}

/** Round `r`'s line (W and the funded gaps of an open round are live: from its contributions so far). */
export function roundLine(s: ReplayState, r: number): RoundLine {
  const a = s.rounds.get(r) ?? newRound(r);
  let matchesTotal = 0n;
  if (a.finalized) for (const gapId of a.weights.keys()) matchesTotal += matchOf(s, a, gapId);
  const open = a.finalized ? undefined : roundWeight(s, r);
  return {
    roundNumber: r,
    status: a.swept ? "swept" : a.finalized ? "finalized" : "open",
    poolSize: a.poolSize,
    distributeWholePool: a.finalized ? a.wholePool : s.wholePool,
    capBps: a.finalized ? a.capBps : s.capBps,
    totalWeight: open?.totalWeight ?? a.totalWeight,
    gapsFunded: open?.gapsFunded ?? a.gapsFunded,
    allocated: a.allocated,
    paid: a.paid,
    matchesTotal,
    returned: a.swept ? a.returned : a.allocated - matchesTotal,
  };
}

/** The rounds' lines: every round up to the open one (and the next when late contributions reached it). */
export function roundLines(s: ReplayState): { lines: RoundLine[]; unpaidAllocations: bigint } {
  const lines: RoundLine[] = [];
  let unpaidAllocations = 0n;
  const touched = [...s.rounds.values()].filter((r) => r.touched).map((r) => r.roundNumber);
  const maxRound = Math.max(s.currentRound + 1, ...touched);
  for (let r = 1; r <= maxRound; r++) {
    const known = s.rounds.get(r);
    const reached = [...s.gaps.values()].some((g) => g.rounds.has(r));
    if ((known === undefined || !known.touched) && r > s.currentRound && !reached) continue;
    if (known !== undefined && known.finalized && !known.swept)
      unpaidAllocations += known.allocated - known.paid;
    lines.push(roundLine(s, r));
  }
  return { lines, unpaidAllocations };
}

/** A pledge's line: what it paid and what its pledger gets back (or got). */
export function pledgeLine(c: Campaign, p: Pledge): PledgeLine {
  const { pledgeId, pledger, limit, speed, state } = p;
  const payment = state === "withdrawn" ? 0n : p.payment;
  const refund = state === "withdrawn" ? limit : c.state === "open" ? 0n : limit - p.payment;
  return { pledgeId, pledger, limit, speed, state, payment, refund };
}

/** What the pledges contract owes for a campaign. */
function campaignOwed(c: Campaign): bigint {
  let owed = 0n;
  for (const p of c.pledges) {
    if (p === undefined || p.state !== "active") continue;
    owed += c.state === "settled" ? p.limit - p.payment : p.limit;
  }
  return c.state === "settled" && !c.potClaimed ? owed + c.pot : owed;
}

function campaignLine(c: Campaign): CampaignLine {
  return {
    campaignId: c.campaignId,
    token: c.token,
    decimals: c.decimals,
    mode: modeName(c),
    policy: policyName(c),
    state: c.state,
    pledges: c.pledges.length,
    activePledges: c.pledges.filter((p) => p.state !== "withdrawn").length,
    escrow: escrowOf(c),
    h: c.h,
    pot: c.pot,
    potClaimed: c.potClaimed,
    refundsPaid: c.refundsPaid,
    owed: campaignOwed(c),
    pledgeLines: c.pledges.map((p) => pledgeLine(c, p)),
  };
}

/** The lines and what each contract owes; `allocatorToken` receives the pots refunded by closed gaps. */
export function owedOf(s: ReplayState, allocatorToken: string | undefined): Owed {
  const gapLines: GapLine[] = [];
  let [directHeld, refundable] = [0n, 0n];
  for (const g of s.gaps.values()) {
    const { line, directHeld: held } = gapLine(s, g);
    gapLines.push(line);
    directHeld += held;
    refundable += line.refundable;
  }
  const { lines: rounds, unpaidAllocations } = roundLines(s);
  const campaignLines = [...s.campaigns.values()].map(campaignLine);
  const pledgesOwed = new Map<string, bigint>();
  const owe = (token: string, amount: bigint): void => {
    pledgesOwed.set(lc(token), (pledgesOwed.get(lc(token)) ?? 0n) + amount);
  };
  for (const line of campaignLines) owe(line.token, line.owed);
  // Refunds of pots from closed gaps that the pledges contract holds until each campaign reclaims.
  if (s.potRefundsHeld > 0n && allocatorToken !== undefined) owe(allocatorToken, s.potRefundsHeld);
  return {
    gapLines,
    roundLines: rounds,
    campaignLines,
    directHeld,
    refundable,
    unpaidAllocations,
    allocatorOwed: s.pool + unpaidAllocations + directHeld + refundable,
    pledgesOwed,
  };
}

/** Pot payments that do not add up to the settled pot. */
export function potTotalsFindings(s: ReplayState): Discrepancy[] {
  const out: Discrepancy[] = [];
  for (const c of s.campaigns.values()) {
    if (!c.potClaimed || c.potsPaid === c.pot) continue;
    const [pot, paid] = [formatUnitsExact(c.pot, c.decimals), formatUnitsExact(c.potsPaid, c.decimals)];
    const sentence = `Campaign ${c.campaignId}'s pot is ${pot} but ${paid} was paid out.`;
    out.push(finding("pot-event", `campaign ${c.campaignId}`, pot, paid, sentence));
  }
  return out;
}
