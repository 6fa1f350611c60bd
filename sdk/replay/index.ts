/**
 * The one event replay of cofund: a reducer from ordered, typed events (./events) to the state of
 * gaps, rounds, contributions, campaigns, pledges and settlements (./state), with the SDK's math.
 * No I/O and deterministic: `apply(state, event)` per event (an indexer calls it as events arrive),
 * `replay(events)` for a whole history. The indexer's tables, the auditor and the fuzz model all
 * read this state.
 */
import type { CofundEvent } from "./events";
import { applyAllocatorEvent } from "./allocator";
import { applyPledgesEvent } from "./pledges";
import { emptyState, type ReplayContext, type ReplayState } from "./state";

export * from "./events";
export * from "./findings";
export * from "./state";
export {
  MAX_ROUNDS_PER_WITHDRAWAL,
  counts,
  gapLabel,
  matchOf,
  matchedTotalOf,
  roundWeight,
  weightOf,
} from "./allocator";
export { SETTLEMENT_GRACE_PERIOD, campaignMath, escrowOf, modeName, policyName, speedRule } from "./pledges";

/** Applies one event to `state` (in place) and returns it. Events must come in (block, logIndex) order. */
export function apply(state: ReplayState, event: CofundEvent): ReplayState {
  state.events++;
  if (event.contract === "allocator") applyAllocatorEvent(state, event);
  else applyPledgesEvent(state, event);
  return state;
}

/** Replays `events` (in (block, logIndex) order) from the empty state. */
export function replay(events: readonly CofundEvent[], context: ReplayContext = {}): ReplayState {
  const state = emptyState(context);
  for (const e of events) apply(state, e);
  return state;
}
