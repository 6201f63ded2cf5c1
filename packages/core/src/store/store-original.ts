import { lstat, mkdir, realpath } from 'node:fs/promises';
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
import { isCacheKey, originalFileName } from '../key/cache-key.js';
import { updateLock } from '../lock/update-lock.js';
import type { ImageFormat, LockEntry } from '../types.js';
import { convert } from './convert-image.js';
import { pickRequest } from './entry-fields.js';
import { maxPixelsFor, resolveExpectedDimensions } from './expected-size.js';
import { removeIncoming, writeIncoming } from './incoming-journal.js';
import { type FileRegion, inspectImage } from './inspect-image.js';
import { keepRejected, keepWhatIsThere, keptElsewhere, paidButNotWritten } from './keep-aside.js';
import { type CheckedImage, type StoreOriginalOptions, storeIoError } from './store-options.js';

export type { StoreOriginalOptions } from './store-options.js';

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
  /** Where the received bytes are in that record. */
  let onDisk: FileRegion | undefined;
  if (journaled) {
    try {
      const { durable, sha256, path, offset } = writeIncoming(root, {
        key,
        request,
        image: options.image,
        receivedAt: options.now?.() ?? new Date(),
      });
      journalSha256 = sha256;
      onDisk = { file: path, offset, length: options.image.bytes.byteLength };
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
    return await storeJournaled(options, journalSha256, onDisk);
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
  /** Where the received bytes are on disk (the journal record), for the image process to read. */
  onDisk?: FileRegion,
): Promise<LockEntry> {
  const { root, key, request } = options;
  const outDir = resolveInsideRoot(root, options.outDir, 'outDir');
  const lockPath = resolveInsideRoot(root, options.lockPath, 'lockFile');
  await assertRealPathInsideRoot(root, outDir, 'outDir');

  let checked: CheckedImage;
  try {
    checked = await checkImage(options, onDisk);
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
    throw await paidButNotWritten(options, {
      checked,
      file: toRootRelative(root, target),
      error,
      journaled,
    });
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

/** Decode, convert to the requested format when needed, and check the size. */
async function checkImage(
  options: StoreOriginalOptions,
  onDisk: FileRegion | undefined,
): Promise<CheckedImage> {
  const { request, image, key } = options;
  try {
    const expected = options.expected ?? resolveExpectedDimensions(request);
    // The size the header declares is checked before any pixel is decoded or converted: a
    // small answer can declare an image that would take gigabytes to decode.
    const maxPixels = maxPixelsFor(expected);
    let bytes = image.bytes;
    let info = await inspectImage(bytes, { expected, maxPixels }, onDisk);
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
