/**
 * Shared by the batch tests: one mock API per test file (batches finish in about 100 ms), the
 * temporary project roots it removes after each test, sessions against it, and waiting.
 */
import { rm } from 'node:fs/promises';
import { createMockApi, type MockApi, type MockBatchOptions } from '@herogen/mock-api';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createHerogen } from '../src/session.js';

export const FAST: MockBatchOptions = { validatingMs: 10, processingMs: 60, finalizingMs: 10 };

/** Start a mock for this file; `mock` is set once `beforeAll` ran; `roots` are removed after each test. */
export function useBatchMock(batch: MockBatchOptions = FAST): { mock: MockApi; roots: string[] } {
  const harness = { mock: undefined as unknown as MockApi, roots: [] as string[] };
  beforeAll(async () => {
    harness.mock = await createMockApi({ batch });
  });
  afterAll(() => harness.mock.close());
  afterEach(async () => {
    harness.mock.reset();
    harness.mock.setFaults([]);
    for (const root of harness.roots.splice(0)) await rm(root, { recursive: true, force: true });
  });
  return harness;
}

/** A session at the smallest size OpenAI takes, JPEG (quick to make and check), on the mock. */
export function batchSession(root: string, mock: MockApi, budget?: { maxUsd: number }) {
  return createHerogen({
    root,
    configFile: false,
    siteConfig: false,
    config: {
      provider: 'openai',
      size: '1024x640',
      quality: 'low',
      format: 'jpeg',
      ...(budget ? { budget } : {}),
    },
    env: { OPENAI_API_KEY: 'sk-test-batch', OPENAI_BASE_URL: mock.openaiBaseURL },
  });
}
export type BatchSession = Awaited<ReturnType<typeof batchSession>>;

/** Poll until every open batch has finished at the API. */
export async function waitForBatches(s: BatchSession) {
  for (let i = 0; i < 1000; i++) {
    const views = await s.batch.status();
    const running = views.filter(
      (v) => !['completed', 'expired', 'cancelled', 'failed'].includes(v.remote?.status ?? ''),
    );
    if (running.length === 0) return views;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('batches did not finish');
}
