import { createMockApi } from '@herogen/mock-api';
import { expect, it } from 'vitest';
import { createProject, runCli } from './helpers.js';

it('concurrency 8 against a rate-limited API finishes, refusals kept to one per window', async () => {
  // 4 images per 1.5 s window stands in for "N images per minute" so the test runs in seconds.
  const mock = await createMockApi({ imagesPerMinute: 4, rateWindowMs: 1500, latencyMs: 20 });
  const files: Record<string, string> = {};
  for (let i = 0; i < 20; i++) {
    files[`src/content/post-${i}.md`] =
      `---\nhero:\n  prompt: Scene number ${i}\n  alt: Scene ${i}\n---\n`;
  }
  const project = await createProject(files);
  try {
    const started = Date.now();
    const run = await runCli(['generate', '--concurrency', '8', '--json'], {
      cwd: project.root,
      env: { OPENAI_API_KEY: 'sk-test-rate', OPENAI_BASE_URL: mock.openaiBaseURL },
    });
    const elapsed = Date.now() - started;
    expect(run.stderr).not.toMatch(/^failed /m);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).generated).toBe(20);
    expect(mock.paidCalls()).toBe(20);

    const calls = mock.requests.filter((r) => r.route === 'openai.generations');
    const rejected = calls.filter((r) => r.status === 429);
    const windows = Math.ceil(elapsed / 1500) + 1;
    // Workers that had already sent a call when a 429 came back may be refused too (at most
    // the other 7), once at the start and once more if a stall on this shared machine let a
    // whole quiet window pass and the run went back to full concurrency. Otherwise calls go
    // single file: at most one refusal per window. A pool that retried in step would see about
    // 4 refusals per window here (over 20 in this run).
    expect(rejected.length).toBeLessThanOrEqual(2 * 7 + windows);
  } finally {
    await project.cleanup();
    await mock.close();
  }
});
