/** Geometry and SVG text for the offline art: curves, blob outlines, paths, number formatting. */
import type { Random } from './random.js';

export type Point = [number, number];

/** An SVG document `pixels` large showing `viewBox` (stretched, not letterboxed). */
export function svg(
  pixels: { width: number; height: number },
  viewBox: { width: number; height: number },
  layer: { defs: readonly string[]; body: readonly string[] },
): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${pixels.width}" height="${pixels.height}" viewBox="0 0 ${viewBox.width} ${viewBox.height}" preserveAspectRatio="none">` +
    `<defs>${layer.defs.join('')}</defs>${layer.body.join('')}</svg>`
  );
}

export function blobPoints(random: Random, cx: number, cy: number, radius: number): Point[] {
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
export function flowFrame(
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
export function smoothCurve(
  random: Random,
  curve: { span: number; baseline: number; amplitude: number; overscan: number },
): Point[] {
  const { span, baseline, amplitude, overscan } = curve;
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
export function pathThrough(points: readonly Point[]): string {
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
export function closedPathThrough(points: readonly Point[]): string {
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
export function gradientLine(
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

export function f(value: number): string {
  return (Math.round(value * 10) / 10).toString();
}

export function f3(value: number): string {
  return (Math.round(value * 1000) / 1000).toString();
}
