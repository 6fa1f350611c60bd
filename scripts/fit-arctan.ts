/**
 * Derives every constant of contracts/libraries/Arctan.sol (and of its mirror sdk/math/arctan.ts)
 * from a high-precision minimax fit, and prints them in the exact form the library uses.
 *
 *   npx tsx scripts/fit-arctan.ts                print the constants (about 10 s)
 *   npx tsx scripts/fit-arctan.ts --check        also verify that Arctan.sol and the SDK mirror hold
 *                                                exactly these constants (non-zero exit otherwise)
 *   (npx hardhat run scripts/fit-arctan.ts works too, without --check)
 *
 * The algorithm the constants serve (Arctan.sol has the rounding and overflow proofs):
 *   1. x ≤ 1 → z = x;  x > 1 → z = 1/x and atan(x) = π/2 − atan(z).  z ∈ [0, 1] on a 2^-96 grid.
 *   2. k = min(round(16·z), 15), c = k/16, t = (z − c)/(1 + z·c), so |t| ≤ 1/32 except in the last
 *      interval (z ∈ [29/32, 1], k = 15), where t reaches (1/16)/(31/16) = 1/31; and
 *      atan(z) = atan(c) + atan(t).
 *   3. atan(t) ≈ t·q(t²), q of degree DEGREE: the odd polynomial of least maximum absolute error
 *      on [−1/31, 1/31], found by the Remez exchange algorithm in decimal.js at 80 significant
 *      digits (extrema located by Newton's method, so the fit converges to all 80 digits and the
 *      rounded constants do not depend on grids or iteration counts).
 * The coefficients and table entries are scaled by 2^128 and rounded to nearest; π/2 is rounded
 * down, so that the library's result stays below π/2.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import Decimal from "decimal.js";

/** Working precision of the fit (significant digits). */
const DIGITS = 80;
const D = Decimal.clone({ precision: DIGITS, rounding: Decimal.ROUND_HALF_EVEN });

/** Degree of q in u = t², i.e. DEGREE + 1 coefficients. */
export const DEGREE = 5;
/** Table centres k/TABLE_N for k = 0…TABLE_N − 1 (the last one also serves z ∈ [31/32, 1]). */
export const TABLE_N = 16;
/** Largest reduced argument: |t| ≤ (1/16)/(1 + 15/16) = 1/(2·TABLE_N − 1) = 1/31. */
export const T_MAX = new D(1).div(2 * TABLE_N - 1);

const TWO_128 = new D(2).pow(128);
const EPS = new D(10).pow(-(DIGITS - 5));

/** atan(s) for |s| ≤ 1/8 by its Taylor series, to the working precision (faster than D.atan). */
function atanSmall(s: Decimal): Decimal {
  const u = s.mul(s);
  let term = s;
  let sum = s;
  for (let j = 1; ; j++) {
    term = term.mul(u).neg();
    const add = term.div(2 * j + 1);
    if (add.abs().lt(EPS.mul(s.abs()))) return sum;
    sum = sum.add(add);
  }
}

/** e(s) = p(s) − atan(s), e'(s) and e''(s) for p(s) = Σ a_j s^(2j+1). */
function errorAndDerivatives(a: readonly Decimal[], s: Decimal): [Decimal, Decimal, Decimal] {
  const u = s.mul(s);
  let p = new D(0);
  let p1 = new D(0);
  let p2 = new D(0);
  for (let j = a.length - 1; j >= 0; j--) {
    p = p.mul(u).add(a[j]);
    p1 = p1.mul(u).add(a[j].mul(2 * j + 1));
    if (j >= 1) p2 = p2.mul(u).add(a[j].mul((2 * j + 1) * 2 * j));
  }
  const w = u.add(1);
  return [
    p.mul(s).sub(atanSmall(s)), // Σ a_j s^(2j+1) − atan s
    p1.sub(new D(1).div(w)), // Σ (2j+1) a_j s^(2j) − 1/(1+s²)
    p2.mul(s).add(s.mul(2).div(w.mul(w))), // Σ (2j+1)2j a_j s^(2j−1) + 2s/(1+s²)²
  ];
}

/** Gaussian elimination with partial pivoting (square system). */
function solve(m: Decimal[][], rhs: Decimal[]): Decimal[] {
  const n = rhs.length;
  const a = m.map((row, i) => [...row, rhs[i]]);
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (a[r][col].abs().gt(a[piv][col].abs())) piv = r;
    [a[col], a[piv]] = [a[piv], a[col]];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = a[r][col].div(a[col][col]);
      if (f.isZero()) continue;
      for (let c = col; c <= n; c++) a[r][c] = a[r][c].sub(f.mul(a[col][c]));
    }
  }
  return a.map((row, i) => row[n].div(row[i]));
}

export interface Fit {
  /** Coefficients of p(s) = Σ a_j s^(2j+1), j = 0…degree. */
  coefficients: Decimal[];
  /** Maximum |p(s) − atan(s)| over [0, sMax]. */
  maxError: Decimal;
  /** Remez iterations until the reference stopped moving. */
  iterations: number;
}

/** Remez exchange for the odd polynomial of the given degree (in s²) on [0, sMax]. */
export function remezOdd(degree: number, sMax: Decimal): Fit {
  const n = degree + 1; // coefficients
  const m = n + 1; // alternation points in (0, sMax]: e(0) = 0 for every odd p
  // Initial reference: Chebyshev extrema of the odd Chebyshev polynomial, the last one at sMax.
  let ref: Decimal[] = [];
  const halfPi = D.acos(-1).div(2);
  for (let i = 0; i < m; i++) ref.push(sMax.mul(D.sin(halfPi.mul(2 * i + 1).div(2 * m - 1))));
  for (let it = 1; it <= 30; it++) {
    const rows = ref.map((r, i) => {
      const row: Decimal[] = [];
      for (let j = 0; j < n; j++) row.push(r.pow(2 * j + 1));
      row.push(new D(i % 2 === 0 ? 1 : -1));
      return row;
    });
    const sol = solve(
      rows,
      ref.map((r) => atanSmall(r)),
    );
    const coefficients = sol.slice(0, n);
    const err = (s: Decimal): Decimal => errorAndDerivatives(coefficients, s)[0];
    // New reference: one extremum of e between consecutive sign changes, located on a grid and
    // polished by Newton's method on e' (the last one is the end point sMax).
    const GRID = 40 * m;
    const xs: Decimal[] = [];
    const es: Decimal[] = [];
    for (let i = 1; i <= GRID; i++) {
      xs.push(sMax.mul(i).div(GRID));
      es.push(err(xs[i - 1]));
    }
    const segments: number[][] = [[]];
    for (let i = 0; i < GRID; i++) {
      const seg = segments[segments.length - 1];
      if (seg.length > 0 && es[seg[0]].isNeg() !== es[i].isNeg()) segments.push([i]);
      else seg.push(i);
    }
    if (segments.length !== m) throw new Error(`Remez: ${segments.length} sign segments, expected ${m}`);
    const next: Decimal[] = [];
    for (const seg of segments) {
      let best = seg[0];
      for (const i of seg) if (es[i].abs().gt(es[best].abs())) best = i;
      if (best === GRID - 1) {
        next.push(sMax);
        continue;
      }
      let s = xs[best];
      for (let k = 0; k < 50; k++) {
        const [, d1, d2] = errorAndDerivatives(coefficients, s);
        const step = d1.div(d2);
        s = s.sub(step);
        if (step.abs().lte(EPS.mul(sMax))) break;
      }
      next.push(s);
    }
    const moved = next.reduce((acc, s, i) => D.max(acc, s.sub(ref[i]).abs()), new D(0));
    ref = next;
    const maxError = ref.reduce((acc, s) => D.max(acc, err(s).abs()), new D(0));
    // Newton locates the extrema to ~1e-62 (e″ is tiny), the reference then stops moving: done.
    if (moved.lte(sMax.mul(new D(10).pow(-50)))) return { coefficients, maxError, iterations: it };
  }
  throw new Error("Remez did not converge");
}

/** Round to the nearest integer. */
function toInt(x: Decimal): bigint {
  return BigInt(x.toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN).toFixed(0));
}

export interface ArctanConstants {
  /** |coefficient j| · 2^128, rounded to nearest; the signs alternate (+ − + − …). */
  coefficients: bigint[];
  /** atan(k/16) · 2^128 rounded to nearest, k = 0…15. */
  table: bigint[];
  /** ⌊π/2 · 2^128⌋. */
  piOver2X128: bigint;
  /** ⌊π/2 · 1e18⌋. */
  maxResult: bigint;
  fit: Fit;
}

export function deriveConstants(): ArctanConstants {
  const fit = remezOdd(DEGREE, T_MAX);
  const coefficients = fit.coefficients.map((a, j) => {
    if (a.isNeg() !== (j % 2 === 1)) throw new Error(`coefficient ${j} has an unexpected sign`);
    return toInt(a.abs().mul(TWO_128));
  });
  const table: bigint[] = [];
  for (let k = 0; k < TABLE_N; k++) table.push(toInt(D.atan(new D(k).div(TABLE_N)).mul(TWO_128)));
  const halfPi = D.acos(-1).div(2);
  return {
    coefficients,
    table,
    piOver2X128: BigInt(halfPi.mul(TWO_128).floor().toFixed(0)),
    maxResult: BigInt(halfPi.mul(1e18).floor().toFixed(0)),
    fit,
  };
}

/** The table packed two entries per word: entry 2i in the low, 2i + 1 in the high 128 bits. */
export function packTable(table: readonly bigint[]): bigint[] {
  const words: bigint[] = [];
  for (let i = 0; i < table.length; i += 2) words.push(table[i] | (table[i + 1] << 128n));
  return words;
}

function hex(x: bigint): string {
  return "0x" + x.toString(16);
}

/** The constant declarations exactly as they appear in Arctan.sol. */
export function solidityLines(c: ArctanConstants): string[] {
  return [
    `uint256 internal constant PI_OVER_2_X128 = ${hex(c.piOver2X128)};`,
    `uint256 internal constant MAX_RESULT = ${c.maxResult};`,
    ...c.coefficients.map((v, j) => `uint256 private constant Q${j} = ${hex(v)};`),
    ...packTable(c.table).map((w, i) => `uint256 private constant T${i} = ${hex(w)};`),
  ];
}

/** The constants exactly as they appear in sdk/math/arctan.ts. */
export function typescriptLines(c: ArctanConstants): string[] {
  return [
    `export const PI_OVER_2_X128 = ${hex(c.piOver2X128)}n;`,
    `export const MAX_RESULT = ${c.maxResult}n;`,
    ...c.coefficients.map((v) => `${hex(v)}n,`),
    ...packTable(c.table).map((w) => `${hex(w)}n,`),
  ];
}

function main(): void {
  const started = Date.now();
  console.log(`Remez fits of atan(t) ≈ Σ a_j t^(2j+1) on |t| ≤ 1/${2 * TABLE_N - 1}, ${DIGITS} digits:`);
  for (let d = DEGREE - 1; d <= DEGREE + 1; d++) {
    const f = remezOdd(d, T_MAX);
    console.log(
      `  degree ${d} in t²: max |error| = ${f.maxError.toExponential(3)} (${f.iterations} iterations)`,
    );
  }
  const c = deriveConstants();
  console.log(`chosen degree ${DEGREE}: max |error| = ${c.fit.maxError.toExponential(6)}\n`);
  console.log("// ---- contracts/libraries/Arctan.sol ----");
  for (const line of solidityLines(c)) console.log(line);
  console.log("\n// ---- sdk/math/arctan.ts ----");
  for (const line of typescriptLines(c)) console.log(line);

  if (process.argv.includes("--check")) {
    const root = path.join(import.meta.dirname, "..");
    let missing = 0;
    const check = (file: string, lines: string[]): void => {
      const text = fs.readFileSync(path.join(root, file), "utf8");
      for (const line of lines) {
        if (!text.includes(line)) {
          console.error(`${file} lacks: ${line}`);
          missing++;
        }
      }
    };
    check("contracts/libraries/Arctan.sol", solidityLines(c));
    check("sdk/math/arctan.ts", typescriptLines(c));
    if (missing > 0) process.exitCode = 1;
    else console.log("\ncheck: Arctan.sol and sdk/math/arctan.ts hold exactly these constants");
  }
  console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

// Run when started as a program (`tsx scripts/fit-arctan.ts`, `hardhat run scripts/fit-arctan.ts`),
// not when imported for its exports.
if (process.argv.slice(1).some((arg) => path.resolve(arg) === import.meta.filename)) main();
