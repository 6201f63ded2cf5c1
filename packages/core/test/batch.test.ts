import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMockApi, faults, type MockApi } from '@herogen/mock-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { BATCHES_FILE_NAME } from '../src/lock/batches-file.js';
import { buildGenerationBody, createOpenAIProvider } from '../src/providers/openai.js';
import { createHerogen } from '../src/session.js';
import type { GenerationRequest } from '../src/types.js';
import { batchSession, FAST, useBatchMock, waitForBatches } from './batch-harness.js';

const harness = useBatchMock();
let mock: MockApi;
const roots = harness.roots;
beforeAll(() => {
  mock = harness.mock;
});

/** A blog of `count` posts, each with its own prompt, at the smallest size OpenAI takes. */
async function blog(count: number, prompt = (i: number) => `A lighthouse number ${i} at dusk`) {
  const root = await mkdtemp(join(tmpdir(), 'herogen-batch-'));
  roots.push(root);
  const dir = join(root, 'src', 'content', 'blog');
  await mkdir(dir, { recursive: true });
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      writeFile(
        join(dir, `post-${String(i).padStart(4, '0')}.md`),
        `---\ntitle: Post ${i}\nhero:\n  prompt: ${prompt(i)}\n  alt: Post ${i}\n---\nBody\n`,
      ),
    ),
  );
  return root;
}

const session = (root: string, on: MockApi = mock, budget?: { maxUsd: number }) =>
  batchSession(root, on, budget);

const originals = async (root: string) =>
  (await readdir(join(root, 'src/assets/herogen')).catch(() => [])).filter((f) =>
    f.endsWith('.jpg'),
  );
const lockOf = async (root: string) =>
  JSON.parse(await readFile(join(root, 'herogen.lock.json'), 'utf8'));
const sidecarOf = async (root: string) =>
  JSON.parse(await readFile(join(root, BATCHES_FILE_NAME), 'utf8'));

describe('batch lines', () => {
  it('carry exactly the body the synchronous call sends', () => {
    const provider = createOpenAIProvider({ env: {}, moderation: 'low' });
    const request: GenerationRequest = {
      provider: 'openai',
      model: 'gpt-image-2',
      prompt: 'A kite',
      size: '1536x864',
      quality: 'high',
      background: 'opaque',
      format: 'webp',
      references: [],
      variant: 0,
    };
    const line = JSON.parse(provider.batch!.line('abc123', request));
    expect(line).toEqual({
      custom_id: 'abc123',
      method: 'POST',
      url: '/v1/images/generations',
      body: buildGenerationBody(request, 'low'),
    });
    // Heroes with reference images go to edit batches (batch-edits.test.ts).
    expect(
      provider.batch!.endpointFor({
        ...request,
        references: [{ path: 'a.png', sha256: 'a'.repeat(64) }],
      }),
    ).toBe('/v1/images/edits');
  });
});

describe('batch submit and collect', () => {
  it('a 500-post site goes as one batch: 500 originals, no sync call, half the sync estimate', async () => {
    const root = await blog(500);
    const s = await session(root);
    const plan = await s.plan();
    expect(plan.estimateUsd).toBeGreaterThan(0);

    const submitted = await s.batch.submit();
    expect(submitted.submitted).toHaveLength(1);
    expect(submitted.jobs).toHaveLength(500);
    expect(submitted.estimateUsd).toBeCloseTo(plan.estimateUsd! / 2, 6);
    // Recorded before submit returned, with every key and where its hero is written.
    const sidecar = await sidecarOf(root);
    expect(sidecar.batches).toHaveLength(1);
    const [record] = sidecar.batches;
    expect(record.state).toBe('open');
    expect(Object.keys(record.requests)).toHaveLength(500);
    const someKey = Object.keys(record.requests)[0]!;
    expect(record.requests[someKey].sources[0]).toMatchObject({ line: 3 });

    // A second submit while the batch is open sends nothing again.
    const again = await s.batch.submit();
    expect(again.submitted).toHaveLength(0);
    expect(again.covered.size).toBe(500);

    await waitForBatches(s);
    const collected = await s.batch.collect();
    expect(collected.stored).toHaveLength(500);
    expect(collected.failed).toEqual([]);
    expect(await originals(root)).toHaveLength(500);
    expect(mock.paidCalls()).toBe(0);
    expect(mock.billedBatchLines()).toBe(500);
    expect(mock.requests.some((r) => r.route === 'openai.generations')).toBe(false);
    // The real cost (usage at the batch price) is half what the same images cost synchronously.
    expect(collected.costUsd).toBeCloseTo(plan.estimateUsd! / 2, 4);
    const lock = await lockOf(root);
    const entries = Object.values(lock.images) as Array<{
      costUsd: number;
      costConfidence: string;
      requestId: string;
      placeholder?: boolean;
    }>;
    expect(entries).toHaveLength(500);
    for (const entry of entries) {
      expect(entry.costConfidence).toBe('exact');
      expect(entry.requestId).toMatch(/^req_/);
      expect(entry.placeholder).toBeUndefined();
    }
    expect((await sidecarOf(root)).batches[0].state).toBe('collected');

    // Collected: a build has nothing left to pay for.
    const after = await s.plan();
    expect(after.jobs.every((job) => job.status === 'cached')).toBe(true);
  }, 120_000);

  it('splits into several batches when the per-file limit is low', async () => {
    const root = await blog(5);
    const s = await session(root);
    const byCount = await s.batch.submit({ limits: { maxRequests: 3 } });
    expect(byCount.submitted.map((b) => Object.keys(b.requests).length)).toEqual([3, 2]);
    await waitForBatches(s);
    expect((await s.batch.collect()).stored).toHaveLength(5);

    const root2 = await blog(4, (i) => `A harbour ${i}`);
    const s2 = await session(root2);
    const oneLine = JSON.stringify(buildGenerationBody((await s2.plan()).jobs[0]!.request)).length;
    const byBytes = await s2.batch.submit({ limits: { maxBytes: 2 * (oneLine + 120) } });
    expect(byBytes.submitted.length).toBeGreaterThanOrEqual(2);
    expect(byBytes.submitted.flatMap((b) => Object.keys(b.requests))).toHaveLength(4);
  });

  it('collect is idempotent: a second run, or a rerun of a batch already stored, stores nothing', async () => {
    const root = await blog(6);
    const s = await session(root);
    await s.batch.submit();
    await waitForBatches(s);
    const submitted = await readFile(join(root, BATCHES_FILE_NAME), 'utf8');
    expect((await s.batch.collect()).stored).toHaveLength(6);
    const lockText = await readFile(join(root, 'herogen.lock.json'), 'utf8');
    // Collected: the committed record keeps the id and count, not every request.
    expect((await sidecarOf(root)).batches[0]).toMatchObject({
      state: 'collected',
      images: 6,
      requests: {},
    });

    const second = await s.batch.collect();
    expect(second.stored).toHaveLength(0);

    // As if a collect had stored everything and died before marking the batch collected.
    await writeFile(join(root, BATCHES_FILE_NAME), submitted);
    const rerun = await s.batch.collect();
    expect(rerun.stored).toHaveLength(0);
    expect(rerun.alreadyStored).toBe(6);
    expect(await originals(root)).toHaveLength(6);
    expect(await readFile(join(root, 'herogen.lock.json'), 'utf8')).toBe(lockText);
  });

  it('two collects at once store each image once', async () => {
    const root = await blog(10);
    const s = await session(root);
    await s.batch.submit();
    await waitForBatches(s);
    const [a, b] = await Promise.all([s.batch.collect(), (await session(root)).batch.collect()]);
    expect(a.stored.length + b.stored.length).toBe(10);
    expect(a.alreadyStored + b.alreadyStored).toBe(10);
    const lock = await lockOf(root);
    expect(Object.keys(lock.images)).toHaveLength(10);
    expect(lock.history ?? {}).toEqual({});
    expect(await originals(root)).toHaveLength(10);
  });

  it('reports failed lines with the file and line of their hero; they can be submitted again', async () => {
    const root = await blog(4, (i) =>
      i === 1 ? 'A forbidden fruit' : i === 2 ? 'A flaky bridge' : `A field ${i}`,
    );
    const s = await session(root);
    mock.setFaults([
      { route: 'openai.batch-line', prompt: 'forbidden', fault: faults.moderationBlocked() },
      { route: 'openai.batch-line', prompt: 'flaky', fault: faults.serverError(500) },
    ]);
    await s.batch.submit();
    await waitForBatches(s);
    const result = await s.batch.collect();
    expect(result.stored).toHaveLength(2);
    const failed = result.failed.map((f) => ({
      where: `${f.sources[0]!.file}:${f.sources[0]!.line}`,
      status: f.status,
      code: f.code,
    }));
    expect(failed).toEqual(
      expect.arrayContaining([
        { where: 'src/content/blog/post-0001.md:3', status: 400, code: 'moderation_blocked' },
        { where: 'src/content/blog/post-0002.md:3', status: 500, code: undefined },
      ]),
    );
    expect(result.failed.every((f) => f.requestId?.startsWith('req_'))).toBe(true);
    mock.setFaults([]);
    const resubmitted = await s.batch.submit();
    expect(Object.keys(resubmitted.submitted[0]!.requests)).toHaveLength(2);
  });

  it('an expired batch: completed lines are stored, the rest reported and submitted again', async () => {
    const expiring = await createMockApi({
      batch: { validatingMs: 10, processingMs: 400, finalizingMs: 10, windowMs: 210 },
    });
    try {
      const root = await blog(8);
      const s = await session(root, expiring);
      await s.batch.submit();
      const [view] = await waitForBatches(s);
      expect(view!.remote!.status).toBe('expired');
      const result = await s.batch.collect();
      expect(result.stored).toHaveLength(4);
      expect(result.failed).toHaveLength(4);
      expect(result.failed.every((f) => f.code === 'batch_expired')).toBe(true);
      expect(await originals(root)).toHaveLength(4);
      const again = await s.batch.submit();
      expect(Object.keys(again.submitted[0]!.requests).sort()).toEqual(
        result.failed.map((f) => f.key).sort(),
      );
    } finally {
      await expiring.close();
    }
  });

  it('output no longer downloadable: "paid, output lost", and the keys are free to submit again', async () => {
    const forgetful = await createMockApi({ batch: { ...FAST, outputTtlMs: 1 } });
    try {
      const root = await blog(3);
      const s = await session(root, forgetful);
      await s.batch.submit();
      await waitForBatches(s);
      await new Promise((r) => setTimeout(r, 5));
      const result = await s.batch.collect();
      expect(result.stored).toHaveLength(0);
      expect(result.lost).toHaveLength(1);
      expect(result.lost[0]!.message).toContain('paid, output lost');
      expect((await s.batch.submit({ dryRun: true })).jobs).toHaveLength(3);
    } finally {
      await forgetful.close();
    }
  });

  it('a line whose image is unusable is "paid, output lost" with its request id, in the spent log', async () => {
    const root = await blog(2, (i) => (i === 0 ? 'A broken vase' : 'A whole vase'));
    const s = await session(root);
    mock.setFaults([{ route: 'openai.batch-line', prompt: 'broken', fault: faults.nonImage() }]);
    await s.batch.submit();
    await waitForBatches(s);
    const result = await s.batch.collect();
    expect(result.stored).toHaveLength(1);
    expect(result.lost).toHaveLength(1);
    expect(result.lost[0]!.requestId).toMatch(/^req_/);
    expect(result.lost[0]!.message).toMatch(/^paid, output lost \(request req_/);
    const lock = await lockOf(root);
    expect(lock.spent).toHaveLength(1);
    expect(lock.spent[0].requestId).toBe(result.lost[0]!.requestId);
  });

  it('refuses before uploading anything when the batch price is over budget', async () => {
    const root = await blog(4);
    const s = await session(root, mock, { maxUsd: 0.001 });
    await expect(s.batch.submit()).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
    expect(mock.requests).toHaveLength(0);
  });

  it('cancel: what completed before is stored, the rest can be submitted again', async () => {
    const slow = await createMockApi({
      batch: { validatingMs: 10, processingMs: 600, finalizingMs: 10 },
    });
    try {
      const root = await blog(6);
      const s = await session(root, slow);
      await s.batch.submit();
      await new Promise((r) => setTimeout(r, 250));
      const [cancelling] = await s.batch.cancel();
      expect(cancelling!.remote!.status).toBe('cancelling');
      await waitForBatches(s);
      const result = await s.batch.collect();
      expect(result.stored.length).toBeGreaterThan(0);
      expect(result.stored.length + result.failed.length).toBe(6);
      expect(result.failed.every((f) => f.code === 'batch_cancelled')).toBe(true);
    } finally {
      await slow.close();
    }
  });

  it('a hostile batches file is refused with a clear error, not trusted', async () => {
    const root = await blog(1);
    const s = await session(root);
    await writeFile(
      join(root, BATCHES_FILE_NAME),
      JSON.stringify({
        version: 1,
        batches: [
          {
            id: '../../etc',
            provider: 'openai',
            endpoint: '/v1/images/generations',
            submittedAt: new Date().toISOString(),
            state: 'open',
            requests: {},
          },
        ],
      }),
    );
    await expect(s.batch.status()).rejects.toMatchObject({ code: 'LOCK_INVALID' });
    await expect(s.batch.submit()).rejects.toThrow(
      /herogen\.batches\.json is not a valid batch record/,
    );
  });
});

describe('builds while a batch is open', () => {
  it('pay nothing for the heroes it covers: placeholders until collect, then the real images', async () => {
    const root = await blog(4);
    const s = await session(root);
    await s.batch.submit();
    const warnings: string[] = [];
    const build = await createHerogen({
      root,
      configFile: false,
      siteConfig: false,
      config: { provider: 'openai', size: '1024x640', quality: 'low', format: 'jpeg' },
      env: { OPENAI_API_KEY: 'sk-test-batch', OPENAI_BASE_URL: mock.openaiBaseURL },
      logger: { debug() {}, info() {}, warn: (m) => warnings.push(m), error() {} },
    });
    const summary = await build.generate();
    expect(summary.placeholders).toBe(4);
    expect(summary.generated).toBe(0);
    expect(summary.costUsd).toBe(0);
    expect(mock.paidCalls()).toBe(0);
    const batchId = (await sidecarOf(root)).batches[0].id;
    expect(warnings.join('\n')).toContain(`4 images pending in batch ${batchId}`);
    expect(summary.results[0]!.error?.message).toContain(`pending in batch ${batchId}`);

    await waitForBatches(s);
    const collected = await s.batch.collect();
    expect(collected.stored).toHaveLength(4);
    const lock = await lockOf(root);
    expect(
      Object.values(lock.images).every((e) => !(e as { placeholder?: boolean }).placeholder),
    ).toBe(true);
    // The next build finds them all cached.
    const next = await build.generate();
    expect(next.cached).toBe(4);
    expect(mock.paidCalls()).toBe(0);
  });

  it('waitForBatch: false pays for them now at the sync price', async () => {
    const root = await blog(2);
    const s = await session(root);
    await s.batch.submit();
    const build = await createHerogen({
      root,
      configFile: false,
      siteConfig: false,
      config: { provider: 'openai', size: '1024x640', quality: 'low', format: 'jpeg' },
      flags: { waitForBatch: false },
      env: { OPENAI_API_KEY: 'sk-test-batch', OPENAI_BASE_URL: mock.openaiBaseURL },
    });
    const summary = await build.generate();
    expect(summary.generated).toBe(2);
    expect(mock.paidCalls()).toBe(2);
    // Collecting afterwards stores nothing twice: the lock already has both.
    await waitForBatches(s);
    const collected = await s.batch.collect();
    expect(collected.stored).toHaveLength(0);
    expect(collected.alreadyStored).toBe(2);
  });
});
