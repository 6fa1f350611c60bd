/**
 * The one event replay (sdk/replay/): logs decode into checked typed events; `replay(events)` equals
 * `apply` event by event (what an indexer fed one event at a time computes); the replay is
 * deterministic; and an event that disagrees with the recomputation becomes a typed finding.
 */
import { expect } from "chai";
import { ethers } from "../helpers/chain";
import type { QuadraticFundingAllocator, TestToken } from "../../typechain-types";
import { indexCofund } from "../../sdk/indexer";
import { apply, decodeCofundLog, emptyState, replay, type CofundEvent } from "../../sdk/replay";

const TOKEN = 10n ** 6n;

async function history(): Promise<{ events: CofundEvent[]; allocator: string }> {
  const [admin, recipient, u1, u2] = await ethers.getSigners();
  const token = (await ethers.deployContract("TestToken", ["Six", "SIX", 6])) as unknown as TestToken;
  const alloc = (await ethers.deployContract("QuadraticFundingAllocator", [
    await token.getAddress(),
    3600,
    admin.address,
  ])) as unknown as QuadraticFundingAllocator;
  const allocator = await alloc.getAddress();
  const gap = ethers.id("replay-test-gap");
  await alloc.registerGap(gap, recipient.address, "replay");
  for (const [u, amount] of [
    [u1, 4n],
    [u2, 9n],
    [u1, 5n],
  ] as const) {
    await token.mint(u.address, amount * TOKEN);
    await token.connect(u).approve(allocator, ethers.MaxUint256);
    await alloc.connect(u).contributeToGap(gap, amount * TOKEN);
  }
  const h = await indexCofund({ provider: ethers.provider, allocator });
  return { events: h.events, allocator };
}

describe("replay: one reducer from typed events to state", () => {
  it("decodes a log into a checked typed event, and nothing for another contract's log", async () => {
    const { events, allocator } = await history();
    const made = events.filter((e) => e.contract === "allocator" && e.name === "ContributionMade");
    expect(made.length).to.equal(3);
    const first = made[0];
    if (first?.contract !== "allocator" || first.name !== "ContributionMade") throw new Error("unreachable");
    expect(first.args.amount).to.equal(4n * TOKEN);
    expect(typeof first.args.gapWeight).to.equal("bigint");
    const log = {
      address: allocator,
      topics: [ethers.id("Transfer(address,address,uint256)")],
      data: "0x",
      blockNumber: 1,
      index: 0,
      transactionHash: ethers.ZeroHash,
    };
    expect(decodeCofundLog("allocator", log, 0)).to.equal(undefined);
  });

  it("replay(events) equals apply event by event, and is deterministic", async () => {
    const { events, allocator } = await history();
    const context = { allocator, allocatorDecimals: 6 };
    const whole = replay(events, context);
    const stepwise = emptyState(context);
    for (const e of events) apply(stepwise, e);
    expect(stepwise).to.deep.equal(whole);
    expect(replay(events, context)).to.deep.equal(whole);
    expect(whole.findings).to.deep.equal({ allocator: [], pledges: [] });
    const gap = [...whole.gaps.values()][0];
    expect(gap?.contributors.size).to.equal(2);
    expect(gap?.contributed).to.equal(18n * TOKEN);
    // Σ√c = √9 + √9 = 6 √token; w = 36 − 18 = 18 tokens (normalised, 1e18 = 1 token).
    expect(gap?.rounds.get(1)?.sumSqrt).to.equal(6n * 10n ** 18n);
  });

  it("records an event that disagrees with the recomputation as a typed finding", async () => {
    const { events, allocator } = await history();
    const tampered = events.map((e) =>
      e.contract === "allocator" && e.name === "ContributionMade" && e.args.amount === 9n * TOKEN
        ? { ...e, args: { ...e.args, gapWeight: 0n } }
        : e,
    );
    const s = replay(tampered, { allocator, allocatorDecimals: 6 });
    expect(s.findings.pledges).to.deep.equal([]);
    expect(s.findings.allocator.map((d) => [d.kind, d.expected, d.actual])).to.deep.equal([
      // After 4 and 9 tokens: Σ√c = 2 + 3, w = 5² − 13 = 12 tokens; the event says 0.
      ["contribution-event", "12", "0"],
    ]);
  });
});
