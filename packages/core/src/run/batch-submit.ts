/**
 * `herogen batch submit`: the missing images of a plan go to their provider's batch API (half
 * price, results within 24 h) instead of the synchronous one. Keys an open batch covers are
 * never sent again; the budget is checked at the batch price before anything is uploaded; big
 * sites are split into several batches within the per-file limits, one endpoint per batch
 * (`/v1/images/generations`, and `/v1/images/edits` for heroes with reference images, whose
 * images are uploaded once each beforehand: run/batch-references.ts).
 *
 * Each batch is recorded in `herogen.batches.json` as `submitting`, with its keys and input
 * file, *before* the create is sent, and turned `open` with the API's id once answered: a crash
 * or a lost answer in between leaves a record the next batch command resolves
 * (run/batch-recover.ts), never keys that could be paid twice.
 */
import { randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import { HerogenError } from '../errors.js';
import { openBatchKeys, readBatchesFile, updateBatchesFile } from '../lock/batches-file.js';
import { roundUsd } from '../providers/openai/pricing.js';
import type {
  BatchApi,
  BatchCallContext,
  BatchRecord,
  BatchRequestRecord,
  HeroProvider,
  Job,
} from '../types.js';
import { countReferences, type ReferenceFiles, uploadReferences } from './batch-references.js';
import { checkBudget, sumEstimates } from './budget.js';
import type { RunContext } from './run-state.js';

export interface BatchSubmitOptions {
  /** Lower per-file limits than the provider's (tests, or a cautious first run). */
  limits?: { maxRequests?: number; maxBytes?: number };
  /** Plan and check only: nothing is uploaded or recorded. */
  dryRun?: boolean;
  signal?: AbortSignal;
}

/** A job that goes through the synchronous API instead, and why. */
export interface NotBatchable {
  job: Job;
  reason: string;
}

export interface BatchSubmitResult {
  /** Batches created by this call (none on a dry run). */
  submitted: BatchRecord[];
  /** Jobs that were (or on a dry run would be) sent. */
  jobs: Job[];
  /** Missing keys an open batch already covers, by batch id. */
  covered: Map<string, string>;
  notBatchable: NotBatchable[];
  /** Estimate of `jobs` at the batch price, and at the sync price; null when unknown. */
  estimateUsd: number | null;
  syncEstimateUsd: number | null;
  /**
   * Reference images of the edit lines: distinct ones, uploaded by this submit (files of their
   * own, apart from the JSONL inputs) and reused from earlier uploads.
   */
  references: { distinct: number; uploaded: number; uploadedBytes: number; reused: number };
}

/** A job's estimate at its provider's batch price. */
export function batchPriced(job: Job, api: Pick<BatchApi, 'priceFactor'>): Job {
  const usd = job.estimate.usd === null ? null : roundUsd(job.estimate.usd * api.priceFactor);
  return { ...job, estimate: { ...job.estimate, usd } };
}

/** Jobs a batch could make: missing (never paid for, or only a stand-in), with a batch API. */
export function sortForBatch(
  jobs: readonly Job[],
  context: Pick<RunContext, 'registry'>,
): {
  ready: Array<{ job: Job; provider: HeroProvider; api: BatchApi; endpoint: string }>;
  notBatchable: NotBatchable[];
} {
  const ready: Array<{ job: Job; provider: HeroProvider; api: BatchApi; endpoint: string }> = [];
  const notBatchable: NotBatchable[] = [];
  for (const job of jobs) {
    if (job.status === 'cached') continue;
    // A paid original that is gone is restored from git, never paid for again.
    if (job.entry && !job.entry.placeholder) continue;
    const provider = context.registry.get(job.request.provider);
    const api = provider?.batch;
    if (!provider?.paid || !api) {
      notBatchable.push({ job, reason: `provider ${job.request.provider} has no batch API` });
      continue;
    }
    const endpoint = api.endpointFor(job.request);
    if (!endpoint) {
      notBatchable.push({ job, reason: `${provider.id} cannot batch this request` });
      continue;
    }
    ready.push({ job, provider, api, endpoint });
  }
  return { ready, notBatchable };
}

/** Submit the missing images of `planned` as batches. */
export async function submitBatches(
  planned: readonly Job[],
  context: RunContext,
  options: BatchSubmitOptions = {},
): Promise<BatchSubmitResult> {
  const { config, logger } = context;
  const { root, batches: sidecar } = context.layout;
  const open = openBatchKeys(await readBatchesFile(sidecar));
  const covered = new Map<string, string>();
  const sorted = sortForBatch(planned, context);
  const ready = sorted.ready.filter(({ job }) => {
    const batch = open.get(job.key);
    if (batch) covered.set(job.key, batch.id);
    return !batch;
  });
  const jobs = ready.map((r) => r.job);
  const priced = ready.map((r) => batchPriced(r.job, r.api));
  const result: BatchSubmitResult = {
    submitted: [],
    jobs,
    covered,
    notBatchable: sorted.notBatchable,
    estimateUsd: sumEstimates(priced),
    syncEstimateUsd: sumEstimates(jobs),
    references: { distinct: countReferences(ready), uploaded: 0, uploadedBytes: 0, reused: 0 },
  };
  if (ready.length === 0) return result;
  if (config.frozen) {
    throw new HerogenError('FROZEN', 'frozen mode: no batch is submitted (it would be paid for).', {
      hint: 'run without --frozen / HEROGEN_FROZEN to submit',
    });
  }
  const budget = checkBudget(priced, config.budget);
  if (!budget.ok) {
    throw new HerogenError(
      'BUDGET_EXCEEDED',
      `refusing to submit ${ready.length} images at the batch price: ${budget.reasons.join('; ')}. Nothing was uploaded or paid for.`,
      { hint: 'raise `budget` in herogen.config, or pass --budget/--max-images' },
    );
  }
  for (const { provider } of ready) {
    if (!provider.isConfigured()) {
      throw new HerogenError(
        'PROVIDER_AUTH',
        `no API key for ${provider.id}: nothing was submitted.`,
        {
          hint: provider.id === 'openai' ? 'set OPENAI_API_KEY' : `configure ${provider.id}`,
        },
      );
    }
  }
  if (options.dryRun) return result;

  const callContext: BatchCallContext = {
    logger,
    timeoutMs: config.timeoutMs,
    maxRetries: config.maxRetries,
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const files = await uploadReferences(ready, context, callContext);
  result.references = {
    distinct: files.distinct,
    uploaded: files.uploaded,
    uploadedBytes: files.uploadedBytes,
    reused: files.reused,
  };
  for (const chunk of chunkForBatches(ready, options.limits, files)) {
    const { provider, api, endpoint } = chunk[0]!;
    const fileIds = files.byProvider.get(provider.id);
    const lines = chunk.map(({ job }) => api.line(job.key, job.request, fileIds));
    const jsonl = new TextEncoder().encode(`${lines.join('\n')}\n`);
    const inputFileId = await api.uploadInput(jsonl, callContext);
    const requests: Record<string, BatchRequestRecord> = {};
    for (const { job } of chunk) {
      requests[job.key] = {
        request: job.request,
        sources: job.sources.map((s) => ({ file: s.file, line: s.line })),
        estimateUsd: batchPriced(job, api).estimate.usd,
      };
    }
    const record: BatchRecord = {
      id: `submit-${randomUUID()}`,
      provider: provider.id,
      endpoint,
      inputFileId,
      submittedAt: new Date().toISOString(),
      state: 'submitting',
      images: chunk.length,
      requests,
    };
    // Recorded before the create is sent: from then on the batch may exist and be billed.
    await updateBatchesFile(sidecar, (file) => {
      file.batches.push(record);
    });
    const remote = await createRecorded({ api, record, root, call: callContext, sidecar });
    const open: BatchRecord = { ...record, id: remote.id, state: 'open', status: remote.status };
    await updateBatchesFile(sidecar, (file) => {
      const index = file.batches.findIndex((b) => b.id === record.id);
      if (index === -1) file.batches.push(open);
      else file.batches[index] = open;
    }).catch((error: unknown) => {
      throw new HerogenError(
        'LOCK_IO',
        `batch ${remote.id} (${chunk.length} images) was created at ${provider.id} but could not be recorded in ${basename(sidecar)}: ${error instanceof Error ? error.message : String(error)}`,
        {
          hint: `it is still listed there as submission ${record.id}: the next \`herogen batch\` command finds batch ${remote.id} by its input file and records it, so the same images are not paid twice`,
          cause: error,
        },
      );
    });
    logger.info(`submitted batch ${remote.id}: ${chunk.length} images (${endpoint})`);
    result.submitted.push(open);
  }
  return result;
}

/**
 * Send the create of a recorded submission. A refusal (4xx: nothing was created) drops the
 * record; any other failure may have created the batch, so the record stays for recovery.
 */
async function createRecorded(submission: {
  api: BatchApi;
  record: BatchRecord;
  /** The project root: its folder name goes into the batch's metadata. */
  root: string;
  call: BatchCallContext;
  /** `herogen.batches.json`, where the submission is recorded. */
  sidecar: string;
}): Promise<Awaited<ReturnType<BatchApi['create']>>> {
  const { api, record, root, call, sidecar } = submission;
  try {
    return await api.create(
      {
        inputFileId: record.inputFileId!,
        endpoint: record.endpoint,
        metadata: {
          project: basename(root).slice(0, 512),
          tool: 'herogen',
          images: String(record.images),
          herogen_submission: record.id,
        },
      },
      call,
    );
  } catch (error) {
    const refused =
      HerogenError.is(error) &&
      error.status !== undefined &&
      error.status >= 400 &&
      error.status < 500;
    if (refused) {
      await updateBatchesFile(sidecar, (file) => {
        file.batches = file.batches.filter((b) => b.id !== record.id);
      });
      throw error;
    }
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new HerogenError(
      HerogenError.is(error) ? error.code : 'INTERNAL',
      `the batch of ${record.images} images was sent, but its answer did not arrive (${message}): it may have been created. It is recorded as submission ${record.id} in ${basename(sidecar)}, so its images are not submitted again.`,
      {
        hint: 'run `herogen batch status` (or submit again): it looks the batch up by its input file and records it, or drops the submission if the API never created it',
        cause: error,
      },
    );
  }
}

type Ready = ReturnType<typeof sortForBatch>['ready'][number];

/** One group per provider and endpoint, each cut within the request and byte limits per file. */
export function chunkForBatches(
  ready: readonly Ready[],
  limits: BatchSubmitOptions['limits'] = {},
  files?: Pick<ReferenceFiles, 'byProvider'>,
): Ready[][] {
  const groups = new Map<string, Ready[]>();
  for (const item of ready) {
    const group = `${item.provider.id}\u0000${item.endpoint}`;
    groups.set(group, [...(groups.get(group) ?? []), item]);
  }
  const chunks: Ready[][] = [];
  for (const items of groups.values()) {
    const api = items[0]!.api;
    const maxRequests = Math.min(limits.maxRequests ?? Infinity, api.limits.maxRequests);
    const maxBytes = Math.min(limits.maxBytes ?? Infinity, api.limits.maxBytes);
    let current: Ready[] = [];
    let bytes = 0;
    for (const item of items) {
      // Reference images are files of their own (uploaded before): only their ids count here.
      const fileIds = files?.byProvider.get(item.provider.id);
      const size = Buffer.byteLength(api.line(item.job.key, item.job.request, fileIds)) + 1;
      if (size > maxBytes) {
        throw new HerogenError(
          'REQUEST_INVALID',
          `the batch line of image ${item.job.key} is ${size} bytes, over the ${maxBytes}-byte file limit`,
        );
      }
      if (current.length > 0 && (current.length >= maxRequests || bytes + size > maxBytes)) {
        chunks.push(current);
        current = [];
        bytes = 0;
      }
      current.push(item);
      bytes += size;
    }
    if (current.length > 0) chunks.push(current);
  }
  return chunks;
}
