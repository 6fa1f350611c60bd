/**
 * One campaign: the quarter-circle view (live), every pledge; pledge or raise with a preview as you type
 * (new h, your payment, the pot's increase, your marginal leverage); withdraw before the deadline;
 * settle after it (anyone); claim refunds and the pot.
 */
import { useEffect, useRef, useState } from "react";
import { frameTerms, statusFrame } from "../../../sdk/draw/campaign";
import {
  joinFrames,
  renderAnimation,
  renderQuarterCircles,
  type Terms,
} from "../../../sdk/draw/quarter-circles";
import type { CampaignStatus } from "../../../sdk/pledges";
import { useChain, useLive } from "../chain";
import { AmountInput, parseAmount } from "../components/AmountInput";
import { useTx } from "../components/Tx";
import { countdown, fixed, leverage, tokens, utc } from "../format";

/**
 * The quarter circles of the campaign, live. When a pledge joins while the page is open, the new
 * pledger joining is animated once (h rising to the new root, everyone's payment with it).
 */
function Picture({ status }: { status: CampaignStatus }) {
  const frame = statusFrame(
    status,
    `Campaign ${status.campaignId}: h = ${fixed(status.h)}, pot ${tokens(status.pot, status.decimals)}`,
  );
  const seen = useRef<Terms[] | undefined>(undefined);
  const [animation, setAnimation] = useState<string>();
  const terms = frameTerms(frame);
  const key = terms.map((t) => `${t.limit}:${t.speed}`).join("|");
  useEffect(() => {
    const before = seen.current;
    seen.current = terms;
    if (before !== undefined && terms.length === before.length + 1 && status.mode === "quadratic") {
      setAnimation(renderAnimation(joinFrames(before, terms[terms.length - 1]!), 0.6));
    }
    // `key` stands for the terms (a new array on every render).
  }, [key]);
  if (frame.pledges.length === 0) return <p>No pledge yet.</p>;
  const svg = animation ?? renderQuarterCircles(frame);
  return (
    <img
      className="picture"
      src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`}
      alt={`Quarter circles of ${frame.pledges.length} pledges; h = ${fixed(status.h)}`}
      onAnimationEnd={() => setAnimation(undefined)}
    />
  );
}

export function CampaignPage({ id }: { id: string }) {
  const { pledges, signer, now } = useChain();
  const campaignId = /^\d+$/.test(id) ? BigInt(id) : undefined;
  const status = useLive(
    () =>
      campaignId === undefined
        ? Promise.reject(new Error(`"${id}" is not a campaign id`))
        : pledges.status(campaignId),
    [campaignId],
  );
  const mine = useLive(
    () =>
      signer === undefined || campaignId === undefined
        ? Promise.resolve(undefined)
        : pledges.pledgeOf(campaignId, signer.account),
    [signer?.account, campaignId],
  );
  const [text, setText] = useState("");
  const s = status.value;
  const amount = parseAmount(text, s?.decimals ?? 18);
  const preview = useLive(async () => {
    if (campaignId === undefined || amount.raw === undefined || s?.state !== "open") return undefined;
    if (mine.value?.exists === true && signer !== undefined) {
      return pledges.previewRaise(campaignId, signer.account, amount.raw);
    }
    return pledges.previewPledge(campaignId, amount.raw);
  }, [campaignId, amount.raw, mine.value?.exists, s?.state]);
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
        <form
          aria-labelledby="pledge-title"
          onSubmit={(e) => {
            e.preventDefault();
            if (signer === undefined || amount.raw === undefined) return;
            void tx
              .run(
                myPledge ? "Raise" : "Pledge",
                () => signer.pledges.pledge(campaignId, amount.raw!),
                (r) => `your pledge is now ${show(r.limit)}`,
              )
              .then((r) => r && setText(""));
          }}
        >
          <h2 id="pledge-title">{myPledge ? `Raise your pledge of ${show(myPledge.limit)}` : "Pledge"}</h2>
          <AmountInput
            label={myPledge ? "Add to your limit" : "Your limit (the most you pay)"}
            value={text}
            onChange={setText}
            symbol=""
            error={amount.error}
          />
          {p !== undefined && (
            <p data-testid="pledge-preview" aria-live="polite">
              New h <span data-testid="preview-h">{fixed(p.h, 6)}</span>; you would pay{" "}
              <span data-testid="preview-payment">{show(p.payment)}</span>; the pot grows by{" "}
              <span data-testid="preview-pot-increase">{show(p.potIncrease)}</span>; your marginal leverage{" "}
              <span data-testid="preview-leverage">{leverage(p.leverage)}</span>.
            </p>
          )}
          <button type="submit" disabled={signer === undefined || amount.raw === undefined || tx.busy}>
            {signer === undefined ? "Connect a wallet to pledge" : myPledge ? "Raise" : "Pledge"}
          </button>
        </form>
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
                () => signer!.pledges.settle(campaignId),
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
      {tx.status}
    </section>
  );
}
