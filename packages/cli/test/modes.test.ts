import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { faults } from '@herogen/mock-api';
import { describe, expect, it } from 'vitest';
import { createProject, runCli, useMockApi } from './helpers.js';

const KEY = 'sk-test-MODES-0000';
const post = (prompt: string) => `---\ntitle: T\nhero:\n  prompt: ${prompt}\n  alt: A\n---\n`;

const api = useMockApi({ latencyMs: [0, 20] });

async function blog(config?: Record<string, unknown>) {
  const project = await createProject({
    'src/content/lighthouse.md': post('A lighthouse at dusk'),
    'src/content/fields.md': post('Rice fields in fog'),
    ...(config ? { 'herogen.config.json': JSON.stringify(config) } : {}),
  });
  api.track(project);
  return project;
}

const openai = () => ({ OPENAI_API_KEY: KEY, OPENAI_BASE_URL: api.mock.openaiBaseURL });
type Entry = { placeholder?: boolean; placeholderReason?: string; provider: string };
const lockImages = async (project: { read(file: string): Promise<string> }) =>
  Object.values(
    JSON.parse(await project.read('herogen.lock.json')).images as Record<string, Entry>,
  );

describe('frozen mode', () => {
  it('--frozen makes zero calls, stores placeholders, and check fails', async () => {
    const project = await blog();
    const run = await runCli(['generate', '--frozen'], { cwd: project.root, env: openai() });
    expect(run.code).toBe(0);
    expect(api.mock.requests).toHaveLength(0);
    expect(run.stderr).toContain('frozen mode: no paid API call is made; 2 images get offline');
    expect(run.stdout).toContain('0 generated, 2 placeholders');
    const images = await lockImages(project);
    expect(images).toHaveLength(2);
    for (const image of images) {
      expect(image.placeholder).toBe(true);
      expect(image.placeholderReason).toContain('FROZEN');
    }
    expect(await readdir(path.join(project.root, 'src/assets/herogen'))).toHaveLength(2);
    const check = await runCli(['check'], { cwd: project.root, env: openai() });
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/^placeholder\s+src\/content\/fields\.md:3/m);

    // Unfrozen, the same project pays for both and replaces the stand-ins.
    const real = await runCli(['generate'], { cwd: project.root, env: openai() });
    expect(real.code).toBe(0);
    expect(api.mock.paidCalls()).toBe(2);
    expect((await lockImages(project)).every((image) => !image.placeholder)).toBe(true);
  });

  it('HEROGEN_FROZEN=1 in the environment is the same as --frozen', async () => {
    const project = await blog();
    const run = await runCli(['generate'], {
      cwd: project.root,
      env: { ...openai(), HEROGEN_FROZEN: '1' },
    });
    expect(run.code).toBe(0);
    expect(api.mock.requests).toHaveLength(0);
    expect((await lockImages(project)).every((image) => image.placeholder)).toBe(true);
  });

  it('--frozen --strict fails naming the posts, and stores nothing', async () => {
    const project = await blog();
    const run = await runCli(['generate', '--frozen', '--strict'], {
      cwd: project.root,
      env: openai(),
    });
    expect(run.code).toBe(1);
    expect(api.mock.requests).toHaveLength(0);
    expect(run.stdout).toMatch(/^failed\s+src\/content\/lighthouse\.md: frozen mode/m);
    expect(run.stdout).toContain('2 failed');
  });
});

describe('CI without a key', () => {
  it('provider auto: a clear notice and offline placeholders, exit 0', async () => {
    const project = await blog();
    const run = await runCli(['generate'], { cwd: project.root, env: { CI: 'true' } });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      /warning: no API key set \(OPENAI_API_KEY or HIAPI_API_KEY\): 2 images get offline placeholder art/,
    );
    expect(run.stdout).toContain('2 placeholders, 0 failed');
    expect((await lockImages(project)).map((image) => image.provider)).toEqual(['local', 'local']);
  });

  it('provider auto with --strict fails and names each post', async () => {
    const project = await blog();
    const run = await runCli(['generate', '--strict'], { cwd: project.root, env: { CI: 'true' } });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^failed\s+src\/content\/fields\.md: no API key set/m);
    expect(run.stdout).toMatch(/^failed\s+src\/content\/lighthouse\.md: no API key set/m);
    await expect(project.read('herogen.lock.json')).rejects.toThrow();
  });

  it('provider openai without its key: notice naming the variable, not a failure', async () => {
    const project = await blog({ provider: 'openai' });
    const run = await runCli(['generate'], {
      cwd: project.root,
      env: { CI: 'true', OPENAI_BASE_URL: api.mock.openaiBaseURL },
    });
    expect(run.code).toBe(0);
    expect(api.mock.requests).toHaveLength(0);
    expect(run.stderr).toContain('no API key for openai: 2 images get offline placeholders');
    expect(run.stderr).toContain('Set OPENAI_API_KEY (in CI, as a secret)');
    expect((await lockImages(project)).every((image) => image.placeholder)).toBe(true);

    const strict = await runCli(['generate', '--strict'], {
      cwd: project.root,
      env: { CI: 'true', OPENAI_BASE_URL: api.mock.openaiBaseURL },
    });
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/^failed\s+src\/content\/lighthouse\.md: no API key for openai/m);
  });
});

describe('strict', () => {
  it('fails the run on one failed image, naming the post, without a stand-in', async () => {
    const project = await blog();
    api.mock.setFaults([
      {
        route: 'openai.generations',
        prompt: 'Rice',
        fault: {
          type: 'status',
          status: 400,
          errorType: 'image_generation_user_error',
          code: 'moderation_blocked',
          message: 'Your request was rejected by the safety system.',
        },
      },
    ]);
    const run = await runCli(['generate', '--strict'], { cwd: project.root, env: openai() });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^failed\s+src\/content\/fields\.md: /m);
    expect(run.stdout).toContain('1 generated');
    const images = await lockImages(project);
    expect(images).toHaveLength(1);
    expect(images[0]?.placeholder).toBeUndefined();
  });
});

describe('an empty balance', () => {
  it('stores placeholders, exits 1 and says it is the account’s billing state, not a mistake', async () => {
    const project = await blog();
    api.mock.setFaults([{ route: 'openai.generations', fault: faults.insufficientQuota() }]);
    const run = await runCli(['generate'], { cwd: project.root, env: openai() });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      "note: 2 images are offline placeholders: openai reports no credit left. That is the account's billing state (an outage for this site), not a configuration mistake",
    );
    // An empty balance does not fill up by waiting: one call per image, no retries.
    expect(api.mock.requests.filter((r) => r.route === 'openai.generations')).toHaveLength(2);
    expect((await lockImages(project)).every((entry) => entry.placeholder)).toBe(true);
  });
});
