/**
 * CLI of CoordinatedPledges: thin wrappers over sdk/pledges.ts.
 *
 *   npx hardhat cqf:create --recipient <address> --duration <seconds> --mode quadratic|linear
 *                          --policy constant|geometric|harmonic|limit-sqrt --speed <s0>
 *                          [--decay <r>] [--rate <c>] [--reference-limit <tokens>] [--min-limit <tokens>]
 *                          [--gap <name>] [--token <address>]
 *   npx hardhat cqf:pledge --campaign <id> --limit <tokens>   (again from one account: raises its pledge)
 *   npx hardhat cqf:status --campaign <id>
 *   npx hardhat cqf:settle --campaign <id> [--max-pledges <n>]
 *   npx hardhat cqf:claim --campaign <id> [--pledge <id>]
 *   npx hardhat cqf:reclaim --campaign <id>
 *   npx hardhat cqf:withdraw --campaign <id> --pledge <id>
 *   npx hardhat cqf:cancel --campaign <id>
 *
 * Every task takes `--from <account index or address>` (default 0) and `--json`; see tasks/_cli.ts
 * for the output conventions. Speeds, decay and h are decimal strings of 18-decimal fixed point
 * ("0.1"); limits and payments are token units; leverage is a JSON number (null when unbounded), real
 * leverage (`cqf:status`: the pot's loss without the pledge per token it pays) too (null when it pays 0).
 */
import { POLICY_NAMES, POLICY_PARAMETER_SYMBOLS, type PolicyName } from "../sdk/math/campaign";
import type { PledgesClient } from "../sdk/pledges";
import {
  signerTask as cqfTask,
  type CliEnv,
  connectPledges,
  formatInt,
  loadDeployment,
  parseOption,
  parseWhole,
  printJson,
  printLines,
  printTx,
  renderTable,
  txLine,
  utcTime as utc,
  type CommonArgs,
} from "./_cli";

/** How `--campaign` is given. */
const CAMPAIGN_HELP = "Campaign id";

/** A non-negative integer id from the command line. */
function parseId(flag: string, value: string): bigint {
  return parseWhole(flag, value, "a non-negative integer");
}

/** Token amounts of a campaign and 18-decimal fixed point (speeds, decay, h), exact. */
async function units(): Promise<{
  parse: (flag: string, value: string, decimals: number) => bigint;
  format: (raw: bigint, decimals: number) => string;
  fixed: (raw: bigint) => string;
}> {
  const { parseUnitsExact, formatUnitsExact } = await import("../sdk/units");
  return {
    parse: (flag, value, decimals) => parseOption(flag, value, (v) => parseUnitsExact(v, decimals)),
    format: formatUnitsExact,
    fixed: (raw) => formatUnitsExact(raw, 18),
  };
}

function leverageText(x: number): string {
  return Number.isFinite(x) ? x.toFixed(4) : "∞";
}

// ─────────────────────────────────────────────── campaigns

interface CreateArgs extends CommonArgs {
  recipient: string;
  duration: string;
  mode: string;
  policy: string;
  speed: string;
  decay?: string;
  rate?: string;
  referenceLimit?: string;
  minLimit?: string;
  gap?: string;
  token?: string;
}

/** `--policy`'s help: one line per policy. */
const POLICY_HELP = [
  "Saturation policy, one of:",
  "  constant    every pledge gets s0",
  "  geometric   the k-th pledge gets s0·r^k, floored at s0/1e6 (--decay r)",
  "  harmonic    the k-th pledge gets s0/(1 + c·k), never 0 (--rate c)",
  "  limit-sqrt  a pledge of L gets s0·√(L0/L), recomputed on a raise (--reference-limit L0)",
].join(`\n${" ".repeat(25)}`); // aligned under the help's description column

/** `--policy`, checked: its parameter flag (`--decay`, `--rate`, `--reference-limit`) goes with it only. */
function checkPolicyFlags(args: CreateArgs): PolicyName {
  if (!(POLICY_NAMES as readonly string[]).includes(args.policy)) {
    throw new Error(`--policy "${args.policy}" must be one of ${POLICY_NAMES.join(", ")}`);
  }
  const flags = [
    ["decay", args.decay, "geometric"],
    ["rate", args.rate, "harmonic"],
    ["reference-limit", args.referenceLimit, "limit-sqrt"],
  ] as const;
  for (const [flag, value, policy] of flags) {
    if (value !== undefined && args.policy !== policy)
      throw new Error(`--${flag} applies to the ${policy} policy only`);
    if (value === undefined && args.policy === policy && policy !== "geometric")
      throw new Error(`--policy ${policy} needs --${flag}`);
  }
  return args.policy as PolicyName;
}

/** The policy's terms after "speed s0" in `cqf:create`'s line. */
function policyTerms(args: CreateArgs): string {
  if (args.decay !== undefined) return ` × ${args.decay}^k`;
  if (args.rate !== undefined) return ` / (1 + ${args.rate}·k)`;
  return args.referenceLimit !== undefined ? ` × √(${args.referenceLimit} / limit)` : "";
}

cqfTask("cqf:create", "Create a pledge campaign")
  .addParam("recipient", "Who receives the pot (or the gap's recipient, with --gap)")
  .addParam("duration", "Seconds from now until the deadline")
  .addOptionalParam("mode", "quadratic (h = Σ√p) or linear (h = Σp)", "quadratic")
  .addOptionalParam("policy", POLICY_HELP, "constant")
  .addParam("speed", "Saturation speed s0 (1/√token in quadratic mode, 1/token in linear), e.g. 0.1")
  .addOptionalParam("decay", "Geometric policy: r in (0, 1], the k-th pledge gets s0·r^k, floored at s0/1e6")
  .addOptionalParam("rate", "Harmonic policy: c in (0, 1e6], 1/s_{k+1} = 1/s_k + c/s0, so s_k ≈ s0/(1 + c·k)")
  .addOptionalParam(
    "referenceLimit",
    "Limit-sqrt policy: L0 in tokens (0 < L0 ≤ 1e20), the limit whose speed is s0; s = s0·√(L0/L)",
  )
  .addOptionalParam("minLimit", "Smallest accepted limit, in tokens", "0")
  .addOptionalParam("gap", "Send the pot into this allocator gap (name or 0x bytes32)")
  .addOptionalParam("token", "ERC-20 of the campaign (default: the deployment's token)")
  .setAction(async (args: CreateArgs, env: CliEnv) => {
    if (args.mode !== "quadratic" && args.mode !== "linear") {
      throw new Error(`--mode "${args.mode}" must be quadratic or linear`);
    }
    const policy = checkPolicyFlags(args);
    if (!env.ethers.isAddress(args.recipient))
      throw new Error(`--recipient "${args.recipient}" is not an address`);
    const duration = parseId("duration", args.duration);
    const deployment = await loadDeployment(env);
    const cp = await connectPledges(env, args.from);
    const token = args.token ?? deployment.token;
    if (token === undefined || !env.ethers.isAddress(token)) {
      throw new Error("No token: give --token <address> (the deployment records none)");
    }
    const { decimals } = await cp.tokenInfo(token);
    const u = await units();
    let gapId: string | undefined;
    if (args.gap !== undefined) {
      const { toGapId } = await import("../sdk/ids");
      gapId = toGapId(args.gap);
      if (deployment.allocator === undefined) throw new Error("--gap: the deployment has no allocator");
    }
    const r = await cp.createCampaign({
      token,
      recipient: args.recipient,
      duration,
      mode: args.mode,
      policy,
      initialSpeed: u.parse("speed", args.speed, 18),
      ...(args.decay !== undefined ? { decay: u.parse("decay", args.decay, 18) } : {}),
      ...(args.rate !== undefined ? { rate: u.parse("rate", args.rate, 18) } : {}),
      // L₀ is an 18-decimal token amount whatever the token's decimals (the contract normalises limits).
      ...(args.referenceLimit !== undefined
        ? { referenceLimit: u.parse("reference-limit", args.referenceLimit, 18) }
        : {}),
      minLimit: u.parse("min-limit", args.minLimit ?? "0", decimals),
      ...(gapId !== undefined ? { allocator: deployment.allocator, gapId } : {}),
    });
    if (args.json) {
      printJson({
        campaignId: r.campaignId.toString(),
        txHash: r.txHash,
        gasUsed: r.gasUsed.toString(),
        deadline: Number(r.deadline),
        token,
        ...(gapId !== undefined ? { gapId } : {}),
      });
    } else {
      printLines(
        `Campaign ${r.campaignId} created: ${args.mode}, ${args.policy} speed ${args.speed}` +
          `${policyTerms(args)}, pledges until ${utc(r.deadline)}` +
          `${gapId !== undefined ? `, pot into gap ${args.gap}` : ""}`,
        txLine(r),
      );
    }
  });

interface CampaignArgs extends CommonArgs {
  campaign: string;
}

/** `--campaign` and a client acting as `--from`. */
async function openCampaign(
  env: CliEnv,
  args: CampaignArgs,
): Promise<{ campaignId: bigint; cp: PledgesClient }> {
  const campaignId = parseId("campaign", args.campaign);
  return { campaignId, cp: await connectPledges(env, args.from) };
}

interface PledgeArgs extends CampaignArgs {
  limit: string;
}

cqfTask(
  "cqf:pledge",
  "Pledge up to --limit tokens to a campaign, or raise your pledge there by --limit (one pledge per address; approves only what is missing, only for a pledge that will succeed)",
)
  .addParam("campaign", CAMPAIGN_HELP)
  .addParam(
    "limit",
    "The most you will pay, in tokens (escrowed now; the rest comes back); added to your pledge if you have one",
  )
  .setAction(async (args: PledgeArgs, env: CliEnv) => {
    const { campaignId, cp } = await openCampaign(env, args);
    const before = await cp.status(campaignId);
    const u = await units();
    const limit = u.parse("limit", args.limit, before.decimals);
    const r = await cp.pledge(campaignId, limit);
    const after = await cp.status(campaignId);
    const mine = after.pledges.find((p) => p.pledgeId === r.pledgeId);
    if (mine === undefined) throw new Error(`pledge ${r.pledgeId} not found after pledging`);
    const out = {
      campaignId: campaignId.toString(),
      pledgeId: r.pledgeId.toString(),
      speed: u.fixed(r.speed),
      txHash: r.txHash,
      gasUsed: r.gasUsed.toString(),
      // One pledge per address: the pledge's combined limit (this call's amount is `added`).
      limit: u.format(r.limit, after.decimals),
      added: u.format(r.added, after.decimals),
      raised: r.raised,
      h: u.fixed(after.h),
      payment: u.format(mine.payment, after.decimals),
      leverage: (await import("../sdk/pledges-json")).leverageJson(mine.leverage),
      pot: u.format(after.pot, after.decimals),
      potIncrease: u.format(after.pot - before.pot, after.decimals),
    };
    if (args.json) {
      printJson(out);
    } else {
      printLines(
        r.raised
          ? `Raised your pledge ${out.pledgeId} in campaign ${out.campaignId} by ${out.added}: ` +
              `combined limit ${out.limit}, speed ${out.speed} (one pledge per address)`
          : `Pledge ${out.pledgeId} to campaign ${out.campaignId}: limit ${out.limit}, speed ${out.speed}`,
        `Now h = ${out.h}; you would pay ${out.payment} (leverage ${leverageText(mine.leverage)}); ` +
          `the pot grew by ${out.potIncrease} to ${out.pot}`,
        txLine(r),
      );
    }
  });

cqfTask(
  "cqf:status",
  "Show a campaign: h, pot and every pledge's payment, refund, leverage and real leverage",
)
  .addParam("campaign", CAMPAIGN_HELP)
  .setAction(async (args: CampaignArgs, env: CliEnv) => {
    const { campaignId, cp } = await openCampaign(env, args);
    const s = await cp.status(campaignId);
    const { campaignStatusJson } = await import("../sdk/pledges-json");
    const json = campaignStatusJson(s);
    if (args.json) {
      printJson(json);
      return;
    }
    const u = await units();
    printLines(
      `Campaign ${s.campaignId} · ${s.state} · ${s.mode}, ${s.policy} s₀ ${u.fixed(s.initialSpeed)}` +
        `${s.policyParameter === null ? "" : ` (${POLICY_PARAMETER_SYMBOLS[s.policy]} ${u.fixed(s.policyParameter)})`}` +
        ` · deadline ${utc(s.deadline)}`,
      `h = ${u.fixed(s.h)} · pot ${u.format(s.pot, s.decimals)} of escrow ${u.format(s.escrow, s.decimals)}` +
        (s.state === "settled" ? (s.potClaimed ? " · pot paid" : " · pot unclaimed") : " (live values)"),
      "",
      renderTable(
        ["pledge", "pledger", "state", "limit", "speed", "payment", "refund", "leverage", "real lev."],
        s.pledges.map((p) => [
          p.pledgeId.toString(),
          p.pledger,
          p.state,
          u.format(p.limit, s.decimals),
          u.fixed(p.speed),
          u.format(p.payment, s.decimals),
          u.format(p.refund, s.decimals),
          leverageText(p.leverage),
          p.realLeverage === null ? "–" : leverageText(p.realLeverage),
        ]),
        ["r", "l", "l", "r", "r", "r", "r", "r", "r"],
      ),
    );
  });

interface SettleArgs extends CampaignArgs {
  maxPledges?: string;
}

cqfTask("cqf:settle", "Settle a campaign past its deadline (solves off-chain, submits pages)")
  .addParam("campaign", CAMPAIGN_HELP)
  .addOptionalParam("maxPledges", "Pledges per transaction (default: the contract's page cap)")
  .setAction(async (args: SettleArgs, env: CliEnv) => {
    const { campaignId, cp } = await openCampaign(env, args);
    const before = await cp.status(campaignId);
    const quiet = args.json || !process.stderr.isTTY;
    if (!quiet) process.stderr.write(`Settling campaign ${campaignId} (${before.pledges.length} pledges)…\n`);
    const s = await cp.settle(
      campaignId,
      args.maxPledges !== undefined ? { maxPledges: parseId("max-pledges", args.maxPledges) } : {},
    );
    const u = await units();
    if (args.json) {
      printJson({
        campaignId: campaignId.toString(),
        h: u.fixed(s.h),
        pot: u.format(s.pot, before.decimals),
        transactions: s.transactions.map((t) => ({ txHash: t.txHash, gasUsed: t.gasUsed.toString() })),
        gasUsed: s.gasUsed.toString(),
      });
    } else {
      printLines(
        `Campaign ${campaignId} settled at h = ${u.fixed(s.h)}; pot ${u.format(s.pot, before.decimals)}`,
        ...s.transactions.map((t, i) => `page ${i + 1}: ${txLine(t)}`),
        `total gas ${formatInt(s.gasUsed)}`,
      );
    }
  });

interface ClaimArgs extends CampaignArgs {
  pledge?: string;
}

cqfTask("cqf:claim", "Claim a pledge's refund (--pledge) or the campaign's pot (without it)")
  .addParam("campaign", CAMPAIGN_HELP)
  .addOptionalParam("pledge", "Pledge id (omit to pay the pot to the recipient or the gap)")
  .setAction(async (args: ClaimArgs, env: CliEnv) => {
    const { campaignId, cp } = await openCampaign(env, args);
    const { decimals } = await cp.status(campaignId);
    const u = await units();
    if (args.pledge !== undefined) {
      const r = await cp.claim(campaignId, parseId("pledge", args.pledge));
      const amount = u.format(r.refund, decimals);
      const payment = u.format(r.payment, decimals);
      printTx(
        args.json,
        r,
        { amount, kind: "refund", to: r.pledger, payment },
        `Refund of ${amount} sent to ${r.pledger} (paid ${payment})`,
      );
      return;
    }
    const r = await cp.claimPot(campaignId);
    const amount = u.format(r.amount, decimals);
    printTx(
      args.json,
      r,
      {
        amount,
        kind: "pot",
        payouts: r.payouts.map((p) => ({ to: p.to, amount: u.format(p.amount, decimals), toGap: p.toGap })),
      },
      `Pot of ${amount} paid: ` +
        r.payouts
          .map((p) => `${u.format(p.amount, decimals)} to ${p.toGap ? "gap via " : ""}${p.to}`)
          .join(", "),
    );
  });

cqfTask(
  "cqf:reclaim",
  "Pay a pot back to the campaign's recipient after its allocator gap closed before the pot's round was finalised (anyone)",
)
  .addParam("campaign", CAMPAIGN_HELP)
  .setAction(async (args: CampaignArgs, env: CliEnv) => {
    const { campaignId, cp } = await openCampaign(env, args);
    const { decimals } = await cp.status(campaignId);
    const r = await cp.reclaimPot(campaignId);
    const amount = (await units()).format(r.amount, decimals);
    printTx(
      args.json,
      r,
      { campaignId: campaignId.toString(), amount, to: r.recipient },
      `Pot of campaign ${campaignId} reclaimed from its closed gap: ${amount} paid to ${r.recipient}`,
    );
  });

interface WithdrawArgs extends CampaignArgs {
  pledge: string;
}

cqfTask("cqf:withdraw", "Withdraw your pledge before the deadline (full refund)")
  .addParam("campaign", CAMPAIGN_HELP)
  .addParam("pledge", "Pledge id")
  .setAction(async (args: WithdrawArgs, env: CliEnv) => {
    const { campaignId, cp } = await openCampaign(env, args);
    const { decimals } = await cp.status(campaignId);
    const r = await cp.withdraw(campaignId, parseId("pledge", args.pledge));
    const amount = (await units()).format(r.limit, decimals);
    printTx(args.json, r, { amount }, `Pledge ${args.pledge} withdrawn: ${amount} refunded`);
  });

cqfTask("cqf:cancel", "Cancel your campaign before its deadline (pledgers then claim full refunds)")
  .addParam("campaign", CAMPAIGN_HELP)
  .setAction(async (args: CampaignArgs, env: CliEnv) => {
    const { campaignId, cp } = await openCampaign(env, args);
    const r = await cp.cancel(campaignId);
    printTx(args.json, r, { campaignId: campaignId.toString() }, `Campaign ${campaignId} cancelled`);
  });
