/**
 * A scripted cofund history on a node over JSON-RPC, sent through the SDK as users send it: several
 * rounds in both matching modes (the whole pool, then a cap), a closed gap with refunds, withdrawals and
 * a sweep; pledge campaigns in both modes and both policies, settled in pages, claimed, their pots paid.
 * `npm run app` plays it on its local node; the indexer and app suites play it against a `hardhat node`
 * in a child process.
 */
import { JsonRpcProvider, parseUnits, type JsonRpcSigner } from "ethers";
import { AllocatorClient } from "../sdk/allocator";
import { gapIdFromName } from "../sdk/ids";
import { PledgeState } from "../sdk/math/campaign";
import { PledgesClient } from "../sdk/pledges";

/** The deployed contracts the history runs against. */
export interface HistoryContracts {
  QuadraticFundingAllocator: string;
  CoordinatedPledges: string;
  TestToken: string;
}

/** A history's actors and the node. */
export interface HistoryContext {
  url: string;
  provider: JsonRpcProvider;
  signers: JsonRpcSigner[];
  contracts: HistoryContracts;
  allocator: (i: number) => Promise<AllocatorClient>;
  pledges: (i: number) => Promise<PledgesClient>;
}

const units = (x: string): bigint => parseUnits(x, 18);

/** Opens the node at `url` with its unlocked accounts (deployer = 0, curator/keeper/admin roles). */
export async function historyContext(url: string, contracts: HistoryContracts): Promise<HistoryContext> {
  const provider = new JsonRpcProvider(url, undefined, {
    staticNetwork: true,
    cacheTimeout: -1,
    pollingInterval: 50,
  });
  const accounts = (await provider.send("eth_accounts", [])) as string[];
  const signers = await Promise.all(accounts.slice(0, 10).map((a) => provider.getSigner(a)));
  return {
    url,
    provider,
    signers,
    contracts,
    allocator: (i) => AllocatorClient.connect(contracts.QuadraticFundingAllocator, signers[i]!),
    pledges: (i) => PledgesClient.connect(contracts.CoordinatedPledges, signers[i]!),
  };
}

/** Moves the node's clock forward by `seconds` and mines a block. */
export async function advance(provider: JsonRpcProvider, seconds: number): Promise<void> {
  await provider.send("evm_increaseTime", [seconds]);
  await provider.send("evm_mine", []);
}

/** The allocator's round duration on the node. */
async function roundDuration(ctx: HistoryContext): Promise<number> {
  const qf = await ctx.allocator(0);
  return Number(await qf.contract.roundDuration());
}

/**
 * The allocator part: gaps alpha, beta and gamma; round 1 distributes the whole pool it is given (α =
 * P/W); round 2 α = min(1, P/W) with a 50% cap, gamma closed before it is finalised (its round-2
 * contributors refunded); withdrawals and a sweep of round 2.
 */
export async function playAllocatorHistory(ctx: HistoryContext): Promise<void> {
  const duration = await roundDuration(ctx);
  const admin = await ctx.allocator(0);
  const recipients = [ctx.signers[7]!, ctx.signers[8]!, ctx.signers[9]!].map((s) => s.address);
  const gaps = ["alpha", "beta", "gamma"];
  for (const [i, gap] of gaps.entries()) await admin.registerGap(gap, recipients[i]!, `ipfs://${gap}`);
  await admin.fundPool(units("1000"));

  // Round 1: broad support for alpha, one large contribution to beta.
  for (const i of [1, 2, 3, 4]) await (await ctx.allocator(i)).contribute("alpha", units(`${i * 5}`));
  await (await ctx.allocator(5)).contribute("beta", units("100"));
  await (await ctx.allocator(1)).contributeWithPermit("gamma", units("7.5"));
  await advance(ctx.provider, duration + 1);
  // Round 1 distributes the whole pool it is given (α = P/W), round 2 only what W asks, capped.
  await admin.contract.setMatchingSettings(true, 0n).then((tx) => tx.wait());
  await admin.match(units("300"));

  // Round 2: a cap of 50%; gamma closes before the round is finalised.
  await admin.contract.setMatchingSettings(false, 5_000n).then((tx) => tx.wait());
  for (const i of [2, 3]) await (await ctx.allocator(i)).contribute("beta", units("12"));
  await (await ctx.allocator(4)).contribute("alpha", units("1"));
  for (const i of [5, 6]) await (await ctx.allocator(i)).contribute("gamma", units("9"));
  await admin.closeGap("gamma");
  await advance(ctx.provider, duration + 1);
  await admin.match(units("200"));
  for (const i of [5, 6]) await (await ctx.allocator(i)).refund("gamma", 2n);
  for (const gap of gaps) await admin.withdraw(gap);
  await admin.sweep(2n);
}

/**
 * The pledges part: campaign 1 (quadratic, constant) with four pledgers, one raising and one
 * withdrawing; campaign 2 (linear, geometric, into gap alpha) with three; both settled after their
 * deadline in pages of two pledges, every pledge claimed and both pots paid. Campaign 3 stays open.
 */
export async function playPledgesHistory(ctx: HistoryContext): Promise<void> {
  const token = ctx.contracts.TestToken;
  const owner = await ctx.pledges(0);
  const recipient = ctx.signers[9]!.address;
  const c1 = await owner.createCampaign({ token, recipient, duration: 3_600, initialSpeed: units("0.1") });
  const c2 = await owner.createCampaign({
    token,
    recipient,
    duration: 3_600,
    mode: "linear",
    policy: "geometric",
    initialSpeed: units("0.002"),
    decay: units("0.8"),
    allocator: ctx.contracts.QuadraticFundingAllocator,
    gapId: gapIdFromName("alpha"),
  });
  for (const [i, limit] of [
    [1, "100"],
    [2, "40"],
    [3, "250"],
    [4, "10"],
  ] as const) {
    await (await ctx.pledges(i)).pledge(c1.campaignId, units(limit));
  }
  await (await ctx.pledges(2)).pledge(c1.campaignId, units("20")); // raises pledge 1
  await (await ctx.pledges(4)).withdraw(c1.campaignId, 3n);
  for (const [i, limit] of [
    [5, "300"],
    [6, "150"],
    [1, "80"],
  ] as const) {
    await (await ctx.pledges(i)).pledge(c2.campaignId, units(limit));
  }
  const c3 = await owner.createCampaign({
    token,
    recipient,
    duration: 86_400 * 30,
    initialSpeed: units("0.05"),
  });
  await (await ctx.pledges(3)).pledge(c3.campaignId, units("60"));

  await advance(ctx.provider, 3_601);
  for (const c of [c1.campaignId, c2.campaignId]) {
    await owner.settle(c, { maxPledges: 2n });
    const count = Number(await owner.contract.pledgeCount(c));
    for (let id = 0; id < count; id++) {
      const p = await owner.contract.getPledge(c, id);
      if (Number(p.state) === PledgeState.Active) await owner.claim(c, BigInt(id));
    }
    await owner.claimPot(c);
  }
}
