/**
 * `astro build` and `vite build` while an OpenAI batch is open: the heroes it covers get
 * placeholders and a notice, and nothing is paid through the synchronous API; once the batch is
 * collected, the next build uses the real images. Real builds against the mock API over HTTP.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createHerogen, type HerogenConfig } from '@herogen/core';
import { createMockApi, type MockApi } from '@herogen/mock-api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, copySite, readText, removeSite } from './fixtures/astro-support/harness.js';
import { buildFixture, copyFixture, removeDir } from './fixtures/vite-support/harness.js';

const KEY = 'sk-test-build-batch';

let mock: MockApi;
beforeAll(async () => {
  mock = await createMockApi({ batch: { validatingMs: 10, processingMs: 50, finalizingMs: 10 } });
});
afterAll(() => mock?.close());
afterEach(() => mock.reset());

/** Submit the site's missing heroes as a batch, as `herogen batch submit` does. */
async function submitBatch(root: string, config: HerogenConfig) {
  const session = await createHerogen({
    root,
    config,
    siteConfig: false,
    env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: mock.openaiBaseURL },
  });
  const result = await session.batch.submit();
  expect(result.submitted).toHaveLength(1);
  return { session, id: result.submitted[0]!.id };
}

async function collectWhenDone(session: Awaited<ReturnType<typeof submitBatch>>['session']) {
  for (let i = 0; i < 500; i++) {
    const [view] = await session.batch.status();
    if (view?.remote?.status === 'completed') break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return session.batch.collect();
}

describe('astro build while a batch is open', () => {
  let root: string;
  beforeAll(async () => {
    root = await copySite('astro-basic');
  });
  afterAll(() => removeSite(root));

  it('pays nothing for the covered heroes: placeholders and a notice, real images once collected', async () => {
    const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: mock.openaiBaseURL };
    const { session, id } = await submitBatch(root, {});
    const built = await buildSite(root, { herogen: { env } });
    expect(built.error).toBeUndefined();
    expect(built.output).toContain(`2 images pending in batch ${id}`);
    expect(mock.paidCalls()).toBe(0);
    expect(await readText(path.join(root, 'dist/blog/alpha/index.html'))).toContain(
      'data-placeholder="true"',
    );

    expect((await collectWhenDone(session)).stored).toHaveLength(2);
    const after = await buildSite(root, { herogen: { env } });
    expect(after.error).toBeUndefined();
    expect(mock.paidCalls()).toBe(0);
    expect(await readText(path.join(root, 'dist/blog/alpha/index.html'))).toContain(
      'data-placeholder="false"',
    );
  });
});

describe('vite build while a batch is open', () => {
  let root: string;
  beforeAll(async () => {
    root = await copyFixture('vite-basic');
  });
  afterAll(() => removeDir(root));

  it('pays nothing for the covered heroes; waitForBatch: false pays for them now', async () => {
    const options = {
      provider: 'openai' as const,
      openai: { apiKey: KEY, baseURL: mock.openaiBaseURL },
    };
    const { id } = await submitBatch(root, options);
    const built = await buildFixture(root, options);
    expect(built.hero.status).toBe('placeholder');
    expect(built.lines.join('\n')).toContain(`pending in batch ${id}`);
    expect(mock.paidCalls()).toBe(0);

    const paying = await buildFixture(root, { ...options, waitForBatch: false });
    expect(paying.lines.join('\n')).toContain('2 generated');
    expect(paying.hero.status).toBe('generated');
    expect(mock.paidCalls()).toBe(2);
    const lock = JSON.parse(await readFile(path.join(root, 'herogen.lock.json'), 'utf8'));
    const entries = Object.values(lock.images) as Array<{ placeholder?: boolean }>;
    expect(entries.filter((e) => e.placeholder)).toEqual([]);
  });
});
