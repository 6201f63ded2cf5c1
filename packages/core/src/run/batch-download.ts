/**
 * A batch's output and error files, downloaded to the project's cache folder while the batch is
 * collected, read from there line by line, and removed once the batch is collected. A file left
 * by a collect that was killed or failed is whole (the client writes a temporary name and
 * renames it when complete), so the next collect reads it instead of downloading it again; a
 * partial `.part` file left by a killed process is removed.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { batchDownloadPath } from '../fs/project-layout.js';
import type { BatchApi, BatchCallContext } from '../types.js';

export interface BatchFile {
  root: string;
  batchId: string;
  fileId: string;
}

/** The file on disk, downloaded now unless a whole copy is there; undefined when it is gone. */
export async function downloadBatchFile(
  api: BatchApi,
  file: BatchFile,
  context: BatchCallContext,
): Promise<string | undefined> {
  const path = batchDownloadPath(file.root, file.batchId, file.fileId);
  const whole = await stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
  if (whole) return path;
  await removeDeadParts(path);
  return (await api.download(file.fileId, context, path)) ? path : undefined;
}

/** Remove a collected batch's files (and any partial download of them). */
export async function removeBatchFiles(
  root: string,
  batchId: string,
  fileIds: ReadonlyArray<string | undefined>,
): Promise<void> {
  for (const fileId of fileIds) {
    if (!fileId) continue;
    const path = batchDownloadPath(root, batchId, fileId);
    await rm(path, { force: true });
    await removeDeadParts(path);
  }
}

/** `<path>.<pid>-<random>.part` files whose writing process no longer runs. */
async function removeDeadParts(path: string): Promise<void> {
  const prefix = `${basename(path)}.`;
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  for (const name of names) {
    const pid = /^(\d+)-[0-9a-f]+\.part$/.exec(name.slice(prefix.length))?.[1];
    if (!name.startsWith(prefix) || pid === undefined || isAlive(Number(pid))) continue;
    await rm(join(dirname(path), name), { force: true });
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}
