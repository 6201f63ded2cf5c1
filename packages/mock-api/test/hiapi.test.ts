import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMockApi, type MockApi } from '../src/index.js';
import { decode, getWithKey, json, KEY, postJson, sleep } from './helpers.js';

let api: MockApi;
beforeAll(async () => {
  api = await createMockApi({ taskDurationMs: 200 });
});
afterAll(() => api.close());
beforeEach(() => api.reset());

const create = (body: unknown, key: string | null = KEY) =>
  postJson(`${api.hiapiBaseURL}/v1/tasks`, body, key);
const poll = (id: string, key: string | null = KEY) =>
  getWithKey(`${api.hiapiBaseURL}/v1/tasks/${id}`, key);

async function waitForTerminal(id: string) {
  for (let i = 0; i < 100; i++) {
    const body = await json(await poll(id));
    if (body.data.status === 'success' || body.data.status === 'fail') return body;
    await sleep(25);
  }
  throw new Error('task never finished');
}

describe('hiapi task API', () => {
  it('creates a task, walks queued → handling → archiving → success, and serves the image', async () => {
    const res = await create({
      model: 'gpt-image-2',
      input: { prompt: 'a fox in snow', aspect_ratio: '16:9', resolution: '1K' },
    });
    expect(res.status).toBe(200);
    const created = await json(res);
    expect(created).toEqual({
      code: 200,
      message: 'success',
      data: { taskId: expect.stringMatching(/^tk-hiapi-[0-9a-z]{26}$/) },
    });
    const id = created.data.taskId as string;

    // Statuses only ever move forward; sampling may skip some, so the order is what is checked.
    const order = ['queued', 'handling', 'archiving', 'success'];
    const seen: string[] = [];
    let last: { data: Record<string, unknown> } | undefined;
    for (let i = 0; i < 400; i++) {
      last = await json(await poll(id));
      const status = last!.data.status as string;
      seen.push(status);
      if (status !== 'success') expect(last!.data.completed).toBe(0);
      if (status === 'success') break;
      await sleep(10);
    }
    expect(seen.at(-1)).toBe('success');
    const ranks = seen.map((s) => order.indexOf(s));
    expect(ranks.every((r) => r >= 0)).toBe(true);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    const data = last!.data as {
      taskId: string;
      model: string;
      created: number;
      completed: number;
      output: Array<{ url: string; type: string; expireAt: number }>;
    };
    expect(data.taskId).toBe(id);
    expect(data.model).toBe('gpt-image-2');
    expect(data.completed).toBeGreaterThanOrEqual(data.created);
    expect(data.output).toHaveLength(1);
    const out = data.output[0]!;
    expect(out.type).toBe('image');
    expect(out.url).toBe(`${api.url}/files/${id}/0.png`);
    expect(out.expireAt).toBeGreaterThan(Date.now() / 1000);

    const file = await fetch(out.url);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/png');
    const img = await decode(Buffer.from(await file.arrayBuffer()));
    expect(img).toEqual({ width: 1360, height: 768, format: 'png' });
    expect(api.paidCalls()).toBe(1);
    expect(api.requests.map((r) => r.route)).toContain('hiapi.download');
  });

  it('renders image-to-image tasks too', async () => {
    const res = await create({
      model: 'gpt-image-2-image-to-image',
      input: {
        prompt: 'make it blue',
        input_urls: ['https://example.com/a.png'],
        resolution: '1K',
      },
    });
    expect(res.status).toBe(200);
    const id = (await json(res)).data.taskId;
    const done = await waitForTerminal(id);
    expect(done.data.status).toBe('success');
    const img = await decode(
      Buffer.from(await (await fetch(done.data.output[0].url)).arrayBuffer()),
    );
    expect(img).toEqual({ width: 1024, height: 1024, format: 'png' });
  });

  it('hides tasks of another key (404)', async () => {
    const id = (await json(await create({ model: 'gpt-image-2', input: { prompt: 'x' } }))).data
      .taskId;
    const res = await poll(id, 'sk-other-key');
    expect(res.status).toBe(404);
    expect(await json(res)).toEqual({
      code: 404,
      message: expect.any(String),
      data: null,
      error_code: 'NOT_FOUND',
    });
    expect((await poll(id, KEY)).status).toBe(200);
  });

  it('answers 410 once a download URL is past its expireAt (downloadTtlMs)', async () => {
    const short = await createMockApi({ taskDurationMs: 20, downloadTtlMs: 40 });
    try {
      const created = await json(
        await postJson(`${short.hiapiBaseURL}/v1/tasks`, {
          model: 'gpt-image-2',
          input: { prompt: 'ttl' },
        }),
      );
      let data: {
        status: string;
        completed: number;
        output?: Array<{ url: string; expireAt: number }>;
      };
      do {
        await sleep(10);
        data = (
          await json(await getWithKey(`${short.hiapiBaseURL}/v1/tasks/${created.data.taskId}`))
        ).data;
      } while (data.status !== 'success');
      const out = data.output![0]!;
      expect(out.expireAt).toBeGreaterThanOrEqual(data.completed);
      await sleep(120); // well past the 40 ms TTL
      const res = await fetch(out.url);
      expect(res.status).toBe(410);
      expect(await json(res)).toMatchObject({ code: 410, data: null, error_code: 'EXPIRED' });
      expect(short.paidCalls()).toBe(1);
    } finally {
      await short.close();
    }
  });
});
