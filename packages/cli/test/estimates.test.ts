import { createMockApi, type MockApi } from '@herogen/mock-api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createProject, runBin } from './helpers.js';

// An account billed below the published estimates, as seen in real use (estimated $0.053 a
// 1360×768 medium image, billed about $0.032): medium output tokens per 1024² image are 1100
// here instead of 1760.
const TOKENS_PER_MEGAPIXEL = 1100;
const post = (prompt: string) => `---\ntitle: T\nhero:\n  prompt: ${prompt}\n  alt: A\n---\n`;

let mock: MockApi;
let cleanup: (() => Promise<void>) | undefined;
beforeAll(async () => {
  mock = await createMockApi({ outputTokensPerMegapixel: { medium: TOKENS_PER_MEGAPIXEL } });
});
afterAll(() => mock.close());
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

interface PlannedJob {
  key: string;
  status: string;
  estimate: { usd: number; confidence: string; calibratedFrom?: number };
}
interface LockedImage {
  costUsd: number;
  costConfidence: string;
}

describe('estimates that learn from recorded costs', () => {
  it('after one real run, the same kind of image is estimated within 5% of what it costs', async () => {
    const project = await createProject({
      'herogen.config.json': JSON.stringify({ provider: 'openai', size: '1360x768' }),
      'src/content/a.md': post('A lighthouse at dusk over a calm sea'),
      'src/content/b.md': post('Rice fields in morning fog'),
      'src/content/c.md': post('A red kite over green hills'),
    });
    cleanup = project.cleanup;
    const env = { OPENAI_API_KEY: 'sk-test-ESTIMATES-0000', OPENAI_BASE_URL: mock.openaiBaseURL };
    const plan = async () =>
      JSON.parse((await runBin(['plan', '--json'], { cwd: project.root, env })).stdout) as {
        jobs: PlannedJob[];
      };
    const lock = async () =>
      JSON.parse(await project.read('herogen.lock.json')).images as Record<string, LockedImage>;

    // Nothing recorded yet: the price table, which errs high.
    const first = await plan();
    expect(first.jobs.every((job) => job.estimate.calibratedFrom === undefined)).toBe(true);
    expect((await runBin(['generate'], { cwd: project.root, env })).code).toBe(0);
    const paid = await lock();
    for (const job of first.jobs) {
      expect(paid[job.key]?.costConfidence).toBe('exact');
      expect(job.estimate.usd).toBeGreaterThan(paid[job.key]!.costUsd * 1.3);
    }

    // Three new posts of the same kind: estimated from the three recorded costs.
    await project.write('src/content/d.md', post('An old stone bridge in autumn rain'));
    await project.write('src/content/e.md', post('A night market lit by paper lanterns'));
    await project.write('src/content/f.md', post('Snowy pines under a full moon'));
    const second = (await plan()).jobs.filter((job) => job.status !== 'cached');
    expect(second).toHaveLength(3);
    for (const job of second) expect(job.estimate.calibratedFrom).toBe(3);
    const text = (await runBin(['plan'], { cwd: project.root, env })).stdout;
    expect(text).toMatch(/~\$0\.03 \(calibrated\)/);
    expect(text).toContain('openai gpt-image-2 1360x768 medium: ~$0.03');
    expect(text).toContain('calibrated from 3 recorded costs');

    expect((await runBin(['generate'], { cwd: project.root, env })).code).toBe(0);
    const after = await lock();
    for (const job of second) {
      const cost = after[job.key]!.costUsd;
      expect(Math.abs(job.estimate.usd - cost) / cost).toBeLessThanOrEqual(0.05);
    }
  });
});
