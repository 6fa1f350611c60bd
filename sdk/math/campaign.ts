/**
 * A pledge campaign as the math sees it: the inputs of the settlement helpers (./settlement) and the
 * float estimates (./float). `Mode` and `Policy` mirror the enums of ICoordinatedPledges.sol.
 */

/** `ICoordinatedPledges.Mode`: quadratic (h = Σ√p) or linear (h = Σp). */
export enum Mode {
  Quadratic = 0,
  Linear = 1,
}

/** `ICoordinatedPledges.Policy`: how `pledge` assigns speeds (constant s₀, or geometric decay). */
export enum Policy {
  Constant = 0,
  Geometric = 1,
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
