/**
 * The build path of issue 12 item 6: `vite build` with @herogen/vite (core is shared with the
 * CLI and the Astro integration) against the mock over HTTP. After a build has paid for every
 * hero, a deleted or emptied lock must not make the next build pay again or overwrite them.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createMockApi, type MockApi } from '@herogen/mock-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixture, copyFixture, removeDir } from '../fixtures/vite-support/harness.js';

let mock: MockApi;
let root: string;
const saved = { key: process.env.OPENAI_API_KEY, base: process.env.OPENAI_BASE_URL };

beforeAll(async () => {
  mock = await createMockApi();
  process.env.OPENAI_API_KEY = 'sk-test-lost-lock-build';
  process.env.OPENAI_BASE_URL = mock.openaiBaseURL;
  root = await copyFixture('vite-basic');
  await writeFile(
    path.join(root, 'herogen.config.json'),
    `${JSON.stringify({ content: 'posts/*.md', provider: 'openai', size: '1024x640', quality: 'low' })}\n`,
  );
});

afterAll(async () => {
  if (saved.key === undefined) delete process.env.OPENAI_API_KEY;
  else process.env.OPENAI_API_KEY = saved.key;
  if (saved.base === undefined) delete process.env.OPENAI_BASE_URL;
  else process.env.OPENAI_BASE_URL = saved.base;
  await mock?.close();
  if (root) await removeDir(root);
});

const lockPath = () => path.join(root, 'herogen.lock.json');
const readLock = async () =>
  JSON.parse(await readFile(lockPath(), 'utf8')) as {
    images: Record<string, { file: string; sha256: string; recovered?: boolean }>;
  };

describe('vite build after the lock was lost', () => {
  it('adopts the paid originals instead of paying for them again (deleted, then emptied)', async () => {
    await buildFixture(root);
    const paid = mock.paidCalls();
    expect(paid).toBeGreaterThan(0);
    const first = await readLock();
    const originals = new Map<string, Buffer>();
    for (const entry of Object.values(first.images)) {
      originals.set(entry.file, await readFile(path.join(root, entry.file)));
    }

    for (const lose of [() => rm(lockPath()), () => writeFile(lockPath(), '')]) {
      await lose();
      const built = await buildFixture(root);
      expect(mock.paidCalls()).toBe(paid);
      expect(built.lines.join('\n')).toMatch(/adopted \d+ paid originals? instead of paying/);
      const lock = await readLock();
      expect(Object.keys(lock.images).sort()).toEqual(Object.keys(first.images).sort());
      for (const [key, entry] of Object.entries(lock.images)) {
        expect(entry.recovered).toBe(true);
        expect(entry.sha256).toBe(first.images[key]!.sha256);
        expect(await readFile(path.join(root, entry.file))).toEqual(originals.get(entry.file));
      }
    }
  });
});

describe('vite build on a checkout that did not fetch Git LFS objects', () => {
  it('stops with `git lfs pull`, pays nothing and leaves every pointer as it is', async () => {
    if (mock.paidCalls() === 0) await buildFixture(root);
    const paid = mock.paidCalls();
    const lock = await readLock();
    const pointers = new Map<string, string>();
    for (const entry of Object.values(lock.images)) {
      const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${entry.sha256}\nsize 1\n`;
      pointers.set(entry.file, pointer);
      await writeFile(path.join(root, entry.file), pointer);
    }

    const failure = await buildFixture(root).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(failure?.message).toMatch(/paid originals? (is a Git LFS pointer|are Git LFS pointers)/);
    expect(failure?.message).toContain('git lfs pull');
    expect(mock.paidCalls()).toBe(paid);
    for (const [file, pointer] of pointers) {
      expect(await readFile(path.join(root, file), 'utf8')).toBe(pointer);
    }
  });
});
