import { HerogenError } from '../errors.js';
import { sha256Hex } from '../fs/file-hash.js';
import { withKeyClaim } from '../lock/claim.js';
import { archiveOriginal } from '../store/archive-original.js';
import { type OriginalKind, originalsAt } from '../store/original-file.js';
import { storeOriginal } from '../store/store-original.js';
import type { HistoryEntry, Job, LockEntry, Logger, ProviderRegistry } from '../types.js';
import type { StoredCandidate } from './candidates.js';

export interface PickOptions {
  /** Absolute project root. */
  root: string;
  /** Originals directory (absolute or root-relative). */
  outDir: string;
  lockPath: string;
  /** The hero's own job: its key and file stay the same. */
  main: Job;
  candidate: StoredCandidate;
  /** Looks up the provider that made the candidate. */
  registry: Pick<ProviderRegistry, 'get'>;
  logger?: Logger;
  signal?: AbortSignal;
}

export interface PickResult {
  entry: LockEntry;
  /** The take the candidate replaced, kept in history (none when it was not a paid image). */
  archived?: HistoryEntry;
}

const MEDIA_TYPES: Record<string, string> = {
  png: 'image/png',
  webp: 'image/webp',
  jpeg: 'image/jpeg',
};

/**
 * Make a candidate the hero's image without touching its frontmatter: the current original is
 * kept in history, then the candidate's bytes are stored under the hero's own key and path
 * (through the normal store: decode check, atomic write, then the lock). The candidate stays
 * where it is, so picking another one later is just as cheap.
 */
export async function pickCandidate(options: PickOptions): Promise<PickResult> {
  const { candidate } = options;
  // A provider that is not paid (offline art) makes placeholders that are its images.
  const maker = options.registry.get(candidate.entry.provider);
  if (candidate.entry.placeholder && maker?.paid !== false) {
    throw new HerogenError(
      'IMAGE_INVALID',
      `candidate ${candidate.n} is a stand-in (${candidate.entry.placeholderReason ?? 'not a generated image'}), not an image to pick`,
      { hint: 'run `herogen variants` again to generate it, or pick another candidate' },
    );
  }
  return replaceWithStored(options, {
    label: `candidate ${candidate.n}`,
    key: candidate.key,
    kind: 'image',
    source: candidate.entry,
    reason: 'pick',
  });
}

export interface RestoreOptions extends Omit<PickOptions, 'candidate' | 'registry'> {
  /** The earlier take (an entry of the lock's history of `main.key`). */
  take: HistoryEntry;
}

/**
 * Make an earlier take the hero's image again, the same way as a pick: the current original is
 * kept in history, then the take's bytes are stored under the hero's own key and path.
 */
export async function restoreTake(options: RestoreOptions): Promise<PickResult> {
  return replaceWithStored(options, {
    label: `the earlier take ${options.take.file}`,
    key: options.main.key,
    kind: 'history',
    source: options.take,
    reason: 'restore',
  });
}

interface StoredSource {
  label: string;
  /** Key and kind the file is read under (the checked reader). */
  key: string;
  kind: OriginalKind;
  source: LockEntry;
  reason: HistoryEntry['reason'];
}

async function replaceWithStored(
  options: Omit<PickOptions, 'candidate' | 'registry'>,
  from: StoredSource,
): Promise<PickResult> {
  const { root, main, lockPath } = options;
  const { source, label } = from;
  // Through the checked reader: a hand-edited lock or a symlink must not feed it another file.
  const bytes = await originalsAt(root, options.outDir)
    .read(source.file, from.key, from.kind)
    .catch((error: unknown) => {
      if (HerogenError.is(error) && error.code === 'ORIGINAL_UNTRUSTED') throw error;
      throw new HerogenError(
        'IMAGE_INVALID',
        `${label} (${source.file}) cannot be read (${HerogenError.is(error) ? error.message : ((error as NodeJS.ErrnoException).code ?? String(error))})`,
        { hint: `restore it with \`git checkout -- ${source.file}\`` },
      );
    });
  if (sha256Hex(bytes) !== source.sha256) {
    throw new HerogenError(
      'IMAGE_INVALID',
      `${label} (${source.file}) does not match its sha256 in the lock; not using a damaged file`,
      { hint: `restore it with \`git checkout -- ${source.file}\`` },
    );
  }
  return withKeyClaim(root, main.key, { signal: options.signal }, async () => {
    const archived = await archiveOriginal({
      root,
      outDir: options.outDir,
      lockPath,
      key: main.key,
      reason: from.reason,
      ...(options.logger ? { logger: options.logger } : {}),
    });
    try {
      const entry = await storeOriginal({
        root,
        outDir: options.outDir,
        key: main.key,
        request: main.request,
        image: {
          bytes,
          mediaType: MEDIA_TYPES[source.format] ?? 'application/octet-stream',
          ...(source.costUsd !== null ? { costUsd: source.costUsd } : {}),
          costConfidence: source.costConfidence,
          ...(source.requestId ? { requestId: source.requestId } : {}),
          ...(source.taskId ? { taskId: source.taskId } : {}),
          ...(source.revisedPrompt ? { revisedPrompt: source.revisedPrompt } : {}),
        },
        lockPath,
        // Keep when it was made, not when it was picked.
        now: () => new Date(source.createdAt),
        // The hero is the same: so are the fields it is asked from (prune reads them).
        ...(archived?.entry.fields ? { fields: archived.entry.fields } : {}),
        ...(source.placeholder
          ? { placeholder: { reason: source.placeholderReason ?? 'offline art' } }
          : {}),
        ...(options.logger ? { logger: options.logger } : {}),
      });
      return { entry, ...(archived ? { archived: archived.entry } : {}) };
    } catch (error) {
      await archived?.undo().catch(() => undefined);
      throw error;
    }
  });
}
