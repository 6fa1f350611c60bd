/**
 * Index of the pledges math under one namespace (`pledgesMath` in the SDK, `pm` in tests): the
 * campaign types (./campaign), the mirror of PledgeMath.sol (./pledge-math), the contract-level
 * helpers of CoordinatedPledges.sol (./settlement), the off-chain real leverage (./real-leverage),
 * the speed policies the lab compares (./policies) and the float64 estimates (./float). Nothing is defined here. `solve` is the campaign-level `CoordinatedPledges.solve`; the library's
 * `PledgeMath.solve` on columns is ./pledge-math's.
 */
export * from "./campaign";
export * from "./pledge-math";
export * from "./settlement";
export * from "./real-leverage";
export * from "./policies";
export * from "./float";
export { solve } from "./settlement";
export { MAX_UINT256 } from "./common";
