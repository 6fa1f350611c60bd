import { expect } from "chai";
import type { TestToken } from "../../typechain-types";
import { PledgesClient, type SettlementPage } from "../../sdk/pledges";
import * as pm from "../../sdk/math/pledges";
import { ethers, loadFixture, time } from "../helpers/chain";

const WAD = 10n ** 18n;

async function fixture() {
  const [creator, recipient, ...users] = await ethers.getSigners();
  const token = (await ethers.deployContract("TestToken", ["Six", "SIX", 6])) as unknown as TestToken;
  const cp = await ethers.deployContract("CoordinatedPledges");
  for (const u of users.slice(0, 8)) await token.mint(u.address, 10n ** 12n);
  const client = await PledgesClient.connect(await cp.getAddress(), creator);
  return { creator, recipient, users, token, cp, client };
}

describe("PledgesClient (sdk/pledges.ts)", () => {
  it("creates, pledges, reports live status, settles in pages, claims, and decodes errors", async () => {
    const { recipient, users, token, cp, client } = await loadFixture(fixture);
    const { campaignId, deadline } = await client.createCampaign({
      token: await token.getAddress(),
      recipient: recipient.address,
      duration: 3600,
      mode: "quadratic",
      policy: "geometric",
      initialSpeed: WAD / 5n,
      decay: (WAD * 9n) / 10n,
    });
    expect(campaignId).to.equal(1n);
    const limits = [25_000_000n, 3_500_000n, 120_000_000n, 800_000n, 44_000_000n];
    for (let k = 0; k < limits.length; k++) {
      const r = await client.withRunner(users[k]).pledge(campaignId, limits[k]);
      expect(r.pledgeId).to.equal(BigInt(k));
      expect(r.approvalTxHash).to.be.a("string");
      expect(r.gasUsed).to.be.greaterThan(0n);
    }
    await client.withRunner(users[1]).withdraw(campaignId, 1n);

    const live = await client.status(campaignId);
    expect(live.state).to.equal("open");
    expect(live.h).to.equal(await cp.solve(campaignId));
    expect(live.pledges.map((p) => p.state)).to.deep.equal([
      "active",
      "withdrawn",
      "active",
      "active",
      "active",
    ]);
    for (const p of live.pledges) {
      if (p.state === "active")
        expect(p.payment).to.equal(await cp.paymentAt(campaignId, p.pledgeId, live.h));
      if (p.state === "active") expect(p.leverage).to.be.greaterThan(1);
    }
    const preview = await client.previewPledge(campaignId, 10_000_000n);
    expect(preview.h).to.be.greaterThan(live.h);

    // Errors come back as readable sentences naming the custom error.
    await expect(client.settle(campaignId)).to.be.rejectedWith(/DeadlineNotReached/);
    await expect(client.withRunner(users[0]).withdraw(campaignId, 2n)).to.be.rejectedWith(
      /did not make pledge 2 of campaign 1 \(NotPledger\)/,
    );

    await time.increaseTo(deadline);
    expect((await client.status(campaignId)).state).to.equal("settling");
    expect(await client.campaignsDue()).to.deep.equal([campaignId]);
    const pages: SettlementPage[] = [];
    const s = await client.settle(campaignId, { maxPledges: 2n, onPage: (p) => pages.push(p) });
    expect(s.transactions.length).to.equal(3);
    // 5 pledges (the withdrawn one included) in pages of 2: ⌈5/2⌉ = 3 pages, cursors 2, 4, 5.
    expect(pages.map((p) => [p.page, p.pages, p.cursor, p.pledgeCount, p.settled])).to.deep.equal([
      [1, 3, 2n, 5n, false],
      [2, 3, 4n, 5n, false],
      [3, 3, 5n, 5n, true],
    ]);
    expect(pages.map((p) => [p.txHash, p.gasUsed])).to.deep.equal(
      s.transactions.map((t) => [t.txHash, t.gasUsed]),
    );
    expect(s.gasUsed).to.equal(s.transactions.reduce((acc, t) => acc + t.gasUsed, 0n));
    expect(s.h).to.equal(s.hLow);
    expect(pm.checkBracket(await client.readMath(campaignId), s.hLow, s.hHigh)).to.deep.include({ ok: true });

    const settled = await client.status(campaignId);
    expect(settled.state).to.equal("settled");
    expect(settled.pot).to.equal(s.pot);
    let refunds = 0n;
    for (const p of settled.pledges) {
      if (p.state !== "active") continue;
      const c = await client.claim(campaignId, p.pledgeId);
      expect([c.refund, c.payment]).to.deep.equal([p.refund, p.payment]);
      refunds += c.refund;
    }
    const pot = await client.claimPot(campaignId);
    expect(pot.amount).to.equal(s.pot);
    expect(pot.payouts).to.deep.equal([{ to: recipient.address, amount: s.pot, toGap: false }]);
    expect(refunds + pot.amount).to.equal(settled.escrow);
    expect(await token.balanceOf(await cp.getAddress())).to.equal(0n);
    await expect(client.claimPot(campaignId)).to.be.rejectedWith(/PotNotClaimable/);
  });

  it("reports a campaign without pledges settled in one page of none (the bracket [0, 0], no pass)", async () => {
    const { recipient, token, client } = await loadFixture(fixture);
    const { campaignId, deadline } = await client.createCampaign({
      token: await token.getAddress(),
      recipient: recipient.address,
      duration: 3600,
      initialSpeed: WAD / 5n,
    });
    await time.increaseTo(deadline);
    const pages: SettlementPage[] = [];
    const s = await client.settle(campaignId, { onPage: (p) => pages.push(p) });
    expect([s.hLow, s.hHigh, s.h, s.pot]).to.deep.equal([0n, 0n, 0n, 0n]);
    expect(pages.map((p) => [p.page, p.pages, p.cursor, p.pledgeCount, p.settled])).to.deep.equal([
      [1, 1, 0n, 0n, true],
    ]);
  });
});
