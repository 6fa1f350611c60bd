/**
 * Drives both contracts on the in-process chain for the invariant fuzzer: deploys the world, sends
 * one action at a time at a timestamp it controls (`evm_setNextBlockTimestamp`, so "exactly at the
 * round end / deadline" is exact), checks each transaction against the model's prediction (revert
 * with the predicted custom error, or succeed with the predicted events), feeds the receipts into
 * the model and reads the chain view the invariant catalogue checks.
 */
import { connection, ethers } from "../helpers/chain";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { toQuantity, type ContractTransaction, type LogDescription } from "ethers";
import type { CoordinatedPledges, QuadraticFundingAllocator, TestToken } from "../../typechain-types";
import * as pm from "../../sdk/math/pledges";
import { AllocatorModel, GRACE, Model, PledgesModel, ROUND, newReplay } from "./model";
import type { CampaignModel, Payment } from "./model";
import type { ChainView } from "./invariants";
import { viewsOf, type Views } from "./reads";
import { decodeCofundLog, lc, type CofundEvent, type Gap } from "../../sdk/replay";

/** Gap names the actions pick from (the fixture registers the first two). */
export const GAP_NAMES = ["g0", "g1", "g2", "g3"] as const;
export const gapIdOf = (name: string): string => ethers.id(`fuzz-gap-${name}`);
/** Tokens minted to every account (whole tokens). */
export const MINT_TOKENS = 1_000_000n;
const GAS_LIMIT = 15_000_000n;

/** The largest parameter of each policy (`CampaignParams.decay`): r ≤ 1, c ≤ 1e24, L₀ ≤ 1e38. */
const POLICY_PARAM_MAX = [pm.UNIT, pm.UNIT, pm.MAX_HARMONIC_RATE, pm.MAX_ESCROW];

export type TimeTarget = "roundEnd" | "beforeRoundEnd" | "deadline" | "beforeDeadline" | "grace" | "jump";
export type BracketKind = "tight" | "high" | "low" | "wide" | "zero";

/** One fuzz action. Indices are reduced modulo what exists when the action runs; amounts are in
 * 18-decimal units and converted to the token's raw units (so dust can become a zero amount). */
export type Action =
  | { kind: "register"; gap: number; recipient: number; byAdmin: boolean }
  | { kind: "close"; gap: number; byAdmin: boolean }
  | { kind: "contribute"; user: number; gap: number; amount: bigint }
  | { kind: "fund"; user: number; amount: bigint }
  | { kind: "match"; percent: number; byAdmin: boolean; viaUpkeep: boolean; wait: boolean }
  | { kind: "settings"; wholePool: boolean; capBps: number }
  | { kind: "withdraw"; gap: number; user: number }
  | { kind: "refund"; user: number; gap: number; round: number }
  | { kind: "sweep"; round: number; user: number }
  | { kind: "pause"; pick: number }
  | { kind: "time"; to: TimeTarget; pick: number; seconds: number }
  | {
      kind: "create";
      user: number;
      recipient: number;
      linear: boolean;
      /** `pm.Policy`: constant, geometric, harmonic or limit-sqrt. */
      policy: number;
      speed: bigint;
      decay: bigint;
      minLimit: bigint;
      duration: number;
      gap: number | null;
    }
  | { kind: "pledge"; user: number; campaign: number; limit: bigint }
  | { kind: "withdrawPledge"; user: number; campaign: number; pledge: number; asPledger: boolean }
  | { kind: "cancel"; campaign: number; asCreator: boolean; user: number }
  | { kind: "settle"; campaign: number; page: number; bracket: BracketKind; user: number; wait: boolean }
  | { kind: "claim"; campaign: number; pledge: number; user: number }
  | { kind: "claimPot"; campaign: number; user: number };

export interface World {
  token: TestToken;
  allocator: QuadraticFundingAllocator;
  pledges: CoordinatedPledges;
  admin: HardhatEthersSigner;
  recipients: HardhatEthersSigner[];
  users: HardhatEthersSigner[];
  decimals: number;
  deployedAt: bigint;
  allocatorAddress: string;
  pledgesAddress: string;
  tokenAddress: string;
}

/** Deploys token, allocator (6-hour rounds) and pledges; mints and approves; registers g0 and g1. */
export async function deployWorld(decimals: number): Promise<World> {
  const [admin, r0, r1, r2, ...rest] = await ethers.getSigners();
  const users = rest.slice(0, 6);
  const token = (await ethers.deployContract("TestToken", ["Fuzz", "FZ", decimals])) as unknown as TestToken;
  const allocator = (await ethers.deployContract("QuadraticFundingAllocator", [
    await token.getAddress(),
    ROUND,
    admin.address,
  ])) as unknown as QuadraticFundingAllocator;
  const deployRc = await allocator.deploymentTransaction()?.wait();
  if (!deployRc) throw new Error("allocator deployment has no receipt");
  const deployedAt = BigInt((await deployRc.getBlock()).timestamp);
  const pledges = (await ethers.deployContract("CoordinatedPledges")) as unknown as CoordinatedPledges;
  const allocatorAddress = await allocator.getAddress();
  const pledgesAddress = await pledges.getAddress();
  const mint = MINT_TOKENS * 10n ** BigInt(decimals);
  for (const s of [admin, ...users]) {
    await token.mint(s.address, mint);
    await token.connect(s).approve(allocatorAddress, ethers.MaxUint256);
    await token.connect(s).approve(pledgesAddress, ethers.MaxUint256);
  }
  await allocator.registerGap(gapIdOf("g0"), r0.address, "");
  await allocator.registerGap(gapIdOf("g1"), r1.address, "");
  return {
    token,
    allocator,
    pledges,
    admin,
    recipients: [r0, r1, r2],
    users,
    decimals,
    deployedAt,
    allocatorAddress,
    pledgesAddress,
    tokenAddress: await token.getAddress(),
  };
}

/** Finds the revert data in an ethers / Hardhat error. */
function revertData(e: unknown): string | undefined {
  const stack: unknown[] = [e];
  const seen = new Set<unknown>();
  while (stack.length > 0) {
    const x = stack.pop();
    if (x === null || typeof x !== "object" || seen.has(x)) continue;
    seen.add(x);
    const o = x as Record<string, unknown>;
    if (typeof o.data === "string" && /^0x[0-9a-fA-F]{8,}$/.test(o.data)) return o.data;
    for (const k of ["data", "error", "info", "cause", "revert"]) stack.push(o[k]);
  }
  return undefined;
}

/** The fields of a JSON-RPC transaction receipt the harness reads. */
interface RawReceipt {
  status: string;
  blockNumber: string;
  transactionHash: string;
  logs: { address: string; topics: string[]; data: string; logIndex: string }[];
}

/** Why an action's outcome differed from the model's prediction. */
export class ActionMismatch extends Error {}

const ORDER = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

/** An index into n existing things for most picks, n itself ("one that does not exist") for about
 * one pick in 4n + 1. */
export function choose(pick: number, n: number): number {
  if (n === 0) return 0;
  const k = pick % (4 * n + 1);
  return k === 4 * n ? n : k % n;
}

export class Harness {
  readonly model: Model;
  /** The timestamp the next transaction will have. */
  clock = 0n;
  /** The view read after the previous step (a reverted action must leave it unchanged). */
  lastView?: ChainView;
  /** Steps taken and how many were expected reverts. */
  steps = 0;
  reverts = 0;
  /** The custom error of the latest expected revert. */
  lastError = "";

  /** The world's view functions, read in batches (see test/fuzz/reads.ts). */
  private readonly views: {
    allocator: Views<QuadraticFundingAllocator>;
    pledges: Views<CoordinatedPledges>;
    token: Views<TestToken>;
  };

  constructor(readonly w: World) {
    this.views = {
      allocator: viewsOf(w.allocator, w.allocatorAddress),
      pledges: viewsOf(w.pledges, w.pledgesAddress),
      token: viewsOf(w.token, w.tokenAddress),
    };
    const replay = newReplay(w.allocatorAddress, w.pledgesAddress, w.decimals);
    const names = new Map(GAP_NAMES.map((n) => [lc(gapIdOf(n)), n]));
    const a = new AllocatorModel(w.allocatorAddress, replay, w.deployedAt, names);
    this.model = new Model(a, new PledgesModel(w.pledgesAddress, w.decimals, replay));
    const mint = MINT_TOKENS * 10n ** BigInt(w.decimals);
    for (const s of [w.admin, ...w.users]) this.model.credit(s.address, mint);
    for (const s of w.recipients) this.model.credit(s.address, 0n);
    this.model.credit(w.allocatorAddress, 0n);
    this.model.credit(w.pledgesAddress, 0n);
  }

  async start(): Promise<void> {
    const latest = await ethers.provider.getBlock("latest");
    if (!latest) throw new Error("no latest block");
    this.clock = BigInt(latest.timestamp) + 1n;
    // The deployment's own events (the fixture's registrations of g0 and g1) start the replay.
    const logs = await ethers.provider.getLogs({
      address: [this.w.allocatorAddress, this.w.pledgesAddress],
      fromBlock: 0,
      toBlock: latest.number,
    });
    for (const log of logs) {
      const block = await ethers.provider.getBlock(log.blockNumber);
      this.applyEvents("deployment", this.decode(log, block?.timestamp ?? 0));
    }
    this.lastView = await this.readView();
  }

  /** The cofund event of a log of either contract (none for other logs). */
  private decode(log: Parameters<typeof decodeCofundLog>[1], timestamp: number): CofundEvent[] {
    const address = log.address.toLowerCase();
    const contract =
      address === this.w.allocatorAddress.toLowerCase()
        ? "allocator"
        : address === this.w.pledgesAddress.toLowerCase()
          ? "pledges"
          : undefined;
    if (contract === undefined) return [];
    const e = decodeCofundLog(contract, log, timestamp);
    return e === undefined ? [] : [e];
  }

  /** Feeds events to the model's replay, which must find nothing wrong with them. */
  private applyEvents(label: string, events: CofundEvent[]): void {
    const found = this.model.applyEvents(events);
    if (found.length > 0)
      throw new ActionMismatch(
        `${label}: the event replay disagrees: ${found.map((d) => d.sentence).join(" ")}`,
      );
  }

  /** The replay of every receipt owes, per contract, exactly what the model owes. */
  private checkReplayOwed(label: string): void {
    const owed = this.model.replayOwed(this.w.tokenAddress);
    this.expectEqual(`${label}: replayed allocator owed`, owed.allocator, this.model.allocator.owed());
    this.expectEqual(`${label}: replayed pledges owed`, owed.pledges, this.model.pledges.owed());
  }

  raw(norm: bigint): bigint {
    return norm / this.model.allocator.scale;
  }

  // ─────────────────────────────────────────────── sending

  /**
   * Sends `from`'s transaction (a contract call populated by TypeChain) at `this.clock` and checks
   * the outcome against `expected` (a custom error name, or null for success). Returns the receipt
   * on success. The transaction goes to the node as a plain `eth_sendTransaction` (the node fills
   * in nonce and fees) and its receipt is one `eth_getTransactionReceipt`: ethers' send-and-wait
   * would add a block-number poll and a transaction lookup to every step.
   */
  private async send(
    label: string,
    expected: string | null,
    from: HardhatEthersSigner,
    populated: Promise<ContractTransaction>,
  ): Promise<RawReceipt | null> {
    const tx = await populated;
    const timestamp = Number(this.clock);
    await connection.provider.request({ method: "evm_setNextBlockTimestamp", params: [timestamp] });
    let rc: RawReceipt | null = null;
    let error: string | null = null;
    try {
      const hash = (await connection.provider.request({
        method: "eth_sendTransaction",
        params: [{ from: from.address, to: tx.to, data: tx.data, gas: toQuantity(GAS_LIMIT) }],
      })) as string;
      const receipt = (await connection.provider.request({
        method: "eth_getTransactionReceipt",
        params: [hash],
      })) as RawReceipt | null;
      if (receipt?.status !== "0x1") throw new Error(`transaction ${hash} failed without revert data`);
      rc = receipt;
    } catch (e) {
      const data = revertData(e);
      const parsed = data
        ? (this.w.allocator.interface.parseError(data) ?? this.w.pledges.interface.parseError(data))
        : null;
      error = parsed?.name ?? `undecoded revert: ${e instanceof Error ? e.message : String(e)}`;
    }
    const latest = (await connection.provider.request({
      method: "eth_getBlockByNumber",
      params: ["latest", false],
    })) as { timestamp: string } | null;
    if (!latest) throw new Error("no latest block");
    this.clock = BigInt(latest.timestamp) + 1n;
    if (error !== expected) {
      throw new ActionMismatch(
        `${label}: expected ${expected === null ? "success" : `revert ${expected}`}, got ${error === null ? "success" : `revert ${error}`}`,
      );
    }
    if (error !== null) {
      this.reverts++;
      this.lastError = error;
    }
    if (rc !== null) {
      const { blockNumber, transactionHash } = rc;
      const logs = rc.logs.map((l) => ({
        ...l,
        blockNumber: Number(blockNumber),
        index: Number(l.logIndex),
        transactionHash,
      }));
      this.applyEvents(
        label,
        logs.flatMap((l) => this.decode(l, timestamp)),
      );
    }
    return rc;
  }

  private events(rc: RawReceipt | null): LogDescription[] {
    if (!rc) return [];
    const out: LogDescription[] = [];
    for (const log of rc.logs) {
      const addr = log.address.toLowerCase();
      const iface =
        addr === this.w.allocatorAddress.toLowerCase()
          ? this.w.allocator.interface
          : addr === this.w.pledgesAddress.toLowerCase()
            ? this.w.pledges.interface
            : null;
      const parsed = iface?.parseLog(log);
      if (parsed) out.push(parsed);
    }
    return out;
  }

  private expectEqual(label: string, actual: unknown, expected: unknown): void {
    if (actual !== expected)
      throw new ActionMismatch(`${label}: chain ${String(actual)} ≠ model ${String(expected)}`);
  }

  private record(p: Payment): void {
    this.model.payments.push(p);
  }

  // ─────────────────────────────────────────────── actions

  private user(i: number): HardhatEthersSigner {
    return this.w.users[i % this.w.users.length];
  }

  /** A registered gap for most picks, an unregistered name for the rest. */
  private gapName(i: number): string {
    const A = this.model.allocator;
    const registered = A.gaps.map((g) => A.nameOf(g));
    const unregistered = GAP_NAMES.filter((n) => !registered.includes(n));
    const k = choose(i, registered.length);
    if (k < registered.length) return registered[k];
    return unregistered.length > 0 ? unregistered[i % unregistered.length] : registered[0];
  }

  private gap(i: number): Gap | undefined {
    return this.model.allocator.gap(this.gapName(i));
  }

  /** Campaign id for a pick: an existing one, or the next (unknown) id now and then. With `useful`,
   * four picks in five go to a campaign where the action can succeed (when there is one). */
  private campaignId(pick: number, useful?: (c: CampaignModel) => boolean): bigint {
    const all = this.model.pledges.campaigns;
    const good = useful ? all.filter(useful) : [];
    if (good.length > 0 && pick % 5 !== 0) return BigInt(good[pick % good.length].campaignId);
    return BigInt(1 + choose(pick, all.length));
  }

  /** Runs one action, then reads the chain view; a reverted action must leave the view unchanged. */
  async step(a: Action): Promise<ChainView> {
    const before = this.reverts;
    const sent = await this.act(a);
    this.checkReplayOwed(a.kind);
    this.steps++;
    const view = await this.readView();
    if (
      sent &&
      this.reverts > before &&
      this.lastView &&
      serializeView(view) !== serializeView(this.lastView)
    ) {
      throw new ActionMismatch(`${a.kind}: a reverted action changed the chain state`);
    }
    this.lastView = view;
    return view;
  }

  /** Returns false when the action was a no-op (a time target in the past). */
  private async act(a: Action): Promise<boolean> {
    const ts = this.clock;
    switch (a.kind) {
      case "register":
        return this.actRegister(a, ts);
      case "close":
        return this.actClose(a, ts);
      case "contribute":
        return this.actContribute(a, ts);
      case "fund":
        return this.actFund(a, ts);
      case "match":
        return this.actMatch(a, ts);
      case "settings":
        return this.actSettings(a, ts);
      case "withdraw":
        return this.actWithdraw(a, ts);
      case "refund":
        return this.actRefund(a, ts);
      case "sweep":
        return this.actSweep(a, ts);
      case "pause":
        return this.actPause(a, ts);
      case "time":
        return this.actTime(a, ts);
      case "create":
        return this.create(a, ts);
      case "pledge":
        return this.actPledge(a, ts);
      case "withdrawPledge":
        return this.actWithdrawPledge(a, ts);
      case "cancel":
        return this.actCancel(a, ts);
      case "settle":
        return this.settle(a, ts);
      case "claim":
        return this.actClaim(a, ts);
      case "claimPot":
        return this.actClaimPot(a, ts);
    }
  }

  private async actRegister(a: Extract<Action, { kind: "register" }>, _ts: bigint): Promise<boolean> {
    const { allocator: al, admin } = this.w;
    const A = this.model.allocator;
    const name = GAP_NAMES[a.gap % GAP_NAMES.length];
    const recipient = this.w.recipients[a.recipient % this.w.recipients.length].address;
    const expected = !a.byAdmin
      ? "AccessControlUnauthorizedAccount"
      : A.gap(name)
        ? "GapAlreadyRegistered"
        : null;
    const signer = a.byAdmin ? admin : this.user(0);
    await this.send(
      "registerGap",
      expected,
      signer,
      al.registerGap.populateTransaction(gapIdOf(name), recipient, `ipfs://${name}`),
    );
    if (expected === null) this.expectEqual("GapRegistered.recipient", A.gap(name)?.recipient, recipient);
    return true;
  }

  private async actClose(a: Extract<Action, { kind: "close" }>, _ts: bigint): Promise<boolean> {
    const { allocator: al, admin } = this.w;
    const A = this.model.allocator;
    const g = this.gap(a.gap);
    const expected = !a.byAdmin
      ? "AccessControlUnauthorizedAccount"
      : !g
        ? "UnknownGap"
        : g.closedRound !== 0
          ? "GapIsClosed"
          : null;
    const closedRound = A.currentRound;
    await this.send(
      "closeGap",
      expected,
      a.byAdmin ? admin : this.user(0),
      al.closeGap.populateTransaction(gapIdOf(this.gapName(a.gap))),
    );
    if (expected === null && g) this.expectEqual("GapClosed.closedRound", BigInt(g.closedRound), closedRound);
    return true;
  }

  private async actContribute(a: Extract<Action, { kind: "contribute" }>, ts: bigint): Promise<boolean> {
    const { allocator: al } = this.w;
    const A = this.model.allocator;
    const open = A.gaps.filter((x) => x.closedRound === 0);
    const g = open.length > 0 && a.gap % 5 !== 0 ? open[a.gap % open.length] : this.gap(a.gap);
    const who = this.user(a.user);
    const amount = this.raw(a.amount);
    const v = A.predictContribute(g, amount);
    const round = A.contributionRound(ts);
    const rc = await this.send(
      "contributeToGap",
      v.error,
      who,
      al.contributeToGap.populateTransaction(g?.gapId ?? gapIdOf(this.gapName(a.gap)), amount),
    );
    if (v.error === null && g) {
      this.model.move(who.address, this.w.allocatorAddress, amount);
      const ev = this.events(rc).find((e) => e.name === "ContributionMade");
      this.expectEqual("ContributionMade.round", ev?.args.round, round);
      this.expectEqual("ContributionMade.gapWeight", ev?.args.gapWeight, A.gapRound(g, round).weight);
    }
    return true;
  }

  private async actFund(a: Extract<Action, { kind: "fund" }>, _ts: bigint): Promise<boolean> {
    const { allocator: al } = this.w;
    const A = this.model.allocator;
    const who = this.user(a.user);
    const amount = this.raw(a.amount);
    const expected = amount === 0n ? "ZeroAmount" : null;
    const pool = A.pool + amount;
    await this.send("fundMatchingPool", expected, who, al.fundMatchingPool.populateTransaction(amount));
    if (expected === null) {
      this.expectEqual("MatchingPoolFunded: replayed pool", A.pool, pool);
      this.model.move(who.address, this.w.allocatorAddress, amount);
    }
    return true;
  }

  private async actMatch(a: Extract<Action, { kind: "match" }>, _ts: bigint): Promise<boolean> {
    const { allocator: al, admin } = this.w;
    const A = this.model.allocator;
    // `wait`: first move the clock exactly to the round's end.
    if (a.wait && A.currentEnd > this.clock) this.clock = A.currentEnd;
    const ts = this.clock;
    const requested = (A.pool * BigInt(a.percent)) / 100n;
    const poolSize = a.viaUpkeep && requested > A.pool ? A.pool : requested;
    const expected = a.byAdmin ? A.predictFinalize(poolSize, ts).error : "AccessControlUnauthorizedAccount";
    const signer = a.byAdmin ? admin : this.user(0);
    const { round, allocated } = A.previewFinalize(poolSize);
    const rc = await this.send(
      a.viaUpkeep ? "performUpkeep" : "computeMatchingRound",
      expected,
      signer,
      a.viaUpkeep
        ? al.performUpkeep.populateTransaction(
            ethers.AbiCoder.defaultAbiCoder().encode(["uint256"], [requested]),
          )
        : al.computeMatchingRound.populateTransaction(poolSize),
    );
    if (expected === null) {
      const ev = this.events(rc).find((e) => e.name === "RoundFinalized");
      this.expectEqual("RoundFinalized.round", ev?.args.round, round);
      this.expectEqual("RoundFinalized.distributed", ev?.args.distributed, allocated);
    }
    return true;
  }

  private async actSettings(a: Extract<Action, { kind: "settings" }>, _ts: bigint): Promise<boolean> {
    const { allocator: al, admin } = this.w;
    const A = this.model.allocator;
    const capBps = BigInt(a.capBps);
    const expected = capBps > 10_000n ? "InvalidCap" : null;
    await this.send(
      "setMatchingSettings",
      expected,
      admin,
      al.setMatchingSettings.populateTransaction(a.wholePool, capBps),
    );
    if (expected === null) {
      this.expectEqual("MatchingSettingsUpdated: replayed whole pool", A.wholePool, a.wholePool);
      this.expectEqual("MatchingSettingsUpdated: replayed cap", A.capBps, capBps);
    }
    return true;
  }

  private async actWithdraw(a: Extract<Action, { kind: "withdraw" }>, _ts: bigint): Promise<boolean> {
    const { allocator: al } = this.w;
    const A = this.model.allocator;
    const ready = A.gaps.filter((x) => A.settleable(x).length > 0);
    const g = ready.length > 0 && a.gap % 5 !== 0 ? ready[a.gap % ready.length] : this.gap(a.gap);
    const v = A.predictWithdraw(g);
    const predicted = g && A.previewWithdraw(g);
    const rc = await this.send(
      "withdrawGapFunds",
      v.error,
      this.user(a.user),
      al.withdrawGapFunds.populateTransaction(g?.gapId ?? gapIdOf(this.gapName(a.gap))),
    );
    if (v.error === null && g && predicted) {
      const name = A.nameOf(g);
      let total = 0n;
      for (const ev of this.events(rc).filter((e) => e.name === "GapRoundSettled")) {
        const r = ev.args.round as bigint;
        const p = predicted.get(r);
        this.record({
          key: `alloc:direct:${name}:${r}`,
          to: g.recipient,
          expected: p?.direct ?? -1n,
          actual: ev.args.direct as bigint,
        });
        this.record({
          key: `alloc:match:${name}:${r}`,
          to: g.recipient,
          expected: p?.matched ?? -1n,
          actual: ev.args.matched as bigint,
          round: r,
        });
      }
      for (const p of predicted.values()) total += p.direct + p.matched;
      this.model.move(this.w.allocatorAddress, g.recipient, total);
    }
    return true;
  }

  private async actRefund(a: Extract<Action, { kind: "refund" }>, _ts: bigint): Promise<boolean> {
    const { allocator: al } = this.w;
    const A = this.model.allocator;
    // Four picks in five go to a refundable (closed gap, contributor, round) when there is one.
    const due = A.gaps.flatMap((x) =>
      x.closedRound === 0
        ? []
        : [...x.rounds.entries()].flatMap(([r, gr]) =>
            [...gr.totals.keys()]
              .filter((u) => r >= x.closedRound && A.contributionOf(x, u, BigInt(r)) > 0n)
              .map((u) => ({ g: x, u, r: BigInt(r) })),
          ),
    );
    const target = due.length > 0 && a.round % 5 !== 0 ? due[a.round % due.length] : undefined;
    const g = target?.g ?? this.gap(a.gap);
    const who = this.w.users.find((u) => lc(u.address) === target?.u) ?? this.user(a.user);
    const base = g && g.closedRound !== 0 ? BigInt(g.closedRound) : A.currentRound;
    const round = target?.r ?? base + BigInt(a.round % 3) - 1n;
    const v = A.predictRefund(g, who.address, round);
    const amount = g ? A.contributionOf(g, who.address, round) : 0n;
    const rc = await this.send(
      "refundContribution",
      v.error,
      who,
      al.refundContribution.populateTransaction(g?.gapId ?? gapIdOf(this.gapName(a.gap)), round),
    );
    if (v.error === null && g) {
      const ev = this.events(rc).find((e) => e.name === "ContributionRefunded");
      this.record({
        key: `alloc:refund:${A.nameOf(g)}:${who.address}:${round}`,
        to: who.address,
        expected: amount,
        actual: (ev?.args.amount as bigint | undefined) ?? 0n,
      });
      this.model.move(this.w.allocatorAddress, who.address, amount);
    }
    return true;
  }

  private async actSweep(a: Extract<Action, { kind: "sweep" }>, _ts: bigint): Promise<boolean> {
    const { allocator: al } = this.w;
    const A = this.model.allocator;
    // Mostly a finalised round not swept yet, sometimes any round up to the next one.
    const unswept = A.finalized.filter(([, rm]) => !rm.swept).map(([r]) => r);
    const round =
      unswept.length > 0 && a.round % 5 !== 0
        ? unswept[a.round % unswept.length]
        : BigInt(1 + (a.round % (Number(A.currentRound) + 1)));
    const v = A.predictSweep(round);
    const amount = v.error === null ? A.previewSweep(round) : 0n;
    const rc = await this.send(
      "sweepRound",
      v.error,
      this.user(a.user),
      al.sweepRound.populateTransaction(round),
    );
    if (v.error === null) {
      const ev = this.events(rc).find((e) => e.name === "MatchingReturned");
      this.expectEqual("MatchingReturned.amount", ev?.args.amount, amount);
    }
    return true;
  }

  private async actPause(a: Extract<Action, { kind: "pause" }>, _ts: bigint): Promise<boolean> {
    const { allocator: al, admin } = this.w;
    const A = this.model.allocator;
    // Paused: mostly unpause (else pause again, which must revert). Not paused: pause one pick in
    // six, else an unpause that must revert — so pauses are short.
    const on = A.paused ? a.pick % 5 === 0 : a.pick % 6 === 0;
    const expected = on ? (A.paused ? "ContractPaused" : null) : A.paused ? null : "ContractNotPaused";
    await this.send(
      on ? "pause" : "unpause",
      expected,
      admin,
      on ? al.pause.populateTransaction() : al.unpause.populateTransaction(),
    );
    if (expected === null) A.paused = on;
    return true;
  }

  private async actTime(a: Extract<Action, { kind: "time" }>, _ts: bigint): Promise<boolean> {
    const A = this.model.allocator;
    const P = this.model.pledges;
    const c = P.get(this.campaignId(a.pick));
    let target: bigint | undefined;
    if (a.to === "roundEnd") target = A.currentEnd;
    else if (a.to === "beforeRoundEnd") target = A.currentEnd - 1n;
    else if (a.to === "jump") target = this.clock + BigInt(a.seconds);
    else if (c && a.to === "deadline") target = c.deadline;
    else if (c && a.to === "beforeDeadline") target = c.deadline - 1n;
    else if (c && a.to === "grace") target = c.deadline + GRACE;
    if (target === undefined || target < this.clock) return false;
    this.clock = target;
    return true;
  }

  private async actPledge(a: Extract<Action, { kind: "pledge" }>, ts: bigint): Promise<boolean> {
    const { pledges: pl } = this.w;
    const P = this.model.pledges;
    const id = this.campaignId(a.campaign, (c) => c.state === "open" && c.deadline > ts);
    const c = P.get(id);
    const who = this.user(a.user);
    const limit = this.raw(a.limit);
    const v = P.predictPledge(c, who.address, limit, ts);
    // One pledge per address: pledging again from `who` raises its active pledge.
    const preview = c && P.previewPledge(c, who.address, limit);
    const rc = await this.send("pledge", v.error, who, pl.pledge.populateTransaction(id, limit));
    if (v.error === null && preview) {
      const { pledgeId, speed, raised, newLimit } = preview;
      if (raised) {
        const ev = this.events(rc).find((e) => e.name === "PledgeRaised");
        this.expectEqual("PledgeRaised.pledgeId", ev?.args.pledgeId, pledgeId);
        this.expectEqual("PledgeRaised.added", ev?.args.added, limit);
        this.expectEqual("PledgeRaised.newLimit", ev?.args.newLimit, newLimit);
      } else {
        const ev = this.events(rc).find((e) => e.name === "Pledged");
        this.expectEqual("Pledged.pledgeId", ev?.args.pledgeId, pledgeId);
        this.expectEqual("Pledged.speed", ev?.args.speed, speed);
      }
      this.model.move(who.address, this.w.pledgesAddress, limit);
    }
    return true;
  }

  private async actWithdrawPledge(
    a: Extract<Action, { kind: "withdrawPledge" }>,
    ts: bigint,
  ): Promise<boolean> {
    const { pledges: pl } = this.w;
    const P = this.model.pledges;
    const id = this.campaignId(a.campaign);
    const c = P.get(id);
    const n = c?.pledges.length ?? 0;
    const pledgeId = BigInt(choose(a.pledge, n));
    const owner = c && pledgeId < BigInt(n) ? c.pledges[Number(pledgeId)].pledger : undefined;
    const signer = (a.asPledger && this.w.users.find((u) => u.address === owner)) || this.user(a.user);
    const v = P.predictWithdraw(c, pledgeId, signer.address, ts);
    const rc = await this.send(
      "withdrawPledge",
      v.error,
      signer,
      pl.withdrawPledge.populateTransaction(id, pledgeId),
    );
    if (v.error === null && c) {
      const p = c.pledges[Number(pledgeId)];
      const ev = this.events(rc).find((e) => e.name === "PledgeWithdrawn");
      this.record({
        key: `pledges:withdraw:${id}:${pledgeId}`,
        to: p.pledger,
        expected: p.limit,
        actual: (ev?.args.limit as bigint | undefined) ?? 0n,
        limit: p.limit,
      });
      this.model.move(this.w.pledgesAddress, p.pledger, p.limit);
    }
    return true;
  }

  private async actCancel(a: Extract<Action, { kind: "cancel" }>, ts: bigint): Promise<boolean> {
    const { pledges: pl } = this.w;
    const P = this.model.pledges;
    const id = this.campaignId(a.campaign);
    const c = P.get(id);
    const signer = (a.asCreator && this.w.users.find((u) => u.address === c?.creator)) || this.user(a.user);
    const v = P.predictCancel(c, signer.address, ts);
    await this.send("cancelCampaign", v.error, signer, pl.cancelCampaign.populateTransaction(id));
    return true;
  }

  private async actClaim(a: Extract<Action, { kind: "claim" }>, _ts: bigint): Promise<boolean> {
    const { pledges: pl } = this.w;
    const P = this.model.pledges;
    const claimable = (c: CampaignModel): boolean =>
      c.state !== "open" && c.pledges.some((p) => p.state === "active");
    const id = this.campaignId(a.campaign, claimable);
    const c = P.get(id);
    const n = c?.pledges.length ?? 0;
    const active = c ? c.pledges.flatMap((p, k) => (p.state === "active" ? [k] : [])) : [];
    const pledgeId = BigInt(
      active.length > 0 && a.pledge % 5 !== 0 ? active[a.pledge % active.length] : choose(a.pledge, n),
    );
    const v = P.predictClaim(c, pledgeId);
    const rc = await this.send(
      "claim",
      v.error,
      this.user(a.user),
      pl.claim.populateTransaction(id, pledgeId),
    );
    if (v.error === null && c) {
      const p = c.pledges[Number(pledgeId)];
      const payment = P.paymentOf(c, p);
      const refund = p.limit - payment;
      const ev = this.events(rc).find((e) => e.name === "RefundClaimed");
      this.record({
        key: `pledges:refund:${id}:${pledgeId}`,
        to: p.pledger,
        expected: refund,
        actual: (ev?.args.refund as bigint | undefined) ?? -1n,
        limit: p.limit,
      });
      this.record({
        key: `pledges:payment:${id}:${pledgeId}`,
        to: c.recipient,
        expected: payment,
        actual: (ev?.args.payment as bigint | undefined) ?? -1n,
        limit: p.limit,
      });
      this.model.move(this.w.pledgesAddress, p.pledger, refund);
    }
    return true;
  }

  private async actClaimPot(a: Extract<Action, { kind: "claimPot" }>, _ts: bigint): Promise<boolean> {
    const { pledges: pl } = this.w;
    const P = this.model.pledges;
    const id = this.campaignId(a.campaign, (c) => c.state === "settled" && !c.potClaimed);
    const c = P.get(id);
    const v = P.predictClaimPot(c);
    const rc = await this.send("claimPot", v.error, this.user(a.user), pl.claimPot.populateTransaction(id));
    if (v.error === null && c) this.commitPot(c, rc);
    return true;
  }

  private async create(a: Extract<Action, { kind: "create" }>, ts: bigint): Promise<boolean> {
    const P = this.model.pledges;
    const creator = this.user(a.user);
    const recipient = this.w.recipients[a.recipient % this.w.recipients.length].address;
    const deadline = ts + BigInt(a.duration);
    const gapName = a.gap === null ? null : this.gapName(a.gap);
    const minLimit = this.raw(a.minLimit);
    // A campaign is tied to a registered, open gap at creation.
    const gapModel = gapName === null ? undefined : this.model.allocator.gap(gapName);
    const expected =
      deadline <= ts
        ? "DeadlineNotInFuture"
        : a.speed === 0n || a.speed > pm.MAX_SPEED
          ? "InvalidSpeed"
          : a.policy !== pm.Policy.Constant && (a.decay === 0n || a.decay > POLICY_PARAM_MAX[a.policy])
            ? a.policy === pm.Policy.Geometric
              ? "InvalidDecay"
              : "InvalidPolicyParameter"
            : gapName !== null && (gapModel === undefined || gapModel.closedRound !== 0)
              ? "GapNotActive"
              : null;
    const params = {
      token: this.w.tokenAddress,
      recipient,
      deadline,
      mode: a.linear ? pm.Mode.Linear : pm.Mode.Quadratic,
      policy: a.policy,
      initialSpeed: a.speed,
      decay: a.decay,
      minLimit,
      allocator: gapName === null ? ethers.ZeroAddress : this.w.allocatorAddress,
      gapId: gapName === null ? ethers.ZeroHash : gapIdOf(gapName),
    };
    const id = BigInt(P.campaigns.length + 1);
    const rc = await this.send(
      "createCampaign",
      expected,
      creator,
      this.w.pledges.createCampaign.populateTransaction(params),
    );
    if (expected === null) {
      // The replay applied the receipt: the new campaign is the last.
      const ev = this.events(rc).find((e) => e.name === "CampaignCreated");
      this.expectEqual("CampaignCreated.campaignId", ev?.args.campaignId, id);
      this.expectEqual("replayed campaigns", BigInt(P.campaigns.length), id);
    }
    return true;
  }

  /** Settles with the SDK mirror's tightest bracket in pages, or submits a bogus bracket. */
  private async settle(a: Extract<Action, { kind: "settle" }>, now: bigint): Promise<boolean> {
    const P = this.model.pledges;
    const id = this.campaignId(a.campaign, (x) => x.state === "open");
    const c = P.get(id);
    // `wait`: first move the clock exactly to the campaign's deadline.
    if (a.wait && c && c.deadline > this.clock) this.clock = c.deadline;
    const ts = a.wait ? this.clock : now;
    let tight: pm.Bracket = { hLow: 0n, hHigh: 0n };
    if (c) tight = pm.findBracket(P.math(c)); // every campaign has one (possibly [0, 1])
    let { hLow, hHigh } = tight;
    if (a.bracket === "high") [hLow, hHigh] = [hLow + 1n, hHigh + 1n];
    else if (a.bracket === "low" && hLow > 0n) [hLow, hHigh] = [hLow - 1n, hHigh - 1n];
    else if (a.bracket === "wide") hHigh = hLow + pm.maxBracketWidth(hLow) + 1n;
    else if (a.bracket === "zero") [hLow, hHigh] = [0n, 0n];
    const verdict = P.predictSettle(c, hLow, hHigh, ts);
    // A rejected bracket is sent as one page (the revert then undoes the whole session); [0, 0]
    // settles without a pass.
    const pageSize = verdict.error !== null || hHigh === 0n ? 0n : BigInt(a.page % 4);
    const signer = this.user(a.user);
    const count = BigInt(c?.pledges.length ?? 0);
    let cursor = 0n;
    for (;;) {
      const last = pageSize === 0n || cursor + pageSize >= count;
      const expected = last ? verdict.error : null;
      const rc = await this.send(
        `settle page at ${cursor}`,
        expected,
        signer,
        this.w.pledges.settle.populateTransaction(id, hLow, hHigh, pageSize),
      );
      if (expected !== null) return true;
      const events = this.events(rc);
      const settled = events.find((e) => e.name === "CampaignSettled");
      if (last) {
        if (!c || verdict.error !== null) throw new Error("unreachable: a settled verdict has a campaign");
        this.expectEqual("CampaignSettled.h", settled?.args.h, verdict.h);
        this.expectEqual("CampaignSettled.pot", settled?.args.pot, verdict.pot);
        return true;
      }
      if (settled) throw new ActionMismatch("settle: settled before its last page");
      cursor += pageSize;
      const progress = events.find((e) => e.name === "SettlementProgressed");
      this.expectEqual("SettlementProgressed.cursor", progress?.args.cursor, cursor);
    }
  }

  /** Books a claimed pot: into the allocator gap when it accepts it, else to the recipient. */
  private commitPot(c: CampaignModel, rc: RawReceipt | null): void {
    const A = this.model.allocator;
    // A zero pot into a gap emits no event: the action itself says the pot was claimed.
    c.potClaimed = true;
    const amount = c.pot;
    // Whether the gap accepts the pot (paused and closed are as before the claim, which changes neither).
    const gap = A.gaps.find((g) => g.gapId === lc(c.gapId));
    const intoGap = amount > 0n && gap !== undefined && A.predictContribute(gap, amount).error === null;
    const paid = this.events(rc)
      .filter((e) => e.name === "PotClaimed")
      .reduce((s, e) => s + (e.args.amount as bigint), 0n);
    const to = intoGap ? this.w.allocatorAddress : c.recipient;
    this.record({ key: `pledges:pot:${c.campaignId}`, to, expected: amount, actual: paid });
    if (intoGap) {
      // The replay booked the pot's `ContributionMade` into the gap.
      this.model.move(this.w.pledgesAddress, this.w.allocatorAddress, amount);
      const toGap = this.events(rc).find((e) => e.name === "PotClaimed")?.args.toGap as boolean | undefined;
      this.expectEqual("PotClaimed.toGap", toGap, true);
    } else {
      this.model.move(this.w.pledgesAddress, c.recipient, amount);
    }
  }

  // ─────────────────────────────────────────────── reading the chain

  /**
   * Reads every time-independent view the invariants compare, for what the model knows about. The
   * reads are issued together and go to the chain in a few batched calls (test/fuzz/reads.ts): one
   * for everything that needs no earlier answer, then the rounds up to `currentRound` + 1 and each
   * campaign's root, then what is read at that root.
   */
  async readView(): Promise<ChainView> {
    const { allocator: al, pledges: pl, token } = this.views;
    const A = this.model.allocator;
    const P = this.model.pledges;
    const holders = [...this.model.balances.keys()];
    const gaps = A.gaps;
    const pairs = gaps.flatMap((g) =>
      [...g.rounds.keys()]
        .map(BigInt)
        .sort(ORDER)
        .map((r) => ({ g, r, name: A.nameOf(g) })),
    );
    const triples = pairs.flatMap(({ g, r }) =>
      [...(g.rounds.get(Number(r))?.totals.keys() ?? [])].map((who) => ({ g, r, who, name: A.nameOf(g) })),
    );
    // Every read is in flight at once; only the rounds wait for `currentRound` (rounds 1 … current + 1).
    const currentRoundRead = al.currentRound();
    const roundsRead = currentRoundRead.then((current) => {
      const numbers: bigint[] = [];
      for (let r = 1n; r <= current + 1n; r++) numbers.push(r);
      return Promise.all(numbers.map(async (r) => [r, await al.getRound(r)] as const));
    });
    const all = <T>(xs: Promise<T>[]): Promise<T[]> => Promise.all(xs);
    const [
      balances,
      pool,
      currentRound,
      paused,
      settings,
      rounds,
      gapStats,
      gapRounds,
      contributions,
      campaigns,
    ] = await Promise.all([
      all(holders.map((h) => token.balanceOf(h))),
      al.matchingPoolBalance(),
      currentRoundRead,
      al.paused(),
      al.matchingSettings(),
      roundsRead,
      all(gaps.map((g) => Promise.all([al.getGapFundingStats(g.gapId), al.withdrawable(g.gapId)]))),
      all(pairs.map(({ g, r }) => Promise.all([al.gapRoundState(g.gapId, r), al.matchOf(g.gapId, r)]))),
      all(triples.map(({ g, r, who }) => al.contributionOf(g.gapId, who, r))),
      all(P.campaigns.map((c) => this.readCampaign(pl, c))),
    ]);
    const view: ChainView = {
      balances: new Map(holders.map((h, i) => [h, balances[i]])),
      allocator: {
        pool,
        currentRound,
        paused,
        wholePool: settings.distributeWholePool,
        capBps: settings.capBps,
        rounds: new Map(
          rounds.map(([r, rv]) => [
            r,
            {
              status: rv.status,
              matchingPoolTokens: rv.matchingPoolTokens,
              totalWeight: rv.totalWeight,
              gapsFunded: rv.gapsFunded,
              distributed: rv.distributed,
              claimed: rv.claimed,
              gapsSettled: rv.gapsSettled,
              swept: rv.swept,
              capBps: rv.capBps,
              distributeWholePool: rv.distributeWholePool,
            },
          ]),
        ),
        gapRounds: new Map(
          gapRounds.map(([st, match], i) => [
            `${pairs[i].name}:${pairs[i].r}`,
            { sumSqrt: st.sumSqrt, direct: st.direct, weight: st.weight, match },
          ]),
        ),
        gaps: new Map(
          gapStats.map(([s, withdrawable], i) => [
            A.nameOf(gaps[i]),
            {
              recipient: s.recipient,
              status: s.status,
              directTotal: s.directTotal,
              matchedTotal: s.matchedTotal,
              matchedPaid: s.matchedPaid,
              refundedTotal: s.refundedTotal,
              statsWithdrawable: s.withdrawable,
              contributorCount: s.contributorCount,
              closedRound: s.closedRound,
              withdrawable,
            },
          ]),
        ),
        contributions: new Map(
          contributions.map((v, i) => [`${triples[i].name}:${triples[i].who}:${triples[i].r}`, v]),
        ),
      },
      pledges: { campaigns: new Map(campaigns.map((cv, i) => [BigInt(P.campaigns[i].campaignId), cv])) },
    };
    return view;
  }

  private async readCampaign(pl: Views<CoordinatedPledges>, c: CampaignModel) {
    const id = BigInt(c.campaignId);
    const cv = await pl.getCampaign(id);
    const count = cv.pledgeCount;
    const probeH = cv.state === 3n ? cv.h : await pl.solve(id);
    const [[g, potAtProbe], cols, payments] = await Promise.all([
      pl.evaluate(id, probeH),
      pl.getPledges(id, 0, count),
      Promise.all(Array.from({ length: Number(count) }, (_, k) => pl.paymentAt(id, k, probeH))),
    ]);
    // pledgeOf(pledger) of each pledge's pledger: is this pledge the one its pledger's next pledge raises?
    const owns = await Promise.all(
      cols.pledgers.map(async (who, k) => {
        const [exists, pledgeId] = await pl.pledgeOf(id, who);
        return exists && pledgeId === BigInt(k);
      }),
    );
    return {
      state: cv.state,
      escrow: cv.escrow,
      pledgeCount: count,
      nextSpeed: cv.nextSpeed,
      sumLimitSpeed: cv.sumLimitSpeed,
      h: cv.h,
      pot: cv.pot,
      potClaimed: cv.potClaimed,
      probeH,
      g,
      potAtProbe,
      pledges: cols.limits.map((limit, k) => ({
        pledger: cols.pledgers[k],
        limit,
        speed: cols.speeds[k],
        state: cols.states[k],
        paymentAtProbe: payments[k],
        pledgersPledge: owns[k],
      })),
    };
  }
}

/** A canonical string of a view (bigints as decimal strings) for equality checks. */
export function serializeView(v: ChainView): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    typeof x === "bigint" ? x.toString() : x instanceof Map ? [...(x as Map<unknown, unknown>).entries()] : x,
  );
}
