/**
 * The pledges contract's events applied to the replay state, with the SDK's math
 * (sdk/math/pledges.ts): speeds by policy, limits, settlements (bracket proof, pot, payments),
 * claims, pot payments and reclaims. An event field that disagrees with the recomputation is
 * recorded as a finding.
 */
import * as pm from "../math/pledges";
import { scaleOf } from "../math/qf";
import { formatUnitsExact } from "../units";
import type { EventPosition, PledgesEvent, PledgesEventArgs } from "./events";
import { finding, fx, lc, type AddFinding } from "./findings";
import { gapLabel } from "./allocator";
import type { Campaign, ModeName, PolicyName, ReplayState } from "./state";

/** `CoordinatedPledges.SETTLEMENT_GRACE_PERIOD` (30 days): after it, h = 0 settles any campaign. */
export const SETTLEMENT_GRACE_PERIOD = 30n * 24n * 3600n;

/** What a handler of a campaign's event gets. */
interface Ctx<N extends keyof PledgesEventArgs> {
  s: ReplayState;
  c: Campaign;
  a: PledgesEventArgs[N];
  at: EventPosition;
  add: AddFinding;
  /** The campaign's token amounts as decimal strings. */
  f: (raw: bigint) => string;
  subject: string;
}

/** The campaign's math view: its pledges' terms. */
export function campaignMath(c: Campaign): pm.CampaignMath {
  return {
    mode: c.mode,
    scale: c.scale,
    // As the contract reads its terms: a pledge counts unless withdrawn (a claimed one paid its share).
    pledges: c.pledges.map((p) => ({ limit: p.limit, speed: p.speed, active: p.state !== "withdrawn" })),
  };
}

/** Σ limits of the pledges not withdrawn. */
export const escrowOf = (c: Campaign): bigint =>
  c.pledges.reduce((sum, p) => (p.state !== "withdrawn" ? sum + p.limit : sum), 0n);

/** The campaign's mode and policy as the SDK names them. */
export const modeName = (c: Campaign): ModeName => (c.mode === pm.Mode.Quadratic ? "quadratic" : "linear");
export const policyName = (c: Campaign): PolicyName => pm.policyNameOf(c.policy);

/** The campaign's speed rule (`pm.SpeedRule`): its policy, s₀ and parameter. */
export const speedRule = (c: Campaign): pm.SpeedRule => ({
  policy: c.policy,
  initialSpeed: c.initialSpeed,
  param: c.decay,
});

function campaignCreated(
  s: ReplayState,
  a: PledgesEventArgs["CampaignCreated"],
  at: EventPosition,
  add: AddFinding,
): void {
  const cid = Number(a.campaignId);
  const p = a.params;
  const decimals = s.context.decimalsOf?.(a.token) ?? 18;
  const policy = Number(p.policy) as pm.Policy;
  if (s.campaigns.has(cid) || cid !== s.campaigns.size + 1)
    add(
      "pledge-event",
      `campaign ${cid}`,
      s.campaigns.size + 1,
      cid,
      `Campaign ${cid} was created out of sequence.`,
    );
  s.campaigns.set(cid, {
    campaignId: cid,
    creator: a.creator,
    token: a.token,
    decimals,
    scale: scaleOf(decimals),
    recipient: p.recipient,
    deadline: p.deadline,
    mode: Number(p.mode) as pm.Mode,
    policy,
    initialSpeed: p.initialSpeed,
    decay: policy === pm.Policy.Constant ? pm.UNIT : p.decay,
    decayParam: p.decay,
    minLimit: p.minLimit,
    allocator: p.allocator,
    gapId: p.gapId,
    created: at,
    nextSpeed: p.initialSpeed,
    state: "open",
    pledges: [],
    h: 0n,
    pot: 0n,
    potClaimed: false,
    gapContributionFailed: false,
    potPayments: [],
    refundsPaid: 0n,
    potsPaid: 0n,
  });
}

/** A pledge (made or raised) must be in an open campaign before its deadline. */
function expectOpen(x: Ctx<keyof PledgesEventArgs>, ps: string, verb: string): void {
  const { c } = x;
  if (c.state !== "open" || BigInt(x.at.timestamp) >= c.deadline) {
    const sentence = `${ps} was ${verb} after the deadline or in a ${c.state} campaign.`;
    x.add("pledge-event", ps, "an open campaign before its deadline", c.state, sentence);
  }
}

function pledged(x: Ctx<"Pledged">): void {
  const { c, a, add, f } = x;
  const pid = Number(a.pledgeId);
  const ps = `${x.subject} pledge ${pid}`;
  if (pid !== c.pledges.length) {
    const sentence = `${ps} has the wrong id: ${c.pledges.length} pledges were made before.`;
    add("pledge-event", ps, c.pledges.length, pid, sentence);
  }
  expectOpen(x, ps, "made");
  if (a.limit === 0n || a.limit < c.minLimit) {
    const sentence = `${ps} escrowed ${f(a.limit)}, below the minimum ${f(c.minLimit)}.`;
    add("pledge-event", ps, `≥ ${f(c.minLimit)}`, f(a.limit), sentence);
  }
  const open = c.pledges.findIndex((p) => p.state === "active" && lc(p.pledger) === lc(a.pledger));
  if (open >= 0) {
    const sentence = `${ps} is a second pledge of ${a.pledger}, whose pledge ${open} is active: pledging again must raise it.`;
    add("pledge-event", ps, `a raise of pledge ${open}`, "a new pledge", sentence);
  }
  // The speed the policy assigns (limit-sqrt: from the limit, when it is a valid one).
  const speed = a.limit > 0n ? pm.newPledgeSpeed(speedRule(c), c.nextSpeed, a.limit * c.scale) : c.nextSpeed;
  if (a.speed !== speed) {
    const sentence = `${ps} got speed ${fx(a.speed)}; the ${policyName(c)} policy assigns ${fx(speed)}.`;
    add("pledge-event", ps, fx(speed), fx(a.speed), sentence);
  }
  c.pledges[pid] = {
    campaignId: c.campaignId,
    pledgeId: pid,
    pledger: a.pledger,
    limit: a.limit,
    speed,
    state: "active",
    payment: 0n,
    refund: 0n,
    pledged: x.at,
    raises: [],
  };
  c.nextSpeed = pm.nextSpeedAfter(speedRule(c), speed);
}

function pledgeRaised(x: Ctx<"PledgeRaised">): void {
  const { c, a, add, f } = x;
  const pid = Number(a.pledgeId);
  const p = c.pledges[pid];
  const ps = `${x.subject} pledge ${pid}`;
  if (p === undefined || p.state !== "active" || lc(p.pledger) !== lc(a.pledger)) {
    const actual = p === undefined ? "none" : `${p.state}, of ${p.pledger}`;
    const sentence = `${ps} was raised by ${a.pledger} but it is not that address's active pledge.`;
    add("pledge-event", ps, "an active pledge of the raiser", actual, sentence);
    return;
  }
  expectOpen(x, ps, "raised");
  if (a.added === 0n || a.newLimit !== p.limit + a.added) {
    const sentence = `${ps} had ${f(p.limit)} and was raised by ${f(a.added)}, but its new limit is ${f(a.newLimit)}.`;
    add("pledge-event", ps, f(p.limit + a.added), f(a.newLimit), sentence);
  }
  p.limit += a.added;
  // Under limit-sqrt the raise recomputes the speed from the combined limit (`CoordinatedPledges.pledge`).
  p.speed = pm.raisedSpeed(speedRule(c), p.speed, p.limit * c.scale);
  p.raises.push({ ...x.at, added: a.added });
}

function pledgeWithdrawn(x: Ctx<"PledgeWithdrawn">): void {
  const { c, a, add, f } = x;
  const pid = Number(a.pledgeId);
  const p = c.pledges[pid];
  const ps = `${x.subject} pledge ${pid}`;
  if (p === undefined || p.state !== "active" || c.state !== "open" || BigInt(x.at.timestamp) >= c.deadline) {
    const sentence = `${ps} was withdrawn but it was not an active pledge of an open campaign before its deadline.`;
    add("pledge-event", ps, "an active pledge before the deadline", p?.state ?? "none", sentence);
    return;
  }
  if (a.limit !== p.limit) {
    const sentence = `${ps} escrowed ${f(p.limit)} but its withdrawal refunded ${f(a.limit)}.`;
    add("pledge-event", ps, f(p.limit), f(a.limit), sentence);
  }
  p.state = "withdrawn";
  p.withdrawn = x.at;
  p.refund = p.limit;
  c.refundsPaid += p.limit;
  // The latest pledge releases its geometric or harmonic speed slot (CoordinatedPledges.withdrawPledge).
  if (pm.releasesSlot(c.policy) && pid === c.pledges.length - 1) c.nextSpeed = p.speed;
}

function campaignCancelled(x: Ctx<"CampaignCancelled">): void {
  const { c, subject } = x;
  if (c.state !== "open" || BigInt(x.at.timestamp) >= c.deadline) {
    const sentence = `${subject} was cancelled after its deadline or while ${c.state}.`;
    x.add("pledge-event", subject, "an open campaign before its deadline", c.state, sentence);
  }
  c.state = "cancelled";
  c.cancelled = x.at;
}

/** The pot a settlement at h must record: checks h = 0 against the grace period, else the bracket. */
function expectedPotOf(x: Ctx<"CampaignSettled">, hHigh: bigint): bigint {
  const { c, subject, add } = x;
  const h = x.a.h;
  const math = campaignMath(c);
  if (h === 0n) {
    const rootExists = pm.hasPositiveRoot(c.mode === pm.Mode.Quadratic, pm.sumLimitSpeed(math));
    if (rootExists && BigInt(x.at.timestamp) < c.deadline + SETTLEMENT_GRACE_PERIOD) {
      const sentence = `${subject} settled at h = 0 although a positive root exists and the grace period had not passed.`;
      add("settlement-invalid", subject, "a positive h", "0", sentence);
    }
    return 0n;
  }
  const verdict = pm.checkBracket(math, h, hHigh);
  if (!verdict.ok) {
    const sentence = `${subject} settled at h = ${h} but the bracket [${h}, ${hHigh}] fails ${verdict.error}(${verdict.args.join(", ")}).`;
    add("settlement-invalid", subject, "a proven bracket", `[${h}, ${hHigh}]`, sentence);
  }
  return pm.pass(math, h, h).pot;
}

function campaignSettled(x: Ctx<"CampaignSettled">, hHigh: bigint): void {
  const { c, a, subject, add, f } = x;
  if (c.state !== "open" || BigInt(x.at.timestamp) < c.deadline) {
    const sentence = `${subject} was settled before its deadline or while ${c.state}.`;
    add("settlement-invalid", subject, "an open campaign past its deadline", c.state, sentence);
  }
  const expectedPot = expectedPotOf(x, hHigh);
  if (a.pot !== expectedPot) {
    const sentence = `${subject}'s pot at h = ${fx(a.h)} is ${f(expectedPot)}, the event says ${f(a.pot)}.`;
    add("settlement-invalid", subject, f(expectedPot), f(a.pot), sentence);
  }
  c.state = "settled";
  c.h = a.h;
  c.pot = expectedPot;
  for (const p of c.pledges)
    if (p.state === "active") p.payment = a.h === 0n ? 0n : pm.paymentAt(p.limit, p.speed, a.h);
}

function refundClaimed(x: Ctx<"RefundClaimed">): void {
  const { c, a, add, f } = x;
  const pid = Number(a.pledgeId);
  const p = c.pledges[pid];
  const ps = `${x.subject} pledge ${pid}`;
  if (p === undefined || p.state !== "active" || c.state === "open") {
    const why =
      p === undefined
        ? "it does not exist"
        : p.state !== "active"
          ? `it was already ${p.state}`
          : "the campaign is open";
    const expected = "an active pledge of a settled or cancelled campaign";
    add("claim-event", ps, expected, p?.state ?? "none", `${ps} was claimed but ${why}.`);
    return;
  }
  const expectedPayment = c.state === "settled" ? p.payment : 0n;
  const expectedRefund = p.limit - expectedPayment;
  if (a.payment !== expectedPayment) {
    const sentence = `${ps} pays ${f(expectedPayment)} at h = ${fx(c.h)}, its claim says ${f(a.payment)}.`;
    add("claim-event", ps, f(expectedPayment), f(a.payment), sentence);
  }
  if (a.refund !== expectedRefund) {
    const sentence = `${ps} gets back ${f(expectedRefund)}, its claim paid ${f(a.refund)}.`;
    add("claim-event", ps, f(expectedRefund), f(a.refund), sentence);
  }
  p.state = "claimed";
  p.claimed = x.at;
  p.claimedAmounts = { payment: a.payment, refund: a.refund };
  p.payment = expectedPayment;
  p.refund = expectedRefund;
  c.refundsPaid += expectedRefund;
}

/** A pot paid into the allocator must be one of the transaction's allocator contributions. */
function checkPotInGap(x: Ctx<"PotClaimed">): void {
  const { s, c, a, subject, add, f } = x;
  if (lc(a.to) !== lc(c.allocator)) {
    const sentence = `${subject}'s pot went to ${a.to} instead of its allocator ${c.allocator}.`;
    add("pot-event", subject, c.allocator, a.to, sentence);
  }
  const list = s.contributionsInTx.get(x.at.txHash) ?? [];
  const found = list.findIndex(
    (y) => y.contributor === lc(s.context.pledges ?? "") && y.gapId === lc(c.gapId) && y.amount === a.amount,
  );
  if (lc(a.to) === lc(s.context.allocator ?? "") && found < 0) {
    const sentence = `${subject}'s pot of ${f(a.amount)} went to the allocator but no matching contribution to ${gapLabel(c.gapId)} was recorded.`;
    add("pot-event", subject, `a contribution of ${a.amount} to ${gapLabel(c.gapId)}`, "none", sentence);
  }
  if (found >= 0) list.splice(found, 1);
}

function potClaimed(x: Ctx<"PotClaimed">): void {
  const { c, a, subject, add, f } = x;
  if (c.state !== "settled" || (c.potClaimed && c.potsPaid + a.amount > c.pot)) {
    const sentence = `${subject}'s pot was paid ${c.state !== "settled" ? "before settlement" : "more than once"}.`;
    add("pot-event", subject, "one pot payment after settlement", f(a.amount), sentence);
  }
  if (a.toGap) checkPotInGap(x);
  else if (lc(a.to) !== lc(c.recipient)) {
    const sentence = `${subject}'s pot went to ${a.to} instead of its recipient ${c.recipient}.`;
    add("pot-event", subject, c.recipient, a.to, sentence);
  }
  c.potClaimed = true;
  c.potsPaid += a.amount;
  c.potPayments.push({ ...x.at, to: a.to, amount: a.amount, toGap: a.toGap });
}

function potReclaimed(x: Ctx<"PotReclaimed">): void {
  const { s, c, a, subject, f } = x;
  const held = s.potRefundsHeld;
  if (lc(a.recipient) !== lc(c.recipient) || a.amount > held || !c.potClaimed) {
    const sentence = `${subject}'s pot was reclaimed from its gap to ${a.recipient} for ${f(a.amount)}; the allocator had refunded ${f(held)} not yet paid on, for the recipient ${c.recipient}.`;
    x.add(
      "pot-event",
      subject,
      `at most ${f(held)} to ${c.recipient}`,
      `${f(a.amount)} to ${a.recipient}`,
      sentence,
    );
  }
  s.potRefundsHeld -= a.amount < held ? a.amount : held;
}

/** Records a settlement page; a `CampaignSettled` in the same transaction takes its session's bracket. */
function settlementProgressed(
  s: ReplayState,
  a: PledgesEventArgs["SettlementProgressed"],
  at: EventPosition,
): void {
  const key = `${a.campaignId}:${a.sessionId}`;
  const session = s.sessions.get(key) ?? { hLow: a.hLow, hHigh: a.hHigh, pages: 0 };
  session.pages++;
  s.sessions.set(key, session);
  s.lastProgress = { txHash: at.txHash, campaignId: Number(a.campaignId), key };
}

/** The settlement row of a `CampaignSettled`; returns the bracket's upper end that proves its h. */
function settlementRow(s: ReplayState, a: PledgesEventArgs["CampaignSettled"], at: EventPosition): bigint {
  const cid = Number(a.campaignId);
  // The winning session is the one whose last page is in this transaction.
  let bracket = { hLow: 0n, hHigh: 0n, pages: 0 };
  const last = s.lastProgress;
  if (last !== undefined && last.txHash === at.txHash && last.campaignId === cid)
    bracket = s.sessions.get(last.key) ?? bracket;
  s.settlements.push({ ...at, campaignId: cid, settler: a.settler, h: a.h, pot: a.pot, ...bracket });
  return bracket.hLow === a.h ? bracket.hHigh : a.h;
}

/** Applies one pledges event to `s` (in place). */
export function applyPledgesEvent(s: ReplayState, e: PledgesEvent): void {
  const add: AddFinding = (kind, subject, expected, actual, sentence) =>
    s.findings.pledges.push(finding(kind, subject, expected, actual, sentence));
  if (e.name === "CampaignCreated") return campaignCreated(s, e.args, e.position, add);
  if (e.name === "SettlementProgressed") settlementProgressed(s, e.args, e.position);
  const hHigh = e.name === "CampaignSettled" ? settlementRow(s, e.args, e.position) : 0n;
  const cid = Number(e.args.campaignId);
  const subject = `campaign ${cid}`;
  const c = s.campaigns.get(cid);
  if (c === undefined) {
    const sentence = `${e.name} refers to campaign ${cid}, which was never created.`;
    return add("pledge-event", subject, "a created campaign", e.name, sentence);
  }
  const f = (raw: bigint): string => formatUnitsExact(raw, c.decimals);
  const base = { s, c, at: e.position, add, f, subject };
  switch (e.name) {
    case "Pledged":
      return pledged({ ...base, a: e.args });
    case "PledgeRaised":
      return pledgeRaised({ ...base, a: e.args });
    case "PledgeWithdrawn":
      return pledgeWithdrawn({ ...base, a: e.args });
    case "CampaignCancelled":
      return campaignCancelled({ ...base, a: e.args });
    case "CampaignSettled":
      return campaignSettled({ ...base, a: e.args }, hHigh);
    case "RefundClaimed":
      return refundClaimed({ ...base, a: e.args });
    case "PotClaimed":
      return potClaimed({ ...base, a: e.args });
    case "GapContributionFailed":
      c.potClaimed = true;
      c.gapContributionFailed = true;
      return;
    case "PotReclaimed":
      return potReclaimed({ ...base, a: e.args });
    default:
      return; // SettlementProgressed: recorded above
  }
}
