/**
 * The quarter-circle picture of a pledge campaign (the coordinated-pledges seed's view), as SVG.
 *
 * Each pledge is a quarter circle of area Lᵢ (radius 2·√(Lᵢ/π)) whose centre lies 1/sᵢ to the left of
 * the right corner. The ray from that centre to the point at height h on the right wall makes the
 * angle atan(h·sᵢ) with the ground, so the shaded sector below it has area Lᵢ·(2/π)·atan(h·sᵢ) = pᵢ:
 * what the pledger pays. On the right, squares of area pᵢ are stacked; their height is Σ√pᵢ, which
 * equals h exactly when h solves the campaign (quadratic mode).
 */

/** One pledge as drawn: amounts in tokens, speed in 1/√token. */
export interface PicturePledge {
  limit: number;
  speed: number;
  payment: number;
}

export interface PictureInput {
  title: string;
  h: number;
  pledges: PicturePledge[];
}

const COLOURS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7"];

const fmt = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : "0");

/** Renders the campaign as an SVG document (pure function; no I/O). */
export function renderQuarterCircles(input: PictureInput): string {
  const { h, pledges } = input;
  const radii = pledges.map((p) => 2 * Math.sqrt(p.limit / Math.PI));
  const offsets = pledges.map((p) => 1 / p.speed);
  const sides = pledges.map((p) => Math.sqrt(Math.max(p.payment, 0)));
  const stack = sides.reduce((a, b) => a + b, 0);
  // World extents in √token units: circles reach left to −offset − radius, squares right to max side.
  const left = Math.max(...pledges.map((_, i) => offsets[i] + radii[i]), 1);
  const right = Math.max(...sides, 1) * 1.2;
  const top = Math.max(...radii, h, stack, 1) * 1.1;
  const width = 900;
  const height = 520;
  const margin = 40;
  const scale = Math.min((width - 2 * margin) / (left + right), (height - 2 * margin - 30) / top);
  const wallX = margin + left * scale;
  const groundY = height - margin;
  const X = (x: number): number => wallX + x * scale; // x in world units, 0 = right corner
  const Y = (y: number): number => groundY - y * scale;

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${margin}" y="24" font-size="16">${escapeXml(input.title)}</text>`,
  );
  pledges.forEach((p, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const cx = -offsets[i];
    const r = radii[i];
    // The whole quarter circle (limit), then the paid sector from the ground up to the ray at angle θ.
    parts.push(
      `<path d="M ${fmt(X(cx))} ${fmt(Y(0))} L ${fmt(X(cx + r))} ${fmt(Y(0))} A ${fmt(r * scale)} ${fmt(
        r * scale,
      )} 0 0 0 ${fmt(X(cx))} ${fmt(Y(r))} Z" fill="${colour}" fill-opacity="0.12" stroke="${colour}"/>`,
    );
    const theta = Math.atan(h * p.speed);
    const ex = cx + r * Math.cos(theta);
    const ey = r * Math.sin(theta);
    parts.push(
      `<path d="M ${fmt(X(cx))} ${fmt(Y(0))} L ${fmt(X(cx + r))} ${fmt(Y(0))} A ${fmt(r * scale)} ${fmt(
        r * scale,
      )} 0 0 0 ${fmt(X(ex))} ${fmt(Y(ey))} Z" fill="${colour}" fill-opacity="0.55"/>`,
      // The ray from the centre towards height h on the wall.
      `<line x1="${fmt(X(cx))}" y1="${fmt(Y(0))}" x2="${fmt(X(0))}" y2="${fmt(Y(h))}" stroke="${colour}" stroke-dasharray="4 3" stroke-width="1"/>`,
    );
  });
  // Squares of area pᵢ stacked against the wall.
  let y = 0;
  sides.forEach((side, i) => {
    const colour = COLOURS[i % COLOURS.length];
    parts.push(
      `<rect x="${fmt(X(0))}" y="${fmt(Y(y + side))}" width="${fmt(side * scale)}" height="${fmt(
        side * scale,
      )}" fill="${colour}" fill-opacity="0.75" stroke="#333"/>`,
    );
    y += side;
  });
  parts.push(
    `<line x1="${margin / 2}" y1="${groundY}" x2="${width - margin / 2}" y2="${groundY}" stroke="#333"/>`,
    `<line x1="${fmt(wallX)}" y1="${groundY}" x2="${fmt(wallX)}" y2="${margin}" stroke="#333"/>`,
    `<line x1="${fmt(wallX - 8)}" y1="${fmt(Y(h))}" x2="${fmt(X(right))}" y2="${fmt(Y(h))}" stroke="#000" stroke-width="1.5"/>`,
    `<text x="${fmt(X(right) - 80)}" y="${fmt(Y(h) - 6)}" font-size="13">h = ${h.toFixed(4)}</text>`,
    `<text x="${margin}" y="${height - 12}" font-size="12">quarter circle: limit Lᵢ · shaded: payment pᵢ · squares: area pᵢ, stacked to Σ√pᵢ</text>`,
    "</svg>",
  );
  return parts.join("\n") + "\n";
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c] ?? c);
}
