import { Agent, request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createMockApi, type MockApi } from '../src/index.js';
import { decode, getWithKey, json, KEY, postJson, sleep } from './helpers.js';

const opened: MockApi[] = [];
async function start(options: Parameters<typeof createMockApi>[0] = {}) {
  const api = await createMockApi(options);
  opened.push(api);
  return api;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((api) => api.close()));
});

const body = { model: 'gpt-image-2', prompt: 'a paper boat', size: '1536x864', quality: 'medium' };

describe('addresses', () => {
  it('listens on 127.0.0.1 with a free port and exposes both base URLs', async () => {
    const api = await start();
    expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(api.url).toBe(`http://127.0.0.1:${api.port}`);
    expect(api.openaiBaseURL).toBe(`${api.url}/v1`);
    expect(api.hiapiBaseURL).toBe(api.url);
  });

  it('answers unknown routes with 404 and an OpenAI-style error', async () => {
    const api = await start();
    const res = await getWithKey(`${api.openaiBaseURL}/models`);
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
    expect((await json(res)).error.message).toBe('Invalid URL (GET /v1/models)');
    expect(api.requests[0]?.route).toBe('unknown');
  });
});

describe('determinism', () => {
  it('gives identical bytes for an identical request and different bytes otherwise', async () => {
    const api = await start();
    const url = `${api.openaiBaseURL}/images/generations`;
    const first = (await json(await postJson(url, body))).data[0].b64_json;
    const again = (await json(await postJson(url, body))).data[0].b64_json;
    const other = (await json(await postJson(url, { ...body, prompt: 'a paper plane' }))).data[0]
      .b64_json;
    const otherQuality = (await json(await postJson(url, { ...body, quality: 'high' }))).data[0]
      .b64_json;
    expect(again).toBe(first);
    expect(other).not.toBe(first);
    expect(otherQuality).not.toBe(first);
    // Still identical across server instances (no per-process randomness).
    const api2 = await start();
    const fromOther = (await json(await postJson(`${api2.openaiBaseURL}/images/generations`, body)))
      .data[0].b64_json;
    expect(fromOther).toBe(first);
    expect(await decode(Buffer.from(first, 'base64'))).toEqual({
      width: 1536,
      height: 864,
      format: 'png',
    });
  });

  it('serves identical hiapi downloads for identical tasks', async () => {
    const api = await start({ taskDurationMs: 20 });
    const task = { model: 'gpt-image-2', input: { prompt: 'dunes', aspect_ratio: '3:2' } };
    const download = async () => {
      const id = (await json(await postJson(`${api.hiapiBaseURL}/v1/tasks`, task))).data.taskId;
      for (;;) {
        const data = (await json(await getWithKey(`${api.hiapiBaseURL}/v1/tasks/${id}`))).data;
        if (data.status === 'success') {
          return Buffer.from(await (await fetch(data.output[0].url)).arrayBuffer());
        }
        await sleep(10);
      }
    };
    const a = await download();
    const b = await download();
    expect(a.equals(b)).toBe(true);
    expect(await decode(a)).toEqual({ width: 1248, height: 832, format: 'png' });
  });
});

describe('recording', () => {
  it('records every request in order with redacted secrets', async () => {
    const api = await start();
    await fetch(`${api.openaiBaseURL}/images/generations`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${KEY}`,
        'x-api-key': KEY,
        'x-client-secret': KEY,
        'content-type': 'application/json',
        'x-trace': 'visible',
      },
      body: JSON.stringify(body),
    });
    await postJson(`${api.hiapiBaseURL}/v1/tasks`, {
      model: 'gpt-image-2',
      input: { prompt: 'p' },
    });
    expect(api.requests.map((r) => r.route)).toEqual(['openai.generations', 'hiapi.create']);
    const [first] = api.requests;
    expect(first).toMatchObject({
      method: 'POST',
      path: '/v1/images/generations',
      status: 200,
      attempt: 1,
      billed: true,
      prompt: 'a paper boat',
      body,
    });
    expect(first?.headers.authorization).toBe('[redacted]');
    expect(first?.headers['x-api-key']).toBe('[redacted]');
    expect(first?.headers['x-client-secret']).toBe('[redacted]');
    expect(first?.headers['x-trace']).toBe('visible');
    expect(first?.requestId).toMatch(/^req_/);
    expect(typeof first?.at).toBe('number');
    expect(JSON.stringify(api.requests)).not.toContain(KEY);
    expect(api.paidCalls()).toBe(2);
  });

  it('reset() clears requests, counters and tasks', async () => {
    const api = await start();
    const url = `${api.openaiBaseURL}/images/generations`;
    await postJson(url, body);
    const created = await json(
      await postJson(`${api.hiapiBaseURL}/v1/tasks`, {
        model: 'gpt-image-2',
        input: { prompt: 'p' },
      }),
    );
    const requests = api.requests;
    api.reset();
    expect(api.requests).toHaveLength(0);
    expect(requests).toBe(api.requests);
    expect(api.paidCalls()).toBe(0);
    await postJson(url, body);
    expect(api.requests[0]?.attempt).toBe(1);
    expect((await getWithKey(`${api.hiapiBaseURL}/v1/tasks/${created.data.taskId}`)).status).toBe(
      404,
    );
  });
});

describe('rate limit', () => {
  it('answers 429 with retry-after and retry-after-ms past imagesPerMinute, unbilled', async () => {
    const api = await start({ imagesPerMinute: 2 });
    const url = `${api.openaiBaseURL}/images/generations`;
    expect((await postJson(url, body)).status).toBe(200);
    // A refused (400) call takes no slot.
    expect((await postJson(url, { ...body, size: '1x1' })).status).toBe(400);
    expect(
      (
        await postJson(`${api.hiapiBaseURL}/v1/tasks`, {
          model: 'gpt-image-2',
          input: { prompt: 'p' },
        })
      ).status,
    ).toBe(200);
    const limited = await postJson(url, body);
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    const retryAfterMs = Number(limited.headers.get('retry-after-ms'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(60_000);
    expect(Math.ceil(retryAfterMs / 1000)).toBe(retryAfter);
    expect(limited.headers.get('x-request-id')).toMatch(/^req_/);
    expect((await json(limited)).error).toMatchObject({
      code: 'rate_limit_exceeded',
      type: 'requests',
    });

    const task = await postJson(`${api.hiapiBaseURL}/v1/tasks`, {
      model: 'gpt-image-2',
      input: { prompt: 'q' },
    });
    expect(task.status).toBe(429);
    expect(task.headers.get('retry-after-ms')).not.toBeNull();
    expect(await json(task)).toMatchObject({ code: 429, data: null, error_code: 'RATE_LIMITED' });
    expect(api.paidCalls()).toBe(2);
  });
});

describe('limits and latency', () => {
  it('refuses bodies over maxBodyBytes with 413', async () => {
    const api = await start({ maxBodyBytes: 1024 });
    const res = await postJson(`${api.openaiBaseURL}/images/generations`, {
      ...body,
      prompt: 'x'.repeat(4096),
    });
    expect(res.status).toBe(413);
    expect((await json(res)).error.code).toBe('request_too_large');
  });

  it('applies latencyMs before answering paid calls', async () => {
    const api = await start({ latencyMs: [5000, 6000] });
    const pending = postJson(`${api.openaiBaseURL}/images/generations`, body, KEY).then(
      () => 'answered',
      () => 'failed',
    );
    const first = await Promise.race([pending, sleep(300).then(() => 'waiting')]);
    expect(first).toBe('waiting');
    // close() ends the wait and the connection instead of hanging on the latency.
    await api.close();
    expect(await pending).toBe('failed');
  });
});

describe('close()', () => {
  it('closes idle keep-alive sockets so close() resolves at once', async () => {
    const api = await start();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    // Wrapped in an object: resolving with a bare promise would wait for it.
    const { socketClosed } = await new Promise<{ socketClosed: Promise<void> }>(
      (resolve, reject) => {
        const req = httpRequest(
          `${api.openaiBaseURL}/images/generations`,
          {
            method: 'POST',
            agent,
            headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
          },
          (res) => {
            const closed = new Promise<void>((done) => res.socket.once('close', () => done()));
            res.resume();
            res.on('end', () => resolve({ socketClosed: closed }));
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify(body));
      },
    );
    let socketOpen = true;
    void socketClosed.then(() => {
      socketOpen = false;
    });
    await sleep(20);
    expect(socketOpen).toBe(true); // kept alive after the response
    // Without closing idle sockets, close() would wait for the 5 s keep-alive timeout.
    const outcome = await Promise.race([
      api
        .close()
        .then(() => socketClosed)
        .then(() => 'closed'),
      sleep(2500).then(() => 'still open'),
    ]);
    expect(outcome).toBe('closed');
    await expect(fetch(`${api.openaiBaseURL}/images/generations`)).rejects.toThrow();
    agent.destroy();
  });

  it('can be called twice', async () => {
    const api = await start();
    await api.close();
    await api.close();
  });
});
