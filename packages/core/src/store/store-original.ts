import { lstat, mkdir, readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { HerogenError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { sha256Hex } from '../fs/file-hash.js';
import {
  assertRealPathInsideRoot,
  isInside,
  resolveInsideRoot,
  toRootRelative,
} from '../fs/path-safety.js';
import { cachePath } from '../fs/project-layout.js';
import { loadSharp } from '../image/load-sharp.js';
import { hasPlaceholderMarker } from '../image/placeholder-marker.js';
import { imageExtension, isCacheKey, originalFileName } from '../key/cache-key.js';
import { readLock } from '../lock/read-lock.js';
import { type UpdateLockOptions, updateLock } from '../lock/update-lock.js';
import type {
  GeneratedImage,
  GenerationRequest,
  ImageFormat,
  LockEntry,
  Logger,
} from '../types.js';
import { pickRequest, recoveredEntry } from './entry-fields.js';
import {
  type ExpectedDimensions,
  maxPixelsFor,
  resolveExpectedDimensions,
} from './expected-size.js';
import { incomingPath, removeIncoming, writeIncoming } from './incoming-journal.js';
import { inspectImage } from './inspect-image.js';
import { keepTake } from './keep-take.js';
import { rescueDir, rescuePaidImage } from './rescue-paid.js';

export interface StoreOriginalOptions {
  /** Absolute project root; nothing is written outside it. */
  root: string;
  /** Originals directory, root-relative or absolute (inside the root). */
  outDir: string;
  key: string;
  request: GenerationRequest;
  image: GeneratedImage;
  /** `herogen.lock.json`, root-relative or absolute (inside the root). */
  lockPath: string;
  /** Size the image must have; default: from the request's `size` (exact) or `aspect` (±2%). */
  expected?: ExpectedDimensions;
  /** Store as a stand-in, not a real generation (offline art, or after a failure). */
  placeholder?: { reason?: string };
  /** The frontmatter fields that asked for this image (kept with any the lock already has). */
  fields?: Readonly<Record<string, 'hero' | 'image'>>;
  /** Receives notes such as a format conversion. */
  logger?: Logger;
  now?: () => Date;
  /**
   * Rejected bytes are kept here so nothing paid for is thrown away unseen; `false` keeps
   * nothing. @default `<root>/node_modules/.cache/herogen/rejected`
   */
  rejectedDir?: string | false;
  lock?: UpdateLockOptions;
  /**
   * Record the entry in the lock. `false` writes the file only (a stand-in the lock should not
   * remember, e.g. in frozen mode) and returns the entry it would have recorded. @default true
   */
  recordInLock?: boolean;
  /**
   * Write the received bytes to the write-ahead journal before anything else, so a crash
   * before the lock is updated loses nothing (the next run records them). @default true for
   * real images recorded in the lock; `false` for stand-ins and when recovering a journal.
   */
  journal?: boolean;
}

/**
 * Store a generated image: journal the bytes as received (write-ahead, see
 * `incoming-journal.ts`), check they decode at the expected size (converting to the requested
 * format if the provider sent another), write `<outDir>/<key>.<ext>` atomically, and only then
 * record it in the lock (clearing any pending task for the key) and drop the journal record.
 * A crash at any point after the journal write loses nothing: the next run completes it.
 */
export async function storeOriginal(options: StoreOriginalOptions): Promise<LockEntry> {
  const { root, key, request } = options;
  if (!isCacheKey(key)) {
    throw new HerogenError('INTERNAL', `storeOriginal: "${key}" is not a cache key.`);
  }
  // First of all, before any check that waits on the file system: the bytes are paid for.
  const journaled =
    options.journal ?? (options.placeholder === undefined && options.recordInLock !== false);
  let journalSynced: Promise<void> | undefined;
  /** Set once a journal record of the received bytes exists: their sha256. */
  let journalSha256: string | undefined;
  if (journaled) {
    try {
      const { durable, sha256 } = writeIncoming(
        root,
        key,
        request,
        options.image,
        options.now?.() ?? new Date(),
      );
      journalSha256 = sha256;
      journalSynced = durable.catch((error: unknown) => {
        options.logger?.warn(
          `could not flush the journal record of image ${key} to disk (${describeFsError(error)}); it is safe unless the machine loses power before the image is stored.`,
        );
      });
    } catch (error) {
      // The image is in memory and paid for: store it anyway, only crash safety is reduced.
      options.logger?.warn(
        `could not journal image ${key} before storing it (${describeFsError(error)}); storing it without crash protection.`,
      );
    }
  }
  try {
    return await storeJournaled(options, journalSha256);
  } finally {
    // Storing never waits for the journal's fsync, but the call does not outlive it.
    await journalSynced;
  }
}

function describeFsError(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

/** Everything after the journal write: check, write the original, record it in the lock. */
async function storeJournaled(
  options: StoreOriginalOptions,
  /** sha256 of `options.image.bytes` when a journal record of them exists (to drop at the end). */
  journalSha256: string | undefined,
): Promise<LockEntry> {
  const { root, key, request } = options;
  const outDir = resolveInsideRoot(root, options.outDir, 'outDir');
  const lockPath = resolveInsideRoot(root, options.lockPath, 'lockFile');
  await assertRealPathInsideRoot(root, outDir, 'outDir');

  let checked: CheckedImage;
  try {
    checked = await checkImage(options);
  } catch (error) {
    // Unusable bytes were kept in the rejected directory: nothing to recover later.
    if (journalSha256 && HerogenError.is(error) && error.code === 'IMAGE_INVALID') {
      await removeIncoming(root, key).catch(() => {});
    }
    throw error;
  }
  const { bytes, format, width, height } = checked;
  const target = join(outDir, originalFileName(key, request.format));
  // Recovering (`journal: false`) means the bytes came from a record that is still there.
  const journaled = journalSha256 !== undefined || options.journal === false;
  try {
    await mkdir(outDir, { recursive: true }).catch((error: unknown) => {
      throw storeIoError(`Cannot create the originals directory ${outDir}`, error);
    });
    try {
      // Re-check now the directory exists: it must not lead outside the root through a symlink.
      await assertRealPathInsideRoot(root, outDir, 'outDir');
      await assertTargetWritable(root, target);
    } catch (error) {
      throw await keptElsewhere(options, checked, error, journaled);
    }
    // A real image already at this place is kept before it is replaced (the lock may have lost it).
    await keepWhatIsThere(options, target, bytes);
    try {
      await writeFileAtomic(target, bytes);
    } catch (error) {
      throw storeIoError(`Cannot write ${target}`, error);
    }
  } catch (error) {
    throw await paidButNotWritten(options, checked, toRootRelative(root, target), error, journaled);
  }

  const entry = buildEntry(options, {
    file: toRootRelative(root, target),
    bytes,
    // Stored as received (no conversion): the journal's hash is this file's hash.
    sha256: bytes === options.image.bytes && journalSha256 ? journalSha256 : sha256Hex(bytes),
    format,
    width,
    height,
  });
  if (options.recordInLock === false) return entry;
  let recorded = entry;
  try {
    await updateLock(
      lockPath,
      (lock) => {
        // A new take keeps the fields the earlier one was asked from: prune looks there too.
        const fields = { ...lock.images[key]?.fields, ...entry.fields };
        recorded = Object.keys(fields).length > 0 ? { ...entry, fields } : entry;
        lock.images[key] = recorded;
        // A stand-in does not finish an async task (it may only be stuck): keep its id so the
        // next run resumes it instead of paying for a new one. Final failures clear it.
        if (!options.placeholder) delete lock.pending[key];
      },
      options.lock,
    );
  } catch (error) {
    if (HerogenError.is(error)) {
      throw new HerogenError(
        error.code,
        `${error.message} The image itself is safe at ${entry.file}; once the lock is fixed, run the build again to record it.`,
        {
          cause: error,
          retryable: error.retryable,
          ...(error.hint ? { hint: error.hint } : {}),
          ...(error.location ? { location: error.location } : {}),
        },
      );
    }
    throw error;
  }
  if (journalSha256) await removeIncoming(root, key).catch(() => {});
  return recorded;
}

interface CheckedImage {
  bytes: Uint8Array;
  format: ImageFormat;
  width: number;
  height: number;
}

/** Decode, convert to the requested format when needed, and check the size. */
async function checkImage(options: StoreOriginalOptions): Promise<CheckedImage> {
  const { request, image, key } = options;
  try {
    const expected = options.expected ?? resolveExpectedDimensions(request);
    // The size the header declares is checked before any pixel is decoded or converted: a
    // small answer can declare an image that would take gigabytes to decode.
    const maxPixels = maxPixelsFor(expected);
    let bytes = image.bytes;
    let info = await inspectImage(bytes, { expected, maxPixels });
    if (info.format !== request.format) {
      bytes = await convert(bytes, request.format, maxPixels);
      options.logger?.warn(
        `${image.requestId ? `${request.provider} request ${image.requestId}` : request.provider} returned ${info.format} for image ${key}, which asked for ${request.format}; converted it${request.format === 'jpeg' ? ' (JPEG is lossy)' : ' losslessly'}.`,
      );
      info = await inspectImage(bytes, { expected, maxPixels });
    }
    return { bytes, ...info };
  } catch (error) {
    if (!HerogenError.is(error) || error.code !== 'IMAGE_INVALID') throw error;
    const kept = await keepRejected(options, image.bytes, `${key}-${Date.now()}.bin`);
    throw new HerogenError(
      'IMAGE_INVALID',
      `${request.provider} (${request.model}) returned an unusable image for ${key}: ${error.message}`,
      {
        cause: error,
        ...(image.requestId ? { requestId: image.requestId } : {}),
        hint: kept
          ? `Nothing was stored; the bytes received were kept at ${kept} for inspection.`
          : (error.hint ?? 'Nothing was stored.'),
      },
    );
  }
}

async function convert(
  bytes: Uint8Array,
  format: ImageFormat,
  limitInputPixels: number,
): Promise<Uint8Array> {
  const sharp = await loadSharp();
  const pipeline = sharp(bytes, { failOn: 'error', limitInputPixels }).keepMetadata();
  if (format === 'png') return pipeline.png().toBuffer();
  if (format === 'webp') return pipeline.webp({ lossless: true }).toBuffer();
  return pipeline.flatten({ background: '#ffffff' }).jpeg({ quality: 95 }).toBuffer();
}

/**
 * Never overwrite an image without a copy: whatever file sits at the original's place, unless
 * it holds the bytes being written or is a stand-in (recorded as one, or herogen's offline
 * art), is kept first: as an earlier take in `history/` (reason `replaced`, once, see
 * `keepTake`) when it is an image, in the rejected folder when it is not. The caller holds the
 * key's claim. Only runs when the place is taken, which is rare (a redo, a lost lock entry).
 */
async function keepWhatIsThere(
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
async function keepRejected(
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
async function keptElsewhere(
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
async function paidButNotWritten(
  options: StoreOriginalOptions,
  checked: CheckedImage,
  file: string,
  error: unknown,
  journaled: boolean,
): Promise<unknown> {
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

/**
 * The target may exist: a regular file is replaced (it could be junk that was never in the
 * lock). A symlink is replaced too, by rename, but only if it does not lead out of the root.
 */
async function assertTargetWritable(root: string, target: string): Promise<void> {
  const stats = await lstat(target).catch(() => undefined);
  if (!stats) return;
  if (stats.isSymbolicLink()) {
    const real = await realpath(target).catch(() => undefined);
    if (!real || !isInside(await realpath(root), real)) {
      throw new HerogenError(
        'PATH_OUTSIDE_ROOT',
        `${target} is a symlink that leads outside the project root ${root}; herogen refuses to write there.`,
        { hint: `Delete the symlink ${target} and run the build again.` },
      );
    }
    return;
  }
  if (stats.isDirectory()) {
    throw new HerogenError(
      'STORE_IO',
      `${target} is a directory, so the image cannot be stored there.`,
      { hint: `Move or delete ${target} and run the build again.` },
    );
  }
}

function buildEntry(
  options: StoreOriginalOptions,
  stored: {
    file: string;
    bytes: Uint8Array;
    sha256: string;
    format: ImageFormat;
    width: number;
    height: number;
  },
): LockEntry {
  const { request, image, placeholder } = options;
  const costUsd =
    typeof image.costUsd === 'number' && Number.isFinite(image.costUsd) ? image.costUsd : null;
  const entry: LockEntry = {
    file: stored.file,
    sha256: stored.sha256,
    bytes: stored.bytes.byteLength,
    width: stored.width,
    height: stored.height,
    format: stored.format,
    provider: request.provider,
    model: request.model,
    prompt: request.prompt,
    request: pickRequest(request),
    createdAt: (options.now?.() ?? new Date()).toISOString(),
    costUsd,
    costConfidence: costUsd === null ? 'unknown' : (image.costConfidence ?? 'exact'),
  };
  if (image.requestId) entry.requestId = image.requestId;
  if (image.taskId) entry.taskId = image.taskId;
  if (image.revisedPrompt) entry.revisedPrompt = image.revisedPrompt;
  if (placeholder) {
    entry.placeholder = true;
    if (placeholder.reason) entry.placeholderReason = placeholder.reason;
  }
  if (options.fields && Object.keys(options.fields).length > 0) {
    entry.fields = { ...options.fields };
  }
  return entry;
}

function storeIoError(what: string, error: unknown): HerogenError {
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new HerogenError('STORE_IO', `${what} (${code}).`, {
    cause: error,
    hint: 'Check that the originals directory is writable and the disk is not full.',
  });
}
