import { createHash } from 'node:crypto';
import sharp from 'sharp';

export type ImageFormat = 'png' | 'jpeg' | 'webp';

export interface RenderSpec {
  width: number;
  height: number;
  format: ImageFormat;
  /** Anything that should change the picture (prompt, model, quality, variant index…). */
  seed: string;
  transparent?: boolean;
  /** 0–100, jpeg/webp only. */
  compression?: number;
}

const GRID_W = 8;
const GRID_H = 5;
const CACHE_LIMIT_BYTES = 96 * 1024 * 1024;

// Identical renders are served from memory: fixtures are requested again and again.
const cache = new Map<string, Promise<Buffer>>();
let cachedBytes = 0;

/** A decodable, deterministic image: a tiny hash-coloured grid upscaled into a smooth gradient. */
export function renderImage(spec: RenderSpec): Promise<Buffer> {
  const key = JSON.stringify([
    spec.width,
    spec.height,
    spec.format,
    spec.seed,
    !!spec.transparent,
    spec.compression ?? 100,
  ]);
  const hit = cache.get(key);
  if (hit) {
    // Refresh recency for the LRU eviction below.
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const pending = encode(spec);
  cache.set(key, pending);
  pending.then(
    (buf) => {
      cachedBytes += buf.length;
      evict();
    },
    () => cache.delete(key),
  );
  return pending;
}

function evict(): void {
  for (const [key, value] of cache) {
    if (cachedBytes <= CACHE_LIMIT_BYTES || cache.size <= 1) return;
    cache.delete(key);
    value.then((buf) => {
      cachedBytes -= buf.length;
    });
  }
}

function encode(spec: RenderSpec): Promise<Buffer> {
  const channels = spec.transparent ? 4 : 3;
  const raw = gridPixels(spec.seed, channels);
  const quality = Math.max(1, Math.min(100, spec.compression ?? 90));
  const base = sharp(raw, { raw: { width: GRID_W, height: GRID_H, channels } }).resize(
    spec.width,
    spec.height,
    { kernel: 'linear', fit: 'fill' },
  );
  switch (spec.format) {
    case 'png':
      return base.png({ compressionLevel: 3, adaptiveFiltering: true }).toBuffer();
    case 'jpeg':
      return base.jpeg({ quality }).toBuffer();
    case 'webp':
      return base.webp({ quality, effort: 0 }).toBuffer();
  }
}

function gridPixels(seed: string, channels: 3 | 4): Buffer {
  const out = Buffer.alloc(GRID_W * GRID_H * channels);
  let digest = createHash('sha256').update(seed).digest();
  for (let i = 0; i < out.length; i++) {
    if (i % digest.length === 0 && i > 0) digest = createHash('sha256').update(digest).digest();
    const byte = digest[i % digest.length] ?? 0;
    // Alpha stays visible (96..255) so transparent images are still recognisable.
    out[i] = channels === 4 && i % 4 === 3 ? 96 + (byte % 160) : byte;
  }
  return out;
}

/** Bytes that are valid base64 material but not any image format. */
export function nonImageBytes(seed: string): Buffer {
  return Buffer.from(`herogen mock-api: this is deliberately not an image (${seed}).\n`.repeat(8));
}

/** Stable short hash used to derive seeds. */
export function hashOf(...parts: unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}
