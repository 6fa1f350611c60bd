/**
 * The app's connection to cofund: read-only SDK clients on the configured node (live values, refreshed
 * on every new block), and once a wallet is connected, the same clients acting as its signer.
 */
import { JsonRpcProvider } from "ethers";
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { AllocatorClient } from "../../sdk/allocator";
import { PledgesClient } from "../../sdk/pledges";
import type { AppConfig } from "./config";
import { connectWallet, type Connection } from "./wallet/connect";
import type { DiscoveredWallet } from "./wallet/eip6963";

/** What every page reads. */
export interface Chain {
  config: AppConfig;
  reader: JsonRpcProvider;
  /** Read-only clients. */
  allocator: AllocatorClient;
  pledges: PledgesClient;
  /** The latest block number (pages refresh their live values when it changes) and its timestamp. */
  block: number;
  now: number;
  connection?: Connection;
  connect: (wallet: DiscoveredWallet) => Promise<void>;
  /** The clients acting as the connected wallet (undefined until one is connected). */
  signer?: { allocator: AllocatorClient; pledges: PledgesClient; account: string };
}

/** How often the app asks the node for a new block (ms). */
const POLL_MS = 1_000;

const ChainContext = createContext<Chain | undefined>(undefined);

/** The chain context (inside `<ChainProvider>`). */
export function useChain(): Chain {
  const chain = useContext(ChainContext);
  if (chain === undefined) throw new Error("useChain outside ChainProvider");
  return chain;
}

/** Connects the read-only clients, then renders `children` with the chain context. */
export function ChainProvider({ config, children }: { config: AppConfig; children: ReactNode }) {
  const reader = useMemo(
    () => new JsonRpcProvider(config.rpcUrl, config.chainId, { staticNetwork: true, cacheTimeout: -1 }),
    [config],
  );
  const [clients, setClients] = useState<{ allocator: AllocatorClient; pledges: PledgesClient }>();
  const [error, setError] = useState<string>();
  const [head, setHead] = useState({ block: 0, now: Math.floor(Date.now() / 1000) });
  const [connection, setConnection] = useState<Connection>();

  useEffect(() => {
    Promise.all([
      AllocatorClient.connect(config.contracts.QuadraticFundingAllocator, reader),
      PledgesClient.connect(config.contracts.CoordinatedPledges, reader),
    ]).then(
      ([allocator, pledges]) => setClients({ allocator, pledges }),
      (e: Error) => setError(`The node at ${config.rpcUrl} did not answer: ${e.message}`),
    );
  }, [config, reader]);
  useEffect(() => {
    // Polls the head (one request per interval; a failed poll is retried at the next one).
    let live = true;
    const poll = async (): Promise<void> => {
      const latest = await reader.getBlock("latest").catch(() => null);
      if (live && latest !== null)
        setHead((h) => (latest.number > h.block ? { block: latest.number, now: latest.timestamp } : h));
    };
    void poll();
    const timer = setInterval(() => void poll(), POLL_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [reader]);

  const signer = useMemo(
    () =>
      clients !== undefined && connection !== undefined
        ? {
            allocator: clients.allocator.withRunner(connection.signer),
            pledges: clients.pledges.withRunner(connection.signer),
            account: connection.account,
          }
        : undefined,
    [clients, connection],
  );

  if (error !== undefined) return <p role="alert">{error}</p>;
  if (clients === undefined) return <p>Connecting to {config.chainName}…</p>;
  const value: Chain = {
    config,
    reader,
    ...clients,
    ...head,
    connection,
    signer,
    connect: async (wallet) => setConnection(await connectWallet(wallet, config)),
  };
  return <ChainContext.Provider value={value}>{children}</ChainContext.Provider>;
}

/**
 * Loads `load()` now and again whenever `deps` change (not on every block: for values that only
 * change with an event the caller watches); keeps the last value while reloading. Errors become a
 * one-sentence message.
 */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { value?: T; error?: string } {
  const [state, setState] = useState<{ value?: T; error?: string }>({});
  useEffect(() => {
    let live = true;
    load().then(
      (value) => live && setState({ value }),
      (e: unknown) => live && setState((s) => ({ ...s, error: e instanceof Error ? e.message : String(e) })),
    );
    return () => {
      live = false;
    };
  }, deps);
  return state;
}

/** `value`, once it has stayed the same for `ms` (e.g. an amount being typed). */
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/**
 * Loads `load()` now and again on every new block (and when `deps` change); keeps the last value while
 * reloading. Errors become a one-sentence message.
 */
export function useLive<T>(load: () => Promise<T>, deps: unknown[]): { value?: T; error?: string } {
  const { block } = useChain();
  return useLoad(load, [block, ...deps]);
}
