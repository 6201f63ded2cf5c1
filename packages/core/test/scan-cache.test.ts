import { existsSync } from 'node:fs';
import { readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/resolve.js';
import { resolveScanCachePath } from '../src/scan/scan-cache.js';
import { scanContent } from '../src/scan/scan-content.js';
import { createTempProject, type TempProject } from './fixtures/scan/temp-project.js';

let project: TempProject;
beforeEach(async () => {
  project = await createTempProject();
});
afterEach(async () => {
  await project.cleanup();
});

const scan = (overrides: Record<string, unknown> = {}, cache?: boolean) =>
  scanContent({
    root: project.root,
    config: resolveConfig({ root: project.root, fileConfig: overrides, env: {} }),
    ...(cache === undefined ? {} : { cache }),
  });

const post = (prompt: string, extra = '  alt: A picture\n') =>
  `---\ntitle: A post\ndescription: About it\nhero:\n  prompt: ${prompt}\n${extra}---\nBody\n`;

/** Write a file and date it a minute back, as an unchanged file of a real project. */
async function writeOld(path: string, content: string, at = new Date(Date.now() - 60_000)) {
  const absolute = await project.write(path, content);
  await utimes(absolute, at, at);
  return absolute;
}

/** Replace the bytes of a file in place keeping its size, inode and mtime: a cache can't tell. */
async function replaceUnnoticed(absolute: string, content: string) {
  const before = await stat(absolute);
  expect(Buffer.byteLength(content)).toBe(before.size);
  await writeFile(absolute, content);
  await utimes(absolute, before.atime, before.mtime);
}

/** Two unchanged posts scanned once: the result, the cache file and what it holds. */
async function twoPostsScanned() {
  await writeOld('src/content/a.md', post('A red kite'));
  await writeOld('src/content/b.md', post('A blue kite'));
  const first = await scan();
  const path = resolveScanCachePath(project.root);
  return { first, path, saved: JSON.parse(await readFile(path, 'utf8')) };
}

describe('scan cache', () => {
  it('gives the same heroes from the cache as from the files, and skips unchanged files', async () => {
    const file = await writeOld('src/content/a.md', post('A red kite'));
    await writeOld('src/content/b.md', '---\ntitle: No hero\n---\n');
    const first = await scan();
    expect(existsSync(resolveScanCachePath(project.root))).toBe(true);
    const second = await scan();
    expect(second).toEqual(first);
    expect(second.heroes[0]).toMatchObject({
      file: 'src/content/a.md',
      line: 4,
      title: 'A post',
      description: 'About it',
      spec: { prompt: 'A red kite', alt: 'A picture' },
    });
    // Proof the second scan did not read the file: an undetectable in-place change is missed…
    await replaceUnnoticed(file, post('A tan kite'));
    expect((await scan()).heroes[0]?.spec.prompt).toBe('A red kite');
    // …and seen without the cache.
    expect((await scan({}, false)).heroes[0]?.spec.prompt).toBe('A tan kite');
  });

  it('reads a file again when its size or mtime changed, and forgets deleted files', async () => {
    await writeOld('src/content/a.md', post('A red kite'));
    await writeOld('src/content/gone.md', post('A blue boat'));
    await scan();
    // Same size, newer mtime (an editor save).
    await writeOld('src/content/a.md', post('A tan kite'), new Date(Date.now() - 30_000));
    await rm(join(project.root, 'src/content/gone.md'));
    const result = await scan();
    expect(result.heroes.map((hero) => hero.spec.prompt)).toEqual(['A tan kite']);
    const saved = JSON.parse(await readFile(resolveScanCachePath(project.root), 'utf8'));
    expect(Object.keys(saved.files)).toEqual(['src/content/a.md']);
  });

  it('never caches a file just written (coarse timestamps could hide a second edit)', async () => {
    const file = await project.write('src/content/a.md', post('A red kite'));
    await scan();
    await replaceUnnoticed(file, post('A tan kite'));
    expect((await scan()).heroes[0]?.spec.prompt).toBe('A tan kite');
  });

  it('reports warnings on every scan: files with problems are not cached', async () => {
    await writeOld('src/content/a.md', post('A red kite', ''));
    const first = await scan();
    expect(first.warnings).toHaveLength(1);
    const second = await scan();
    expect(second.warnings).toHaveLength(1);
    expect(second.warnings[0]?.message).toBe(first.warnings[0]?.message);
  });

  it('reads the files again when the cache file is damaged, whatever the damage', async () => {
    const { first, path, saved } = await twoPostsScanned();
    const damaged = [
      '{"key": ',
      'null',
      '[]',
      JSON.stringify({ ...saved, files: [] }),
      JSON.stringify({ ...saved, files: 'nothing' }),
      `{"key":${JSON.stringify(saved.key)},"files":{"src/content/a.md":null,"__proto__":{"size":1}}}`,
      JSON.stringify({
        ...saved,
        files: {
          'src/content/a.md': { ...saved.files['src/content/a.md'], heroes: 'not a list' },
          'src/content/b.md': saved.files['src/content/b.md'],
        },
      }),
    ];
    for (const text of damaged) {
      await writeFile(path, text);
      const again = await scan();
      expect(again, text).toEqual(first);
      // …and the cache is written anew.
      expect(JSON.parse(await readFile(path, 'utf8')).files, text).toEqual(saved.files);
    }
  });

  it('is not written again by a warm scan; one without an entry count is used, then rewritten with it', async () => {
    const { first, path, saved } = await twoPostsScanned();
    expect(saved.count).toBe(2);
    const before = await stat(path);
    expect(await scan()).toEqual(first);
    expect((await stat(path)).mtimeMs).toBe(before.mtimeMs);
    // A cache written before the count: its entries are used (a file changed in place, same
    // size and mtime, is not read), and the file is written again with the count.
    const { count: _count, ...older } = saved;
    older.files['src/content/a.md'].heroes[0].spec.prompt = 'From the cache';
    await writeFile(path, JSON.stringify(older));
    expect((await scan()).heroes[0]?.spec.prompt).toBe('From the cache');
    expect(JSON.parse(await readFile(path, 'utf8')).count).toBe(2);
  });

  it('does not reuse results made for another field', async () => {
    await writeOld('src/content/a.md', '---\nhero: A red kite\ncover: A blue boat\n---\n');
    expect((await scan()).heroes[0]?.spec.prompt).toBe('A red kite');
    expect((await scan({ field: 'cover' })).heroes[0]?.spec.prompt).toBe('A blue boat');
  });
});
