/**
 * Harmonious palettes from a seed: a base hue, a colour scheme (analogous, complementary,
 * split-complementary, monochrome) and a mood (dark, light, vivid) that sets lightness and
 * chroma ranges in OKLCH. Triadic schemes are left out: at these lightness levels they read as
 * muddy clashes.
 */
import { oklchToHex } from './color.js';
import type { Random } from './random.js';

export type Mood = 'dark' | 'light' | 'vivid';
export type Scheme = 'analogous' | 'complementary' | 'split' | 'monochrome';

export interface Palette {
  mood: Mood;
  scheme: Scheme;
  /** Two background colours for the base gradient. */
  base: [string, string];
  /** Soft colour fields of the mesh gradient. */
  glows: string[];
  /** Fills of the foreground shapes, back to front. */
  shapes: string[];
  /** Thin lines and edges. */
  highlight: string;
}

const SCHEME_OFFSETS: Record<Scheme, number[]> = {
  analogous: [0, 30, -28, 55, 15, -45],
  complementary: [0, 180, 25, 200, -20, 160],
  split: [0, 150, 210, 20, 165, -15],
  monochrome: [0, 10, -10, 18, -18, 5],
};

export function computePalette(random: Random): Palette {
  // The base hue skips 85..130: yellow-greens make olive backgrounds and garish accents.
  const drawn = random.range(0, 315);
  const hue = drawn < 85 ? drawn : drawn + 45;
  const scheme = random.pick<Scheme>([
    'analogous',
    'analogous',
    'complementary',
    'split',
    'monochrome',
  ]);
  const mood = random.pick<Mood>(['dark', 'dark', 'light', 'vivid']);
  const hues = SCHEME_OFFSETS[scheme].map((offset) => hue + offset + random.range(-8, 8));
  const at = (index: number) => hues[index % hues.length] ?? hue;
  // Hues far from the base are the accents: muted, they harmonise instead of fighting.
  // Not yellows though: muted yellow is khaki.
  const chroma = (index: number, c: number) =>
    Math.abs(SCHEME_OFFSETS[scheme][index % hues.length] ?? 0) > 90 && !isYellowish(at(index))
      ? c * 0.65
      : c;
  const around = (value: number, spread: number) => value + random.range(-spread, spread);
  const six = [0, 1, 2, 3, 4, 5];

  if (mood === 'dark') {
    let baseHue = random.chance(0.6) ? at(0) : at(0) + 180;
    // Dark yellow-greens read as olive drab: move those backgrounds to the opposite side.
    if (isYellowish(baseHue)) baseHue += 180;
    return {
      mood,
      scheme,
      base: [
        tone(around(0.22, 0.03), around(0.05, 0.015), baseHue, false),
        tone(around(0.13, 0.02), around(0.035, 0.01), baseHue + 30, false),
      ],
      glows: six.map((i) => tone(around(0.58, 0.08), chroma(i, around(0.16, 0.03)), at(i), true)),
      shapes: six.map((i) =>
        tone(0.3 + i * 0.09 + around(0, 0.03), chroma(i + 1, around(0.14, 0.03)), at(i + 1), true),
      ),
      highlight: tone(0.94, 0.05, at(0), false),
    };
  }
  if (mood === 'light') {
    return {
      mood,
      scheme,
      base: [
        tone(around(0.96, 0.015), around(0.03, 0.01), at(0), false),
        tone(around(0.9, 0.02), around(0.05, 0.015), at(1), false),
      ],
      glows: six.map((i) => tone(around(0.8, 0.05), chroma(i, around(0.15, 0.03)), at(i), true)),
      shapes: six.map((i) =>
        tone(0.88 - i * 0.06 + around(0, 0.02), chroma(i, around(0.13, 0.03)), at(i), true),
      ),
      highlight: tone(0.99, 0.01, at(0), false),
    };
  }
  return {
    mood,
    scheme,
    base: [
      tone(around(0.62, 0.05), around(0.16, 0.03), at(0), true),
      tone(around(0.48, 0.05), around(0.17, 0.03), at(1), true),
    ],
    glows: six.map((i) => tone(around(0.74, 0.08), chroma(i, around(0.16, 0.03)), at(i), true)),
    shapes: six.map((i) =>
      tone(0.55 + i * 0.06 + around(0, 0.03), chroma(i + 2, around(0.16, 0.04)), at(i + 2), true),
    ),
    highlight: tone(0.98, 0.03, at(0), false),
  };
}

/**
 * Hex for an OKLCH colour. Accent yellows only look like themselves when light (dark yellow
 * reads as olive or mud) and lemon-to-chartreuse accents look acidic next to most palettes, so
 * with `lift` those hues become light gold.
 */
function tone(l: number, c: number, h: number, lift: boolean): string {
  let hue = ((h % 360) + 360) % 360;
  let lightness = l;
  if (lift && isYellowish(hue)) {
    // 65..150 folds into 65..85 (amber to gold), lighter the closer it sits to pure yellow.
    hue = 65 + ((hue - 65) / 85) * 20;
    lightness = Math.max(l, 0.8);
  }
  return oklchToHex({ l: Math.min(0.99, Math.max(0.05, lightness)), c, h: hue });
}

function isYellowish(h: number): boolean {
  const hue = ((h % 360) + 360) % 360;
  return hue > 65 && hue < 150;
}
