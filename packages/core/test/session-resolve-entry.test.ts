import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serializeLock } from '../src/lock/serialize-lock.js';
import { createHerogen } from '../src/session.js';
import type { Lock } from '../src/types.js';
import { sampleEntry } from './fixtures/store/samples.js';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'herogen-session-'));
  await mkdir(join(root, 'src', 'content', 'blog'), { recursive: true });
  await writeFile(
    join(root, 'src', 'content', 'blog', 'post.md'),
    '---\ntitle: Post\nhero:\n  prompt: A lighthouse at dusk\n  alt: A lighthouse\n---\nBody\n',
  );
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const data = { title: 'Post', hero: { prompt: 'A lighthouse at dusk', alt: 'A lighthouse' } };

async function writeLock(entries: Lock['images']): Promise<void> {
  const lock: Lock = { version: 1, images: entries, pending: {} };
  await writeFile(join(root, 'herogen.lock.json'), serializeLock(lock));
}

describe('session.resolveEntry', () => {
  it('sees a lock changed between calls', async () => {
    const session = await createHerogen({ root, configFile: false, env: {} });
    const file = 'src/content/blog/post.md';

    const before = await session.resolveEntry(file, data);
    expect(before?.placeholder).toBe(true);
    const key = before!.key;

    await writeLock({ [key]: sampleEntry(key, 1, { file: 'src/assets/herogen/first.png' }) });
    const first = await session.resolveEntry(file, data);
    expect(first).toMatchObject({ key, placeholder: false, file: 'src/assets/herogen/first.png' });
    // Unchanged lock: the same answer from the cached parse.
    expect(await session.resolveEntry(file, data)).toEqual(first);

    // Same size on purpose: only the mtime (or inode) tells the two versions apart.
    await writeLock({ [key]: sampleEntry(key, 2, { file: 'src/assets/herogen/other.png' }) });
    const second = await session.resolveEntry(file, data);
    expect(second).toMatchObject({ key, placeholder: false, file: 'src/assets/herogen/other.png' });

    await writeLock({
      [key]: sampleEntry(key, 3, { file: 'src/assets/herogen/third.png', placeholder: true }),
    });
    expect(await session.resolveEntry(file, data)).toMatchObject({
      file: 'src/assets/herogen/third.png',
      placeholder: true,
    });

    await rm(join(root, 'herogen.lock.json'));
    expect(await session.resolveEntry(file, data)).toMatchObject({ placeholder: true });
    await session.close();
  });

  it('reports a damaged lock on every call, then recovers once it is fixed', async () => {
    const session = await createHerogen({ root, configFile: false, env: {} });
    const file = 'src/content/blog/post.md';
    const { key } = (await session.resolveEntry(file, data))!;
    await writeFile(join(root, 'herogen.lock.json'), '{ not json');
    await expect(session.resolveEntry(file, data)).rejects.toMatchObject({ code: 'LOCK_INVALID' });
    await expect(session.resolveEntry(file, data)).rejects.toMatchObject({ code: 'LOCK_INVALID' });
    await writeLock({ [key]: sampleEntry(key, 1) });
    expect(await session.resolveEntry(file, data)).toMatchObject({ placeholder: false });
    await session.close();
  });

  it('names the line of a problem, found while parsing the hero or while planning it', async () => {
    const session = await createHerogen({ root, configFile: false, env: {} });
    const file = 'src/content/blog/bad.md';
    /** A post whose hero has `extra` beside prompt and alt: the error resolveEntry throws. */
    const failure = async (extra: Record<string, string>) => {
      const lines = Object.entries(extra).map(([name, value]) => `  ${name}: "${value}"`);
      const hero = ['hero:', '  prompt: A lighthouse at dusk', '  alt: A lighthouse', ...lines];
      await writeFile(
        join(root, file),
        ['---', 'title: Bad', ...hero, '---', 'Body', ''].join('\n'),
      );
      const value = { prompt: 'A lighthouse at dusk', alt: 'A lighthouse', ...extra };
      return session.resolveEntry(file, { hero: value }).then(
        () => undefined,
        (error: unknown) => error,
      );
    };
    // Found by the hero field's parse: the line of the nested value.
    expect(await failure({ aspect: '9:1' })).toMatchObject({
      code: 'CONTENT_INVALID',
      location: { file, line: 6, field: 'hero.aspect' },
    });
    // Found by the plan (a provider that does not exist): the line of the hero field.
    expect(await failure({ provider: 'nope' })).toMatchObject({
      code: 'CONTENT_INVALID',
      location: { file, line: 3, field: 'hero.provider' },
    });
    await session.close();
  });
});
