/**
 * `AllocatorClient.previewContribution` against the contract: the preview's "before" is the gap's
 * `estimatedMatch` now and its "after" the `estimatedMatch` the contract reports once the contribution
 * is made — to the wei, for a first contribution, a top-up by the same contributor, a gap in a round
 * whose W includes other gaps, the whole-pool setting, and a 6-decimal token.
 */
import { expect } from "chai";
import { AllocatorClient } from "../../sdk/allocator";
import type { QuadraticFundingAllocator, TestToken } from "../../typechain-types";
import { ethers, loadFixture } from "../helpers/chain";

const ROUND = 6n * 3600n;

async function fixture(decimals: number) {
  const signers = await ethers.getSigners();
  const [admin] = signers;
  const token = (await ethers.deployContract("TestToken", ["Test", "TST", decimals])) as unknown as TestToken;
  const allocator = (await ethers.deployContract("QuadraticFundingAllocator", [
    await token.getAddress(),
    ROUND,
    admin!.address,
  ])) as unknown as QuadraticFundingAllocator;
  const address = await allocator.getAddress();
  const units = (x: string): bigint => ethers.parseUnits(x, decimals);
  for (const s of signers.slice(0, 8)) {
    await token.mint(s.address, units("1000000"));
    await token.connect(s).approve(address, ethers.MaxUint256);
  }
  const client = await AllocatorClient.connect(address, admin!);
  for (const gap of ["alpha", "beta"]) await client.registerGap(gap, signers[9]!.address);
  await client.fundPool(units("50"));
  return { signers, allocator, client, units };
}
const fixture18 = () => fixture(18);
const fixture6 = () => fixture(6);

/** Previews, contributes, and compares both ends with the contract's estimatedMatch. */
async function check(f: Awaited<ReturnType<typeof fixture18>>, who: number, gap: string, amount: bigint) {
  const signer = f.signers[who]!;
  const before = (await f.client.gap(gap)).estimatedMatch;
  const preview = await f.client.previewContribution(gap, signer.address, amount);
  expect(preview.matchBefore, "before").to.equal(before);
  await f.client.withRunner(signer).contribute(gap, amount, { approve: false });
  const after = await f.client.gap(gap);
  expect(preview.matchAfter, "after").to.equal(after.estimatedMatch);
  expect(preview.weightAfter).to.equal(after.currentRoundWeight);
  return preview;
}

describe("AllocatorClient.previewContribution (the contract's estimatedMatch before and after)", () => {
  it("a first contribution, a second contributor, a top-up, and another gap sharing W", async () => {
    const f = await loadFixture(fixture18);
    const first = await check(f, 1, "alpha", f.units("4"));
    expect(first.matchAfter).to.equal(0n); // one contributor has no quadratic weight
    const second = await check(f, 2, "alpha", f.units("9"));
    expect(second.matchAfter).to.be.greaterThan(0n);
    await check(f, 1, "alpha", f.units("5")); // top-up: √4 is replaced by √9
    await check(f, 3, "beta", f.units("16"));
    await check(f, 4, "beta", f.units("1"));
    await check(f, 5, "alpha", f.units("0.000001"));
  });

  it("with the whole pool distributed (α = P/W), and for a 6-decimal token", async () => {
    const f = await loadFixture(fixture18);
    await f.allocator.setMatchingSettings(true, 0n);
    await check(f, 1, "alpha", f.units("1"));
    await check(f, 2, "alpha", f.units("2"));
    const g = await loadFixture(fixture6);
    await check(g, 1, "beta", g.units("3.5"));
    await check(g, 2, "beta", g.units("7.25"));
    await check(g, 2, "beta", g.units("0.000001"));
  });
});
