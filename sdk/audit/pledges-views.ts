/**
 * Phase 3 of the audit, pledges side: the campaign count, every campaign and every pledge as the
 * pledges contract reports them at the audited block, against the replay.
 */
import type { CoordinatedPledges } from "../../typechain-types/contracts/CoordinatedPledges";
import { fx, lc } from "../replay/findings";
import type { Campaign } from "../replay/state";
import { formatUnitsExact } from "../units";
import type { Field } from "./compare";
import type { ViewScope } from "./allocator-views";
import { escrowOf } from "../replay";

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";
const CAMPAIGN_STATE = { open: 1, cancelled: 2, settled: 3 } as const;
const PLEDGE_STATE = { active: 1, withdrawn: 2, claimed: 3 } as const;

async function compareCampaign(x: ViewScope, cp: CoordinatedPledges, c: Campaign): Promise<void> {
  const subject = `campaign ${c.campaignId}`;
  const v = await cp.getCampaign(c.campaignId, x.overrides);
  const cf = (raw: bigint): string => formatUnitsExact(raw, c.decimals);
  // Σ L·s counts every pledge not withdrawn (claims do not change it).
  const sumLS = c.pledges.reduce(
    (sum, p) => (p.state !== "withdrawn" ? sum + p.limit * c.scale * p.speed : sum),
    0n,
  );
  // claimPot of a zero pot into an allocator gap emits no event: the flag cannot be known from events.
  const potFlagKnown = !(c.pot === 0n && c.state === "settled" && lc(c.allocator) !== ZERO_ADDRESS);
  const fields: Field[] = [
    ["state", CAMPAIGN_STATE[c.state], Number(v.state)],
    ["token", lc(c.token), lc(v.token)],
    ["recipient", lc(c.recipient), lc(v.recipient)],
    ["creator", lc(c.creator), lc(v.creator)],
    ["deadline", c.deadline, v.deadline],
    ["mode", Number(c.mode), Number(v.mode)],
    ["policy", Number(c.policy), Number(v.policy)],
    ["scale", c.scale, v.scale],
    ["initial speed", c.initialSpeed, v.initialSpeed, fx],
    ["decay", c.decay, v.decay, fx],
    ["next speed", c.nextSpeed, v.nextSpeed, fx],
    ["minimum limit", c.minLimit, v.minLimit, cf],
    ["allocator", lc(c.allocator), lc(v.allocator)],
    ["gap", lc(c.gapId), lc(v.gapId)],
    ["pledge count", BigInt(c.pledges.length), v.pledgeCount],
    ["escrow", escrowOf(c), v.escrow, cf],
    ["Σ L·s", sumLS, v.sumLimitSpeed, (raw) => formatUnitsExact(raw, 36)],
    ["h", c.h, v.h, fx],
    ["pot", c.pot, v.pot, cf],
    ["pot claimed", c.potClaimed, potFlagKnown ? v.potClaimed : c.potClaimed],
  ];
  x.findings.compare("campaign-state", subject, "the pledges contract", fields);
  if (c.pledges.length > 0) await comparePledges(x, cp, c, cf);
}

async function comparePledges(
  x: ViewScope,
  cp: CoordinatedPledges,
  c: Campaign,
  cf: (raw: bigint) => string,
): Promise<void> {
  const subject = `campaign ${c.campaignId}`;
  const [limits, speeds, states, pledgers] = await cp.getPledges(
    c.campaignId,
    0,
    c.pledges.length,
    x.overrides,
  );
  c.pledges.forEach((p, i) => {
    const state = states[i];
    const pledger = pledgers[i];
    x.findings.compare("pledge-state", `${subject} pledge ${i}`, "the pledges contract", [
      ["limit", p.limit, limits[i] ?? "missing", cf],
      ["speed", p.speed, speeds[i] ?? "missing", fx],
      ["state", PLEDGE_STATE[p.state], state === undefined ? "missing" : Number(state)],
      ["pledger", lc(p.pledger), pledger === undefined ? "missing" : lc(pledger)],
    ]);
  });
  // One pledge per address: each active pledge is its pledger's (the one `pledge` would raise).
  for (const [i, p] of c.pledges.entries()) {
    if (p.state !== "active") continue;
    const [exists, id] = await cp.pledgeOf(c.campaignId, p.pledger, x.overrides);
    x.findings.compare("pledge-state", `${subject} pledge ${i}`, "the pledges contract", [
      ["pledger's pledge", `pledge ${i}`, exists ? `pledge ${id}` : "none"],
    ]);
  }
}

/** Compares the pledges contract's views with the replay (one tick per campaign). */
export async function comparePledgesViews(x: ViewScope, cp: CoordinatedPledges): Promise<void> {
  const size = x.s.campaigns.size;
  const count = Number(await cp.campaignCount(x.overrides));
  if (count !== size) {
    const sentence = `${size} campaigns were created; the pledges contract reports ${count}.`;
    x.findings.add("campaign-state", "campaigns", size, count, sentence);
  }
  for (const c of x.s.campaigns.values()) {
    await compareCampaign(x, cp, c);
    x.tick();
  }
}
