/**
 * The event indexer (sdk/indexer.ts), the auditor (sdk/audit.ts) and the `audit` task.
 *
 * - A long random history (seeded PRNG) over both contracts reconciles with zero discrepancies,
 *   indexed with a small block range so paging is exercised.
 * - Hand cases: the auditor's recomputed matches (both α modes and a cap) equal closed forms, and a
 *   campaign's payments equal a decimal.js solution of h = Σ√pᵢ(h) at 50 digits.
 * - Planted discrepancies fail loudly with specific kinds: tokens sent straight to each contract,
 *   an allocator that records a contribution it never received or leaks tokens, a pledges contract
 *   that records a claim it never paid or leaks tokens.
 * - The task itself through hre.tasks: exit code, one JSON object, CSV files.
 */
// `rejectedWith`: chai-as-promised, which the Hardhat 3 chai matchers register at runtime.
import { expect } from "chai";
import Decimal from "decimal.js";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import hre from "hardhat";
import { ethers, loadFixture, time } from "../helpers/chain";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { Log, Provider } from "ethers";
import type {
  CoordinatedPledges,
  MisrecordingAllocator,
  MisrecordingPledges,
  QuadraticFundingAllocator,
  TestToken,
} from "../../typechain-types";
import { auditCofund, type AuditReport, type DiscrepancyKind } from "../../sdk/audit";
import { fetchLogsPaged, indexCofund, isRangeTooLargeError } from "../../sdk/indexer";
import { gapIdFromName } from "../../sdk/ids";
import { PledgesClient } from "../../sdk/pledges";
import {
  clearRegisteredDeployments,
  deploymentBlockFromJournal,
  findDeploymentBlock,
  registerDeployment,
} from "../../sdk/deployments";

const D = Decimal.clone({ precision: 50 });
const WAD = 10n ** 18n;
const TOKEN = 10n ** 6n; // the allocator's test token has 6 decimals (scale 1e12 in the math)
const HOUR = 3600;

/** mulberry32: a small seeded PRNG, so the random history is the same on every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function tryTx(send: () => Promise<{ wait: () => Promise<unknown> }>): Promise<boolean> {
  try {
    await (await send()).wait();
    return true;
  } catch {
    return false;
  }
}

interface World {
  admin: HardhatEthersSigner;
  users: HardhatEthersSigner[];
  recipients: HardhatEthersSigner[];
  token: TestToken;
  alloc: QuadraticFundingAllocator;
  cp: CoordinatedPledges;
  allocAddr: string;
  cpAddr: string;
  tokenAddr: string;
}

async function deployWorld(kind: "real" | "misrecording" = "real"): Promise<World> {
  const signers = await ethers.getSigners();
  const admin = signers[0] as HardhatEthersSigner;
  const users = signers.slice(1, 13);
  const recipients = signers.slice(13, 17);
  const token = (await ethers.deployContract("TestToken", ["Six", "SIX", 6])) as unknown as TestToken;
  const tokenAddr = await token.getAddress();
  const alloc = (kind === "real"
    ? await ethers.deployContract("QuadraticFundingAllocator", [tokenAddr, HOUR, admin.address])
    : await ethers.deployContract("MisrecordingAllocator", [
        tokenAddr,
        HOUR,
        admin.address,
      ])) as unknown as QuadraticFundingAllocator;
  const cp = (kind === "real"
    ? await ethers.deployContract("CoordinatedPledges")
    : await ethers.deployContract("MisrecordingPledges")) as unknown as CoordinatedPledges;
  const allocAddr = await alloc.getAddress();
  const cpAddr = await cp.getAddress();
  for (const u of [admin, ...users]) {
    await token.mint(u.address, 10_000_000n * TOKEN);
    await token.connect(u).approve(allocAddr, ethers.MaxUint256);
    await token.connect(u).approve(cpAddr, ethers.MaxUint256);
  }
  return { admin, users, recipients, token, alloc, cp, allocAddr, cpAddr, tokenAddr };
}

/** The real contracts as a fixture (a Hardhat 3 fixture receives the connection, not a kind). */
const realWorld = (): Promise<World> => deployWorld("real");

async function audit(w: World, blockRange = 2000): Promise<AuditReport> {
  const history = await indexCofund({
    provider: ethers.provider,
    allocator: w.allocAddr,
    pledges: w.cpAddr,
    blockRange,
  });
  return auditCofund({ provider: ethers.provider, history });
}

function kinds(report: AuditReport): Set<DiscrepancyKind> {
  return new Set(report.discrepancies.map((d) => d.kind));
}

function explain(report: AuditReport): string {
  return report.discrepancies.map((d) => `[${d.kind}] ${d.subject}: ${d.sentence}`).join("\n");
}

// ─────────────────────────────────────────────── the random history

interface HistoryStats {
  contributions: number;
  rounds: number;
  withdrawals: number;
  refunds: number;
  sweeps: number;
  pledges: number;
  settlements: number;
  claims: number;
  pots: number;
}

/** Plays a long random history on `w` and returns what happened. */
async function playRandomHistory(w: World, seed: number, roundsToPlay: number): Promise<HistoryStats> {
  const rnd = prng(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)] as T;
  const stats: HistoryStats = {
    contributions: 0,
    rounds: 0,
    withdrawals: 0,
    refunds: 0,
    sweeps: 0,
    pledges: 0,
    settlements: 0,
    claims: 0,
    pots: 0,
  };
  const { alloc, cp, users, recipients, admin } = w;
  const gapNames = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta"];
  const gaps = gapNames.map(gapIdFromName);
  for (let i = 0; i < gaps.length; i++) {
    await alloc.registerGap(
      gaps[i] as string,
      (recipients[i % recipients.length] as HardhatEthersSigner).address,
      gapNames[i] as string,
    );
  }
  const open = new Set(gaps);
  /** contributor → gap → rounds contributed (for refunds of closed gaps). */
  const contributed = new Map<string, Set<string>>();

  const client = await PledgesClient.connect(w.cpAddr, admin);
  const now = await time.latest();
  const deadline = now + Math.floor(3.5 * HOUR);
  const create = async (
    mode: 0 | 1,
    policy: 0 | 1,
    initialSpeed: bigint,
    decay: bigint,
    gap?: string,
  ): Promise<void> => {
    await cp.createCampaign({
      token: w.tokenAddr,
      recipient: (recipients[0] as HardhatEthersSigner).address,
      deadline,
      mode,
      policy,
      initialSpeed,
      decay,
      minLimit: TOKEN / 100n,
      allocator: gap === undefined ? ethers.ZeroAddress : w.allocAddr,
      gapId: gap ?? ethers.ZeroHash,
    });
  };
  await create(0, 0, WAD / 10n, 0n); // 1: quadratic, constant speed 0.1/√token
  await create(0, 1, WAD / 5n, (WAD * 9n) / 10n, gaps[0]); // 2: quadratic, geometric, pot into gap alpha
  await create(1, 0, WAD / 50n, 0n); // 3: linear, positive root once Σ L > 78.5 tokens
  await create(1, 0, WAD / 100_000n, 0n); // 4: linear, collapses to h = 0
  await create(0, 0, WAD / 20n, 0n); // 5: cancelled in round 2
  const campaigns = [1, 2, 3, 4, 5];
  const livePledges: { c: number; id: number; who: HardhatEthersSigner }[] = [];
  const pledgeCounts = new Map<number, number>();
  let cancelled = false;

  const contribute = async (): Promise<void> => {
    if (open.size === 0) return;
    const who = pick(users);
    const gap = pick([...open]);
    const amount = BigInt(int(1, 400)) * 10n ** BigInt(int(3, 6)) + BigInt(int(0, 999));
    const round = await alloc.contributionRound();
    await alloc.connect(who).contributeToGap(gap, amount);
    const key = `${who.address}:${gap}`;
    const set = contributed.get(key) ?? new Set<string>();
    set.add(round.toString());
    contributed.set(key, set);
    stats.contributions++;
  };

  for (let round = 1; round <= roundsToPlay; round++) {
    if (round === 2) await alloc.setMatchingSettings(true, 0);
    if (round === 3) await alloc.setMatchingSettings(false, 3_000);
    if (round === 4) await alloc.setMatchingSettings(true, 2_000);
    if (round === 5) await alloc.setMatchingSettings(false, 0);
    const actions = int(18, 26);
    for (let k = 0; k < actions; k++) {
      const p = rnd();
      const beforeDeadline = (await time.latest()) < deadline - 60;
      if (p < 0.5) await contribute();
      else if (p < 0.6) await alloc.connect(pick(users)).fundMatchingPool(BigInt(int(5, 300)) * TOKEN);
      else if (p < 0.78 && beforeDeadline) {
        const c = pick(campaigns.filter((x) => !(cancelled && x === 5)));
        const who = pick(users);
        const limit = BigInt(int(1, 300)) * TOKEN + BigInt(int(0, 999_999));
        await cp.connect(who).pledge(c, limit);
        const id = pledgeCounts.get(c) ?? 0;
        pledgeCounts.set(c, id + 1);
        livePledges.push({ c, id, who });
        stats.pledges++;
      } else if (p < 0.84 && beforeDeadline && livePledges.length > 0) {
        const i = int(0, livePledges.length - 1);
        const lp = livePledges[i] as { c: number; id: number; who: HardhatEthersSigner };
        if (await tryTx(() => cp.connect(lp.who).withdrawPledge(lp.c, lp.id))) livePledges.splice(i, 1);
      } else {
        if (await tryTx(() => alloc.withdrawGapFunds(pick(gaps)))) stats.withdrawals++;
      }
    }
    if (round === 2 && !cancelled) {
      await cp.cancelCampaign(5);
      cancelled = true;
    }
    if (round === 3) {
      await alloc.closeGap(gaps[6] as string); // closes mid-round: this round's contributions become refundable
      open.delete(gaps[6] as string);
    }
    // The round's window ends; a few contributions land in the next round before the keeper comes.
    await time.increase(HOUR + 1);
    for (let k = 0; k < 3; k++) await contribute();
    if (round === 4) {
      await alloc.closeGap(gaps[5] as string); // closes while the next round already has contributions
      open.delete(gaps[5] as string);
    }
    const pool = await alloc.matchingPoolBalance();
    const poolSize = rnd() < 0.3 ? pool : (pool * BigInt(int(20, 90))) / 100n;
    await alloc.computeMatchingRound(poolSize);
    stats.rounds++;
    for (const g of gaps)
      if (rnd() < 0.6 && (await tryTx(() => alloc.withdrawGapFunds(g)))) stats.withdrawals++;
    for (let r = 1; r <= round; r++) if (await tryTx(() => alloc.sweepRound(r))) stats.sweeps++;

    if ((await time.latest()) >= deadline && stats.settlements === 0) {
      for (const c of campaigns) {
        if (c === 5) continue;
        await client.settle(BigInt(c), { maxPledges: 3n });
        stats.settlements++;
      }
      for (const lp of livePledges) {
        if (rnd() < 0.75 && (await tryTx(() => cp.claim(lp.c, lp.id)))) stats.claims++;
      }
      for (const c of campaigns) if (await tryTx(() => cp.claimPot(c))) stats.pots++;
    }
  }
  // Refunds of the closed gaps' refundable rounds.
  for (const [key, rounds] of contributed) {
    const [addr, gap] = key.split(":") as [string, string];
    if (open.has(gap)) continue;
    const who = users.find((u) => u.address === addr) as HardhatEthersSigner;
    for (const r of rounds)
      if (rnd() < 0.8 && (await tryTx(() => alloc.connect(who).refundContribution(gap, r)))) stats.refunds++;
  }
  return stats;
}

// ─────────────────────────────────────────────── tests

describe("audit: event indexer and auditor", function () {
  this.timeout(120_000);

  after(() => clearRegisteredDeployments());

  for (const [seed, roundsToPlay] of [
    [20261129, 6],
    [77, 7],
  ] as const) {
    it(`reconciles a long random history to the wei (seed ${seed}, ${roundsToPlay} rounds), paging eth_getLogs in small ranges`, async () => {
      const w = await deployWorld("real");
      const stats = await playRandomHistory(w, seed, roundsToPlay);
      await checkRandomHistory(w, stats, roundsToPlay);
    });
  }

  async function checkRandomHistory(w: World, stats: HistoryStats, roundsPlayed: number): Promise<void> {
    // The history really exercised every path.
    expect(stats.contributions).to.be.greaterThan(40);
    expect(stats.rounds).to.equal(roundsPlayed);
    expect(stats.withdrawals).to.be.greaterThan(5);
    expect(stats.sweeps).to.be.greaterThan(0);
    expect(stats.refunds).to.be.greaterThan(0);
    expect(stats.pledges).to.be.greaterThan(10);
    expect(stats.settlements).to.equal(4);
    expect(stats.claims).to.be.greaterThan(3);
    expect(stats.pots).to.be.greaterThan(0);

    const progress: [number, number][] = [];
    const history = await indexCofund({
      provider: ethers.provider,
      allocator: w.allocAddr,
      pledges: w.cpAddr,
      blockRange: 16,
      onProgress: (done, total) => progress.push([done, total]),
    });
    const blocks = history.toBlock - history.fromBlock + 1;
    expect(history.requests).to.equal(Math.ceil(blocks / 16));
    expect(progress.at(-1)).to.deep.equal([blocks, blocks]);
    // The deployment block was found by binary search on getCode: the allocator's creation block.
    const allocDeploy = await w.alloc.deploymentTransaction()?.wait();
    expect(history.fromBlock).to.equal(allocDeploy?.blockNumber);

    // The two history tables (gap_funding_contributions, gap_funding_rounds).
    expect(history.contributions.filter((c) => c.tier === "direct").length).to.equal(
      stats.contributions + history.campaigns.filter((c) => c.potPayments.some((p) => p.toGap)).length,
    );
    expect(history.contributions.map((c) => c.id)).to.deep.equal(history.contributions.map((_, i) => i + 1));
    // Every refund is a `refund` row of its contributor, gap and round (the allocator design's third tier).
    const refundRows = history.contributions.filter((c) => c.tier === "refund");
    expect(refundRows.length).to.equal(stats.refunds);
    for (const r of refundRows) {
      const gap = history.gaps.find((g) => g.gapId === r.gapId)!;
      const refund = gap.refunds.find((x) => x.txHash === r.txHash)!;
      expect([r.contributor.toLowerCase(), r.round, r.amount, r.matchingAmount]).to.deep.equal([
        refund.contributor.toLowerCase(),
        refund.round,
        refund.amount,
        0n,
      ]);
    }
    for (const m of history.contributions.filter((c) => c.tier === "match")) {
      expect(m.totalAllocation).to.equal(m.recordedDirect + m.matchingAmount);
      expect(m.contributor).to.equal(w.allocAddr);
    }
    expect(history.rounds.filter((r) => r.status !== "open").length).to.equal(roundsPlayed);
    expect(history.settlements.length).to.equal(4);
    expect(history.campaigns.map((c) => c.state)).to.deep.equal([
      "settled",
      "settled",
      "settled",
      "settled",
      "cancelled",
    ]);

    // The indexer's gap figures have the views' meanings: matches of finalised rounds paid or not,
    // paid ones apart, direct net of refunds.
    for (const g of history.gaps) {
      const s = await w.alloc.getGapFundingStats(g.gapId);
      expect(
        [g.directTotal, g.matchedTotal, g.matchedPaid, g.refundedTotal],
        `indexed gap ${g.gapId}`,
      ).to.deep.equal([s.directTotal, s.matchedTotal, s.matchedPaid, s.refundedTotal]);
    }

    const report = await auditCofund({ provider: ethers.provider, history });
    expect(report.discrepancies, explain(report)).to.deep.equal([]);
    expect(report.ok).to.equal(true);

    // Independent totals: what the allocator holds is what came in minus what went out, from the
    // token's own Transfer logs (not the allocator's events).
    const transfers = await w.token.queryFilter(
      w.token.filters.Transfer(),
      history.fromBlock,
      history.toBlock,
    );
    let net = 0n;
    for (const t of transfers) {
      if (t.args.to === w.allocAddr) net += t.args.value;
      if (t.args.from === w.allocAddr) net -= t.args.value;
    }
    const allocBalance = report.balances.find((b) => b.contract === "allocator");
    expect(allocBalance?.owed).to.equal(net);
    expect(report.totals.allocatorOwed).to.equal(net);
    // Every campaign's refunds plus pot equal its escrow; the linear collapse settled at h = 0.
    for (const c of report.campaigns.filter((x) => x.state === "settled")) {
      const active = c.pledgeLines.filter((p) => p.state !== "withdrawn");
      expect(active.reduce((s, p) => s + p.payment + p.refund, 0n)).to.equal(c.escrow);
      expect(active.reduce((s, p) => s + p.payment, 0n)).to.equal(c.pot);
    }
    // The indexer's pledge table carries each payment after settlement (recorded once claimed).
    let recorded = 0;
    for (const p of history.pledges) {
      const line = report.campaigns[p.campaignId - 1]?.pledgeLines[p.pledgeId];
      if (p.state === "withdrawn") {
        expect(p.refund).to.equal(p.limit);
        continue;
      }
      expect(p.payment).to.equal(line?.payment);
      expect(p.refund).to.equal(line?.refund);
      if (p.paymentRecorded) recorded++;
    }
    expect(recorded).to.equal(stats.claims);
    expect(report.campaigns[3]?.h).to.equal(0n);
    expect(report.campaigns[3]?.pot).to.equal(0n);
    expect(report.campaigns[0]?.h).to.be.greaterThan(0n);
    expect(report.campaigns[2]?.h).to.be.greaterThan(0n);
  }

  it("recomputes matches equal to closed forms (α ≤ 1, whole pool, cap) and payments equal a decimal.js root", async () => {
    const w = await loadFixture(realWorld);
    const { alloc, users } = w;
    const [a, b] = [gapIdFromName("hand-a"), gapIdFromName("hand-b")];
    await alloc.registerGap(a, (w.recipients[0] as HardhatEthersSigner).address, "hand-a");
    await alloc.registerGap(b, (w.recipients[1] as HardhatEthersSigner).address, "hand-b");
    const give = async (gap: string, tokens: bigint[]): Promise<void> => {
      for (let i = 0; i < tokens.length; i++)
        await alloc
          .connect(users[i] as HardhatEthersSigner)
          .contributeToGap(gap, (tokens[i] as bigint) * TOKEN);
    };
    await alloc.fundMatchingPool(1_000n * TOKEN);
    // Round 1, α = min(1, P/W): a = (1+2+3)² − 14 = 22, b = (4+4)² − 32 = 32, W = 54, P = 27 → α = ½.
    await give(a, [1n, 4n, 9n]);
    await give(b, [16n, 16n]);
    await time.increase(HOUR);
    await alloc.computeMatchingRound(27n * TOKEN);
    // Round 2, whole pool P = 10: a = (√2+√3)² − 5 = 2√6, b = (1+1+1)² − 3 = 6.
    await alloc.setMatchingSettings(true, 0);
    await give(a, [2n, 3n]);
    await give(b, [1n, 1n, 1n]);
    await time.increase(HOUR);
    await alloc.computeMatchingRound(10n * TOKEN);
    // Round 3, α = 1 (P = 100 ≥ W = 54) with a 25% cap of P = 25: a gets 22, b is capped at 25.
    await alloc.setMatchingSettings(false, 2_500);
    await give(a, [1n, 4n, 9n]);
    await give(b, [16n, 16n]);
    await time.increase(HOUR);
    await alloc.computeMatchingRound(100n * TOKEN);
    await alloc.withdrawGapFunds(a);
    await alloc.withdrawGapFunds(b);
    await alloc.sweepRound(3);

    // A campaign from the spec's reference vector: L = [100, 100], s = 0.1, on an 18-decimal token.
    const t18 = (await ethers.deployContract("TestToken", ["Eighteen", "E18", 18])) as unknown as TestToken;
    for (const u of users.slice(0, 2)) {
      await t18.mint(u.address, 1_000n * WAD);
      await t18.connect(u).approve(w.cpAddr, ethers.MaxUint256);
    }
    const deadline = (await time.latest()) + HOUR;
    await w.cp.createCampaign({
      token: await t18.getAddress(),
      recipient: (w.recipients[2] as HardhatEthersSigner).address,
      deadline,
      mode: 0,
      policy: 0,
      initialSpeed: WAD / 10n,
      decay: 0n,
      minLimit: 0n,
      allocator: ethers.ZeroAddress,
      gapId: ethers.ZeroHash,
    });
    for (const u of users.slice(0, 2)) await w.cp.connect(u).pledge(1, 100n * WAD);
    await time.increaseTo(deadline);
    await (await PledgesClient.connect(w.cpAddr, w.admin)).settle(1n);
    await w.cp.claim(1, 0);
    // Round 4's window is over but no keeper came: these contributions count in round 5.
    expect(await alloc.currentRound()).to.equal(4n);
    await give(a, [1n, 1n]);

    const report = await audit(w);
    expect(report.discrepancies, explain(report)).to.deep.equal([]);
    const gapA = report.gaps.find((g) => g.gapId === a);
    const gapB = report.gaps.find((g) => g.gapId === b);
    const match = (g: typeof gapA, r: number): bigint | undefined =>
      g?.rounds.find((x) => x.round === r)?.match;
    expect(match(gapA, 1)).to.equal(11n * TOKEN);
    expect(match(gapB, 1)).to.equal(16n * TOKEN);
    // Whole pool: matchᵍ = ⌊P·wᵍ/W⌋ with W = 6 + 2√6, at 50 digits.
    const root6 = new D(6).sqrt();
    const W2 = root6.mul(2).add(6);
    const expectA2 = BigInt(new D(10).mul(root6.mul(2)).div(W2).mul(1e6).floor().toFixed());
    const expectB2 = BigInt(new D(10).mul(6).div(W2).mul(1e6).floor().toFixed());
    expect(match(gapA, 2)).to.equal(expectA2);
    expect(match(gapB, 2)).to.equal(expectB2);
    expect(match(gapA, 3)).to.equal(22n * TOKEN);
    expect(match(gapB, 3)).to.equal(25n * TOKEN);
    const r3 = report.rounds.find((r) => r.roundNumber === 3);
    expect(r3?.allocated).to.equal(54n * TOKEN);
    expect(r3?.returned).to.equal(7n * TOKEN); // 54 allocated − 22 − 25 paid
    expect(r3?.status).to.equal("swept");
    const r5 = report.rounds.find((r) => r.roundNumber === 5);
    expect(r5?.status).to.equal("open");
    expect(r5?.totalWeight).to.equal(2n * WAD); // (1 + 1)² − 2 = 2 tokens of weight
    expect(match(gapA, 5)).to.equal(0n);

    // h = 2·√p(h) with p(h) = 100·(2/π)·atan(h/10): bisection at 50 digits.
    const pOf = (h: Decimal): Decimal =>
      new D(100)
        .mul(2)
        .div(D.acos(-1))
        .mul(D.atan(h.div(10)));
    let lo = new D(1);
    let hi = new D(40);
    for (let i = 0; i < 200; i++) {
      const mid = lo.add(hi).div(2);
      if (pOf(mid).sqrt().mul(2).gt(mid)) lo = mid;
      else hi = mid;
    }
    const campaign = report.campaigns[0];
    const h = new D(campaign?.h.toString() ?? "0").div(1e18);
    expect(h.sub(lo).abs().toNumber()).to.be.lessThan(1e-9);
    expect(lo.toFixed(9)).to.equal("16.070323328");
    const pExact = pOf(lo);
    for (const p of campaign?.pledgeLines ?? []) {
      const paid = new D(p.payment.toString()).div(1e18);
      expect(paid.sub(pExact).abs().toNumber()).to.be.lessThan(1e-9);
      expect(p.payment + (campaign?.state === "settled" ? p.limit - p.payment : 0n)).to.equal(100n * WAD);
    }
    expect(campaign?.pledgeLines[0]?.state).to.equal("claimed");
    expect(campaign?.owed).to.equal(
      100n * WAD - (campaign?.pledgeLines[1]?.payment ?? 0n) + (campaign?.pot ?? 0n),
    );
  });

  it("fails loudly when tokens are sent straight to either contract", async () => {
    const w = await loadFixture(realWorld);
    const gap = gapIdFromName("g");
    await w.alloc.registerGap(gap, (w.recipients[0] as HardhatEthersSigner).address, "g");
    await w.alloc.connect(w.users[0] as HardhatEthersSigner).contributeToGap(gap, 5n * TOKEN);
    expect((await audit(w)).ok).to.equal(true);

    await w.token.connect(w.users[1] as HardhatEthersSigner).transfer(w.allocAddr, 3n);
    let report = await audit(w);
    expect(report.ok).to.equal(false);
    expect([...kinds(report)]).to.deep.equal(["balance-surplus"]);
    // Token units (6 decimals), never raw integers.
    expect(report.discrepancies[0]?.expected).to.equal("5");
    expect(report.discrepancies[0]?.actual).to.equal("5.000003");
    expect(report.discrepancies[0]?.sentence).to.match(/0\.000003 unaccounted/);

    await w.token.connect(w.users[1] as HardhatEthersSigner).transfer(w.cpAddr, 7n * TOKEN);
    report = await audit(w);
    expect(report.discrepancies.map((d) => `${d.kind} ${d.subject.split(" ")[0]}`)).to.deep.equal([
      "balance-surplus allocator",
      "balance-surplus pledges",
    ]);
  });

  it("flags an allocator that records a contribution it never received, or leaks tokens", async () => {
    const w = await deployWorld("misrecording");
    const bad = w.alloc as unknown as MisrecordingAllocator;
    const gap = gapIdFromName("m");
    await w.alloc.registerGap(gap, (w.recipients[0] as HardhatEthersSigner).address, "m");
    await w.alloc.connect(w.users[0] as HardhatEthersSigner).contributeToGap(gap, 4n * TOKEN);
    await w.alloc.connect(w.users[1] as HardhatEthersSigner).contributeToGap(gap, 9n * TOKEN);
    expect((await audit(w)).discrepancies).to.deep.equal([]);

    await bad.connect(w.users[2] as HardhatEthersSigner).recordPhantomContribution(gap, 1, 16n * TOKEN);
    const report = await audit(w);
    const k = kinds(report);
    // The event's weight (0) is not what three contributors give: (2+3+4)² − 29 = 52 tokens.
    expect(k.has("contribution-event")).to.equal(true);
    const weightLine = report.discrepancies.find((d) => d.kind === "contribution-event");
    expect(weightLine?.expected).to.equal("52");
    expect(weightLine?.sentence).to.match(/ is 52, the event says 0\./);
    expect(k.has("gap-round-state")).to.equal(true);
    expect(k.has("gap-state")).to.equal(true);
    const shortfall = report.discrepancies.find((d) => d.kind === "balance-shortfall");
    expect(shortfall?.expected).to.equal("29");
    expect(shortfall?.actual).to.equal("13");

    const w2 = await deployWorld("misrecording");
    const gap2 = gapIdFromName("n");
    await w2.alloc.registerGap(gap2, (w2.recipients[0] as HardhatEthersSigner).address, "n");
    await w2.alloc.connect(w2.users[0] as HardhatEthersSigner).contributeToGap(gap2, 4n * TOKEN);
    await (w2.alloc as unknown as MisrecordingAllocator).leak(w2.admin.address, 1n);
    const leaked = await audit(w2);
    expect(leaked.discrepancies.map((d) => [d.kind, d.expected, d.actual])).to.deep.equal([
      ["balance-shortfall", "4", "3.999999"],
    ]);
  });

  it("flags a pledges contract that records a claim it never paid, or leaks tokens", async () => {
    const w = await deployWorld("misrecording");
    const bad = w.cp as unknown as MisrecordingPledges;
    const deadline = (await time.latest()) + HOUR;
    await w.cp.createCampaign({
      token: w.tokenAddr,
      recipient: (w.recipients[0] as HardhatEthersSigner).address,
      deadline,
      mode: 0,
      policy: 0,
      initialSpeed: WAD / 10n,
      decay: 0n,
      minLimit: 0n,
      allocator: ethers.ZeroAddress,
      gapId: ethers.ZeroHash,
    });
    const [u0, u1] = w.users as [HardhatEthersSigner, HardhatEthersSigner];
    await w.cp.connect(u0).pledge(1, 100n * TOKEN);
    await w.cp.connect(u1).pledge(1, 50n * TOKEN);
    await time.increaseTo(deadline);
    await (await PledgesClient.connect(w.cpAddr, w.admin)).settle(1n);
    expect((await audit(w)).discrepancies).to.deep.equal([]);

    // A claim event refunding the whole limit, while nothing moved and the pledge is still active.
    await bad.recordPhantomClaim(1, 0, u0.address, 100n * TOKEN, 0n);
    const report = await audit(w);
    const k = kinds(report);
    expect(k.has("claim-event")).to.equal(true);
    expect(k.has("pledge-state")).to.equal(true);
    expect(k.has("balance-surplus")).to.equal(true);
    const claim = report.discrepancies.find(
      (d) => d.kind === "claim-event" && d.subject === "campaign 1 pledge 0",
    );
    expect(claim?.actual).to.equal("0"); // the event says it paid 0 …
    expect(new D(claim?.expected ?? "0").gt(0)).to.equal(true); // … but the pledge pays p(h) > 0
    expect(claim?.expected).to.match(/^\d+(\.\d{1,6})?$/); // in token units
    // No raw 18-decimal integer (h included): digits run long only after a decimal point.
    expect(claim?.sentence).to.not.match(/(?<![.\d])\d{13,}/);
    expect(claim?.sentence).to.match(/ at h = \d+\.\d+, /);

    // Leak the surplus and 5 raw units more: the contract is now exactly 5 short.
    const pb = report.balances.find((b) => b.contract === "pledges");
    expect(pb).to.not.equal(undefined);
    const surplus = (pb?.balance ?? 0n) - (pb?.owed ?? 0n);
    expect(surplus).to.be.greaterThan(0n);
    await bad.leak(w.tokenAddr, w.admin.address, surplus + 5n);
    const leaked = await audit(w);
    const short = leaked.discrepancies.filter((d) => d.kind.startsWith("balance-"));
    expect(
      short.map((d) => [d.kind, new D(d.expected).minus(d.actual).mul(TOKEN.toString()).toNumber()]),
    ).to.deep.equal([["balance-shortfall", 5]]);
  });

  it("halves a block range the provider rejects, and rethrows other errors", async () => {
    const w = await loadFixture(realWorld);
    const gap = gapIdFromName("p");
    await w.alloc.registerGap(gap, (w.recipients[0] as HardhatEthersSigner).address, "p");
    for (const u of w.users.slice(0, 5)) await w.alloc.connect(u).contributeToGap(gap, 2n * TOKEN);
    const to = await ethers.provider.getBlockNumber();
    const from = to - 40;
    const ranges: number[] = [];
    const limited = {
      getLogs: async (f: { fromBlock: number; toBlock: number; address: string[] }): Promise<Log[]> => {
        const span = f.toBlock - f.fromBlock + 1;
        ranges.push(span);
        if (span > 6)
          throw Object.assign(new Error("eth_getLogs block range is too large, max is 6"), { code: -32600 });
        return ethers.provider.getLogs(f);
      },
    } as unknown as Provider;
    const paged = await fetchLogsPaged(limited, [w.allocAddr], from, to, 1000);
    const all = await ethers.provider.getLogs({ address: w.allocAddr, fromBlock: from, toBlock: to });
    expect(paged.logs.map((l) => `${l.blockNumber}:${l.index}`)).to.deep.equal(
      all.map((l) => `${l.blockNumber}:${l.index}`),
    );
    expect(all.length).to.be.greaterThan(5);
    expect(ranges[0]).to.equal(41);
    expect(Math.max(...ranges.slice(-3))).to.be.at.most(6);
    expect(paged.finalRange).to.be.at.most(6);

    const broken = {
      getLogs: async () => Promise.reject(new Error("connection refused")),
    } as unknown as Provider;
    await expect(fetchLogsPaged(broken, [w.allocAddr], from, to, 10)).to.be.rejectedWith(
      /connection refused/,
    );
    expect(isRangeTooLargeError({ code: -32005, message: "limit" })).to.equal(true);
    expect(isRangeTooLargeError(new Error("query returned more than 10000 results"))).to.equal(true);
    expect(isRangeTooLargeError(new Error("nonce too low"))).to.equal(false);
  });

  it("finds the deployment block in an Ignition journal, else by binary search on getCode", async () => {
    const w = await loadFixture(realWorld);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cofund-journal-"));
    try {
      fs.mkdirSync(path.join(dir, "chain-x"));
      const lines = [
        { type: "DEPLOYMENT_INITIALIZE", chainId: 31337 },
        {
          type: "TRANSACTION_CONFIRM",
          futureId: "Cofund#TestToken",
          receipt: { blockNumber: 3, contractAddress: w.tokenAddr },
        },
        {
          type: "TRANSACTION_CONFIRM",
          futureId: "Cofund#CoordinatedPledges",
          receipt: { blockNumber: 9, contractAddress: w.cpAddr },
        },
        {
          type: "TRANSACTION_CONFIRM",
          futureId: "Cofund#QuadraticFundingAllocator",
          receipt: { blockNumber: 7, contractAddress: w.allocAddr.toLowerCase() },
        },
      ];
      fs.writeFileSync(
        path.join(dir, "chain-x", "journal.jsonl"),
        lines.map((l) => JSON.stringify(l)).join("\n") + "\nnot json\n",
      );
      expect(deploymentBlockFromJournal(dir, "chain-x", [w.allocAddr, w.cpAddr])).to.equal(7);
      expect(deploymentBlockFromJournal(dir, "chain-y", [w.allocAddr])).to.equal(undefined);
      expect(
        await findDeploymentBlock(ethers.provider, [w.allocAddr, w.cpAddr], {
          deploymentId: "chain-x",
          deploymentsDir: dir,
        }),
      ).to.equal(7);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const allocBlock = (await w.alloc.deploymentTransaction()?.wait())?.blockNumber;
    expect(await findDeploymentBlock(ethers.provider, [w.cpAddr, w.allocAddr])).to.equal(allocBlock);
  });

  it("runs as `hardhat audit`: JSON, CSV and exit code", async () => {
    const w = await loadFixture(realWorld);
    const chainId = (await ethers.provider.getNetwork()).chainId;
    registerDeployment(chainId, {
      QuadraticFundingAllocator: w.allocAddr,
      CoordinatedPledges: w.cpAddr,
      TestToken: w.tokenAddr,
    });
    const gap = gapIdFromName("task");
    await w.alloc.registerGap(gap, (w.recipients[0] as HardhatEthersSigner).address, "task");
    await w.alloc.connect(w.users[0] as HardhatEthersSigner).contributeToGap(gap, 1_500_000n);
    await w.alloc.connect(w.users[1] as HardhatEthersSigner).contributeToGap(gap, 2_000_000n);

    const run = async (args: Record<string, unknown>): Promise<{ out: string; code: number | undefined }> => {
      const write = process.stdout.write.bind(process.stdout);
      let out = "";
      // Captures stdout; a write's callback (the task drains stdout before it returns) still runs.
      process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
        out += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
        const done = rest.find((x) => typeof x === "function") as (() => void) | undefined;
        if (done) queueMicrotask(done);
        return true;
      }) as typeof process.stdout.write;
      const before = process.exitCode;
      process.exitCode = undefined;
      try {
        await hre.tasks.getTask("audit").run(args);
      } finally {
        process.stdout.write = write;
      }
      const code = process.exitCode === undefined ? undefined : Number(process.exitCode);
      process.exitCode = before;
      return { out, code };
    };

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cofund-audit-"));
    try {
      const ok = await run({ json: true, blockRange: "3", csv: dir });
      expect(ok.code).to.equal(undefined);
      expect(ok.out.trim().split("\n").length).to.equal(1);
      const parsed = JSON.parse(ok.out) as {
        ok: boolean;
        discrepancies: unknown[];
        gaps: { directTotal: string; contributors: number }[];
        csvFiles: string[];
      };
      expect(parsed.ok).to.equal(true);
      expect(parsed.discrepancies).to.deep.equal([]);
      expect(parsed.gaps[0]?.directTotal).to.equal("3.5");
      // Fixed-point values are decimal strings too: Σ√c = √1.5 + √2, w = (Σ√c)² − 3.5 = 2√3.
      const round1 = (parsed.gaps[0] as unknown as { rounds: { sumSqrt: string; weight: string }[] })
        .rounds[0]!;
      expect(round1.sumSqrt).to.match(/^\d+\.\d+$/);
      expect(
        new D(round1.sumSqrt)
          .minus(D.sqrt("1.5").plus(D.sqrt(2)))
          .abs()
          .lte("1e-15"),
      ).to.equal(true);
      expect(new D(round1.weight).minus(D.sqrt(3).mul(2)).abs().lte("1e-15")).to.equal(true);
      expect(parsed.gaps[0]?.contributors).to.equal(2);
      expect(parsed.csvFiles.map((f) => path.basename(f)).sort()).to.deep.equal([
        "campaigns.csv",
        "contributions.csv",
        "gaps.csv",
        "pledges.csv",
        "rounds.csv",
      ]);
      const rows = fs.readFileSync(path.join(dir, "contributions.csv"), "utf8").trim().split("\n");
      expect(rows[0]).to.equal(
        "id,timestamp,block,tx,contributor,gap_id,round,amount,tier,matching_amount,total_allocation",
      );
      expect(rows.length).to.equal(3);
      expect(rows[1]?.split(",").slice(4)).to.deep.equal([
        (w.users[0] as HardhatEthersSigner).address,
        gap,
        "1",
        "1500000",
        "direct",
        "0",
        "1500000",
      ]);

      const text = await run({ json: false });
      expect(text.code).to.equal(undefined);
      expect(text.out).to.match(/OK: everything reconciles to the wei\./);
      expect(text.out).to.match(/task\s+active\s+2\s+3\.5/);

      await w.token.connect(w.users[2] as HardhatEthersSigner).transfer(w.allocAddr, 1n);
      const bad = await run({ json: true, fromBlock: "0" });
      expect(bad.code).to.equal(1);
      const report = JSON.parse(bad.out) as { ok: boolean; discrepancies: { kind: string }[] };
      expect(report.ok).to.equal(false);
      expect(report.discrepancies.map((d) => d.kind)).to.deep.equal(["balance-surplus"]);

      const badText = await run({ json: false });
      expect(badText.code).to.equal(1);
      expect(badText.out).to.match(/1 discrepancy:\n {2}\[balance-surplus\] allocator/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      clearRegisteredDeployments();
    }
  });
});
