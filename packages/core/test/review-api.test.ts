import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createMockApi, type MockApi } from '@herogen/mock-api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HerogenError } from '../src/errors.js';
import { readLock } from '../src/lock/read-lock.js';
import { createReviewApi } from '../src/review/review-api.js';
import { createHerogen } from '../src/session.js';
import { createTempProject, type TempProject } from './fixtures/scan/temp-project.js';

const POST = '---\ntitle: Fox\nhero:\n  prompt: A red fox in snow\n  alt: A fox\n---\n\nBody.\n';
const OTHER = '---\ntitle: Owl\nhero:\n  prompt: An owl at night\n  alt: An owl\n---\n';

let mock: MockApi;
const projects: TempProject[] = [];
beforeAll(async () => {
  mock = await createMockApi({ latencyMs: [0, 10], newTakes: true });
});
afterAll(() => mock.close());
afterEach(async () => {
  mock.reset();
  for (const project of projects.splice(0)) await project.cleanup();
});

async function site(config: Record<string, unknown> = {}) {
  const project = await createTempProject('herogen-review-api-');
  projects.push(project);
  await project.write('src/content/fox.md', POST);
  await project.write('src/content/owl.md', OTHER);
  await project.write('herogen.config.json', JSON.stringify(config));
  const open = (env: Record<string, string> = {}) =>
    createHerogen({
      root: project.root,
      env: { OPENAI_API_KEY: 'sk-test-review', OPENAI_BASE_URL: mock.openaiBaseURL, ...env },
    });
  const session = await open();
  await session.generate();
  mock.reset();
  const changes: string[][] = [];
  const api = createReviewApi(session, { onChange: (files) => void changes.push(files) });
  const keyOf = async (file: string) =>
    (await session.plan()).jobs.find((job) => job.sources[0]?.file === file)!.key;
  return { project, session, api, changes, open, fox: await keyOf('src/content/fox.md') };
}

describe('the review API', () => {
  it('lists heroes with details and site counts, and never calls the API to do so', async () => {
    const { api, fox } = await site();
    const listing = await api.list({ keys: [fox] });
    expect(listing.heroes).toHaveLength(1);
    const hero = listing.heroes[0]!;
    expect(hero).toMatchObject({
      key: fox,
      status: 'ok',
      prompt: expect.stringContaining('A red fox in snow'),
      alt: 'A fox',
      provider: 'openai',
      model: 'gpt-image-2',
      field: 'hero',
      busy: false,
    });
    expect(hero.requestId).toBeTruthy();
    expect(hero.thumbnail?.dataUri).toMatch(/^data:image\//);
    expect(listing.totals).toMatchObject({ images: 2, ok: 2, placeholder: 0, missing: 0 });
    expect(listing.spentUsd).toBeGreaterThan(0);
    expect((await api.list()).heroes).toHaveLength(2);
    expect((await api.list({ files: ['src/content/owl.md'] })).heroes).toHaveLength(1);
    expect(mock.paidCalls()).toBe(0);
  });

  it('estimates without spending: a new take is one call, pick and alt are free', async () => {
    const { api, fox } = await site();
    const regenerate = await api.estimate({ action: 'regenerate', key: fox });
    expect(regenerate.calls).toBe(1);
    expect(regenerate.usd).toBeGreaterThan(0);
    expect(regenerate.refused).toBeUndefined();
    expect(await api.estimate({ action: 'variants', key: fox, count: 3 })).toMatchObject({
      calls: 3,
    });
    expect(await api.estimate({ action: 'pick', key: fox, n: 2 })).toMatchObject({ calls: 0 });
    expect(await api.estimate({ action: 'generate-missing' })).toMatchObject({ calls: 0 });
    expect(mock.paidCalls()).toBe(0);
  });

  it('regenerate: one paid call, the old take in history; a second click meanwhile is refused', async () => {
    const { api, fox, session, changes } = await site();
    const before = (await readLock(session.lockPath)).images[fox]!;
    const first = api.run({ action: 'regenerate', key: fox });
    const second = api
      .run({ action: 'regenerate', key: fox })
      .catch((error: HerogenError) => error);
    const outcome = await first;
    expect(((await second) as HerogenError).code).toBe('BUSY');
    expect(outcome).toMatchObject({ ok: true, key: fox, files: ['src/content/fox.md'] });
    expect(outcome.message).toContain('previous one is kept at');
    expect(mock.paidCalls()).toBe(1);
    const lock = await readLock(session.lockPath);
    expect(lock.images[fox]!.sha256).not.toBe(before.sha256);
    expect(lock.history?.[fox]?.map((take) => take.sha256)).toEqual([before.sha256]);
    expect(changes).toEqual([['src/content/fox.md']]);
    // Finished: the hero is free again.
    expect((await api.list({ keys: [fox] })).heroes[0]!.busy).toBe(false);
  });

  it('variants ×3, pick the second, restore the first take: 3 paid calls in all', async () => {
    const { api, fox, session, project } = await site();
    const original = (await readLock(session.lockPath)).images[fox]!;
    const variants = await api.run({ action: 'variants', key: fox, count: 3 });
    expect(variants.ok).toBe(true);
    expect(mock.paidCalls()).toBe(3);
    const listed = (await api.list({ keys: [fox] })).heroes[0]!;
    const candidates = listed.takes.filter((take) => take.kind === 'candidate');
    expect(candidates.map((take) => take.n)).toEqual([1, 2, 3]);
    expect(candidates.every((take) => take.thumbnail)).toBe(true);

    const picked = await api.run({ action: 'pick', key: fox, n: 2 });
    expect(picked.ok).toBe(true);
    let lock = await readLock(session.lockPath);
    const second = Object.values(lock.images).find(
      (entry) => entry.request.variant === 2 && entry.file.includes('/variants/'),
    )!;
    expect(lock.images[fox]!.sha256).toBe(second.sha256);
    const take = lock.history?.[fox]?.find((entry) => entry.sha256 === original.sha256);
    expect(take?.reason).toBe('pick');

    const restored = await api.run({ action: 'restore', key: fox, file: take!.file });
    expect(restored.ok).toBe(true);
    lock = await readLock(session.lockPath);
    expect(lock.images[fox]!.sha256).toBe(original.sha256);
    expect(lock.history?.[fox]?.at(-1)).toMatchObject({ sha256: second.sha256, reason: 'restore' });
    const bytes = await readFile(path.join(project.root, original.file));
    expect(bytes.byteLength).toBe(original.bytes);
    expect(mock.paidCalls()).toBe(3);
  });

  it('frozen mode: estimates say so and a new take makes no call and changes nothing', async () => {
    const { api, fox, session, open } = await site();
    const frozen = createReviewApi(await open({ HEROGEN_FROZEN: '1' }));
    expect((await frozen.estimate({ action: 'regenerate', key: fox })).refused).toMatch(/frozen/);
    const before = (await readLock(session.lockPath)).images[fox]!.sha256;
    const outcome = await frozen.run({ action: 'regenerate', key: fox });
    expect(outcome.ok).toBe(false);
    expect(outcome.message).toContain('the current image is unchanged');
    await expect(frozen.run({ action: 'variants', key: fox, count: 2 })).rejects.toMatchObject({
      code: 'FROZEN',
    });
    expect(mock.paidCalls()).toBe(0);
    expect((await readLock(session.lockPath)).images[fox]!.sha256).toBe(before);
    expect(api).toBeDefined();
  });

  it('generate missing stays within the budget', async () => {
    const { project, open } = await site();
    await project.write(
      'src/content/cat.md',
      '---\nhero:\n  prompt: A cat on a roof\n  alt: A cat\n---\n',
    );
    await project.write('herogen.config.json', JSON.stringify({ budget: { maxUsd: 0.0001 } }));
    const api = createReviewApi(await open());
    expect(await api.estimate({ action: 'generate-missing' })).toMatchObject({ calls: 1 });
    await expect(api.run({ action: 'generate-missing' })).rejects.toMatchObject({
      code: 'BUDGET_EXCEEDED',
    });
    expect(mock.paidCalls()).toBe(0);
    await project.write('herogen.config.json', '{}');
    const outcome = await createReviewApi(await open()).run({ action: 'generate-missing' });
    expect(outcome).toMatchObject({ ok: true, files: ['src/content/cat.md'] });
    expect(mock.paidCalls()).toBe(1);
  });

  it('edits the alt text in the file and nothing else', async () => {
    const { api, fox, project } = await site();
    const outcome = await api.run({ action: 'alt', key: fox, alt: 'A red fox: curled up' });
    expect(outcome).toMatchObject({ ok: true, files: ['src/content/fox.md'] });
    expect(await readFile(path.join(project.root, 'src/content/fox.md'), 'utf8')).toBe(
      POST.replace('alt: A fox', 'alt: "A red fox: curled up"'),
    );
    expect(mock.paidCalls()).toBe(0);
  });

  it('edits the alt text of the post named when two posts share the image', async () => {
    const { api, fox, project } = await site();
    const twin = POST.replace('title: Fox', 'title: Fox again').replace('alt: A fox', 'alt: Twin');
    await project.write('src/content/fox-again.md', twin);
    const [hero] = (await api.list({ keys: [fox] })).heroes;
    expect(hero!.sources.map((source) => [source.file, source.alt])).toEqual([
      ['src/content/fox-again.md', 'Twin'],
      ['src/content/fox.md', 'A fox'],
    ]);
    const outcome = await api.run({
      action: 'alt',
      key: fox,
      alt: 'The twin fox',
      file: 'src/content/fox.md',
    });
    expect(outcome).toMatchObject({ ok: true, files: ['src/content/fox.md'] });
    expect(await readFile(path.join(project.root, 'src/content/fox.md'), 'utf8')).toBe(
      POST.replace('alt: A fox', 'alt: The twin fox'),
    );
    expect(await readFile(path.join(project.root, 'src/content/fox-again.md'), 'utf8')).toBe(twin);
    await expect(
      api.run({ action: 'alt', key: fox, alt: 'x', file: 'src/content/owl.md' }),
    ).rejects.toMatchObject({
      code: 'REQUEST_INVALID',
      message: expect.stringContaining('fox.md'),
    });
    expect(mock.paidCalls()).toBe(0);
  });

  it('refuses unknown actions, bad keys and heroes that do not exist', async () => {
    const { api } = await site();
    await expect(api.run({ action: 'nope' } as never)).rejects.toMatchObject({
      code: 'REQUEST_INVALID',
    });
    await expect(api.run({ action: 'regenerate', key: '../x' })).rejects.toMatchObject({
      code: 'REQUEST_INVALID',
    });
    await expect(api.run({ action: 'regenerate', key: 'abcdef0123' })).rejects.toMatchObject({
      code: 'CONTENT_INVALID',
    });
    await expect(
      api.run({ action: 'variants', key: (await api.list()).heroes[0]!.key, count: 99 }),
    ).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
    expect(mock.paidCalls()).toBe(0);
  });
});
