/**
 * Gas of the QuadraticFundingAllocator's transactions: full transaction gasUsed from receipts on the
 * in-process network (`BENCH_ONLY=allocator npm run bench`). Every contribution and pool funding is
 * preceded by an exact approval (allowance = amount, spent to zero by the transfer), the way the SDK
 * and CLI approve, so the figures include the token's real storage costs; the contract already holds
 * tokens (the pool is funded first), as it does in steady operation.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { ContractTransactionResponse } from "ethers";
import type { NetworkConnection } from "hardhat/types/network";
import type { QuadraticFundingAllocator, TestToken } from "../../typechain-types";
import { signPermitUntil } from "../../sdk/approvals";
import { gapIdFromName } from "../../sdk/ids";
import type { BenchRow } from "./types";

const ROUND = 6 * 60 * 60;
const TOKEN = 10n ** 18n;

interface Fixture {
  token: TestToken;
  allocator: QuadraticFundingAllocator;
  signers: HardhatEthersSigner[];
  address: string;
}

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("no receipt");
  return receipt.gasUsed;
}

async function fixture({ ethers }: NetworkConnection): Promise<Fixture> {
  const signers = await ethers.getSigners();
  const admin = signers[0]!;
  const token = (await ethers.deployContract("TestToken", ["Bench", "BCH", 18])) as unknown as TestToken;
  const allocator = (await ethers.deployContract("QuadraticFundingAllocator", [
    await token.getAddress(),
    ROUND,
    admin.address,
  ])) as unknown as QuadraticFundingAllocator;
  const address = await allocator.getAddress();
  for (const s of signers) await token.mint(s.address, 1_000_000n * TOKEN);
  return { token, allocator, signers, address };
}

/** Exact approval, then the contribution; returns the contribution's gasUsed. */
async function contribute(
  f: Fixture,
  who: HardhatEthersSigner,
  gap: string,
  amount: bigint,
): Promise<bigint> {
  await (await f.token.connect(who).approve(f.address, amount)).wait();
  return gasOf(f.allocator.connect(who).contributeToGap(gapIdFromName(gap), amount));
}

async function fundPool(f: Fixture, amount: bigint): Promise<bigint> {
  await (await f.token.approve(f.address, amount)).wait();
  return gasOf(f.allocator.fundMatchingPool(amount));
}

/** Finalises round 1 after `gaps` gaps got two contributors each. */
async function finaliseWithGaps(connection: NetworkConnection, gaps: number): Promise<bigint> {
  const f = await fixture(connection);
  await fundPool(f, 1_000n * TOKEN);
  for (let i = 0; i < gaps; i++) {
    const name = `bench-${i}`;
    await (await f.allocator.registerGap(gapIdFromName(name), f.signers[19]!.address, "")).wait();
    await contribute(f, f.signers[1]!, name, 3n * TOKEN);
    await contribute(f, f.signers[2]!, name, 5n * TOKEN);
  }
  if ((await f.allocator.getRound(1)).gapsFunded !== BigInt(gaps)) throw new Error("gaps not funded");
  await connection.networkHelpers.time.increase(ROUND);
  return gasOf(f.allocator.computeMatchingRound(1_000n * TOKEN));
}

export default async function (connection: NetworkConnection): Promise<BenchRow[]> {
  const { networkHelpers } = connection;
  const f = await fixture(connection);
  const [, alice, bob, carol] = f.signers as [
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
  ];
  const rows: BenchRow[] = [];

  const poolFirst = await fundPool(f, 500n * TOKEN);
  const poolAgain = await fundPool(f, 500n * TOKEN);
  rows.push({
    name: "fundMatchingPool",
    gas: poolAgain,
    note: `pool already funded; the very first funding: ${poolFirst.toLocaleString("en-US")}`,
  });

  // Recipients are fresh addresses holding no tokens: their first payment writes a new balance.
  const recipientA = "0x00000000000000000000000000000000000000a1";
  const recipientB = "0x00000000000000000000000000000000000000b2";
  const register = await gasOf(f.allocator.registerGap(gapIdFromName("a"), recipientA, ""));
  const registerUri = await gasOf(
    f.allocator.registerGap(
      gapIdFromName("b"),
      recipientB,
      "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
    ),
  );
  rows.push({
    name: "registerGap",
    gas: register,
    note: `empty metadata URI; with a 66-byte IPFS URI: ${registerUri.toLocaleString("en-US")}`,
  });

  // Round 1, gap "a": its first contribution, a second contributor (the weight turns positive), a repeat.
  const first = await contribute(f, alice, "a", 10n * TOKEN);
  const second = await contribute(f, bob, "a", 20n * TOKEN);
  const third = await contribute(f, carol, "a", 30n * TOKEN);
  const repeat = await contribute(f, alice, "a", 5n * TOKEN);
  rows.push({
    name: "contributeToGap (the gap's first contribution in the round)",
    gas: first,
    limit: 110_000,
    note: "contributor's first contribution to the gap ever; exact approval",
  });
  rows.push({
    name: "contributeToGap (contributor's first in the round, gap already funded)",
    gas: second,
    limit: 110_000,
    note: `2nd contributor, the gap's weight turns positive (worst case); a 3rd contributor: ${third.toLocaleString("en-US")}`,
  });
  rows.push({
    name: "contributeToGap (repeat in the same round)",
    gas: repeat,
    limit: 80_000,
    note: "same contributor, gap and round; summed before the square root",
  });

  // A permit contribution (approval signed off-chain).
  const amount = 7n * TOKEN;
  // A fixed deadline (2100-01-01): the signature, and so the calldata's gas, is the same every run.
  const deadline = 4_102_444_800n;
  const sig = await signPermitUntil(f.token, bob, f.address, amount, deadline);
  const permit = await gasOf(
    f.allocator
      .connect(bob)
      .contributeToGapWithPermit(gapIdFromName("b"), amount, deadline, sig.v, sig.r, sig.s),
  );
  rows.push({
    name: "contributeToGapWithPermit (gap's first in the round)",
    gas: permit,
    note: "includes the EIP-2612 permit; no separate approval transaction",
  });

  // Withdrawal of one finalised round: gap "a", then gap "b" (the round's last funded gap), then the
  // sweep that returns the round's unpaid dust to the pool.
  await contribute(f, carol, "b", 9n * TOKEN); // "b" gets a second contributor: positive weight
  await networkHelpers.time.increase(ROUND);
  await (await f.allocator.computeMatchingRound(100n * TOKEN)).wait();
  const round1 = await f.allocator.getRound(1);
  if (round1.gapsFunded !== 2n) throw new Error(`round 1 funded ${round1.gapsFunded} gaps, expected 2`);
  const withdrawA = await gasOf(f.allocator.withdrawGapFunds(gapIdFromName("a")));
  const withdrawB = await gasOf(f.allocator.withdrawGapFunds(gapIdFromName("b")));
  rows.push({
    name: "withdrawGapFunds (one finalised round)",
    gas: withdrawA,
    limit: 90_000,
    note: "direct + match of one round, paid to a recipient holding no tokens yet",
  });
  rows.push({
    name: "withdrawGapFunds (one round, the round's last funded gap)",
    gas: withdrawB,
    limit: 90_000,
    note: "fresh recipient too",
  });
  rows.push({
    name: "sweepRound (unpaid dust back to the pool)",
    gas: await gasOf(f.allocator.sweepRound(1)),
    note: "once every funded gap of the round has withdrawn; anyone (the keeper) may call",
  });
  // Finalisation: the same with 2 and with 200 funded gaps (fresh deployments, measured last because
  // they move the chain's clock).
  const two = await finaliseWithGaps(connection, 2);
  const twoHundred = await finaliseWithGaps(connection, 200);
  const diff = ((Number(twoHundred) - Number(two)) / Number(two)) * 100;
  rows.push({ name: "computeMatchingRound (2 funded gaps)", gas: two, limit: 100_000 });
  rows.push({
    name: "computeMatchingRound (200 funded gaps)",
    gas: twoHundred,
    limit: 100_000,
    note: `${diff >= 0 ? "+" : ""}${diff.toFixed(2)}% vs 2 gaps (constant in the number of gaps)`,
  });

  return rows;
}
