/**
 * EIP-6963 discovery of injected EIP-1193 wallets: every wallet announces itself with an
 * `eip6963:announceProvider` event once the page asks with `eip6963:requestProvider`.
 */

/** An EIP-1193 provider (what wallets inject). */
export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] | object }): Promise<unknown>;
  on?(event: string, listener: (...args: unknown[]) => void): void;
  removeListener?(event: string, listener: (...args: unknown[]) => void): void;
}

/** What a wallet says of itself (EIP-6963 `EIP6963ProviderInfo`). */
export interface WalletInfo {
  uuid: string;
  name: string;
  /** A data URI. */
  icon: string;
  /** Reverse DNS name, e.g. io.metamask. */
  rdns: string;
}

/** A discovered wallet. */
export interface DiscoveredWallet {
  info: WalletInfo;
  provider: Eip1193Provider;
}

interface AnnounceEvent extends Event {
  detail: DiscoveredWallet;
}

/**
 * Listens for wallets and asks them to announce; `onChange` gets the list (deduplicated by uuid) on
 * every announcement. Returns the function that stops listening.
 */
export function discoverWallets(onChange: (wallets: DiscoveredWallet[]) => void): () => void {
  const found = new Map<string, DiscoveredWallet>();
  const listener = (event: Event): void => {
    const { detail } = event as AnnounceEvent;
    if (detail?.info?.uuid === undefined || typeof detail.provider?.request !== "function") return;
    found.set(detail.info.uuid, { info: detail.info, provider: detail.provider });
    onChange([...found.values()]);
  };
  window.addEventListener("eip6963:announceProvider", listener);
  window.dispatchEvent(new Event("eip6963:requestProvider"));
  return () => window.removeEventListener("eip6963:announceProvider", listener);
}
