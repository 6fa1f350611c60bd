/**
 * Typed client of a deployed QuadraticFundingAllocator (and its ERC-20). Thin: every method is one
 * contract call (plus an approval where needed), returns the transaction hash, its gasUsed and the
 * decoded event data, and turns a revert into a `ContractRevertError` whose message is a readable
 * sentence naming the custom error.
 *
 * ```ts
 * const qf = await AllocatorClient.connect(allocatorAddress, signer);
 * await qf.registerGap("clean-water-data", recipient);
 * const c = await qf.contribute("clean-water-data", qf.parseAmount("12.5"));
 * const stats = await qf.stats();
 * ```
 * Gaps are given as names (hashed with keccak256(utf8(name))) or 0x bytes32 ids; amounts are raw
 * token units (bigint) — use `parseAmount`/`formatAmount` for "12.5"-style strings.
 */
import type { BlockTag, ContractRunner, ContractTransactionReceipt } from "ethers";
// Factories are imported from their own files: the typechain-types index loads every factory,
// which costs each CLI invocation about a second.
import { ERC20Permit__factory } from "../typechain-types/factories/@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit__factory";
import { QuadraticFundingAllocator__factory } from "../typechain-types/factories/contracts/QuadraticFundingAllocator__factory";
import type { ERC20Permit, QuadraticFundingAllocator } from "../typechain-types";
import { toRevertError, type ErrorContext } from "./errors";
import { payFromBalance, signPermit, type SignedPermit } from "./approvals";
import { sendAndWait, type TxInfo } from "./tx";
import { ContractClient, eventFields } from "./client";
import { GapNames, isBytes32, toGapId, type GapRef } from "./ids";
import { formatUnitsExact, parseUnitsExact } from "./units";
import { previewContribution, scaleOf, type ContributionPreview } from "./math/allocator";

export type { TxInfo } from "./tx";
export type * from "./allocator-types";
import type {
  GapRegistration,
  GapClosure,
  Contribution,
  PoolFunding,
  RoundFinalization,
  Withdrawal,
  Refund,
  GapRow,
  AllocatorStats,
  RoundInfo,
} from "./allocator-types";

const GAP_STATUS = ["None", "Active", "Closed"] as const;
const ROUND_STATUS = ["None", "Open", "Finalized"] as const;
const STATS_PAGE = 100n;

/** Options of `contribute` and `fundPool`. */
export interface ApproveOptions {
  /**
   * Authorise the payment when the allowance is below the amount (default true): by permit when
   * the token has it, else by an exact approval. `false` sends the call as it is.
   */
  approve?: boolean;
  /** Use EIP-2612 permit when the token supports it (default true); `false` approves instead. */
  permit?: boolean;
}

/** Client of one allocator. Create with `AllocatorClient.connect`. */
export class AllocatorClient extends ContractClient<QuadraticFundingAllocator> {
  /** Names this client resolved, so ids can be shown as names again. */
  readonly names: GapNames;

  private constructor(
    contract: QuadraticFundingAllocator,
    readonly token: ERC20Permit,
    address: string,
    readonly tokenAddress: string,
    readonly decimals: number,
    readonly symbol: string,
    runner: ContractRunner,
    names?: GapNames,
  ) {
    super(contract, address, runner, { toRevertError, sendAndWait, payFromBalance });
    this.names = names ?? new GapNames();
  }

  protected override defaultErrorContext(): ErrorContext {
    return this.errorContext();
  }

  /** Connects to the allocator at `address` and reads its token's address, decimals and symbol. */
  static async connect(address: string, runner: ContractRunner): Promise<AllocatorClient> {
    const contract = QuadraticFundingAllocator__factory.connect(address, runner);
    const tokenAddress = await contract.token();
    const token = ERC20Permit__factory.connect(tokenAddress, runner);
    const [decimals, symbol] = await Promise.all([token.decimals(), token.symbol().catch(() => "tokens")]);
    return new AllocatorClient(contract, token, address, tokenAddress, Number(decimals), symbol, runner);
  }

  /** The same client acting as `signer` (shares the token metadata and the known gap names). */
  withRunner(runner: ContractRunner): AllocatorClient {
    return new AllocatorClient(
      this.contract.connect(runner),
      this.token.connect(runner),
      this.address,
      this.tokenAddress,
      this.decimals,
      this.symbol,
      runner,
      this.names,
    );
  }

  // ─────────────────────────────────────────────── helpers

  /** "12.5" → raw units of the token (exact; too many decimals or negatives are rejected). */
  parseAmount(amount: string): bigint {
    return parseUnitsExact(amount, this.decimals);
  }

  /** Raw units → "12.5". */
  formatAmount(raw: bigint): string {
    return formatUnitsExact(raw, this.decimals);
  }

  /** A gap reference (name or bytes32) → bytes32 id; names are remembered for messages and tables. */
  gapId(ref: GapRef): string {
    const id = toGapId(ref); // validates ("0x1234" is neither a name nor an id)
    if (!isBytes32(ref)) this.names.add(ref);
    return id;
  }

  /** The context error sentences use (token decimals and symbol, known gap names). */
  errorContext(): ErrorContext {
    return { decimals: this.decimals, symbol: this.symbol, gapName: (id) => this.names.nameOf(id) };
  }

  // ─────────────────────────────────────────────── curator

  /** `registerGap` (CURATOR_ROLE). */
  async registerGap(gap: GapRef, recipient: string, metadataURI = ""): Promise<GapRegistration> {
    const gapId = this.gapId(gap);
    const { receipt, info } = await this.send(() => this.contract.registerGap(gapId, recipient, metadataURI));
    const e = this.event(receipt, "GapRegistered");
    return { ...info, ...eventFields(e.args, "gapId", "recipient"), metadataURI };
  }

  /** `closeGap` (CURATOR_ROLE). */
  async closeGap(gap: GapRef): Promise<GapClosure> {
    const gapId = this.gapId(gap);
    const { receipt, info } = await this.send(() => this.contract.closeGap(gapId));
    const e = this.event(receipt, "GapClosed");
    return { ...info, gapId, closedRound: e.args.closedRound };
  }

  // ─────────────────────────────────────────────── contributors

  private contribution(
    receipt: ContractTransactionReceipt,
    info: TxInfo,
    approvalTxHash?: string,
    permit = false,
  ): Contribution {
    const e = this.event(receipt, "ContributionMade");
    return {
      ...info,
      ...eventFields(e.args, "round", "gapId", "contributor", "amount", "contributorRoundTotal", "gapWeight"),
      ...(approvalTxHash !== undefined ? { approvalTxHash } : {}),
      permit,
    };
  }

  /**
   * `contributeToGap` from the signer. When the allowance is short: with a permit token, one
   * `contributeToGapWithPermit` transaction (no approval); otherwise an approval of exactly `amount`
   * first. A contribution that would fail is refused before anything is signed (sdk/approvals.ts).
   */
  async contribute(gap: GapRef, amount: bigint, options: ApproveOptions = {}): Promise<Contribution> {
    const gapId = this.gapId(gap);
    const permit = {
      simulate: (p: SignedPermit) =>
        this.contract.contributeToGapWithPermit.staticCall(gapId, amount, p.deadline, p.v, p.r, p.s),
      send: (p: SignedPermit) =>
        this.send(() => this.contract.contributeToGapWithPermit(gapId, amount, p.deadline, p.v, p.r, p.s)),
    };
    const paid = await this.pay({
      token: this.token,
      amount,
      ctx: this.errorContext(),
      approve: options.approve,
      simulate: () => this.contract.contributeToGap.staticCall(gapId, amount),
      send: () => this.send(() => this.contract.contributeToGap(gapId, amount)),
      ...(options.permit !== false ? { permit } : {}),
    });
    return this.contribution(paid.result.receipt, paid.result.info, paid.approvalTxHash, paid.permit);
  }

  /**
   * `contributeToGapWithPermit`: signs an EIP-2612 permit for exactly `amount` (valid `validFor`
   * seconds from the latest block, default one hour) and contributes in one transaction.
   */
  async contributeWithPermit(gap: GapRef, amount: bigint, validFor = 3600): Promise<Contribution> {
    const gapId = this.gapId(gap);
    const p = await signPermit(this.token, this.signer(), this.address, amount, validFor);
    const { receipt, info } = await this.send(() =>
      this.contract.contributeToGapWithPermit(gapId, amount, p.deadline, p.v, p.r, p.s),
    );
    return this.contribution(receipt, info, undefined, true);
  }

  /**
   * `fundMatchingPool` from the signer, approving exactly `amount` first when the allowance is
   * short; a funding that would fail is refused before anything is signed (sdk/approvals.ts).
   */
  async fundPool(amount: bigint, options: ApproveOptions = {}): Promise<PoolFunding> {
    const paid = await this.pay({
      token: this.token,
      amount,
      ctx: this.errorContext(),
      approve: options.approve,
      simulate: () => this.contract.fundMatchingPool.staticCall(amount),
      send: () => this.send(() => this.contract.fundMatchingPool(amount)),
    });
    const { receipt, info } = paid.result;
    const approvalTxHash = paid.approvalTxHash;
    const e = this.event(receipt, "MatchingPoolFunded");
    return {
      ...info,
      ...eventFields(e.args, "funder", "amount", "newBalance"),
      ...(approvalTxHash !== undefined ? { approvalTxHash } : {}),
    };
  }

  /** `refundContribution` of the signer's contribution to a closed gap in `round`. */
  async refund(gap: GapRef, round: bigint): Promise<Refund> {
    const gapId = this.gapId(gap);
    const { receipt, info } = await this.send(() => this.contract.refundContribution(gapId, round));
    const e = this.event(receipt, "ContributionRefunded");
    return { ...info, gapId, ...eventFields(e.args, "contributor", "round", "amount") };
  }

  // ─────────────────────────────────────────────── keepers

  /**
   * `sweepRound(round)` (anyone): once every funded gap of a finalised round has withdrawn, returns
   * the round's unpaid allocation (cap excess, rounding dust) to the matching pool.
   */
  async sweep(round: bigint): Promise<TxInfo & { round: bigint; amount: bigint }> {
    const { receipt, info } = await this.send(() => this.contract.sweepRound(round));
    const e = this.event(receipt, "MatchingReturned");
    return { ...info, ...eventFields(e.args, "round", "amount") };
  }

  /** `computeMatchingRound(poolSize)` (KEEPER_ROLE): finalises the current round. */
  async match(poolSize: bigint): Promise<RoundFinalization> {
    const { receipt, info } = await this.send(() => this.contract.computeMatchingRound(poolSize));
    const e = this.event(receipt, "RoundFinalized");
    return {
      ...info,
      ...eventFields(
        e.args,
        "round",
        "poolSize",
        "totalWeight",
        "distributed",
        "gapsFunded",
        "nextRoundEndTime",
      ),
    };
  }

  /** `withdrawGapFunds`: pays the gap's recipient its settled funds (anyone may call). */
  async withdraw(gap: GapRef): Promise<Withdrawal> {
    const gapId = this.gapId(gap);
    const { receipt, info } = await this.send(() => this.contract.withdrawGapFunds(gapId));
    const paid = this.event(receipt, "GapFundsWithdrawn");
    const rounds = this.events(receipt, "GapRoundSettled").map((e) =>
      eventFields(e.args, "round", "direct", "matched"),
    );
    const more =
      (await this.guard(() => this.contract.withdrawable(gapId, { blockTag: receipt.blockNumber }))) > 0n;
    return {
      ...info,
      gapId,
      ...eventFields(paid.args, "recipient", "amount"),
      direct: rounds.reduce((s, r) => s + r.direct, 0n),
      matched: rounds.reduce((s, r) => s + r.matched, 0n),
      rounds,
      more,
    };
  }

  // ─────────────────────────────────────────────── views

  private gapRow(s: Awaited<ReturnType<QuadraticFundingAllocator["getGapFundingStats"]>>): GapRow {
    const status = GAP_STATUS[Number(s.status)];
    const name = this.names.nameOf(s.gapId);
    return {
      gapId: s.gapId,
      ...(name !== undefined ? { name } : {}),
      recipient: s.recipient,
      status: status === "Closed" ? "Closed" : "Active",
      metadataURI: s.metadataURI,
      directTotal: s.directTotal,
      matchedTotal: s.matchedTotal,
      matchedPaid: s.matchedPaid,
      refundedTotal: s.refundedTotal,
      withdrawable: s.withdrawable,
      contributorCount: s.contributorCount,
      currentRoundDirect: s.currentRoundDirect,
      currentRoundWeight: s.currentRoundWeight,
      estimatedMatch: s.estimatedMatch,
      closedRound: s.closedRound,
    };
  }

  /**
   * Every gap's funding (paging through `getAllGapsFunding`) and the system totals, all read at one
   * block. With `gap`, `gaps` holds only that gap (totals stay system-wide).
   */
  async stats(options: { gap?: GapRef; blockTag?: BlockTag } = {}): Promise<AllocatorStats> {
    return this.guard(async () => {
      const provider = this.runner.provider;
      const blockNumber =
        typeof options.blockTag === "number"
          ? options.blockTag
          : provider !== null && provider !== undefined
            ? await provider.getBlockNumber()
            : undefined;
      const at = { blockTag: blockNumber ?? "latest" };
      const [round, contributionRound, matchingPool, count] = await Promise.all([
        this.contract.currentRound(at),
        this.contract.contributionRound(at),
        this.contract.matchingPoolBalance(at),
        this.contract.gapCount(at),
      ]);
      const rows: GapRow[] = [];
      let directTotal = 0n;
      let matchedTotal = 0n;
      for (let offset = 0n; offset < count; offset += STATS_PAGE) {
        const [page, totals] = await this.contract.getAllGapsFunding(offset, STATS_PAGE, at);
        directTotal += totals.directTotal;
        matchedTotal += totals.matchedTotal;
        for (const s of page) rows.push(this.gapRow(s));
      }
      let gaps = rows;
      if (options.gap !== undefined) {
        const gapId = this.gapId(options.gap);
        // Reverts with UnknownGap when the gap does not exist.
        gaps = [this.gapRow(await this.contract.getGapFundingStats(gapId, at))];
      }
      return {
        round,
        contributionRound,
        matchingPool,
        gaps,
        totals: { directTotal, matchedTotal, gapCount: count },
        blockNumber: blockNumber ?? -1,
      };
    });
  }

  /** One gap's row. */
  async gap(gap: GapRef): Promise<GapRow> {
    const gapId = this.gapId(gap);
    return this.guard(async () => this.gapRow(await this.contract.getGapFundingStats(gapId)));
  }

  /** `getRound(n)`; without `n`, the open round. */
  async round(n?: bigint): Promise<RoundInfo> {
    return this.guard(async () => {
      const number = n ?? (await this.contract.currentRound());
      const r = await this.contract.getRound(number);
      return {
        round: number,
        status: ROUND_STATUS[Number(r.status)] ?? "None",
        matchingPoolTokens: r.matchingPoolTokens,
        gapsFunded: r.gapsFunded,
        totalWeight: r.totalWeight,
        distributed: r.distributed,
        claimed: r.claimed,
        gapsSettled: r.gapsSettled,
        startTime: r.startTime,
        endTime: r.endTime,
        finalizedAt: r.finalizedAt,
        capBps: r.capBps,
        distributeWholePool: r.distributeWholePool,
        swept: r.swept,
      };
    });
  }

  /**
   * What contributing `amount` raw tokens from `contributor` to `gap` now would do to the gap's
   * estimated match (`getGapFundingStats.estimatedMatch`, before any cap), read at one block and
   * computed by the exact mirror of the contract's update (`previewContribution` in sdk/math/allocator).
   */
  async previewContribution(
    gap: GapRef,
    contributor: string,
    amount: bigint,
  ): Promise<ContributionPreview & { round: bigint }> {
    const gapId = this.gapId(gap);
    return this.guard(async () => {
      const at = { blockTag: (await this.runner.provider?.getBlockNumber()) ?? "latest" };
      const round = await this.contract.contributionRound(at);
      const [state, prior, r, pool, settings] = await Promise.all([
        this.contract.gapRoundState(gapId, round, at),
        this.contract.contributionOf(gapId, contributor, round, at),
        this.contract.getRound(round, at),
        this.contract.matchingPoolBalance(at),
        this.contract.matchingSettings(at),
      ]);
      const preview = previewContribution({
        sumSqrt: state.sumSqrt,
        direct: state.direct,
        prior,
        amount,
        totalWeight: r.totalWeight,
        poolRaw: pool,
        scale: scaleOf(this.decimals),
        wholePool: settings.distributeWholePool,
      });
      return { ...preview, round };
    });
  }

  /** The matching pool available now. */
  async matchingPool(): Promise<bigint> {
    return this.guard(() => this.contract.matchingPoolBalance());
  }

  /** The token balance of `account`. */
  async balanceOf(account: string): Promise<bigint> {
    return this.guard(() => this.token.balanceOf(account));
  }
}
