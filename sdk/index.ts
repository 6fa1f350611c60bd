/**
 * The cofund SDK. Import from "sdk" (or a module of it) in scripts, tests and integrations.
 *
 * Note for Hardhat task files: this index imports the TypeChain factories at runtime, which do not
 * exist before the first compile, so task files must import the SDK lazily inside their actions
 * (`const { AllocatorClient } = await import("../sdk/allocator")`) and use `import type` at the top.
 *
 * Other mechanisms add their export lines below.
 */
export * from "./ids";
export * from "./units";
export * from "./errors";
export * from "./deployments";
export * as qfMath from "./math/qf";
export * from "./allocator";
export * as arctanMath from "./math/arctan";
export * as pledgesMath from "./math/pledges";
export * from "./pledges";
export * from "./indexer";
export * from "./keeper";
export * as replay from "./replay";
export * from "./audit";
export * as draw from "./draw/quarter-circles";
export { statusFrame, frameTerms } from "./draw/campaign";
