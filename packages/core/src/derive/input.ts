/** An original given to the deriver (a path or bytes): its hash, what sharp reads and its name in messages. */
import { createHash } from 'node:crypto';
import { access, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { LimitFunction } from 'p-limit';
import { HerogenError } from '../errors.js';
import { sha256File } from '../fs/file-hash.js';
import type { DeriveInput } from './types.js';

export function labelOf(input: DeriveInput): string {
  return typeof input === 'string' ? input : 'an image buffer';
}

/**
 * An original as sharp is given it: a path stays a path, so libvips reads the file itself and no
 * copy of it is made in JavaScript memory. Read into a Buffer for each of an original's ~14
 * encodes, the copies were dead at once but freed only at V8's next GC, which external memory
 * triggers after growing by tens of MiB: the image process peaked ~50 MiB above a bare loop
 * holding one copy per original (benchmark 5). A missing file is still ENOENT, as from a read.
 */
export async function sharpInput(input: DeriveInput): Promise<string | Uint8Array> {
  if (typeof input !== 'string') return input;
  await access(input);
  return input;
}

/**
 * sha256 of an original, streamed under `ioLimit`; a path's hash is reused while its size and
 * mtime are unchanged.
 */
export function inputHasher(ioLimit: LimitFunction): (input: DeriveInput) => Promise<string> {
  const hashes = new Map<string, { size: number; mtimeMs: number; sha256: string }>();
  return async function hashInput(input: DeriveInput): Promise<string> {
    if (typeof input !== 'string') return createHash('sha256').update(input).digest('hex');
    const path = resolve(input);
    let info: { size: number; mtimeMs: number };
    try {
      info = await stat(path);
    } catch (cause) {
      throw new HerogenError('STORE_IO', `The original ${path} does not exist or cannot be read.`, {
        hint: 'Run `herogen generate` to store it, or check the lock points at the right file.',
        cause,
      });
    }
    const known = hashes.get(path);
    if (known && known.size === info.size && known.mtimeMs === info.mtimeMs) return known.sha256;
    const sha256 = await ioLimit(() => sha256File(path));
    hashes.set(path, { size: info.size, mtimeMs: info.mtimeMs, sha256 });
    return sha256;
  };
}
