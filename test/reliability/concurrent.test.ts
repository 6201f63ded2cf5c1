import { rm } from 'node:fs/promises';
import path from 'node:path';
import { createMockApi, type MockApi } from '@herogen/mock-api';
import { afterEach, describe, expect, it } from 'vitest';
import { buildSite, copySite } from '../fixtures/astro-support/harness.js';
import {
  createProject,
  inspectProject,
  type Project,
  type ProjectState,
  recordFigures,
  spawnHerogen,
} from './support/harness.js';

let mock: MockApi | undefined;
let project: Project | undefined;
afterEach(async () => {
  await mock?.close();
  await project?.cleanup();
  mock = undefined;
  project = undefined;
});

const figures: Record<string, unknown> = {};

/** A finished project: every image stored once, intact, and nothing left lying around. */
function expectComplete(state: ProjectState, images: number) {
  expect(state.images).toHaveLength(images);
  expect(state.images.every((image) => image.intact && !image.placeholder)).toBe(true);
  expect(state.outDirFiles.map((file) => file.name).sort()).toEqual(
    state.images.map((image) => path.posix.basename(image.file)).sort(),
  );
  expect(state.tempFiles).toEqual([]);
  expect(state.journal).toEqual([]);
  expect(state.lockLeftovers).toEqual([]);
  expect(state.lock.pending).toEqual({});
}

describe('several herogen generate processes on one project at once', () => {
  for (const processes of [2, 4]) {
    it(`${processes} processes (OpenAI): every image is paid for exactly once`, async () => {
      mock = await createMockApi({ latencyMs: 80 });
      project = await createProject({ images: 16, config: { concurrency: 4 } });
      const env = { OPENAI_API_KEY: 'sk-test-race', OPENAI_BASE_URL: mock.openaiBaseURL };
      const results = await Promise.all(
        Array.from(
          { length: processes },
          () => spawnHerogen(['generate'], { cwd: project!.root, env }).result,
        ),
      );
      for (const result of results) {
        expect(result.stderr).toBe('');
        expect(result.code).toBe(0);
      }
      const paid = mock.requests.filter((request) => request.billed);
      const perPrompt = new Map<string, number>();
      for (const call of paid) perPrompt.set(call.prompt!, (perPrompt.get(call.prompt!) ?? 0) + 1);
      expect(paid).toHaveLength(16);
      expect([...perPrompt.values()].every((count) => count === 1)).toBe(true);
      expectComplete(await inspectProject(project), 16);
      // The work was shared: the runs' own summaries add up to 16 generated.
      const generated = results.map((result) =>
        Number(/(\d+) generated/.exec(result.stdout)?.[1] ?? Number.NaN),
      );
      expect(generated.reduce((sum, n) => sum + n, 0)).toBe(16);
      figures[`openai x${processes}`] = {
        images: 16,
        paid: paid.length,
        generatedPerRun: generated,
      };
    });
  }

  it('4 processes (hiapi): one task per image, no task created twice', async () => {
    mock = await createMockApi({ taskDurationMs: 200, latencyMs: 30 });
    project = await createProject({
      images: 6,
      config: { provider: 'hiapi', aspect: '16:9', resolution: '1K' },
    });
    const env = { HIAPI_API_KEY: 'hk-test-race', HIAPI_BASE_URL: mock.hiapiBaseURL };
    const results = await Promise.all(
      [1, 2, 3, 4].map(() => spawnHerogen(['generate'], { cwd: project!.root, env }).result),
    );
    for (const result of results) expect(result.code).toBe(0);
    const creates = mock.requests.filter((request) => request.route === 'hiapi.create');
    expect(creates).toHaveLength(6);
    expect(new Set(creates.map((call) => call.prompt)).size).toBe(6);
    expectComplete(await inspectProject(project), 6);
    figures['hiapi x4'] = { images: 6, creates: creates.length };
  });

  it('astro build beside herogen generate: one payment per image, one valid lock', async () => {
    mock = await createMockApi({ latencyMs: 400 });
    const root = await copySite('astro-basic');
    try {
      const env = { OPENAI_API_KEY: 'sk-test-astro-race', OPENAI_BASE_URL: mock.openaiBaseURL };
      const cli = spawnHerogen(['generate'], { cwd: root, env });
      const [build, run] = await Promise.all([buildSite(root, { herogen: { env } }), cli.result]);
      expect(build.error).toBeUndefined();
      expect(run.code).toBe(0);
      // Three posts, two distinct prompts: two payments whoever made them.
      expect(mock.paidCalls()).toBe(2);
      const state = await inspectProject({
        root,
        outDir: path.join(root, 'src/assets/herogen'),
        lockPath: path.join(root, 'herogen.lock.json'),
        prompts: [],
        write: async () => {},
        cleanup: async () => {},
      });
      expectComplete(state, 2);
      figures['astro build + generate'] = { images: 2, paid: mock.paidCalls() };
      await recordFigures('concurrent', figures);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
