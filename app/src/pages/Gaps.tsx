/** The gaps: every gap with its funding and live estimated match (refreshed on new blocks). */
import type { JsonRpcProvider } from "ethers";
import { useEffect, useState } from "react";
import type { AllocatorClient, AllocatorStats } from "../../../sdk/allocator";
import { nameFromMetadataURI } from "../../../sdk/ids";
import { formatUnitsDisplay } from "../../../sdk/units";

export function GapsPage({ allocator, reader }: { allocator: AllocatorClient; reader: JsonRpcProvider }) {
  const [stats, setStats] = useState<AllocatorStats>();
  const [query, setQuery] = useState("");
  useEffect(() => {
    let live = true;
    const refresh = (): void => void allocator.stats().then((s) => live && setStats(s));
    refresh();
    reader.on("block", refresh);
    return () => {
      live = false;
      void reader.off("block", refresh);
    };
  }, [allocator, reader]);
  if (stats === undefined) return <p>Loading gaps…</p>;
  const amount = (raw: bigint): string => formatUnitsDisplay(raw, allocator.decimals, 2);
  const named = stats.gaps.map((g) => ({
    ...g,
    name: g.name ?? nameFromMetadataURI(g.metadataURI, g.gapId),
  }));
  const shown = named.filter((g) => (g.name ?? g.gapId).toLowerCase().includes(query.trim().toLowerCase()));
  return (
    <section aria-labelledby="gaps-title">
      <h1 id="gaps-title">Gaps</h1>
      <p>
        Round {stats.round.toString()} · matching pool {amount(stats.matchingPool)} {allocator.symbol}
      </p>
      <label>
        Search by name <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} />
      </label>
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
              <th scope="row">{g.name ?? g.gapId.slice(0, 10)}</th>
              <td>{amount(g.directTotal)}</td>
              <td>{amount(g.matchedTotal)}</td>
              <td>{g.contributorCount.toString()}</td>
              <td>{amount(g.estimatedMatch)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
