/**
 * One campaign: the quarter-circle view (live), every pledge; pledge or raise with a preview as you type
 * (new h, your payment, the pot's increase, your marginal leverage); withdraw before the deadline;
 * settle after it (anyone), page by page; claim refunds and the pot.
 *
 * The campaign's exact status (`PledgesClient.status`: exact real leverages, ~0.8 s at 100 pledges) is
 * read again only when the campaign changed: one of its events in a new block, or its deadline passing.
 * A new block alone costs one `eth_getLogs`.
 */
import { useEffect, useState } from "react";
import { toBeHex } from "ethers";
import { frameTerms, statusFrame } from "../../../sdk/draw/campaign";
import {
  fixedPointFrames,
  renderQuarterCircles,
  viewport,
  type PictureFrame,
  type Viewport,
} from "../../../sdk/draw/quarter-circles";
import { POLICY_PARAMETER_SYMBOLS } from "../../../sdk/math/campaign";
import * as pm from "../../../sdk/math/pledges";
import type { CampaignStatus, SettlementPage } from "../../../sdk/pledges";
import { useChain, useDebounced, useLoad } from "../chain";
import { AmountForm, useAmount } from "../components/AmountForm";
import { useTx } from "../components/Tx";
import { countdown, fixed, leverage, tokens, utc } from "../format";

/** Steps of the fixed-point animation at most, and how long each frame shows (ms). */
const FIXED_POINT_STEPS = 30;
/** How long a typed amount rests before a new pledge's preview asks the contract (ms). */
const PREVIEW_REST_MS = 200;
const FRAME_MS = 350;
/** The most blocks one `eth_getLogs` of the campaign's events spans. */
const MAX_LOG_RANGE = 1_000;

/**
 * The quarter circles of the campaign, live. When a pledge joins (or one is raised) while the page is
 * open, the fixed-point iteration h ← Σ√pᵢ(h) is animated from the old h to the new root (quadratic
 * mode; the SDK's drawing, sdk/draw), then the exact picture stays.
 */
function Picture({ status }: { status: CampaignStatus }) {
  const frame = statusFrame(
    status,
    `Campaign ${status.campaignId}: h = ${fixed(status.h)}, pot ${tokens(status.pot, status.decimals)}`,
  );
  const terms = frameTerms(frame);
  const key = terms.map((t) => `${t.limit}:${t.speed}`).join("|");
  const [seen, setSeen] = useState<{ key: string; h: number; count: number }>();
  const [animation, setAnimation] = useState<{ frames: PictureFrame[]; v: Viewport; step: number }>();
  if (seen?.key !== key) {
    // Decided while rendering (React renders again at once), so the new picture never flashes first.
    setSeen({ key, h: frame.h, count: terms.length });
    const grew = seen !== undefined && terms.length >= seen.count && frame.h > seen.h;
    const still = window.matchMedia?.("(prefers-reduced-motion: reduce)").matches === true;
    if (grew && status.mode === "quadratic" && !still) {
      // From the old h (the first pledge's from a tenth of its h, as `npm run demo` draws it).
      const frames = fixedPointFrames(terms, seen.h > 0 ? seen.h : frame.h / 10, FIXED_POINT_STEPS);
      setAnimation({ frames, v: viewport([...frames, frame]), step: 0 });
    }
  }
  useEffect(() => {
    if (animation === undefined) return;
    const timer = setTimeout(
      () =>
        setAnimation((a) =>
          a === undefined || a.step + 1 >= a.frames.length ? undefined : { ...a, step: a.step + 1 },
        ),
      FRAME_MS,
    );
    return () => clearTimeout(timer);
  }, [animation]);
  if (frame.pledges.length === 0) return <p>No pledge yet.</p>;
  const shown = animation?.frames[animation.step] ?? frame;
  const svg = renderQuarterCircles(shown, animation?.v ?? viewport([frame]));
  return (
    <figure className="picture-box">
      <img
        className="picture"
        data-testid="picture"
        data-h={shown.h}
        data-step={animation?.step ?? ""}
        src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`}
        alt={`Quarter circles of ${frame.pledges.length} pledges; h = ${fixed(status.h)}`}
      />
      <figcaption data-testid="picture-caption">
        {animation !== undefined
          ? `${shown.title} (the fixed-point iteration converging to the new h)`
          : "Each quarter circle is a pledge (area: its limit); the shaded part is what it pays at h."}
      </figcaption>
    </figure>
  );
}

/**
 * The campaign's status, read again only when it changed: an event of the campaign in a block after
 * the one the status was read at (one `eth_getLogs` per new block), or its deadline passing while it
 * was open. `version` counts the reads (other reads of the campaign key on it too).
 */
function useCampaign(campaignId: bigint | undefined, id: string) {
  const { pledges, reader, block, now } = useChain();
  const [version, setVersion] = useState(0);
  const loaded = useLoad(async () => {
    if (campaignId === undefined) throw new Error(`"${id}" is not a campaign id`);
    // The block first: the status, read at the latest block, includes at least its events.
    const at = await reader.getBlockNumber();
    return { status: await pledges.status(campaignId), at, version };
  }, [campaignId, version]);
  const l = loaded.value;
  useEffect(() => {
    if (campaignId === undefined || l === undefined || l.version !== version || block <= l.at) return;
    if (block - l.at > MAX_LOG_RANGE) {
      // Nodes limit a log query's range: after that many quiet blocks the status is simply read again.
      setVersion((v) => (v === l.version ? v + 1 : v));
      return;
    }
    let live = true;
    reader
      .getLogs({
        address: pledges.address,
        topics: [null, toBeHex(campaignId, 32)],
        fromBlock: l.at + 1,
        toBlock: block,
      })
      .then(
        (logs) => live && logs.length > 0 && setVersion((v) => (v === l.version ? v + 1 : v)),
        () => undefined, // asked again at the next block
      );
    return () => {
      live = false;
    };
  }, [campaignId, block, l]);
  const stale = l?.status.state === "open" && BigInt(now) >= l.status.deadline;
  useEffect(() => {
    if (stale) setVersion((v) => v + 1);
  }, [stale]);
  return { status: { value: l?.status, error: loaded.error }, version };
}

/** Settlement progress: "page k of n, m pledges settled". */
function Progress({ page }: { page?: SettlementPage }) {
  if (page === undefined) return null;
  return (
    <p role="status" data-testid="settle-progress">
      Page {page.page} of {page.pages}, {page.cursor.toString()} of {page.pledgeCount.toString()} pledges
      settled{page.settled ? ": the campaign is settled." : "…"}
    </p>
  );
}

export function CampaignPage({ id }: { id: string }) {
  const { pledges, signer, now, config } = useChain();
  const campaignId = /^\d+$/.test(id) ? BigInt(id) : undefined;
  const { status, version } = useCampaign(campaignId, id);
  const s = status.value;
  // The terms (for the raise preview, computed here as you type) and your pledge, on each change.
  const math = useLoad(
    () => (campaignId === undefined ? Promise.resolve(undefined) : pledges.readMath(campaignId)),
    [campaignId, version],
  );
  const mine = useLoad(
    () =>
      signer === undefined || campaignId === undefined
        ? Promise.resolve(undefined)
        : pledges.pledgeOf(campaignId, signer.account),
    [signer?.account, campaignId, version],
  );
  const amount = useAmount(s?.decimals ?? 18);
  const raising = mine.value?.exists === true;
  // A raise is previewed by the SDK's exact mirror on the terms already read (no request per key); a
  // new pledge by the contract's previewPledge, one call once the amount has rested for PREVIEW_REST_MS.
  const rested = useDebounced(amount.raw, PREVIEW_REST_MS);
  const typed = raising ? amount.raw : rested;
  const preview = useLoad(async () => {
    if (campaignId === undefined || typed === undefined || s?.state !== "open") return undefined;
    if (raising && math.value !== undefined) {
      return pm.previewRaise(math.value, Number(mine.value!.pledgeId), typed);
    }
    return raising ? undefined : pledges.previewPledge(campaignId, typed);
  }, [campaignId, typed, raising, s?.state, math.value]);
  const [progress, setProgress] = useState<SettlementPage>();
  const tx = useTx();

  if (s === undefined || campaignId === undefined) {
    return <p role={status.error ? "alert" : undefined}>{status.error ?? "Loading the campaign…"}</p>;
  }
  const show = (raw: bigint): string => tokens(raw, s.decimals);
  const open = s.state === "open" && BigInt(now) < s.deadline;
  const due = s.state === "settling" || (s.state === "open" && BigInt(now) >= s.deadline);
  const myPledge = mine.value?.exists ? s.pledges[Number(mine.value.pledgeId)] : undefined;
  const p = preview.value;

  return (
    <section aria-labelledby="campaign-title">
      <h1 id="campaign-title">Campaign {s.campaignId.toString()}</h1>
      <dl className="facts">
        <dt>State</dt>
        <dd data-testid="campaign-state">{s.state}</dd>
        <dt>Mode</dt>
        <dd>
          {s.mode}, {s.policy} speeds
        </dd>
        <dt>Speeds</dt>
        <dd data-testid="campaign-speeds">
          s₀ {fixed(s.initialSpeed, 6)}
          {s.policyParameter !== null && (
            <>
              {" · "}
              {POLICY_PARAMETER_SYMBOLS[s.policy]} {fixed(s.policyParameter, 6)}
            </>
          )}
        </dd>
        <dt>Deadline</dt>
        <dd>
          {utc(s.deadline)} ({countdown(s.deadline, now)})
        </dd>
        <dt>h</dt>
        <dd data-testid="campaign-h">{fixed(s.h, 6)}</dd>
        <dt>Pot</dt>
        <dd data-testid="campaign-pot">{show(s.pot)}</dd>
        <dt>Escrow</dt>
        <dd>{show(s.escrow)}</dd>
        <dt>Recipient</dt>
        <dd className="mono">{s.recipient}</dd>
      </dl>
      <Picture status={s} />
      <div className="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Pledge</th>
              <th scope="col">Pledger</th>
              <th scope="col">Limit</th>
              <th scope="col">Speed</th>
              <th scope="col">Payment</th>
              <th scope="col">Leverage</th>
              <th scope="col">Real leverage</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {s.pledges.map((q) => (
              <tr key={q.pledgeId.toString()} data-testid="pledge-row">
                <th scope="row">{q.pledgeId.toString()}</th>
                <td className="mono">{`${q.pledger.slice(0, 6)}…${q.pledger.slice(-4)}`}</td>
                <td>{show(q.limit)}</td>
                <td>{fixed(q.speed, 6)}</td>
                <td>{show(q.payment)}</td>
                <td>{Number.isFinite(q.leverage) ? `${q.leverage.toFixed(3)}×` : "∞"}</td>
                <td title="(pot − pot without this pledge) / its payment">
                  {q.realLeverage === null ? "–" : `${q.realLeverage.toFixed(3)}×`}
                </td>
                <td>{q.state}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      {open && (
        <AmountForm
          title={myPledge ? `Raise your pledge of ${show(myPledge.limit)}` : "Pledge"}
          label={myPledge ? "Add to your limit" : "Your limit (the most you pay)"}
          symbol=""
          amount={amount}
          action={myPledge ? "Raise" : "Pledge"}
          connectFirst="Connect a wallet to pledge"
          connected={signer !== undefined}
          busy={tx.busy}
          onSubmit={(raw) =>
            tx.run(
              myPledge ? "Raise" : "Pledge",
              () => signer!.pledges.pledge(campaignId, raw!),
              (r) => `your pledge is now ${show(r.limit)}`,
            )
          }
        >
          {p !== undefined && (
            <p data-testid="pledge-preview" aria-live="polite">
              New h <span data-testid="preview-h">{fixed(p.h, 6)}</span>; you would pay{" "}
              <span data-testid="preview-payment">{show(p.payment)}</span>; the pot grows by{" "}
              <span data-testid="preview-pot-increase">{show(p.potIncrease)}</span>; your marginal leverage{" "}
              <span data-testid="preview-leverage">{leverage(p.leverage)}</span>.
            </p>
          )}
        </AmountForm>
      )}

      <div className="actions">
        {open && myPledge !== undefined && (
          <button
            type="button"
            disabled={tx.busy}
            onClick={() =>
              void tx.run("Withdrawal", () => signer!.pledges.withdraw(campaignId, myPledge.pledgeId))
            }
          >
            Withdraw my pledge ({show(myPledge.limit)})
          </button>
        )}
        {due && (
          <button
            type="button"
            disabled={signer === undefined || tx.busy}
            onClick={() =>
              void tx.run(
                "Settlement",
                () =>
                  signer!.pledges.settle(campaignId, {
                    maxPledges: BigInt(config.settlePagePledges ?? 0),
                    onPage: setProgress,
                  }),
                (r) =>
                  `settled at h = ${fixed(r.h, 6)} in ${r.transactions.length} transaction${r.transactions.length === 1 ? "" : "s"}`,
              )
            }
          >
            Settle the campaign
          </button>
        )}
        {s.state === "settled" &&
          s.pledges
            .filter((q) => q.state === "active" && q.pledger.toLowerCase() === signer?.account.toLowerCase())
            .map((q) => (
              <button
                key={q.pledgeId.toString()}
                type="button"
                disabled={tx.busy}
                onClick={() =>
                  void tx.run(
                    "Claim",
                    () => signer!.pledges.claim(campaignId, q.pledgeId),
                    (r) => `${show(r.refund)} refunded`,
                  )
                }
              >
                Claim my refund ({show(q.refund)})
              </button>
            ))}
        {s.state === "settled" && !s.potClaimed && s.pot > 0n && (
          <button
            type="button"
            disabled={signer === undefined || tx.busy}
            onClick={() =>
              void tx.run(
                "Pot payment",
                () => signer!.pledges.claimPot(campaignId),
                (r) => `${show(r.amount)} paid`,
              )
            }
          >
            Pay the pot ({show(s.pot)})
          </button>
        )}
      </div>
      <Progress page={progress} />
      {tx.status}
    </section>
  );
}
