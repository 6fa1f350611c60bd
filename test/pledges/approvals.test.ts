import { expect } from "chai";
import type { TestToken } from "../../typechain-types";
import { PledgesClient } from "../../sdk/pledges";
import { ethers, loadFixture, time } from "../helpers/chain";

const WAD = 10n ** 18n;

async function fixture() {
  const [creator, recipient, alice, bob] = await ethers.getSigners();
  const token = (await ethers.deployContract("TestToken", ["Six", "SIX", 6])) as unknown as TestToken;
  const cp = await ethers.deployContract("CoordinatedPledges");
  await token.mint(alice.address, 10n ** 9n);
  await token.mint(bob.address, 10n ** 9n);
  const client = await PledgesClient.connect(await cp.getAddress(), creator);
  const { campaignId, deadline } = await client.createCampaign({
    token: await token.getAddress(),
    recipient: recipient.address,
    duration: 3600,
    initialSpeed: WAD / 10n,
    minLimit: 1_000_000n,
  });
  return { creator, alice, bob, token, cp, client, campaignId, deadline };
}

async function rejects(p: Promise<unknown>): Promise<Error & { errorName?: string }> {
  try {
    await p;
  } catch (error) {
    return error as Error & { errorName?: string };
  }
  throw new Error("expected a rejection");
}

describe("PledgesClient.pledge leaves nothing behind (sdk/approvals.ts)", () => {
  it("a pledge the contract rejects sends nothing and leaves no allowance", async () => {
    const { alice, token, cp, client, campaignId } = await loadFixture(fixture);
    const a = client.withRunner(alice);
    const spender = await cp.getAddress();
    const nonce = await ethers.provider.getTransactionCount(alice.address);
    const small = await rejects(a.pledge(campaignId, 999_999n));
    expect(small.errorName).to.equal("LimitTooSmall");
    expect((await rejects(a.pledge(99n, 2_000_000n))).errorName).to.equal("UnknownCampaign");
    // More than the balance: refused before anything is signed, in the token's own words.
    const tooMuch = await rejects(a.pledge(campaignId, 10n ** 9n + 1n));
    expect(tooMuch.errorName).to.equal("ERC20InsufficientBalance");
    expect(await ethers.provider.getTransactionCount(alice.address)).to.equal(nonce);
    expect(await token.allowance(alice.address, spender)).to.equal(0n);
  });

  it("a pledge after the deadline sends nothing and leaves no allowance", async () => {
    const { bob, token, cp, client, campaignId, deadline } = await loadFixture(fixture);
    await time.increaseTo(deadline);
    const nonce = await ethers.provider.getTransactionCount(bob.address);
    const late = await rejects(client.withRunner(bob).pledge(campaignId, 2_000_000n));
    expect(late.errorName).to.equal("DeadlinePassed");
    expect(await ethers.provider.getTransactionCount(bob.address)).to.equal(nonce);
    expect(await token.allowance(bob.address, await cp.getAddress())).to.equal(0n);
  });

  it("approves only what is missing, and nothing when the allowance covers the limit", async () => {
    const { alice, token, cp, client, campaignId } = await loadFixture(fixture);
    const a = client.withRunner(alice);
    const spender = await cp.getAddress();
    await token.connect(alice).approve(spender, 1_000_000n);
    const first = await a.pledge(campaignId, 3_000_000n);
    expect(first.approvalTxHash).to.match(/^0x[0-9a-f]{64}$/);
    expect(await token.allowance(alice.address, spender)).to.equal(0n);
    await token.connect(alice).approve(spender, 2_000_000n);
    const nonce = await ethers.provider.getTransactionCount(alice.address);
    const second = await a.pledge(campaignId, 2_000_000n);
    expect(second.approvalTxHash).to.equal(undefined);
    expect(await ethers.provider.getTransactionCount(alice.address)).to.equal(nonce + 1);
    expect(await token.allowance(alice.address, spender)).to.equal(0n);
  });
});
