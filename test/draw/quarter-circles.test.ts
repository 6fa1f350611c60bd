/**
 * The quarter-circle pictures (sdk/draw/quarter-circles.ts): well-formed XML, one scale across the
 * frames of a campaign (a circle never shrinks when others join), and labels that no line crosses
 * and that do not overlap (checked on the layout's own lines and label boxes).
 */
import { expect } from "chai";
import {
  type FrameLayout,
  type Label,
  type Segment,
  campaignFrames,
  fixedPointFrames,
  joinFrames,
  layoutFrame,
  renderAnimation,
  renderQuarterCircles,
  viewport,
} from "../../sdk/draw/quarter-circles";
import { refCampaign, refSolve } from "../helpers/pledges-reference";

/** The demo's five pledgers: limits and geometric speeds 0.05·0.8ᵏ. */
const JOINS = [40, 40, 25, 60, 10].map((limit, k) => ({ limit, speed: 0.05 * 0.8 ** k }));

/** Throws unless `xml` is well formed: one root, balanced tags, quoted attributes, escaped text. */
function checkXml(xml: string): void {
  const stack: string[] = [];
  let roots = 0;
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let at = 0;
  for (let m = tag.exec(xml); m !== null; m = tag.exec(xml)) {
    const text = xml.slice(at, m.index);
    if (/[<>]/.test(text) || /&(?!(amp|lt|gt|quot|apos);)/.test(text)) throw new Error(`bad text "${text}"`);
    at = tag.lastIndex;
    const [, close, name, , selfClose] = m;
    if (close) {
      if (stack.pop() !== name) throw new Error(`unbalanced </${name}>`);
    } else if (!selfClose) {
      if (stack.length === 0) roots++;
      stack.push(name);
    } else if (stack.length === 0) roots++;
  }
  if (xml.slice(at).trim() !== "")
    throw new Error(`trailing text or a malformed tag: "${xml.slice(at, at + 60)}"`);
  if (stack.length !== 0 || roots !== 1) throw new Error(`unclosed ${stack.join(",")} or ${roots} roots`);
}

/** Whether segment s meets the rectangle (Liang–Barsky clipping). */
function crosses(s: Segment, b: Label): boolean {
  const [dx, dy] = [s.x2 - s.x1, s.y2 - s.y1];
  let [t0, t1] = [0, 1];
  const edges: [number, number][] = [
    [-dx, s.x1 - b.x],
    [dx, b.x + b.w - s.x1],
    [-dy, s.y1 - b.y],
    [dy, b.y + b.h - s.y1],
  ];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q < 0) return false;
    } else {
      const t = q / p;
      if (p < 0) t0 = Math.max(t0, t);
      else t1 = Math.min(t1, t);
      if (t0 > t1) return false;
    }
  }
  return true;
}

function overlap(a: Label, b: Label): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

function checkLabels(layout: FrameLayout, what: string): void {
  for (const l of layout.labels) {
    for (const s of layout.segments)
      expect(crosses(s, l), `${what}: a line crosses "${l.text}"`).to.equal(false);
  }
  layout.labels.forEach((a, i) =>
    layout.labels
      .slice(i + 1)
      .forEach((b) => expect(overlap(a, b), `${what}: "${a.text}" / "${b.text}"`).to.equal(false)),
  );
}

/** The radius (px) of every quarter circle in a frame group, in drawing order. */
function radii(svgGroup: string): number[] {
  return [...svgGroup.matchAll(/fill-opacity="0\.12"/g)].map((m) => {
    const path = svgGroup.slice(svgGroup.lastIndexOf("<path", m.index), m.index);
    return Number(/ A ([\d.]+) /.exec(path)![1]);
  });
}

describe("quarter-circle pictures (sdk/draw)", () => {
  const sequences = {
    "fixed point": fixedPointFrames(JOINS, 0.3),
    join: joinFrames(JOINS.slice(0, 4), JOINS[4]),
    campaign: campaignFrames(JOINS),
  };

  it("the SVGs, static and animated, are well-formed XML", () => {
    for (const [name, frames] of Object.entries(sequences)) {
      const svg = renderAnimation(frames);
      expect(() => checkXml(svg), name).to.not.throw();
      expect(svg, name).to.include("<animate ");
      for (const f of frames) expect(() => checkXml(renderQuarterCircles(f)), name).to.not.throw();
    }
    expect(() => checkXml("<svg><g></svg>")).to.throw();
  });

  it("keeps one scale across the frames of a campaign: a circle never shrinks when others join", () => {
    const frames = sequences.campaign;
    const groups = renderAnimation(frames).split("<g ").slice(1);
    expect(groups).to.have.length(5);
    const first = radii(groups[0]);
    expect(first).to.have.length(1);
    groups.forEach((g, k) => {
      const r = radii(g);
      expect(r, `frame ${k}`).to.have.length(k + 1);
      expect(r[0], `frame ${k}`).to.equal(first[0]);
    });
    // The static pictures of one campaign share the scale too when given one viewport.
    const v = viewport(frames);
    expect(radii(renderQuarterCircles(frames[0], v))[0]).to.equal(first[0]);
    expect(radii(renderQuarterCircles(frames[0]))[0]).to.be.greaterThan(first[0]); // alone: its own scale
  });

  it("places every label where no line crosses it, and no two labels overlap", () => {
    for (const [name, frames] of Object.entries(sequences)) {
      const v = viewport(frames);
      frames.forEach((f, k) => checkLabels(layoutFrame(v, f), `${name} ${k}`));
    }
    // Same speed for everyone (constant policy): the centres coincide, the numbers are pushed apart.
    const constant = campaignFrames([30, 30, 30, 5, 80].map((limit) => ({ limit, speed: 0.05 })));
    const v = viewport(constant);
    constant.forEach((f, k) => checkLabels(layoutFrame(v, f), `constant ${k}`));
    const labels = layoutFrame(v, constant[4]).labels.map((l) => l.text);
    for (const word of ["pledge 1", "limit", "speed 0.05", "pays", "leverage", "h = "])
      expect(
        labels.some((t) => t.includes(word)),
        word,
      ).to.equal(true);
  });

  it("draws the math: the fixed point converges to the campaign's root (decimal.js), payments rise as one joins", () => {
    const frames = sequences["fixed point"];
    const h = refSolve(
      refCampaign(
        true,
        JOINS.map((j) => j.limit),
        JOINS.map((j) => j.speed),
      ),
    ).toNumber();
    expect(frames.length).to.be.greaterThan(3);
    expect(Math.abs(frames[frames.length - 1].h / h - 1)).to.be.lessThan(1e-3);
    const join = sequences.join;
    const [before, after] = [join[0], join[join.length - 1]];
    before.pledges.forEach((p, i) => expect(after.pledges[i].payment).to.be.greaterThan(p.payment));
  });
});
