/** Every gap: direct, matched, contributors, live estimated match and the round's countdown; search by name. */
import { useState } from "react";
import { nameFromMetadataURI } from "../../../sdk/ids";
import { useChain, useLive } from "../chain";
import { countdown, tokens } from "../format";
import { href } from "../router";

export function GapsPage() {
  const { allocator, now } = useChain();
  const stats = useLive(() => allocator.stats(), []);
  const round = useLive(() => allocator.round(), []);
  const [query, setQuery] = useState("");
  if (stats.value === undefined)
    return <p role={stats.error ? "alert" : undefined}>{stats.error ?? "Loading gaps…"}</p>;
  const s = stats.value;
  const amount = (raw: bigint): string => tokens(raw, allocator.decimals);
  const gaps = s.gaps.map((g) => ({ ...g, name: g.name ?? nameFromMetadataURI(g.metadataURI, g.gapId) }));
  const q = query.trim().toLowerCase();
  const shown = gaps.filter((g) => q === "" || (g.name ?? g.gapId).toLowerCase().includes(q));
  return (
    <section aria-labelledby="gaps-title">
      <h1 id="gaps-title">Gaps</h1>
      <p>
        Round {s.round.toString()}
        {round.value !== undefined && <> · closes in {countdown(round.value.endTime, now)}</>} · matching pool{" "}
        {amount(s.matchingPool)} {allocator.symbol}
      </p>
      <div className="field">
        <label htmlFor="gap-search">Search by name</label>
        <input id="gap-search" type="search" value={query} onChange={(e) => setQuery(e.target.value)} />
      </div>
      <div className="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Gap</th>
              <th scope="col">Direct</th>
              <th scope="col">Matched</th>
              <th scope="col">Contributors</th>
              <th scope="col">Est. match</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((g) => (
              <tr key={g.gapId} data-testid="gap-row">
                <th scope="row">
                  <a href={href({ page: "gap", id: g.name ?? g.gapId })}>
                    {g.name ?? `${g.gapId.slice(0, 10)}…`}
                  </a>
                  {g.status === "Closed" && <span className="tag">closed</span>}
                </th>
                <td>{amount(g.directTotal)}</td>
                <td>{amount(g.matchedTotal)}</td>
                <td>{g.contributorCount.toString()}</td>
                <td data-testid="estimated-match">{amount(g.estimatedMatch)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {shown.length === 0 && <p>No gap matches “{query}”.</p>}
    </section>
  );
}
