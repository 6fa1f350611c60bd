/**
 * The cofund web app: a header with the wallet (EIP-6963 discovery, connect, account, token balance)
 * and the pages.
 */
import { JsonRpcProvider } from "ethers";
import { useEffect, useMemo, useState } from "react";
import { AllocatorClient } from "../../sdk/allocator";
import { formatUnitsDisplay } from "../../sdk/units";
import type { AppConfig } from "./config";
import { GapsPage } from "./pages/Gaps";
import { connectWallet, type Connection } from "./wallet/connect";
import { discoverWallets, type DiscoveredWallet } from "./wallet/eip6963";

function short(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

export function App({ config }: { config: AppConfig }) {
  const reader = useMemo(
    () => new JsonRpcProvider(config.rpcUrl, config.chainId, { staticNetwork: true }),
    [config],
  );
  const [wallets, setWallets] = useState<DiscoveredWallet[]>([]);
  const [connection, setConnection] = useState<Connection>();
  const [balance, setBalance] = useState<string>();
  const [error, setError] = useState<string>();
  const [allocator, setAllocator] = useState<AllocatorClient>();

  useEffect(() => discoverWallets(setWallets), []);
  useEffect(() => {
    AllocatorClient.connect(config.contracts.QuadraticFundingAllocator, reader).then(
      setAllocator,
      (e: Error) => setError(e.message),
    );
  }, [config, reader]);
  useEffect(() => {
    if (connection === undefined || allocator === undefined) return;
    let live = true;
    const refresh = (): void => {
      allocator.balanceOf(connection.account).then(
        (raw) => live && setBalance(`${formatUnitsDisplay(raw, allocator.decimals, 2)} ${allocator.symbol}`),
        (e: Error) => live && setError(e.message),
      );
    };
    refresh();
    reader.on("block", refresh);
    return () => {
      live = false;
      void reader.off("block", refresh);
    };
  }, [connection, allocator, reader]);

  async function connect(wallet: DiscoveredWallet): Promise<void> {
    setError(undefined);
    try {
      setConnection(await connectWallet(wallet, config));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }

  return (
    <>
      <header className="bar">
        <a className="brand" href="#/">
          cofund
        </a>
        <nav aria-label="Main">
          <a href="#/">Gaps</a>
        </nav>
        <div className="wallet" aria-live="polite">
          {connection !== undefined ? (
            <span data-testid="account">
              {short(connection.account)} · <span data-testid="balance">{balance ?? "…"}</span>
            </span>
          ) : wallets.length === 0 ? (
            <span>No browser wallet found</span>
          ) : (
            wallets.map((w) => (
              <button key={w.info.uuid} type="button" onClick={() => void connect(w)}>
                <img src={w.info.icon} alt="" width={16} height={16} /> Connect {w.info.name}
              </button>
            ))
          )}
        </div>
      </header>
      {error !== undefined && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <main>
        {allocator !== undefined ? <GapsPage allocator={allocator} reader={reader} /> : <p>Loading…</p>}
      </main>
    </>
  );
}
