/**
 * The indexer end to end: `hardhat indexer --network localhost` (Ponder) against a `hardhat node` in a
 * child process, on PGlite (or on PostgreSQL when DATABASE_URL is set: `.ci/run` runs this suite a
 * second time that way). After a scripted history its stored logs equal the node's `eth_getLogs` of
 * both contracts; after a reorganisation (evm_snapshot / evm_revert) they equal the new chain's.
 */
import { expect } from "chai";
import type { ChildProcess } from "node:child_process";
import hre from "hardhat";
import { parseUnits } from "ethers";
import { auditCofund } from "../../sdk/audit";
import { auditReportJson } from "../../sdk/audit-report";
import { indexCofund } from "../../sdk/indexer";
import {
  historyContext,
  playAllocatorHistory,
  playPledgesHistory,
  type HistoryContext,
  type HistoryContracts,
} from "../../deploy/history";
import {
  getJson,
  graphql,
  queryIndexerDatabase,
  startIndexer,
  storedLogs,
  waitSynced,
  type RunningIndexer,
  type StoredLog,
} from "../helpers/indexer";
import {
  childEnv,
  finish,
  removeDeploymentRecords,
  rpcCall,
  startHardhat,
  startLocalDeployment,
  stopProcess,
} from "../helpers/local-node";

const DEPLOYMENT_ID = `indexer-${process.pid}-${Date.now()}`;
const database = process.env.DATABASE_URL ? "PostgreSQL" : "PGlite";

describe(`indexer end to end (Ponder on ${database}, hardhat node in a child process)`, function () {
  this.timeout(300_000);

  let url = "";
  let node: ChildProcess | undefined;
  let indexer: RunningIndexer | undefined;
  let ctx: HistoryContext;

  /** The node's logs of both contracts, in chain order. */
  async function chainLogs(): Promise<StoredLog[]> {
    const logs = await ctx.provider.getLogs({
      address: [ctx.contracts.QuadraticFundingAllocator, ctx.contracts.CoordinatedPledges],
      fromBlock: 0,
      toBlock: "latest",
    });
    return logs.map((l) => ({
      blockNumber: String(l.blockNumber),
      blockHash: l.blockHash,
      transactionHash: l.transactionHash,
      logIndex: l.index,
      address: l.address.toLowerCase(),
      topics: [...l.topics],
      data: l.data,
    }));
  }

  before(async () => {
    const local = await startLocalDeployment(DEPLOYMENT_ID);
    ({ url, node } = local);
    ctx = await historyContext(url, local.contracts as unknown as HistoryContracts);
    indexer = await startIndexer(url, DEPLOYMENT_ID);
  });

  after(async () => {
    await indexer?.stop();
    await stopProcess(node);
    removeDeploymentRecords(DEPLOYMENT_ID, hre.config.paths.cache);
  });

  it("prints where it serves, and answers health with the indexed block and the lag", async () => {
    const ready = indexer!.ready;
    expect(ready.url).to.equal(`http://localhost:${indexer!.port}`);
    expect(ready.chainId).to.equal(31337);
    expect(String(ready.allocator).toLowerCase()).to.equal(
      ctx.contracts.QuadraticFundingAllocator.toLowerCase(),
    );
    expect(ready.database).to.equal(process.env.DATABASE_URL ? "postgres" : "pglite");
    const head = await waitSynced(indexer!, ctx.provider);
    const { status, body } = await getJson(indexer!, "/api/health");
    expect(status).to.equal(200);
    expect(body).to.deep.include({ ok: true, chainId: 31337, indexedBlock: head, lag: 0 });
  });

  it("stores every log of both contracts as the chain has it, live", async () => {
    await playAllocatorHistory(ctx);
    await playPledgesHistory(ctx);
    await waitSynced(indexer!, ctx.provider);
    const stored = await storedLogs(indexer!);
    const chain = await chainLogs();
    expect(chain.length).to.be.greaterThan(50);
    expect(stored).to.deep.equal(chain);
  });

  it("serves the allocator's figures as the CLI and the contracts give them, and the auditor's rounds", async () => {
    await waitSynced(indexer!, ctx.provider);
    // GET /api/gaps/funding/stats and `qf:stats --json` describe the same thing the same way.
    const cli = await finish(
      startHardhat(["qf:stats", "--json", "--network", "localhost"], childEnv(url, DEPLOYMENT_ID)),
    );
    expect(cli.code, cli.stderr).to.equal(0);
    const stats = await getJson(indexer!, "/api/gaps/funding/stats");
    expect(stats.status).to.equal(200);
    expect(stats.body).to.deep.equal(JSON.parse(cli.stdout));
    const body = stats.body as { gaps: { gapId: string; name: string | null }[] };
    expect(body.gaps.map((g) => g.name)).to.deep.equal(["alpha", "beta", "gamma"]);

    // One gap by name and by id: its row equals the contract's getGapFundingStats.
    const qf = await ctx.allocator(0);
    for (const ref of ["alpha", body.gaps[1]!.gapId]) {
      const one = await getJson(indexer!, `/api/gaps/${ref}/funding`);
      expect(one.status).to.equal(200);
      const g = one.body as Record<string, unknown> & {
        rounds: unknown[];
        contributions: { tier: string }[];
      };
      const row = await qf.gap(ref);
      expect(g.directTotal).to.equal(qf.formatAmount(row.directTotal));
      expect(g.matchedTotal).to.equal(qf.formatAmount(row.matchedTotal));
      expect(g.withdrawable).to.equal(qf.formatAmount(row.withdrawable));
      expect(g.estimatedMatch).to.equal(qf.formatAmount(row.estimatedMatch));
      expect(g.rounds.length).to.be.greaterThan(0);
      expect(g.contributions.some((r) => r.tier === "direct")).to.equal(true);
    }

    // Rounds equal the auditor's reconstruction, and the contract's getRound for finalised ones.
    const history = await indexCofund({
      provider: ctx.provider,
      allocator: ctx.contracts.QuadraticFundingAllocator,
      pledges: ctx.contracts.CoordinatedPledges,
    });
    const report = await auditCofund({ provider: ctx.provider, history });
    expect(report.ok, JSON.stringify(report.discrepancies)).to.equal(true);
    const rounds = await getJson(indexer!, "/api/rounds");
    const fromAudit = auditReportJson(report, 18).rounds;
    expect((rounds.body as { rounds: unknown }).rounds).to.deep.equal(fromAudit);
    const one = await getJson(indexer!, "/api/rounds/1");
    const onChain = await qf.contract.getRound(1n);
    expect(one.body).to.deep.include({
      round: 1,
      status: "finalized",
      gapsFunded: Number(onChain.gapsFunded),
    });
    expect((one.body as { poolSize: string }).poolSize).to.equal(qf.formatAmount(onChain.matchingPoolTokens));

    // Bad parameters: 400 with a reason; unknown ids: 404.
    expect((await getJson(indexer!, "/api/gaps/funding/stats?limit=x")).status).to.equal(400);
    expect((await getJson(indexer!, "/api/rounds/0")).status).to.equal(400);
    expect((await getJson(indexer!, "/api/rounds/99")).status).to.equal(404);
    expect((await getJson(indexer!, "/api/gaps/no-such-gap/funding")).status).to.equal(404);
    const paged = (await getJson(indexer!, "/api/gaps/funding/stats?offset=1&limit=1")).body as typeof body;
    expect(paged.gaps.map((g) => g.name)).to.deep.equal(["beta"]);
  });

  it("serves campaigns as cqf:status --json describes them, and what an address did", async () => {
    await waitSynced(indexer!, ctx.provider);
    const list = (await getJson(indexer!, "/api/campaigns")).body as { campaigns: { campaignId: string }[] };
    expect(list.campaigns.map((c) => c.campaignId)).to.deep.equal(["1", "2", "3"]);
    for (const id of ["1", "2", "3"]) {
      const cli = await finish(
        startHardhat(
          ["cqf:status", "--campaign", id, "--json", "--network", "localhost"],
          childEnv(url, DEPLOYMENT_ID),
        ),
      );
      expect(cli.code, cli.stderr).to.equal(0);
      const api = await getJson(indexer!, `/api/campaigns/${id}`);
      expect(api.status).to.equal(200);
      expect(api.body, `campaign ${id}`).to.deep.equal(JSON.parse(cli.stdout));
    }
    // deploy/history.ts: campaign 1 constant at s₀ 0.1 (no parameter), campaign 2 geometric at s₀ 0.002, r 0.8.
    const speeds = await Promise.all(
      ["1", "2"].map(async (id) => {
        const b = (await getJson(indexer!, `/api/campaigns/${id}`)).body as Record<string, unknown>;
        return [b.policy, b.initialSpeed, b.policyParameter, b.decimals];
      }),
    );
    expect(speeds).to.deep.equal([
      ["constant", "0.1", null, 18],
      ["geometric", "0.002", "0.8", 18],
    ]);
    expect((await getJson(indexer!, "/api/campaigns/9")).status).to.equal(404);
    expect((await getJson(indexer!, "/api/campaigns/x")).status).to.equal(400);

    // Account 1 gave alpha 5 and gamma 7.5 in round 1, and pledged in campaigns 1 and 2 (deploy/history.ts).
    const who = ctx.signers[1]!.address;
    const mine = (await getJson(indexer!, `/api/contributors/${who}`)).body as {
      contributed: string;
      contributions: { gapId: string; amount: string }[];
      pledges: { campaignId: number }[];
    };
    expect(mine.contributed).to.equal("12.5");
    expect(mine.contributions.map((r) => r.amount)).to.deep.equal(["5", "7.5"]);
    expect(mine.pledges.map((p) => p.campaignId)).to.deep.equal([1, 2]);
    expect((await getJson(indexer!, "/api/contributors/0x123")).status).to.equal(400);
  });

  it("keeps the allocator design's tables and the pledges' in the database, equal to the chain", async () => {
    await waitSynced(indexer!, ctx.provider);
    const qf = await ctx.allocator(0);
    const tables = await graphql<{
      gapss: {
        items: {
          gapId: string;
          name: string;
          directTotal: string;
          matchedTotal: string;
          withdrawable: string;
          contributorCount: number;
        }[];
      };
      gapFundingRoundss: {
        items: {
          startedAt: string | null;
          roundNumber: number;
          matchingPoolTokens: string;
          gapsFunded: number;
          totalWeight: string;
          status: string;
        }[];
      };
      gapFundingContributionss: { items: { id: number; tier: string; gapId: string; amount: string }[] };
      campaignss: { items: { campaignId: number; state: string; h: string; pot: string }[] };
      settlementss: { items: { campaignId: number; h: string; pot: string }[] };
    }>(
      indexer!,
      `
        {
          gapss(orderBy: "gapId") {
            items {
              gapId
              name
              directTotal
              matchedTotal
              withdrawable
              contributorCount
            }
          }
          gapFundingRoundss(orderBy: "roundNumber") {
            items {
              roundNumber
              matchingPoolTokens
              gapsFunded
              totalWeight
              status
              startedAt
            }
          }
          gapFundingContributionss(limit: 1000, orderBy: "id") {
            items {
              id
              tier
              gapId
              amount
            }
          }
          campaignss(orderBy: "campaignId") {
            items {
              campaignId
              state
              h
              pot
            }
          }
          settlementss(orderBy: "campaignId") {
            items {
              campaignId
              h
              pot
            }
          }
        }
      `,
    );
    expect(tables.gapss.items.map((g) => g.name).sort()).to.deep.equal(["alpha", "beta", "gamma"]);
    for (const g of tables.gapss.items) {
      const row = await qf.gap(g.gapId);
      expect([g.directTotal, g.matchedTotal, g.withdrawable, g.contributorCount], g.name).to.deep.equal([
        row.directTotal.toString(),
        row.matchedTotal.toString(),
        row.withdrawable.toString(),
        Number(row.contributorCount),
      ]);
    }
    for (const r of tables.gapFundingRoundss.items) {
      const start = (await qf.contract.getRound(BigInt(r.roundNumber))).startTime;
      expect(r.startedAt, `round ${r.roundNumber} start`).to.equal(start.toString());
    }
    for (const r of tables.gapFundingRoundss.items.filter((x) => x.status !== "open")) {
      const onChain = await qf.contract.getRound(BigInt(r.roundNumber));
      expect([r.matchingPoolTokens, r.gapsFunded, r.totalWeight]).to.deep.equal([
        onChain.matchingPoolTokens.toString(),
        Number(onChain.gapsFunded),
        onChain.totalWeight.toString(),
      ]);
    }
    const contributions = tables.gapFundingContributionss.items;
    expect(contributions.map((r) => r.id)).to.deep.equal(contributions.map((_, i) => i + 1));
    const direct = contributions.filter((r) => r.tier === "direct").length;
    const made = await ctx.provider.getLogs({
      address: ctx.contracts.QuadraticFundingAllocator,
      topics: [qf.contract.interface.getEvent("ContributionMade")!.topicHash],
      fromBlock: 0,
    });
    expect(direct).to.equal(made.length);
    const refunded = await ctx.provider.getLogs({
      address: ctx.contracts.QuadraticFundingAllocator,
      topics: [qf.contract.interface.getEvent("ContributionRefunded")!.topicHash],
      fromBlock: 0,
    });
    expect(refunded.length).to.be.greaterThan(0);
    expect(contributions.filter((r) => r.tier === "refund").length).to.equal(refunded.length);
    const cp = await ctx.pledges(0);
    for (const c of tables.campaignss.items) {
      const v = await cp.contract.getCampaign(BigInt(c.campaignId));
      if (c.state === "settled") expect([c.h, c.pot]).to.deep.equal([v.h.toString(), v.pot.toString()]);
    }
    expect(tables.settlementss.items.map((x) => x.campaignId)).to.deep.equal([1, 2]);
  });

  it("follows a reorganisation: the stored logs and the API equal the new chain's", async () => {
    const snapshot = (await rpcCall(url, "evm_snapshot")) as string;
    for (const i of [1, 2, 3]) await (await ctx.allocator(i)).contribute("alpha", parseUnits("2", 18));
    await waitSynced(indexer!, ctx.provider);
    const before = await chainLogs();
    expect(await storedLogs(indexer!)).to.deep.equal(before);
    const forked = (await getJson(indexer!, "/api/gaps/funding/stats")).body as {
      totals: { directTotal: string };
    };

    await rpcCall(url, "evm_revert", [snapshot]);
    await (await ctx.allocator(4)).contribute("beta", parseUnits("3", 18));
    for (let k = 0; k < 4; k++) await rpcCall(url, "evm_mine");
    await waitSynced(indexer!, ctx.provider);
    const after = await chainLogs();
    expect(after.length).to.equal(before.length - 3 + 1);
    expect(await storedLogs(indexer!)).to.deep.equal(after);
    // The API's replay follows too: the stats are the new chain's, as the CLI reads them.
    const cli = await finish(
      startHardhat(["qf:stats", "--json", "--network", "localhost"], childEnv(url, DEPLOYMENT_ID)),
    );
    const now = (await getJson(indexer!, "/api/gaps/funding/stats")).body as {
      totals: { directTotal: string };
    };
    expect(now).to.deep.equal(JSON.parse(cli.stdout));
    expect(Number(forked.totals.directTotal) - Number(now.totals.directTotal)).to.equal(6 - 3); // 3 × 2 gone, 3 in
    // …and so are the tables (Ponder reverted them to the fork; the handlers' replay was rebuilt).
    const qf = await ctx.allocator(0);
    const { gapss } = await graphql<{ gapss: { items: { gapId: string; directTotal: string }[] } }>(
      indexer!,
      "{ gapss { items { gapId directTotal } } }",
    );
    for (const g of gapss.items)
      expect(g.directTotal).to.equal((await qf.gap(g.gapId)).directTotal.toString());
  });

  it("a second indexer started after the history backfills the same logs", async () => {
    const second = await startIndexer(url, DEPLOYMENT_ID);
    try {
      await waitSynced(second, ctx.provider);
      expect(await storedLogs(second)).to.deep.equal(await chainLogs());
      const query =
        '{ gapss(orderBy: "gapId") { items { gapId directTotal matchedTotal withdrawable } } campaignss(orderBy: "campaignId") { items { campaignId state h pot } } }';
      expect(await graphql(second, query)).to.deep.equal(await graphql(indexer!, query));
    } finally {
      await second.stop();
    }
  });

  it("indexes campaigns under the harmonic and limit-sqrt policies (a limit-sqrt raise re-speeds its pledge) as cqf:status describes them", async () => {
    const cp = await ctx.pledges(0);
    const common = { token: ctx.contracts.TestToken, recipient: ctx.signers[9]!.address, duration: 86_400 };
    const harmonic = await cp.createCampaign({
      ...common,
      policy: "harmonic",
      initialSpeed: 10n ** 17n,
      rate: 5n * 10n ** 16n,
    });
    const sqrt = await cp.createCampaign({
      ...common,
      policy: "limit-sqrt",
      initialSpeed: 10n ** 17n,
      referenceLimit: parseUnits("10", 18),
    });
    for (const i of [1, 2, 3])
      for (const id of [harmonic.campaignId, sqrt.campaignId])
        await (await ctx.pledges(i)).pledge(id, parseUnits(String(4 * i), 18), { approve: true });
    await (await ctx.pledges(1)).pledge(sqrt.campaignId, parseUnits("36", 18), { approve: true }); // a raise
    await waitSynced(indexer!, ctx.provider);
    for (const [id, policy] of [
      [harmonic.campaignId, "harmonic"],
      [sqrt.campaignId, "limit-sqrt"],
    ] as const) {
      const cli = await finish(
        startHardhat(
          ["cqf:status", "--campaign", String(id), "--json", "--network", "localhost"],
          childEnv(url, DEPLOYMENT_ID),
        ),
      );
      expect(cli.code, cli.stderr).to.equal(0);
      const api = await getJson(indexer!, `/api/campaigns/${id}`);
      expect(api.body, policy).to.deep.equal(JSON.parse(cli.stdout));
      const body = api.body as { policy: string; initialSpeed: string; policyParameter: string | null };
      // The parameters given to createCampaign above: s₀ 0.1, c 0.05, L₀ 10 tokens.
      expect([body.policy, body.initialSpeed, body.policyParameter]).to.deep.equal([
        policy,
        "0.1",
        policy === "harmonic" ? "0.05" : "10",
      ]);
      const { pledgess } = await graphql<{ pledgess: { items: { pledgeId: number; speed: string }[] } }>(
        indexer!,
        `{ pledgess(where: { campaignId: ${id} }, orderBy: "pledgeId") { items { pledgeId speed } } }`,
      );
      const onChain = await Promise.all(
        pledgess.items.map((p) => cp.contract.getPledge(id, BigInt(p.pledgeId))),
      );
      expect(pledgess.items.map((p) => p.speed)).to.deep.equal(onChain.map((p) => p.speed.toString()));
    }
  });

  it("audit --indexer reconciles its database with the chain; a planted difference is reported and survives a restart, which resumes from the database", async () => {
    const audit = async (): Promise<{
      code: number | null;
      report: Record<string, unknown>;
      stderr: string;
    }> => {
      const args = ["audit", "--json", "--indexer", indexer!.base, "--network", "localhost"];
      const run = await finish(startHardhat(args, childEnv(url, DEPLOYMENT_ID)));
      return {
        code: run.code,
        report: JSON.parse(run.stdout || "{}") as Record<string, unknown>,
        stderr: run.stderr,
      };
    };
    const head = await waitSynced(indexer!, ctx.provider);
    const clean = await audit();
    expect(clean.code, clean.stderr + JSON.stringify(clean.report.discrepancies)).to.equal(0);
    expect(clean.report.toBlock).to.equal(head);
    const rows = (clean.report.indexer as { rows: Record<string, number> }).rows;
    const logs = await chainLogs();
    expect(rows.cofund_events).to.equal(logs.length);
    expect(rows.gaps).to.equal(3);
    for (const table of [
      "gap_funding_contributions",
      "gap_funding_rounds",
      "campaigns",
      "pledges",
      "settlements",
    ])
      expect(rows[table], table).to.be.greaterThan(0);

    // Past the indexer's finality window every row is final: a restart resumes from the database
    // (Ponder's crash recovery reverts only rows of unfinalised blocks) instead of re-indexing.
    for (let i = 0; i < 40; i++) await rpcCall(url, "evm_mine"); // the window: 30 blocks here
    await waitSynced(indexer!, ctx.provider);
    // An operator edits a row while the indexer is stopped (PGlite belongs to one process).
    const data = indexer!.data;
    await indexer!.stop({ keep: true });
    const planted = await queryIndexerDatabase(
      data,
      "update gaps set direct_total = direct_total + 1 where gap_id = (select min(gap_id) from gaps) returning gap_id",
    );
    expect(planted).to.have.length(1);
    indexer = await startIndexer(url, DEPLOYMENT_ID, {}, data);
    await waitSynced(indexer, ctx.provider);
    expect(indexer.log()).to.match(/crash recovery/i);
    expect(indexer.log()).not.to.match(/Created database tables/);
    expect((await storedLogs(indexer)).length).to.equal(logs.length);
    await rpcCall(url, "evm_mine"); // a new block after the restart is indexed too
    await waitSynced(indexer!, ctx.provider);
    const dirty = await audit();
    expect(dirty.code).to.equal(1);
    const found = (
      dirty.report.discrepancies as { kind: string; subject: string; expected: string; actual: string }[]
    ).filter((d) => d.kind.startsWith("indexer"));
    const gapId = String(planted[0]!.gap_id);
    expect(found.map((d) => d.subject)).to.deep.equal([`indexer gaps ${gapId}`]);
    expect(BigInt(found[0]!.actual) - BigInt(found[0]!.expected)).to.equal(1n);
  });

  it("serves reads from a second instance on the same database (--serve, PostgreSQL), and refuses it on PGlite", async () => {
    const data = indexer!.data;
    if (!("schema" in data)) {
      const run = await finish(
        startHardhat(["indexer", "--serve", "--network", "localhost"], childEnv(url, DEPLOYMENT_ID)),
      );
      expect(run.code).to.not.equal(0);
      expect(run.stderr).to.match(
        /--serve reads the database another instance indexes into: set DATABASE_URL/,
      );
      return;
    }
    const reader = await startIndexer(url, DEPLOYMENT_ID, {}, data, ["--serve"]);
    try {
      expect(reader.ready.mode).to.equal("serve");
      await waitSynced(indexer!, ctx.provider);
      for (const route of ["/api/gaps/funding/stats", "/api/rounds", "/api/campaigns", "/api/campaigns/1"]) {
        expect(await getJson(reader, route), route).to.deep.equal(await getJson(indexer!, route));
      }
      const query = '{ gapss(orderBy: "gapId") { items { gapId directTotal matchedTotal } } }';
      expect(await graphql(reader, query)).to.deep.equal(await graphql(indexer!, query));
    } finally {
      await reader.stop({ keep: true });
    }
  });

  it("answers the allocator design's writes with 405 and the contract function and CLI task to use", async () => {
    for (const route of ["/fund", "/match", "/api/fund", "/api/match"]) {
      const res = await fetch(indexer!.base + route, { method: "POST" });
      expect(res.status, route).to.equal(405);
      const body = (await res.json()) as Record<string, string>;
      expect(body.contract).to.equal("QuadraticFundingAllocator");
      expect(body.cli).to.match(/^npx hardhat qf:/);
    }
  });
});
