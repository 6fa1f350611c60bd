/**
 * Connecting a discovered wallet: accounts, then the app's chain (switched to, or added when the wallet
 * does not know it), then an ethers `BrowserProvider` and signer under the SDK's clients.
 */
import { BrowserProvider, type JsonRpcSigner } from "ethers";
import type { AppConfig } from "../config";
import type { DiscoveredWallet } from "./eip6963";

/** A connected wallet. */
export interface Connection {
  wallet: DiscoveredWallet;
  account: string;
  provider: BrowserProvider;
  signer: JsonRpcSigner;
}

/** EIP-1193 / EIP-3085 error code: the wallet does not know the chain. */
const UNRECOGNIZED_CHAIN = 4902;

function errorCode(error: unknown): number | undefined {
  const e = error as { code?: unknown; data?: { originalError?: { code?: unknown } } } | null;
  const code = e?.data?.originalError?.code ?? e?.code;
  return typeof code === "number" ? code : undefined;
}

/** Asks the wallet for its accounts and for the app's chain; returns the connection. */
export async function connectWallet(wallet: DiscoveredWallet, config: AppConfig): Promise<Connection> {
  const { provider: injected } = wallet;
  const accounts = (await injected.request({ method: "eth_requestAccounts" })) as string[];
  if (accounts.length === 0) throw new Error(`${wallet.info.name} shared no account`);
  const chainHex = "0x" + config.chainId.toString(16);
  const current = (await injected.request({ method: "eth_chainId" })) as string;
  if (current.toLowerCase() !== chainHex) {
    try {
      await injected.request({ method: "wallet_switchEthereumChain", params: [{ chainId: chainHex }] });
    } catch (error) {
      if (errorCode(error) !== UNRECOGNIZED_CHAIN) throw error;
      await injected.request({
        method: "wallet_addEthereumChain",
        params: [
          {
            chainId: chainHex,
            chainName: config.chainName,
            rpcUrls: [config.rpcUrl],
            nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
            ...(config.explorerUrl ? { blockExplorerUrls: [config.explorerUrl] } : {}),
          },
        ],
      });
    }
  }
  const provider = new BrowserProvider(injected, config.chainId);
  const signer = await provider.getSigner(accounts[0]);
  return { wallet, account: await signer.getAddress(), provider, signer };
}
