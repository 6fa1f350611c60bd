/**
 * Reads from the indexer's HTTP API (config.indexerUrl): history the chain's views do not keep.
 * Amounts arrive as decimal strings in token units (the CLI's format).
 */
import { useEffect, useState } from "react";
import { parseUnitsExact } from "../../sdk/units";
import { useChain } from "./chain";

/** How often the indexer is asked again while no block arrives (it indexes a block after the node mines it). */
const REFRESH_MS = 2_000;

/** The first line of `text`, at most 160 characters. */
const firstLine = (text: string): string => {
  const line = text.split("\n")[0]!.trim();
  return line.length > 160 ? `${line.slice(0, 159)}…` : line;
};

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
    const where = `The indexer at ${config.indexerUrl}`;
    const later = "lists and history appear once it does.";
    fetch(new URL(route, config.indexerUrl)).then(
      async (res) => {
        const body = (await res.json().catch(() => ({}))) as T & { error?: string };
        if (res.ok) {
          if (live) setState({ value: body });
          return;
        }
        // One line: the first line of its reason (an indexer catching up may explain at length).
        const why = firstLine(body.error ?? "");
        const error = `${where} answered HTTP ${res.status}${why === "" ? "" : ` (${why})`}: ${later}`;
        if (live) setState((s) => ({ ...s, error }));
      },
      (e: unknown) => {
        const why = firstLine(e instanceof Error ? e.message : String(e));
        if (live) setState((s) => ({ ...s, error: `${where} did not answer (${why}): ${later}` }));
      },
    );
    return () => {
      live = false;
    };
  }, [route, config.indexerUrl, block, tick]);
  return state;
}

/** An amount the indexer sends (a decimal string in token units) as raw units of a `decimals` token. */
export const rawOf = (amount: string, decimals: number): bigint => parseUnitsExact(amount, decimals);

/** `GET /api/gaps/funding/stats` (the `qf:stats --json` format). */
export interface IndexedStats {
  round: number;
  contributionRound: number;
  matchingPool: string;
  gaps: {
    gapId: string;
    name: string | null;
    recipient: string;
    status: string;
    directTotal: string;
    matchedTotal: string;
    contributorCount: number;
    estimatedMatch: string;
    metadataURI: string;
  }[];
}

/** `GET /api/rounds`. */
export interface IndexedRounds {
  rounds: {
    round: number;
    status: "open" | "finalized" | "swept";
    poolSize: string;
    totalWeight: string;
    allocated: string;
    paid: string;
    matchesTotal: string;
    returned: string;
  }[];
}

/** `GET /api/campaigns` (each one in the `cqf:status --json` format). */
export interface IndexedCampaigns {
  campaigns: {
    campaignId: string;
    state: string;
    mode: string;
    policy: string;
    deadline: number;
    h: string;
    pot: string;
    pledges: { state: string }[];
  }[];
}

/** The one-line notice of an unreachable indexer (nothing when it answered). */
export function IndexerNotice({ error }: { error?: string }) {
  return error === undefined ? null : (
    <p role="alert" className="field-error" data-testid="indexer-error">
      {error}
    </p>
  );
}
