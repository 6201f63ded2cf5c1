import { createMockApi, type MockApi } from '@herogen/mock-api';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createProject,
  inspectProject,
  type Project,
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

const env = () => ({ OPENAI_API_KEY: 'sk-test-sigint', OPENAI_BASE_URL: mock!.openaiBaseURL });

/** Resolve once the mock has `count` requests it has not answered yet. */
async function inFlight(count: number): Promise<void> {
  while (mock!.requests.filter((request) => request.status === -1).length < count) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('Ctrl-C during herogen generate', () => {
  it('first SIGINT: starts nothing new, stores what arrives, exits 130 and says what was kept', async () => {
    mock = await createMockApi({ latencyMs: 700 });
    project = await createProject({ images: 12, config: { concurrency: 3 } });
    const run = spawnHerogen(['generate'], { cwd: project.root, env: env() });
    await inFlight(3);
    const startedBeforeStop = mock.requests.length;
    run.child.kill('SIGINT');
    const result = await run.result;

    expect(result.code).toBe(130);
    expect(result.stdout).toContain('stopping: no new images will start');
    const kept = /interrupted: kept (\d+) images? that arrived/.exec(result.stdout);
    expect(kept).not.toBeNull();
    const state = await inspectProject(project);
    const stored = state.images.filter((image) => !image.placeholder);
    // Everything paid for arrived and was stored; the summary counts exactly those.
    const paid = mock.requests.filter((request) => request.billed);
    expect(paid.length).toBeGreaterThanOrEqual(startedBeforeStop);
    expect(new Set(stored.map((image) => image.prompt))).toEqual(
      new Set(paid.map((request) => request.prompt)),
    );
    expect(Number(kept![1])).toBe(stored.length);
    expect(stored.every((image) => image.intact)).toBe(true);
    // Stopped early, and no stand-ins were written for what was not started.
    expect(stored.length).toBeLessThan(12);
    expect(state.images.some((image) => image.placeholder)).toBe(false);
    expect(state.journal).toEqual([]);
    expect(result.stderr).not.toMatch(/this is a bug|\n\s+at /);

    // The rerun makes exactly the images that are still missing.
    const before = mock.requests.length;
    const rerun = await spawnHerogen(['generate'], { cwd: project.root, env: env() }).result;
    expect(rerun.code).toBe(0);
    const repaid = mock.requests.slice(before).filter((request) => request.billed);
    expect(repaid).toHaveLength(12 - stored.length);
    await recordFigures('sigint-first', {
      inFlightAtStop: startedBeforeStop,
      kept: stored.length,
      paidBeforeStop: paid.length,
      rerunPaid: repaid.length,
      exit: result.code,
    });
  });

  it('second SIGINT: aborts the requests in flight and exits 130 without waiting for them', async () => {
    mock = await createMockApi({ latencyMs: 20_000 });
    project = await createProject({ images: 6, config: { concurrency: 3 } });
    const run = spawnHerogen(['generate'], { cwd: project.root, env: env() });
    await inFlight(3);
    run.child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 200));
    run.child.kill('SIGINT');
    const result = await run.result;
    // The process is gone while the server is still working on every request: it did not wait.
    const unanswered = mock.requests.filter((request) => request.status === -1);
    expect(unanswered).toHaveLength(3);
    expect(result.code).toBe(130);
    expect(result.stdout).toContain('aborting running requests');
    expect(result.stdout).toMatch(/interrupted: kept 0 images/);
    expect(result.stderr).not.toMatch(/this is a bug|\n\s+at /);
    const state = await inspectProject(project);
    expect(state.images).toEqual([]);
    expect(state.tempFiles).toEqual([]);
    await recordFigures('sigint-second', {
      abortedInFlight: unanswered.length,
      exit: result.code,
      output: result.stdout.split('\n').filter((line) => /abort|interrupt|stopp/.test(line)),
    });
  });
});
