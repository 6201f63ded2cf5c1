import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProject, runCli, useMockApi } from './helpers.js';

const KEY = 'sk-test-BUDGET-0000';
const post = (prompt: string) => `---\ntitle: T\nhero:\n  prompt: ${prompt}\n  alt: A\n---\n`;
const PROMPTS = ['A lighthouse at dusk', 'Rice fields in fog', 'A red fox', 'A desert road'];

const api = useMockApi({ latencyMs: [0, 20], taskDurationMs: 100 });

async function blog(config?: Record<string, unknown>, count = 3) {
  const files: Record<string, string> = {};
  PROMPTS.slice(0, count).forEach((prompt, i) => {
    files[`src/content/p${i + 1}.md`] = post(prompt);
  });
  if (config) files['herogen.config.json'] = `${JSON.stringify(config)}\n`;
  const project = await createProject(files);
  api.track(project);
  return project;
}

const openai = () => ({ OPENAI_API_KEY: KEY, OPENAI_BASE_URL: api.mock.openaiBaseURL });
const lockImages = async (project: { read(file: string): Promise<string> }) =>
  Object.values(
    JSON.parse(await project.read('herogen.lock.json')).images as Record<
      string,
      {
        placeholder?: boolean;
        placeholderReason?: string;
        costUsd: number | null;
        costConfidence: string;
      }
    >,
  );

describe('pricing overrides', () => {
  it('config `pricing` changes what `herogen plan` estimates', async () => {
    const before = await blog();
    const plain = await runCli(['plan', '--json'], { cwd: before.root, env: openai() });
    const defaultUsd = JSON.parse(plain.stdout).jobs[0].estimate.usd as number;
    expect(defaultUsd).toBeGreaterThan(0);
    expect(defaultUsd).toBeLessThan(0.1);
    await before.cleanup();

    const project = await blog({
      pricing: { 'openai:gpt-image-2': 0.2, 'openai:gpt-image-2:medium:1360x768': 0.5 },
    });
    const json = await runCli(['plan', '--json'], { cwd: project.root, env: openai() });
    expect(json.code).toBe(0);
    const plan = JSON.parse(json.stdout);
    expect(plan.jobs.map((job: { estimate: unknown }) => job.estimate)).toEqual([
      { usd: 0.5, confidence: 'estimate' },
      { usd: 0.5, confidence: 'estimate' },
      { usd: 0.5, confidence: 'estimate' },
    ]);
    expect(plan.estimateUsd).toBeCloseTo(1.5);
    const table = await runCli(['plan'], { cwd: project.root, env: openai() });
    expect(table.stdout).toMatch(/~\$0\.50/);
    expect(table.stdout).toContain('estimated $1.50');
    expect(api.mock.requests).toHaveLength(0);
  });

  it('a hiapi tier price from config is used for the estimate and the recorded cost', async () => {
    const project = await blog({ pricing: { 'hiapi:gpt-image-2:1K': 0.07 } }, 1);
    const env = { HIAPI_API_KEY: KEY, HIAPI_BASE_URL: api.mock.hiapiBaseURL };
    const plan = JSON.parse((await runCli(['plan', '--json'], { cwd: project.root, env })).stdout);
    expect(plan.jobs[0].estimate).toEqual({ usd: 0.07, confidence: 'estimate' });
    expect(plan.jobs[0].provider).toBe('hiapi');
    const run = await runCli(['generate'], { cwd: project.root, env });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('1 generated');
    const [image] = await lockImages(project);
    expect(image).toMatchObject({ costUsd: 0.07, costConfidence: 'estimate' });
  });

  it('rejects a malformed pricing key, naming it', async () => {
    const project = await blog({ pricing: { 'gpt-image-2': 0.05 } }, 1);
    const run = await runCli(['plan'], { cwd: project.root, env: openai() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('pricing.gpt-image-2');
    expect(run.stderr).toContain('<provider>:<model>');
  });

  it('shows an unknown estimate as unknown, never as $0', async () => {
    const project = await blog({ quality: 'auto' }, 2);
    const table = await runCli(['plan'], { cwd: project.root, env: openai() });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/\bunknown\s*$/m);
    expect(table.stdout).toContain('estimated cost unknown');
    expect(table.stdout).not.toContain('$0.00');
    const json = JSON.parse(
      (await runCli(['plan', '--json'], { cwd: project.root, env: openai() })).stdout,
    );
    expect(json.estimateUsd).toBeNull();
    expect(json.jobs[0].estimate).toEqual({ usd: null, confidence: 'unknown' });
  });
});

describe('budget', () => {
  it('refuses before any call when the plan is over budget, showing totals and overage', async () => {
    const project = await blog();
    const run = await runCli(['generate', '--budget', '0.05'], {
      cwd: project.root,
      env: openai(),
    });
    expect(run.code).toBe(3);
    expect(api.mock.requests).toHaveLength(0);
    expect(run.stderr).toContain('refusing to start');
    expect(run.stderr).toContain('plan: 3 images, 0 cached, 3 to pay for');
    expect(run.stderr).toMatch(/estimated \$0\.\d\d, budget \$0\.05 \(over by \$0\.\d\d\)/);
    expect(run.stderr).toContain('Nothing was generated or paid for');
    await expect(readdir(path.join(project.root, 'src/assets'))).rejects.toThrow();
  });

  it('refuses on --max-images before any call', async () => {
    const project = await blog();
    const run = await runCli(['generate', '--max-images', '2'], {
      cwd: project.root,
      env: openai(),
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('3 images to generate, budget allows 2 (over by 1)');
    expect(api.mock.requests).toHaveLength(0);
  });

  it('stops at the cap when real costs exceed the estimates', async () => {
    // Estimated at $0.001 each, the mock's usage bills each 1360x768 image at about $0.053.
    const project = await blog({ pricing: { 'openai:gpt-image-2': 0.001 } }, 4);
    const run = await runCli(['generate', '--json', '--budget', '0.15', '--concurrency', '1'], {
      cwd: project.root,
      env: openai(),
    });
    // Two images fit ($0.105); a third would pass the cap ($0.158), so it is never started.
    expect(api.mock.paidCalls()).toBe(2);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('stopped at the budget: 2 images not made');
    const summary = JSON.parse(run.stdout);
    expect(summary.generated).toBe(2);
    expect(summary.failed).toBe(2);
    expect(summary.costUsd).toBeLessThanOrEqual(0.15);
    expect(summary.costUsd).toBeGreaterThan(0.1);
    const failures = summary.results.filter((r: { result: string }) => r.result === 'failed');
    for (const failure of failures) {
      expect(failure.error.code).toBe('BUDGET_EXCEEDED');
      expect(failure.error.message).toMatch(/src\/content\/p\d\.md/);
    }
    const images = await lockImages(project);
    expect(images).toHaveLength(2);
    expect(images.every((image) => image.placeholder === undefined)).toBe(true);
  });

  it('onBudget "placeholder" stores stand-ins for the rest', async () => {
    const project = await blog(
      { pricing: { 'openai:gpt-image-2': 0.001 }, onBudget: 'placeholder' },
      4,
    );
    const run = await runCli(['generate', '--json', '--budget', '0.15', '--concurrency', '1'], {
      cwd: project.root,
      env: openai(),
    });
    expect(api.mock.paidCalls()).toBe(2);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ generated: 2, placeholders: 2, failed: 0 });
    const images = await lockImages(project);
    expect(images).toHaveLength(4);
    const standIns = images.filter((image) => image.placeholder);
    expect(standIns).toHaveLength(2);
    for (const image of standIns) expect(image.placeholderReason).toContain('BUDGET_EXCEEDED');
    expect((await readdir(path.join(project.root, 'src/assets/herogen'))).length).toBe(4);

    // The stand-ins are generated for real by a later run with room in the budget.
    const later = await runCli(['generate', '--json'], { cwd: project.root, env: openai() });
    expect(JSON.parse(later.stdout)).toMatchObject({ cached: 2, generated: 2 });
    expect(api.mock.paidCalls()).toBe(4);
  });
});
