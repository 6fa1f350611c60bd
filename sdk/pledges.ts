/**
 * Typed client of a deployed CoordinatedPledges. Every write returns the transaction hash and its
 * gasUsed with the decoded event data; reverts become `ContractRevertError`s whose message names the
 * custom error. `settle` computes the tightest bracket off-chain with the exact mirror
 * (`sdk/math/pledges.ts`) from the on-chain pledge data and submits pages until the campaign settles.
 *
 * ```ts
 * const cp = await PledgesClient.connect(pledgesAddress, signer);
 * const { campaignId } = await cp.createCampaign({ token, recipient, duration: 86_400, initialSpeed: 10n ** 17n });
 * await cp.pledge(campaignId, 100n * 10n ** 18n);
 * // … after the deadline
 * const s = await cp.settle(campaignId);
 * await cp.claim(campaignId, 0n);
 * await cp.claimPot(campaignId);
 * ```
 *
 * TypeChain and the error decoder are loaded lazily (`connect`), so this module can be imported by
 * Hardhat task files before `typechain-types/` exists.
 */
import type { ContractRunner } from "ethers";
import type { CoordinatedPledges, ERC20Permit, IERC20Metadata } from "../typechain-types";
import type { ErrorContext } from "./errors";
import { ContractClient, eventFields, type ClientLib } from "./client";
import * as pm from "./math/pledges";
import { campaignStatus } from "./campaign-status";

export type * from "./pledges-types";
import type {
  PledgesTxInfo,
  CreateCampaignOptions,
  PledgeStatus,
  CampaignStatus,
  Settlement,
  SettlementPage,
} from "./pledges-types";
export { previewRaise, type RaisePreview } from "./math/settlement";

const READ_PAGE = 2000n;

/**
 * `CampaignParams.decay` for `policy` from the options: r (`decay`, default 1e18) for constant and
 * geometric, c (`rate`) for harmonic, L₀ (`referenceLimit`) for limit-sqrt — those two are required.
 */
function policyParameter(policy: pm.Policy, o: CreateCampaignOptions): bigint {
  if (policy === pm.Policy.Harmonic) {
    if (o.rate === undefined)
      throw new Error("createCampaign: the harmonic policy needs its rate c (`rate`)");
    return o.rate;
  }
  if (policy === pm.Policy.LimitSqrt) {
    if (o.referenceLimit === undefined)
      throw new Error(
        "createCampaign: the limit-sqrt policy needs its reference limit L₀ (`referenceLimit`)",
      );
    return o.referenceLimit;
  }
  return o.decay ?? pm.UNIT;
}

/** A campaign token as the client knows it. */
export interface PledgesTokenInfo {
  contract: IERC20Metadata;
  decimals: number;
  symbol: string;
}

/** What the client loads lazily (TypeChain factories, the error decoder, payments, sending). */
interface PledgesLib extends ClientLib {
  erc20: (address: string, runner: ContractRunner) => IERC20Metadata;
  erc20Permit: (address: string, runner: ContractRunner) => ERC20Permit;
}

/** Client of one CoordinatedPledges. Create with `PledgesClient.connect`. */
export class PledgesClient extends ContractClient<CoordinatedPledges> {
  private readonly tokens: Map<string, PledgesTokenInfo>;

  private constructor(
    contract: CoordinatedPledges,
    address: string,
    runner: ContractRunner,
    protected override readonly lib: PledgesLib,
    tokens?: Map<string, PledgesTokenInfo>,
  ) {
    super(contract, address, runner, lib);
    this.tokens = tokens ?? new Map();
  }

  /** Connects to the CoordinatedPledges at `address` (loads TypeChain and the error decoder lazily). */
  static async connect(address: string, runner: ContractRunner): Promise<PledgesClient> {
    const [tc, errors, approvals, tx] = await Promise.all([
      import("../typechain-types"),
      import("./errors"),
      import("./approvals"),
      import("./tx"),
    ]);
    return new PledgesClient(tc.CoordinatedPledges__factory.connect(address, runner), address, runner, {
      erc20: (a, r) => tc.IERC20Metadata__factory.connect(a, r),
      erc20Permit: (a, r) => tc.ERC20Permit__factory.connect(a, r),
      toRevertError: (e, ctx) => errors.toRevertError(e, ctx),
      payFromBalance: (req) => approvals.payFromBalance(req),
      sendAndWait: (fn, provider) => tx.sendAndWait(fn, provider),
    });
  }

  /** The same client acting as `runner` (shares the token metadata it read). */
  withRunner(runner: ContractRunner): PledgesClient {
    return new PledgesClient(this.contract.connect(runner), this.address, runner, this.lib, this.tokens);
  }

  // ─────────────────────────────────────────────── helpers

  /** The ERC-20 of `address`, its decimals and symbol (cached). */
  async tokenInfo(address: string): Promise<PledgesTokenInfo> {
    const key = address.toLowerCase();
    const known = this.tokens.get(key);
    if (known !== undefined) return known;
    const contract = this.lib.erc20(address, this.runner);
    const [decimals, symbol] = await Promise.all([
      contract.decimals(),
      contract.symbol().catch(() => "tokens"),
    ]);
    const info = { contract, decimals: Number(decimals), symbol };
    this.tokens.set(key, info);
    return info;
  }

  /** The error context of a token (amounts in its units and symbol). */
  private tokenContext(info: PledgesTokenInfo): ErrorContext {
    return { decimals: info.decimals, symbol: info.symbol };
  }

  /** The error context of a campaign's token; none when the campaign cannot be read. */
  async campaignContext(campaignId: bigint): Promise<ErrorContext | undefined> {
    try {
      const c = await this.contract.getCampaign(campaignId);
      return this.tokenContext(await this.tokenInfo(c.token));
    } catch {
      return undefined;
    }
  }

  // ─────────────────────────────────────────────── campaigns

  /** `createCampaign`. */
  async createCampaign(
    o: CreateCampaignOptions,
  ): Promise<PledgesTxInfo & { campaignId: bigint; deadline: bigint }> {
    let deadline = o.deadline !== undefined ? BigInt(o.deadline) : undefined;
    if (deadline === undefined) {
      if (o.duration === undefined) throw new Error("createCampaign: give a deadline or a duration");
      const provider = this.signer().provider;
      const latest = provider ? await provider.getBlock("latest") : null;
      const now = latest ? BigInt(latest.timestamp) : BigInt(Math.floor(Date.now() / 1000));
      deadline = now + BigInt(o.duration);
    }
    const policy = pm.policyOf(o.policy ?? "constant");
    if (policy === undefined)
      throw new Error(`createCampaign: unknown policy "${o.policy}" (${pm.POLICY_NAMES.join(", ")})`);
    const params = {
      token: o.token,
      recipient: o.recipient,
      deadline,
      mode: o.mode === "linear" ? pm.Mode.Linear : pm.Mode.Quadratic,
      policy,
      initialSpeed: o.initialSpeed,
      decay: policyParameter(policy, o),
      minLimit: o.minLimit ?? 0n,
      allocator: o.allocator ?? "0x0000000000000000000000000000000000000000",
      gapId: o.gapId ?? "0x" + "0".repeat(64),
    };
    const { receipt, info } = await this.send(() => this.contract.createCampaign(params));
    const e = this.event(receipt, "CampaignCreated");
    return { ...info, campaignId: e.args.campaignId, deadline };
  }

  /**
   * `pledge` of `limit` raw tokens from the signer, by the rules of sdk/approvals.ts: the balance and
   * allowance are read and the pledge simulated before anything is signed (a pledge the contract
   * rejects sends nothing); when the allowance is short it is raised to exactly `limit` and put back
   * if the pledge still fails, so no approval is left standing. CoordinatedPledges has no permit entry
   * point, so this is the approval path. `approve: false` sends the pledge as it is.
   *
   * One pledge per address per campaign: when the signer already has an active pledge in the campaign,
   * this raises it by `limit` (`raised: true`; same id and speed) and `limit` in the result is the
   * combined limit; `added` is what this call escrowed.
   */
  async pledge(
    campaignId: bigint,
    limit: bigint,
    opts: { approve?: boolean } = {},
  ): Promise<
    PledgesTxInfo & {
      pledgeId: bigint;
      speed: bigint;
      /** Whether this raised the signer's existing pledge. */
      raised: boolean;
      /** Raw tokens escrowed by this call. */
      added: bigint;
      /** The pledge's (combined) limit after this call. */
      limit: bigint;
      approvalTxHash?: string;
    }
  > {
    const c = await this.guard(() => this.contract.getCampaign(campaignId));
    const info = await this.tokenInfo(c.token);
    const ctx = this.tokenContext(info);
    const paid = await this.pay({
      token: this.lib.erc20Permit(c.token, this.runner),
      amount: limit,
      ctx,
      approve: opts.approve,
      simulate: () => this.contract.pledge.staticCall(campaignId, limit),
      send: () => this.send(() => this.contract.pledge(campaignId, limit), ctx),
    });
    const { approvalTxHash } = paid;
    const { receipt, info: txInfo } = paid.result;
    const approval = approvalTxHash !== undefined ? { approvalTxHash } : {};
    const raise = this.events(receipt, "PledgeRaised")[0];
    if (raise !== undefined) {
      const pledgeId = raise.args.pledgeId;
      const p = await this.guard(() => this.contract.getPledge(campaignId, pledgeId));
      return {
        ...txInfo,
        pledgeId,
        speed: p.speed,
        raised: true,
        added: raise.args.added,
        limit: raise.args.newLimit,
        ...approval,
      };
    }
    const e = this.event(receipt, "Pledged");
    return {
      ...txInfo,
      ...eventFields(e.args, "pledgeId", "speed", "limit"),
      raised: false,
      added: e.args.limit,
      ...approval,
    };
  }

  /**
   * `pledger`'s active pledge in the campaign (one per address), the one its next `pledge` raises:
   * `exists: false` (pledgeId 0) when it has none — never pledged, withdrew, or the pledge was claimed.
   */
  async pledgeOf(campaignId: bigint, pledger: string): Promise<{ exists: boolean; pledgeId: bigint }> {
    return this.guard(async () => {
      const [exists, pledgeId] = await this.contract.pledgeOf(campaignId, pledger);
      if (!exists) return { exists: false, pledgeId: 0n };
      const p = await this.contract.getPledge(campaignId, pledgeId);
      return p.state === 1n ? { exists: true, pledgeId } : { exists: false, pledgeId: 0n };
    });
  }

  /**
   * What raising `pledger`'s active pledge by `added` raw tokens would do (`previewRaise`, the exact
   * mirror; the contract's `previewPledge` previews a new pledge only). Throws when `pledger` has no
   * active pledge in the campaign (its pledge would be a new one: use `previewPledge`).
   */
  async previewRaise(campaignId: bigint, pledger: string, added: bigint): Promise<pm.RaisePreview> {
    const { exists, pledgeId } = await this.pledgeOf(campaignId, pledger);
    if (!exists) {
      throw new Error(
        `${pledger} has no active pledge in campaign ${campaignId}: a pledge would be a new one (previewPledge)`,
      );
    }
    // The speed rule: under limit-sqrt the raise recomputes the pledge's speed.
    const c = await this.guard(() => this.contract.getCampaign(campaignId));
    const rule = { policy: Number(c.policy) as pm.Policy, initialSpeed: c.initialSpeed, param: c.decay };
    return pm.previewRaise(await this.readMath(campaignId), Number(pledgeId), added, rule);
  }

  /** `withdrawPledge` (the pledger, before the deadline). */
  async withdraw(campaignId: bigint, pledgeId: bigint): Promise<PledgesTxInfo & { limit: bigint }> {
    const { receipt, info } = await this.send(() => this.contract.withdrawPledge(campaignId, pledgeId));
    return { ...info, limit: this.event(receipt, "PledgeWithdrawn").args.limit };
  }

  /** `cancelCampaign` (the creator, before the deadline). */
  async cancel(campaignId: bigint): Promise<PledgesTxInfo> {
    return (await this.send(() => this.contract.cancelCampaign(campaignId))).info;
  }

  // ─────────────────────────────────────────────── settlement

  /** The campaign's settlement inputs, read from the chain (pages of 2,000 pledges). */
  async readMath(campaignId: bigint): Promise<pm.CampaignMath> {
    return this.guard(async () => {
      const c = await this.contract.getCampaign(campaignId);
      const pledges: pm.PledgeTerms[] = [];
      for (let offset = 0n; offset < c.pledgeCount; offset += READ_PAGE) {
        const [limits, speeds, states] = await this.contract.getPledges(campaignId, offset, READ_PAGE);
        limits.forEach((limit, k) => pledges.push({ limit, speed: speeds[k], active: states[k] !== 2n }));
      }
      return { mode: Number(c.mode) as pm.Mode, scale: c.scale, pledges };
    });
  }

  /** The latest block's timestamp (the local clock without a provider). */
  async chainTime(): Promise<bigint> {
    const latest = this.runner.provider ? await this.runner.provider.getBlock("latest") : null;
    return latest ? BigInt(latest.timestamp) : BigInt(Math.floor(Date.now() / 1000));
  }

  /**
   * Settles a campaign past its deadline with `bracket`, else the exact mirror's tightest bracket
   * (`findBracket`, the one the keeper uses too: every campaign has one once its deadline has passed).
   * Then `settle` pages of `maxPledges` (default and at most: the contract's page cap) until it is
   * settled, calling `onPage` after each confirmed page (page k of n, pledges processed so far).
   * Resumes a session already in progress for the same bracket.
   */
  async settle(
    campaignId: bigint,
    opts: { maxPledges?: bigint; bracket?: pm.Bracket; onPage?: (page: SettlementPage) => void } = {},
  ): Promise<Settlement> {
    const { hLow, hHigh } = opts.bracket ?? pm.findBracket(await this.readMath(campaignId));
    const cap = BigInt(pm.MAX_PAGE_PLEDGES);
    const size =
      opts.maxPledges === undefined || opts.maxPledges === 0n || opts.maxPledges > cap
        ? cap
        : opts.maxPledges;
    const pagesOf = (n: bigint): number => Math.max(1, Number((n + size - 1n) / size));
    const transactions: PledgesTxInfo[] = [];
    for (;;) {
      const { receipt, info } = await this.send(() =>
        this.contract.settle(campaignId, hLow, hHigh, opts.maxPledges ?? 0n),
      );
      transactions.push(info);
      const done = this.events(receipt, "CampaignSettled")[0];
      // A bracket [0, 0] settles without a pass (no SettlementProgressed): one page covering every pledge.
      const progress = this.events(receipt, "SettlementProgressed")[0];
      if (opts.onPage !== undefined) {
        const { cursor, pledgeCount } =
          progress !== undefined
            ? eventFields(progress.args, "cursor", "pledgeCount")
            : await this.contract.getCampaign(campaignId).then((c) => ({
                cursor: c.pledgeCount,
                pledgeCount: c.pledgeCount,
              }));
        opts.onPage({
          page: progress !== undefined ? pagesOf(cursor) : 1,
          pages: progress !== undefined ? pagesOf(pledgeCount) : 1,
          cursor,
          pledgeCount,
          settled: done !== undefined,
          txHash: info.txHash,
          gasUsed: info.gasUsed,
        });
      }
      if (done !== undefined) {
        return {
          ...eventFields(done.args, "h", "pot"),
          hLow,
          hHigh,
          transactions,
          gasUsed: transactions.reduce((s, t) => s + t.gasUsed, 0n),
        };
      }
    }
  }

  // ─────────────────────────────────────────────── claims

  /** `claim`: the pledge's refund, paid to its pledger (anyone may send it). */
  async claim(
    campaignId: bigint,
    pledgeId: bigint,
  ): Promise<PledgesTxInfo & { pledger: string; refund: bigint; payment: bigint }> {
    const { receipt, info } = await this.send(() => this.contract.claim(campaignId, pledgeId));
    const e = this.event(receipt, "RefundClaimed");
    return { ...info, ...eventFields(e.args, "pledger", "refund", "payment") };
  }

  /** `claimPot`: the pot into the allocator gap or to the recipient. `amount` is the total paid. */
  async claimPot(
    campaignId: bigint,
  ): Promise<PledgesTxInfo & { amount: bigint; payouts: { to: string; amount: bigint; toGap: boolean }[] }> {
    const { receipt, info } = await this.send(() => this.contract.claimPot(campaignId));
    const payouts = this.events(receipt, "PotClaimed").map((e) =>
      eventFields(e.args, "to", "amount", "toGap"),
    );
    return { ...info, amount: payouts.reduce((s, p) => s + p.amount, 0n), payouts };
  }

  /**
   * `reclaimPot`: a pot paid into an allocator gap that closed before the pot's round was finalised,
   * refunded by the allocator and paid to the campaign's recipient (anyone may send it).
   */
  async reclaimPot(campaignId: bigint): Promise<PledgesTxInfo & { recipient: string; amount: bigint }> {
    const { receipt, info } = await this.send(() => this.contract.reclaimPot(campaignId));
    const e = this.event(receipt, "PotReclaimed");
    return { ...info, ...eventFields(e.args, "recipient", "amount") };
  }

  // ─────────────────────────────────────────────── views

  /**
   * The campaign with every pledge in pledge order: live values (exact mirror of `solve`, payments at
   * it, float leverage) before settlement, settled values after.
   */
  async status(campaignId: bigint): Promise<CampaignStatus> {
    const c = await this.guard(() => this.contract.getCampaign(campaignId));
    const math = await this.readMath(campaignId);
    const count = c.pledgeCount;
    const pledgers: string[] = [];
    const states: bigint[] = [];
    for (let offset = 0n; offset < count; offset += READ_PAGE) {
      const [, , st, who] = await this.contract.getPledges(campaignId, offset, READ_PAGE);
      pledgers.push(...who);
      states.push(...st.map((x) => BigInt(x)));
    }
    const now = await this.chainTime();
    const { decimals } = await this.tokenInfo(c.token);
    // Listed pledges are active, withdrawn or claimed (never "none").
    const stateName = (x: bigint): PledgeStatus["state"] => pm.pledgeStateName(x) as PledgeStatus["state"];
    return campaignStatus({
      campaignId,
      chainState: pm.campaignStateName(c.state),
      now,
      settledH: c.h,
      settledPot: c.pot,
      math,
      pledgers,
      pledgeStates: states.map(stateName),
      mode: Number(c.mode) === pm.Mode.Linear ? "linear" : "quadratic",
      policy: pm.policyNameOf(c.policy),
      token: c.token,
      decimals,
      recipient: c.recipient,
      deadline: c.deadline,
      escrow: c.escrow,
      nextSpeed: c.nextSpeed,
      initialSpeed: c.initialSpeed,
      minLimit: c.minLimit,
      decay: c.decay,
      potClaimed: c.potClaimed,
      potInGap: c.potInGap,
      gapRound: c.gapRound,
    });
  }

  /** `previewPledge` (on-chain, exact) for `limit` raw tokens. */
  async previewPledge(campaignId: bigint, limit: bigint): Promise<pm.PledgePreview> {
    const [h, payment, potIncrease, leverage] = await this.guard(() =>
      this.contract.previewPledge(campaignId, limit),
    );
    return { h, payment, potIncrease, leverage };
  }

  /** Open campaigns past their deadline (for keepers), scanning every id. */
  async campaignsDue(): Promise<bigint[]> {
    const count = await this.contract.campaignCount();
    const out: bigint[] = [];
    for (let offset = 0n; offset < count; offset += 500n)
      out.push(...(await this.contract.campaignsDue(offset, 500n)));
    return out;
  }
}
