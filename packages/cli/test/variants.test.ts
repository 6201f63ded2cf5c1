import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProject, runCli, useMockApi } from './helpers.js';

const KEY = 'sk-test-VARIANTS-0000';
const POST =
  '---\ntitle: T\nhero:\n  prompt: A lighthouse at dusk\n  alt: A lighthouse\n---\n\nBody.\n';

const api = useMockApi({ latencyMs: [0, 20] });

interface LockJson {
  images: Record<string, { file: string; sha256: string; placeholder?: boolean }>;
  history?: Record<string, { file: string; sha256: string; reason: string }[]>;
}

const env = () => ({ OPENAI_API_KEY: KEY, OPENAI_BASE_URL: api.mock.openaiBaseURL });

async function project(config?: Record<string, unknown>) {
  const created = await createProject({
    'src/content/post.md': POST,
    ...(config ? { 'herogen.config.json': JSON.stringify(config) } : {}),
  });
  api.track(created);
  return created;
}

describe('herogen variants', () => {
  it('makes exactly n paid calls, stores candidates beside the original, and caches them', async () => {
    const site = await project();
    expect((await runCli(['generate'], { cwd: site.root, env: env() })).code).toBe(0);
    expect(api.mock.paidCalls()).toBe(1);

    const run = await runCli(['variants', 'src/content/post.md', '-n', '3'], {
      cwd: site.root,
      env: env(),
    });
    expect(run.code).toBe(0);
    expect(api.mock.paidCalls()).toBe(4);
    expect(run.stdout).toContain('candidates for src/content/post.md (openai gpt-image-2)');
    expect(run.stdout).toMatch(/^1\*?\s+src\/assets\/herogen\/variants\/[0-9a-f]{20}\.png/m);
    expect(run.stdout).toMatch(/^3\*?\s+src\/assets\/herogen\/variants\//m);
    expect(run.stdout).toContain('herogen pick src/content/post.md <n>');
    const files = await readdir(path.join(site.root, 'src/assets/herogen/variants'));
    expect(files).toHaveLength(3);
    const lock = JSON.parse(await site.read('herogen.lock.json')) as LockJson;
    expect(Object.keys(lock.images)).toHaveLength(4);

    // Asking for more pays only for the new numbers; the post's own image is untouched.
    const more = await runCli(['variants', 'src/content/post.md', '-n', '4', '--json'], {
      cwd: site.root,
      env: env(),
    });
    expect(more.code).toBe(0);
    expect(api.mock.paidCalls()).toBe(5);
    const json = JSON.parse(more.stdout);
    expect(json.generated).toBe(1);
    expect(json.candidates.map((c: { n: number }) => c.n)).toEqual([1, 2, 3, 4]);
    expect(await site.read('src/content/post.md')).toBe(POST);

    // A normal build still pays nothing and check passes.
    const build = await runCli(['generate'], { cwd: site.root, env: env() });
    expect(build.stdout).toContain('1 cached, 0 generated');
    expect(api.mock.paidCalls()).toBe(5);
    expect((await runCli(['check'], { cwd: site.root, env: {} })).code).toBe(0);
  });

  it('refuses without a key or in frozen mode, before any call', async () => {
    const site = await project({ provider: 'openai' });
    const noKey = await runCli(['variants', 'src/content/post.md'], {
      cwd: site.root,
      env: { OPENAI_BASE_URL: api.mock.openaiBaseURL },
    });
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain('no API key for openai');
    const frozen = await runCli(['variants', 'src/content/post.md', '--frozen'], {
      cwd: site.root,
      env: env(),
    });
    expect(frozen.code).toBe(1);
    expect(frozen.stderr).toContain('frozen mode');
    const tooMany = await runCli(['variants', 'src/content/post.md', '-n', '500'], {
      cwd: site.root,
      env: env(),
    });
    expect(tooMany.code).toBe(2);
    expect(api.mock.requests).toHaveLength(0);
  });
});

describe('herogen pick', () => {
  // The local provider draws different art per variant, so candidates really differ.
  it('pins a candidate at the post image path, keeps the old take, leaves frontmatter alone', async () => {
    const site = await project({ provider: 'local' });
    await runCli(['generate'], { cwd: site.root, env: {} });
    const before = JSON.parse(await site.read('herogen.lock.json')) as LockJson;
    const [mainKey] = Object.keys(before.images);
    const main = before.images[mainKey!]!;

    const variants = await runCli(['variants', 'src/content/post.md', '-n', '3', '--json'], {
      cwd: site.root,
      env: {},
    });
    expect(variants.code).toBe(0);
    const candidates = JSON.parse(variants.stdout).candidates as {
      n: number;
      file: string;
      current: boolean;
    }[];
    expect(candidates).toHaveLength(3);
    expect(candidates.every((c) => !c.current)).toBe(true);
    const two = candidates.find((c) => c.n === 2)!;
    const twoBytes = await readFile(path.join(site.root, two.file));
    const mainBytes = await readFile(path.join(site.root, main.file));
    expect(twoBytes.equals(mainBytes)).toBe(false);

    const pick = await runCli(['pick', 'src/content/post.md', '2'], { cwd: site.root, env: {} });
    expect(pick.code).toBe(0);
    expect(pick.stdout).toContain(
      `picked candidate 2 for src/content/post.md: ${two.file} → ${main.file}`,
    );

    expect(await readFile(path.join(site.root, main.file))).toEqual(twoBytes);
    expect(await site.read('src/content/post.md')).toBe(POST);
    const after = JSON.parse(await site.read('herogen.lock.json')) as LockJson;
    expect(after.images[mainKey!]!.file).toBe(main.file);
    expect(after.images[mainKey!]!.sha256).not.toBe(main.sha256);
    // Local art is a placeholder, so there is no paid take to keep; the listing marks the pick.
    const listed = JSON.parse(
      (
        await runCli(['variants', 'src/content/post.md', '-n', '3', '--json'], {
          cwd: site.root,
          env: {},
        })
      ).stdout,
    );
    expect(listed.candidates.find((c: { n: number }) => c.n === 2).current).toBe(true);
    expect(listed.generated).toBe(0);

    // The build keeps showing the picked image.
    const build = await runCli(['generate'], { cwd: site.root, env: {} });
    expect(build.stdout).toContain('1 cached');
    expect(await readFile(path.join(site.root, main.file))).toEqual(twoBytes);
  });

  it('keeps the replaced paid original in history', async () => {
    const site = await project();
    await runCli(['generate'], { cwd: site.root, env: env() });
    await runCli(['variants', 'src/content/post.md', '-n', '2'], { cwd: site.root, env: env() });
    const before = JSON.parse(await site.read('herogen.lock.json')) as LockJson;
    const mainKey = Object.keys(before.images).find(
      (key) => !before.images[key]!.file.includes('/variants/'),
    )!;
    const pick = await runCli(['pick', 'src/content/post.md', '1', '--json'], {
      cwd: site.root,
      env: {},
    });
    expect(pick.code).toBe(0);
    const after = JSON.parse(await site.read('herogen.lock.json')) as LockJson;
    const history = after.history?.[mainKey] ?? [];
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ reason: 'pick', sha256: before.images[mainKey]!.sha256 });
    expect(JSON.parse(pick.stdout).previous.file).toBe(history[0]!.file);
    expect((await runCli(['verify'], { cwd: site.root, env: {} })).code).toBe(0);
  });

  it('explains a candidate that does not exist', async () => {
    const site = await project({ provider: 'local' });
    await runCli(['generate'], { cwd: site.root, env: {} });
    const run = await runCli(['pick', 'src/content/post.md', '7'], { cwd: site.root, env: {} });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('there is no candidate 7 for src/content/post.md');
    expect(run.stderr).toContain('herogen variants src/content/post.md -n 7');
  });
});
