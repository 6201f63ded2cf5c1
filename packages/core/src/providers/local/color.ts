/**
 * OKLCH → sRGB hex. Palettes are built in OKLCH because equal lightness there looks equally
 * light across hues, which keeps generated palettes harmonious.
 */

/** `l` 0..1, `c` chroma (0..~0.37), `h` hue in degrees. */
export interface Oklch {
  l: number;
  c: number;
  h: number;
}

/** Hex `#rrggbb`, chroma reduced until the colour fits in sRGB. */
export function oklchToHex(color: Oklch): string {
  let low = 0;
  let high = color.c;
  let rgb = oklchToLinearRgb({ ...color, c: high });
  if (!inGamut(rgb)) {
    // Binary search on chroma keeps lightness and hue, which is what the eye tracks.
    for (let i = 0; i < 20; i++) {
      const mid = (low + high) / 2;
      if (inGamut(oklchToLinearRgb({ ...color, c: mid }))) low = mid;
      else high = mid;
    }
    rgb = oklchToLinearRgb({ ...color, c: low });
  }
  return `#${rgb.map((channel) => toHexByte(encodeSrgb(channel))).join('')}`;
}

function oklchToLinearRgb({ l, c, h }: Oklch): [number, number, number] {
  const radians = (h * Math.PI) / 180;
  const a = c * Math.cos(radians);
  const b = c * Math.sin(radians);
  const lp = (l + 0.3963377774 * a + 0.2158037573 * b) ** 3;
  const mp = (l - 0.1055613458 * a - 0.0638541728 * b) ** 3;
  const sp = (l - 0.0894841775 * a - 1.291485548 * b) ** 3;
  return [
    4.0767416621 * lp - 3.3077115913 * mp + 0.2309699292 * sp,
    -1.2684380046 * lp + 2.6097574011 * mp - 0.3413193965 * sp,
    -0.0041960863 * lp - 0.7034186147 * mp + 1.707614701 * sp,
  ];
}

function inGamut(rgb: readonly number[]): boolean {
  return rgb.every((channel) => channel >= -1e-4 && channel <= 1 + 1e-4);
}

function encodeSrgb(linear: number): number {
  const x = Math.min(1, Math.max(0, linear));
  return x <= 0.0031308 ? 12.92 * x : 1.055 * x ** (1 / 2.4) - 0.055;
}

function toHexByte(value: number): string {
  return Math.round(value * 255)
    .toString(16)
    .padStart(2, '0');
}
