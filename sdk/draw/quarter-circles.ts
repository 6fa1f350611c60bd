/**
 * The quarter-circle picture of a pledge campaign (the coordinated-pledges mechanism's illustrations), as
 * SVG strings: pure functions, no I/O and no node imports, so a browser app can import them as they are.
 *
 * Each pledge is a quarter circle of area Lᵢ (radius 2·√(Lᵢ/π)) whose centre lies 1/sᵢ to the left of
 * the right corner (the wall). The ray from that centre to the point at height h on the wall makes the
 * angle atan(h·sᵢ) with the ground, so the shaded sector below it has area Lᵢ·(2/π)·atan(h·sᵢ) = pᵢ:
 * what the pledger pays. Right of the wall, squares of area pᵢ are stacked; their height is Σ√pᵢ,
 * which equals h exactly when h solves the campaign (quadratic mode).
 *
 * The frames of one picture share one `Viewport` (a constant scale: a circle never shrinks when others
 * join). Labels sit where no line goes: a legend band above the drawing (pledge, limit, payment,
 * leverage) and the pledge numbers below the ground; `layoutFrame` returns the lines and the label
 * boxes, so the layout can be checked geometrically.
 */
import { leverageFloat, paymentFloat, solveFloat } from "../math/float";

/** One pledge as drawn: amounts in tokens, speed in 1/√token. */
export interface PicturePledge {
  limit: number;
  speed: number;
  payment: number;
  /** Marginal leverage (Infinity = unbounded); left out of the label when undefined. */
  leverage?: number;
}

/** One frame: the pledges at h (the squares stack to Σ√pᵢ(h), which is h once h is the root). */
export interface PictureFrame {
  title: string;
  h: number;
  pledges: PicturePledge[];
}

/** A drawing area shared by the frames of one picture. */
export interface Viewport {
  width: number;
  height: number;
  /** Pixels per √token. */
  scale: number;
  wallX: number;
  groundY: number;
  /** Height of the legend band (title and one row per pledge) above the drawing. */
  band: number;
}

/** A straight line of the drawing (arcs are split into short segments). */
export interface Segment {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** A label: its text and the box it occupies (pixels, y downwards). */
export interface Label {
  text: string;
  x: number;
  y: number;
  w: number;
  h: number;
  colour: string;
  size: number;
}

/** One laid-out frame: its SVG elements, lines and labels. */
export interface FrameLayout {
  elements: string[];
  segments: Segment[];
  labels: Label[];
}

const COLOURS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7"];
const WIDTH = 900;
const MARGIN = 40;
const ROW = 16;
const FONT = 12;
/** Text width estimate per character (sans-serif at `size`), generous so boxes cover the glyphs. */
const CHAR_WIDTH = 0.62;
const ARC_STEPS = 24;

const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : "0");

function amount(x: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(4);
}

function radius(p: { limit: number }): number {
  return 2 * Math.sqrt(p.limit / Math.PI);
}

/** The viewport of a set of frames: one scale that fits every frame, a band for the most pledges. */
export function viewport(frames: PictureFrame[]): Viewport {
  let left = 1;
  let right = 1;
  let top = 1;
  let rows = 0;
  for (const f of frames) {
    let stack = 0;
    for (const p of f.pledges) {
      left = Math.max(left, 1 / p.speed + radius(p));
      const side = Math.sqrt(Math.max(p.payment, 0));
      right = Math.max(right, side * 1.2);
      top = Math.max(top, radius(p));
      stack += side;
    }
    top = Math.max(top, f.h, stack);
    rows = Math.max(rows, f.pledges.length);
  }
  top *= 1.05;
  const drawing = 440;
  const band = 30 + ROW * rows + 10;
  const scale = Math.min((WIDTH - 2 * MARGIN) / (left + right), drawing / top);
  const wallX = MARGIN + left * scale;
  return { width: WIDTH, height: band + drawing + 60, scale, wallX, groundY: band + drawing + 10, band };
}

function label(text: string, x: number, baseline: number, colour: string, size = FONT): Label {
  return { text, x, y: baseline - size, w: text.length * size * CHAR_WIDTH, h: size * 1.3, colour, size };
}

function legendText(i: number, p: PicturePledge): string {
  const lev =
    p.leverage === undefined
      ? ""
      : ` · leverage ${Number.isFinite(p.leverage) ? p.leverage.toFixed(2) : "∞"}`;
  return `pledge ${i + 1}: limit ${amount(p.limit)} · speed ${Number(p.speed.toPrecision(3))} · pays ${amount(p.payment)}${lev}`;
}

/** Lays out one frame in `v`: shapes, the lines they are made of, and the labels. */
export function layoutFrame(v: Viewport, frame: PictureFrame): FrameLayout {
  const X = (x: number): number => v.wallX + x * v.scale;
  const Y = (y: number): number => v.groundY - y * v.scale;
  const elements: string[] = [];
  const segments: Segment[] = [];
  const labels: Label[] = [label(frame.title, MARGIN, 22, "#000", 15)];
  const line = (x1: number, y1: number, x2: number, y2: number): void => {
    segments.push({ x1, y1, x2, y2 });
  };
  const { h, pledges } = frame;
  pledges.forEach((p, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const cx = -1 / p.speed;
    const r = radius(p);
    const rs = f2(r * v.scale);
    const theta = Math.atan(h * p.speed);
    const [ex, ey] = [cx + r * Math.cos(theta), r * Math.sin(theta)];
    elements.push(
      `<path d="M ${f2(X(cx))} ${f2(Y(0))} L ${f2(X(cx + r))} ${f2(Y(0))} A ${rs} ${rs} 0 0 0 ${f2(X(cx))} ` +
        `${f2(Y(r))} Z" fill="${colour}" fill-opacity="0.12" stroke="${colour}"/>`,
      `<path d="M ${f2(X(cx))} ${f2(Y(0))} L ${f2(X(cx + r))} ${f2(Y(0))} A ${rs} ${rs} 0 0 0 ${f2(X(ex))} ` +
        `${f2(Y(ey))} Z" fill="${colour}" fill-opacity="0.55"/>`,
      `<line x1="${f2(X(cx))}" y1="${f2(Y(0))}" x2="${f2(X(0))}" y2="${f2(Y(h))}" stroke="${colour}" ` +
        `stroke-dasharray="4 3"/>`,
    );
    line(X(cx), Y(0), X(cx + r), Y(0));
    line(X(cx), Y(0), X(cx), Y(r));
    for (let k = 0; k < ARC_STEPS; k++) {
      const [a, b] = [(k / ARC_STEPS) * (Math.PI / 2), ((k + 1) / ARC_STEPS) * (Math.PI / 2)];
      line(X(cx + r * Math.cos(a)), Y(r * Math.sin(a)), X(cx + r * Math.cos(b)), Y(r * Math.sin(b)));
    }
    line(X(cx), Y(0), X(ex), Y(ey));
    line(X(cx), Y(0), X(0), Y(h));
    labels.push(label(legendText(i, p), MARGIN, 30 + ROW * (i + 1), colour));
  });
  let y = 0;
  pledges.forEach((p, i) => {
    const side = Math.sqrt(Math.max(p.payment, 0));
    const [x0, y0, s] = [X(0), Y(y + side), side * v.scale];
    elements.push(
      `<rect x="${f2(x0)}" y="${f2(y0)}" width="${f2(s)}" height="${f2(s)}" ` +
        `fill="${COLOURS[i % COLOURS.length]}" fill-opacity="0.75" stroke="#333"/>`,
    );
    line(x0, y0, x0 + s, y0);
    line(x0 + s, y0, x0 + s, y0 + s);
    line(x0, y0 + s, x0 + s, y0 + s);
    line(x0, y0, x0, y0 + s);
    y += side;
  });
  const hY = Y(h);
  const right = v.width - MARGIN / 2;
  elements.push(
    `<line x1="${MARGIN / 2}" y1="${f2(v.groundY)}" x2="${f2(right)}" y2="${f2(v.groundY)}" stroke="#333"/>`,
    `<line x1="${f2(v.wallX)}" y1="${f2(v.groundY)}" x2="${f2(v.wallX)}" y2="${f2(v.band)}" stroke="#333"/>`,
    `<line x1="${f2(v.wallX - 8)}" y1="${f2(hY)}" x2="${f2(right)}" y2="${f2(hY)}" stroke="#000" stroke-width="1.5"/>`,
  );
  line(MARGIN / 2, v.groundY, right, v.groundY);
  line(v.wallX, v.groundY, v.wallX, v.band);
  line(v.wallX - 8, hY, right, hY);
  labels.push(...belowGround(v, pledges, X));
  labels.push(
    label(`h = ${h.toFixed(4)}`, right - 110, v.band - 4, "#000", 13),
    label(
      "quarter circle: limit · shaded: payment · squares: area = payment, stacked to Σ√p",
      MARGIN,
      v.height - 6,
      "#333",
    ),
  );
  for (const l of labels)
    elements.push(
      `<text x="${f2(l.x)}" y="${f2(l.y + l.size)}" font-size="${l.size}" fill="${l.colour}">${escapeXml(l.text)}</text>`,
    );
  return { elements, segments, labels };
}

/** Pledge numbers under the ground, at each circle's end, pushed apart so none overlaps another. */
function belowGround(v: Viewport, pledges: PicturePledge[], X: (x: number) => number): Label[] {
  const marks = pledges
    .map((p, i) => ({ i, x: X(-1 / p.speed + radius(p)) }))
    .sort((a, b) => a.x - b.x || a.i - b.i);
  const out: Label[] = [];
  let next = -Infinity;
  for (const m of marks) {
    const l = label(String(m.i + 1), 0, v.groundY + 18, COLOURS[m.i % COLOURS.length]);
    l.x = Math.max(m.x - l.w / 2, next);
    next = l.x + l.w + 3;
    out.push(l);
  }
  return out;
}

function svgOpen(v: Viewport): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${v.width}" height="${f2(v.height)}" ` +
    `viewBox="0 0 ${v.width} ${f2(v.height)}" font-family="sans-serif">\n` +
    `<rect width="${v.width}" height="${f2(v.height)}" fill="#ffffff"/>`
  );
}

/** One frame as a static SVG document; `v` defaults to the frame's own viewport. */
export function renderQuarterCircles(frame: PictureFrame, v: Viewport = viewport([frame])): string {
  return `${svgOpen(v)}\n${layoutFrame(v, frame).elements.join("\n")}\n</svg>\n`;
}

/**
 * The frames as one animated SVG (SMIL: each frame's group is visible for `seconds` in turn, looping),
 * all in one viewport.
 */
export function renderAnimation(frames: PictureFrame[], seconds = 1): string {
  const v = viewport(frames);
  const n = frames.length;
  const total = n * seconds;
  const groups = frames.map((frame, i) => {
    const [a, b] = [(i / n).toFixed(4), ((i + 1) / n).toFixed(4)];
    const [values, times] =
      n === 1
        ? ["visible", "0"]
        : i === 0
          ? ["visible;hidden", `0;${b}`]
          : i === n - 1
            ? ["hidden;visible", `0;${a}`]
            : ["hidden;visible;hidden", `0;${a};${b}`];
    return (
      `<g visibility="${i === 0 ? "visible" : "hidden"}">\n` +
      `<animate attributeName="visibility" calcMode="discrete" values="${values}" keyTimes="${times}" ` +
      `dur="${total}s" repeatCount="indefinite"/>\n${layoutFrame(v, frame).elements.join("\n")}\n</g>`
    );
  });
  return `${svgOpen(v)}\n${groups.join("\n")}\n</svg>\n`;
}

// ─────────────────────────────────────────────── frames from the math (float, quadratic mode)

/** A pledge's terms: limit in tokens, speed as a number. */
export interface Terms {
  limit: number;
  speed: number;
}

function frameAt(title: string, terms: Terms[], h: number, withLeverage = true): PictureFrame {
  const c = { quadratic: true, limits: terms.map((t) => t.limit), speeds: terms.map((t) => t.speed) };
  return {
    title,
    h,
    pledges: terms.map((t, i) => ({
      ...t,
      payment: paymentFloat(t.limit, t.speed, h),
      leverage: withLeverage ? leverageFloat(c, i, h) : undefined,
    })),
  };
}

function solve(terms: Terms[]): number {
  return solveFloat({
    quadratic: true,
    limits: terms.map((t) => t.limit),
    speeds: terms.map((t) => t.speed),
  });
}

/**
 * The fixed-point iteration h ← Σ√pᵢ(h) from `h0`: one frame per step (payments at the current h,
 * squares stacking to the next h), until it moves less than 1e-4 relative or `steps` frames.
 */
export function fixedPointFrames(terms: Terms[], h0: number, steps = 12): PictureFrame[] {
  const frames: PictureFrame[] = [];
  let h = h0;
  for (let k = 0; k < steps; k++) {
    const next = terms.reduce((s, t) => s + Math.sqrt(paymentFloat(t.limit, t.speed, h)), 0);
    frames.push(
      frameAt(`Fixed point, step ${k}: h = ${h.toFixed(4)} → Σ√p = ${next.toFixed(4)}`, terms, h, false),
    );
    if (Math.abs(next - h) <= 1e-4 * next) break;
    h = next;
  }
  return frames;
}

/**
 * A new pledger joining: the campaign solved before, then h rising in `steps` frames to the new
 * root with the joiner in (everyone's payment rises with h).
 */
export function joinFrames(before: Terms[], joiner: Terms, steps = 6): PictureFrame[] {
  const h0 = solve(before);
  const after = [...before, joiner];
  const h1 = solve(after);
  const frames = [frameAt(`Before: h = ${h0.toFixed(4)}`, before, h0)];
  for (let k = 0; k <= steps; k++) {
    const h = h0 + ((h1 - h0) * k) / steps;
    const title =
      k === steps ? `Pledge ${after.length} joined: h = ${h.toFixed(4)}` : `h rising: ${h.toFixed(4)}`;
    frames.push(frameAt(title, after, h, k === steps));
  }
  return frames;
}

/** A campaign from start to finish: the solution after each join (pledgers join in `joins` order). */
export function campaignFrames(joins: Terms[]): PictureFrame[] {
  return joins.map((_, k) => {
    const terms = joins.slice(0, k + 1);
    const h = solve(terms);
    return frameAt(`${k + 1} pledge${k === 0 ? "" : "s"}: h = ${h.toFixed(4)}`, terms, h);
  });
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c] ?? c);
}
