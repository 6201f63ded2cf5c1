/**
 * Pure SVG composition of the offline art: a mesh gradient (soft colour fields over a base
 * gradient) under one of a few flowing compositions. No text and no fonts, so it renders the
 * same on any machine with librsvg.
 */
import {
  blobPoints,
  closedPathThrough,
  f,
  f3,
  flowFrame,
  gradientLine,
  type Point,
  pathThrough,
  smoothCurve,
  svg,
} from './geometry.js';
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
      {
        width: Math.max(1, Math.round(width * backdropScale)),
        height: Math.max(1, Math.round(height * backdropScale)),
      },
      { width, height },
      back,
    ),
    backdropScale,
    backdropBlur: Math.max(0.3, Math.round(blur * 10) / 10),
    foreground: front,
  };
}

/** The full-size SVG: the rendered backdrop (a data URI) stretched under the foreground. */
export function frameSvg(scene: Scene, backdropHref: string): string {
  const { width, height, foreground } = scene;
  return svg(
    { width, height },
    { width, height },
    {
      defs: foreground.defs,
      body: [
        `<image width="${width}" height="${height}" preserveAspectRatio="none" href="${backdropHref}"/>`,
        ...foreground.body,
      ],
    },
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
    const curve = smoothCurve(random, {
      span: width,
      baseline: baseline,
      amplitude: amplitude,
      overscan: 0.1,
    });
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
    const a = smoothCurve(random, {
      span: span,
      baseline: centre,
      amplitude: unit * random.range(0.15, 0.3),
      overscan: 0,
    });
    const c = smoothCurve(random, {
      span: span,
      baseline: centre,
      amplitude: unit * random.range(0.15, 0.3),
      overscan: 0,
    });
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
    const upper = smoothCurve(random, {
      span: span,
      baseline: centre + unit * random.range(-0.2, 0.2),
      amplitude: unit * random.range(0.15, 0.3),
      overscan: 0,
    });
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
