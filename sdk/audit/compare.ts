/**
 * The comparison helpers of the audit's view and balance phases: a list of discrepancies, and a
 * field-by-field comparison of the replay's values with what a contract reports.
 */
import { finding, type AddFinding, type Discrepancy, type DiscrepancyKind } from "../replay/findings";

type FieldValue = bigint | string | number | boolean;
/** [what, expected, actual, how a bigint reads (token units, fixed point); a count by default]. */
export type Field = [string, FieldValue, FieldValue, ((raw: bigint) => string)?];

const show = (x: FieldValue, unit?: (raw: bigint) => string): string =>
  typeof x === "bigint" ? (unit ?? String)(x) : String(x);

/** The discrepancies found so far, in order. */
export class Findings {
  readonly list: Discrepancy[] = [];

  readonly add: AddFinding = (kind, subject, expected, actual, sentence) => {
    this.list.push(finding(kind, subject, expected, actual, sentence));
  };

  /** Compares each [what, expected, actual] field; a mismatch is a `kind` discrepancy of `subject`. */
  compare(
    kind: DiscrepancyKind,
    subject: string,
    owner: string,
    fields: Field[],
    label = `${subject}'s`,
  ): void {
    for (const [what, exp, act, unit] of fields) {
      if (exp === act) continue;
      const [e, a] = [show(exp, unit), show(act, unit)];
      this.add(kind, subject, e, a, `${label} ${what} should be ${e}; ${owner} reports ${a}.`);
    }
  }
}
