/**
 * Token amounts: decimal strings in token units ("12.5") ↔ raw integers of the token (bigint).
 * Parsing is exact (no floating point): a string with more fractional digits than the token has
 * decimals is rejected rather than rounded, as are negatives, exponents and anything that is not a
 * plain decimal number.
 */

import { scaleOf } from "./math/allocator";
import { MAX_UINT256 } from "./math/common";

/** The largest raw amount a uint256 can hold (defined once, in ./math/common). */
export { MAX_UINT256 };

/** Thrown for an amount string or a decimals value that cannot be represented exactly. */
export class AmountError extends Error {
  override readonly name = "AmountError";
}

function checkDecimals(decimals: number): void {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 77) {
    throw new AmountError(`Invalid token decimals ${decimals} (expected an integer from 0 to 77)`);
  }
}

const AMOUNT_PATTERN = /^(\d+)(?:\.(\d*))?$|^\.(\d+)$/;

/**
 * Parses a decimal amount in token units into raw units: `parseUnitsExact("12.5", 18)` is
 * 12_500_000_000_000_000_000n. Accepts "12", "12.", "12.50", ".5" and "1_000.5" (underscores as digit
 * separators); rejects signs, exponents, empty strings, more fractional digits than `decimals` and
 * values above 2²⁵⁶ − 1.
 */
export function parseUnitsExact(amount: string, decimals: number): bigint {
  checkDecimals(decimals);
  const text = amount.trim().replace(/_/g, "");
  if (text.startsWith("-")) throw new AmountError(`Amount "${amount}" is negative`);
  const m = AMOUNT_PATTERN.exec(text);
  if (m === null) {
    throw new AmountError(`Amount "${amount}" is not a plain decimal number of tokens (e.g. "12.5")`);
  }
  const whole = m[1] ?? "0";
  const fraction = (m[2] ?? m[3] ?? "").replace(/0+$/, "");
  if (fraction.length > decimals) {
    throw new AmountError(
      `Amount "${amount}" has more than ${decimals} decimal place${decimals === 1 ? "" : "s"} (the token's precision)`,
    );
  }
  const raw = BigInt(whole) * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, "0") || "0");
  if (raw > MAX_UINT256) throw new AmountError(`Amount "${amount}" does not fit in a uint256`);
  return raw;
}

/**
 * Formats raw units as a decimal string in token units without trailing zeros:
 * `formatUnitsExact(12_500_000_000_000_000_000n, 18)` is "12.5", zero is "0". Exact for any size.
 */
export function formatUnitsExact(raw: bigint, decimals: number): string {
  checkDecimals(decimals);
  const negative = raw < 0n;
  const abs = negative ? -raw : raw;
  const base = 10n ** BigInt(decimals);
  const whole = abs / base;
  const fraction = (abs % base).toString().padStart(decimals, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole.toString()}${fraction.length > 0 ? "." + fraction : ""}`;
}

/**
 * Scales a raw amount of a token with `decimals` (≤ 18) to 18-decimal normalised units: `raw` times
 * the allocator's scale (`scaleOf`, which checks the decimals), an unsupported token an `AmountError`.
 */
export function toNormalized(raw: bigint, decimals: number): bigint {
  try {
    return raw * scaleOf(decimals);
  } catch (e) {
    throw new AmountError(e instanceof Error ? e.message : String(e), { cause: e });
  }
}

/**
 * Formats raw units for people: thousands separators and at most `maxFractionDigits` fractional
 * digits, rounded down (a displayed amount is never more than the real one), e.g. "1,234.5". A
 * positive amount too small to show is written "<0.0001".
 */
export function formatUnitsDisplay(raw: bigint, decimals: number, maxFractionDigits = 4): string {
  const negative = raw < 0n;
  const [whole = "0", fraction = ""] = formatUnitsExact(negative ? -raw : raw, decimals).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const shown = fraction.slice(0, maxFractionDigits).replace(/0+$/, "");
  const sign = negative ? "-" : "";
  if (raw !== 0n && whole === "0" && shown.length === 0) {
    return `${negative ? ">-" : "<"}${maxFractionDigits > 0 ? "0." + "1".padStart(maxFractionDigits, "0") : "1"}`;
  }
  return `${sign}${grouped}${shown.length > 0 ? "." + shown : ""}`;
}
