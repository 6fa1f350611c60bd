/**
 * Distinct pledgers for tests. CoordinatedPledges keeps one pledge per address per campaign (pledging
 * again raises it), so a test that needs n separate pledges needs n addresses. These are fresh
 * impersonated addresses (no keys), each given ETH for gas and, per token, a balance and an unlimited
 * allowance for the pledges contract. Defines no tests itself.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { AbiCoder, keccak256, toBeHex, zeroPadValue } from "ethers";
import type { TestToken } from "../../typechain-types";
import { connection, ethers } from "./chain";

let counter = 0n;
const coder = AbiCoder.defaultAbiCoder();

/** A fresh address, never used before in this process. */
function freshAddress(): string {
  counter += 1n;
  return ethers.getAddress(
    "0x" + keccak256(coder.encode(["string", "uint256"], ["cofund-pledger", counter])).slice(26),
  );
}

async function rpc(method: string, params: unknown[]): Promise<void> {
  await connection.provider.request({ method, params });
}

/**
 * `n` fresh funded pledgers. Per token: `amount` raw units and an unlimited allowance for `spender`.
 * `viaStorage` writes the balance and allowance straight into the token's storage (OpenZeppelin ERC20:
 * balances at slot 0, allowances at slot 1; the total supply is not adjusted) instead of a mint and an
 * approve transaction each — for the large campaigns of gas tests only.
 */
export async function distinctPledgers(
  tokens: TestToken | TestToken[],
  spender: string,
  n: number,
  amount: bigint,
  opts: { viaStorage?: boolean } = {},
): Promise<HardhatEthersSigner[]> {
  const list = Array.isArray(tokens) ? tokens : [tokens];
  const out: HardhatEthersSigner[] = [];
  const fund = async (address: string): Promise<HardhatEthersSigner> => {
    await rpc("hardhat_setBalance", [address, toBeHex(10n ** 20n)]);
    const signer = await ethers.getImpersonatedSigner(address);
    for (const token of list) {
      if (opts.viaStorage) {
        const t = await token.getAddress();
        const balanceSlot = keccak256(coder.encode(["address", "uint256"], [address, 0]));
        const inner = keccak256(coder.encode(["address", "uint256"], [address, 1]));
        const allowanceSlot = keccak256(coder.encode(["address", "bytes32"], [spender, inner]));
        await rpc("hardhat_setStorageAt", [t, balanceSlot, zeroPadValue(toBeHex(amount), 32)]);
        await rpc("hardhat_setStorageAt", [t, allowanceSlot, zeroPadValue(toBeHex(ethers.MaxUint256), 32)]);
      } else {
        await token.mint(address, amount);
        await token.connect(signer).approve(spender, ethers.MaxUint256);
      }
    }
    return signer;
  };
  // Storage writes need no mining: set up a batch at a time.
  const batch = opts.viaStorage ? 100 : 1;
  for (let k = 0; k < n; k += batch) {
    const addresses = Array.from({ length: Math.min(batch, n - k) }, freshAddress);
    out.push(...(await Promise.all(addresses.map(fund))));
  }
  return out;
}
