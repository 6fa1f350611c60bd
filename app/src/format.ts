/** Display helpers on top of the SDK's formatting (amounts are never rounded up). */
import { formatUnitsDisplay, formatUnitsExact } from "../../sdk/units";

/** Raw token units for people: grouped, at most `digits` decimals, rounded down. */
export const tokens = (raw: bigint, decimals: number, digits = 2): string =>
  formatUnitsDisplay(raw, decimals, digits);

/** A UD60x18 value as a number for display (h, speeds, leverage). */
export const fixed = (raw: bigint, digits = 4): string => {
  const x = Number(formatUnitsExact(raw, 18));
  return x.toLocaleString("en-US", { maximumFractionDigits: digits });
};

/** A leverage (UD60x18; the all-ones word means unbounded). */
export const leverage = (raw: bigint): string => (raw >= 2n ** 255n ? "∞" : `${fixed(raw, 3)}×`);

/** "2 h 05 min" until `deadline` (unix seconds) from `now`, or "ended". */
export function countdown(deadline: bigint, now: number): string {
  const left = Number(deadline) - now;
  if (left <= 0) return "ended";
  const d = Math.floor(left / 86_400);
  const h = Math.floor((left % 86_400) / 3_600);
  const m = Math.floor((left % 3_600) / 60);
  return d > 0
    ? `${d} d ${h} h`
    : h > 0
      ? `${h} h ${String(m).padStart(2, "0")} min`
      : `${m} min ${left % 60} s`;
}

/** A unix time in UTC. */
export const utc = (seconds: bigint): string =>
  new Date(Number(seconds) * 1000)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC");
