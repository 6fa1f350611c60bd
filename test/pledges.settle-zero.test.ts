/**
 * `PledgesClient.settle` (what `cqf:settle` runs) settles a campaign that only the h = 0 path can
 * close: a linear campaign with (2/π)·Σ Lᵢsᵢ just above 1 has a positive root that no fixed-point
 * bracket certifies. The client takes the keeper's path (one implementation,
 * `settlementBracket`): a readable refusal until the grace period ends, then h = 0 (full refunds).
 */
import { expect } from "chai";
import Decimal from "decimal.js";
import type { TestToken } from "../typechain-types";
import { PledgesClient, settlementBracket } from "../sdk/pledges";
import * as pm from "../sdk/math/pledges";
import { ethers, loadFixture, time } from "./chain";

const D = Decimal.clone({ precision: 60 });
const LIMIT = 10n ** 24n; // 1,000,000 tokens of 18 decimals
const DAY = 86_400;

/** The smallest speeds with (2/π)·L·s > 1 (δ of a few 1e-13, from decimal.js), one the fixed point cannot certify. */
function uncertifiableSpeed(): bigint {
  const threshold = BigInt(D.acos(-1).div(2).mul(1e36).div(LIMIT.toString()).floor().toFixed(0));
  for (let s = threshold + 1n; s < threshold + 200n; s++) {
    const delta = D(2).mul(LIMIT.toString()).mul(s.toString()).div(D.acos(-1).mul(1e36)).minus(1);
    expect(delta.gt(0)).to.equal(true);
    const math: pm.CampaignMath = {
      mode: pm.Mode.Linear,
      scale: 1n,
      pledges: [{ limit: LIMIT, speed: s, active: true }],
    };
    try {
      pm.findBracket(math);
    } catch {
      return s;
    }
  }
  throw new Error("no uncertifiable speed near the threshold");
}

async function fixture() {
  const [creator, recipient, alice] = await ethers.getSigners();
  const token = (await ethers.deployContract("TestToken", ["Wad", "WAD", 18])) as unknown as TestToken;
  const cp = await ethers.deployContract("CoordinatedPledges");
  await token.mint(alice.address, LIMIT);
  const client = await PledgesClient.connect(await cp.getAddress(), creator);
  const speed = uncertifiableSpeed();
  const { campaignId, deadline } = await client.createCampaign({
    token: await token.getAddress(),
    recipient: recipient.address,
    duration: 3600,
    mode: "linear",
    initialSpeed: speed,
  });
  await client.withRunner(alice).pledge(campaignId, LIMIT);
  return { alice, token, cp, client, campaignId, deadline, speed };
}

describe("settling a campaign only h = 0 can close (cqf:settle, sdk/pledges.ts)", () => {
  it("is refused in one readable line before the grace period, settled at h = 0 after it", async () => {
    const { alice, token, cp, client, campaignId, deadline } = await loadFixture(fixture);
    const math = await client.readMath(campaignId);
    expect(pm.hasPositiveRoot(false, pm.sumLimitSpeed(math))).to.equal(true);
    await time.increaseTo(deadline);
    const grace = await cp.SETTLEMENT_GRACE_PERIOD();
    const from = deadline + grace;
    const chain = (now: bigint) => ({ gracePeriod: async () => grace, now: async () => now });
    expect(await settlementBracket(math, { campaignId, deadline }, chain(from - 1n))).to.be.a("string");
    expect(await settlementBracket(math, { campaignId, deadline }, chain(from))).to.deep.equal({
      hLow: 0n,
      hHigh: 0n,
    });
    const early = await client.settle(campaignId).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(early?.message).to.match(
      /^Campaign 1's root cannot be certified in fixed point; it can settle at h = 0 from 20\d\d-\d\d-\d\d \d\d:\d\d:\d\d UTC$/,
    );
    expect(early?.message).not.to.match(/findBracket/);

    await time.increaseTo(from);
    const s = await client.settle(campaignId);
    expect([s.h, s.pot, s.hLow, s.hHigh]).to.deep.equal([0n, 0n, 0n, 0n]);
    expect((await client.status(campaignId)).state).to.equal("settled");
    const c = await client.withRunner(alice).claim(campaignId, 0n);
    expect([c.refund, c.payment]).to.deep.equal([LIMIT, 0n]);
    expect(await token.balanceOf(alice.address)).to.equal(LIMIT);
  });

  it("a certifiable campaign settles at its bracket, as before", async () => {
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
      initialSpeed: 10n ** 13n, // (2/π)·L·s ≈ 6.4: a root well inside the fixed point
    });
    await client.withRunner(alice).pledge(campaignId, LIMIT);
    await time.increaseTo(deadline + BigInt(DAY));
    const s = await client.settle(campaignId);
    expect(s.h).to.be.greaterThan(0n);
    expect(pm.checkBracket(await client.readMath(campaignId), s.hLow, s.hHigh)).to.deep.include({ ok: true });
  });
});
