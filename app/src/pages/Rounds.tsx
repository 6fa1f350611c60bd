/**
 * Every round (from the indexer): pool, W, α, matched, paid and the dust returned to the pool; the
 * matching pool and the open round's countdown live from the chain; fund the matching pool.
 */
import { scaleOf } from "../../../sdk/math/allocator";
import { useChain, useLive } from "../chain";
import { AmountForm, useAmount } from "../components/AmountForm";
import { useTx } from "../components/Tx";
import { countdown, tokens } from "../format";
import { IndexerNotice, rawOf, useIndexer, type IndexedRounds } from "../indexer";

/** α of a round: what it allocated per unit of weight (allocated·scale / W). */
function alpha(allocated: bigint, totalWeight: bigint, scale: bigint): string {
  if (totalWeight === 0n) return "–";
  const x = Number((allocated * scale * 10n ** 18n) / totalWeight) / 1e18;
  return x.toLocaleString("en-US", { maximumFractionDigits: 6 });
}

export function RoundsPage() {
  const { allocator, signer, now } = useChain();
  const rounds = useIndexer<IndexedRounds>("/api/rounds");
  const live = useLive(async () => {
    const [pool, round] = await Promise.all([allocator.matchingPool(), allocator.round()]);
    return { pool, round };
  }, []);
  const amount = useAmount(allocator.decimals);
  const tx = useTx();
  const scale = scaleOf(allocator.decimals);
  const raw = (x: string): bigint => rawOf(x, allocator.decimals);
  const show = (x: bigint): string => tokens(x, allocator.decimals);
  return (
    <section aria-labelledby="rounds-title">
      <h1 id="rounds-title">Rounds</h1>
      <p data-testid="matching-pool">
        {live.value === undefined ? (
          (live.error ?? "Reading the matching pool…")
        ) : (
          <>
            Matching pool: {show(live.value.pool)} {allocator.symbol} · round{" "}
            {live.value.round.round.toString()} closes in {countdown(live.value.round.endTime, now)}
          </>
        )}
      </p>
      <IndexerNotice error={rounds.error} />
      {rounds.value === undefined ? (
        rounds.error === undefined && <p>Loading rounds…</p>
      ) : (
        <div className="scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Round</th>
                <th scope="col">Status</th>
                <th scope="col">Pool</th>
                <th scope="col">W</th>
                <th scope="col">α</th>
                <th scope="col">Matched</th>
                <th scope="col">Paid</th>
                <th scope="col" title="Allocated but not matched: cap excess and rounding, back to the pool">
                  Dust
                </th>
              </tr>
            </thead>
            <tbody>
              {[...rounds.value.rounds].reverse().map((r) => (
                <tr key={r.round} data-testid="round-row">
                  <th scope="row">{r.round}</th>
                  <td>{r.status}</td>
                  <td>{r.status === "open" ? "–" : show(raw(r.poolSize))}</td>
                  <td>{tokens(rawOf(r.totalWeight, 18), 18)}</td>
                  <td>
                    {r.status === "open" ? "–" : alpha(raw(r.allocated), rawOf(r.totalWeight, 18), scale)}
                  </td>
                  <td>{show(raw(r.matchesTotal))}</td>
                  <td>{show(raw(r.paid))}</td>
                  <td>
                    {r.status === "open"
                      ? "–"
                      : `${show(raw(r.returned))}${r.status === "swept" ? " (swept)" : ""}`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <AmountForm
        title="Fund the matching pool"
        label="Amount"
        symbol={allocator.symbol}
        amount={amount}
        action="Fund the pool"
        connectFirst="Connect a wallet to fund"
        connected={signer !== undefined}
        busy={tx.busy}
        onSubmit={(raw) => tx.run("Pool funding", () => signer!.allocator.fundPool(raw!))}
        footer={tx.status}
      />
    </section>
  );
}
