/**
 * Every state change has its event: claiming a pot of 0 that was bound for an allocator gap sets
 * `potClaimed` — and says so with `PotClaimed(campaignId, recipient, 0, false)` (it emitted nothing
 * before, so an indexer or auditor replaying events could not know the pot was claimed).
 */
import { expect } from "chai";
import type { QuadraticFundingAllocator, TestToken } from "../../typechain-types";
import { PledgesClient } from "../../sdk/pledges";
import { ethers, time } from "../helpers/chain";

describe("claiming a pot of 0 (CoordinatedPledges.claimPot)", () => {
  it("emits PotClaimed to the recipient for 0 when the pot bound for a gap is empty", async () => {
    const [admin, recipient, alice] = await ethers.getSigners();
    const token = (await ethers.deployContract("TestToken", ["Test", "TST", 18])) as unknown as TestToken;
    const allocator = (await ethers.deployContract("QuadraticFundingAllocator", [
      await token.getAddress(),
      6n * 3600n,
      admin!.address,
    ])) as unknown as QuadraticFundingAllocator;
    const gapId = ethers.id("zero-pot");
    await allocator.registerGap(gapId, recipient!.address, "");
    const cp = await ethers.deployContract("CoordinatedPledges");
    await token.mint(alice!.address, 10n ** 18n);
    const client = await PledgesClient.connect(await cp.getAddress(), admin!);
    // Linear, (2/π)·L·s = (2/π)·1·0.5 < 1: no positive root, the campaign settles at h = 0, pot 0.
    const { campaignId, deadline } = await client.createCampaign({
      token: await token.getAddress(),
      recipient: recipient!.address,
      duration: 3600,
      mode: "linear",
      initialSpeed: 5n * 10n ** 17n,
      allocator: await allocator.getAddress(),
      gapId,
    });
    await client.withRunner(alice!).pledge(campaignId, 10n ** 18n);
    await time.increaseTo(deadline);
    const s = await client.settle(campaignId);
    expect(s.pot).to.equal(0n);
    await expect(cp.claimPot(campaignId))
      .to.emit(cp, "PotClaimed")
      .withArgs(campaignId, recipient!.address, 0n, false);
    expect((await cp.getCampaign(campaignId)).potClaimed).to.equal(true);
  });
});
