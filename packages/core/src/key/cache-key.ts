import { hash } from 'node:crypto';
import type { GenerationRequest, ImageFormat } from '../types.js';

/**
 * Version of the key recipe. Bump it whenever the fields hashed by `computeKey` or their
 * encoding change, so old keys can never collide with new ones. Golden tests pin the recipe.
 */
export const KEY_VERSION = 1;

/** Length of a cache key in hex characters (80 bits of sha256: collisions are not a concern). */
export const KEY_LENGTH = 20;

/** A cache key as `computeKey` produces it. */
export const KEY_PATTERN = /^[0-9a-f]{20}$/;

/**
 * What may name a cache key in the lock, in file names, claims, journals and task sidecars:
 * lowercase hex, 8 to 64 characters, so keys of another recipe length stay readable.
 */
export const STORED_KEY_PATTERN = /^[0-9a-f]{8,64}$/;

/** The one test of whether a string can be a cache key (see `STORED_KEY_PATTERN`). */
export function isCacheKey(value: string): boolean {
  return STORED_KEY_PATTERN.test(value);
}

/**
 * JSON with object keys sorted at every depth, no whitespace, `undefined` properties omitted.
 * The same value always gives the same string, whatever order its keys were written in.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} has no JSON form`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        // Like JSON.stringify: holes and undefined in arrays become null, order is kept.
        return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
      }
      const record = value as Record<string, unknown>;
      const parts: string[] = [];
      for (const name of Object.keys(record).sort()) {
        const item = record[name];
        if (item === undefined) continue;
        parts.push(`${JSON.stringify(name)}:${canonicalJson(item)}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: a ${typeof value} has no JSON form`);
  }
}

/**
 * The cache key of a request: everything that changes the pixels and nothing else. Reference
 * images count by content (sha256), never by path, so renaming one keeps the key.
 */
export function computeKey(request: GenerationRequest): string {
  // Every field is a string, a number or a list of strings, written here in sorted key order:
  // JSON.stringify then gives exactly `canonicalJson(material)` (the golden tests pin it) at a
  // fifth of the cost, which counts when a build plans thousands of posts.
  const material = {
    aspect: request.aspect,
    background: request.background,
    format: request.format,
    model: request.model,
    prompt: request.prompt,
    provider: request.provider,
    quality: request.quality,
    references: request.references.map((reference) => reference.sha256),
    resolution: request.resolution,
    size: request.size,
    v: KEY_VERSION,
    variant: request.variant,
  };
  // One-shot `hash`: half the cost of createHash().update().digest() per key (same digest).
  return hash('sha256', JSON.stringify(material), 'hex').slice(0, KEY_LENGTH);
}

const EXTENSIONS: Record<ImageFormat, string> = { png: 'png', webp: 'webp', jpeg: 'jpg' };

/** File extension (no dot) an original of this format is stored with. */
export function imageExtension(format: ImageFormat): string {
  return EXTENSIONS[format];
}

/** File name of an original: `<key>.png`, `<key>.webp` or `<key>.jpg`. */
export function originalFileName(key: string, format: ImageFormat): string {
  return `${key}.${EXTENSIONS[format]}`;
}
