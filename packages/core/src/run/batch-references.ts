/**
 * The reference images of edit lines, uploaded once each (per provider and content) before the
 * JSONL that refers to them by file id. Each upload is recorded in `herogen.batches.json` as it
 * is made, so a second submit, a resubmit or another clone reuses it while the API still has it
 * (checked with one file list), instead of uploading the same megabytes again.
 */
import { createHash } from 'node:crypto';
import { HerogenError } from '../errors.js';
import { readBatchesFile, updateBatchesFile } from '../lock/batches-file.js';
import type { BatchApi, BatchCallContext, HeroProvider, Job } from '../types.js';
import { readInsideRoot } from './generate-one.js';
import type { RunContext } from './run-state.js';

/** The file id of each reference image, by provider then sha256; and what it took. */
export interface ReferenceFiles {
  byProvider: Map<string, Map<string, string>>;
  /** Distinct reference images the edit lines use. */
  distinct: number;
  /** Uploaded by this submit, and their bytes (files apart from the JSONL inputs). */
  uploaded: number;
  uploadedBytes: number;
  /** Recorded uploads the API still had. */
  reused: number;
}

interface Needed {
  provider: HeroProvider;
  api: BatchApi;
  /** sha256 → the root-relative path of one file with that content. */
  files: Map<string, string>;
}

/** The distinct references of the jobs, per provider. */
function neededReferences(
  ready: ReadonlyArray<{ job: Job; provider: HeroProvider; api: BatchApi }>,
): Map<string, Needed> {
  const needed = new Map<string, Needed>();
  for (const { job, provider, api } of ready) {
    for (const reference of job.request.references) {
      let entry = needed.get(provider.id);
      if (!entry) {
        entry = { provider, api, files: new Map() };
        needed.set(provider.id, entry);
      }
      if (!entry.files.has(reference.sha256)) entry.files.set(reference.sha256, reference.path);
    }
  }
  return needed;
}

/** How many distinct reference images the jobs use (a dry run uploads none). */
export function countReferences(
  ready: ReadonlyArray<{ job: Job; provider: HeroProvider; api: BatchApi }>,
): number {
  let count = 0;
  for (const entry of neededReferences(ready).values()) count += entry.files.size;
  return count;
}

/**
 * Upload the reference images the jobs' edit lines need and the API does not have yet. Every
 * file is read and checked (inside the root, same content as planned, within the size limit)
 * before the first upload, so a bad reference costs nothing.
 */
export async function uploadReferences(
  ready: ReadonlyArray<{ job: Job; provider: HeroProvider; api: BatchApi }>,
  context: RunContext,
  call: BatchCallContext,
): Promise<ReferenceFiles> {
  const { root, batches: sidecar } = context.layout;
  const needed = neededReferences(ready);
  const result: ReferenceFiles = {
    byProvider: new Map(),
    distinct: countReferences(ready),
    uploaded: 0,
    uploadedBytes: 0,
    reused: 0,
  };
  if (needed.size === 0) return result;
  const recorded = (await readBatchesFile(sidecar)).uploads ?? [];
  const toUpload: Array<{ entry: Needed; sha256: string; file: string }> = [];
  for (const [providerId, entry] of needed) {
    const ids = new Map<string, string>();
    result.byProvider.set(providerId, ids);
    const mine = recorded.filter((u) => u.provider === providerId && entry.files.has(u.sha256));
    const live = mine.length > 0 ? await liveFiles(entry, call, context) : new Set<string>();
    for (const upload of mine) {
      if (live.has(upload.fileId)) ids.set(upload.sha256, upload.fileId);
    }
    result.reused += ids.size;
    for (const [sha256, file] of entry.files) {
      if (!ids.has(sha256)) toUpload.push({ entry, sha256, file });
    }
  }
  for (const { entry, sha256, file } of toUpload) {
    await readReference(root, file, sha256, entry.api.referenceLimit);
  }
  for (const { entry, sha256, file } of toUpload) {
    const bytes = await readReference(root, file, sha256, entry.api.referenceLimit);
    const fileId = await entry.api.uploadReference({ path: file, bytes }, call);
    result.byProvider.get(entry.provider.id)!.set(sha256, fileId);
    result.uploaded++;
    result.uploadedBytes += bytes.length;
    await updateBatchesFile(sidecar, (current) => {
      const others = (current.uploads ?? []).filter(
        (u) => !(u.provider === entry.provider.id && u.sha256 === sha256),
      );
      current.uploads = [
        ...others,
        {
          provider: entry.provider.id,
          sha256,
          fileId,
          bytes: bytes.length,
          uploadedAt: new Date().toISOString(),
        },
      ];
    });
    context.logger.debug(`uploaded reference ${file} as ${fileId}`);
  }
  return result;
}

/** The recorded uploads the API still has; none when it cannot say (they are uploaded again). */
async function liveFiles(
  entry: Needed,
  call: BatchCallContext,
  context: RunContext,
): Promise<ReadonlySet<string>> {
  try {
    return await entry.api.liveReferences(call);
  } catch (error) {
    context.logger.warn(
      `could not list the reference images uploaded to ${entry.provider.id} (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); uploading them again`,
    );
    return new Set();
  }
}

/** A reference's bytes: inside the root, unchanged since planning, within the size limit. */
async function readReference(
  root: string,
  file: string,
  sha256: string,
  limit: number,
): Promise<Uint8Array> {
  const bytes = await readInsideRoot(root, file).catch((error: unknown) => {
    if (HerogenError.is(error)) throw error;
    throw new HerogenError(
      'REFERENCE_INVALID',
      `could not read reference image ${file}: ${String(error)}`,
      { location: { file } },
    );
  });
  if (createHash('sha256').update(bytes).digest('hex') !== sha256) {
    throw new HerogenError(
      'REFERENCE_INVALID',
      `reference image ${file} changed while the batch was being prepared; nothing was submitted`,
      { location: { file }, hint: 'run `herogen batch submit` again' },
    );
  }
  if (bytes.length > limit) {
    throw new HerogenError(
      'REFERENCE_INVALID',
      `reference image ${file} is ${bytes.length} bytes, over the ${limit}-byte limit of one input image; nothing was submitted`,
      { location: { file } },
    );
  }
  return bytes;
}
