import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createProject, runCli, useMockApi } from './helpers.js';

const FAKE_KEY = 'sk-test-HEROGEN-SECRET-4242';
const post = (title: string, hero: string) => `---\ntitle: ${title}\n${hero}\n---\n\nBody.\n`;

const api = useMockApi({ taskDurationMs: 150 });

async function blog() {
  const project = await createProject({
    'src/content/a.md': post('A', 'hero:\n  prompt: A lighthouse at dusk\n  alt: A lighthouse'),
    'src/content/b.md': post(
      'B',
      'hero:\n  prompt: A lighthouse at dusk\n  alt: The same lighthouse',
    ),
    'src/content/c.md': post(
      'C',
      'hero:\n  prompt: Terraced rice fields in fog\n  alt: Rice fields',
    ),
  });
  api.track(project);
  return project;
}

/** Every byte herogen wrote or printed, to prove the key leaked nowhere. */
async function everythingWritten(root: string, outputs: string[]): Promise<string> {
  const lock = await readFile(path.join(root, 'herogen.lock.json'), 'utf8');
  return [lock, ...outputs].join('\n');
}

describe('herogen generate against the OpenAI stand-in', () => {
  const env = () => ({ OPENAI_API_KEY: FAKE_KEY, OPENAI_BASE_URL: api.mock.openaiBaseURL });

  it('pays once per distinct request, never again, and check passes', async () => {
    const project = await blog();
    const first = await runCli(['generate'], { cwd: project.root, env: env() });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('0 cached, 2 generated, 0 failed');
    expect(api.mock.paidCalls()).toBe(2);

    const lock = JSON.parse(await project.read('herogen.lock.json'));
    const entries = Object.values(lock.images) as Array<Record<string, unknown>>;
    expect(entries).toHaveLength(2);
    for (const entry of entries) {
      expect(entry.provider).toBe('openai');
      expect(entry.model).toBe('gpt-image-2');
      expect(entry.placeholder).toBeUndefined();
      expect(entry.costConfidence).toBe('exact');
      expect(entry.costUsd).toBeGreaterThan(0);
      expect(String(entry.requestId)).toMatch(/^req_/);
      const meta = await sharp(path.join(project.root, String(entry.file))).metadata();
      expect([meta.width, meta.height]).toEqual([entry.width, entry.height]);
    }

    const second = await runCli(['generate'], { cwd: project.root, env: env() });
    expect(second.stdout).toContain('2 cached, 0 generated, 0 failed');
    expect(api.mock.paidCalls()).toBe(2);

    const check = await runCli(['check'], { cwd: project.root, env: {} });
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('ok: all 2 images');

    const everything = await everythingWritten(project.root, [
      first.stdout,
      first.stderr,
      second.stdout,
    ]);
    expect(everything).not.toContain(FAKE_KEY);
  });

  it('keeps using paid images on a machine without a key (CI without secrets)', async () => {
    const project = await blog();
    await runCli(['generate'], { cwd: project.root, env: env() });
    const lockBefore = await project.read('herogen.lock.json');
    const noKey = await runCli(['generate'], { cwd: project.root, env: { CI: 'true' } });
    expect(noKey.code).toBe(0);
    expect(noKey.stdout).toContain('2 cached, 0 generated, 0 failed');
    expect(await project.read('herogen.lock.json')).toBe(lockBefore);
    expect((await readdir(path.join(project.root, 'src/assets/herogen'))).length).toBe(2);
  });

  it('retries a 503 and reports a moderation refusal without retrying it', async () => {
    const project = await blog();
    api.mock.setFaults([
      {
        route: 'openai.generations',
        prompt: 'lighthouse',
        attempt: 1,
        fault: { type: 'status', status: 503 },
      },
      {
        route: 'openai.generations',
        prompt: 'rice',
        fault: {
          type: 'status',
          status: 400,
          errorType: 'image_generation_user_error',
          code: 'moderation_blocked',
          message: 'Your request was rejected by the safety system.',
        },
      },
    ]);
    const run = await runCli(['generate', '--json'], { cwd: project.root, env: env() });
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.stdout);
    expect(summary.generated).toBe(1);
    expect(summary.failed).toBe(1);
    const failed = summary.results.find((r: { result: string }) => r.result === 'failed');
    expect(failed.error.code).toBe('PROVIDER_MODERATION');
    expect(failed.error.message).toContain('src/content/c.md');
    const calls = api.mock.requests.filter((r) => r.route === 'openai.generations');
    expect(calls.filter((r) => r.prompt?.includes('lighthouse'))).toHaveLength(2);
    expect(calls.filter((r) => r.prompt?.includes('rice'))).toHaveLength(1);
    expect(run.stderr + run.stdout).not.toContain(FAKE_KEY);
    // The failed hero got a stand-in so the site still builds; check flags it.
    const check = await runCli(['check', '--json'], { cwd: project.root, env: {} });
    expect(check.code).toBe(1);
    expect(JSON.parse(check.stdout).problems.map((p: { problem: string }) => p.problem)).toEqual([
      'placeholder',
    ]);
  });
});

describe('herogen generate against the hiapi stand-in', () => {
  it('creates one task per distinct request and stores what it downloads', async () => {
    const project = await blog();
    const env = { HIAPI_API_KEY: FAKE_KEY, HIAPI_BASE_URL: api.mock.hiapiBaseURL };
    const run = await runCli(['generate'], { cwd: project.root, env });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('0 cached, 2 generated, 0 failed');
    expect(api.mock.requests.filter((r) => r.route === 'hiapi.create')).toHaveLength(2);
    const lock = JSON.parse(await project.read('herogen.lock.json'));
    for (const entry of Object.values(lock.images) as Array<Record<string, unknown>>) {
      expect(entry.provider).toBe('hiapi');
      expect(String(entry.taskId)).toMatch(/^tk-hiapi-/);
      expect(entry.costUsd).toBe(0.03);
    }
    expect(lock.pending).toEqual({});
    const again = await runCli(['generate'], { cwd: project.root, env });
    expect(again.stdout).toContain('2 cached');
    expect(api.mock.requests.filter((r) => r.route === 'hiapi.create')).toHaveLength(2);
    expect(run.stdout + run.stderr + JSON.stringify(lock)).not.toContain(FAKE_KEY);
  });
});

describe('hiapi task journal', () => {
  it('forgets a task that failed for good, so the next run creates a new one', async () => {
    const project = await blog();
    const env = { HIAPI_API_KEY: FAKE_KEY, HIAPI_BASE_URL: api.mock.hiapiBaseURL };
    api.mock.setFaults([
      { route: 'hiapi.create', prompt: 'rice', times: 1, fault: { type: 'taskFail' } },
    ]);
    const first = await runCli(['generate', '--json'], { cwd: project.root, env });
    expect(first.code).toBe(1);
    const failed = JSON.parse(first.stdout).results.find(
      (r: { result: string }) => r.result === 'failed',
    );
    expect(failed.error.code).toBe('PROVIDER_TASK_FAILED');
    expect(JSON.parse(await project.read('herogen.lock.json')).pending).toEqual({});

    api.mock.setFaults([]);
    const second = await runCli(['generate'], { cwd: project.root, env });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('1 cached, 1 generated, 0 failed');
    const creates = api.mock.requests.filter(
      (r) => r.route === 'hiapi.create' && r.prompt?.includes('rice'),
    );
    expect(creates).toHaveLength(2);
  });
});
