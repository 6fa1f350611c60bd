/**
 * Reads from the indexer's HTTP API (config.indexerUrl): history the chain's views do not keep.
 * Amounts arrive as decimal strings in token units (the CLI's format).
 */
import { useEffect, useState } from "react";
import { useChain } from "./chain";

/** GET `route` of the indexer, refreshed on every new block; an unreachable indexer is one sentence. */
export function useIndexer<T>(route: string): { value?: T; error?: string } {
  const { config, block } = useChain();
  const [state, setState] = useState<{ value?: T; error?: string }>({});
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
  }, [route, config.indexerUrl, block]);
  return state;
}
