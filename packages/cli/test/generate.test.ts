import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { createProject, runCli } from './helpers.js';

const post = (title: string, hero: string) =>
  `---\ntitle: ${title}\n${hero}\n---\n\nBody of ${title}.\n`;

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function blog() {
  const project = await createProject({
    'src/content/blog/a.md': post(
      'A',
      'hero:\n  prompt: A lighthouse at dusk\n  alt: A lighthouse',
    ),
    'src/content/blog/b.md': post(
      'B',
      'hero:\n  prompt: A lighthouse at dusk\n  alt: Same lighthouse',
    ),
    'src/content/blog/nested/c.mdx': post('C', 'hero: "Terraced rice fields in morning fog"'),
    'src/content/blog/no-hero.md': post('D', 'tags: [x]'),
  });
  cleanup = project.cleanup;
  return project;
}

describe('herogen generate (offline provider)', () => {
  it('stores one original per distinct request, then does no work on a rerun', async () => {
    const project = await blog();
    const first = await runCli(['generate'], { cwd: project.root });
    expect(first.stderr).toContain('alt'); // c.mdx has no alt: a warning, not a failure
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('0 cached, 0 generated, 2 placeholders, 0 failed');

    const files = (await readdir(path.join(project.root, 'src/assets/herogen'))).sort();
    expect(files).toHaveLength(2);
    for (const file of files) {
      expect(file).toMatch(/^[0-9a-f]{20}\.png$/);
      const meta = await sharp(path.join(project.root, 'src/assets/herogen', file)).metadata();
      expect(meta.format).toBe('png');
      expect(meta.width! / meta.height!).toBeCloseTo(16 / 9, 1);
    }
    const lockText = await project.read('herogen.lock.json');
    const lock = JSON.parse(lockText);
    expect(Object.keys(lock.images)).toHaveLength(2);
    for (const entry of Object.values(lock.images) as {
      placeholder?: boolean;
      provider: string;
    }[]) {
      expect(entry.placeholder).toBe(true);
      expect(entry.provider).toBe('local');
    }

    const second = await runCli(['generate'], { cwd: project.root });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('2 cached, 0 generated, 0 failed');
    expect(await project.read('herogen.lock.json')).toBe(lockText);
  });

  it('regenerates exactly one image when one prompt changes', async () => {
    const project = await blog();
    await runCli(['generate'], { cwd: project.root });
    const before = JSON.parse(await project.read('herogen.lock.json'));
    await project.write(
      'src/content/blog/nested/c.mdx',
      post('C', 'hero: "Terraced rice fields at noon"'),
    );
    const run = await runCli(['generate', '--json'], { cwd: project.root });
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary.cached).toBe(1);
    expect(summary.placeholders).toBe(1);
    const after = JSON.parse(await project.read('herogen.lock.json'));
    // The old image is kept: nothing is deleted behind the user's back (prune does that).
    expect(Object.keys(after.images)).toHaveLength(3);
    for (const key of Object.keys(before.images))
      expect(after.images[key]).toEqual(before.images[key]);
  });

  it('plans without writing anything', async () => {
    const project = await blog();
    const run = await runCli(['plan', '--json'], { cwd: project.root });
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout);
    expect(plan.provider.id).toBe('local');
    expect(plan.jobs).toHaveLength(2);
    expect(plan.jobs[0].sources.map((s: { file: string }) => s.file)).toEqual([
      'src/content/blog/a.md',
      'src/content/blog/b.md',
    ]);
    expect(plan.jobs.every((job: { status: string }) => job.status === 'missing')).toBe(true);
    await expect(readdir(path.join(project.root, 'src/assets'))).rejects.toThrow();
    const table = await runCli(['plan'], { cwd: project.root });
    expect(table.stdout).toContain('src/content/blog/a.md, src/content/blog/b.md');
    expect(table.stdout).toContain('2 images from 4 files: 0 cached, 2 to generate');
  });

  it('check fails while images are missing or placeholders', async () => {
    const project = await blog();
    const missing = await runCli(['check'], { cwd: project.root });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/^missing\s+src\/content\/blog\/a\.md:3/m);
    await runCli(['generate'], { cwd: project.root });
    const placeholders = await runCli(['check', '--json'], { cwd: project.root });
    expect(placeholders.code).toBe(1);
    expect(
      JSON.parse(placeholders.stdout).problems.map((p: { problem: string }) => p.problem),
    ).toEqual(['placeholder', 'placeholder']);
  });

  it('verify catches an original whose bytes changed', async () => {
    const project = await blog();
    await runCli(['generate'], { cwd: project.root });
    expect((await runCli(['verify'], { cwd: project.root })).code).toBe(0);
    const lock = JSON.parse(await project.read('herogen.lock.json'));
    const file = (Object.values(lock.images)[0] as { file: string }).file;
    const bytes = await readFile(path.join(project.root, file));
    const at = bytes.length - 20;
    bytes[at] = (bytes[at] ?? 0) ^ 0xff;
    await import('node:fs/promises').then((fs) =>
      fs.writeFile(path.join(project.root, file), bytes),
    );
    const run = await runCli(['verify'], { cwd: project.root });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(file);
  });
});

describe('herogen bad input', () => {
  it('names the file, line and field of a frontmatter mistake and exits 2 without writing', async () => {
    const project = await createProject({
      'src/content/a.md': '---\ntitle: A\nhero:\n  prompt: A fox\n  aspect: "5:1"\n---\n',
    });
    cleanup = project.cleanup;
    const run = await runCli(['generate'], { cwd: project.root });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('src/content/a.md:5');
    expect(run.stderr).toContain('hero.aspect');
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    await expect(readdir(path.join(project.root, 'src/assets'))).rejects.toThrow();
  });

  it('rejects an unknown config key with the config file named', async () => {
    const project = await createProject({
      'herogen.config.json': '{ "concurency": 2 }\n',
      'src/content/a.md': '---\nhero: A fox\n---\n',
    });
    cleanup = project.cleanup;
    const run = await runCli(['plan'], { cwd: project.root });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('herogen.config.json');
    expect(run.stderr).toContain('concurrency');
  });

  it('refuses to run on a corrupt lock and leaves it untouched', async () => {
    const project = await createProject({
      'herogen.lock.json': '{ "version": 1, "images": { oops',
      'src/content/a.md': '---\nhero: A fox\n---\n',
    });
    cleanup = project.cleanup;
    const run = await runCli(['generate'], { cwd: project.root });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('herogen.lock.json');
    expect(await project.read('herogen.lock.json')).toBe('{ "version": 1, "images": { oops');
  });

  it('exits 2 on an unknown command', async () => {
    const project = await createProject({});
    cleanup = project.cleanup;
    const run = await runCli(['generat'], { cwd: project.root });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown command "generat"');
  });
});
