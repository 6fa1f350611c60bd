/** The cofund web app: the wallet in the header, the pages below (hash routes). */
import { useEffect, useState } from "react";
import { ChainProvider, useChain, useLive } from "./chain";
import type { AppConfig } from "./config";
import { tokens } from "./format";
import { AdminPage, useRoles } from "./pages/Admin";
import { CampaignPage } from "./pages/Campaign";
import { CampaignsPage } from "./pages/Campaigns";
import { GapPage } from "./pages/Gap";
import { GapsPage } from "./pages/Gaps";
import { RoundsPage } from "./pages/Rounds";
import { href, useRoute } from "./router";
import { discoverWallets, type DiscoveredWallet } from "./wallet/eip6963";

function Wallet() {
  const { connect, connection, allocator } = useChain();
  const [wallets, setWallets] = useState<DiscoveredWallet[]>([]);
  const [error, setError] = useState<string>();
  useEffect(() => discoverWallets(setWallets), []);
  const balance = useLive(
    () => (connection === undefined ? Promise.resolve(undefined) : allocator.balanceOf(connection.account)),
    [connection?.account],
  );
  if (connection !== undefined) {
    return (
      <span data-testid="account" title={connection.account}>
        {connection.account.slice(0, 6)}…{connection.account.slice(-4)} ·{" "}
        <span data-testid="balance">
          {balance.value === undefined
            ? "…"
            : `${tokens(balance.value, allocator.decimals)} ${allocator.symbol}`}
        </span>
      </span>
    );
  }
  return (
    <>
      {wallets.length === 0 && <span>No browser wallet found</span>}
      {wallets.map((w) => (
        <button
          key={w.info.uuid}
          type="button"
          onClick={() => {
            setError(undefined);
            connect(w).catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
          }}
        >
          <img src={w.info.icon} alt="" width={16} height={16} /> Connect {w.info.name}
        </button>
      ))}
      {error !== undefined && (
        <span role="alert" className="field-error">
          {error}
        </span>
      )}
    </>
  );
}

function Footer() {
  const { block, config } = useChain();
  return (
    <footer className="foot">
      {config.chainName} · block <span data-testid="block">{block}</span>
    </footer>
  );
}

function Pages() {
  const route = useRoute();
  const roles = useRoles();
  const staff = roles !== undefined && (roles.keeper || roles.curator || roles.admin);
  return (
    <>
      <header className="bar">
        <a className="brand" href={href({ page: "gaps" })}>
          cofund
        </a>
        <nav aria-label="Main">
          <a
            href={href({ page: "gaps" })}
            aria-current={route.page === "gaps" || route.page === "gap" ? "page" : undefined}
          >
            Gaps
          </a>
          <a href={href({ page: "rounds" })} aria-current={route.page === "rounds" ? "page" : undefined}>
            Rounds
          </a>
          <a
            href={href({ page: "campaigns" })}
            aria-current={route.page === "campaigns" || route.page === "campaign" ? "page" : undefined}
          >
            Campaigns
          </a>
          {staff && (
            <a href={href({ page: "admin" })} aria-current={route.page === "admin" ? "page" : undefined}>
              Keeper
            </a>
          )}
        </nav>
        <div className="wallet" aria-live="polite">
          <Wallet />
        </div>
      </header>
      <main>
        {route.page === "gaps" && <GapsPage />}
        {route.page === "gap" && <GapPage id={route.id} />}
        {route.page === "rounds" && <RoundsPage />}
        {route.page === "campaigns" && <CampaignsPage />}
        {route.page === "campaign" && <CampaignPage id={route.id} />}
        {route.page === "admin" && <AdminPage />}
        {route.page === "missing" && <p>There is no page “{route.path}”.</p>}
      </main>
      <Footer />
    </>
  );
}

export function App({ config }: { config: AppConfig }) {
  return (
    <ChainProvider config={config}>
      <Pages />
    </ChainProvider>
  );
}
