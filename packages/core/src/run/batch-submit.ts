/**
 * `herogen batch submit`: the missing images of a plan go to their provider's batch API (half
 * price, results within 24 h) instead of the synchronous one. Keys an open batch covers are
 * never sent again; the budget is checked at the batch price before anything is uploaded; big
 * sites are split into several batches within the per-file limits; each batch is recorded in
 * `herogen.batches.json` as soon as the API has accepted it.
 */
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
      notBatchable.push({ job, reason: 'heroes with reference images are made synchronously' });
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
  for (const chunk of chunkForBatches(ready, options.limits)) {
    const { provider, api, endpoint } = chunk[0]!;
    const lines = chunk.map(({ job }) => api.line(job.key, job.request));
    const jsonl = new TextEncoder().encode(`${lines.join('\n')}\n`);
    const remote = await api.submit(
      {
        jsonl,
        endpoint,
        metadata: {
          project: basename(root).slice(0, 512),
          tool: 'herogen',
          images: String(chunk.length),
        },
      },
      callContext,
    );
    const requests: Record<string, BatchRequestRecord> = {};
    for (const { job } of chunk) {
      requests[job.key] = {
        request: job.request,
        sources: job.sources.map((s) => ({ file: s.file, line: s.line })),
        estimateUsd: batchPriced(job, api).estimate.usd,
      };
    }
    const record: BatchRecord = {
      id: remote.id,
      provider: provider.id,
      endpoint,
      submittedAt: new Date().toISOString(),
      state: 'open',
      status: remote.status,
      images: chunk.length,
      requests,
    };
    // Recorded before anything else happens: this batch is paid for once it runs.
    await updateBatchesFile(sidecar, (file) => {
      file.batches.push(record);
    }).catch((error: unknown) => {
      throw new HerogenError(
        'LOCK_IO',
        `batch ${remote.id} (${chunk.length} images) was created at ${provider.id} but could not be recorded in ${basename(sidecar)}: ${error instanceof Error ? error.message : String(error)}`,
        {
          hint: `it runs and is billed anyway: cancel it in the provider's dashboard (or fix the file and submit again), so the same images are not paid twice`,
          cause: error,
        },
      );
    });
    logger.info(`submitted batch ${remote.id}: ${chunk.length} images (${endpoint})`);
    result.submitted.push(record);
  }
  return result;
}

type Ready = ReturnType<typeof sortForBatch>['ready'][number];

/** One group per provider and endpoint, each cut within the request and byte limits per file. */
export function chunkForBatches(
  ready: readonly Ready[],
  limits: BatchSubmitOptions['limits'] = {},
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
      const size = Buffer.byteLength(api.line(item.job.key, item.job.request)) + 1;
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
