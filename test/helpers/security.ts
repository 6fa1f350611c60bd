/**
 * Shared helpers of the security suites (test/security.*.test.ts): deployments, a generic handle on
 * the hostile tokens, settlement with the SDK's bracket, and state snapshots to prove that a
 * rejected call changed nothing.
 */
import { expect } from "chai";
import { ethers, time } from "./chain";
import type { Signer } from "ethers";
import type { CoordinatedPledges, QuadraticFundingAllocator } from "../../typechain-types";
import * as pm from "../../sdk/math/pledges";

export const WAD = 10n ** 18n;
export const DAY = 86_400;
export const ROUND = 6 * 3600;
export const MAX_UINT = ethers.MaxUint256;
export const gid = (name: string): string => ethers.id(name);
export const tok = (n: number | string, decimals = 18): bigint => ethers.parseUnits(String(n), decimals);
export const Mode = { Quadratic: 0, Linear: 1 } as const;
export const Policy = { Constant: 0, Geometric: 1 } as const;
export const CState = { None: 0, Open: 1, Cancelled: 2, Settled: 3 } as const;
export const PState = { None: 0, Active: 1, Withdrawn: 2, Claimed: 3 } as const;

const TOKEN_ABI = [
  "function mint(address to, uint256 amount)",
  "function approve(address spender, uint256 amount)",
  "function balanceOf(address account) view returns (uint256)",
];

/** Any of the test tokens through the functions they share (approve without a return value, so the
 * USDT-style token works too). */
export class AnyToken {
  constructor(readonly address: string) {}

  private contract(signer?: Signer) {
    return new ethers.Contract(this.address, TOKEN_ABI, signer ?? ethers.provider);
  }

  async balanceOf(account: string | { getAddress(): Promise<string> }): Promise<bigint> {
    const a = typeof account === "string" ? account : await account.getAddress();
    return (await this.contract().getFunction("balanceOf")(a)) as bigint;
  }

  /** Mints `amount` to `who` and lets `spender` pull all of it. */
  async fund(who: Signer, spender: string, amount: bigint): Promise<void> {
    const [payer] = await ethers.getSigners();
    await (await this.contract(payer).getFunction("mint")(await who.getAddress(), amount)).wait();
    await (await this.contract(who).getFunction("approve")(spender, MAX_UINT)).wait();
  }
}

export async function deployAllocator(token: string): Promise<QuadraticFundingAllocator> {
  const [admin] = await ethers.getSigners();
  return (await ethers.deployContract("QuadraticFundingAllocator", [
    token,
    ROUND,
    admin.address,
  ])) as unknown as QuadraticFundingAllocator;
}

export async function deployPledges(): Promise<CoordinatedPledges> {
  return (await ethers.deployContract("CoordinatedPledges")) as unknown as CoordinatedPledges;
}

export interface CampaignOptions {
  recipient: string;
  deadline: number;
  mode?: number;
  policy?: number;
  initialSpeed?: bigint;
  decay?: bigint;
  minLimit?: bigint;
  allocator?: string;
  gapId?: string;
}

/** Creates a campaign of `token` and returns its id. */
export async function createCampaign(
  cp: CoordinatedPledges,
  token: string,
  o: CampaignOptions,
  creator?: Signer,
): Promise<bigint> {
  const id = (await cp.campaignCount()) + 1n;
  const as = creator ? cp.connect(creator) : cp;
  await as.createCampaign({
    token,
    recipient: o.recipient,
    deadline: o.deadline,
    mode: o.mode ?? Mode.Quadratic,
    policy: o.policy ?? Policy.Constant,
    initialSpeed: o.initialSpeed ?? WAD / 10n,
    decay: o.decay ?? WAD,
    minLimit: o.minLimit ?? 0n,
    allocator: o.allocator ?? ethers.ZeroAddress,
    gapId: o.gapId ?? ethers.ZeroHash,
  });
  return id;
}

/** A campaign's settlement inputs as the SDK's exact mirror sees them. */
export async function readMath(cp: CoordinatedPledges, id: bigint): Promise<pm.CampaignMath> {
  const c = await cp.getCampaign(id);
  const limits: bigint[] = [];
  const speeds: bigint[] = [];
  const states: bigint[] = [];
  for (let offset = 0n; offset < c.pledgeCount; offset += 1000n) {
    const [l, s, st] = await cp.getPledges(id, offset, 1000n);
    limits.push(...l);
    speeds.push(...s);
    states.push(...st);
  }
  return {
    mode: Number(c.mode) as pm.Mode,
    scale: c.scale,
    pledges: limits.map((limit, k) => ({
      limit,
      speed: speeds[k],
      active: Number(states[k]) !== PState.Withdrawn,
    })),
  };
}

/** Moves past the deadline (if needed) and settles with the SDK's tightest bracket in pages. */
export async function settle(cp: CoordinatedPledges, id: bigint): Promise<pm.Bracket> {
  const c = await cp.getCampaign(id);
  if (BigInt(await time.latest()) < c.deadline) await time.increaseTo(c.deadline);
  const b = pm.findBracket(await readMath(cp, id));
  while (Number((await cp.getCampaign(id)).state) !== CState.Settled) await cp.settle(id, b.hLow, b.hHigh, 0);
  return b;
}

/** Everything observable about an allocator (settings, rounds, gaps) plus token balances. */
export async function allocatorSnapshot(
  allocator: QuadraticFundingAllocator,
  token: AnyToken,
  accounts: string[],
): Promise<unknown> {
  const current = await allocator.currentRound();
  const rounds = [];
  for (let r = 1n; r <= current + 1n; r++) rounds.push((await allocator.getRound(r)).toString());
  const [gaps, totals] = await allocator.getAllGapsFunding(0, 1000);
  const perGap = [];
  for (const g of gaps) {
    perGap.push(g.toString(), (await allocator.withdrawable(g.gapId)).toString());
    for (const a of accounts)
      for (let r = 1n; r <= current + 1n; r++)
        perGap.push((await allocator.contributionOf(g.gapId, a, r)).toString());
  }
  const balances = [];
  for (const a of [await allocator.getAddress(), ...accounts]) balances.push(await token.balanceOf(a));
  return {
    state: [current, await allocator.contributionRound(), await allocator.matchingPoolBalance()],
    paused: await allocator.paused(),
    settings: (await allocator.matchingSettings()).toString(),
    rounds,
    totals: totals.toString(),
    perGap,
    balances,
  };
}

/** Everything observable about the campaigns of a CoordinatedPledges plus token balances. */
export async function pledgesSnapshot(
  cp: CoordinatedPledges,
  token: AnyToken,
  accounts: string[],
): Promise<unknown> {
  const n = await cp.campaignCount();
  const campaigns = [];
  for (let id = 1n; id <= n; id++) {
    const c = await cp.getCampaign(id);
    campaigns.push(c.toString());
    const [limits, speeds, states, pledgers] = await cp.getPledges(id, 0, c.pledgeCount);
    campaigns.push(limits.join(), speeds.join(), states.join(), pledgers.join());
  }
  const balances = [];
  for (const a of [await cp.getAddress(), ...accounts]) balances.push(await token.balanceOf(a));
  return { campaigns, balances };
}

/** Asserts that `action` reverts (as `check` says) and that `snapshot` reads the same before and after. */
export async function expectUnchanged(
  snapshot: () => Promise<unknown>,
  action: () => Promise<unknown>,
): Promise<void> {
  const before = await snapshot();
  await action();
  expect(await snapshot()).to.deep.equal(before);
}
