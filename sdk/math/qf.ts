/**
 * The allocator's quadratic-funding math, as one namespace (`qfMath` in sdk/index.ts): the QFMath.sol
 * mirror (./qf-math), QuadraticFundingAllocator's own matching math (./allocator) and the float
 * estimates of a match (./float). Nothing is defined here.
 */
export * from "./qf-math";
export * from "./allocator";
export { qfMatchFloat, roundMatchesFloat } from "./float";
