/**
 * A paid original the lock does not list: the lock was emptied, deleted or replaced by an older
 * one, but `<outDir>/<key>.<ext>` is still there. Its name is the hash of the request that made
 * it, so a file of that name that decodes at the requested size and format is the image a paid
 * call returned for this very request. It is adopted (recorded in the lock from the file itself,
 * flagged `recovered`) instead of paid for again and overwritten.
 *
 * Paid originals are stored byte for byte as the provider sent them: herogen embeds nothing in
 * them, so what the lock lost (cost, request id) cannot be read back from the file: the entry
 * says cost unknown, and takes `createdAt` from the file's modification time.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { HerogenError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { sha256Hex } from '../fs/file-hash.js';
import { hasPlaceholderMarker } from '../image/placeholder-marker.js';
import { originalFileName } from '../key/cache-key.js';
import { updateLock } from '../lock/update-lock.js';
import type { GenerationRequest, LockEntry } from '../types.js';
import { recoveredEntry } from './entry-fields.js';
import { maxPixelsFor, resolveExpectedDimensions } from './expected-size.js';
import { inspectImage } from './inspect-image.js';
import { originalsAt } from './original-file.js';

export interface AdoptOriginalOptions {
  /** Absolute project root. */
  root: string;
  /** Originals directory, absolute or root-relative. */
  outDir: string;
  lockPath: string;
  key: string;
  request: GenerationRequest;
  /**
   * Where the image was saved when the project's disk refused it (`rescue-paid.ts`): its bytes
   * are written into the original's place first, then adopted like any original found there.
   */
  rescued?: string;
}

export type Adoption =
  | { outcome: 'adopted'; entry: LockEntry }
  /** Nothing at the original's place: nothing paid to keep. */
  | { outcome: 'absent' }
  /** Something is there but it is not this request's image (`why`); storing keeps a copy first. */
  | { outcome: 'refused'; file: string; why: string }
  /** The lock lists the key by now (another run recorded it): nothing done. */
  | { outcome: 'listed' };

/**
 * Adopt `<outDir>/<key>.<ext>` into the lock when the lock does not list `key`. The caller
 * holds the key's claim. Reads the file through the checked reader (never through a symlink
 * out of `outDir`); records nothing unless the file is a whole image of the request's format
 * and size and not herogen's offline art.
 */
export async function adoptOriginal(options: AdoptOriginalOptions): Promise<Adoption> {
  const { root, key, request } = options;
  const originals = originalsAt(root, options.outDir);
  const file = path.posix.join(originals.outDirRel, originalFileName(key, request.format));
  if (options.rescued) await moveInto(options.rescued, path.join(root, file));
  const found = await originals.locate(file, key, 'image');
  if (found.state === 'missing') return { outcome: 'absent' };
  if (found.state === 'tampered') return { outcome: 'refused', file, why: found.why };
  const bytes = await originals.read(file, key, 'image');
  const expected = resolveExpectedDimensions(request);
  let info: Awaited<ReturnType<typeof inspectImage>>;
  try {
    info = await inspectImage(bytes, { expected, maxPixels: maxPixelsFor(expected) });
  } catch (error) {
    if (!HerogenError.is(error)) throw error;
    return { outcome: 'refused', file, why: error.message };
  }
  if (info.format !== request.format) {
    return {
      outcome: 'refused',
      file,
      why: `it is a ${info.format} image, the request asks for ${request.format}`,
    };
  }
  if (await hasPlaceholderMarker(bytes)) {
    return { outcome: 'refused', file, why: 'it is offline placeholder art, not a paid image' };
  }
  const entry = recoveredEntry(request, {
    file,
    sha256: sha256Hex(bytes),
    bytes: bytes.byteLength,
    ...info,
    modified: (await stat(found.path)).mtime,
  });
  let listed = false;
  await updateLock(options.lockPath, (lock) => {
    listed = lock.images[key] !== undefined;
    if (!listed) lock.images[key] = entry;
  });
  return listed ? { outcome: 'listed' } : { outcome: 'adopted', entry };
}

/** Copy a rescued image into the original's place (only if nothing is there), then drop it. */
async function moveInto(from: string, target: string): Promise<void> {
  if (existsSync(target)) return;
  await mkdir(path.dirname(target), { recursive: true });
  await writeFileAtomic(target, await readFile(from));
  await rm(from, { force: true });
}
