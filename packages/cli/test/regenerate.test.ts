import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProject, runCli, useMockApi } from './helpers.js';

const KEY = 'sk-test-REGEN-0000';
const post = (prompt: string) => `---\ntitle: T\nhero:\n  prompt: ${prompt}\n  alt: A\n---\n`;

const api = useMockApi({ latencyMs: [0, 20] });

interface Entry {
  file: string;
  sha256: string;
  requestId?: string;
  createdAt: string;
  placeholder?: boolean;
}
interface HistoryEntry extends Entry {
  reason: string;
  replacedAt: string;
}
interface LockJson {
  images: Record<string, Entry>;
  history?: Record<string, HistoryEntry[]>;
}

const env = () => ({ OPENAI_API_KEY: KEY, OPENAI_BASE_URL: api.mock.openaiBaseURL });

async function generated() {
  const project = await createProject({
    'src/content/a.md': post('A lighthouse at dusk'),
    'src/content/b.md': post('Rice fields in fog'),
  });
  api.track(project);
  const run = await runCli(['generate'], { cwd: project.root, env: env() });
  expect(run.code).toBe(0);
  const lock = JSON.parse(await project.read('herogen.lock.json')) as LockJson;
  const plan = JSON.parse(
    (await runCli(['plan', '--json'], { cwd: project.root, env: env() })).stdout,
  );
  const keyOf = (file: string) =>
    plan.jobs.find((job: { sources: { file: string }[] }) => job.sources[0]?.file === file)
      .key as string;
  return { project, lock, a: keyOf('src/content/a.md'), b: keyOf('src/content/b.md') };
}

const readLockJson = async (project: { read(file: string): Promise<string> }) =>
  JSON.parse(await project.read('herogen.lock.json')) as LockJson;

describe('herogen regenerate', () => {
  it('pays for a new take at the same path and keeps the old file, listed in the lock', async () => {
    const { project, lock: before, a, b } = await generated();
    const oldEntry = before.images[a]!;
    const oldBytes = await readFile(path.join(project.root, oldEntry.file));
    expect(api.mock.paidCalls()).toBe(2);

    const run = await runCli(['regenerate', 'src/content/a.md'], { cwd: project.root, env: env() });
    expect(run.code).toBe(0);
    expect(api.mock.paidCalls()).toBe(3);
    expect(run.stdout).toContain(`new take of src/content/a.md → ${oldEntry.file}`);
    expect(run.stdout).toMatch(
      new RegExp(`previous take is kept at src/assets/herogen/history/${a}/[0-9TZ-]+\\.png`),
    );

    const after = await readLockJson(project);
    // Same key and path; a new paid call (new request id); the other image untouched.
    expect(Object.keys(after.images).sort()).toEqual(Object.keys(before.images).sort());
    expect(after.images[a]!.file).toBe(oldEntry.file);
    expect(after.images[a]!.requestId).not.toBe(oldEntry.requestId);
    expect(after.images[b]).toEqual(before.images[b]);
    const history = after.history?.[a] ?? [];
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({
      reason: 'regenerate',
      requestId: oldEntry.requestId,
      sha256: oldEntry.sha256,
      createdAt: oldEntry.createdAt,
    });
    expect(await readFile(path.join(project.root, history[0]!.file))).toEqual(oldBytes);

    // A key prefix works too; so does a path relative to the working directory.
    const byKey = await runCli(['regenerate', a.slice(0, 8)], { cwd: project.root, env: env() });
    expect(byKey.code).toBe(0);
    const fromSub = await runCli(['regenerate', 'content/a.md', '--root', project.root, '--json'], {
      cwd: path.join(project.root, 'src'),
      env: env(),
    });
    expect(fromSub.code).toBe(0);
    const json = JSON.parse(fromSub.stdout);
    expect(json.results[0].result).toBe('generated');
    expect(json.results[0].previous.reason).toBe('regenerate');
    // The mock answers a prompt with the same picture each time: the same take is kept once.
    expect((await readLockJson(project)).history?.[a]).toHaveLength(1);
    expect(await readdir(path.join(project.root, 'src/assets/herogen/history', a))).toHaveLength(1);

    // The project is consistent: check and verify pass, a build pays nothing.
    expect((await runCli(['check'], { cwd: project.root, env: {} })).code).toBe(0);
    expect((await runCli(['verify'], { cwd: project.root, env: {} })).code).toBe(0);
    const again = await runCli(['generate'], { cwd: project.root, env: env() });
    expect(again.stdout).toContain('2 cached, 0 generated');
    expect(api.mock.paidCalls()).toBe(5);
  });

  it('a failed new take keeps the current image and leaves no history behind', async () => {
    const { project, lock: before, a } = await generated();
    api.mock.setFaults([
      {
        route: 'openai.generations',
        prompt: 'lighthouse',
        fault: {
          type: 'status',
          status: 400,
          errorType: 'image_generation_user_error',
          code: 'moderation_blocked',
          message: 'Your request was rejected by the safety system.',
        },
      },
    ]);
    const run = await runCli(['regenerate', 'src/content/a.md'], { cwd: project.root, env: env() });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('no new take of src/content/a.md; the current image is unchanged');
    const after = await readLockJson(project);
    expect(after.images).toEqual(before.images);
    expect(after.history).toBeUndefined();
    await expect(
      readdir(path.join(project.root, 'src/assets/herogen/history', a)),
    ).resolves.toEqual([]);
  });

  it('frozen, no key or over budget: refuses without a call and changes nothing', async () => {
    const { project, lock: before } = await generated();
    const lockText = await project.read('herogen.lock.json');
    const frozen = await runCli(['regenerate', 'src/content/a.md', '--frozen'], {
      cwd: project.root,
      env: env(),
    });
    expect(frozen.code).toBe(1);
    expect(frozen.stdout).toContain('frozen mode');
    const noKey = await runCli(['regenerate', 'src/content/a.md'], {
      cwd: project.root,
      env: { CI: 'true' },
    });
    expect(noKey.code).toBe(1);
    expect(noKey.stdout).toMatch(/no API key/);
    const budget = await runCli(['regenerate', 'src/content/a.md', '--budget', '0.001'], {
      cwd: project.root,
      env: env(),
    });
    expect(budget.code).toBe(3);
    expect(budget.stderr).toContain('refusing to start');
    expect(api.mock.paidCalls()).toBe(2);
    expect(await project.read('herogen.lock.json')).toBe(lockText);
    expect(Object.keys(before.images)).toHaveLength(2);
  });

  it('pays again for a paid original that was lost, on request', async () => {
    const { project, lock: before, a } = await generated();
    await rm(path.join(project.root, before.images[a]!.file));
    const generate = await runCli(['generate'], { cwd: project.root, env: env() });
    expect(generate.code).toBe(1); // never silently pays again
    expect(api.mock.paidCalls()).toBe(2);
    const run = await runCli(['regenerate', 'src/content/a.md'], { cwd: project.root, env: env() });
    expect(run.code).toBe(0);
    expect(api.mock.paidCalls()).toBe(3);
    expect(run.stderr).toContain('is gone');
    expect((await runCli(['check'], { cwd: project.root, env: {} })).code).toBe(0);
  });

  it('names what it could not find', async () => {
    const { project } = await generated();
    const run = await runCli(['regenerate', 'src/content/nope.md'], {
      cwd: project.root,
      env: env(),
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no hero found for "src/content/nope.md"');
    expect(api.mock.paidCalls()).toBe(2);
  });
});
