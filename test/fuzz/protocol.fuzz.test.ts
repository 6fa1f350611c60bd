/**
 * Invariant fuzzing of both contracts (issue 5): fast-check generates random sequences of actions
 * (gaps registered and closed, contributions, pool funding, matching rounds — also through
 * performUpkeep — withdrawals, refunds, sweeps, settings, pause/unpause, time jumps including exactly
 * to a round's end or a campaign's deadline, campaigns created, pledged, withdrawn, cancelled,
 * settled in pages with the SDK's tightest bracket or with bogus brackets, claims and pots, and
 * invalid variants of all of them) from many accounts, runs them on the in-process chain and checks
 * the invariant catalogue (test/fuzz/invariants.ts) after every step.
 *
 * Environment: FUZZ_RUNS (default 12 runs here; `npm run test:fuzz` uses 500), FUZZ_STEPS (each run
 * opens with 1–3 campaign creations, then FUZZ_STEPS/2 … FUZZ_STEPS actions; default 80), FUZZ_SEED
 * (default a fixed constant), FUZZ_PATH (replays one counterexample), FUZZ_SHRINK=1 (shrink a failure:
 * slow on a chain), FUZZ_DEBUG=1 (the summary line also counts reverts by custom error). A failure
 * prints "replay with FUZZ_SEED=<seed> FUZZ_PATH=<path>".
 */
import { expect } from "chai";
import fc from "fast-check";
import { Harness, deployWorld, gapIdOf, type Action, type World } from "./harness";
import { invariants, violations, type ChainView, type InvariantContext } from "./invariants";
import { ROUND } from "./model";
import { READER_ADDRESS, READER_CODE, readerInput, splitAnswers, viewsOf } from "./reads";
import { UNDER_COVERAGE, connection, ethers, loadFixture } from "../helpers/chain";

// Under coverage the instrumented contracts are slower: fewer runs there (12 in `npm test`).
const RUNS = Number(process.env.FUZZ_RUNS ?? (UNDER_COVERAGE ? 4 : 12));
const STEPS = Number(process.env.FUZZ_STEPS ?? 80);
const SEED = Number(process.env.FUZZ_SEED ?? 0x00c0f0d5);
const PATH = process.env.FUZZ_PATH;
const SHRINK = process.env.FUZZ_SHRINK === "1";

const fixture18 = (): Promise<World> => deployWorld(18);
const fixture6 = (): Promise<World> => deployWorld(6);

// ─────────────────────────────────────────────── arbitraries

const pick = fc.nat({ max: 10_000 });
const E = (n: number): bigint => 10n ** BigInt(n);
/** 18-decimal amounts: mostly 0.001 … 1,000 tokens, sometimes dust (zero raw units on a 6-decimal token) or zero. */
const amount = fc.oneof(
  { arbitrary: fc.bigInt({ min: E(15), max: E(21) }), weight: 18 },
  { arbitrary: fc.bigInt({ min: 1n, max: E(13) }), weight: 1 },
  { arbitrary: fc.constant(0n), weight: 1 },
);
const speed = fc.oneof(
  fc.constantFrom(0n, E(15), 5n * E(15), 2n * E(16), E(17), 5n * E(17), E(18), 3n * E(18)),
  fc.bigInt({ min: 1n, max: E(19) }),
);

/** Mostly the role holder, sometimes an account without the role (must revert). */
const byKeeper = fc.oneof(
  { arbitrary: fc.constant(true), weight: 5 },
  { arbitrary: fc.constant(false), weight: 1 },
);

const create = fc.record({
  kind: fc.constant("create" as const),
  user: pick,
  recipient: pick,
  linear: fc.boolean(),
  policy: fc.constantFrom(0, 0, 1, 2, 3),
  speed,
  decay: fc.constantFrom(0n, 1n, 5n * E(17), 9n * E(17), E(18), E(18) + 1n, 100n * E(18), E(24) + 1n),
  minLimit: fc.constantFrom(0n, 0n, E(18), E(20)),
  duration: fc.constantFrom(0, 3_600, Number(ROUND), 86_400, 3 * 86_400, 7 * 86_400, 7 * 86_400),
  gap: fc.option(fc.nat({ max: 3 }), { nil: null }),
});

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("register" as const),
      gap: pick,
      recipient: pick,
      byAdmin: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("close" as const), gap: pick, byAdmin: byKeeper }) },
  {
    weight: 24,
    arbitrary: fc.record({ kind: fc.constant("contribute" as const), user: pick, gap: pick, amount }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("fund" as const), user: pick, amount }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("match" as const),
      percent: fc.oneof(
        { arbitrary: fc.constantFrom(0, 25, 50, 100, 100), weight: 4 },
        { arbitrary: fc.integer({ min: 0, max: 130 }), weight: 1 },
      ),
      byAdmin: byKeeper,
      viaUpkeep: fc.boolean(),
      wait: fc.oneof(
        { arbitrary: fc.constant(true), weight: 3 },
        { arbitrary: fc.constant(false), weight: 1 },
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("settings" as const),
      wholePool: fc.boolean(),
      capBps: fc.oneof(fc.constantFrom(0, 2_500, 5_000, 10_000, 10_001), fc.integer({ min: 0, max: 10_000 })),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("withdraw" as const), gap: pick, user: pick }) },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant("refund" as const), user: pick, gap: pick, round: pick }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("sweep" as const), round: pick, user: pick }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("pause" as const), pick }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("time" as const),
      to: fc.constantFrom(
        "roundEnd",
        "beforeRoundEnd",
        "deadline",
        "deadline",
        "deadline",
        "beforeDeadline",
        "jump",
        "jump",
      ),
      pick,
      // a jump past a campaign's grace period (30 days) now and then
      seconds: fc.oneof(
        { arbitrary: fc.integer({ min: 1, max: Number(ROUND) + 7200 }), weight: 9 },
        { arbitrary: fc.constant(31 * 86_400), weight: 1 },
      ),
    }),
  },
  { weight: 3, arbitrary: create },
  {
    weight: 14,
    arbitrary: fc.record({ kind: fc.constant("pledge" as const), user: pick, campaign: pick, limit: amount }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("withdrawPledge" as const),
      user: pick,
      campaign: pick,
      pledge: pick,
      asPledger: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("cancel" as const),
      campaign: pick,
      asCreator: fc.boolean(),
      user: pick,
    }),
  },
  {
    weight: 7,
    arbitrary: fc.record({
      kind: fc.constant("settle" as const),
      campaign: pick,
      page: pick,
      bracket: fc.constantFrom("tight", "tight", "tight", "high", "low", "wide", "zero"),
      user: pick,
      wait: fc.boolean(),
    }),
  },
  {
    weight: 7,
    arbitrary: fc.record({ kind: fc.constant("claim" as const), campaign: pick, pledge: pick, user: pick }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("claimPot" as const), campaign: pick, user: pick }) },
);

const describeAction = (a: Action): string =>
  JSON.stringify(a, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));

/** Plays a sequence on a fresh deployment, checking the catalogue at the start and after every step. */
async function play(decimals: number, actions: Action[], stats?: Map<string, number>): Promise<void> {
  const h = new Harness(await loadFixture(decimals === 6 ? fixture6 : fixture18));
  await h.start();
  const initial = h.lastView;
  if (!initial) throw new Error("no initial view");
  const v0 = violations({ model: h.model, view: initial });
  if (v0.length > 0) throw new Error(`before any action: ${v0.join("; ")}`);
  for (const [i, a] of actions.entries()) {
    const reverts = h.reverts;
    let view: ChainView;
    try {
      view = await h.step(a);
    } catch (e) {
      throw new Error(`step ${i} ${describeAction(a)}: ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
      });
    }
    const v = violations({ model: h.model, view });
    if (v.length > 0) throw new Error(`after step ${i} ${describeAction(a)}: ${v.join("; ")}`);
    if (stats) {
      const reverted = h.reverts > reverts;
      const key = `${a.kind}:${reverted ? "reverted" : "ok"}`;
      stats.set(key, (stats.get(key) ?? 0) + 1);
      if (reverted && process.env.FUZZ_DEBUG) {
        const why = `${a.kind}:${h.lastError}`;
        stats.set(why, (stats.get(why) ?? 0) + 1);
      }
    }
  }
  if (stats) {
    const m = h.model;
    const bump = (k: string, n: number): void => void stats.set(k, (stats.get(k) ?? 0) + n);
    bump(
      "matches paid > 0",
      m.payments.filter((p) => p.key.startsWith("alloc:match:") && p.actual > 0n).length,
    );
    bump(
      "campaigns settled h > 0",
      m.pledges.campaigns.filter((c) => c.state === "settled" && c.h > 0n).length,
    );
    bump(
      "pots into a gap",
      m.payments.filter((p) => p.key.startsWith("pledges:pot:") && p.to === m.allocator.address).length,
    );
    bump("rounds finalised", m.allocator.finalized.length);
  }
}

describe("protocol invariants under random action sequences (fast-check)", function () {
  this.timeout(0);

  it(`keeps the ${invariants.length}-invariant catalogue over ${RUNS} runs of up to ${STEPS} actions (seed ${SEED})`, async () => {
    const stats = new Map<string, number>();
    const details = await fc.check(
      fc.asyncProperty(
        fc.constantFrom(18, 6),
        // Every run opens with a campaign or two, so pledging has somewhere to go.
        fc.array(create, { minLength: 1, maxLength: 3 }),
        fc.array(action, { minLength: Math.ceil(STEPS / 2), maxLength: STEPS, size: "max" }),
        (d, opening, rest) => play(d, [...opening, ...rest], stats),
      ),
      { seed: SEED, path: PATH, numRuns: RUNS, endOnFailure: !SHRINK },
    );
    if (details.failed) {
      const steps = process.env.FUZZ_STEPS === undefined ? "" : ` FUZZ_STEPS=${STEPS}`;
      const replay = `replay with FUZZ_SEED=${details.seed} FUZZ_PATH=${details.counterexamplePath ?? ""}${steps}`;
      console.error(`\n  ${replay}\n`);
      throw new Error(`${replay}\n${fc.defaultReportMessage(details) ?? "property failed"}`);
    }
    const line = [...stats.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, n]) => `${k}=${n}`)
      .join(" ");
    console.log(`      fuzz (seed ${SEED}, ${details.numRuns} runs): ${line}`);
    if (PATH === undefined && process.env.FUZZ_SEED === undefined && RUNS >= 10) {
      // The sequences must reach the interesting states, not just bounce off reverts.
      for (const k of [
        "matches paid > 0",
        "campaigns settled h > 0",
        "pots into a gap",
        "claim:ok",
        "refund:ok",
        "sweep:ok",
        "withdrawPledge:ok",
        "contribute:reverted",
        "settle:reverted",
      ]) {
        expect(stats.get(k) ?? 0, k).to.be.greaterThan(0);
      }
    }
  });
});

// ─────────────────────────────────────────────── the catalogue bites

/** A scripted sequence reaching paid matches, a paged settlement, claims and a pot into a gap. */
const SCRIPT: Action[] = [
  { kind: "contribute", user: 0, gap: 0, amount: 40n * E(18) },
  { kind: "contribute", user: 1, gap: 0, amount: 9n * E(18) },
  { kind: "contribute", user: 2, gap: 0, amount: 1n * E(18) },
  { kind: "contribute", user: 0, gap: 1, amount: 25n * E(18) },
  { kind: "contribute", user: 3, gap: 1, amount: 16n * E(18) },
  { kind: "fund", user: 4, amount: 50n * E(18) },
  {
    kind: "create",
    user: 5,
    recipient: 2,
    linear: false,
    policy: 1,
    speed: E(17),
    decay: 9n * E(17),
    minLimit: 0n,
    duration: Number(ROUND),
    gap: 1,
  },
  { kind: "pledge", user: 0, campaign: 0, limit: 100n * E(18) },
  { kind: "pledge", user: 1, campaign: 0, limit: 100n * E(18) },
  { kind: "pledge", user: 2, campaign: 0, limit: 10n * E(18) },
  { kind: "time", to: "roundEnd", pick: 0, seconds: 0 },
  { kind: "match", percent: 100, byAdmin: true, viaUpkeep: false, wait: false },
  { kind: "withdraw", gap: 0, user: 0 },
  { kind: "time", to: "deadline", pick: 0, seconds: 0 },
  { kind: "settle", campaign: 0, page: 1, bracket: "tight", user: 3, wait: false },
  { kind: "claim", campaign: 0, pledge: 0, user: 4 },
  { kind: "claimPot", campaign: 0, user: 4 },
  { kind: "contribute", user: 1, gap: 0, amount: 7n * E(18) },
  { kind: "close", gap: 0, byAdmin: true },
  { kind: "refund", user: 1, gap: 0, round: 1 },
];

/** Slot of `balances[who]` in the TestToken (OpenZeppelin ERC20: `_balances` is storage slot 0). */
const balanceSlot = (who: string): string =>
  ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["address", "uint256"], [who, 0]));

async function setTokenBalance(w: World, who: string, value: bigint): Promise<void> {
  await connection.provider.request({
    method: "hardhat_setStorageAt",
    params: [await w.token.getAddress(), balanceSlot(who), ethers.toBeHex(value, 32)],
  });
}

async function scripted(): Promise<Harness> {
  const h = new Harness(await loadFixture(fixture18));
  await h.start();
  for (const a of SCRIPT) await h.step(a);
  return h;
}

describe("the invariant catalogue bites", function () {
  this.timeout(0);

  const failing = (ctx: InvariantContext): string[] =>
    invariants.filter((inv) => inv.check(ctx) !== undefined).map((inv) => inv.name);

  it("holds on the scripted sequence, which reaches matches, a paged settlement, claims and a pot into a gap", async () => {
    const h = await scripted();
    const view = h.lastView as ChainView;
    expect(violations({ model: h.model, view })).to.deep.equal([]);
    expect(h.model.payments.some((p) => p.key.startsWith("alloc:match:") && p.actual > 0n)).to.equal(true);
    expect(h.model.pledges.campaigns[0].state).to.equal("settled");
    expect(h.model.payments.find((p) => p.key === "pledges:pot:1")?.to).to.equal(h.w.allocatorAddress);
    expect(
      h.model.payments.some((p) => p.key.startsWith("alloc:refund:") && p.actual === 7n * E(18)),
    ).to.equal(true);
  });

  it("flags tokens removed from the allocator (hardhat_setStorageAt on the token balance)", async () => {
    const h = await scripted();
    const bal = await h.w.token.balanceOf(h.w.allocatorAddress);
    await setTokenBalance(h.w, h.w.allocatorAddress, bal - 1n);
    expect(await h.w.token.balanceOf(h.w.allocatorAddress)).to.equal(bal - 1n);
    const names = failing({ model: h.model, view: await h.readView() });
    expect(names).to.include("allocator-solvent");
    expect(names).to.include("allocator-exact");
    expect(names).to.not.include("pledges-solvent");
  });

  it("flags tokens removed from the pledges contract", async () => {
    const h = await scripted();
    const bal = await h.w.token.balanceOf(h.w.pledgesAddress);
    await setTokenBalance(h.w, h.w.pledgesAddress, bal - 1n);
    const names = failing({ model: h.model, view: await h.readView() });
    expect(names).to.include("pledges-solvent");
    expect(names).to.include("pledges-exact");
    expect(names).to.not.include("allocator-solvent");
  });

  it("flags every invariant by name when its own fact is perturbed (each perturbation undone after)", async () => {
    const h = await scripted();
    const m = h.model;
    const A = m.allocator;
    const view = h.lastView as ChainView;
    const g0 = A.gap("g0");
    const r1 = A.round(1n);
    const c1 = m.pledges.campaigns[0];
    const match = m.payments.find((p) => p.key.startsWith("alloc:match:") && p.actual > 0n);
    const refund = m.payments.find((p) => p.key === "pledges:refund:1:0");
    const gr = g0?.rounds.get(1);
    const settled = g0?.settlements.find((x) => x.round === 1);
    const cv = view.pledges.campaigns.get(1n);
    const rv = view.allocator.rounds.get(1n);
    if (!g0 || !r1 || !match || !refund || !gr || !settled || !cv || !rv)
      throw new Error("scripted state incomplete");
    const user0 = h.w.users[0].address;

    // name → a perturbation returning its undo
    const perturb: Record<string, () => () => void> = {
      "allocator-solvent": () => {
        m.replay.pool += 10n ** 30n; // the model now believes the allocator owes far more
        return () => void (m.replay.pool -= 10n ** 30n);
      },
      "allocator-exact": () => {
        view.balances.set(A.address, (view.balances.get(A.address) ?? 0n) + 1n);
        return () => void view.balances.set(A.address, (view.balances.get(A.address) ?? 0n) - 1n);
      },
      "pledges-solvent": () => {
        c1.potClaimed = false;
        c1.pot += 10n ** 30n;
        return () => {
          c1.potClaimed = true;
          c1.pot -= 10n ** 30n;
        };
      },
      "pledges-exact": () => {
        view.balances.set(m.pledges.address, (view.balances.get(m.pledges.address) ?? 0n) + 1n);
        return () =>
          void view.balances.set(m.pledges.address, (view.balances.get(m.pledges.address) ?? 0n) - 1n);
      },
      "accounts-exact": () => {
        m.credit(user0, 1n);
        return () => m.credit(user0, -1n);
      },
      "round-within-pool": () => {
        const old = rv.distributed;
        rv.distributed = rv.matchingPoolTokens + 1n;
        return () => void (rv.distributed = old);
      },
      "match-below-full-quadratic": () => {
        const old = settled.matched;
        settled.matched = 10n ** 40n;
        return () => void (settled.matched = old);
      },
      "round-paid-within-allocation": () => {
        m.payments.push({ ...match, key: "alloc:match:extra:1", actual: r1.allocated + 1n });
        return () => void m.payments.pop();
      },
      "paid-once": () => {
        m.payments.push({ ...refund });
        return () => void m.payments.pop();
      },
      "payments-as-predicted": () => {
        const old = match.expected;
        match.expected += 1n;
        return () => void (match.expected = old);
      },
      "payment-within-limit": () => {
        const old = refund.actual;
        refund.actual = (refund.limit ?? 0n) + 1n;
        return () => void (refund.actual = old);
      },
      "settled-refunds-plus-pot": () => {
        cv.pot += 1n;
        return () => void (cv.pot -= 1n);
      },
      "mirror-allocator-state": () => {
        m.replay.capBps += 1n;
        return () => void (m.replay.capBps -= 1n);
      },
      "mirror-gap-rounds": () => {
        // a perturbed replay figure: the gap-round's Σ√c off by one
        gr.sumSqrt += 1n;
        return () => void (gr.sumSqrt -= 1n);
      },
      "mirror-rounds": () => {
        r1.gapsSettled += 1;
        return () => void (r1.gapsSettled -= 1);
      },
      "mirror-gaps": () => {
        g0.matchedPaid += 1n;
        return () => void (g0.matchedPaid -= 1n);
      },
      "mirror-campaigns": () => {
        c1.nextSpeed += 1n;
        return () => void (c1.nextSpeed -= 1n);
      },
      "mirror-pledge-math": () => {
        c1.h += 1n; // the settled h the mirror evaluates at
        return () => void (c1.h -= 1n);
      },
    };
    expect(Object.keys(perturb).sort()).to.deep.equal(invariants.map((i) => i.name).sort());
    for (const inv of invariants) {
      expect(failing({ model: m, view }), `baseline before ${inv.name}`).to.deep.equal([]);
      const undo = perturb[inv.name]();
      const names = failing({ model: m, view });
      undo();
      expect(names, `perturbing ${inv.name}`).to.include(inv.name);
    }
    expect(failing({ model: m, view })).to.deep.equal([]);
  });
});

// ─────────────────────────────────────────────── the batched reads

describe("batched reads (test/fuzz/reads.ts) answer exactly as single calls", function () {
  this.timeout(0);

  const call = async (to: string, data: string, overrides?: object): Promise<string> =>
    (await connection.provider.request({
      method: "eth_call",
      params: overrides ? [{ to, data }, "latest", overrides] : [{ to, data }, "latest"],
    })) as string;
  const failure = (p: Promise<unknown>): Promise<unknown> =>
    p.then(
      () => expect.fail("expected a revert"),
      (e: unknown) => e,
    );
  const json = (x: unknown): string =>
    JSON.stringify(x, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));

  it("the reader returns each call's bytes, and a failing call's revert data", async () => {
    const { w } = await scripted();
    const calls = [
      { to: w.tokenAddress, data: w.token.interface.encodeFunctionData("balanceOf", [w.users[0].address]) },
      { to: w.pledgesAddress, data: w.pledges.interface.encodeFunctionData("getPledges", [1, 0, 3]) },
      { to: w.allocatorAddress, data: w.allocator.interface.encodeFunctionData("getRound", [1]) },
      { to: w.pledgesAddress, data: w.pledges.interface.encodeFunctionData("campaignCount") },
      {
        to: w.allocatorAddress,
        data: w.allocator.interface.encodeFunctionData("matchOf", [gapIdOf("g0"), 1]),
      },
    ];
    const override = { [READER_ADDRESS]: { code: READER_CODE } };
    const singles = await Promise.all(calls.map((c) => call(c.to, c.data)));
    const answer = await call(READER_ADDRESS, readerInput(calls), override);
    expect(splitAnswers(answer, calls.length)).to.deep.equal(singles);
    expect(singles[1].length).to.be.greaterThan(2 + 64 * 8); // a dynamic answer of several words

    const unknown = {
      to: w.pledgesAddress,
      data: w.pledges.interface.encodeFunctionData("getCampaign", [99]),
    };
    const alone = (await failure(call(unknown.to, unknown.data))) as { data?: string };
    const batched = (await failure(
      call(READER_ADDRESS, readerInput([calls[0], unknown, calls[1]]), override),
    )) as { data?: string };
    expect(alone.data).to.match(/^0x[0-9a-f]{8,}$/);
    expect(batched.data).to.equal(alone.data);
    expect(w.pledges.interface.parseError(batched.data ?? "0x")?.name).to.equal("UnknownCampaign");
  });

  it("views issued together decode as through the contract; a reverting one fails alone", async () => {
    const { w } = await scripted();
    const al = viewsOf(w.allocator, w.allocatorAddress);
    const pl = viewsOf(w.pledges, w.pledgesAddress);
    const tk = viewsOf(w.token, w.tokenAddress);
    const g0 = gapIdOf("g0");
    const [balance, round, stats, campaign, pledges, evaluated, missing] = await Promise.all([
      tk.balanceOf(w.users[0].address),
      al.getRound(1),
      al.getGapFundingStats(g0),
      pl.getCampaign(1),
      pl.getPledges(1, 0, 3),
      pl.evaluate(1, 10n ** 18n),
      failure(pl.getCampaign(99)),
    ]);
    expect(json(balance)).to.equal(json(await w.token.balanceOf(w.users[0].address)));
    expect(json(round)).to.equal(json(await w.allocator.getRound(1)));
    expect(json(stats)).to.equal(json(await w.allocator.getGapFundingStats(g0)));
    expect(json(campaign)).to.equal(json(await w.pledges.getCampaign(1)));
    expect(json(pledges)).to.equal(json(await w.pledges.getPledges(1, 0, 3)));
    expect(json(evaluated)).to.equal(json(await w.pledges.evaluate(1, 10n ** 18n)));
    expect(campaign.pledgeCount).to.equal(3n);
    expect(stats.recipient).to.equal(w.recipients[0].address);
    const data = (missing as { data?: string }).data ?? "0x";
    expect(w.pledges.interface.parseError(data)?.name).to.equal("UnknownCampaign");
  });
});
