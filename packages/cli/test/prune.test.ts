import { access, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProject, runBin, runCli, useMockApi } from './helpers.js';

const KEY = 'sk-test-PRUNE-0000';
const post = (prompt: string) => `---\ntitle: T\nhero:\n  prompt: ${prompt}\n  alt: A\n---\n`;

const api = useMockApi({ latencyMs: [0, 20] });

interface LockJson {
  images: Record<string, { file: string }>;
  history?: Record<string, { file: string }[]>;
}

const env = () => ({ OPENAI_API_KEY: KEY, OPENAI_BASE_URL: api.mock.openaiBaseURL });
const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/** a.md with a regenerated image (history) and candidates; b.md whose prompt changed. */
async function site() {
  const project = await createProject({
    'src/content/a.md': post('A lighthouse at dusk'),
    'src/content/b.md': post('Rice fields in fog'),
  });
  api.track(project);
  const run = (...args: string[]) => runCli(args, { cwd: project.root, env: env() });
  expect((await run('generate')).code).toBe(0);
  expect((await run('regenerate', 'src/content/a.md')).code).toBe(0);
  expect((await run('variants', 'src/content/a.md', '-n', '2')).code).toBe(0);
  await project.write('src/content/b.md', post('Rice fields at noon'));
  expect((await run('generate')).code).toBe(0);
  const lock = JSON.parse(await project.read('herogen.lock.json')) as LockJson;
  return { project, run, lock };
}

describe('herogen prune', () => {
  it('dry run lists only unreferenced originals and deletes nothing', async () => {
    const { project, run, lock } = await site();
    const plan = JSON.parse((await run('plan', '--json')).stdout);
    const used = new Set(plan.jobs.map((job: { key: string }) => job.key));
    const unused = Object.keys(lock.images).filter(
      (key) => !used.has(key) && !lock.images[key]!.file.includes('/variants/'),
    );
    expect(unused).toHaveLength(1); // the old b image
    const lockText = await project.read('herogen.lock.json');
    const filesBefore = await readdir(path.join(project.root, 'src/assets/herogen'), {
      recursive: true,
    });
    await writeFile(path.join(project.root, 'src/assets/herogen/stray.png'), 'not tracked');

    const dry = await run('prune');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(
      new RegExp(`^original\\s+src/assets/herogen/${unused[0]}\\.png`, 'm'),
    );
    expect(dry.stdout).toContain('dry run: 1 file');
    expect(dry.stdout).toContain(
      'kept: 2 variant candidate(s) (add --variants), 1 earlier take(s) (add --history)',
    );
    expect(dry.stdout).toContain('not in the lock, left alone');
    expect(dry.stdout).toContain('src/assets/herogen/stray.png');
    expect(await project.read('herogen.lock.json')).toBe(lockText);
    const filesAfter = await readdir(path.join(project.root, 'src/assets/herogen'), {
      recursive: true,
    });
    expect(filesAfter.filter((file) => file !== 'stray.png').sort()).toEqual(filesBefore.sort());
  });

  it('--yes deletes only unreferenced originals; history and candidates only when asked', async () => {
    const { project, run, lock } = await site();
    const plan = JSON.parse((await run('plan', '--json')).stdout);
    const used = plan.jobs.map((job: { key: string }) => job.key) as string[];
    const candidates = Object.values(lock.images).filter((e) => e.file.includes('/variants/'));
    const history = Object.values(lock.history ?? {}).flat();
    expect(candidates).toHaveLength(2);
    expect(history).toHaveLength(1);
    await writeFile(path.join(project.root, 'src/assets/herogen/stray.png'), 'not tracked');

    const yes = await run('prune', '--yes', '--json');
    expect(yes.code).toBe(0);
    const result = JSON.parse(yes.stdout);
    expect(result.dryRun).toBe(false);
    expect(result.deleted).toHaveLength(1);
    const deleted = result.deleted[0];
    expect(deleted.kind).toBe('original');
    expect(await exists(path.join(project.root, deleted.file))).toBe(false);
    const after = JSON.parse(await project.read('herogen.lock.json')) as LockJson;
    expect(after.images[deleted.key]).toBeUndefined();
    for (const key of used) {
      expect(after.images[key]).toBeDefined();
      expect(await exists(path.join(project.root, after.images[key]!.file))).toBe(true);
    }
    for (const candidate of candidates) {
      expect(await exists(path.join(project.root, candidate.file))).toBe(true);
    }
    expect(await exists(path.join(project.root, history[0]!.file))).toBe(true);
    expect(await exists(path.join(project.root, 'src/assets/herogen/stray.png'))).toBe(true);
    expect((await run('check')).code).toBe(0);

    const all = await run('prune', '--yes', '--history', '--variants');
    expect(all.code).toBe(0);
    expect(all.stdout).toContain('deleted 3 files');
    for (const file of [...candidates.map((c) => c.file), history[0]!.file]) {
      expect(await exists(path.join(project.root, file))).toBe(false);
    }
    const last = JSON.parse(await project.read('herogen.lock.json')) as LockJson;
    expect(last.history).toBeUndefined();
    expect(Object.keys(last.images).sort()).toEqual([...used].sort());
    expect(await exists(path.join(project.root, 'src/assets/herogen/stray.png'))).toBe(true);
    // The site still builds from what is left, without paying.
    const calls = api.mock.paidCalls();
    expect((await run('generate')).stdout).toContain('2 cached, 0 generated');
    expect(api.mock.paidCalls()).toBe(calls);
    expect((await run('prune')).stdout).toContain('nothing to prune');
  });

  it('keeps images another machine (another provider key) would still use', async () => {
    const { project, run } = await site();
    const hiapi = { HIAPI_API_KEY: KEY, HIAPI_BASE_URL: api.mock.hiapiBaseURL };
    // With only a hiapi key, the plan keeps the images openai made (provider: auto)…
    const plan = JSON.parse(
      (await runCli(['plan', '--json'], { cwd: project.root, env: hiapi })).stdout,
    );
    expect(
      plan.jobs.map((job: { provider: string; status: string }) => [job.provider, job.status]),
    ).toEqual([
      ['openai', 'cached'],
      ['openai', 'cached'],
    ]);
    // …and prune there lists exactly what it lists on the openai machine: the old b image.
    const there = JSON.parse(
      (await runCli(['prune', '--json'], { cwd: project.root, env: hiapi })).stdout,
    );
    const here = JSON.parse((await run('prune', '--json')).stdout);
    expect(there.remove).toHaveLength(1);
    expect(there.remove).toEqual(here.remove);
    const noKey = JSON.parse(
      (await runCli(['prune', '--json'], { cwd: project.root, env: {} })).stdout,
    );
    expect(noKey.remove).toEqual(here.remove);
  });

  it('refuses to prune while a content file has an error', async () => {
    const { project, run } = await site();
    await project.write('src/content/a.md', '---\nhero:\n  prompt: A fox\n  aspect: "9:1"\n---\n');
    const lockText = await project.read('herogen.lock.json');
    const refused = await run('prune', '--yes');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('src/content/a.md');
    expect(await project.read('herogen.lock.json')).toBe(lockText);
  });
});

describe('herogen prune after `field` changed', () => {
  const imagePost = (prompt: string) =>
    `---\ntitle: T\nheroImage:\n  prompt: ${prompt}\n  alt: A\n---\n`;

  it('offers nothing content still references under a field the lock recorded', async () => {
    const project = await createProject({
      'herogen.config.mjs': `export default { field: { heroImage: 'image' } };\n`,
      'src/content/old-1.md': imagePost('A lighthouse at dusk'),
      'src/content/old-2.md': imagePost('Rice fields in fog'),
      'src/content/gone.md': imagePost('A harbour crane at night'),
    });
    api.track(project);
    const bin = (...args: string[]) => runBin(args, { cwd: project.root, env: env() });
    expect((await bin('generate')).code).toBe(0);
    const first = JSON.parse(await project.read('herogen.lock.json')) as {
      images: Record<string, { file: string; fields?: Record<string, string> }>;
    };
    // Each entry records the field (and mode) its image was asked from.
    const entries = Object.values(first.images);
    expect(entries).toHaveLength(3);
    for (const entry of entries) expect(entry.fields).toEqual({ heroImage: 'image' });

    // The site moves to herogen's own field; old posts keep `heroImage`, one post is deleted.
    await project.write('herogen.config.mjs', `export default { field: 'hero' };\n`);
    await project.write('src/content/new.md', post('A red kite over green hills'));
    await rm(path.join(project.root, 'src/content/gone.md'));
    expect((await bin('generate')).code).toBe(0);
    const lock = JSON.parse(await project.read('herogen.lock.json')) as {
      images: Record<string, { file: string; prompt: string; fields?: Record<string, string> }>;
    };
    const fileOf = (prompt: string) =>
      Object.values(lock.images).find((entry) => entry.prompt === prompt)!.file;
    expect(Object.values(lock.images).find((e) => e.prompt.includes('red kite'))?.fields).toEqual({
      hero: 'hero',
    });

    const dry = await bin('prune', '--json');
    expect(dry.code).toBe(0);
    const offered = (JSON.parse(dry.stdout).remove as { file: string }[]).map((item) => item.file);
    expect(offered).toEqual([fileOf('A harbour crane at night')]);
    const text = await bin('prune');
    expect(text.stdout).toContain('also scanned heroImage');

    expect((await bin('prune', '--yes')).code).toBe(0);
    for (const prompt of [
      'A lighthouse at dusk',
      'Rice fields in fog',
      'A red kite over green hills',
    ]) {
      expect(await exists(path.join(project.root, fileOf(prompt)))).toBe(true);
    }
    expect(await exists(path.join(project.root, fileOf('A harbour crane at night')))).toBe(false);
  });

  it('reads a lock written before fields were recorded', async () => {
    const project = await createProject({ 'src/content/a.md': post('A lighthouse at dusk') });
    api.track(project);
    const bin = (...args: string[]) => runBin(args, { cwd: project.root, env: env() });
    expect((await bin('generate')).code).toBe(0);
    const lock = JSON.parse(await project.read('herogen.lock.json'));
    for (const entry of Object.values(lock.images) as { fields?: unknown }[]) {
      expect(entry.fields).toEqual({ hero: 'hero' });
      delete entry.fields;
    }
    await project.write('herogen.lock.json', `${JSON.stringify(lock, null, 2)}\n`);
    const plan = await bin('plan');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('1 cached, 0 to generate');
    const prune = await bin('prune');
    expect(prune.code).toBe(0);
    expect(prune.stdout).toContain('nothing to prune');
  });
});
