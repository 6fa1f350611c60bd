/**
 * Reads from the indexer's HTTP API (config.indexerUrl): history the chain's views do not keep.
 * Amounts arrive as decimal strings in token units (the CLI's format).
 */
import { useEffect, useState } from "react";
import { useChain } from "./chain";

/** How often the indexer is asked again while no block arrives (it indexes a block after the node mines it). */
const REFRESH_MS = 2_000;

/**
 * GET `route` of the indexer, refreshed on every new block and every 2 s (the indexer may answer for a
 * block a moment after the node); an unreachable indexer is one sentence.
 */
export function useIndexer<T>(route: string): { value?: T; error?: string } {
  const { config, block } = useChain();
  const [state, setState] = useState<{ value?: T; error?: string }>({});
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => {
    let live = true;
    fetch(new URL(route, config.indexerUrl))
      .then(async (res) => {
        const body = (await res.json()) as T & { error?: string };
        if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
        if (live) setState({ value: body });
      })
      .catch((e: unknown) => {
        const why = e instanceof Error ? e.message : String(e);
        if (live)
          setState((s) => ({ ...s, error: `The indexer at ${config.indexerUrl} did not answer (${why})` }));
      });
    return () => {
      live = false;
    };
  }, [route, config.indexerUrl, block, tick]);
  return state;
}
