/**
 * The coordinated pledges' story for `npm run demo` (a five-pledger example): a campaign
 * with no matching pool whose pot goes into an allocator gap; five pledgers join one by one — each
 * join prints h, every payment and every leverage, and the quarter-circle pictures go to out/ —
 * then the deadline passes, anyone settles from an off-chain solution verified on-chain, and
 * everyone claims. A small linear campaign shows the collapse to h = 0 (everyone refunded).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { NetworkConnection } from "hardhat/types/network";
import { PledgesClient, type CampaignStatus } from "../../sdk/pledges";
import { gapIdFromName } from "../../sdk/ids";
import { formatUnitsDisplay, formatUnitsExact, parseUnitsExact } from "../../sdk/units";
import type { DeployedCofund } from "../../deploy/deploy-cofund";
import {
  type PictureFrame,
  campaignFrames,
  fixedPointFrames,
  joinFrames,
  renderAnimation,
  renderQuarterCircles,
  viewport,
} from "../../sdk/draw/quarter-circles";
import { statusFrame } from "../../sdk/draw/campaign";
import { detail, say, section, short } from "./narrate";

const OUT_DIR = "out";
const UNIT = 10n ** 18n;

/** Pledgers of the story: account index and limit in tokens (they join in this order). */
const JOINS: { from: number; limit: string }[] = [
  { from: 4, limit: "40" },
  { from: 5, limit: "40" },
  { from: 6, limit: "25" },
  { from: 7, limit: "60" },
  { from: 8, limit: "10" },
];

const fixed = (x: bigint, digits = 4): string => Number(formatUnitsExact(x, 18)).toFixed(digits);

/**
 * Writes the pictures of the story into out/: one static picture per frame (one scale for all of them),
 * and the three animations drawn from the math — the fixed-point iteration converging to h, the fifth
 * pledger joining (everyone's payment rises with h), the campaign from start to finish.
 */
function pictures(frames: { frame: PictureFrame; file: string }[]): string[] {
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const v = viewport(frames.map((f) => f.frame));
  const written: string[] = [];
  const write = (file: string, svg: string): void => {
    const target = path.join(OUT_DIR, file);
    fs.writeFileSync(target, svg);
    written.push(target);
  };
  for (const f of frames) write(f.file, renderQuarterCircles(f.frame, v));
  const last = frames[frames.length - 1].frame;
  const terms = last.pledges.map((p) => ({ limit: p.limit, speed: p.speed }));
  write("pledges-fixed-point.svg", renderAnimation(fixedPointFrames(terms, last.h / 10)));
  write("pledges-join.svg", renderAnimation(joinFrames(terms.slice(0, -1), terms[terms.length - 1]), 0.6));
  write("pledges-campaign.svg", renderAnimation(campaignFrames(terms), 1.5));
  return written;
}

function table(status: CampaignStatus): void {
  const amount = (raw: bigint): string => formatUnitsDisplay(raw, status.decimals, 4).padStart(9);
  detail("pledge  limit      speed    pays      refund    leverage");
  for (const p of status.pledges) {
    const lev = Number.isFinite(p.leverage) ? p.leverage.toFixed(3) : "∞";
    detail(
      `${String(p.pledgeId).padStart(6)}  ${amount(p.limit)}  ${fixed(p.speed, 4).padStart(7)}  ${amount(
        p.payment,
      )} ${amount(p.refund)}  ${lev.padStart(8)}`,
    );
  }
}

/** Plays the pledges section; `gapName` is an allocator gap that receives the pot. */
export async function runPledgesDemo(
  connection: NetworkConnection,
  deployed: DeployedCofund,
  gapName: string,
): Promise<void> {
  const { ethers, networkHelpers } = connection;
  const { time } = networkHelpers;
  const signers = await ethers.getSigners();
  const address = deployed.contracts.CoordinatedPledges;
  if (address === undefined) throw new Error("the deployment has no CoordinatedPledges");
  const creator = await PledgesClient.connect(address, signers[0]!);
  const { decimals } = await creator.tokenInfo(deployed.token);
  const tokens = (s: string): bigint => parseUnitsExact(s, decimals);
  const show = (raw: bigint): string => formatUnitsDisplay(raw, decimals, 4);

  section("Coordinated pledges: “I'll pay more if others pay more”");
  say("No matching pool here. Each pledger escrows a limit Lᵢ and pays pᵢ(h) = Lᵢ·(2/π)·atan(h·sᵢ),");
  say("where h solves h = Σ√pᵢ(h). Speeds come from the campaign's policy: geometric, sₖ = 0.05·0.8ᵏ,");
  say("so late joiners saturate slowly and keep the leverage alive. The pot goes into the allocator");
  say(`gap "${gapName}" as a contribution.`);

  const created = await creator.createCampaign({
    token: deployed.token,
    recipient: signers[15]!.address,
    duration: 3 * 24 * 3600,
    mode: "quadratic",
    policy: "geometric",
    initialSpeed: UNIT / 20n,
    decay: (8n * UNIT) / 10n,
    minLimit: tokens("1"),
    allocator: deployed.allocator,
    gapId: gapIdFromName(gapName),
  });
  const id = created.campaignId;
  say(`Campaign ${id} created; pledges close ${new Date(Number(created.deadline) * 1000).toISOString()}.`);

  section("1. Five pledgers join one by one");
  let status = await creator.status(id);
  const frames: { frame: PictureFrame; file: string }[] = [];
  for (const [k, join] of JOINS.entries()) {
    const pledger = creator.withRunner(signers[join.from]!);
    const potBefore = status.pot;
    const r = await pledger.pledge(id, tokens(join.limit));
    status = await creator.status(id);
    const mine = status.pledges[Number(r.pledgeId)]!;
    say(
      `account ${join.from} pledges up to ${join.limit} (speed ${fixed(r.speed)}): h = ${fixed(status.h, 6)}, ` +
        `pot ${show(potBefore)} → ${show(status.pot)}; it pays ${show(mine.payment)} ` +
        `(leverage ${Number.isFinite(mine.leverage) ? mine.leverage.toFixed(3) : "∞"})`,
    );
    table(status);
    frames.push({
      frame: statusFrame(status, `Campaign ${id} after pledge ${k + 1}: h = ${fixed(status.h)}`),
      file: `pledges-join-${k + 1}.svg`,
    });
  }

  section("2. The deadline passes; anyone settles");
  await time.increaseTo(created.deadline);
  const settler = creator.withRunner(signers[9]!);
  const s = await settler.settle(id);
  say(
    `Bracket [${s.hLow}, ${s.hHigh}] (1e18 units) found off-chain with the exact mirror, verified on-chain`,
  );
  say(
    `in ${s.transactions.length} transaction(s), ${s.gasUsed.toLocaleString("en-US")} gas: h = ${fixed(s.h, 9)}, pot ${show(s.pot)}.`,
  );
  status = await creator.status(id);
  table(status);
  frames.push({
    frame: statusFrame(status, `Campaign ${id} settled: h = ${fixed(status.h)}`),
    file: "pledges-settled.svg",
  });
  detail(`pictures (one scale): ${pictures(frames).join(", ")}`);

  section("3. Claims (pull): refunds to pledgers, the pot into the gap");
  let refunds = 0n;
  for (const p of status.pledges) {
    const c = await settler.claim(id, p.pledgeId);
    refunds += c.refund;
    say(`pledge ${p.pledgeId} → ${short(c.pledger)} gets back ${show(c.refund)} (paid ${show(c.payment)})`);
  }
  const pot = await settler.claimPot(id);
  for (const p of pot.payouts) {
    say(`pot ${show(p.amount)} → ${p.toGap ? `gap "${gapName}" via the allocator` : short(p.to)}`);
  }
  const escrow = status.pledges.reduce((sum, p) => sum + p.limit, 0n);
  say(
    `refunds ${show(refunds)} + pot ${show(pot.amount)} = escrow ${show(escrow)}: ${refunds + pot.amount === escrow ? "exact" : "MISMATCH"}`,
  );

  section("4. A linear campaign that cannot take off collapses to h = 0");
  const linear = await creator.createCampaign({
    token: deployed.token,
    recipient: signers[15]!.address,
    duration: 3600,
    mode: "linear",
    policy: "constant",
    initialSpeed: UNIT / 100n,
  });
  await creator.withRunner(signers[4]!).pledge(linear.campaignId, tokens("20"));
  await creator.withRunner(signers[5]!).pledge(linear.campaignId, tokens("30"));
  say("Two pledges of 20 and 30 with s = 0.01: (2/π)·ΣLᵢsᵢ = 0.32 ≤ 1, so h = Σpᵢ(h) has no positive root.");
  await time.increaseTo(linear.deadline);
  const collapse = await settler.settle(linear.campaignId);
  say(`Settled at h = ${fixed(collapse.h)}; pot ${show(collapse.pot)} — everyone gets the whole limit back.`);
}
