/**
 * Pure SVG composition of the offline art: a mesh gradient (soft colour fields over a base
 * gradient) under one of a few flowing compositions. No text and no fonts, so it renders the
 * same on any machine with librsvg.
 */
import type { Palette } from './palette.js';
import type { Random } from './random.js';

export type Composition = 'waves' | 'silk' | 'ribbons' | 'contours' | 'blobs';

/**
 * Two layers: the backdrop is all soft colour, rendered small and blurred (cheap at any output
 * size); the foreground holds the crisp shapes and is drawn at full size over the backdrop,
 * scaled up, by `frameSvg`.
 */
export interface Scene {
  composition: Composition;
  width: number;
  height: number;
  /** Complete SVG in full-size user units on a canvas `backdropScale` times the output size. */
  backdrop: string;
  backdropScale: number;
  /** Gaussian blur sigma for the backdrop, in backdrop pixels. */
  backdropBlur: number;
  foreground: Layer;
}

/** The backdrop canvas is at most this many pixels on its longest side. */
const BACKDROP_EDGE = 400;

type Point = [number, number];

export interface Layer {
  defs: string[];
  body: string[];
}

interface DrawContext {
  random: Random;
  palette: Palette;
  width: number;
  height: number;
  unit: number;
  back: Layer;
  front: Layer;
  id(prefix: string): string;
}

export function composeScene(
  random: Random,
  palette: Palette,
  width: number,
  height: number,
): Scene {
  const composition = random.pick<Composition>(['waves', 'silk', 'ribbons', 'contours', 'blobs']);
  let counter = 0;
  const context: DrawContext = {
    random,
    palette,
    width,
    height,
    unit: Math.min(width, height),
    back: { defs: [], body: [] },
    front: { defs: [], body: [] },
    id: (prefix) => `${prefix}${counter++}`,
  };
  drawMesh(context);
  if (composition === 'waves') drawWaves(context);
  else if (composition === 'silk') drawSilk(context);
  else if (composition === 'ribbons') drawRibbons(context);
  else if (composition === 'contours') drawContours(context);
  else drawBlobs(context);
  drawVignette(context);

  const backdropScale = Math.min(1, BACKDROP_EDGE / Math.max(width, height));
  const { back, front } = context;
  // Blobs are meant to melt into the mesh; everything else only needs smoothing.
  const blur = (composition === 'blobs' ? 0.09 : 0.03) * context.unit * backdropScale;
  return {
    composition,
    width,
    height,
    backdrop: svg(
      Math.max(1, Math.round(width * backdropScale)),
      Math.max(1, Math.round(height * backdropScale)),
      width,
      height,
      back.defs,
      back.body,
    ),
    backdropScale,
    backdropBlur: Math.max(0.3, Math.round(blur * 10) / 10),
    foreground: front,
  };
}

/** The full-size SVG: the rendered backdrop (a data URI) stretched under the foreground. */
export function frameSvg(scene: Scene, backdropHref: string): string {
  const { width, height, foreground } = scene;
  return svg(width, height, width, height, foreground.defs, [
    `<image width="${width}" height="${height}" preserveAspectRatio="none" href="${backdropHref}"/>`,
    ...foreground.body,
  ]);
}

function svg(
  pixelWidth: number,
  pixelHeight: number,
  width: number,
  height: number,
  defs: string[],
  body: string[],
): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${pixelWidth}" height="${pixelHeight}" viewBox="0 0 ${width} ${height}" preserveAspectRatio="none">` +
    `<defs>${defs.join('')}</defs>${body.join('')}</svg>`
  );
}

/** Base gradient plus large radial colour fields: a mesh gradient without a mesh. */
function drawMesh({ random, palette, width, height, back, id }: DrawContext): void {
  const angle = random.range(0, Math.PI * 2);
  const [x1, y1, x2, y2] = gradientLine(width, height, angle);
  back.defs.push(
    `<linearGradient id="base" gradientUnits="userSpaceOnUse" x1="${f(x1)}" y1="${f(y1)}" x2="${f(x2)}" y2="${f(y2)}">` +
      `<stop offset="0" stop-color="${palette.base[0]}"/><stop offset="1" stop-color="${palette.base[1]}"/></linearGradient>`,
  );
  back.body.push(`<rect width="${width}" height="${height}" fill="url(#base)"/>`);
  const count = random.int(4, 6);
  for (let i = 0; i < count; i++) {
    const gid = id('g');
    const color = palette.glows[i % palette.glows.length] ?? palette.base[0];
    const strength = random.range(0.6, 0.95);
    back.defs.push(
      `<radialGradient id="${gid}">${[
        [0, 1],
        [0.3, 0.8],
        [0.6, 0.4],
        [1, 0],
      ]
        .map(
          ([offset, opacity]) =>
            `<stop offset="${offset}" stop-color="${color}" stop-opacity="${f3((opacity ?? 0) * strength)}"/>`,
        )
        .join('')}</radialGradient>`,
    );
    const cx = random.range(0, 1) * width;
    const cy = random.range(0, 1) * height;
    const rx = random.range(0.3, 0.7) * Math.max(width, height);
    const ry = rx * random.range(0.5, 1);
    back.body.push(
      `<ellipse cx="${f(cx)}" cy="${f(cy)}" rx="${f(rx)}" ry="${f(ry)}" transform="rotate(${f(random.range(0, 180))} ${f(cx)} ${f(cy)})" fill="url(#${gid})"/>`,
    );
  }
}

/** Stacked wave bands rising from the bottom, like layered swell or dunes, with glowing crests. */
function drawWaves({ random, palette, width, height, unit, back, front, id }: DrawContext): void {
  const layers = random.int(3, 5);
  const top = random.range(0.4, 0.6);
  const light = palette.mood === 'light';
  for (let i = 0; i < layers; i++) {
    const baseline = height * (top + ((1 - top) * (i + 0.15)) / (layers + 0.4));
    const amplitude = unit * random.range(0.04, 0.09) * (1 + i * 0.25);
    const curve = smoothCurve(random, width, baseline, amplitude, 0.1);
    const gid = id('w');
    const color = palette.shapes[i % palette.shapes.length] ?? palette.highlight;
    const next = palette.shapes[(i + 1) % palette.shapes.length] ?? color;
    // Far bands are more see-through, like haze.
    const near = (i + 1) / layers;
    front.defs.push(
      `<linearGradient id="${gid}" x1="0" y1="0" x2="0.3" y2="1"><stop offset="0" stop-color="${color}" stop-opacity="${f3((light ? 0.5 : 0.6) + 0.35 * near)}"/><stop offset="0.8" stop-color="${next}" stop-opacity="${f3((light ? 0.2 : 0.3) + 0.3 * near)}"/></linearGradient>`,
    );
    const edge = pathThrough(curve);
    back.body.push(
      `<path d="${edge}" fill="none" stroke="${palette.glows[i % palette.glows.length] ?? color}" stroke-opacity="0.7" stroke-width="${f(unit * 0.05)}"/>`,
    );
    front.body.push(
      `<path d="${edge} L${f(width * 1.1)},${f(height * 1.1)} L${f(-width * 0.1)},${f(height * 1.1)} Z" fill="url(#${gid})"/>`,
      `<path d="${edge}" fill="none" stroke="${palette.highlight}" stroke-opacity="${light ? 0.7 : 0.4}" stroke-width="${f(unit * 0.0025)}"/>`,
    );
  }
}

/** Bundles of fine lines between two guide curves: a twisting silk ribbon. */
function drawSilk({ random, palette, width, height, unit, back, front, id }: DrawContext): void {
  const bundles = random.int(1, 2);
  const { span, start, transform } = flowFrame(random, width, height, 20);
  for (let b = 0; b < bundles; b++) {
    const centre = height * random.range(0.35, 0.65);
    const a = smoothCurve(random, span, centre, unit * random.range(0.15, 0.3), 0);
    const c = smoothCurve(random, span, centre, unit * random.range(0.15, 0.3), 0);
    const lines = random.int(40, 72);
    const gid = id('s');
    const from = random.pick(palette.glows);
    const to = random.pick(palette.glows);
    front.defs.push(
      `<linearGradient id="${gid}" gradientUnits="userSpaceOnUse" x1="${f(start)}" y1="0" x2="${f(start + span)}" y2="0"><stop offset="0" stop-color="${from}" stop-opacity="0"/><stop offset="0.5" stop-color="${palette.highlight}"/><stop offset="1" stop-color="${to}" stop-opacity="0.2"/></linearGradient>`,
    );
    const twist = random.range(1, 2.5);
    const phase = random.range(0, Math.PI * 2);
    const spread = unit * random.range(0.1, 0.3);
    const paths: string[] = [];
    for (let k = 0; k <= lines; k++) {
      const t = k / lines;
      const points = a.map(([x, ya], j): Point => {
        const yc = c[j]?.[1] ?? ya;
        const s = 0.5 + (t - 0.5) * Math.cos(phase + (twist * Math.PI * j) / a.length);
        return [x + start, ya + (yc - ya) * s + (t - 0.5) * spread];
      });
      paths.push(`<path d="${pathThrough(points)}"/>`);
    }
    const middle = a.map(([x, ya], j): Point => [x + start, (ya + (c[j]?.[1] ?? ya)) / 2]);
    back.body.push(
      `<path d="${pathThrough(middle)}" fill="none" stroke="${from}" stroke-opacity="0.6" stroke-width="${f(spread + unit * 0.08)}" transform="${transform}"/>`,
    );
    front.body.push(
      `<g fill="none" stroke="url(#${gid})" stroke-width="${f(unit * 0.0018)}" stroke-opacity="${f3(random.range(0.5, 0.8))}" transform="${transform}">${paths.join('')}</g>`,
    );
  }
}

/** A few broad translucent bands sweeping across the frame. */
function drawRibbons({ random, palette, width, height, unit, front, id }: DrawContext): void {
  const count = random.int(3, 4);
  const { span, start, transform } = flowFrame(random, width, height, 30);
  const parts: string[] = [];
  const centre = height * random.range(0.35, 0.65);
  for (let i = 0; i < count; i++) {
    const upper = smoothCurve(
      random,
      span,
      centre + unit * random.range(-0.2, 0.2),
      unit * random.range(0.15, 0.3),
      0,
    );
    const thickness = unit * random.range(0.06, 0.18);
    const wobble = random.range(0, Math.PI * 2);
    const lower = upper.map(
      ([x, y], j): Point => [
        x,
        y +
          thickness * (0.2 + 0.8 * Math.abs(Math.sin(wobble + (j / upper.length) * Math.PI * 1.3))),
      ],
    );
    const shift = (points: Point[]) => points.map(([x, y]): Point => [x + start, y]);
    const gid = id('r');
    const a = palette.glows[i % palette.glows.length] ?? palette.highlight;
    const b = palette.shapes[(i + 3) % palette.shapes.length] ?? a;
    front.defs.push(
      `<linearGradient id="${gid}" gradientUnits="userSpaceOnUse" x1="${f(start)}" y1="0" x2="${f(start + span)}" y2="0"><stop offset="0" stop-color="${a}" stop-opacity="0"/><stop offset="0.45" stop-color="${a}" stop-opacity="0.8"/><stop offset="1" stop-color="${b}" stop-opacity="0.4"/></linearGradient>`,
    );
    const top = shift(upper);
    const bottom = shift(lower).reverse();
    parts.push(
      `<path d="${pathThrough(top)} L${pathThrough(bottom).slice(1)} Z" fill="url(#${gid})" fill-opacity="${f3(random.range(0.6, 0.9))}"/>`,
      `<path d="${pathThrough(top)}" fill="none" stroke="${palette.highlight}" stroke-opacity="0.35" stroke-width="${f(unit * 0.002)}"/>`,
    );
  }
  front.body.push(`<g transform="${transform}">${parts.join('')}</g>`);
}

/** Topographic rings around one or two peaks. */
function drawContours({ random, palette, width, height, unit, front }: DrawContext): void {
  const peaks = 1;
  const rings = random.int(12, 18);
  const parts: string[] = [];
  for (let p = 0; p < peaks; p++) {
    const cx = width * random.pick([random.range(0.2, 0.4), random.range(0.6, 0.8)]);
    const cy = height * random.range(0.3, 0.7);
    const harmonics = [2, 3, 5].map((n) => ({
      n,
      phase: random.range(0, Math.PI * 2),
      amount: random.range(0.04, 0.12) / Math.sqrt(n),
      drift: random.range(-0.15, 0.15),
    }));
    const step = unit * random.range(0.045, 0.07);
    for (let k = 1; k <= rings; k++) {
      const radius = step * k;
      const points: Point[] = [];
      const steps = 36;
      for (let j = 0; j < steps; j++) {
        const angle = (j / steps) * Math.PI * 2;
        let r = 1;
        for (const h of harmonics) {
          r += h.amount * Math.sin(h.n * angle + h.phase + h.drift * k) * Math.min(1, k / 4);
        }
        points.push([cx + Math.cos(angle) * radius * r * 1.15, cy + Math.sin(angle) * radius * r]);
      }
      const opacity = 0.55 * (1 - k / (rings + 2));
      parts.push(`<path d="${closedPathThrough(points)}" stroke-opacity="${f3(opacity)}"/>`);
    }
  }
  front.body.push(
    `<g fill="none" stroke="${palette.highlight}" stroke-width="${f(unit * 0.0022)}">${parts.join('')}</g>`,
  );
}

/** Large soft organic shapes, blurred into the backdrop: an aura. */
function drawBlobs({ random, palette, width, height, unit, back }: DrawContext): void {
  const count = random.int(3, 5);
  for (let i = 0; i < count; i++) {
    const cx = width * random.range(0.1, 0.9);
    const cy = height * random.range(0.1, 0.9);
    const radius = unit * random.range(0.2, 0.45);
    const color = palette.shapes[(i + 2) % palette.shapes.length] ?? palette.highlight;
    back.body.push(
      `<path d="${closedPathThrough(blobPoints(random, cx, cy, radius))}" fill="${color}" fill-opacity="${f3(random.range(0.6, 0.9))}"/>`,
    );
  }
}

/** Darkens the corners a little. In the backdrop: a full-size gradient costs too much at 4K. */
function drawVignette({ palette, width, height, back }: DrawContext): void {
  const strength = palette.mood === 'light' ? 0.06 : 0.28;
  back.defs.push(
    `<radialGradient id="vignette" cx="0.5" cy="0.5" r="0.75"><stop offset="0.5" stop-color="#000" stop-opacity="0"/><stop offset="1" stop-color="#000" stop-opacity="${strength}"/></radialGradient>`,
  );
  back.body.push(`<rect width="${width}" height="${height}" fill="url(#vignette)"/>`);
}

function blobPoints(random: Random, cx: number, cy: number, radius: number): Point[] {
  const phase = [random.range(0, 6.3), random.range(0, 6.3)];
  const amount = [random.range(0.1, 0.25), random.range(0.05, 0.15)];
  const points: Point[] = [];
  for (let j = 0; j < 12; j++) {
    const angle = (j / 12) * Math.PI * 2;
    const r =
      radius *
      (1 +
        (amount[0] ?? 0) * Math.sin(2 * angle + (phase[0] ?? 0)) +
        (amount[1] ?? 0) * Math.sin(3 * angle + (phase[1] ?? 0)));
    points.push([cx + Math.cos(angle) * r, cy + Math.sin(angle) * r]);
  }
  return points;
}

/**
 * Where flowing shapes run: curves `span` long starting at x = `start`, turned by `transform`.
 * Landscape frames get a gentle tilt; portrait ones a steep diagonal so the flow follows the
 * long side.
 */
function flowFrame(
  random: Random,
  width: number,
  height: number,
  tilt: number,
): { span: number; start: number; transform: string } {
  const span = 1.6 * Math.max(width, height);
  const portrait = height > width * 1.1;
  const angle = portrait ? random.pick([-1, 1]) * random.range(50, 70) : random.range(-tilt, tilt);
  return {
    span,
    start: width / 2 - span / 2,
    transform: `rotate(${f(angle)} ${f(width / 2)} ${f(height / 2)})`,
  };
}

/** A smooth random curve across `span` (from x = 0): a few summed sines. */
function smoothCurve(
  random: Random,
  span: number,
  baseline: number,
  amplitude: number,
  overscan: number,
): Point[] {
  const waves = [1, 2, 3].map((k) => ({
    frequency: random.range(0.6, 1.6) * k,
    phase: random.range(0, Math.PI * 2),
    weight: 1 / k ** random.range(0.9, 1.6),
  }));
  const total = waves.reduce((sum, wave) => sum + wave.weight, 0);
  const steps = 24;
  const points: Point[] = [];
  for (let j = 0; j <= steps; j++) {
    const t = -overscan + ((1 + 2 * overscan) * j) / steps;
    const y = waves.reduce(
      (sum, wave) => sum + wave.weight * Math.sin(wave.phase + wave.frequency * Math.PI * t),
      0,
    );
    points.push([t * span, baseline + (amplitude * y) / total]);
  }
  return points;
}

/** Catmull-Rom spline through the points as cubic Béziers: smooth with no visible joins. */
function pathThrough(points: readonly Point[]): string {
  const first = points[0];
  if (!first) return '';
  let d = `M${f(first[0])},${f(first[1])}`;
  for (let i = 0; i < points.length - 1; i++) {
    d += segment(
      points[Math.max(0, i - 1)] ?? first,
      points[i] ?? first,
      points[i + 1] ?? first,
      points[Math.min(points.length - 1, i + 2)] ?? first,
    );
  }
  return d;
}

/** Closed Catmull-Rom loop. */
function closedPathThrough(points: readonly Point[]): string {
  const n = points.length;
  const at = (i: number) => points[((i % n) + n) % n] ?? [0, 0];
  if (n === 0) return '';
  let d = `M${f(at(0)[0])},${f(at(0)[1])}`;
  for (let i = 0; i < n; i++) d += segment(at(i - 1), at(i), at(i + 1), at(i + 2));
  return `${d} Z`;
}

function segment(p0: Point, p1: Point, p2: Point, p3: Point): string {
  return ` C${f(p1[0] + (p2[0] - p0[0]) / 6)},${f(p1[1] + (p2[1] - p0[1]) / 6)} ${f(p2[0] - (p3[0] - p1[0]) / 6)},${f(p2[1] - (p3[1] - p1[1]) / 6)} ${f(p2[0])},${f(p2[1])}`;
}

/** End points of a gradient line through the centre that spans the frame at `angle`. */
function gradientLine(
  width: number,
  height: number,
  angle: number,
): [number, number, number, number] {
  const dx = Math.cos(angle);
  const dy = Math.sin(angle);
  const half = (Math.abs(dx) * width + Math.abs(dy) * height) / 2;
  return [
    width / 2 - dx * half,
    height / 2 - dy * half,
    width / 2 + dx * half,
    height / 2 + dy * half,
  ];
}

function f(value: number): string {
  return (Math.round(value * 10) / 10).toString();
}

function f3(value: number): string {
  return (Math.round(value * 1000) / 1000).toString();
}
