/**
 * A real browser for the app's tests: Debian's Chromium driven by playwright-core (no browser
 * download), the built app served from a directory with its config.json, and a test wallet injected
 * into the page: an EIP-1193 provider that announces itself by EIP-6963 and forwards every request to
 * this process, where an ethers Wallet with a local test key signs and the node answers the rest.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { JsonRpcProvider, Wallet, type TransactionRequest } from "ethers";
import { chromium, type Browser, type Page } from "playwright-core";

/** Chromium's flags on these machines (no sandbox as root, no GPU, no calls home). */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Starts Debian's Chromium headless. */
export function launchChromium(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (!fs.existsSync(executablePath)) {
    throw new Error(`${executablePath} is missing: apt-get install chromium (or set CHROMIUM_PATH)`);
  }
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/** Serves `dir` (and `config` as /config.json) on a free loopback port; resolves with its base URL. */
export async function serveApp(
  dir: string,
  config: object,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const route = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    if (route === "/config.json") {
      res.writeHead(200, { "content-type": TYPES[".json"] });
      res.end(JSON.stringify(config));
      return;
    }
    const file = path.join(dir, route === "/" ? "index.html" : route);
    if (!file.startsWith(dir) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The injected wallet's name and EIP-6963 reverse-DNS id. */
export const TEST_WALLET = { name: "cofund test wallet", rdns: "org.cofund.testwallet" };

/**
 * Injects the test wallet into every page of `page`'s context before any script runs. Requests go to
 * `rpcUrl` through this process; `eth_sendTransaction` and `eth_signTypedData_v4` are signed with
 * `privateKey`. `reject` makes the wallet refuse the next request of that method (user rejection 4001).
 */
export async function installTestWallet(
  page: Page,
  options: { rpcUrl: string; privateKey: string; chainId: number },
): Promise<{ address: string; rejectNext: (method: string) => void }> {
  const provider = new JsonRpcProvider(options.rpcUrl, options.chainId, {
    staticNetwork: true,
    cacheTimeout: -1,
  });
  const wallet = new Wallet(options.privateKey, provider);
  const rejections = new Set<string>();
  await page.exposeFunction("__cofundTestWallet", async (method: string, params: unknown[]) => {
    if (rejections.delete(method)) return { error: { code: 4001, message: "User rejected the request." } };
    try {
      switch (method) {
        case "eth_requestAccounts":
        case "eth_accounts":
          return { result: [wallet.address] };
        case "eth_chainId":
          return { result: "0x" + options.chainId.toString(16) };
        case "wallet_switchEthereumChain":
        case "wallet_addEthereumChain":
          return { result: null };
        case "eth_sendTransaction": {
          const tx = params[0] as { to?: string; data?: string; value?: string; gas?: string };
          const request: TransactionRequest = { to: tx.to, data: tx.data, value: tx.value, gasLimit: tx.gas };
          return { result: (await wallet.sendTransaction(request)).hash };
        }
        case "eth_signTypedData_v4": {
          const typed = JSON.parse(params[1] as string) as {
            domain: Record<string, unknown>;
            types: Record<string, { name: string; type: string }[]>;
            message: Record<string, unknown>;
          };
          const { EIP712Domain: _domain, ...types } = typed.types;
          void _domain;
          return { result: await wallet.signTypedData(typed.domain, types, typed.message) };
        }
        default:
          return { result: await provider.send(method, params ?? []) };
      }
    } catch (error) {
      const e = error as {
        error?: { code?: number; message?: string; data?: unknown };
        info?: { error?: { code?: number; message?: string; data?: unknown } };
        message?: string;
      };
      const inner = e.error ?? e.info?.error;
      return {
        error: {
          code: inner?.code ?? -32603,
          message: inner?.message ?? e.message ?? String(error),
          data: inner?.data,
        },
      };
    }
  });
  // Plain JavaScript (a string): the page must not depend on helpers a TypeScript transform adds.
  await page.addInitScript(`(() => {
    const bridge = window.__cofundTestWallet;
    const listeners = new Map();
    const provider = {
      isCofundTestWallet: true,
      async request({ method, params }) {
        const reply = await bridge(method, params ?? []);
        if (reply.error !== undefined) {
          throw Object.assign(new Error(reply.error.message), { code: reply.error.code, data: reply.error.data });
        }
        return reply.result;
      },
      on(event, fn) {
        if (!listeners.has(event)) listeners.set(event, new Set());
        listeners.get(event).add(fn);
      },
      removeListener(event, fn) {
        listeners.get(event)?.delete(fn);
      },
    };
    const icon = "data:image/svg+xml;base64," +
      btoa('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#59a14f"/></svg>');
    const detail = Object.freeze({
      info: { uuid: "6f1c7a52-0e2b-4b2e-9a51-5c0f0d7e5701", name: ${JSON.stringify(TEST_WALLET.name)}, icon, rdns: ${JSON.stringify(TEST_WALLET.rdns)} },
      provider,
    });
    const announce = () => window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail }));
    window.addEventListener("eip6963:requestProvider", announce);
    announce();
  })();`);
  return { address: wallet.address, rejectNext: (method) => rejections.add(method) };
}
