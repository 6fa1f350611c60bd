/**
 * The keeper (sdk/keeper.ts) in process: rounds finalised when due with the right pool, campaigns
 * past their deadline settled in pages, work done by someone else skipped, two keepers racing, retry
 * with backoff; then the `keeper` task end to end against a `hardhat node` child process (two
 * `--once --json` keepers at once, then a long-running one stopped with SIGTERM).
 * Expected matches are closed forms ((Σ√c)² − Σc), expected roots and pots the decimal.js reference.
 */
import { expect } from "chai";
import type { ChildProcess } from "child_process";
import hre from "hardhat";
import { connection, ethers, loadFixture, time } from "../helpers/chain";
import { distinctPledgers } from "../helpers/pledgers";
import {
  childEnv,
  finish,
  freePort,
  removeDeploymentRecords,
  rpcCall,
  startHardhat,
  startNode,
  stopProcess,
} from "../helpers/local-node";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { JsonRpcProvider } from "ethers";
import type { CoordinatedPledges, QuadraticFundingAllocator, TestToken } from "../../typechain-types";
import {
  CoordinatedPledges__factory,
  QuadraticFundingAllocator__factory,
  TestToken__factory,
} from "../../typechain-types";
import { AllocatorClient } from "../../sdk/allocator";
import { PledgesClient } from "../../sdk/pledges";
import {
  Keeper,
  allocatorPort,
  pledgesPort,
  type KeeperAction,
  type KeeperAllocator,
  type KeeperEvent,
  type KeeperPledges,
} from "../../sdk/keeper";
import {
  D,
  fromWad,
  refCampaign,
  refPayment,
  refSolve,
  relErr,
  type Dec,
} from "../helpers/pledges-reference";

const WAD = 10n ** 18n;
const HOUR = 3600;
const ROUND = 6 * HOUR;
const GAP = ethers.id("keeper-gap");

async function fixture() {
  const signers = await ethers.getSigners();
  const [admin, keeperA, keeperB, outsider, recipient, ...users] = signers;
  const token = (await ethers.deployContract("TestToken", ["Test", "TST", 18])) as unknown as TestToken;
  const qf = (await ethers.deployContract("QuadraticFundingAllocator", [
    await token.getAddress(),
    ROUND,
    admin.address,
  ])) as unknown as QuadraticFundingAllocator;
  const cp = (await ethers.deployContract("CoordinatedPledges")) as unknown as CoordinatedPledges;
  for (const s of signers) {
    await token.mint(s.address, 10n ** 27n);
    await token.connect(s).approve(await qf.getAddress(), ethers.MaxUint256);
    await token.connect(s).approve(await cp.getAddress(), ethers.MaxUint256);
  }
  const role = await qf.KEEPER_ROLE();
  await qf.grantRole(role, keeperA.address);
  await qf.grantRole(role, keeperB.address);
  await qf.registerGap(GAP, recipient.address, "");
  return { token, qf, cp, admin, keeperA, keeperB, outsider, recipient, users };
}
type Fx = Awaited<ReturnType<typeof fixture>>;

async function keeperFor(
  fx: Fx,
  signer: HardhatEthersSigner,
  extra: Partial<ConstructorParameters<typeof Keeper>[0]> = {},
): Promise<{ keeper: Keeper; events: KeeperEvent[]; allocator: KeeperAllocator; pledges: KeeperPledges }> {
  const allocator = allocatorPort(await AllocatorClient.connect(await fx.qf.getAddress(), signer));
  const pledges = pledgesPort(await PledgesClient.connect(await fx.cp.getAddress(), signer));
  const events: KeeperEvent[] = [];
  const keeper = new Keeper({
    allocator,
    pledges,
    account: signer.address,
    retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 4 },
    onEvent: (e) => events.push(e),
    ...extra,
  });
  return { keeper, events, allocator, pledges };
}

/** Contributions 4 and 16 tokens to one gap: w = (√4 + √16)² − 20 = 16 tokens. */
async function contributeSixteen(fx: Fx): Promise<void> {
  await fx.qf.connect(fx.users[0]).contributeToGap(GAP, 4n * WAD);
  await fx.qf.connect(fx.users[1]).contributeToGap(GAP, 16n * WAD);
}

async function createCampaign(
  fx: Fx,
  limits: bigint[],
  speed: bigint,
): Promise<{ id: bigint; deadline: number }> {
  const deadline = (await time.latest()) + 2 * HOUR;
  await fx.cp.createCampaign({
    token: await fx.token.getAddress(),
    recipient: fx.recipient.address,
    deadline,
    mode: 0,
    policy: 0,
    initialSpeed: speed,
    decay: WAD,
    minLimit: 0n,
    allocator: ethers.ZeroAddress,
    gapId: ethers.ZeroHash,
  });
  const id = await fx.cp.campaignCount();
  // One pledge per address per campaign: past the fixture's users, fresh funded addresses.
  const more = limits.length - fx.users.length;
  const who =
    more > 0
      ? [...fx.users, ...(await distinctPledgers(fx.token, await fx.cp.getAddress(), more, 10n ** 30n))]
      : fx.users;
  for (let k = 0; k < limits.length; k++) await fx.cp.connect(who[k]).pledge(id, limits[k]);
  return { id, deadline };
}

/** The reference root and pot of a constant-speed quadratic campaign (limits in raw 18-decimal units). */
function reference(limits: bigint[], speed: number): { h: Dec; pot: Dec } {
  const ls = limits.map((l) => fromWad(l));
  const h = refSolve(
    refCampaign(
      true,
      ls,
      ls.map(() => speed),
    ),
  );
  return { h, pot: ls.reduce((s, l) => s.plus(refPayment(l, new D(speed), h)), new D(0)) };
}

const done = (actions: KeeperAction[], kind: "match" | "settle") =>
  actions.filter((a) => a.kind === kind && a.status === "done");

describe("Keeper (in process)", function () {
  it("does nothing when nothing is due", async () => {
    const fx = await loadFixture(fixture);
    await contributeSixteen(fx);
    await fx.qf.fundMatchingPool(100n * WAD);
    await createCampaign(fx, [10n * WAD], WAD / 10n); // deadline in 2 hours
    const { keeper, events } = await keeperFor(fx, fx.keeperA);
    expect(await keeper.tick()).to.deep.equal([]);
    // Even idle, a tick reports itself, so an operator can tell the keeper is alive.
    expect(events).to.have.length(1);
    expect(events[0]).to.deep.include({
      type: "tick",
      tick: 1,
      status: "idle",
      done: 0,
      skipped: 0,
      failed: 0,
    });
    expect(await fx.qf.currentRound()).to.equal(1n);
    expect(await fx.qf.queryFilter(fx.qf.filters.RoundFinalized())).to.have.length(0);
  });

  it("finalises a due round with the whole pool by default, and caps it with poolCap", async () => {
    const fx = await loadFixture(fixture);
    await contributeSixteen(fx);
    await fx.qf.fundMatchingPool(100n * WAD);
    await time.increase(ROUND);
    const { keeper } = await keeperFor(fx, fx.keeperA);
    const actions = await keeper.tick();
    expect(actions).to.have.length(1);
    const a = actions[0]!;
    if (a.kind !== "match" || a.status !== "done") throw new Error(`unexpected ${JSON.stringify(a)}`);
    expect(a.round).to.equal(1n);
    expect(a.poolSize).to.equal(100n * WAD); // the whole matching pool
    expect(a.distributed).to.equal(16n * WAD); // α = min(1, 100/16) = 1: the full quadratic match
    expect(a.txHash).to.match(/^0x[0-9a-f]{64}$/);
    expect(a.gasUsed > 0n).to.equal(true);
    const [ev] = await fx.qf.queryFilter(fx.qf.filters.RoundFinalized());
    expect([ev!.args.round, ev!.args.poolSize, ev!.transactionHash]).to.deep.equal([
      1n,
      100n * WAD,
      a.txHash,
    ]);
    expect(await keeper.tick()).to.deep.equal([]); // round 2 is not due yet

    // Round 2 with a cap of 5 tokens: α = 5/16, the gap gets 5.
    await contributeSixteen(fx);
    await time.increase(ROUND);
    const capped = await keeperFor(fx, fx.keeperB, { poolCap: 5n * WAD });
    const [b] = await capped.keeper.tick();
    if (b?.kind !== "match" || b.status !== "done") throw new Error(`unexpected ${JSON.stringify(b)}`);
    expect([b.round, b.poolSize, b.distributed]).to.deep.equal([2n, 5n * WAD, 5n * WAD]);
  });

  it("settles every campaign past its deadline, in pages", async () => {
    const fx = await loadFixture(fixture);
    const limitsA = Array.from({ length: 23 }, (_, k) => BigInt(k + 1) * 2n * WAD + BigInt(k) * 999_983n);
    const limitsB = [100n * WAD, 100n * WAD];
    const a = await createCampaign(fx, limitsA, WAD / 50n);
    const b = await createCampaign(fx, limitsB, WAD / 10n);
    await time.increaseTo(Math.max(a.deadline, b.deadline));
    const { keeper, events } = await keeperFor(fx, fx.outsider, { maxPledges: 10n }); // no role needed
    const actions = await keeper.tick();
    const settles = done(actions, "settle");
    expect(
      settles.map((x) => (x.kind === "settle" && x.status === "done" ? [x.campaignId, x.cursor] : [])),
    ).to.deep.equal([
      [a.id, 10n],
      [a.id, 20n],
      [a.id, 23n],
      [b.id, 2n],
    ]);
    const progress = events.filter((e) => e.type === "progress" && e.campaignId === a.id);
    expect(progress.length).to.be.greaterThan(3);
    for (const [c, limits, speed] of [
      [a, limitsA, 0.02],
      [b, limitsB, 0.1],
    ] as const) {
      const onChain = await fx.cp.getCampaign(c.id);
      const ref = reference(limits, speed);
      expect(onChain.state).to.equal(3n);
      expect(relErr(fromWad(onChain.h), ref.h)).to.be.lessThan(1e-12);
      expect(relErr(fromWad(onChain.pot), ref.pot)).to.be.lessThan(1e-9);
    }
    expect(fromWad((await fx.cp.getCampaign(b.id)).h).toFixed(9)).to.equal("16.070323328"); // reference vector (decimal.js)
    expect(await keeper.tick()).to.deep.equal([]); // nothing left
  });

  it("skips a round or a settlement another keeper did between its check and its transaction", async () => {
    const fx = await loadFixture(fixture);
    await contributeSixteen(fx);
    await fx.qf.fundMatchingPool(100n * WAD);
    const c = await createCampaign(fx, [10n * WAD, 30n * WAD], WAD / 10n);
    await time.increaseTo(c.deadline + ROUND);
    const { allocator, pledges } = await keeperFor(fx, fx.keeperA);
    const other = await keeperFor(fx, fx.keeperB);
    // Ports that let the other keeper win the race right before each transaction.
    const racedAllocator: KeeperAllocator = {
      ...allocator,
      roundState: () => allocator.roundState(),
      isKeeper: (x) => allocator.isKeeper(x),
      match: async (pool) => {
        await other.keeper.tick();
        return allocator.match(pool);
      },
    };
    const racedPledges: KeeperPledges = {
      ...pledges,
      campaignsDue: () => pledges.campaignsDue(),
      campaign: (id) => pledges.campaign(id),
      readMath: (id) => pledges.readMath(id),
      sessionCursor: (id, l, h) => pledges.sessionCursor(id, l, h),
      settlePage: async (id, l, h, m) => pledges.settlePage(id, l, h, m),
    };
    const keeper = new Keeper({
      allocator: racedAllocator,
      pledges: racedPledges,
      account: fx.keeperA.address,
      retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 },
    });
    const actions = await keeper.tick();
    // The other keeper's tick finalised the round AND settled the campaign before our transactions.
    expect(actions.map((x) => [x.kind, x.status])).to.deep.equal([["match", "skipped"]]);
    expect(actions[0]!.status === "skipped" && actions[0]!.reason).to.equal(
      "round 1 was finalised by another keeper",
    );
    expect(await fx.qf.queryFilter(fx.qf.filters.RoundFinalized())).to.have.length(1);
    expect(await fx.cp.queryFilter(fx.cp.filters.CampaignSettled())).to.have.length(1);

    // A campaign settled by someone else after the scan: the settlement revert is a skip.
    const d = await createCampaign(fx, [10n * WAD, 30n * WAD], WAD / 10n);
    await time.increaseTo(d.deadline);
    racedPledges.settlePage = async (id, l, h, m) => {
      await fx.cp.connect(fx.outsider).settle(id, l, h, 0n);
      return pledges.settlePage(id, l, h, m);
    };
    const skipped = await new Keeper({ pledges: racedPledges, account: fx.keeperA.address }).tick();
    expect(skipped).to.deep.equal([
      {
        kind: "settle",
        status: "skipped",
        campaignId: d.id,
        reason: `campaign ${d.id} was settled by another keeper`,
        attempts: 1,
      },
    ]);
  });

  it("a settlement page mined reverted (another settler first in the block) is named from its replayed revert data", async () => {
    const fx = await loadFixture(fixture);
    const d = await createCampaign(fx, [10n * WAD, 30n * WAD], WAD / 10n);
    await time.increaseTo(d.deadline);
    const { pledges } = await keeperFor(fx, fx.keeperA);
    const request = (method: string, params: unknown[] = []) =>
      connection.provider.request({ method, params });
    const racing: KeeperPledges = {
      ...pledges,
      settlePage: async (id, l, h, m) => {
        // The keeper's page passes its estimate and waits in the pool; an outsider's settlement with a
        // higher tip lands first in the same block, so the keeper's is mined reverted: its receipt has
        // no revert data, only a replay of the call names the error.
        const nonce = await ethers.provider.getTransactionCount(fx.keeperA.address, "pending");
        const page = pledges.settlePage(id, l, h, m);
        while ((await ethers.provider.getTransactionCount(fx.keeperA.address, "pending")) === nonce)
          await new Promise((r) => setTimeout(r, 20));
        await fx.cp.connect(fx.outsider).settle(id, l, h, 0n, {
          gasLimit: 2_000_000n,
          maxPriorityFeePerGas: 10n ** 10n,
          maxFeePerGas: 10n ** 11n,
        });
        await request("evm_mine");
        return page;
      },
    };
    await request("evm_setAutomine", [false]);
    try {
      const actions = await new Keeper({
        pledges: racing,
        account: fx.keeperA.address,
        retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 1 },
      }).tick();
      // Named at the first attempt (InvalidCampaignState → settled by someone else), not retried blind.
      expect(actions).to.deep.equal([
        {
          kind: "settle",
          status: "skipped",
          campaignId: d.id,
          reason: `campaign ${d.id} was settled by another keeper`,
          attempts: 1,
        },
      ]);
    } finally {
      await request("evm_setAutomine", [true]);
    }
    const settled = await fx.cp.queryFilter(fx.cp.filters.CampaignSettled(d.id));
    expect(settled.map((e) => e.args.settler)).to.deep.equal([fx.outsider.address]);
  });

  it("two keepers racing do every action exactly once", async () => {
    const fx = await loadFixture(fixture);
    await contributeSixteen(fx);
    await fx.qf.fundMatchingPool(100n * WAD);
    const limits = Array.from({ length: 15 }, (_, k) => BigInt(k + 1) * 5n * WAD);
    const c1 = await createCampaign(fx, limits, WAD / 40n);
    const c2 = await createCampaign(fx, [7n * WAD, 9n * WAD, 11n * WAD], WAD / 10n);
    await time.increaseTo(c2.deadline + ROUND);
    const a = await keeperFor(fx, fx.keeperA, { maxPledges: 4n });
    const b = await keeperFor(fx, fx.keeperB, { maxPledges: 4n });
    const [ra, rb] = await Promise.all([a.keeper.tick(), b.keeper.tick()]);
    const all = [...ra, ...rb];
    expect(all.filter((x) => x.status === "failed")).to.deep.equal([]);
    expect(done(all, "match")).to.have.length(1);
    expect(await fx.qf.queryFilter(fx.qf.filters.RoundFinalized())).to.have.length(1);
    for (const c of [c1, c2]) {
      expect(await fx.cp.queryFilter(fx.cp.filters.CampaignSettled(c.id))).to.have.length(1);
      const cursors = (await fx.cp.queryFilter(fx.cp.filters.SettlementProgressed(c.id))).map(
        (e) => e.args.cursor,
      );
      expect(new Set(cursors.map(String)).size).to.equal(cursors.length); // no page processed twice
    }
    // Every page the keepers report is one on-chain page, and pages together cover each campaign once.
    const pages = done(all, "settle");
    const onChainPages = await fx.cp.queryFilter(fx.cp.filters.SettlementProgressed());
    expect(pages).to.have.length(onChainPages.length);
    const ref = reference(limits, 0.025);
    const settled = await fx.cp.getCampaign(c1.id);
    expect(relErr(fromWad(settled.pot), ref.pot)).to.be.lessThan(1e-9);
  });

  it("retries a failing transaction with exponential backoff, then gives up", async () => {
    const fx = await loadFixture(fixture);
    await contributeSixteen(fx);
    await fx.qf.fundMatchingPool(100n * WAD);
    await time.increase(ROUND);
    const { allocator } = await keeperFor(fx, fx.keeperA);
    let failures = 2;
    let calls = 0;
    const flaky: KeeperAllocator = {
      address: allocator.address,
      roundState: () => allocator.roundState(),
      isKeeper: (x) => allocator.isKeeper(x),
      match: async (pool) => {
        calls++;
        if (failures-- > 0) throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
        return allocator.match(pool);
      },
    };
    const slept: number[] = [];
    const events: KeeperEvent[] = [];
    const make = () =>
      new Keeper({
        allocator: flaky,
        account: fx.keeperA.address,
        retry: { attempts: 4, baseDelayMs: 100, maxDelayMs: 250 },
        sleep: async (ms) => {
          slept.push(ms);
        },
        onEvent: (e) => events.push(e),
      });
    const [ok] = await make().tick();
    expect(ok!.status).to.equal("done");
    expect(ok!.attempts).to.equal(3);
    expect(calls).to.equal(3);
    expect(slept).to.deep.equal([100, 200]); // base · 2ⁿ⁻¹
    expect(events.filter((e) => e.type === "retry").map((e) => e.type === "retry" && e.error)).to.deep.equal([
      "socket hang up",
      "socket hang up",
    ]);
    expect(await fx.qf.queryFilter(fx.qf.filters.RoundFinalized())).to.have.length(1);

    // Always failing: 4 attempts, waits capped at 250 ms, then one failed action; nothing sent.
    await contributeSixteen(fx);
    await time.increase(ROUND);
    failures = 100;
    calls = 0;
    slept.length = 0;
    const [failed] = await make().tick();
    expect(failed).to.deep.equal({
      kind: "match",
      status: "failed",
      round: 2n,
      reason: "socket hang up",
      attempts: 4,
    });
    expect(calls).to.equal(4);
    expect(slept).to.deep.equal([100, 200, 250]);
    expect(await fx.qf.currentRound()).to.equal(2n);
  });

  it("explains a missing KEEPER_ROLE and still settles campaigns", async () => {
    const fx = await loadFixture(fixture);
    await contributeSixteen(fx);
    const c = await createCampaign(fx, [10n * WAD], WAD / 10n);
    await time.increaseTo(c.deadline + ROUND);
    const { keeper } = await keeperFor(fx, fx.outsider);
    expect(await keeper.checkRole()).to.match(
      new RegExp(
        `${fx.outsider.address} does not hold KEEPER_ROLE on the allocator .*grantRole\\(KEEPER_ROLE`,
      ),
    );
    const actions = await keeper.tick();
    expect(actions.map((x) => [x.kind, x.status])).to.deep.equal([
      ["match", "failed"],
      ["settle", "done"],
    ]);
    expect(await fx.qf.currentRound()).to.equal(1n);
  });

  it("reports a tick that failed (the node did not answer) after its error, and goes on", async () => {
    const fx = await loadFixture(fixture);
    const controller = new AbortController();
    let calls = 0;
    const events: KeeperEvent[] = [];
    const { allocator } = await keeperFor(fx, fx.keeperA);
    const keeper = new Keeper({
      allocator: {
        ...allocator,
        roundState: async () => {
          if (++calls === 2) controller.abort();
          if (calls === 1) throw new Error("connect ECONNREFUSED 127.0.0.1:8545");
          return allocator.roundState();
        },
      },
      account: fx.keeperA.address,
      signal: controller.signal,
      sleep: async () => {},
      onEvent: (e) => events.push(e),
    });
    await keeper.run(1);
    expect(events.map((e) => (e.type === "tick" ? `tick ${e.tick} ${e.status}` : e.type))).to.deep.equal([
      "error",
      "tick 1 error",
      "tick 2 idle",
    ]);
  });

  it("stops a running keeper when its signal aborts", async () => {
    const fx = await loadFixture(fixture);
    const controller = new AbortController();
    let ticks = 0;
    const seen: Extract<KeeperEvent, { type: "tick" }>[] = [];
    const { allocator } = await keeperFor(fx, fx.keeperA);
    const keeper = new Keeper({
      allocator: {
        ...allocator,
        roundState: async () => {
          if (++ticks === 3) controller.abort();
          return allocator.roundState();
        },
        isKeeper: (x) => allocator.isKeeper(x),
        match: (p) => allocator.match(p),
      },
      account: fx.keeperA.address,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === "tick") seen.push(e);
      },
    });
    await keeper.run(5); // real (abortable) sleeps of 5 ms
    expect(ticks).to.equal(3);
    expect(seen.map((e) => [e.tick, e.status])).to.deep.equal([
      [1, "idle"],
      [2, "idle"],
      [3, "idle"],
    ]);
  });
});

// ─────────────────────────────────────────────── end to end

const DEPLOYMENT_ID = `keeper-e2e-${process.pid}-${Date.now()}`;

describe("keeper task end to end (hardhat node in a child process)", function () {
  this.timeout(180_000);
  let url = "";
  let node: ChildProcess | undefined;

  function start(args: string[], extraEnv: Record<string, string> = {}): ChildProcess {
    return startHardhat(args, childEnv(url, DEPLOYMENT_ID, extraEnv));
  }

  function rpc(method: string, params: unknown[] = []): Promise<unknown> {
    return rpcCall(url, method, params);
  }

  before(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    node = await startNode(port, childEnv(url, DEPLOYMENT_ID));
  });

  after(async () => {
    const child = node;
    node = undefined;
    await stopProcess(child);
    removeDeploymentRecords(DEPLOYMENT_ID, hre.config.paths.cache);
  });

  it("two --once keepers at once do each action once; a running keeper exits 0 on SIGTERM", async () => {
    const accounts = (await ethers.getSigners()).map((s) => s.address); // same mnemonic as the node
    const deployed = await finish(
      start(["run", "--no-compile", "scripts/deploy.ts", "--network", "localhost"], {
        DEPLOY_JSON: "1",
        KEEPER_ADDRESSES: accounts[1]!,
      }),
    );
    expect(deployed.code, deployed.stderr).to.equal(0);
    const contracts = (
      JSON.parse(deployed.stdout.trim().split("\n").pop()!) as { contracts: Record<string, string> }
    ).contracts;

    const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, cacheTimeout: -1 });
    const signer = async (i: number) => provider.getSigner(accounts[i]!);
    const qf = QuadraticFundingAllocator__factory.connect(contracts.QuadraticFundingAllocator!, provider);
    const cp = CoordinatedPledges__factory.connect(contracts.CoordinatedPledges!, provider);
    const token = TestToken__factory.connect(contracts.TestToken!, provider);
    for (const i of [2, 3, 4, 5]) {
      const s = await signer(i);
      await (await token.connect(s).approve(await qf.getAddress(), ethers.MaxUint256)).wait();
      await (await token.connect(s).approve(await cp.getAddress(), ethers.MaxUint256)).wait();
    }
    const admin = await signer(0);
    await (await qf.connect(admin).registerGap(GAP, accounts[10]!, "")).wait();
    await (await qf.connect(await signer(2)).contributeToGap(GAP, 4n * WAD)).wait();
    await (await qf.connect(await signer(3)).contributeToGap(GAP, 16n * WAD)).wait();
    await (await qf.connect(await signer(4)).fundMatchingPool(50n * WAD)).wait();
    const now = (await provider.getBlock("latest"))!.timestamp;
    await (
      await cp.connect(admin).createCampaign({
        token: await token.getAddress(),
        recipient: accounts[10]!,
        deadline: now + HOUR,
        mode: 0,
        policy: 0,
        initialSpeed: WAD / 10n,
        decay: WAD,
        minLimit: 0n,
        allocator: ethers.ZeroAddress,
        gapId: ethers.ZeroHash,
      })
    ).wait();
    for (const i of [2, 3, 4, 5]) await (await cp.connect(await signer(i)).pledge(1n, 25n * WAD)).wait();
    await rpc("evm_increaseTime", [ROUND + 60]);
    await rpc("evm_mine");

    // ── two keepers at once (accounts 0 and 1 both hold KEEPER_ROLE), pages of 3 pledges
    const args = (from: number) => [
      "keeper",
      "--once",
      "--json",
      "--max-pledges",
      "3",
      "--from",
      String(from),
      "--network",
      "localhost",
    ];
    const [k0, k1] = await Promise.all([finish(start(args(0))), finish(start(args(1)))]);
    expect(k0.code, k0.stderr).to.equal(0);
    expect(k1.code, k1.stderr).to.equal(0);
    const lines = [k0.stdout, k1.stdout]
      .join("")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const doneLines = lines.filter((l) => l.status === "done");
    expect(lines.filter((l) => l.status === "failed")).to.deep.equal([]);
    const matches = doneLines.filter((l) => l.action === "match");
    expect(matches).to.have.length(1);
    expect(matches[0]).to.include({ round: 1, poolSize: "50", distributed: "16" }); // w = (2 + 4)² − 20
    expect(matches[0]!.txHash).to.match(/^0x[0-9a-f]{64}$/);
    expect(matches[0]!.gasUsed).to.match(/^\d+$/);
    expect(await qf.queryFilter(qf.filters.RoundFinalized())).to.have.length(1);
    expect(await cp.queryFilter(cp.filters.CampaignSettled())).to.have.length(1);
    const pages = await cp.queryFilter(cp.filters.SettlementProgressed());
    expect(pages.map((e) => e.args.cursor)).to.deep.equal([3n, 4n]);
    expect(doneLines.filter((l) => l.action === "settle")).to.have.length(2);
    const final = doneLines.find((l) => l.settled === true)!;
    const ref = reference([25n * WAD, 25n * WAD, 25n * WAD, 25n * WAD], 0.1);
    expect(relErr(new D(final.pot as string), ref.pot)).to.be.lessThan(1e-9);

    // ── a long-running keeper: finalises the next due round, then SIGTERM → exit 0
    await (await qf.connect(await signer(2)).contributeToGap(GAP, 9n * WAD)).wait();
    await (await qf.connect(await signer(3)).contributeToGap(GAP, 16n * WAD)).wait();
    await rpc("evm_increaseTime", [ROUND + 60]);
    await rpc("evm_mine");
    const running = start(["keeper", "--interval", "1", "--json", "--from", "1", "--network", "localhost"]);
    const result = finish(running);
    let seen = "";
    running.stdout?.on("data", (d: Buffer) => (seen += d.toString()));
    const until = Date.now() + 60_000;
    while (!seen.includes('"action":"match"') && Date.now() < until && running.exitCode === null) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 1_500)); // at least one more tick (or its wait) in progress
    const killedAt = Date.now();
    running.kill("SIGTERM");
    const r = await result;
    expect(r.code, r.stderr).to.equal(0);
    expect(Date.now() - killedAt).to.be.lessThan(10_000);
    const logged = r.stdout
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const match = logged.filter((l) => l.action === "match");
    // One tick object per tick: the first did the match, the later ones were idle.
    const ticks = logged.filter((l) => l.action === "tick");
    expect(ticks.length).to.be.greaterThan(1);
    expect(ticks[0]).to.include({ event: "tick", status: "done", tick: 1, done: 1 });
    expect(ticks.slice(1).every((t) => t.status === "idle")).to.equal(true);
    expect(ticks.map((t) => t.tick)).to.deep.equal(ticks.map((_, i) => i + 1));
    // Round 2: contributions 9 and 16 → w = (3 + 4)² − 25 = 24; pool left 50 − 16 = 34 ≥ 24.
    expect(match).to.have.length(1);
    expect(match[0]).to.include({ status: "done", round: 2, poolSize: "34", distributed: "24" });

    // ── an account without KEEPER_ROLE still runs: a warning, then settlement only (nothing due here)
    const settler = await finish(
      start(["keeper", "--once", "--json", "--from", "7", "--network", "localhost"]),
    );
    expect(settler.code, settler.stderr).to.equal(0);
    const warned = settler.stdout
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(warned).to.have.length(2);
    expect(warned[0]!.event).to.equal("warning");
    expect(warned[0]!.warning).to.match(/does not hold KEEPER_ROLE.*settling campaigns only$/);
    // Nothing due: the tick still says so, one object.
    expect(warned[1]).to.include({ event: "tick", action: "tick", status: "idle", tick: 1, done: 0 });
    expect(warned[1]!.time).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    const text = await finish(start(["keeper", "--once", "--from", "1", "--network", "localhost"]));
    expect(text.code, text.stderr).to.equal(0);
    expect(text.stdout).to.match(/^tick\s+#1\s+idle: nothing due .+ UTC\n$/);
  });
});
