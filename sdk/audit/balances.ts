/**
 * Phase 4 of the audit: each contract's token balance at the audited block against what the replay
 * says it owes — to the wei, both ways (a shortfall and a surplus are both discrepancies).
 */
import type { Provider } from "ethers";
import { IERC20Metadata__factory } from "../../typechain-types/factories/@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata__factory";
import { shortHex } from "../ids";
import { lc } from "../replay/findings";
import { formatUnitsExact } from "../units";
import type { Findings } from "./compare";
import type { Owed } from "./lines";
import type { BalanceLine } from "./types";

/** A token's balance of `holder` at `blockTag`. */
export function balanceOf(
  provider: Provider,
  token: string,
  holder: string,
  blockTag: number,
): Promise<bigint> {
  return IERC20Metadata__factory.connect(token, provider).balanceOf(holder, { blockTag });
}

/** The pledges contract's balance lines: one per token it owes in (and the allocator's token). */
export async function pledgesBalances(
  provider: Provider,
  address: string,
  owed: Owed,
  allocatorToken: string | undefined,
  tokenDecimals: (token: string) => Promise<number>,
  blockTag: number,
): Promise<BalanceLine[]> {
  const tokens = new Set<string>(owed.pledgesOwed.keys());
  if (allocatorToken !== undefined) tokens.add(lc(allocatorToken));
  const lines: BalanceLine[] = [];
  for (const token of tokens) {
    const decimals = await tokenDecimals(token);
    const balance = await balanceOf(provider, token, address, blockTag);
    const display = owed.campaignLines.find((l) => lc(l.token) === token)?.token ?? allocatorToken ?? token;
    lines.push({
      contract: "pledges",
      address,
      token: display,
      decimals,
      owed: owed.pledgesOwed.get(token) ?? 0n,
      balance,
    });
  }
  return lines;
}

/** A shortfall or a surplus of each balance line. */
export function compareBalances(findings: Findings, balances: BalanceLine[]): void {
  for (const b of balances) {
    const f = (raw: bigint): string => formatUnitsExact(raw, b.decimals);
    const who = b.contract === "allocator" ? "The allocator" : "The pledges contract";
    const subject = `${b.contract} ${shortHex(b.token)}`;
    if (b.balance < b.owed) {
      const sentence = `${who} owes ${f(b.owed)} but holds ${f(b.balance)} of ${shortHex(b.token)}: ${f(b.owed - b.balance)} missing.`;
      findings.add("balance-shortfall", subject, f(b.owed), f(b.balance), sentence);
    } else if (b.balance > b.owed) {
      const sentence = `${who} holds ${f(b.balance)} of ${shortHex(b.token)} but owes ${f(b.owed)}: ${f(b.balance - b.owed)} unaccounted for (sent straight to the contract?).`;
      findings.add("balance-surplus", subject, f(b.owed), f(b.balance), sentence);
    }
  }
}
