/**
 * Settlement that cannot be blocked: every campaign with a positive root has a bracket the contract
 * certifies as soon as its deadline passes (g is monotone and g(0) = 0, so the largest h with
 * g(h) ≥ h, or 0, and the next integer always qualify). A linear campaign whose δ = (2/π)·Σ Lᵢsᵢ − 1
 * is below what g resolves settles through [0, 1]: one pass certifies g(1) ≤ 1, every pledge is
 * refunded in full. `cqf:settle` and the keeper share the bracket (the exact mirror's `findBracket`).
 */
import { expect } from "chai";
import Decimal from "decimal.js";
import type { TestToken } from "../../typechain-types";
import { PledgesClient } from "../../sdk/pledges";
import * as pm from "../../sdk/math/pledges";
import { ethers, loadFixture, time } from "../helpers/chain";

const D = Decimal.clone({ precision: 60 });
/** ⌈(π/2)·1e36⌉ wei at speed 1 wei: Σ L·s lands on the first integer past the linear threshold. */
const LIMIT = BigInt(D.acos(-1).div(2).mul(1e36).ceil().toFixed(0));
const SPEED = 1n;

async function fixture() {
  const [creator, recipient, alice] = await ethers.getSigners();
  const token = (await ethers.deployContract("TestToken", ["Wad", "WAD", 18])) as unknown as TestToken;
  const cp = await ethers.deployContract("CoordinatedPledges");
  await token.mint(alice.address, LIMIT);
  const client = await PledgesClient.connect(await cp.getAddress(), creator);
  const { campaignId, deadline } = await client.createCampaign({
    token: await token.getAddress(),
    recipient: recipient.address,
    duration: 3600,
    mode: "linear",
    initialSpeed: SPEED,
  });
  await client.withRunner(alice).pledge(campaignId, LIMIT);
  return { alice, token, cp, client, campaignId, deadline };
}

describe("settlement that cannot be blocked (cqf:settle, keeper, sdk/pledges.ts)", () => {
  it("a root below g's resolution settles through the certified bracket [0, 1] at the deadline, full refunds", async () => {
    const { alice, token, cp, client, campaignId, deadline } = await loadFixture(fixture);
    const math = await client.readMath(campaignId);
    // δ from decimal.js: positive, and far below one unit of g per unit of h.
    const delta = D(2).mul(LIMIT.toString()).mul(SPEED.toString()).div(D.acos(-1).mul(1e36)).minus(1);
    expect(delta.gt(0) && delta.lt("1e-36")).to.equal(true);
    expect(pm.hasPositiveRoot(false, pm.sumLimitSpeed(math))).to.equal(true);
    expect(pm.findBracket(math)).to.deep.equal({ hLow: 0n, hHigh: 1n });

    await time.increaseTo(deadline);
    // The trivial bracket without a pass is still refused while a positive root exists.
    await expect(cp.settle(campaignId, 0n, 0n, 0n)).to.be.revertedWithCustomError(cp, "TrivialRootRejected");
    // [0, 2] is as valid (g(2) ≤ 2), only not the tightest (the next test has the pass refuse a wrong end).
    expect(pm.checkBracket(math, 0n, 2n)).to.deep.include({ ok: true });
    const s = await client.settle(campaignId);
    expect([s.h, s.pot, s.hLow, s.hHigh]).to.deep.equal([0n, 0n, 0n, 1n]);
    expect(s.transactions).to.have.length(1);
    expect((await client.status(campaignId)).state).to.equal("settled");
    const c = await client.withRunner(alice).claim(campaignId, 0n);
    expect([c.refund, c.payment]).to.deep.equal([LIMIT, 0n]);
    expect(await token.balanceOf(alice.address)).to.equal(LIMIT);
  });

  it("an upper end g does not certify is refused with HTooLow, whatever the lower end", async () => {
    const [creator, recipient, alice] = await ethers.getSigners();
    const token = (await ethers.deployContract("TestToken", ["Wad", "WAD", 18])) as unknown as TestToken;
    const cp = await ethers.deployContract("CoordinatedPledges");
    const limit = 10n ** 24n;
    await token.mint(alice.address, limit);
    const client = await PledgesClient.connect(await cp.getAddress(), creator);
    const { campaignId, deadline } = await client.createCampaign({
      token: await token.getAddress(),
      recipient: recipient.address,
      duration: 3600,
      mode: "linear",
      initialSpeed: 10n ** 13n, // (2/π)·L·s ≈ 6.4: a root well inside the fixed point
    });
    await client.withRunner(alice).pledge(campaignId, limit);
    await time.increaseTo(deadline);
    // g(4 wei) > 4 wei here: [0, 4] claims a root the pass refutes.
    await expect(cp.settle(campaignId, 0n, 4n, 0n)).to.be.revertedWithCustomError(cp, "HTooLow");
    const s = await client.settle(campaignId);
    expect(s.h).to.be.greaterThan(0n);
    expect(pm.checkBracket(await client.readMath(campaignId), s.hLow, s.hHigh)).to.deep.include({ ok: true });
  });
});
