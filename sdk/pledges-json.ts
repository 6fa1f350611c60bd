/**
 * A campaign's status as JSON, one format for every consumer: `cqf:status --json` prints it and the
 * indexer's `GET /api/campaigns/{id}` serves it. Token amounts are exact decimal strings in the
 * campaign token's units, h and speeds decimal strings of 18-decimal fixed point, leverages JSON numbers
 * (null when unbounded; real leverage null when the pledge pays 0).
 */
import type { JsonValue } from "./audit-report";
import type { CampaignStatus } from "./pledges-types";
import { formatUnitsExact } from "./units";

/** A leverage as a JSON number (12 significant digits), null when unbounded. */
export function leverageJson(x: number): number | null {
  return Number.isFinite(x) ? Number(x.toPrecision(12)) : null;
}

/** The `cqf:status` JSON object of a campaign. */
export function campaignStatusJson(s: CampaignStatus): { [key: string]: JsonValue } {
  const amount = (raw: bigint): string => formatUnitsExact(raw, s.decimals);
  const fixed = (raw: bigint): string => formatUnitsExact(raw, 18);
  return {
    campaignId: s.campaignId.toString(),
    state: s.state,
    mode: s.mode,
    policy: s.policy,
    initialSpeed: fixed(s.initialSpeed),
    policyParameter: s.policyParameter === null ? null : fixed(s.policyParameter),
    minLimit: amount(s.minLimit),
    token: s.token,
    decimals: s.decimals,
    recipient: s.recipient,
    deadline: Number(s.deadline),
    h: fixed(s.h),
    pot: amount(s.pot),
    escrow: amount(s.escrow),
    potClaimed: s.potClaimed,
    pledges: s.pledges.map((p) => ({
      pledgeId: p.pledgeId.toString(),
      pledger: p.pledger,
      state: p.state,
      limit: amount(p.limit),
      speed: fixed(p.speed),
      payment: amount(p.payment),
      refund: amount(p.refund),
      leverage: leverageJson(p.leverage),
      realLeverage: p.realLeverage === null ? null : leverageJson(p.realLeverage),
    })),
  };
}
