/** Every round: pool, W, α, matched and what is still unpaid; fund the matching pool. */
import { useState } from "react";
import type { RoundInfo } from "../../../sdk/allocator";
import { scaleOf } from "../../../sdk/math/allocator";
import { useChain, useLive } from "../chain";
import { AmountInput, parseAmount } from "../components/AmountInput";
import { useTx } from "../components/Tx";
import { tokens } from "../format";

/** α of a finalised round: what it allocated per unit of weight (distributed·scale / W). */
function alpha(r: RoundInfo, scale: bigint): string {
  if (r.totalWeight === 0n) return "–";
  const x = Number((r.distributed * scale * 10n ** 18n) / r.totalWeight) / 1e18;
  return x.toLocaleString("en-US", { maximumFractionDigits: 6 });
}

export function RoundsPage() {
  const { allocator, signer } = useChain();
  const rounds = useLive(async () => {
    const current = await allocator.contract.currentRound();
    const list: RoundInfo[] = [];
    for (let n = current; n >= 1n; n--) list.push(await allocator.round(n));
    return { list, pool: await allocator.matchingPool() };
  }, []);
  const [text, setText] = useState("");
  const amount = parseAmount(text, allocator.decimals);
  const tx = useTx();
  const scale = scaleOf(allocator.decimals);
  const show = (raw: bigint): string => tokens(raw, allocator.decimals);
  if (rounds.value === undefined) return <p>{rounds.error ?? "Loading rounds…"}</p>;
  return (
    <section aria-labelledby="rounds-title">
      <h1 id="rounds-title">Rounds</h1>
      <p data-testid="matching-pool">
        Matching pool: {show(rounds.value.pool)} {allocator.symbol}
      </p>
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
              <th scope="col">Unpaid</th>
            </tr>
          </thead>
          <tbody>
            {rounds.value.list.map((r) => (
              <tr key={r.round.toString()} data-testid="round-row">
                <th scope="row">{r.round.toString()}</th>
                <td>{r.status.toLowerCase()}</td>
                <td>{show(r.matchingPoolTokens)}</td>
                <td>{show(r.totalWeight / scale)}</td>
                <td>{alpha(r, scale)}</td>
                <td>{show(r.claimed)}</td>
                <td>{r.swept ? "swept" : show(r.distributed - r.claimed)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form
        aria-labelledby="fund-title"
        onSubmit={(e) => {
          e.preventDefault();
          if (signer === undefined || amount.raw === undefined) return;
          void tx
            .run("Pool funding", () => signer.allocator.fundPool(amount.raw!))
            .then((r) => r && setText(""));
        }}
      >
        <h2 id="fund-title">Fund the matching pool</h2>
        <AmountInput
          label="Amount"
          value={text}
          onChange={setText}
          symbol={allocator.symbol}
          error={amount.error}
        />
        <button type="submit" disabled={signer === undefined || amount.raw === undefined || tx.busy}>
          {signer === undefined ? "Connect a wallet to fund" : "Fund the pool"}
        </button>
        {tx.status}
      </form>
    </section>
  );
}
