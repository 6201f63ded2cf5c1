/**
 * Keep an image's bytes as an earlier take: a copy under `<outDir>/history/<key>/<stamp>.<ext>`,
 * recorded in the lock's `history`. Idempotent: the same bytes are kept once, however often a
 * redo is killed and started again, whether the last attempt was killed after recording the
 * take (the lock has it) or between copying and recording it (the copy is on disk, unlisted).
 */
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { sha256Hex } from '../fs/file-hash.js';
import { assertRealPathInsideRoot, toRootRelative } from '../fs/path-safety.js';
import { takesDir } from '../fs/project-layout.js';
import { readLock } from '../lock/read-lock.js';
import { updateLock } from '../lock/update-lock.js';
import type { HistoryEntry, LockEntry } from '../types.js';
import { type Originals, originalsAt } from './original-file.js';

/** `2026-11-22T10-22-33-123Z`: sortable, and valid in file names on every OS. */
export function historyStamp(date: Date): string {
  return date.toISOString().replace(/[:.]/g, '-');
}

export interface KeepTakeOptions {
  /** Absolute project root. */
  root: string;
  /** Originals directory (absolute or root-relative). */
  outDir: string;
  lockPath: string;
  key: string;
  bytes: Uint8Array;
  /** What is recorded about the take (its `file`, `sha256` and `bytes` come from the copy). */
  record: LockEntry;
  reason: HistoryEntry['reason'];
  note?: string;
  now?: () => Date;
}

export interface KeptTake {
  entry: HistoryEntry;
  /** Absolute path of the copy. */
  path: string;
  /** False when these bytes were already kept as a take of this key: nothing was added. */
  added: boolean;
}

/** Keep `bytes` as an earlier take of `key` (once). The caller holds the key's claim. */
export async function keepTake(options: KeepTakeOptions): Promise<KeptTake> {
  const { root, key, lockPath, bytes } = options;
  const sha256 = sha256Hex(bytes);
  const originals = originalsAt(root, options.outDir);
  const lock = await readLock(lockPath);
  const takes = lock.history?.[key] ?? [];
  for (const take of takes) {
    if (take.sha256 !== sha256) continue;
    const found = await originals.checkRemovable(take.file, key, 'history', sha256);
    if (found.state === 'ok') return { entry: take, path: found.path, added: false };
  }
  const dir = takesDir(originals.outDir, key);
  await mkdir(dir, { recursive: true });
  await assertRealPathInsideRoot(root, dir, 'history folder');
  const replacedAt = (options.now?.() ?? new Date()).toISOString();
  const ext = path.extname(options.record.file) || `.${options.record.format}`;
  const listed = new Set(takes.map((take) => take.file));
  let target = await copyLeftBehind(originals, dir, { key, sha256 }, listed);
  if (!target) {
    target = await freeName(dir, { stamp: historyStamp(new Date(replacedAt)), ext }, listed, root);
    await writeFileAtomic(target, bytes);
  }
  const entry: HistoryEntry = {
    ...options.record,
    file: toRootRelative(root, target),
    sha256,
    bytes: bytes.byteLength,
    replacedAt,
    reason: options.reason,
    ...(options.note ? { note: options.note } : {}),
  };
  await updateLock(lockPath, (draft) => {
    const now = draft.history?.[key] ?? [];
    if (now.some((take) => take.file === entry.file)) return;
    draft.history ??= {};
    draft.history[key] = [...now, entry];
  });
  return { entry, path: target, added: true };
}

/** A copy of these bytes that a killed run wrote into the take folder but never recorded. */
async function copyLeftBehind(
  originals: Originals,
  dir: string,
  bytes: { key: string; sha256: string },
  listed: ReadonlySet<string>,
): Promise<string | undefined> {
  const { key, sha256 } = bytes;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const file = toRootRelative(originals.root, path.join(dir, name));
    if (listed.has(file)) continue;
    const found = await originals.checkRemovable(file, key, 'history', sha256);
    if (found.state === 'ok') return path.join(dir, name);
  }
  return undefined;
}

/** A take file name not used on disk or in the lock (two takes in one millisecond). */
async function freeName(
  dir: string,
  name: { stamp: string; ext: string },
  listed: ReadonlySet<string>,
  root: string,
): Promise<string> {
  const { stamp, ext } = name;
  const taken = new Set(await readdir(dir).catch(() => [] as string[]));
  for (let n = 0; ; n++) {
    const name = `${stamp}${n === 0 ? '' : `-${n}`}${ext}`;
    if (!taken.has(name) && !listed.has(toRootRelative(root, path.join(dir, name)))) {
      return path.join(dir, name);
    }
  }
}
