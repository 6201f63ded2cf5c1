import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createMockApi, type MockApi } from '@herogen/mock-api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { batchDownloadPath, CACHE_DIR } from '../src/fs/project-layout.js';
import { forEachLimited, jsonlFileLines } from '../src/run/batch-jsonl.js';
import { createHerogen } from '../src/session.js';

let mock: MockApi;
const roots: string[] = [];
beforeAll(async () => {
  mock = await createMockApi({ batch: { validatingMs: 10, processingMs: 60, finalizingMs: 10 } });
});
afterAll(() => mock.close());
afterEach(async () => {
  mock.reset();
  for (const root of roots.splice(0)) await rm(root, { recursive: true, force: true });
});

async function tempRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'herogen-batch-stream-'));
  roots.push(root);
  return root;
}

async function blog(count: number) {
  const root = await tempRoot();
  const dir = join(root, 'src', 'content', 'blog');
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    await writeFile(
      join(dir, `post-${i}.md`),
      `---\ntitle: Post ${i}\nhero:\n  prompt: A harbour number ${i} at dawn\n  alt: Post ${i}\n---\nBody\n`,
    );
  }
  return createHerogen({
    root,
    configFile: false,
    siteConfig: false,
    config: { provider: 'openai', size: '1024x640', quality: 'low', format: 'jpeg' },
    env: { OPENAI_API_KEY: 'sk-test-stream', OPENAI_BASE_URL: mock.openaiBaseURL },
  }).then((s) => ({ root, s }));
}

async function finished(s: Awaited<ReturnType<typeof blog>>['s']) {
  for (let i = 0; i < 1000; i++) {
    const [view] = await s.batch.status();
    if (view?.remote?.status === 'completed') return view;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the batch did not finish');
}

const contentDownloads = () => mock.requests.filter((r) => r.path.endsWith('/content')).length;

describe('collect streams batch files through disk', () => {
  it('downloads the output to the cache folder once and removes it when collected', async () => {
    const { root, s } = await blog(5);
    await s.batch.submit();
    await finished(s);
    const before = contentDownloads();
    expect((await s.batch.collect()).stored).toHaveLength(5);
    expect(contentDownloads() - before).toBe(1);
    expect(await readdir(join(root, CACHE_DIR, 'batches'))).toEqual([]);
  });

  it('reads the lines from the file on disk: a whole file left by a killed collect is reused', async () => {
    const { root, s } = await blog(5);
    await s.batch.submit();
    const view = await finished(s);
    const outputFileId = view.remote!.outputFileId!;
    const response = await fetch(`${mock.openaiBaseURL}/files/${outputFileId}/content`, {
      headers: { authorization: 'Bearer sk-test-stream' },
    });
    const lines = (await response.text()).split('\n').filter(Boolean);
    expect(lines).toHaveLength(5);
    // Left by an earlier collect: 3 of the 5 lines (so the 2 others can only be missing if the
    // file, not the API, is read), and a partial download of a process that is gone.
    const path = batchDownloadPath(root, view.record.id, outputFileId);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `${lines.slice(0, 3).join('\n')}\n\n`);
    await writeFile(`${path}.2147483646-abcd.part`, lines[3]!.slice(0, 100));
    const before = contentDownloads();

    const result = await s.batch.collect();
    expect(contentDownloads()).toBe(before);
    expect(result.stored).toHaveLength(3);
    expect(result.failed.map((f) => f.message)).toEqual([
      'no result: the batch ended completed before this request ran',
      'no result: the batch ended completed before this request ran',
    ]);
    expect(await readdir(dirname(path))).toEqual([]);
  });
});

describe('jsonlFileLines and forEachLimited', () => {
  it('yields lines across read chunks, skips blank ones, keeps a last line without newline', async () => {
    const root = await tempRoot();
    const path = join(root, 'lines.jsonl');
    const big = 'y'.repeat(200_000);
    await writeFile(path, `{"a":1}\n\n{"big":"${big}"}\r\nnot json\n{"a":4}`);
    const values: unknown[] = [];
    for await (const parse of jsonlFileLines(path)) values.push(parse());
    expect(values).toEqual([{ a: 1 }, { big }, undefined, { a: 4 }]);
  });

  it('runs at most `limit` at once, pulls items only when a slot frees, and throws the first failure', async () => {
    let pulled = 0;
    let running = 0;
    let peak = 0;
    async function* items() {
      for (let i = 0; i < 20; i++) {
        pulled++;
        // Never more than the running calls plus the one being started.
        expect(pulled - i).toBe(1);
        yield i;
      }
    }
    const seen: number[] = [];
    await forEachLimited(items(), 3, async (i) => {
      running++;
      peak = Math.max(peak, running);
      expect(pulled).toBeLessThanOrEqual(seen.length + 3);
      await new Promise((r) => setTimeout(r, 2));
      seen.push(i);
      running--;
    });
    expect(peak).toBe(3);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));

    pulled = 0;
    const stopped: number[] = [];
    await expect(
      forEachLimited(items(), 2, async (i) => {
        stopped.push(i);
        if (i === 1) throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(stopped.length).toBeLessThan(20);
  });
});
