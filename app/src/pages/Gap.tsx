/**
 * One gap: recipient, status and totals; contribute with a live preview of the estimated match;
 * withdraw to the recipient (anyone); refunds of a closed gap's unfinalised rounds.
 */
import { nameFromMetadataURI, toGapId } from "../../../sdk/ids";
import { useChain, useLive } from "../chain";
import { AmountForm, useAmount } from "../components/AmountForm";
import { useTx } from "../components/Tx";
import { tokens } from "../format";
import { IndexerNotice, useIndexer } from "../indexer";

/** `GET /api/gaps/{id}/funding`'s history (amounts in token units). */
interface GapHistory {
  rounds: { round: number; status: string; contributors: number; direct: string; match: string }[];
  contributions: {
    id: number;
    block: number;
    contributor: string;
    amount: string;
    tier: string;
    round: number;
  }[];
}

/** The gap's rounds and contributions, from the indexer. */
function History({ gapId, symbol }: { gapId: string; symbol: string }) {
  const history = useIndexer<GapHistory>(`/api/gaps/${gapId}/funding`);
  if (history.value === undefined)
    return history.error !== undefined ? (
      <IndexerNotice error={history.error} />
    ) : (
      <p>Loading the history…</p>
    );
  const h = history.value;
  return (
    <>
      <h2>Rounds</h2>
      <div className="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Round</th>
              <th scope="col">Status</th>
              <th scope="col">Contributors</th>
              <th scope="col">Direct ({symbol})</th>
              <th scope="col">Match ({symbol})</th>
            </tr>
          </thead>
          <tbody>
            {h.rounds.map((r) => (
              <tr key={r.round} data-testid="history-round">
                <th scope="row">{r.round}</th>
                <td>{r.status}</td>
                <td>{r.contributors}</td>
                <td>{r.direct}</td>
                <td>{r.match}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>Contributions</h2>
      <div className="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Block</th>
              <th scope="col">From</th>
              <th scope="col">Round</th>
              <th scope="col">Kind</th>
              <th scope="col">Amount ({symbol})</th>
            </tr>
          </thead>
          <tbody>
            {[...h.contributions].reverse().map((r) => (
              <tr key={r.id} data-testid="history-contribution">
                <th scope="row">{r.block}</th>
                <td className="mono">{`${r.contributor.slice(0, 6)}…${r.contributor.slice(-4)}`}</td>
                <td>{r.round}</td>
                <td>{r.tier}</td>
                <td>{r.amount}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

export function GapPage({ id }: { id: string }) {
  const { allocator, signer } = useChain();
  const gapId = (() => {
    try {
      return toGapId(id);
    } catch {
      return undefined;
    }
  })();
  const gap = useLive(
    () => (gapId === undefined ? Promise.reject(new Error(`"${id}" is not a gap`)) : allocator.gap(gapId)),
    [gapId],
  );
  const amount = useAmount(allocator.decimals);
  const preview = useLive(
    () =>
      signer !== undefined && amount.raw !== undefined && gapId !== undefined
        ? allocator.previewContribution(gapId, signer.account, amount.raw)
        : Promise.resolve(undefined),
    [signer?.account, amount.raw, gapId],
  );
  const refundable = useLive(async () => {
    const g = gap.value;
    if (signer === undefined || g === undefined || g.status !== "Closed" || gapId === undefined) return [];
    const last = await allocator.contract.contributionRound();
    const rounds: { round: bigint; amount: bigint }[] = [];
    for (let r = g.closedRound; r <= last; r++) {
      const c = await allocator.contract.contributionOf(gapId, signer.account, r);
      if (c > 0n) rounds.push({ round: r, amount: c });
    }
    return rounds;
  }, [gap.value?.status, signer?.account]);
  const tx = useTx();

  if (gap.value === undefined)
    return <p role={gap.error ? "alert" : undefined}>{gap.error ?? "Loading the gap…"}</p>;
  const g = gap.value;
  const name = g.name ?? nameFromMetadataURI(g.metadataURI, g.gapId) ?? g.gapId;
  const show = (raw: bigint): string => `${tokens(raw, allocator.decimals)} ${allocator.symbol}`;
  const p = preview.value;

  return (
    <section aria-labelledby="gap-title">
      <h1 id="gap-title">{name}</h1>
      <dl className="facts">
        <dt>Recipient</dt>
        <dd className="mono">{g.recipient}</dd>
        <dt>Status</dt>
        <dd>{g.status === "Closed" ? `closed from round ${g.closedRound}` : "open"}</dd>
        <dt>Direct</dt>
        <dd data-testid="gap-direct">{show(g.directTotal)}</dd>
        <dt>Matched</dt>
        <dd>{show(g.matchedTotal)}</dd>
        <dt>Withdrawable</dt>
        <dd>{show(g.withdrawable)}</dd>
        <dt>Contributors</dt>
        <dd>{g.contributorCount.toString()}</dd>
        <dt>This round</dt>
        <dd>{show(g.currentRoundDirect)}</dd>
        <dt>Estimated match</dt>
        <dd data-testid="gap-estimated-match">{show(g.estimatedMatch)}</dd>
      </dl>

      {g.status === "Active" && (
        <AmountForm
          title="Contribute"
          label="Amount"
          symbol={allocator.symbol}
          amount={amount}
          action="Contribute"
          connectFirst="Connect a wallet to contribute"
          connected={signer !== undefined}
          busy={tx.busy}
          onSubmit={(raw) =>
            tx.run("Contribution", () => signer!.allocator.contributeWithPermit(g.gapId, raw!))
          }
        >
          {p !== undefined && amount.raw !== undefined && (
            <p data-testid="contribution-preview" aria-live="polite">
              Your {tokens(amount.raw, allocator.decimals)} raises the estimated match by{" "}
              {tokens(p.matchAfter - p.matchBefore, allocator.decimals)} (to {show(p.matchAfter)}).
            </p>
          )}
        </AmountForm>
      )}

      <div className="actions">
        <button
          type="button"
          disabled={signer === undefined || g.withdrawable === 0n || tx.busy}
          onClick={() =>
            void tx.run(
              "Withdrawal",
              () => signer!.allocator.withdraw(g.gapId),
              (r) => `${show(r.amount)} paid to the recipient`,
            )
          }
        >
          Withdraw {show(g.withdrawable)} to the recipient
        </button>
        {(refundable.value ?? []).map((r) => (
          <button
            key={r.round.toString()}
            type="button"
            disabled={tx.busy}
            onClick={() => void tx.run("Refund", () => signer!.allocator.refund(g.gapId, r.round))}
          >
            Refund my {show(r.amount)} of round {r.round.toString()}
          </button>
        ))}
      </div>
      {tx.status}
      <History gapId={g.gapId} symbol={allocator.symbol} />
    </section>
  );
}
