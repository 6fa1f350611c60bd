/**
 * A pledge campaign as the math sees it: the inputs of the settlement helpers (./settlement) and the
 * float estimates (./float). `Mode` and `Policy` mirror the enums of ICoordinatedPledges.sol.
 */

/** `ICoordinatedPledges.Mode`: quadratic (h = Σ√p) or linear (h = Σp). */
export enum Mode {
  Quadratic = 0,
  Linear = 1,
}

/**
 * `ICoordinatedPledges.Policy`: how `pledge` assigns speeds — constant s₀; geometric or harmonic decay
 * by slot; limit-sqrt s₀·√(L₀/L) from the pledge's own limit.
 */
export enum Policy {
  Constant = 0,
  Geometric = 1,
  Harmonic = 2,
  LimitSqrt = 3,
}

/** `Policy` values as the SDK, the CLI and the indexer name them (index = the on-chain value). */
export const POLICY_NAMES = ["constant", "geometric", "harmonic", "limit-sqrt"] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

/** Each policy's parameter (`CampaignParams.decay`) as the CLI and the app name it; none under constant. */
export const POLICY_PARAMETER_SYMBOLS: Record<PolicyName, string | undefined> = {
  constant: undefined,
  geometric: "r",
  harmonic: "c",
  "limit-sqrt": "L₀",
};

/** The name of an on-chain policy ("constant" beyond the enum, as no contract stores one). */
export function policyNameOf(value: bigint | number): PolicyName {
  return POLICY_NAMES[Number(value)] ?? "constant";
}

/** The on-chain value of a policy name (`POLICY_NAMES`); undefined for an unknown name. */
export function policyOf(name: string): Policy | undefined {
  const k = (POLICY_NAMES as readonly string[]).indexOf(name);
  return k < 0 ? undefined : (k as Policy);
}

/** `ICoordinatedPledges.CampaignState`. */
export enum CampaignState {
  None = 0,
  Open = 1,
  Cancelled = 2,
  Settled = 3,
}

/** `ICoordinatedPledges.PledgeState`. */
export enum PledgeState {
  None = 0,
  Active = 1,
  Withdrawn = 2,
  Claimed = 3,
}

/** `PledgeState` values as the SDK and the CLI name them (index = the on-chain value). */
export const PLEDGE_STATE_NAMES = ["none", "active", "withdrawn", "claimed"] as const;

/** The name of an on-chain pledge state (undefined beyond the enum). */
export function pledgeStateName(value: bigint | number): (typeof PLEDGE_STATE_NAMES)[number] | undefined {
  return PLEDGE_STATE_NAMES[Number(value)];
}

/** A created campaign's on-chain state as the SDK names it ("open" until settled or cancelled). */
export function campaignStateName(value: bigint | number): "open" | "cancelled" | "settled" {
  const state = Number(value);
  return state === CampaignState.Settled
    ? "settled"
    : state === CampaignState.Cancelled
      ? "cancelled"
      : "open";
}

/** One pledge as the math sees it. */
export interface PledgeTerms {
  /** Raw token units. */
  limit: bigint;
  /** UD60x18. */
  speed: bigint;
  /** False once withdrawn (the settlement pass skips it). */
  active: boolean;
}

/** The inputs of a campaign's settlement math. */
export interface CampaignMath {
  mode: Mode;
  /** 10^(18 − decimals). */
  scale: bigint;
  /** In pledge-id order. */
  pledges: PledgeTerms[];
}
