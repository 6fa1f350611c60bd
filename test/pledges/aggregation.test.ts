/**
 * One pledge per address per campaign (issue 10, "Per-address aggregation"). Pledging again from an
 * address with an active pledge raises that pledge's limit: same id, speed and place, no new speed
 * slot. Splitting one limit into many pledges therefore no longer raises h in quadratic mode.
 * Reference numbers come from decimal.js at 50 digits (test/helpers/pledges-reference.ts).
 */
import { expect } from "chai";
import type { CoordinatedPledges, TestToken } from "../../typechain-types";
import * as pm from "../../sdk/math/pledges";
import { auditCofund } from "../../sdk/audit";
import { indexCofund } from "../../sdk/indexer";
import { PledgesClient } from "../../sdk/pledges";
import { ethers, loadFixture, time } from "../helpers/chain";
import { fromWad, refCampaign, refPayment, refSolve, relErr } from "../helpers/pledges-reference";

const WAD = 10n ** 18n;
const DAY = 86_400;
const PState = { None: 0, Active: 1, Withdrawn: 2, Claimed: 3 } as const;

async function fixture() {
  const signers = await ethers.getSigners();
  const [creator, recipient, attacker, ...honest] = signers;
  const token = (await ethers.deployContract("TestToken", ["Test", "TST", 18])) as unknown as TestToken;
  const cp = (await ethers.deployContract("CoordinatedPledges")) as unknown as CoordinatedPledges;
  const cpAddress = await cp.getAddress();
  for (const s of signers.slice(2, 10)) {
    await token.mint(s.address, 1_000_000n * WAD);
    await token.connect(s).approve(cpAddress, ethers.MaxUint256);
  }
  const deadline = (await time.latest()) + 7 * DAY;
  return { cp, cpAddress, token, creator, recipient, attacker, honest: honest.slice(0, 7), deadline };
}
type Fx = Awaited<ReturnType<typeof fixture>>;

async function create(
  fx: Fx,
  o: { speed?: bigint; policy?: number; decay?: bigint; minLimit?: bigint; deadline?: number } = {},
): Promise<bigint> {
  await fx.cp.connect(fx.creator).createCampaign({
    token: await fx.token.getAddress(),
    recipient: fx.recipient.address,
    deadline: o.deadline ?? fx.deadline,
    mode: pm.Mode.Quadratic,
    policy: o.policy ?? pm.Policy.Constant,
    initialSpeed: o.speed ?? WAD / 10n,
    decay: o.decay ?? WAD,
    minLimit: o.minLimit ?? 0n,
    allocator: ethers.ZeroAddress,
    gapId: ethers.ZeroHash,
  });
  return fx.cp.campaignCount();
}

async function readMath(cp: CoordinatedPledges, id: bigint): Promise<pm.CampaignMath> {
  const c = await cp.getCampaign(id);
  const [limits, speeds, states] = await cp.getPledges(id, 0, c.pledgeCount);
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

async function settleExact(fx: Fx, id: bigint): Promise<void> {
  const b = pm.findBracket(await readMath(fx.cp, id));
  await fx.cp.settle(id, b.hLow, b.hHigh, 0n);
}

describe("CoordinatedPledges: one pledge per address per campaign", function () {
  it("the measured attack: 256 pledges of 100/256 from one address weigh as ONE pledge of 100", async () => {
    const fx = await loadFixture(fixture);
    const id = await create(fx, { speed: WAD / 100n });
    const honest = fx.honest.slice(0, 5);
    for (const h of honest) await fx.cp.connect(h).pledge(id, 100n * WAD);
    const part = (100n * WAD) / 256n; // exact: 100e18 = 256 · 390625e12
    expect(part * 256n).to.equal(100n * WAD);
    for (let k = 0; k < 256; k++) await fx.cp.connect(fx.attacker).pledge(id, part);

    // One pledge per address: the attacker's 256 transactions made one pledge of 100.
    expect(await fx.cp.pledgeCount(id)).to.equal(6n);
    const attackerPledge = await fx.cp.getPledge(id, 5n);
    expect(attackerPledge.pledger).to.equal(fx.attacker.address);
    expect(attackerPledge.limit).to.equal(100n * WAD);
    expect(await fx.cp.pledgeOf(id, fx.attacker.address)).to.deep.equal([true, 5n]);

    await time.increaseTo(fx.deadline);
    await settleExact(fx, id);
    // Reference: six single pledges of 100 at s = 0.01, decimal.js at 50 digits.
    const ref = refCampaign(true, Array(6).fill(100), Array(6).fill("0.01"));
    const h = refSolve(ref);
    const pay = refPayment(ref.limits[0], ref.speeds[0], h);
    expect(relErr(fromWad((await fx.cp.getCampaign(id)).h), h)).to.be.lessThan(1e-9);
    let honestTotal = 0n;
    for (let k = 0; k < 5; k++) {
      const before = await fx.token.balanceOf(honest[k].address);
      await fx.cp.claim(id, k);
      const paid = 100n * WAD - ((await fx.token.balanceOf(honest[k].address)) - before);
      honestTotal += paid;
      // The required tolerance: 1e-9 relative.
      expect(relErr(fromWad(paid), pay)).to.be.lessThan(1e-9);
    }
    // The figure: the honest pledgers pay ≈ 70.6 together, not ≈ 331.6.
    expect(relErr(fromWad(honestTotal), pay.mul(5))).to.be.lessThan(1e-9);
    expect(fromWad(honestTotal).toFixed(1)).to.equal("70.6");
    const before = await fx.token.balanceOf(fx.attacker.address);
    await fx.cp.claim(id, 5n);
    const attackerPaid = 100n * WAD - ((await fx.token.balanceOf(fx.attacker.address)) - before);
    expect(relErr(fromWad(attackerPaid), pay)).to.be.lessThan(1e-9);
  });

  it("a raise keeps id, speed and place, takes no speed slot, grows escrow and Σ L·s, emits PledgeRaised", async () => {
    const fx = await loadFixture(fixture);
    const s0 = WAD / 10n;
    const id = await create(fx, {
      speed: s0,
      policy: pm.Policy.Geometric,
      decay: WAD / 2n,
      minLimit: 2n * WAD,
    });
    const [a, b, c] = fx.honest;
    await fx.cp.connect(a).pledge(id, 10n * WAD); // id 0, s0
    await fx.cp.connect(b).pledge(id, 20n * WAD); // id 1, s0/2
    const before = await fx.cp.getCampaign(id);
    expect(await fx.cp.connect(a).pledge.staticCall(id, WAD)).to.deep.equal([0n, s0]);
    // A raise below the campaign's minimum is accepted (the combined limit already meets it).
    await expect(fx.cp.connect(a).pledge(id, WAD))
      .to.emit(fx.cp, "PledgeRaised")
      .withArgs(id, 0n, a.address, WAD, 11n * WAD)
      .and.not.to.emit(fx.cp, "Pledged");
    await expect(fx.cp.connect(a).pledge(id, 4n * WAD)).to.changeTokenBalances(
      ethers,
      fx.token,
      [a, fx.cpAddress],
      [-4n * WAD, 4n * WAD],
    );
    const after = await fx.cp.getCampaign(id);
    expect(after.pledgeCount).to.equal(2n);
    expect(after.nextSpeed).to.equal(before.nextSpeed);
    expect(after.escrow).to.equal(before.escrow + 5n * WAD);
    expect(after.sumLimitSpeed).to.equal(before.sumLimitSpeed + 5n * WAD * s0);
    // Σ L·s stays exact: the sum over the pledges as they are now.
    expect(after.sumLimitSpeed).to.equal(15n * WAD * s0 + 20n * WAD * (s0 / 2n));
    const p0 = await fx.cp.getPledge(id, 0n);
    expect([p0.pledger, p0.limit, p0.speed, Number(p0.state)]).to.deep.equal([
      a.address,
      15n * WAD,
      s0,
      PState.Active,
    ]);
    expect(await fx.cp.pledgeOf(id, a.address)).to.deep.equal([true, 0n]);
    expect(await fx.cp.pledgeOf(id, b.address)).to.deep.equal([true, 1n]);
    expect(await fx.cp.pledgeOf(id, c.address)).to.deep.equal([false, 0n]);
    // A new address still makes a new pledge with the policy's next speed.
    await expect(fx.cp.connect(c).pledge(id, 3n * WAD))
      .to.emit(fx.cp, "Pledged")
      .withArgs(id, 2n, c.address, 3n * WAD, before.nextSpeed);
  });

  it("withdrawing returns the combined limit; pledging afterwards makes a new pledge", async () => {
    const fx = await loadFixture(fixture);
    const s0 = WAD / 10n;
    const id = await create(fx, { speed: s0, policy: pm.Policy.Geometric, decay: WAD / 2n });
    const [a, b] = fx.honest;
    await fx.cp.connect(a).pledge(id, 10n * WAD);
    await fx.cp.connect(a).pledge(id, 7n * WAD);
    await fx.cp.connect(b).pledge(id, 5n * WAD); // id 1 at s0/2; next speed s0/4
    await expect(fx.cp.connect(a).withdrawPledge(id, 0n))
      .to.emit(fx.cp, "PledgeWithdrawn")
      .withArgs(id, 0n, a.address, 17n * WAD);
    const c = await fx.cp.getCampaign(id);
    expect(c.escrow).to.equal(5n * WAD);
    expect(c.sumLimitSpeed).to.equal(5n * WAD * (s0 / 2n));
    expect(await fx.cp.pledgeOf(id, a.address)).to.deep.equal([false, 0n]);
    await expect(fx.cp.connect(a).pledge(id, 2n * WAD))
      .to.emit(fx.cp, "Pledged")
      .withArgs(id, 2n, a.address, 2n * WAD, s0 / 4n);
    expect(await fx.cp.pledgeOf(id, a.address)).to.deep.equal([true, 2n]);
    expect((await fx.cp.getPledge(id, 0n)).limit).to.equal(17n * WAD); // the withdrawn pledge keeps its record
    expect(await fx.cp.pledgeCount(id)).to.equal(3n);
  });

  it("a raise past the escrow cap, after the deadline, of 0 or in a cancelled campaign reverts with the named error", async () => {
    const fx = await loadFixture(fixture);
    const id = await create(fx);
    const [a] = fx.honest;
    await fx.token.mint(a.address, 10n ** 38n);
    await fx.cp.connect(a).pledge(id, WAD);
    const maxEscrow = 10n ** 38n;
    await expect(fx.cp.connect(a).pledge(id, maxEscrow))
      .to.be.revertedWithCustomError(fx.cp, "LimitTooLarge")
      .withArgs(maxEscrow, maxEscrow - WAD);
    await expect(fx.cp.connect(a).pledge(id, 0n))
      .to.be.revertedWithCustomError(fx.cp, "LimitTooSmall")
      .withArgs(0n, 0n);
    // Up to the cap exactly is accepted (the limit still fits the 128 bits of its slot).
    await fx.cp.connect(a).pledge(id, maxEscrow - WAD);
    expect((await fx.cp.getPledge(id, 0n)).limit).to.equal(maxEscrow);
    await expect(fx.cp.connect(a).pledge(id, 1n))
      .to.be.revertedWithCustomError(fx.cp, "LimitTooLarge")
      .withArgs(1n, 0n);
    await time.increaseTo(fx.deadline);
    await expect(fx.cp.connect(a).pledge(id, WAD))
      .to.be.revertedWithCustomError(fx.cp, "DeadlinePassed")
      .withArgs(id, fx.deadline);

    const later = await create(fx, { deadline: (await time.latest()) + DAY });
    await fx.cp.connect(fx.honest[1]).pledge(later, WAD);
    await fx.cp.connect(fx.creator).cancelCampaign(later);
    await expect(fx.cp.connect(fx.honest[1]).pledge(later, WAD))
      .to.be.revertedWithCustomError(fx.cp, "InvalidCampaignState")
      .withArgs(later, 2);
  });

  it("pledges in different campaigns stay separate", async () => {
    const fx = await loadFixture(fixture);
    const one = await create(fx);
    const two = await create(fx);
    const [a] = fx.honest;
    await fx.cp.connect(a).pledge(one, WAD);
    await expect(fx.cp.connect(a).pledge(two, 2n * WAD))
      .to.emit(fx.cp, "Pledged")
      .withArgs(two, 0n, a.address, 2n * WAD, WAD / 10n);
    expect(await fx.cp.pledgeOf(one, a.address)).to.deep.equal([true, 0n]);
    expect(await fx.cp.pledgeOf(two, a.address)).to.deep.equal([true, 0n]);
    expect((await fx.cp.getPledge(one, 0n)).limit).to.equal(WAD);
  });

  it("the auditor stays clean after raises, a withdrawal of a raised pledge and settlement", async () => {
    const fx = await loadFixture(fixture);
    const id = await create(fx, { policy: pm.Policy.Geometric, decay: (WAD * 9n) / 10n });
    const [a, b, c] = fx.honest;
    await fx.cp.connect(a).pledge(id, 10n * WAD);
    await fx.cp.connect(b).pledge(id, 20n * WAD);
    await fx.cp.connect(a).pledge(id, 5n * WAD);
    await fx.cp.connect(c).pledge(id, 3n * WAD);
    await fx.cp.connect(c).pledge(id, 4n * WAD);
    await fx.cp.connect(b).withdrawPledge(id, 1n);
    await fx.cp.connect(b).pledge(id, 8n * WAD);
    await fx.cp.connect(b).pledge(id, WAD);
    const audit = async () => {
      const history = await indexCofund({ provider: ethers.provider, pledges: fx.cpAddress });
      const report = await auditCofund({ provider: ethers.provider, history });
      expect(report.discrepancies.map((d) => `[${d.kind}] ${d.subject}: ${d.sentence}`)).to.deep.equal([]);
      expect(report.ok).to.equal(true);
      return history;
    };
    const history = await audit();
    const row = history.campaigns.find((r) => r.campaignId === Number(id));
    expect(row?.pledgeCount).to.equal(4);
    expect(row?.escrow).to.equal(15n * WAD + 7n * WAD + 9n * WAD);
    // The indexer's pledge rows carry the combined limits and each raise.
    const rows = history.pledges.filter((r) => r.campaignId === Number(id));
    expect(rows.map((r) => [r.pledgeId, r.limit, r.state, r.raises.map((x) => x.added)])).to.deep.equal([
      [0, 15n * WAD, "active", [5n * WAD]],
      [1, 20n * WAD, "withdrawn", []],
      [2, 7n * WAD, "active", [4n * WAD]],
      [3, 9n * WAD, "active", [WAD]],
    ]);
    await time.increaseTo(fx.deadline);
    await settleExact(fx, id);
    for (const pid of [0n, 2n, 3n]) await fx.cp.claim(id, pid);
    await fx.cp.claimPot(id);
    await audit();
  });

  it("SDK: pledge() raises with only the missing amount approved, pledgeOf, and a raise preview that matches the chain", async () => {
    const fx = await loadFixture(fixture);
    const id = await create(fx, { speed: WAD / 10n, policy: pm.Policy.Geometric, decay: (WAD * 8n) / 10n });
    const [a, b, , , , , fresh] = fx.honest;
    await fx.token.connect(fresh).approve(fx.cpAddress, 0n);
    const client = await PledgesClient.connect(fx.cpAddress, fresh);
    await fx.cp.connect(a).pledge(id, 30n * WAD);
    await fx.cp.connect(b).pledge(id, 50n * WAD);
    const first = await client.pledge(id, 10n * WAD);
    expect([first.pledgeId, first.raised, first.added, first.limit]).to.deep.equal([
      2n,
      false,
      10n * WAD,
      10n * WAD,
    ]);
    expect(await fx.token.allowance(fresh.address, fx.cpAddress)).to.equal(0n);
    expect(await client.pledgeOf(id, fresh.address)).to.deep.equal({ exists: true, pledgeId: 2n });
    expect(await client.pledgeOf(id, fx.creator.address)).to.deep.equal({ exists: false, pledgeId: 0n });

    const hBefore = await fx.cp.solve(id);
    const potBefore = (await fx.cp.evaluate(id, hBefore)).pot;
    const preview = await client.previewRaise(id, fresh.address, 15n * WAD);
    expect(preview.potBefore).to.equal(potBefore);
    await expect(client.previewRaise(id, fx.creator.address, WAD)).to.be.rejectedWith(/no active pledge/);
    const raised = await client.pledge(id, 15n * WAD);
    expect([raised.pledgeId, raised.speed, raised.raised, raised.added, raised.limit]).to.deep.equal([
      2n,
      first.speed,
      true,
      15n * WAD,
      25n * WAD,
    ]);
    expect(raised.approvalTxHash).to.be.a("string"); // exactly the 15 missing, used up by the raise
    expect(await fx.token.allowance(fresh.address, fx.cpAddress)).to.equal(0n);
    // The preview is the chain's state after the raise, to the wei.
    const h = await fx.cp.solve(id);
    expect(preview.h).to.equal(h);
    expect(preview.payment).to.equal(await fx.cp.paymentAt(id, 2n, h));
    expect(preview.leverage).to.equal(await fx.cp.marginalLeverage(id, 2n));
    expect(preview.limit).to.equal(25n * WAD);
    expect(preview.potIncrease).to.equal((await fx.cp.evaluate(id, h)).pot - potBefore);
    expect(preview.potIncrease > 0n).to.equal(true);
  });
});
