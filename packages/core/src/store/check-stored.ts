import pLimit from 'p-limit';
import { sha256File } from '../fs/file-hash.js';
import { loadSharp } from '../image/load-sharp.js';
import type { Lock, LockEntry, StoredFileState } from '../types.js';
import { isLfsPointerFile } from './lfs-pointer.js';
import {
  type OriginalKind,
  type OriginalState,
  type Originals,
  originalsAt,
} from './original-file.js';

export interface CheckStoredOptions {
  /** Also hash every file (slow, reads everything); otherwise compare sizes only. */
  hash?: boolean;
  /** Files checked at once. @default 32 */
  concurrency?: number;
}

/** What `verifyOriginals` found for one original or earlier take. */
export interface VerifyResult {
  key: string;
  /** An original (`images`) or an earlier take (`history`). */
  kind: OriginalKind;
  /** Root-relative POSIX path from the lock. */
  file: string;
  state: StoredFileState;
  /** Set when the lock entry names a file herogen does not trust as its own: why. */
  tampered?: string;
  /** Set when the file is a Git LFS pointer not yet pulled, not the image. */
  lfsPointer?: true;
  expectedSha256: string;
  /** Undefined when the file is missing, unreadable or not trusted. */
  actualSha256: string | undefined;
  expectedBytes: number;
  actualBytes: number | undefined;
}

interface Inspection {
  state: StoredFileState;
  tampered?: string;
  lfsPointer?: true;
  actualBytes: number | undefined;
  actualSha256: string | undefined;
}

/** What a size check makes of where the file is: never reads it. */
function sizeInspection(found: OriginalState, entry: LockEntry): Inspection {
  if (found.state === 'missing') {
    return { state: 'missing', actualBytes: undefined, actualSha256: undefined };
  }
  if (found.state === 'tampered') {
    return {
      state: 'corrupt',
      tampered: found.why,
      actualBytes: undefined,
      actualSha256: undefined,
    };
  }
  return {
    state: found.size === entry.bytes ? 'ok' : 'corrupt',
    actualBytes: found.size,
    actualSha256: undefined,
  };
}

async function inspectStored(
  originals: Originals,
  key: string,
  entry: LockEntry,
  how: { kind: OriginalKind; hash: boolean },
): Promise<Inspection> {
  const { kind, hash } = how;
  const found = await originals.locate(entry.file, key, kind);
  const sized = sizeInspection(found, entry);
  if (found.state !== 'ok' || !hash) return sized;
  const actualSha256 = await sha256File(found.path).catch(() => undefined);
  if (sized.state !== 'ok') {
    return {
      ...sized,
      actualSha256,
      ...(isLfsPointerFile(found.path) ? { lfsPointer: true } : {}),
    };
  }
  // A hand-edited lock can vouch for any bytes: the file must also be the image it describes.
  const ok = actualSha256 === entry.sha256 && (await headerMatches(found.path, entry));
  return { state: ok ? 'ok' : 'corrupt', actualBytes: found.size, actualSha256 };
}

/** The file's image header says the format and size the lock records (header only, cheap). */
async function headerMatches(path: string, entry: LockEntry): Promise<boolean> {
  try {
    const sharp = await loadSharp();
    const meta = await sharp(path).metadata();
    return (
      meta.format === entry.format && meta.width === entry.width && meta.height === entry.height
    );
  } catch {
    return false;
  }
}

/** The state of one stored original, by size (no hashing). */
export async function checkStoredFile(
  root: string,
  outDir: string,
  key: string,
  entry: LockEntry,
): Promise<StoredFileState> {
  const lock: Lock = { version: 1, images: { [key]: entry }, pending: {} };
  return (await checkStoredFiles(root, outDir, lock)).get(key) ?? 'missing';
}

/**
 * For every lock entry, whether its original is on disk intact: `missing` when gone,
 * `corrupt` when its size differs (or, with `hash`, its sha256), or when it is not herogen's own
 * file (see `original-file.ts`: misnamed, outside `outDir`, a symlink leading out). Thousands
 * of entries take milliseconds.
 */
export async function checkStoredFiles(
  root: string,
  outDir: string,
  lock: Lock,
  options: CheckStoredOptions = {},
): Promise<Map<string, StoredFileState>> {
  const keys = Object.keys(lock.images).sort();
  const originals = originalsAt(root, outDir);
  if (!options.hash) {
    // Sizes only (every plan and build): sync calls, a few µs each instead of a thread-pool
    // round trip, with a yield to the event loop between batches.
    const states = new Map<string, StoredFileState>();
    for (const [index, key] of keys.entries()) {
      if (index % 512 === 511) await new Promise<void>((done) => setImmediate(done));
      const entry = lock.images[key]!;
      states.set(key, sizeInspection(originals.locateSync(entry.file, key, 'image'), entry).state);
    }
    return states;
  }
  const limit = pLimit(options.concurrency ?? 32);
  const states = await Promise.all(
    keys.map((key) =>
      limit(() => inspectStored(originals, key, lock.images[key]!, { kind: 'image', hash: true })),
    ),
  );
  return new Map(keys.map((key, index) => [key, states[index]!.state]));
}

/**
 * Hash every stored original and earlier take against the lock (`herogen verify`), originals
 * first, each sorted by key. Entries naming files herogen does not trust are reported with why.
 */
export async function verifyOriginals(
  root: string,
  outDir: string,
  lock: Lock,
  options: Omit<CheckStoredOptions, 'hash'> = {},
): Promise<VerifyResult[]> {
  const limit = pLimit(options.concurrency ?? 8);
  const originals = originalsAt(root, outDir);
  const targets: { key: string; entry: LockEntry; kind: OriginalKind }[] = [
    ...Object.keys(lock.images)
      .sort()
      .map((key) => ({ key, entry: lock.images[key]!, kind: 'image' as const })),
    ...Object.keys(lock.history ?? {})
      .sort()
      .flatMap((key) =>
        (lock.history?.[key] ?? []).map((entry) => ({ key, entry, kind: 'history' as const })),
      ),
  ];
  return Promise.all(
    targets.map(({ key, entry, kind }) =>
      limit(async (): Promise<VerifyResult> => {
        const found = await inspectStored(originals, key, entry, { kind, hash: true });
        return {
          key,
          kind,
          file: entry.file,
          state: found.state,
          ...(found.tampered ? { tampered: found.tampered } : {}),
          ...(found.lfsPointer ? { lfsPointer: true } : {}),
          expectedSha256: entry.sha256,
          actualSha256: found.actualSha256,
          expectedBytes: entry.bytes,
          actualBytes: found.actualBytes,
        };
      }),
    ),
  );
}
