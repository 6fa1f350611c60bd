/**
 * CoordinatedPledges in the Chainlink Automation shape: `checkUpkeep` finds a campaign past its
 * deadline and proposes a bracket computed on-chain; `performUpkeep` settles one page of it.
 * Expected roots and pots come from the decimal.js reference (test/helpers/pledges-reference.ts); the
 * on-chain bracket is checked against the contract's own acceptance rule, not trusted.
 */
import { expect } from "chai";
import type { CoordinatedPledges, TestToken } from "../../typechain-types";
import { describeError } from "../../sdk/errors";
import { PledgesClient } from "../../sdk/pledges";
import { ethers, loadFixture, time } from "../helpers/chain";
import { distinctPledgers } from "../helpers/pledgers";
import { D, fromWad, refCampaign, refPayment, refSolve, relErr } from "../helpers/pledges-reference";

const WAD = 10n ** 18n;
const DAY = 86_400;
const State = { Open: 1, Cancelled: 2, Settled: 3 } as const;
const coder = ethers.AbiCoder.defaultAbiCoder();
const PERFORM = ["uint256", "uint256", "uint256", "uint256", "uint256"];

interface Perform {
  campaignId: bigint;
  hLow: bigint;
  hHigh: bigint;
  maxPledges: bigint;
  cursor: bigint;
}

function decodePerform(data: string): Perform {
  const [campaignId, hLow, hHigh, maxPledges, cursor] = coder.decode(PERFORM, data) as unknown as bigint[];
  return { campaignId, hLow, hHigh, maxPledges, cursor };
}

const checkData = (offset: number, limit: number, maxPledges: number): string =>
  coder.encode(["uint256", "uint256", "uint256"], [offset, limit, maxPledges]);

async function fixture() {
  const signers = await ethers.getSigners();
  const [creator, recipient, ...users] = signers;
  const token = (await ethers.deployContract("TestToken", ["Test", "TST", 18])) as unknown as TestToken;
  const cp = (await ethers.deployContract("CoordinatedPledges")) as unknown as CoordinatedPledges;
  for (const s of signers) {
    await token.mint(s.address, 10n ** 30n);
    await token.connect(s).approve(await cp.getAddress(), ethers.MaxUint256);
  }
  const deadline = (await time.latest()) + 7 * DAY;
  return { cp, token, creator, recipient, users, deadline };
}
type Fx = Awaited<ReturnType<typeof fixture>>;

async function create(fx: Fx, speed: bigint, linear = false): Promise<bigint> {
  await fx.cp.connect(fx.creator).createCampaign({
    token: await fx.token.getAddress(),
    recipient: fx.recipient.address,
    deadline: fx.deadline,
    mode: linear ? 1 : 0,
    policy: 0,
    initialSpeed: speed,
    decay: WAD,
    minLimit: 0n,
    allocator: ethers.ZeroAddress,
    gapId: ethers.ZeroHash,
  });
  return fx.cp.campaignCount();
}

async function pledgeAll(fx: Fx, id: bigint, limits: bigint[]): Promise<void> {
  // One pledge per address per campaign: past the fixture's users, fresh funded addresses.
  const more = limits.length - fx.users.length;
  const who =
    more > 0
      ? [...fx.users, ...(await distinctPledgers(fx.token, await fx.cp.getAddress(), more, 10n ** 30n))]
      : fx.users;
  for (let k = 0; k < limits.length; k++) await fx.cp.connect(who[k]).pledge(id, limits[k]);
}

/** The settlement acceptance rule of ICoordinatedPledges, evaluated with the contract's g. */
async function expectValidBracket(cp: CoordinatedPledges, id: bigint, p: Perform): Promise<void> {
  expect(p.hLow).to.be.greaterThan(0n);
  expect(p.hHigh - p.hLow).to.be.at.most(p.hLow / 10n ** 12n + 4n);
  expect((await cp.evaluate(id, p.hLow)).g).to.be.at.least(p.hLow);
  expect((await cp.evaluate(id, p.hHigh)).g).to.be.at.most(p.hHigh);
}

describe("CoordinatedPledges automation (checkUpkeep / performUpkeep)", function () {
  it("needs nothing before a deadline or without campaigns", async () => {
    const fx = await loadFixture(fixture);
    let [needed, data] = await fx.cp.checkUpkeep("0x");
    expect(needed).to.equal(false);
    expect(data).to.equal("0x");
    const id = await create(fx, WAD / 10n);
    await pledgeAll(fx, id, [100n * WAD]);
    [needed, data] = await fx.cp.checkUpkeep("0x");
    expect(needed).to.equal(false);
    expect(data).to.equal("0x");
  });

  it("settles the reference campaign L=[100,100], s=0.1 in one upkeep", async () => {
    const fx = await loadFixture(fixture);
    const id = await create(fx, WAD / 10n);
    await pledgeAll(fx, id, [100n * WAD, 100n * WAD]);
    await time.increaseTo(fx.deadline);
    const [needed, data] = await fx.cp.checkUpkeep("0x");
    expect(needed).to.equal(true);
    const p = decodePerform(data);
    expect(p).to.deep.equal({ campaignId: id, hLow: p.hLow, hHigh: p.hHigh, maxPledges: 0n, cursor: 0n });
    await expectValidBracket(fx.cp, id, p);

    const ref = refSolve(refCampaign(true, [100, 100], [0.1, 0.1]));
    expect(relErr(fromWad(p.hLow), ref)).to.be.lessThan(1e-12);
    expect(ref.toFixed(9)).to.equal("16.070323328"); // reference vector (decimal.js)
    const refPot = refPayment(new D(100), new D(0.1), ref).mul(2);

    const tx = fx.cp.connect(fx.users[5]).performUpkeep(data);
    await expect(tx).to.emit(fx.cp, "CampaignSettled");
    const c = await fx.cp.getCampaign(id);
    expect(c.state).to.equal(BigInt(State.Settled));
    expect(c.h).to.equal(p.hLow);
    expect(relErr(fromWad(c.pot), refPot)).to.be.lessThan(1e-9);

    // Nothing left to do; the same performData again is stale and changes nothing.
    expect((await fx.cp.checkUpkeep("0x"))[0]).to.equal(false);
    await expect(fx.cp.performUpkeep(data))
      .to.be.revertedWithCustomError(fx.cp, "InvalidCampaignState")
      .withArgs(id, State.Settled);
  });

  it("settles a multi-page campaign by repeated check/perform, each page once", async () => {
    const fx = await loadFixture(fixture);
    const id = await create(fx, WAD / 50n);
    const limits = Array.from({ length: 23 }, (_, k) => BigInt(k + 1) * 3n * WAD + BigInt(k) * 1_000_003n);
    await pledgeAll(fx, id, limits);
    await time.increaseTo(fx.deadline);

    const stale: string[] = [];
    let pages = 0;
    let bracket: Perform | undefined;
    for (;;) {
      const [needed, data] = await fx.cp.checkUpkeep(checkData(0, 0, 10));
      if (!needed) break;
      const p = decodePerform(data);
      expect(p.campaignId).to.equal(id);
      expect(p.maxPledges).to.equal(10n);
      expect(p.cursor).to.equal(BigInt(pages * 10)); // the session's progress so far
      if (bracket === undefined) bracket = p;
      expect([p.hLow, p.hHigh]).to.deep.equal([bracket.hLow, bracket.hHigh]); // deterministic bracket
      await fx.cp.connect(fx.users[pages]).performUpkeep(data);
      stale.push(data);
      pages++;
      expect(pages).to.be.at.most(3);
    }
    expect(pages).to.equal(3); // 23 pledges, 10 per page
    await expectValidBracket(fx.cp, id, bracket!);
    const progressed = await fx.cp.queryFilter(fx.cp.filters.SettlementProgressed(id));
    expect(progressed.map((e) => e.args.cursor)).to.deep.equal([10n, 20n, 23n]);
    expect(await fx.cp.queryFilter(fx.cp.filters.CampaignSettled(id))).to.have.length(1);

    const speeds = limits.map(() => 0.02);
    const refLimits = limits.map((l) => fromWad(l));
    const ref = refSolve(refCampaign(true, refLimits, speeds));
    const c = await fx.cp.getCampaign(id);
    expect(relErr(fromWad(c.h), ref)).to.be.lessThan(1e-12);
    const refPot = refLimits.reduce((s, l) => s.plus(refPayment(l, new D(0.02), ref)), new D(0));
    expect(relErr(fromWad(c.pot), refPot)).to.be.lessThan(1e-9);

    // The first page's data replayed after settlement is stale: rejected, nothing counted again.
    await expect(fx.cp.performUpkeep(stale[0])).to.be.revertedWithCustomError(fx.cp, "InvalidCampaignState");
  });

  it("rejects a page another caller already processed (SessionAdvanced)", async () => {
    const fx = await loadFixture(fixture);
    const id = await create(fx, WAD / 10n);
    await pledgeAll(fx, id, [10n * WAD, 20n * WAD, 30n * WAD, 40n * WAD, 50n * WAD]);
    await time.increaseTo(fx.deadline);
    const [, data] = await fx.cp.checkUpkeep(checkData(0, 0, 2));
    const p = decodePerform(data);
    await fx.cp.connect(fx.users[0]).performUpkeep(data); // first keeper
    await expect(fx.cp.connect(fx.users[1]).performUpkeep(data)) // second keeper, same check result
      .to.be.revertedWithCustomError(fx.cp, "SessionAdvanced")
      .withArgs(id, 0, 2);
    expect((await fx.cp.getSession(id, p.hLow, p.hHigh)).cursor).to.equal(2n);
    // The SDK names it in one readable sentence.
    await PledgesClient.connect(await fx.cp.getAddress(), fx.users[1]); // registers the pledges errors
    const stale = await fx.cp.performUpkeep.staticCall(data).then(
      () => "no revert",
      (e: unknown) => describeError(e),
    );
    expect(stale).to.equal(
      `Campaign ${id}'s settlement page at pledge 0 was already processed (the session is at 2); check again (SessionAdvanced)`,
    );
    // The same page through `settle` by a third party also just advances the shared session.
    await fx.cp.settle(id, p.hLow, p.hHigh, 2);
    const [, next] = await fx.cp.checkUpkeep(checkData(0, 0, 2));
    expect(decodePerform(next).cursor).to.equal(4n);
    await fx.cp.performUpkeep(next);
    expect((await fx.cp.getCampaign(id)).state).to.equal(BigInt(State.Settled));
  });

  it("settles campaigns without a positive root at h = 0 at once, and scans windows", async () => {
    const fx = await loadFixture(fixture);
    const empty = await create(fx, WAD / 10n); // 1: no pledges
    const collapse = await create(fx, WAD, true); // 2: linear, L=[1], s=1 → 2Ls/π < 1
    await pledgeAll(fx, collapse, [WAD]);
    const cancelled = await create(fx, WAD / 10n); // 3: cancelled
    await pledgeAll(fx, cancelled, [WAD]);
    await fx.cp.connect(fx.creator).cancelCampaign(cancelled);
    const live = await create(fx, WAD / 10n); // 4: a positive root
    await pledgeAll(fx, live, [100n * WAD, 100n * WAD]);
    await time.increaseTo(fx.deadline);

    // A window holding only campaign 4.
    const [inWindow, windowData] = await fx.cp.checkUpkeep(checkData(2, 5, 0));
    expect(inWindow).to.equal(true);
    expect(decodePerform(windowData).campaignId).to.equal(live);
    // A window past the last campaign.
    expect((await fx.cp.checkUpkeep(checkData(4, 10, 0)))[0]).to.equal(false);

    let needed: boolean;
    let data: string;

    const settledOrder: bigint[] = [];
    for (;;) {
      [needed, data] = await fx.cp.checkUpkeep("0x");
      if (!needed) break;
      const p = decodePerform(data);
      settledOrder.push(p.campaignId);
      if (p.campaignId !== live) expect([p.hLow, p.hHigh]).to.deep.equal([0n, 0n]);
      await fx.cp.performUpkeep(data);
      expect(settledOrder.length).to.be.at.most(3);
    }
    expect(settledOrder).to.deep.equal([empty, collapse, live]);
    for (const id of [empty, collapse]) {
      const c = await fx.cp.getCampaign(id);
      expect([c.state, c.h, c.pot]).to.deep.equal([BigInt(State.Settled), 0n, 0n]);
    }
    expect((await fx.cp.getCampaign(cancelled)).state).to.equal(BigInt(State.Cancelled));
  });

  it("stays within its stated gas budget and skips (not stalls on) a campaign of dust near the linear threshold", async function () {
    this.timeout(240_000);
    const fx = await loadFixture(fixture);
    // 130 dust pledges of 0.001 token from distinct pledgers, speed tuned so that δ = (2/π)·Σ Lᵢsᵢ − 1
    // ≈ 1e-12 (decimal.js): Newton from ΣL crawls towards a root ~1e-6 of it, pass after pass.
    const n = 130;
    const dust = 10n ** 15n;
    const pi = D.acos(-1);
    const speed = BigInt(
      pi
        .div(2)
        .mul("1e36")
        .mul("1.000000000001")
        .div((BigInt(n) * dust).toString())
        .ceil()
        .toFixed(0),
    );
    const delta = new D(2)
      .div(pi)
      .mul((BigInt(n) * dust * speed).toString())
      .div("1e36")
      .minus(1);
    expect(delta.gt(0) && delta.lt("1e-11")).to.equal(true);
    const tuned = await create(fx, speed, true); // 1
    const cpAddress = await fx.cp.getAddress();
    for (const w of await distinctPledgers(fx.token, cpAddress, n, dust))
      await fx.cp.connect(w).pledge(tuned, dust);
    const ordinary = await create(fx, WAD / 10n); // 2
    await pledgeAll(fx, ordinary, [100n * WAD, 100n * WAD]);
    await time.increaseTo(fx.deadline);
    const [budget, cap] = [await fx.cp.UPKEEP_GAS_BUDGET(), await fx.cp.UPKEEP_CAMPAIGN_GAS()];
    expect([budget, cap]).to.deep.equal([7_000_000n, 3_500_000n]);

    // The call fits the budget (plus the scan's own reads): it completes with no more gas than that
    // (sent as a transaction to measure it; Hardhat refuses to estimate a call whose inner search runs
    // out of gas on purpose), and the ordinary campaign is not hidden.
    const limited = { gasLimit: budget + 100_000n };
    const measure = async (): Promise<bigint> => {
      const rc = await (await fx.cp.checkUpkeep.send("0x", limited)).wait();
      expect(rc?.status).to.equal(1);
      return rc!.gasUsed;
    };
    expect(await measure()).to.be.greaterThan(cap); // the dust campaign's search spent its whole cap
    const [needed, data] = await fx.cp.checkUpkeep("0x", limited);
    expect(needed).to.equal(true);
    const p = decodePerform(data);
    // The dust campaign's search does not fit its cap (so checkUpkeep skipped it); the ordinary one is proposed.
    await expect(fx.cp.upkeepBracket(tuned, { gasLimit: cap + 21_000n })).to.be.rejected;
    expect(p.campaignId).to.equal(ordinary);
    await expectValidBracket(fx.cp, ordinary, p);
    await fx.cp.performUpkeep(data);
    // The dust campaign alone: still within the budget, skipped, never a revert.
    await measure();
    expect((await fx.cp.checkUpkeep("0x", limited))[0]).to.equal(false);
    // The off-chain bracket settles it at once (what the keeper and `cqf:settle` do).
    const client = await PledgesClient.connect(cpAddress, fx.creator);
    const s = await client.settle(tuned);
    const hRef = refSolve(refCampaign(false, Array(n).fill(fromWad(dust)), Array(n).fill(fromWad(speed))));
    expect(relErr(fromWad(s.h), hRef)).to.be.lessThan(1e-9);
  });

  it("rejects malformed checkData and performData", async () => {
    const fx = await loadFixture(fixture);
    await expect(fx.cp.checkUpkeep("0x1234"))
      .to.be.revertedWithCustomError(fx.cp, "InvalidCheckData")
      .withArgs(2);
    await expect(fx.cp.performUpkeep(coder.encode(["uint256"], [1])))
      .to.be.revertedWithCustomError(fx.cp, "InvalidPerformData")
      .withArgs(32);
    await expect(fx.cp.performUpkeep(coder.encode(PERFORM, [9, 1, 1, 0, 0])))
      .to.be.revertedWithCustomError(fx.cp, "UnknownCampaign")
      .withArgs(9);
  });

  it("a hand-made performData is verified like settle's input", async () => {
    const fx = await loadFixture(fixture);
    const id = await create(fx, WAD / 10n);
    await pledgeAll(fx, id, [100n * WAD, 100n * WAD]);
    await time.increaseTo(fx.deadline);
    const p = decodePerform((await fx.cp.checkUpkeep("0x"))[1]);
    const high = p.hHigh + WAD; // g(h) < h there: not a lower end
    await expect(fx.cp.performUpkeep(coder.encode(PERFORM, [id, high, high, 0, 0])))
      .to.be.revertedWithCustomError(fx.cp, "HTooHigh")
      .withArgs(high, (await fx.cp.evaluate(id, high)).g);
    await expect(fx.cp.performUpkeep(coder.encode(PERFORM, [id, 0, 0, 0, 0]))).to.be.revertedWithCustomError(
      fx.cp,
      "TrivialRootRejected",
    );
    expect((await fx.cp.getCampaign(id)).state).to.equal(BigInt(State.Open));
  });
});
