/**
 * Every gap (the list from the indexer): direct, matched, contributors; the live estimated match and the
 * round's countdown from the chain on every block; search by name.
 */
import { useState } from "react";
import { nameFromMetadataURI } from "../../../sdk/ids";
import { useChain, useLive } from "../chain";
import { countdown, tokens } from "../format";
import { IndexerNotice, rawOf, useIndexer, type IndexedStats } from "../indexer";
import { href } from "../router";

export function GapsPage() {
  const { allocator, now } = useChain();
  const list = useIndexer<IndexedStats>("/api/gaps/funding/stats");
  // Live from the chain: the open round, the pool and every gap's estimated match (one paged read).
  const live = useLive(async () => {
    const [stats, round] = await Promise.all([allocator.stats(), allocator.round()]);
    return {
      round,
      pool: stats.matchingPool,
      matches: new Map(stats.gaps.map((g) => [g.gapId.toLowerCase(), g.estimatedMatch])),
    };
  }, []);
  const [query, setQuery] = useState("");
  const amount = (raw: bigint): string => tokens(raw, allocator.decimals);
  const raw = (x: string): bigint => rawOf(x, allocator.decimals);
  const gaps = (list.value?.gaps ?? []).map((g) => ({
    ...g,
    name: g.name ?? nameFromMetadataURI(g.metadataURI, g.gapId),
  }));
  const q = query.trim().toLowerCase();
  const shown = gaps.filter((g) => q === "" || (g.name ?? g.gapId).toLowerCase().includes(q));
  const l = live.value;
  return (
    <section aria-labelledby="gaps-title">
      <h1 id="gaps-title">Gaps</h1>
      <p data-testid="round-line">
        {l === undefined ? (
          (live.error ?? "Reading the open round…")
        ) : (
          <>
            Round {l.round.round.toString()} · closes in {countdown(l.round.endTime, now)} · matching pool{" "}
            {amount(l.pool)} {allocator.symbol}
          </>
        )}
      </p>
      <div className="field">
        <label htmlFor="gap-search">Search by name</label>
        <input id="gap-search" type="search" value={query} onChange={(e) => setQuery(e.target.value)} />
      </div>
      <IndexerNotice error={list.error} />
      {list.value === undefined ? (
        list.error === undefined && <p>Loading gaps…</p>
      ) : (
        <>
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
                    <td>{amount(raw(g.directTotal))}</td>
                    <td>{amount(raw(g.matchedTotal))}</td>
                    <td>{g.contributorCount}</td>
                    <td data-testid="estimated-match">
                      {amount(l?.matches.get(g.gapId.toLowerCase()) ?? raw(g.estimatedMatch))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {shown.length === 0 && (
            <p>{q === "" ? "No gap is registered yet." : `No gap matches “${query}”.`}</p>
          )}
        </>
      )}
    </section>
  );
}
