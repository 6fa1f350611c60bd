/** One line of the gas table printed by `npm run bench`. */
export interface BenchRow {
  /** What was measured, e.g. "contributeToGap (first in round)". */
  name: string;
  /** Gas used (full transaction gasUsed unless the note says otherwise). */
  gas: bigint | number;
  /** The budget from the issue, if any; a figure above it fails the bench. */
  limit?: number;
  note?: string;
}
