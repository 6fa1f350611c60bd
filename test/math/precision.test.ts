/**
 * Exact where it is hardest: the two regions where an 18-decimal saturation loses the required
 * tolerance (1e-9 relative or 1e-12 tokens), settled on chain and against a decimal.js root at 50
 * digits. Also: a linear campaign just above the collapse threshold settles, trust-free, as soon as
 * its deadline passes (no grace period).
 *
 *  - tiny saturations: one quadratic pledge L = 1e9 tokens, s = 1e-9 (h·s ≈ 6e-10);
 *  - linear campaigns near the threshold δ = (2/π)·ΣLᵢsᵢ − 1 → 0⁺ (one pledge of 1e6 tokens).
 */
import { expect } from "chai";
import type { CoordinatedPledges, TestToken } from "../../typechain-types";
import * as pm from "../../sdk/math/pledges";
import { PledgesClient } from "../../sdk/pledges";
import { ethers, loadFixture, time } from "../helpers/chain";
import { D, type Dec, PI, fromWad, refCampaign, refPayment, refSolve } from "../helpers/pledges-reference";

/** The required tolerance on a payment (tokens): 1e-9 relative or 1e-12 absolute. */
function withinSpec(paid: Dec, exact: Dec): boolean {
  return paid
    .minus(exact)
    .abs()
    .lte(D.max(exact.mul("1e-9"), "1e-12"));
}

/** g(h) − h of the real model, to check the reference root itself. */
function residual(quadratic: boolean, L: Dec, s: Dec, h: Dec): Dec {
  const p = refPayment(L, s, h);
  return (quadratic ? p.sqrt() : p).minus(h);
}

async function deploy() {
  const [creator, recipient, alice] = await ethers.getSigners();
  const token = (await ethers.deployContract("TestToken", ["Wad", "WAD", 18])) as unknown as TestToken;
  const cp = (await ethers.deployContract("CoordinatedPledges")) as unknown as CoordinatedPledges;
  await token.mint(alice.address, 10n ** 30n);
  const client = await PledgesClient.connect(await cp.getAddress(), creator);
  return { creator, recipient, alice, token, cp, client };
}

/** One pledge of `limit` at speed `speed` in a fresh campaign, settled right at its deadline. */
async function settleOne(quadratic: boolean, limit: bigint, speed: bigint) {
  const { recipient, alice, token, cp, client } = await loadFixture(deploy);
  const { campaignId, deadline } = await client.createCampaign({
    token: await token.getAddress(),
    recipient: recipient.address,
    duration: 3600,
    mode: quadratic ? "quadratic" : "linear",
    initialSpeed: speed,
  });
  await client.withRunner(alice).pledge(campaignId, limit);
  const live = await cp.solve(campaignId);
  await time.increaseTo(deadline);
  // No grace period: settle in the first block at or after the deadline.
  const settled = await client.settle(campaignId);
  const c = await cp.getCampaign(campaignId);
  const claimed = await cp.connect(alice).claim.staticCall(campaignId, 0n);
  return { settled, c, paid: limit - claimed, live, cp, campaignId };
}

describe("settled payments are exact to the tolerance where fixed point is hardest", function () {
  this.timeout(120_000);

  it("tiny saturation: one quadratic pledge of 1e9 tokens at s = 1e-9 pays 0.40528473456… (50-digit reference)", async () => {
    const limit = 10n ** 27n;
    const speed = 10n ** 9n;
    const L = fromWad(limit);
    const s = fromWad(speed);
    const hRef = refSolve(refCampaign(true, [L], [s]));
    expect(residual(true, L, s, hRef).abs().lte(hRef.mul("1e-40"))).to.equal(true);
    const exact = refPayment(L, s, hRef);
    // Closed form: p ≈ (2/π)²·(L·s)² for a tiny h·s (here L·s = 1): 0.405284734569…
    expect(exact.minus(new D(2).div(PI).pow(2)).abs().lt("1e-9")).to.equal(true);

    const { paid, c } = await settleOne(true, limit, speed);
    expect(withinSpec(fromWad(paid), exact), `paid ${fromWad(paid)} vs ${exact}`).to.equal(true);
    expect(withinSpec(fromWad(c.pot), exact)).to.equal(true);
    // The SDK mirror pays the same integer.
    expect(pm.paymentAt(limit, speed, c.h)).to.equal(paid);
  });

  for (const target of ["1e-9", "1e-11", "1e-12"]) {
    it(`linear near the collapse threshold: one pledge of 1e6 tokens with δ ≈ ${target} settles at once, exact`, async () => {
      const limit = 10n ** 24n;
      const L = fromWad(limit);
      // The smallest speed with δ ≥ target: s = ⌈(π/2)·(1 + δ)/L⌉ on the 1e-18 grid.
      const speed = BigInt(PI.div(2).mul(new D(1).plus(target)).div(L).mul("1e18").ceil().toFixed(0));
      const s = fromWad(speed);
      const delta = new D(2).div(PI).mul(L).mul(s).minus(1);
      expect(delta.gte(target) && delta.lt(new D(target).mul(3))).to.equal(true);
      const hRef = refSolve(refCampaign(false, [L], [s]));
      expect(hRef.gt(0)).to.equal(true);
      expect(residual(false, L, s, hRef).abs().lte(hRef.mul("1e-40"))).to.equal(true);
      // Closed form near the threshold: x = h·s ≈ √(3δ/(1 + δ)).
      expect(hRef.mul(s).div(delta.mul(3).sqrt()).minus(1).abs().lt(delta.mul(10))).to.equal(true);
      const exact = refPayment(L, s, hRef); // = h in linear mode

      const { paid, c, live } = await settleOne(false, limit, speed);
      expect(c.h).to.be.gt(0n);
      expect(
        withinSpec(fromWad(paid), exact),
        `δ=${delta.toExponential(3)}: paid ${fromWad(paid)} vs ${exact}`,
      ).to.equal(true);
      expect(withinSpec(fromWad(c.pot), exact)).to.equal(true);
      // The contract's live estimate (`solve`, what previews and statuses use) is as exact.
      expect(withinSpec(fromWad(live), hRef), `solve ${fromWad(live)} vs ${hRef}`).to.equal(true);
    });
  }

  it("linear at the first speed past the threshold (δ of a few 1e-13) settles at once, exact", async () => {
    const limit = 10n ** 24n;
    const L = fromWad(limit);
    const speed = BigInt(PI.div(2).div(L).mul("1e18").floor().toFixed(0)) + 1n;
    const s = fromWad(speed);
    const hRef = refSolve(refCampaign(false, [L], [s]));
    expect(hRef.gt(0)).to.equal(true);
    const { paid, c } = await settleOne(false, limit, speed);
    expect(withinSpec(fromWad(paid), refPayment(L, s, hRef)), `paid ${fromWad(paid)} vs ${hRef}`).to.equal(
      true,
    );
    expect(c.h).to.be.gt(0n);
  });
});
