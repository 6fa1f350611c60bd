/**
 * What PledgesClient's methods take and return: the options of a new campaign, a campaign's status
 * with its pledges (derived from the replay's entities, sdk/replay/state.ts, so a campaign and a pledge
 * have one shape across the SDK) and a settlement's result.
 */
import type { Campaign, ModeName, Pledge, PolicyName } from "./replay/state";
import type { TxInfo } from "./tx";

/** What every transaction returns (one type for both clients: sdk/tx.ts). */
export type PledgesTxInfo = TxInfo;

/** Campaign states as the CLI shows them: `open` (before the deadline), `settling` (after it). */
export type CampaignStatusName = "open" | "cancelled" | "settling" | "settled";

/** `createCampaign` options. Speeds and decay are UD60x18 bigints (1e18 = 1). */
export interface CreateCampaignOptions {
  token: string;
  recipient: string;
  /** Unix seconds; or give `duration` (seconds from the latest block). */
  deadline?: bigint | number;
  duration?: bigint | number;
  mode?: ModeName;
  policy?: PolicyName;
  initialSpeed: bigint;
  /** r for the geometric policy (default 1e18). */
  decay?: bigint;
  /** c for the harmonic policy (UD60x18, 0 < c ≤ 1e24): 1/s_{k+1} = 1/s_k + c/s₀. Required by it. */
  rate?: bigint;
  /**
   * L₀ for the limit-sqrt policy, the limit whose speed is s₀, as an 18-decimal token amount
   * (normalised whatever the token's decimals; 0 < L₀ ≤ 1e38): sᵢ = s₀·√(L₀/Lᵢ). Required by it.
   */
  referenceLimit?: bigint;
  /** Raw token units (default 0). */
  minLimit?: bigint;
  allocator?: string;
  /** bytes32 gap id (with `allocator`). */
  gapId?: string;
}

/** One pledge in `status`. */
export interface PledgeStatus extends Pick<Pledge, "pledger" | "limit" | "speed" | "state" | "refund"> {
  pledgeId: bigint;
  /** Live payment at the current solution, or the settled payment (raw tokens). */
  payment: bigint;
  /** Marginal leverage (float; Infinity when unbounded; 0 for withdrawn pledges). */
  leverage: number;
  /**
   * Real leverage (pot − pot without it)/payment (`pm.realLeverageNumbers`: exact pots up to 100 active
   * pledges, the float estimate above); null when it pays 0 (withdrawn, cancelled campaign).
   */
  realLeverage: number | null;
}

/** `status` of a campaign. */
export interface CampaignStatus extends Pick<
  Campaign,
  "token" | "decimals" | "recipient" | "deadline" | "nextSpeed" | "potClaimed" | "initialSpeed" | "minLimit"
> {
  /**
   * The policy's parameter (UD60x18): r (geometric), c (harmonic) or L₀ as an 18-decimal token amount
   * (limit-sqrt); null under the constant policy, which has none.
   */
  policyParameter: bigint | null;
  campaignId: bigint;
  state: CampaignStatusName;
  mode: ModeName;
  policy: PolicyName;
  /** Live solution (exact mirror of `solve`) or the settled h, UD60x18. */
  h: bigint;
  /** Σ payments at h (raw tokens). */
  pot: bigint;
  escrow: bigint;
  /** Raw tokens of the pot in the allocator gap, reclaimable by `reclaimPot` if the gap closed in time. */
  potInGap: bigint;
  /** The allocator round the pot went into (0 when none did). */
  gapRound: bigint;
  pledges: PledgeStatus[];
}

/** One confirmed settlement page, as `settle` reports it to its `onPage` callback. */
export interface SettlementPage {
  /** This page's number (1-based) and the pages the session takes in all, at the page size used. */
  page: number;
  pages: number;
  /** Pledges processed so far in the session (the contract's cursor) and the campaign's pledge count. */
  cursor: bigint;
  pledgeCount: bigint;
  /** True once this page settled the campaign. */
  settled: boolean;
  txHash: string;
  gasUsed: bigint;
}

/** `settle` result. */
export interface Settlement {
  h: bigint;
  pot: bigint;
  hLow: bigint;
  hHigh: bigint;
  transactions: PledgesTxInfo[];
  gasUsed: bigint;
}
