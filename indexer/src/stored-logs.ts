/**
 * The stored logs (`cofund_events`) into the SDK's one event replay, for the handlers and the API alike:
 * a replay state for the deployment the launcher named, and one stored log applied to it. Token
 * decimals are read through the caller's client (the handlers' cached one, or the API's).
 */
import type { cofundEvents } from "ponder:schema";
import { erc20Abi, type Abi } from "viem";
import {
  apply,
  decodeCofundLog,
  emptyState,
  type CofundContract,
  type CofundEvent,
  type ReplayState,
} from "../../sdk/replay";

/** A stored log. */
export type StoredLog = typeof cofundEvents.$inferSelect;

/** What the replay needs of a chain client. */
export interface ContractReader {
  readContract(args: { address: `0x${string}`; abi: Abi; functionName: string }): Promise<unknown>;
}

const TOKEN_ABI = [
  { type: "function", name: "token", stateMutability: "view", inputs: [], outputs: [{ type: "address" }] },
] as const;

/** Token decimals, read once per token. */
export class TokenDecimals {
  private readonly known = new Map<string, number>();

  constructor(private readonly client: ContractReader) {}

  /** The decimals of `token` (read from the chain the first time). */
  async read(token: string): Promise<number> {
    const key = token.toLowerCase();
    const known = this.known.get(key);
    if (known !== undefined) return known;
    const value = Number(
      await this.client.readContract({
        address: token as `0x${string}`,
        abi: erc20Abi,
        functionName: "decimals",
      }),
    );
    this.known.set(key, value);
    return value;
  }

  /** The decimals of `token` if read already (campaign tokens are read before their creation is applied). */
  get(token: string): number | undefined {
    return this.known.get(token.toLowerCase());
  }
}

/** The empty replay of the deployment in the environment (COFUND_ALLOCATOR, COFUND_PLEDGES). */
export async function newReplay(client: ContractReader, decimals: TokenDecimals): Promise<ReplayState> {
  const allocator = process.env.COFUND_ALLOCATOR ?? "";
  const token = (await client.readContract({
    address: allocator as `0x${string}`,
    abi: TOKEN_ABI,
    functionName: "token",
  })) as string;
  return emptyState({
    allocator: allocator.toLowerCase(),
    pledges: (process.env.COFUND_PLEDGES ?? "").toLowerCase(),
    allocatorDecimals: await decimals.read(token),
    decimalsOf: (t) => decimals.get(t) ?? 18,
  });
}

/**
 * Applies one stored log to `state` (a campaign's token decimals are read before its creation);
 * returns the decoded event (undefined for a log the replay does not know).
 */
export async function applyStoredLog(
  state: ReplayState,
  row: StoredLog,
  decimals: TokenDecimals,
): Promise<CofundEvent | undefined> {
  const contract: CofundContract = row.contract === "Allocator" ? "allocator" : "pledges";
  const event = decodeCofundLog(
    contract,
    {
      address: row.address,
      topics: row.topics,
      data: row.data,
      blockNumber: Number(row.blockNumber),
      index: row.logIndex,
      transactionHash: row.transactionHash,
    },
    Number(row.timestamp),
  );
  if (event === undefined) return undefined;
  if (event.contract === "pledges" && event.name === "CampaignCreated") {
    await decimals.read((event.args as { token: string }).token);
  }
  apply(state, event);
  return event;
}
