/**
 * What storing an original keeps aside so nothing paid for is lost unseen: the file already at
 * the original's place, bytes that failed the checks, and a paid image that could not be written.
 */
import { lstat, mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { HerogenError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { sha256Hex } from '../fs/file-hash.js';
import { resolveInsideRoot, toRootRelative } from '../fs/path-safety.js';
import { cachePath } from '../fs/project-layout.js';
import { hasPlaceholderMarker } from '../image/placeholder-marker.js';
import { imageExtension } from '../key/cache-key.js';
import { readLock } from '../lock/read-lock.js';
import { recoveredEntry } from './entry-fields.js';
import { incomingPath } from './incoming-journal.js';
import { inspectImage } from './inspect-image.js';
import { keepTake } from './keep-take.js';
import { rescueDir, rescuePaidImage } from './rescue-paid.js';
import { type CheckedImage, type StoreOriginalOptions, storeIoError } from './store-options.js';

/**
 * Never overwrite an image without a copy: whatever file sits at the original's place, unless
 * it holds the bytes being written or is a stand-in (recorded as one, or herogen's offline
 * art), is kept first: as an earlier take in `history/` (reason `replaced`, once, see
 * `keepTake`) when it is an image, in the rejected folder when it is not. The caller holds the
 * key's claim. Only runs when the place is taken, which is rare (a redo, a lost lock entry).
 */
export async function keepWhatIsThere(
  options: StoreOriginalOptions,
  target: string,
  bytes: Uint8Array,
): Promise<void> {
  const { root, key } = options;
  if (!(await lstat(target).catch(() => undefined))?.isFile()) return;
  const present = new Uint8Array(await readFile(target));
  if (Buffer.from(present).equals(Buffer.from(bytes))) return;
  const sha256 = sha256Hex(present);
  const lockPath = resolveInsideRoot(root, options.lockPath, 'lockFile');
  const current = (await readLock(lockPath)).images[key];
  if (current?.placeholder && current.sha256 === sha256) return;
  const file = toRootRelative(root, target);
  let info: Awaited<ReturnType<typeof inspectImage>>;
  try {
    info = await inspectImage(present);
  } catch {
    const kept = await keepRejected(options, present, `${key}-replaced-${sha256.slice(0, 16)}.bin`);
    if (!kept) {
      throw new HerogenError(
        'STORE_IO',
        `${file} holds a file that is not an image and it could not be copied aside; herogen does not overwrite it.`,
        { hint: `Move ${file} away and run again.` },
      );
    }
    options.logger?.warn(`${file} was not a readable image; its bytes were kept at ${kept}.`);
    return;
  }
  if (await hasPlaceholderMarker(present)) return;
  const record =
    current?.sha256 === sha256
      ? current
      : recoveredEntry(options.request, {
          file,
          sha256,
          bytes: present.byteLength,
          ...info,
          modified: (await stat(target)).mtime,
        });
  const take = await keepTake({
    root,
    outDir: options.outDir,
    lockPath,
    key,
    bytes: present,
    record,
    reason: 'replaced',
  }).catch((error: unknown) => {
    throw storeIoError(`Cannot keep a copy of ${file} before replacing it`, error);
  });
  if (take.added) {
    options.logger?.warn(
      `${file} held an image the lock did not record as this one; it was kept as an earlier take at ${toRootRelative(root, take.path)} before being replaced.`,
    );
  }
}

/**
 * Save bytes that cannot be stored, so a paid response is never silently discarded: as
 * received (`.bin`) when they failed the checks, or as the checked image under a name from its
 * hash (so a rerun hitting the same wall keeps one copy) when the place to store it is refused.
 */
export async function keepRejected(
  options: StoreOriginalOptions,
  bytes: Uint8Array,
  name: string,
): Promise<string | undefined> {
  if (options.rejectedDir === false) return undefined;
  try {
    const dir = resolveInsideRoot(
      options.root,
      options.rejectedDir ?? cachePath(options.root, 'rejected'),
      'rejectedDir',
    );
    await mkdir(dir, { recursive: true });
    const path = join(dir, name);
    await writeFileAtomic(path, bytes);
    return path;
  } catch {
    return undefined;
  }
}

/** Name of a checked image kept aside: from its hash, so a rerun hitting the same wall keeps one copy. */
function keptName(key: string, checked: CheckedImage): string {
  return `${key}-${sha256Hex(checked.bytes).slice(0, 16)}.${imageExtension(checked.format)}`;
}

/**
 * The original's place turned out to lead out of the project (a symlink swapped in) after the
 * image was paid for: keep a copy where the user can open it, and say where.
 */
export async function keptElsewhere(
  options: StoreOriginalOptions,
  checked: CheckedImage,
  error: unknown,
  journaled: boolean,
): Promise<unknown> {
  if (!HerogenError.is(error) || error.code !== 'PATH_OUTSIDE_ROOT' || options.placeholder) {
    return error;
  }
  const kept = await keepRejected(options, checked.bytes, keptName(options.key, checked));
  const where = kept
    ? `The paid image was kept at ${kept}`
    : 'The paid image could not be copied elsewhere';
  return new HerogenError(
    'PATH_OUTSIDE_ROOT',
    `${error.message} ${where}${journaled ? ', and in the write-ahead journal' : ''}.`,
    {
      cause: error,
      hint: `${error.hint ?? 'Remove the symlink.'}${journaled ? ' The next run then records the image from the write-ahead journal without paying again.' : ''}`,
    },
  );
}

/**
 * A paid image that passed every check could not be written into the project (disk full,
 * read-only): say what was paid, where its bytes are now (the journal, else a folder in the OS
 * temp dir, see `rescue-paid.ts`) and how a rerun records them without paying again. A
 * stand-in, or a place refused as leading out of the project, keeps its own error.
 */
export async function paidButNotWritten(
  options: StoreOriginalOptions,
  failure: {
    checked: CheckedImage;
    /** Root-relative path the image was to be stored at. */
    file: string;
    error: unknown;
    /** Its bytes are in the write-ahead journal. */
    journaled: boolean;
  },
): Promise<unknown> {
  const { checked, file, error, journaled } = failure;
  if (options.placeholder || !HerogenError.is(error) || error.code !== 'STORE_IO') return error;
  const { image, request, key } = options;
  const cost =
    typeof image.costUsd === 'number' && Number.isFinite(image.costUsd)
      ? `, $${image.costUsd.toFixed(4)}`
      : '';
  const paid = `${request.provider} (${request.model}) answered and billed image ${key}${image.requestId ? ` (request ${image.requestId}${cost})` : cost ? ` (${cost.slice(2)})` : ''}`;
  const why = `${paid}, but it could not be stored: ${error.message}`;
  if (journaled) {
    return new HerogenError(
      'STORE_IO',
      `${why} Its bytes are safe in the write-ahead journal (${incomingPath(options.root, key)}): free some disk space and run herogen again, it records the image from there without paying for it again.`,
      { cause: error },
    );
  }
  const rescued = await rescuePaidImage(key, checked.bytes, checked.format);
  if ('path' in rescued) {
    return new HerogenError(
      'STORE_IO',
      `${why} The journal could not be written either, so the image (${checked.width}×${checked.height} ${checked.format}) was saved outside the project, at ${rescued.path} : free some disk space and run herogen again, it finds the image there and records it without paying for it again (or copy it to ${file} yourself).`,
      { cause: error },
    );
  }
  return new HerogenError(
    'STORE_IO',
    `${why} Neither the journal nor ${rescueDir()} could be written (${rescued.failed}): the image is lost, and a rerun pays for it again; free some disk space first.`,
    { cause: error },
  );
}
