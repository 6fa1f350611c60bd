/**
 * The quadratic funding allocator's story for `npm run demo`: three gaps — one with broad support,
 * one carried by a whale, one with a single contributor — a matching pool, a round that cannot be
 * closed early, the matching round, the stats table and the withdrawals. Everything goes through the
 * SDK (sdk/allocator.ts) and the CLI task `qf:stats`, on the in-process network.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { NetworkConnection } from "hardhat/types/network";
import { AllocatorClient } from "../../sdk/allocator";
import { ContractRevertError } from "../../sdk/errors";
import { formatUnitsDisplay } from "../../sdk/units";
import { roundOutcome, type RoundContributions } from "../../sdk/math/qf";
import type { DeployedCofund } from "../../deploy/deploy-cofund";
import { detail, say, section, short } from "./narrate";

/** What the allocator section leaves behind for later sections. */
export interface AllocatorDemoResult {
  client: AllocatorClient;
  /** The round that was finalised. */
  round: bigint;
}

interface Gift {
  from: number;
  tokens: string;
}

interface DemoGap {
  name: string;
  story: string;
  recipient: number;
  gifts: Gift[];
}

const GAPS: DemoGap[] = [
  {
    name: "ocean-plastic-survey",
    story: "broad support: eight people give 25 each",
    recipient: 15,
    gifts: [1, 2, 3, 4, 5, 6, 7, 8].map((from) => ({ from, tokens: "25" })),
  },
  {
    name: "fusion-materials-dataset",
    story: "a whale gives 1,000, two others 5 each",
    recipient: 16,
    gifts: [
      { from: 9, tokens: "600" },
      { from: 9, tokens: "400" }, // split in two transfers: summed before the square root
      { from: 1, tokens: "5" },
      { from: 2, tokens: "5" },
    ],
  },
  {
    name: "rare-disease-registry",
    story: "a single contributor gives 400",
    recipient: 17,
    gifts: [{ from: 3, tokens: "400" }],
  },
];

const POOL = "1000";

/**
 * Plays the allocator's story on the deployment `deployed` (in-process network `connection`, the one
 * `hre.network.getOrCreate()` returns, so the `qf:stats` task sees the same chain).
 */
export async function runAllocatorDemo(
  hre: HardhatRuntimeEnvironment,
  connection: NetworkConnection,
  deployed: DeployedCofund,
): Promise<AllocatorDemoResult> {
  const { ethers, networkHelpers } = connection;
  const signers = await ethers.getSigners();
  const admin = await AllocatorClient.connect(deployed.allocator, signers[0]!);
  const amount = (raw: bigint): string => `${formatUnitsDisplay(raw, admin.decimals, 2)} ${admin.symbol}`;
  const roundLength = Number(await admin.contract.roundDuration());

  section("Quadratic funding: gaps, contributions, a matching round");
  say(`Allocator ${deployed.allocator}, token ${admin.symbol} ${deployed.token}.`);
  say(`Rounds last ${roundLength / 3600} hours; account 0 is admin, curator and keeper.`);

  section("1. The curator registers three gaps");
  for (const gap of GAPS) {
    const recipient = signers[gap.recipient]!.address;
    const r = await admin.registerGap(gap.name, recipient, gap.name);
    say(`${gap.name.padEnd(26)} → pays ${short(recipient)}   (gas ${r.gasUsed.toLocaleString("en-US")})`);
  }

  section("2. Contributors fund them from their wallets");
  const contributions: RoundContributions[] = [];
  for (const gap of GAPS) {
    say(`${gap.name}: ${gap.story}`);
    const list: [string, bigint][] = [];
    for (const gift of gap.gifts) {
      const signer = signers[gift.from]!;
      const c = await admin.withRunner(signer).contribute(gap.name, admin.parseAmount(gift.tokens));
      list.push([signer.address, c.amount]);
      detail(
        `account ${String(gift.from).padStart(2)} gives ${amount(c.amount).padStart(12)}` +
          `  (its total here this round: ${amount(c.contributorRoundTotal)})`,
      );
    }
    contributions.push(list);
  }

  section("3. A sponsor funds the matching pool");
  const funded = await admin.fundPool(admin.parseAmount(POOL));
  say(`Account 0 adds ${amount(funded.amount)}; the pool holds ${amount(funded.newBalance)}.`);
  say("Each gap's weight is (Σ√cᵢ)² − Σcᵢ over its contributors; the live estimate of its match:");
  await hre.tasks.getTask("qf:stats").run();

  section("4. The keeper tries to match too early");
  try {
    await admin.match(funded.newBalance);
  } catch (error) {
    if (!(error instanceof ContractRevertError)) throw error;
    say(`Rejected: ${error.message}`);
  }

  section(`5. ${roundLength / 3600} hours later: the matching round`);
  await networkHelpers.time.increase(roundLength);
  const pool = await admin.matchingPool();
  const predicted = roundOutcome(contributions, pool, admin.decimals);
  const m = await admin.match(pool);
  say(
    `Round ${m.round.toString()} finalised with a pool of ${amount(m.poolSize)}: ` +
      `${amount(m.distributed)} allocated to ${m.gapsFunded.toString()} gaps (gas ${m.gasUsed.toLocaleString("en-US")}).`,
  );
  const W = m.totalWeight / 10n ** BigInt(18 - admin.decimals); // normalised → raw units
  say(
    `Total weight W = ${amount(W)}; the pool is smaller, so every match is scaled by ` +
      `α = pool / W ≈ ${(Number(pool) / Number(W)).toFixed(4)}.`,
  );
  for (const [i, gap] of GAPS.entries()) {
    const onChain = await admin.contract.matchOf(admin.gapId(gap.name), m.round);
    const sdk = predicted.gaps[i]!.match;
    detail(
      `${gap.name.padEnd(26)} match ${amount(onChain).padStart(14)}   ` +
        `(SDK mirror: ${onChain === sdk ? "identical to the wei" : `differs: ${amount(sdk)}`})`,
    );
  }

  say(
    "The stats show each match at once (matched), before anyone withdraws, and what each gap can withdraw:",
  );
  await hre.tasks.getTask("qf:stats").run();

  section("6. Anyone pays the gaps out (funds always go to the recipient)");
  for (const gap of GAPS) {
    const w = await admin.withRunner(signers[19]!).withdraw(gap.name);
    say(
      `${gap.name.padEnd(26)} ${amount(w.amount).padStart(14)} to ${short(w.recipient)} ` +
        `= ${amount(w.direct)} direct + ${amount(w.matched)} matched`,
    );
  }
  section("7. Stats after the round and the withdrawals");
  await hre.tasks.getTask("qf:stats").run();
  const after = await admin.stats();
  say(
    `The matching pool keeps ${amount(after.matchingPool)} (rounding dust and anything unallocated roll over).`,
  );

  const [broad, whale, single] = predicted.gaps;
  say("");
  say("What it shows: eight people giving 200 in total attracted " + amount(broad!.match) + " of matching;");
  say(
    `a whale's 1,000 (plus two small gifts) attracted ${amount(whale!.match)}; a lone 400 attracted ${amount(single!.match)}.`,
  );
  say("Quadratic funding rewards how many people care, not how much one of them has.");

  return { client: admin, round: m.round };
}
