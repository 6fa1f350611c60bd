/**
 * Gas of `Arctan.atan` per call, measured inside contracts/mocks/ArctanHarness.sol: the gasleft()
 * difference around the library call minus the same difference around an empty function of the same
 * shape (`measureGas`). Inputs spread over every branch: each branch point of the range reduction
 * and its neighbours, 0, uniform steps over [0, 2] (the table intervals on both sides of 1), and one
 * input per decade from 1e-18 to 1e59 (the whole uint256 range). `BENCH_ONLY=arctan npm run bench`.
 */
import type { NetworkConnection } from "hardhat/types/network";
import type { BenchRow } from "./types";
import type { ArctanHarness } from "../../typechain-types";
import { MAX_RESULT, atan, branchPoints } from "../../sdk/math/arctan";
import { MAX_UINT256, WAD } from "../../sdk/math/common";

/** The budget per call. */
const LIMIT = 700;

function inputs(): bigint[] {
  const xs = new Set<bigint>([0n, MAX_UINT256]);
  for (const p of branchPoints()) for (const d of [-1n, 0n, 1n]) if (p + d >= 0n) xs.add(p + d);
  for (let i = 0n; i <= 256n; i++) xs.add((i * 2n * WAD) / 256n + 7n); // [0, 2] in steps of 1/128
  for (let e = 0n; e <= 77n; e++) xs.add(10n ** e + e); // one per decade over all of uint256
  return [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export default async function ({ ethers }: NetworkConnection): Promise<BenchRow[]> {
  const harness = (await ethers.deployContract("ArctanHarness")) as unknown as ArctanHarness;
  await harness.waitForDeployment();
  const xs = inputs();
  const [gas, results] = await harness.measureGasBatch(xs);
  // The figures only count if the calls computed the right thing.
  xs.forEach((x, i) => {
    if (results[i] !== atan(x) || results[i] > MAX_RESULT)
      throw new Error(`Arctan.atan(${x}) = ${results[i]}`);
  });
  const g = gas.map(Number);
  const max = Math.max(...g);
  const min = Math.min(...g);
  const mean = g.reduce((a, b) => a + b, 0) / g.length;
  const small = g.filter((_, i) => xs[i] <= WAD);
  const large = g.filter((_, i) => xs[i] > WAD);
  const meanOf = (v: number[]): string => (v.reduce((a, b) => a + b, 0) / v.length).toFixed(0);
  return [
    {
      name: "Arctan.atan (per call, harness overhead subtracted)",
      gas: max,
      limit: LIMIT,
      note: `max over ${xs.length} inputs across all branches; min ${min}, mean ${mean.toFixed(0)}`,
    },
    {
      name: "Arctan.atan mean (per call, harness overhead subtracted)",
      gas: Math.round(mean),
      note: `x ≤ 1: mean ${meanOf(small)}; x > 1: mean ${meanOf(large)}`,
    },
  ];
}
