/**
 * Gas of CoordinatedPledges (full-transaction gasUsed from receipts, in-process network):
 * `pledge` (first in a campaign and typical), `claim`, `claimPot`, and settlement of campaigns with
 * 10, 100, 1,000 and 5,000 pledges — total over all pages, amortised per pledge, and the largest
 * single transaction. Every pledge is a real `pledge` transaction (automine) from its own address (one
 * pledge per address per campaign; fresh impersonated addresses whose token balance and allowance are
 * written into the test token's storage); a top-up (`pledge` again from the same address) raises it.
 * The bracket comes from the SDK's exact mirror, as `cqf:settle` does it.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { NetworkConnection } from "hardhat/types/network";
import type { BenchRow } from "./types";
import type { CoordinatedPledges, TestToken } from "../../typechain-types";
import * as pm from "../../sdk/math/pledges";

const WAD = 10n ** 18n;
const EIP7825_CAP = 16_777_216;

/** Reads the settlement inputs of a campaign in pages of 2,000 pledges. */
async function readMath(cp: CoordinatedPledges, id: bigint): Promise<pm.CampaignMath> {
  const c = await cp.getCampaign(id);
  const pledges: pm.PledgeTerms[] = [];
  for (let offset = 0n; offset < c.pledgeCount; offset += 2000n) {
    const [limits, speeds, states] = await cp.getPledges(id, offset, 2000n);
    limits.forEach((limit, k) => pledges.push({ limit, speed: speeds[k], active: Number(states[k]) !== 2 }));
  }
  return { mode: Number(c.mode) as pm.Mode, scale: c.scale, pledges };
}

/** Measures on a fresh in-process chain of its own (so the figures do not depend on what ran before). */
export default async function (
  shared: NetworkConnection,
  hre: HardhatRuntimeEnvironment,
): Promise<BenchRow[]> {
  const connection = await hre.network.create(shared.networkName);
  try {
    return await measure(connection);
  } finally {
    await connection.close();
  }
}

async function measure(connection: NetworkConnection): Promise<BenchRow[]> {
  const { ethers, provider } = connection;
  const send = (method: string, params: unknown[] = []): Promise<unknown> =>
    provider.request({ method, params });
  const signers = (await ethers.getSigners()).slice(0, 8);
  const token = (await ethers.deployContract("TestToken", ["Bench", "BEN", 18])) as unknown as TestToken;
  const cp = (await ethers.deployContract("CoordinatedPledges")) as unknown as CoordinatedPledges;
  const cpAddress = await cp.getAddress();
  for (const s of signers) {
    await token.mint(s.address, 10n ** 30n);
    await token.connect(s).approve(cpAddress, ethers.MaxUint256);
  }
  const [creator, recipient] = signers;
  const rows: BenchRow[] = [];

  // One pledge per address per campaign: each pledge of a campaign comes from a fresh address.
  const coder = ethers.AbiCoder.defaultAbiCoder();
  const tokenAddress = await token.getAddress();
  let fresh = 0n;
  /** `n` new funded pledgers: 1e30 raw tokens and an unlimited allowance (OpenZeppelin ERC20 slots 0, 1). */
  async function pledgers(n: number) {
    const out = [];
    for (let k = 0; k < n; k++) {
      fresh += 1n;
      const address = ethers.getAddress(
        "0x" + ethers.keccak256(coder.encode(["string", "uint256"], ["bench-pledger", fresh])).slice(26),
      );
      const inner = ethers.keccak256(coder.encode(["address", "uint256"], [address, 1]));
      await Promise.all([
        send("hardhat_setBalance", [address, ethers.toBeHex(10n ** 20n)]),
        send("hardhat_setStorageAt", [
          tokenAddress,
          ethers.keccak256(coder.encode(["address", "uint256"], [address, 0])),
          ethers.zeroPadValue(ethers.toBeHex(10n ** 30n), 32),
        ]),
        send("hardhat_setStorageAt", [
          tokenAddress,
          ethers.keccak256(coder.encode(["address", "bytes32"], [cpAddress, inner])),
          ethers.zeroPadValue(ethers.toBeHex(ethers.MaxUint256), 32),
        ]),
      ]);
      out.push(await ethers.getImpersonatedSigner(address));
    }
    return out;
  }
  const deadlineOffset = 1_000_000; // every automined block advances the clock

  async function createCampaign(speed: bigint): Promise<{ id: bigint; deadline: number }> {
    const latest = (await ethers.provider.getBlock("latest"))!.timestamp;
    const deadline = latest + deadlineOffset;
    await cp.connect(creator).createCampaign({
      token: await token.getAddress(),
      recipient: recipient.address,
      deadline,
      mode: pm.Mode.Quadratic,
      policy: pm.Policy.Constant,
      initialSpeed: speed,
      decay: WAD,
      minLimit: 0n,
      allocator: ethers.ZeroAddress,
      gapId: ethers.ZeroHash,
    });
    return { id: await cp.campaignCount(), deadline };
  }

  /** Limits from 1 to ~100 tokens, deterministic. */
  const limitOf = (k: number): bigint => WAD + BigInt((k * 7919) % 100) * WAD + BigInt(k) * 1_000_003n;

  for (const n of [10, 100, 1000, 5000]) {
    // s so that h·s is O(1): mixed saturation across limits.
    const { id, deadline } = await createCampaign((WAD * 4n) / BigInt(n * 10));
    const pledgeGas: bigint[] = [];
    const who = await pledgers(n);
    for (let k = 0; k < n; k++) {
      const r = await (await cp.connect(who[k]).pledge(id, limitOf(k))).wait();
      if (k < 2) pledgeGas.push(r!.gasUsed);
    }
    if (n === 10) {
      rows.push({
        name: "pledge (first ever: contract and campaign empty)",
        gas: pledgeGas[0],
        limit: 150_000,
        note: "includes the token's 0 → non-zero balance write for the contract (+17,100)",
      });
      rows.push({ name: "pledge (typical)", gas: pledgeGas[1], limit: 130_000 });
      // The same address pledging again raises its pledge (same id and speed, no new pledge); in a
      // campaign of its own so that the other rows measure the same campaigns as before.
      const other = await createCampaign(WAD / 10n);
      const [first, second] = await pledgers(2);
      await cp.connect(first).pledge(other.id, 10n * WAD);
      await cp.connect(second).pledge(other.id, 20n * WAD);
      const topUp = await (await cp.connect(second).pledge(other.id, 5n * WAD)).wait();
      rows.push({
        name: "pledge (top-up: raises the sender's active pledge)",
        gas: topUp!.gasUsed,
        limit: 80_000,
      });
    }
    if (n === 100) rows.push({ name: "pledge (first in a campaign)", gas: pledgeGas[0], limit: 130_000 });
    await send("evm_setNextBlockTimestamp", [deadline]);
    const math = await readMath(cp, id);
    const t0 = Date.now();
    const { hLow, hHigh } = pm.findBracket(math);
    // Wall time varies from run to run: printed on stderr, kept out of the (deterministic) table.
    process.stderr.write(`bench: ${n} pledges: off-chain bracket in ${Date.now() - t0} ms\n`);
    let total = 0n;
    let largest = 0n;
    let pages = 0;
    for (;;) {
      const r = await (await cp.settle(id, hLow, hHigh, 0n)).wait();
      total += r!.gasUsed;
      if (r!.gasUsed > largest) largest = r!.gasUsed;
      pages++;
      if (Number((await cp.getCampaign(id)).state) === 3) break;
    }
    const perPledge = total / BigInt(n);
    rows.push({
      name: `settle ${n.toLocaleString("en-US")} pledges (total)`,
      gas: total,
      note: `${pages} page(s); bracket computed off-chain with the exact mirror`,
    });
    rows.push({
      name: `settle ${n.toLocaleString("en-US")} pledges (per pledge)`,
      gas: perPledge,
      limit: n === 1000 ? 8_000 : undefined,
      note: "amortised",
    });
    rows.push({
      name: `settle ${n.toLocaleString("en-US")} pledges (largest tx)`,
      gas: largest,
      limit: EIP7825_CAP,
    });
    if (n === 10) {
      const claim = await (await cp.claim(id, 1n)).wait();
      rows.push({ name: "claim (refund after settlement)", gas: claim!.gasUsed, limit: 70_000 });

      const pot = await (await cp.claimPot(id)).wait();
      rows.push({ name: "claimPot (to the recipient)", gas: pot!.gasUsed });
    }
  }

  // A claim by a pledger who pledged its whole wallet: the token's balance slot goes from 0 to
  // non-zero inside the transfer (+17,100 gas that is the token's, not the contract's).
  {
    const [, , , , , , , , , emptied] = await ethers.getSigners();
    await token.mint(emptied.address, 5n * WAD);
    await token.connect(emptied).approve(cpAddress, ethers.MaxUint256);
    const { id, deadline } = await createCampaign(WAD / 10n);
    await cp.connect(emptied).pledge(id, 5n * WAD);
    await cp.connect(signers[2]).pledge(id, 50n * WAD);
    await send("evm_setNextBlockTimestamp", [deadline]);
    const { hLow, hHigh } = pm.findBracket(await readMath(cp, id));
    await cp.settle(id, hLow, hHigh, 0n);
    const r = await (await cp.claim(id, 0n)).wait();
    rows.push({
      name: "claim (the pledger's token balance was 0)",
      gas: r!.gasUsed,
      note: "includes the token's 0 → non-zero balance write (+17,100)",
    });
  }

  // Chainlink Automation shape: checkUpkeep (eth_call, the on-chain bracket) and one performUpkeep
  // settling a 100-pledge campaign in one page.
  {
    const { id, deadline } = await createCampaign((WAD * 4n) / 1000n);
    const who = await pledgers(100);
    for (let k = 0; k < 100; k++) await cp.connect(who[k]).pledge(id, limitOf(k));
    await send("evm_setNextBlockTimestamp", [deadline]);
    await send("evm_mine");
    const checkData = ethers.AbiCoder.defaultAbiCoder().encode(
      ["uint256", "uint256", "uint256"],
      [id - 1n, 1n, 0n],
    );
    const checkGas = await cp.checkUpkeep.estimateGas(checkData);
    const [needed, performData] = await cp.checkUpkeep(checkData);
    if (!needed) throw new Error("bench: checkUpkeep found no campaign to settle");
    rows.push({
      name: "checkUpkeep (100-pledge campaign, on-chain bracket)",
      gas: checkGas,
      note: "eth_call / estimateGas; grows with pledges × passes",
    });
    const r = await (await cp.performUpkeep(performData)).wait();
    if (Number((await cp.getCampaign(id)).state) !== 3)
      throw new Error("bench: performUpkeep did not settle");
    rows.push({
      name: "performUpkeep (settles a 100-pledge campaign, one page)",
      gas: r!.gasUsed,
      limit: EIP7825_CAP,
    });
  }

  // A full page at the cap: MAX_PAGE_PLEDGES pledges with two different bracket ends (two atan, two
  // sqrt each) — the worst case a single transaction can hit.
  {
    const n = Number(await cp.MAX_PAGE_PLEDGES());
    const { id, deadline } = await createCampaign(WAD / 1000n);
    const who = await pledgers(n);
    for (let k = 0; k < n; k++) await cp.connect(who[k]).pledge(id, limitOf(k));
    await send("evm_setNextBlockTimestamp", [deadline]);
    const { hLow } = pm.findBracket(await readMath(cp, id));
    // A wide-but-valid bracket forces the two-point pass; the final page verifies it.
    const hHigh = hLow + pm.maxBracketWidth(hLow);
    const gas = await cp.settle.estimateGas(id, hLow, hHigh, 0n).catch(() => undefined);
    if (gas !== undefined) {
      rows.push({
        name: `settle one full page (${n.toLocaleString("en-US")} pledges, two-point bracket)`,
        gas,
        limit: EIP7825_CAP,
        note: "estimateGas",
      });
    } else {
      // The wide bracket may fail verification (HTooHigh/HTooLow); measure the page through a session
      // that does not finish: n + 1 pledges would be needed, so fall back to the exact bracket.
      const b = pm.findBracket(await readMath(cp, id));
      const r = await (await cp.settle(id, b.hLow, b.hHigh, 0n)).wait();
      rows.push({
        name: `settle one full page (${n.toLocaleString("en-US")} pledges)`,
        gas: r!.gasUsed,
        limit: EIP7825_CAP,
      });
    }
  }
  return rows;
}
