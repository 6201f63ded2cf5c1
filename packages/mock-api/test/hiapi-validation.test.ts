import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MockTask } from '../src/context.js';
import { describeTask, taskStatus } from '../src/hiapi-handler.js';
import { computeHiapiSize, createMockApi, type MockApi, resolveHiapiTask } from '../src/index.js';
import { getWithKey, json, KEY, postJson } from './helpers.js';

let api: MockApi;
beforeAll(async () => {
  api = await createMockApi({ taskDurationMs: 100 });
});
afterAll(() => api.close());
beforeEach(() => api.reset());

const create = (body: unknown, key: string | null = KEY) =>
  postJson(`${api.hiapiBaseURL}/v1/tasks`, body, key);

async function expectEnvelope(res: Response, status: number, errorCode: string, message?: RegExp) {
  expect(res.status).toBe(status);
  const body = await json(res);
  expect(body).toEqual({
    code: status,
    message: expect.any(String),
    data: null,
    error_code: errorCode,
  });
  if (message) expect(body.message).toMatch(message);
}

describe('POST /v1/tasks validation', () => {
  it.each([
    [{ model: 'gpt-image-3', input: { prompt: 'x' } }, /not supported/],
    [{ model: 'gpt-image-2' }, /input/],
    [{ model: 'gpt-image-2', input: {} }, /prompt/],
    [{ model: 'gpt-image-2', input: { prompt: 'x'.repeat(20_001) } }, /20000/],
    [{ model: 'gpt-image-2', input: { prompt: 'x', aspect_ratio: '7:3' } }, /aspect_ratio/],
    [{ model: 'gpt-image-2-pro', input: { prompt: 'x', aspect_ratio: '2:1' } }, /aspect_ratio/],
    [{ model: 'gpt-image-2-pro', input: { prompt: 'x', aspect_ratio: 'auto' } }, /aspect_ratio/],
    [
      { model: 'gpt-image-2-pro', input: { prompt: 'x', resolution: '4K', aspect_ratio: '16:9' } },
      /resolution/,
    ],
    [
      { model: 'gpt-image-2', input: { prompt: 'x', aspect_ratio: 'auto', resolution: '2K' } },
      /auto/,
    ],
    [
      { model: 'gpt-image-2', input: { prompt: 'x', aspect_ratio: '1:1', resolution: '4K' } },
      /1:1/,
    ],
    [{ model: 'gpt-image-2-image-to-image', input: { prompt: 'x' } }, /input_urls/],
    [
      {
        model: 'gpt-image-2-image-to-image-pro',
        input: {
          prompt: 'x',
          input_urls: Array.from({ length: 6 }, (_, i) => `https://e.com/${i}.png`),
        },
      },
      /input_urls/,
    ],
    [
      {
        model: 'gpt-image-2',
        input: { prompt: 'x' },
        callback: { url: 'https://e.com', when: 'each' },
      },
      /final/,
    ],
    [{ model: 'gpt-image-2', input: { prompt: 'x', seed: 1 } }, /input\.seed/],
  ])('refuses %j', async (body, message) => {
    await expectEnvelope(await create(body), 400, 'INVALID_REQUEST', message);
    expect(api.paidCalls()).toBe(0);
  });

  it.each([
    { model: 'gpt-image-2', input: { prompt: 'x' } },
    { model: 'gpt-image-2', input: { prompt: 'x', aspect_ratio: '21:9', resolution: '4K' } },
    { model: 'gpt-image-2-pro', input: { prompt: 'x' } },
    {
      model: 'gpt-image-2-image-to-image-pro',
      input: { prompt: 'x', aspect_ratio: 'auto', input_urls: ['https://e.com/a.png'] },
    },
    {
      model: 'gpt-image-2',
      input: { prompt: 'x' },
      callback: { url: 'https://e.com/hook', when: 'final' },
    },
  ])('accepts %j', async (body) => {
    expect((await create(body)).status).toBe(200);
  });

  it('answers 401 UNAUTHORIZED without a key, and 404 for an unknown task', async () => {
    await expectEnvelope(
      await create({ model: 'gpt-image-2', input: { prompt: 'x' } }, null),
      401,
      'UNAUTHORIZED',
    );
    await expectEnvelope(
      await getWithKey(`${api.hiapiBaseURL}/v1/tasks/tk-hiapi-doesnotexist`),
      404,
      'NOT_FOUND',
    );
    await expectEnvelope(await fetch(`${api.url}/files/tk-hiapi-nope/0.png`), 404, 'NOT_FOUND');
    expect(api.paidCalls()).toBe(0);
  });

  it('answers 400 on a body that is not JSON', async () => {
    const res = await fetch(`${api.hiapiBaseURL}/v1/tasks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: '{not json',
    });
    await expectEnvelope(res, 400, 'INVALID_REQUEST');
  });
});

describe('hiapi output size mapping', () => {
  it.each([
    ['auto', '1K', 1024, 1024],
    ['1:1', '1K', 1024, 1024],
    ['16:9', '1K', 1360, 768],
    ['16:9', '2K', 2736, 1536],
    ['16:9', '4K', 3840, 2160],
    ['1:1', '2K', 2048, 2048],
    ['3:2', '1K', 1248, 832],
    ['21:9', '4K', 3840, 1648],
    ['9:16', '2K', 1536, 2736],
  ])('%s at %s renders %ix%i', (ratio, resolution, width, height) => {
    expect(computeHiapiSize(ratio, resolution)).toEqual({ width, height });
  });

  it('keeps every allowed combination within 16-px multiples and 3840 px edges', () => {
    for (const ratio of [
      '1:1',
      '3:2',
      '2:3',
      '4:3',
      '3:4',
      '5:4',
      '4:5',
      '16:9',
      '9:16',
      '2:1',
      '1:2',
      '3:1',
      '1:3',
      '21:9',
      '9:21',
    ]) {
      for (const resolution of ['1K', '2K', '4K']) {
        const { width, height } = computeHiapiSize(ratio, resolution);
        expect(width % 16).toBe(0);
        expect(height % 16).toBe(0);
        expect(Math.max(width, height)).toBeLessThanOrEqual(3840);
      }
    }
  });

  it('resolves defaults per model', () => {
    const pro = resolveHiapiTask({ model: 'gpt-image-2-pro', input: { prompt: 'x' } });
    expect(pro.ok && [pro.value.aspectRatio, pro.value.resolution]).toEqual(['1:1', '1K']);
    const std = resolveHiapiTask({ model: 'gpt-image-2', input: { prompt: 'x' } });
    expect(std.ok && [std.value.aspectRatio, std.value.width, std.value.height]).toEqual([
      'auto',
      1024,
      1024,
    ]);
  });
});

describe('task status walk (pure, synthetic clock)', () => {
  const resolved = resolveHiapiTask({ model: 'gpt-image-2', input: { prompt: 'p' } });
  if (!resolved.ok) throw new Error('fixture');
  const make = (outcome: MockTask['outcome']): MockTask => ({
    id: 'tk-hiapi-x',
    key: 'k',
    createdAt: 1_000_000,
    durationMs: 1000,
    task: resolved.value,
    outcome,
    ...(outcome === 'fail' ? { failError: { code: 'E', message: 'boom' } } : {}),
  });

  it('goes queued → handling → archiving → success over the duration', () => {
    const task = make('success');
    expect(
      [0, 199, 200, 699, 700, 999, 1000, 50_000].map((t) => taskStatus(task, 1_000_000 + t)),
    ).toEqual([
      'queued',
      'queued',
      'handling',
      'handling',
      'archiving',
      'archiving',
      'success',
      'success',
    ]);
    const running = describeTask(task, 1_000_500, { baseUrl: 'http://h', downloadTtlMs: 60_000 });
    expect(running).toEqual({
      taskId: 'tk-hiapi-x',
      model: 'gpt-image-2',
      status: 'handling',
      created: 1000,
      completed: 0,
    });
    const done = describeTask(task, 1_001_000, { baseUrl: 'http://h', downloadTtlMs: 60_000 });
    expect(done).toEqual({
      taskId: 'tk-hiapi-x',
      model: 'gpt-image-2',
      status: 'success',
      created: 1000,
      completed: 1001,
      output: [{ url: 'http://h/files/tk-hiapi-x/0.png', type: 'image', expireAt: 1061 }],
    });
  });

  it('ends failed tasks with an error and no output, and keeps stuck tasks handling', () => {
    expect(
      describeTask(make('fail'), 1_002_000, { baseUrl: 'http://h', downloadTtlMs: 1 }),
    ).toEqual({
      taskId: 'tk-hiapi-x',
      model: 'gpt-image-2',
      status: 'fail',
      created: 1000,
      completed: 1001,
      error: { code: 'E', message: 'boom' },
    });
    expect(taskStatus(make('stuck'), 1_000_000 + 10_000_000)).toBe('handling');
  });
});
