/**
 * Film grain: a little monochrome noise hides 8-bit banding in smooth gradients and makes the
 * art look printed rather than computed. Added in JS on the raw pixels because compositing a
 * tiled noise layer in sharp costs several times more at 4K.
 */
import type { Random } from './random.js';

/** Side of the square noise tile (a power of two, for masking); repeats are invisible. */
export const GRAIN_TILE = 256;
const MASK = GRAIN_TILE - 1;

/** Signed noise values for one tile, triangular distribution within ±amplitude. */
export function createGrainTile(random: Random, amplitude: number): Int8Array {
  const tile = new Int8Array(GRAIN_TILE * GRAIN_TILE);
  const limit = Math.min(127, Math.max(0, amplitude));
  for (let i = 0; i < tile.length; i++) {
    tile[i] = Math.round((random.next() - random.next()) * limit);
  }
  return tile;
}

/** Adds the tile's noise to the colour channels of interleaved 8-bit pixels, in place. */
export function applyGrain(
  pixels: Uint8Array,
  frame: { width: number; height: number; channels: number },
  tile: Int8Array,
): void {
  const { width, height, channels } = frame;
  // A clamped view saturates at 0 and 255 on assignment, so the hot loop needs no branches.
  const out = new Uint8ClampedArray(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  const colours = Math.min(channels, 3);
  for (let y = 0; y < height; y++) {
    const row = (y & MASK) * GRAIN_TILE;
    let offset = y * width * channels;
    for (let x = 0; x < width; x++) {
      const noise = tile[row + (x & MASK)] as number;
      for (let c = 0; c < colours; c++) out[offset + c] = (out[offset + c] as number) + noise;
      offset += channels;
    }
  }
}
