/**
 * The keeper: on each `tick()` it finalises the allocator's current matching round when it is due and
 * settles every pledge campaign past its deadline (in pages). Safe to run several at once and to
 * restart at any moment:
 * - state is re-read before every transaction (the round number and whether it is due; a campaign's
 *   state and its session's progress), so work another keeper finished is skipped, not repeated;
 * - a revert that means "someone else did it" (`RoundNotOver` after the round moved on,
 *   `InvalidCampaignState` of a settled campaign, `SessionAdvanced`) is reported as skipped;
 * - anything else is retried with exponential backoff (bounded attempts), then reported as failed;
 * - the settlement bracket is the exact mirror's tightest one (`findBracket`), a deterministic function
 *   of the frozen pledges, so keepers and restarts continue the same on-chain session page by page.
 * Nothing is ever counted twice: the contracts key rounds by number and settlement pages by the
 * session's on-chain cursor.
 *
 * ```ts
 * const keeper = Keeper.fromClients({ allocator, pledges, account: await signer.getAddress() });
 * const actions = await keeper.tick();
 * ```
 * Tests inject `sleep` and their own implementations of the ports (`KeeperAllocator`, `KeeperPledges`).
 */
import type { AllocatorClient } from "./allocator";
import { decodeRevert, describeError, isCofundRevert, type CofundErrorName } from "./errors";
import type { PledgesClient } from "./pledges";
import * as pm from "./math/pledges";

export {
  allocatorPort,
  pledgesPort,
  type KeeperAllocator,
  type KeeperCampaign,
  type KeeperPage,
  type KeeperPledges,
} from "./keeper-ports";
import { allocatorPort, pledgesPort, type KeeperAllocator, type KeeperPledges } from "./keeper-ports";

// ─────────────────────────────────────────────── actions and events

/** One thing a tick did (or found already done, or gave up on). */
export type KeeperAction =
  | {
      kind: "match";
      status: "done";
      round: bigint;
      poolSize: bigint;
      distributed: bigint;
      txHash: string;
      gasUsed: bigint;
      attempts: number;
    }
  | {
      kind: "settle";
      status: "done";
      campaignId: bigint;
      /** Pledges processed after this page, of `pledgeCount`. */
      cursor: bigint;
      pledgeCount: bigint;
      settled: boolean;
      hLow: bigint;
      hHigh: bigint;
      h?: bigint;
      pot?: bigint;
      txHash: string;
      gasUsed: bigint;
      attempts: number;
    }
  | {
      kind: "match" | "settle";
      status: "skipped" | "failed";
      round?: bigint;
      campaignId?: bigint;
      /** A readable sentence (for "skipped", why; for "failed", the last error). */
      reason: string;
      attempts: number;
    };

/** What the keeper reports as it works (an action, a retry, settlement progress, a tick error). */
export type KeeperEvent =
  | { type: "action"; action: KeeperAction }
  | {
      type: "retry";
      kind: "match" | "settle";
      round?: bigint;
      campaignId?: bigint;
      attempt: number;
      delayMs: number;
      error: string;
    }
  | { type: "progress"; campaignId: bigint; cursor: bigint; pledgeCount: bigint }
  | { type: "error"; error: string }
  | {
      /** The end of every tick, idle ones included, so an operator can tell the keeper is alive. */
      type: "tick";
      /** 1 for the keeper's first tick, then counting. */
      tick: number;
      /**
       * "idle": nothing was due; "done": every action was done or found done by another keeper;
       * "failed": an action gave up; "error": the tick itself failed (e.g. the node did not answer).
       */
      status: "idle" | "done" | "failed" | "error";
      done: number;
      skipped: number;
      failed: number;
      /** When the tick ended (unix milliseconds). */
      at: number;
    };

/** Retry policy: `attempts` tries in all, waiting base·2ⁿ⁻¹ ms (at most `maxDelayMs`) after the n-th failure. */
export interface RetryOptions {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface KeeperOptions {
  allocator?: KeeperAllocator;
  pledges?: KeeperPledges;
  /** The keeper's address (for the KEEPER_ROLE check). */
  account: string;
  /** Largest matching pool per round in raw tokens; undefined = the whole available pool. */
  poolCap?: bigint;
  /** Pledges per settlement page (0 = the contract's cap). */
  maxPledges?: bigint;
  retry?: Partial<RetryOptions>;
  /** Injectable wait (tests); must resolve early when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  onEvent?: (event: KeeperEvent) => void;
  /** Aborts retries' waits and stops before the next transaction. */
  signal?: AbortSignal;
}

/** A wait that resolves after `ms` or as soon as `signal` aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Errors that retrying cannot fix. */
const PERMANENT: ReadonlySet<CofundErrorName> = new Set<CofundErrorName>([
  "AccessControlUnauthorizedAccount",
  "InvalidBracket",
  "BracketTooWide",
  "HTooHigh",
  "HTooLow",
  "UnknownCampaign",
]);

class Skip extends Error {}
class Stop extends Error {}

// ─────────────────────────────────────────────── keeper

export class Keeper {
  private readonly retry: RetryOptions;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private roleChecked: boolean | undefined;
  private ticks = 0;
  private failedTick: { tick: number; report: () => void } | undefined;

  constructor(private readonly o: KeeperOptions) {
    this.retry = { attempts: 4, baseDelayMs: 1000, maxDelayMs: 30_000, ...o.retry };
    if (this.retry.attempts < 1) throw new Error("Keeper: retry.attempts must be at least 1");
    this.sleep = o.sleep ?? abortableSleep;
  }

  /** A keeper over SDK clients connected with the keeper's signer (either may be omitted). */
  static fromClients(
    o: Omit<KeeperOptions, "allocator" | "pledges"> & {
      allocator?: AllocatorClient;
      pledges?: PledgesClient;
    },
  ): Keeper {
    const { allocator, pledges, ...rest } = o;
    return new Keeper({
      ...rest,
      ...(allocator !== undefined ? { allocator: allocatorPort(allocator) } : {}),
      ...(pledges !== undefined ? { pledges: pledgesPort(pledges) } : {}),
    });
  }

  /**
   * Undefined when the keeper may finalise rounds, else a readable sentence why not (no KEEPER_ROLE).
   * Settlement needs no role.
   */
  async checkRole(): Promise<string | undefined> {
    const a = this.o.allocator;
    if (a === undefined) return undefined;
    this.roleChecked = await a.isKeeper(this.o.account);
    if (this.roleChecked) return undefined;
    return (
      `${this.o.account} does not hold KEEPER_ROLE on the allocator ${a.address}, so it cannot finalise ` +
      `matching rounds: an admin must call grantRole(KEEPER_ROLE, ${this.o.account}) ` +
      `(or deploy with KEEPER_ADDRESSES=${this.o.account}), or run the keeper --from an account that has it`
    );
  }

  /**
   * One pass: the matching round if due, then every campaign past its deadline. Ends with a `tick`
   * event (idle ones included). A tick that throws inside `run` is reported as an `error` event, then
   * its `tick` event with `status: "error"`.
   */
  async tick(): Promise<KeeperAction[]> {
    const tick = ++this.ticks;
    const actions: KeeperAction[] = [];
    const record = (a: KeeperAction): void => {
      actions.push(a);
      this.emit({ type: "action", action: a });
    };
    const report = (error: boolean): void => {
      const count = (status: KeeperAction["status"]): number =>
        actions.filter((a) => a.status === status).length;
      const [done, skipped, failed] = [count("done"), count("skipped"), count("failed")];
      const status = error ? "error" : failed > 0 ? "failed" : actions.length === 0 ? "idle" : "done";
      this.emit({ type: "tick", tick, status, done, skipped, failed, at: Date.now() });
    };
    try {
      if (this.o.allocator !== undefined) await this.tickRound(this.o.allocator, record);
      if (this.o.pledges !== undefined) await this.tickCampaigns(this.o.pledges, record);
    } catch (e) {
      if (!(e instanceof Stop)) {
        this.failedTick = { tick, report: () => report(true) };
        throw e;
      }
    }
    report(false);
    return actions;
  }

  /**
   * Ticks every `intervalMs` until the options' `signal` aborts: an abort during a wait returns at
   * once, during a tick after its current transaction. A tick that throws (e.g. the node is
   * unreachable) is reported as an `error` event and the loop goes on.
   */
  async run(intervalMs: number): Promise<void> {
    const signal = this.o.signal;
    for (;;) {
      if (signal?.aborted) return;
      try {
        await this.tick();
      } catch (e) {
        this.emit({ type: "error", error: describeError(e) });
        this.failedTick?.report();
      }
      this.failedTick = undefined;
      if (signal?.aborted) return;
      await this.sleep(intervalMs, signal);
    }
  }

  // ─────────────────────────────────────────────── rounds

  private async tickRound(a: KeeperAllocator, record: (x: KeeperAction) => void): Promise<void> {
    const first = await a.roundState();
    if (!first.due) return;
    const round = first.round;
    if (this.roleChecked !== true) {
      const problem = await this.checkRole();
      if (problem !== undefined) {
        record({ kind: "match", status: "failed", round, reason: problem, attempts: 0 });
        return;
      }
    }
    const result = await this.attempt(
      "match",
      { round },
      async () => {
        // Re-read right before sending: another keeper may have finalised the round meanwhile.
        const s = await a.roundState();
        if (s.round !== round) throw new Skip(`round ${round} was finalised by another keeper`);
        if (!s.due) throw new Skip(`round ${round} is not due any more (paused?)`);
        const pool = this.o.poolCap === undefined || this.o.poolCap > s.pool ? s.pool : this.o.poolCap;
        return a.match(pool);
      },
      async (name) => {
        if (name === "RoundNotOver") {
          const s = await a.roundState();
          return s.round !== round
            ? `round ${round} was finalised by another keeper`
            : `round ${round} is not over yet`;
        }
        if (name === "ContractPaused") return "the allocator is paused";
        return undefined;
      },
    );
    if (result.ok) {
      record({ kind: "match", status: "done", ...result.value, attempts: result.attempts });
    } else {
      record({
        kind: "match",
        status: result.status,
        round,
        reason: result.reason,
        attempts: result.attempts,
      });
    }
  }

  // ─────────────────────────────────────────────── campaigns

  private async tickCampaigns(p: KeeperPledges, record: (x: KeeperAction) => void): Promise<void> {
    for (const campaignId of await p.campaignsDue()) {
      this.stopIfAborted();
      await this.settleCampaign(p, campaignId, record);
    }
  }

  private async settleCampaign(
    p: KeeperPledges,
    campaignId: bigint,
    record: (x: KeeperAction) => void,
  ): Promise<void> {
    const c = await p.campaign(campaignId);
    if (c.state !== "open") return; // settled since the scan: nothing to report
    // The same bracket `cqf:settle` uses (one implementation, sdk/pledges.ts).
    const { hLow, hHigh } = pm.findBracket(await p.readMath(campaignId));
    const settledElsewhere = `campaign ${campaignId} was settled by another keeper`;
    for (;;) {
      this.stopIfAborted();
      let expected = -1n;
      const result = await this.attempt(
        "settle",
        { campaignId },
        async () => {
          // Re-read right before sending: state, then where the shared session stands.
          const now = await p.campaign(campaignId);
          if (now.state === "settled") throw new Skip(settledElsewhere);
          if (now.state === "cancelled") throw new Skip(`campaign ${campaignId} was cancelled`);
          expected = hHigh === 0n ? 0n : await p.sessionCursor(campaignId, hLow, hHigh);
          this.emit({ type: "progress", campaignId, cursor: expected, pledgeCount: now.pledgeCount });
          return p.settlePage(campaignId, hLow, hHigh, this.o.maxPledges ?? 0n);
        },
        async (name) => {
          if (name === "InvalidCampaignState") {
            const now = await p.campaign(campaignId);
            return now.state === "settled" ? settledElsewhere : `campaign ${campaignId} is ${now.state}`;
          }
          if (name === "SessionAdvanced")
            return `a page of campaign ${campaignId} was processed by another keeper`;
          return undefined;
        },
      );
      if (!result.ok) {
        record({
          kind: "settle",
          status: result.status,
          campaignId,
          reason: result.reason,
          attempts: result.attempts,
        });
        return;
      }
      const page = result.value;
      this.emit({ type: "progress", campaignId, cursor: page.cursor, pledgeCount: page.pledgeCount });
      record({
        kind: "settle",
        status: "done",
        campaignId,
        cursor: page.cursor,
        pledgeCount: page.pledgeCount,
        settled: page.settled,
        hLow,
        hHigh,
        ...(page.h !== undefined ? { h: page.h } : {}),
        ...(page.pot !== undefined ? { pot: page.pot } : {}),
        txHash: page.txHash,
        gasUsed: page.gasUsed,
        attempts: result.attempts,
      });
      if (page.settled) return;
      if (page.cursor <= expected) {
        // Cannot happen with a well-behaved contract; never loop on a page that made no progress.
        record({
          kind: "settle",
          status: "failed",
          campaignId,
          reason: `campaign ${campaignId}: a settlement page made no progress`,
          attempts: result.attempts,
        });
        return;
      }
    }
  }

  // ─────────────────────────────────────────────── retry

  /**
   * Runs `send` up to `retry.attempts` times. `Skip` thrown inside (state re-read shows the work done)
   * or a revert `done(name)` explains ⇒ skipped; a permanent revert ⇒ failed at once; anything else ⇒
   * logged, backoff, retried, and failed after the last attempt.
   */
  private async attempt<T>(
    kind: "match" | "settle",
    ids: { round?: bigint; campaignId?: bigint },
    send: () => Promise<T>,
    done: (errorName: CofundErrorName) => Promise<string | undefined>,
  ): Promise<
    | { ok: true; value: T; attempts: number }
    | { ok: false; status: "skipped" | "failed"; reason: string; attempts: number }
  > {
    for (let attempt = 1; ; attempt++) {
      try {
        return { ok: true, value: await send(), attempts: attempt };
      } catch (e) {
        if (e instanceof Skip) return { ok: false, status: "skipped", reason: e.message, attempts: attempt };
        const decoded = decodeRevert(e);
        const name = decoded !== undefined && isCofundRevert(decoded) ? decoded.name : undefined;
        if (name !== undefined) {
          let skip: string | undefined;
          try {
            skip = await done(name);
          } catch {
            skip = undefined; // the re-read failed too: treat the revert as a failure below
          }
          if (skip !== undefined) return { ok: false, status: "skipped", reason: skip, attempts: attempt };
          if (PERMANENT.has(name)) {
            return { ok: false, status: "failed", reason: describeError(e), attempts: attempt };
          }
        }
        const message = describeError(e);
        if (attempt >= this.retry.attempts) {
          return { ok: false, status: "failed", reason: message, attempts: attempt };
        }
        this.stopIfAborted();
        const delayMs = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
        this.emit({ type: "retry", kind, ...ids, attempt, delayMs, error: message });
        await this.sleep(delayMs, this.o.signal);
        this.stopIfAborted();
      }
    }
  }

  private stopIfAborted(): void {
    if (this.o.signal?.aborted) throw new Stop("stopped");
  }

  private emit(event: KeeperEvent): void {
    this.o.onEvent?.(event);
  }
}
