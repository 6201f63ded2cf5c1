/**
 * The trust boundary of herogen's own files: a hand-edited lock, originals replaced by symlinks
 * that lead out of the project, a lock emptied or deleted next to paid originals, and a
 * `regenerate` killed mid-way. Each case runs the built CLI against the mock API over HTTP.
 */
import { execFileSync } from 'node:child_process';
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createMockApi, type MockApi } from '@herogen/mock-api';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createProject,
  PLANT_SYMLINK,
  type Project,
  type RunResult,
  sha256,
  spawnHerogen,
  walk,
} from './support/harness.js';

const API_KEY = 'sk-test-TRUST-FILES-5d1e0a';
/** What an outside file holds (a canary): it must never show up in anything herogen writes. */
const OUTSIDE_SECRET = 'outside-file-canary-93c1f7';

let mock: MockApi;
let parent: string;
const projects: Project[] = [];

beforeAll(async () => {
  mock = await createMockApi();
  parent = await realpath(await mkdtemp(path.join(os.tmpdir(), 'herogen-trust-')));
});

afterAll(async () => {
  await mock?.close();
  for (const project of projects) await project.cleanup();
  if (parent) await rm(parent, { recursive: true, force: true });
});

interface Setup {
  project: Project;
  /** A folder beside the project: nothing herogen does may read or change it. */
  outside: string;
  run(args: string[], options?: { crash?: string; plant?: [string, string] }): Promise<RunResult>;
  /** The one post's lock key, file and bytes after the first `generate`. */
  stored(): Promise<{ key: string; file: string; absolute: string; bytes: Buffer }>;
}

async function setup(images = 1): Promise<Setup> {
  const project = await createProject({ images, parent });
  projects.push(project);
  const outside = path.join(project.root, '..', `${path.basename(project.root)}-outside`);
  await mkdir(outside, { recursive: true });
  const env = { OPENAI_API_KEY: API_KEY, OPENAI_BASE_URL: mock.openaiBaseURL };
  return {
    project,
    outside,
    run: (args, options = {}) =>
      spawnHerogen(args, {
        cwd: project.root,
        env: {
          ...env,
          ...(options.plant ? { HEROGEN_TEST_PLANT: options.plant.join('\t') } : {}),
        },
        ...(options.crash ? { crash: options.crash } : {}),
        ...(options.plant ? { imports: [PLANT_SYMLINK] } : {}),
      }).result,
    async stored() {
      const lock = JSON.parse(await readFile(project.lockPath, 'utf8'));
      const [key, entry] = Object.entries(lock.images)[0] as [string, { file: string }];
      const absolute = path.join(project.root, entry.file);
      return { key, file: entry.file, absolute, bytes: await readFile(absolute) };
    },
  };
}

const output = (result: RunResult) => result.stdout + result.stderr;
/** A lock entry as JSON (fields looked up by name). */
type LockEntryJson = Record<string, unknown>;
const readLockJson = async (project: Project) =>
  JSON.parse(await readFile(project.lockPath, 'utf8'));

/** Files under the project (node_modules included, symlinks not followed) holding `needle`. */
async function filesContaining(root: string, needle: string): Promise<string[]> {
  const found: string[] = [];
  for (const file of await walk(root)) {
    if ((await lstat(file)).isSymbolicLink()) continue;
    const bytes = await readFile(file).catch(() => undefined);
    if (bytes?.includes(needle)) found.push(path.relative(root, file));
  }
  return found;
}

async function solidPng(width: number, height: number, rgb: [number, number, number]) {
  const [r, g, b] = rgb;
  return sharp({ create: { width, height, channels: 3, background: { r, g, b } } })
    .png()
    .toBuffer();
}

describe('a hand-edited lock cannot make herogen delete files that are not its originals', () => {
  it('prune --yes keeps files outside outDir, misnamed files and edited originals, and reports them as tampered', async () => {
    const { project, run, stored } = await setup();
    expect((await run(['generate'])).code).toBe(0);
    const original = await stored();
    await project.write('src/content/blog/precious.md', '# My precious draft\n');
    await project.write('package.json', '{ "name": "site", "private": true }\n');
    // A file named exactly like an original, whose bytes were replaced after the lock recorded it.
    const editedKey = 'e'.repeat(20);
    const editedFile = `src/assets/herogen/${editedKey}.png`;
    await writeFile(path.join(project.root, editedFile), await solidPng(32, 32, [9, 9, 9]));

    const lock = await readLockJson(project);
    const base = lock.images[original.key];
    const vouch = async (file: string) => {
      const bytes = await readFile(path.join(project.root, file));
      return { ...base, file, sha256: sha256(bytes), bytes: bytes.length };
    };
    lock.images['a'.repeat(20)] = await vouch('src/content/blog/precious.md');
    lock.images['b'.repeat(20)] = await vouch('package.json');
    lock.images[editedKey] = { ...base, file: editedFile, sha256: 'f'.repeat(64), bytes: 90 };
    lock.history = {
      [original.key]: [
        { ...(await vouch('package.json')), replacedAt: base.createdAt, reason: 'regenerate' },
      ],
    };
    await writeFile(project.lockPath, `${JSON.stringify(lock, null, 2)}\n`);
    const before = new Map<string, Buffer>();
    for (const file of ['src/content/blog/precious.md', 'package.json', editedFile]) {
      before.set(file, await readFile(path.join(project.root, file)));
    }

    const pruned = await run(['prune', '--yes', '--history', '--variants']);
    for (const [file, bytes] of before) {
      expect(await readFile(path.join(project.root, file)), file).toEqual(bytes);
    }
    expect(await readFile(original.absolute)).toEqual(original.bytes);
    const text = output(pruned);
    expect(pruned.code, text).toBe(1);
    for (const [key, file] of [
      ['a'.repeat(20), 'src/content/blog/precious.md'],
      ['b'.repeat(20), 'package.json'],
      [editedKey, editedFile],
    ] as const) {
      expect(text).toMatch(new RegExp(`tampered.*${file.replaceAll('.', '\\.')}.*${key}`));
    }
    expect(text).toMatch(/not inside the originals folder|not named like an original/);
    expect(text).toMatch(/sha256/);
    // The tampered entries stay in the lock for the user to fix; nothing was acted on.
    const after = await readLockJson(project);
    expect(Object.keys(after.images)).toHaveLength(4);

    const verified = await run(['verify']);
    expect(verified.code).toBe(1);
    expect(output(verified)).toMatch(/tampered\s+src\/content\/blog\/precious\.md/);
    expect(output(verified)).toMatch(/tampered\s+package\.json/);
  });
});

describe('an original that is a symlink out of the project is never read', () => {
  it('regenerate refuses before paying and copies nothing from the link target into history', async () => {
    const { project, outside, run, stored } = await setup();
    expect((await run(['generate'])).code).toBe(0);
    const original = await stored();
    const secret = path.join(outside, 'environ');
    await writeFile(secret, `${OUTSIDE_SECRET}\n`);
    await rm(original.absolute);
    await symlink(secret, original.absolute);
    const paid = mock.paidCalls();

    const result = await run(['regenerate', 'src/content/post-000.md']);
    const text = output(result);
    expect(result.code, text).toBe(1);
    expect(text).toContain(original.file);
    expect(text).toMatch(/symlink/);
    expect(mock.paidCalls()).toBe(paid);
    expect(await filesContaining(project.root, OUTSIDE_SECRET)).toEqual([]);
    expect(text).not.toContain(OUTSIDE_SECRET);
    expect((await lstat(original.absolute)).isSymbolicLink()).toBe(true);
  });

  it('a link that appears after the image was paid for: the image is kept and the message says where', async () => {
    const { project, outside, run } = await setup();
    const plan = JSON.parse((await run(['plan', '--json'])).stdout);
    const target = path.join(project.root, plan.jobs[0].file);
    const elsewhere = path.join(outside, 'elsewhere.png');
    const elsewhereBytes = await solidPng(16, 16, [1, 2, 3]);
    await writeFile(elsewhere, elsewhereBytes);
    const paid = mock.paidCalls();

    const result = await run(['generate'], { plant: [target, elsewhere] });
    const text = output(result);
    expect(result.code, text).not.toBe(0);
    expect(mock.paidCalls()).toBe(paid + 1);
    expect(await readFile(elsewhere)).toEqual(elsewhereBytes);
    const kept = /kept at (\S+\.png)/.exec(text)?.[1];
    expect(kept, text).toBeDefined();
    const meta = await sharp(path.resolve(project.root, kept!)).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 1024, 640]);
  });

  it('report embeds no pixels of a file outside the project', async () => {
    const { project, outside, run, stored } = await setup();
    expect((await run(['generate'])).code).toBe(0);
    const original = await stored();
    const magenta = path.join(outside, 'private.png');
    await writeFile(magenta, await solidPng(1024, 640, [255, 0, 255]));
    await rm(original.absolute);
    await symlink(magenta, original.absolute);

    const result = await run(['report']);
    expect(result.code, output(result)).toBe(0);
    const html = await readFile(path.join(project.root, 'herogen-report.html'), 'utf8');
    const thumbnails = [...html.matchAll(/data:image\/webp;base64,([A-Za-z0-9+/=]+)/g)];
    for (const [, data] of thumbnails) {
      const { channels } = await sharp(Buffer.from(data!, 'base64')).stats();
      const [r, g, b] = channels.map((channel) => channel.mean);
      expect(r! > 230 && g! < 30 && b! > 230, 'a thumbnail shows the outside image').toBe(false);
    }
    expect(html).toContain('corrupt');
  });
});

describe('a killed regenerate leaves one earlier take, not one per attempt', () => {
  const historyFiles = async (project: Project, key: string) =>
    (await readdir(path.join(project.outDir, 'history', key)).catch(() => [])).filter(
      (name) => !name.startsWith('.'),
    );

  it('killed after paying, twice, then completed: one take of the old image', async () => {
    const { project, run, stored } = await setup();
    expect((await run(['generate'])).code).toBe(0);
    const original = await stored();
    for (let attempt = 0; attempt < 2; attempt++) {
      const killed = await run(['regenerate', 'src/content/post-000.md'], {
        crash: 'before:1:\\.journal$',
      });
      expect(killed.signal).toBe('SIGKILL');
    }
    const done = await run(['regenerate', 'src/content/post-000.md']);
    expect(done.code, output(done)).toBe(0);
    const lock = await readLockJson(project);
    const takes = lock.history[original.key];
    expect(takes.map((take: { sha256: string }) => take.sha256)).toEqual([sha256(original.bytes)]);
    expect(await historyFiles(project, original.key)).toHaveLength(1);
    expect(output(done)).toMatch(/new take of src\/content\/post-000\.md/);
  });

  it('killed between copying the take and recording it: the rerun does not copy it again', async () => {
    const { project, run, stored } = await setup();
    expect((await run(['generate'])).code).toBe(0);
    const original = await stored();
    const killed = await run(['regenerate', 'src/content/post-000.md'], {
      crash: 'after:1:/history/',
    });
    expect(killed.signal).toBe('SIGKILL');
    const done = await run(['regenerate', 'src/content/post-000.md']);
    expect(done.code, output(done)).toBe(0);
    const lock = await readLockJson(project);
    expect(lock.history[original.key]).toHaveLength(1);
    expect(await historyFiles(project, original.key)).toHaveLength(1);
  });
});

describe('an emptied or deleted lock never makes herogen pay again or overwrite a paid original', () => {
  const rejectedDir = (project: Project) =>
    path.join(project.root, 'node_modules', '.cache', 'herogen', 'rejected');

  for (const [how, lose] of [
    ['emptied (0 bytes)', (lockPath: string) => writeFile(lockPath, '')],
    ['deleted', (lockPath: string) => rm(lockPath)],
  ] as const) {
    it(`a lock ${how}: the original is adopted, not paid for again`, async () => {
      const { project, run, stored } = await setup(2);
      expect((await run(['generate'])).code).toBe(0);
      const original = await stored();
      const before = await readLockJson(project);
      await lose(project.lockPath);
      const paid = mock.paidCalls();

      const result = await run(['generate']);
      const text = output(result);
      expect(result.code, text).toBe(0);
      expect(mock.paidCalls()).toBe(paid);
      expect(text).toContain(how === 'deleted' ? 'was missing' : 'was empty');
      expect(text).toMatch(/adopted 2 paid originals/);
      expect(await readFile(original.absolute)).toEqual(original.bytes);
      const lock = await readLockJson(project);
      for (const [key, entry] of Object.entries(before.images) as [string, LockEntryJson][]) {
        const adopted = lock.images[key];
        expect(adopted.recovered).toBe(true);
        expect(adopted.costUsd).toBeNull();
        expect(adopted.costConfidence).toBe('unknown');
        for (const field of ['file', 'sha256', 'bytes', 'width', 'height', 'format', 'prompt'])
          expect(adopted[field], field).toEqual(entry[field]);
        expect(adopted.request).toEqual(entry.request);
      }
      // Adopted for good: the next run finds them cached, and verify vouches for them.
      const again = await run(['generate']);
      expect(output(again)).toMatch(/2 cached/);
      expect((await run(['verify'])).code).toBe(0);
      expect(mock.paidCalls()).toBe(paid);
    });
  }

  it('another image at the original place is paid for anew, and the old bytes are kept first', async () => {
    const { project, run, stored } = await setup();
    expect((await run(['generate'])).code).toBe(0);
    const original = await stored();
    // Not the image this request asks for (wrong size), and the lock no longer vouches for it.
    const stranger = await solidPng(512, 512, [10, 200, 30]);
    await writeFile(original.absolute, stranger);
    await writeFile(project.lockPath, '');
    const paid = mock.paidCalls();

    const result = await run(['generate']);
    const text = output(result);
    expect(result.code, text).toBe(0);
    expect(mock.paidCalls()).toBe(paid + 1);
    expect(text).toContain('is not the image this hero asks for');
    const lock = await readLockJson(project);
    const takes = lock.history[original.key];
    expect(takes).toHaveLength(1);
    expect(takes[0].reason).toBe('replaced');
    expect(takes[0].recovered).toBe(true);
    expect([takes[0].width, takes[0].height]).toEqual([512, 512]);
    expect(await readFile(path.join(project.root, takes[0].file))).toEqual(stranger);
    expect(lock.images[original.key].recovered).toBeUndefined();
    expect(await readFile(original.absolute)).not.toEqual(stranger);
  });

  it('a file that is not an image at the original place is kept aside before it is replaced', async () => {
    const { project, run, stored } = await setup();
    expect((await run(['generate'])).code).toBe(0);
    const original = await stored();
    const junk = Buffer.from('not an image, but someone may want it back\n');
    await writeFile(original.absolute, junk);
    await rm(project.lockPath);
    const paid = mock.paidCalls();

    const result = await run(['generate']);
    expect(result.code, output(result)).toBe(0);
    expect(mock.paidCalls()).toBe(paid + 1);
    const kept = (await readdir(rejectedDir(project))).filter((name) =>
      name.startsWith(`${original.key}-replaced-`),
    );
    expect(kept).toHaveLength(1);
    expect(await readFile(path.join(rejectedDir(project), kept[0]!))).toEqual(junk);
    expect(output(result)).toContain(kept[0]);
  });
});

describe('an original that is still a Git LFS pointer', () => {
  const pointerFor = (bytes: Buffer) =>
    `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(bytes)}\nsize ${bytes.length}\n`;

  it('generate names the pointer and `git lfs pull`, pays nothing and leaves the pointer as it is', async () => {
    const { run, stored } = await setup(2);
    expect((await run(['generate'])).code).toBe(0);
    const original = await stored();
    const pointer = pointerFor(original.bytes);
    await writeFile(original.absolute, pointer);
    const paid = mock.paidCalls();

    const result = await run(['generate']);
    const text = output(result);
    expect(result.code, text).toBe(1);
    expect(mock.paidCalls()).toBe(paid);
    expect(text).toContain(`the paid original ${original.file} is a Git LFS pointer`);
    expect(text).toContain('git lfs pull');
    expect(text).not.toMatch(/\n\s+at /);
    expect(await readFile(original.absolute, 'utf8')).toBe(pointer);

    const verify = await run(['verify']);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(new RegExp(`lfs +${original.file.replace(/[.]/g, '\\.')}`));
    expect(verify.stdout).toContain('1 file is a Git LFS pointer: run `git lfs pull`');

    // Once pulled, the build is whole again without a paid call.
    await writeFile(original.absolute, original.bytes);
    expect((await run(['generate'])).code).toBe(0);
    expect(mock.paidCalls()).toBe(paid);
  });

  it('the README setup with real git-lfs: a clone without LFS stops, `git lfs pull` makes it whole, nothing is paid twice', async () => {
    const { project, run } = await setup(2);
    expect((await run(['generate'])).code).toBe(0);
    const paid = mock.paidCalls();
    const git = (cwd: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
      execFileSync('git', ['-c', 'user.email=ci@herogen.test', '-c', 'user.name=ci', ...args], {
        cwd,
        env: { ...process.env, ...env },
        encoding: 'utf8',
      });
    git(project.root, ['init', '-q']);
    git(project.root, ['lfs', 'install', '--local']);
    git(project.root, ['lfs', 'track', 'src/assets/herogen/**']);
    // The line the README shows is the one `git lfs track` writes.
    expect(await readFile(path.join(project.root, '.gitattributes'), 'utf8')).toBe(
      'src/assets/herogen/** filter=lfs diff=lfs merge=lfs -text\n',
    );
    await writeFile(path.join(project.root, '.gitignore'), 'node_modules/\n');
    git(project.root, ['add', '-A']);
    git(project.root, ['commit', '-qm', 'heroes']);

    const clone = `${project.root}-clone`;
    git(parent, ['clone', '-q', `file://${project.root}`, clone], { GIT_LFS_SKIP_SMUDGE: '1' });
    const lock = JSON.parse(await readFile(path.join(clone, 'herogen.lock.json'), 'utf8'));
    const files = Object.values(lock.images).map((entry) => (entry as { file: string }).file);
    for (const file of files) {
      expect(await readFile(path.join(clone, file), 'utf8')).toMatch(/^version https:\/\/git-lfs/);
    }
    const env = { OPENAI_API_KEY: API_KEY, OPENAI_BASE_URL: mock.openaiBaseURL };
    const stopped = await spawnHerogen(['generate'], { cwd: clone, env }).result;
    expect(stopped.code, output(stopped)).toBe(1);
    expect(output(stopped)).toContain('is a Git LFS pointer');
    expect(mock.paidCalls()).toBe(paid);
    // Nothing written over the pointers: git sees no change, so `git lfs pull` can restore them.
    expect(git(clone, ['status', '--porcelain'])).toBe('');

    git(clone, ['lfs', 'pull']);
    const whole = await spawnHerogen(['generate'], { cwd: clone, env }).result;
    expect(whole.code, output(whole)).toBe(0);
    expect(output(whole)).toMatch(/2 cached/);
    expect((await spawnHerogen(['verify'], { cwd: clone, env }).result).code).toBe(0);
    expect(mock.paidCalls()).toBe(paid);
  });

  it('a text file that only looks alike is not taken for a pointer', async () => {
    const { run, stored } = await setup();
    expect((await run(['generate'])).code).toBe(0);
    const original = await stored();
    await writeFile(original.absolute, 'version https://example.com/spec/v1\nsize 12\n');
    const text = output(await run(['generate']));
    expect(text).not.toContain('LFS');
    expect(text).toContain('does not match the lock');
  });
});
