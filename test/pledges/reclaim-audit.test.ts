/**
 * The auditor reconciles a pot taken back from a closed allocator gap (`reclaimPot`): the allocator's
 * refund to the pledges contract, the refund held there for a second campaign of the same gap and
 * round, and each campaign's payment to its recipient.
 */
import { expect } from "chai";
import { ethers, loadFixture, time } from "../helpers/chain";
import type { CoordinatedPledges, QuadraticFundingAllocator, TestToken } from "../../typechain-types";
import { auditCofund } from "../../sdk/audit";
import { indexCofund } from "../../sdk/indexer";
import * as pm from "../../sdk/math/pledges";

const WAD = 10n ** 18n;
const GAP = ethers.id("reclaim-audit-gap");

async function world() {
  const [admin, gapRecipient, toA, toB, ...users] = await ethers.getSigners();
  const token = (await ethers.deployContract("TestToken", ["T", "T", 18])) as unknown as TestToken;
  const alloc = (await ethers.deployContract("QuadraticFundingAllocator", [
    await token.getAddress(),
    3600,
    admin.address,
  ])) as unknown as QuadraticFundingAllocator;
  const cp = (await ethers.deployContract("CoordinatedPledges")) as unknown as CoordinatedPledges;
  await alloc.registerGap(GAP, gapRecipient.address, "");
  for (const u of users.slice(0, 4)) {
    await token.mint(u.address, 1000n * WAD);
    await token.connect(u).approve(await cp.getAddress(), ethers.MaxUint256);
  }
  const deadline = (await time.latest()) + 86_400;
  const ids: bigint[] = [];
  for (const to of [toA, toB]) {
    await cp.createCampaign({
      token: await token.getAddress(),
      recipient: to.address,
      deadline,
      mode: pm.Mode.Quadratic,
      policy: pm.Policy.Constant,
      initialSpeed: WAD / 10n,
      decay: WAD,
      minLimit: 0n,
      allocator: await alloc.getAddress(),
      gapId: GAP,
    });
    ids.push(await cp.campaignCount());
  }
  for (const [k, id] of ids.entries()) {
    await cp.connect(users[2 * k]).pledge(id, 100n * WAD);
    await cp.connect(users[2 * k + 1]).pledge(id, 40n * WAD);
  }
  await time.increaseTo(deadline);
  for (const id of ids) {
    const c = await cp.getCampaign(id);
    const [limits, speeds, states] = await cp.getPledges(id, 0, c.pledgeCount);
    const b = pm.findBracket({
      mode: pm.Mode.Quadratic,
      scale: c.scale,
      pledges: limits.map((limit, i) => ({ limit, speed: speeds[i], active: Number(states[i]) === 1 })),
    });
    await cp.settle(id, b.hLow, b.hHigh, 0);
    await cp.claimPot(id);
  }
  return { admin, alloc, cp, token, ids };
}

async function audit(w: Awaited<ReturnType<typeof world>>) {
  const history = await indexCofund({
    provider: ethers.provider,
    allocator: await w.alloc.getAddress(),
    pledges: await w.cp.getAddress(),
  });
  return auditCofund({ provider: ethers.provider, history });
}

describe("audit: pots reclaimed from a closed gap", () => {
  it("reconciles the allocator's refund, the share held for a second campaign, and each payment", async () => {
    const w = await loadFixture(world);
    await w.alloc.closeGap(GAP);
    await w.cp.reclaimPot(w.ids[1]); // takes both pots back, pays campaign 2's recipient
    let report = await audit(w);
    expect(report.discrepancies.map((d) => `[${d.kind}] ${d.subject}: ${d.sentence}`)).to.deep.equal([]);
    expect(report.ok).to.equal(true);
    await w.cp.reclaimPot(w.ids[0]);
    report = await audit(w);
    expect(report.discrepancies.map((d) => `[${d.kind}] ${d.subject}: ${d.sentence}`)).to.deep.equal([]);
    expect(report.ok).to.equal(true);
    // A reclaim to the wrong place or beyond the refund is flagged: none happened, and nothing is held.
    expect(await w.cp.reclaimPot(w.ids[0]).catch((e: Error) => e.message)).to.match(/PotNotReclaimable/);
  });
});
