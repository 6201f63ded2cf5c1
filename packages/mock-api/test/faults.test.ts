import { request as httpRequest } from 'node:http';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMockApi, faults, type MockApi } from '../src/index.js';
import { decode, getWithKey, json, KEY, postJson, sleep } from './helpers.js';

let api: MockApi;
beforeAll(async () => {
  api = await createMockApi({ taskDurationMs: 40 });
});
afterAll(() => api.close());
beforeEach(() => {
  api.reset();
  api.setFaults([]);
});

const body = { model: 'gpt-image-2', prompt: 'a red kite', size: '1024x1024', quality: 'low' };
const gen = (b: Record<string, unknown> = body) =>
  postJson(`${api.openaiBaseURL}/images/generations`, b);
const createTask = (prompt = 'a red kite') =>
  postJson(`${api.hiapiBaseURL}/v1/tasks`, { model: 'gpt-image-2', input: { prompt } });

async function finishedTask(prompt = 'a red kite') {
  const id = (await json(await createTask(prompt))).data.taskId as string;
  for (let i = 0; i < 200; i++) {
    const data = (await json(await getWithKey(`${api.hiapiBaseURL}/v1/tasks/${id}`))).data;
    if (data.status === 'success' || data.status === 'fail') return data;
    await sleep(10);
  }
  throw new Error('task did not finish');
}

describe('status faults', () => {
  it('moderationBlocked: 400 image_generation_user_error, not billed', async () => {
    api.setFaults([{ route: 'openai.generations', fault: faults.moderationBlocked() }]);
    const res = await gen();
    expect(res.status).toBe(400);
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
    const { error } = await json(res);
    expect(error).toMatchObject({
      type: 'image_generation_user_error',
      code: 'moderation_blocked',
      param: null,
      moderation_details: { moderation_stage: 'input' },
    });
    expect(error.message).toMatch(/safety system/);
    expect(api.paidCalls()).toBe(0);
    expect(api.requests[0]).toMatchObject({ status: 400, billed: false, fault: 'status' });
  });

  it('insufficientQuota: 429 insufficient_quota (402 INSUFFICIENT_BALANCE on hiapi)', async () => {
    api.setFaults([{ fault: faults.insufficientQuota() }]);
    const res = await gen();
    expect(res.status).toBe(429);
    expect((await json(res)).error).toMatchObject({
      code: 'insufficient_quota',
      type: 'insufficient_quota',
    });
    const task = await createTask();
    expect(task.status).toBe(402);
    expect(await json(task)).toMatchObject({
      code: 402,
      data: null,
      error_code: 'INSUFFICIENT_BALANCE',
    });
    expect(api.paidCalls()).toBe(0);
  });

  it('rateLimited: 429 with retry-after and retry-after-ms', async () => {
    api.setFaults([{ fault: faults.rateLimited({ retryAfterMs: 1500 }) }]);
    const res = await gen();
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(res.headers.get('retry-after-ms')).toBe('1500');
    expect((await json(res)).error.code).toBe('rate_limit_exceeded');
    const task = await createTask();
    expect(task.status).toBe(429);
    expect(task.headers.get('retry-after-ms')).toBe('1500');
    expect((await json(task)).error_code).toBe('RATE_LIMITED');
  });

  it.each([
    [faults.serverError(500), 500, 'server_error', 'INTERNAL_ERROR'],
    [faults.serverError(502), 502, 'server_error', 'BAD_GATEWAY'],
    [faults.serverError(503), 503, 'server_error', 'SERVICE_UNAVAILABLE'],
    [faults.unauthorized(), 401, 'invalid_request_error', 'UNAUTHORIZED'],
    [faults.forbidden(), 403, 'invalid_request_error', 'FORBIDDEN'],
    [faults.modelNotFound('gpt-image-2'), 404, 'invalid_request_error', 'NOT_FOUND'],
  ])('%j answers %i on both APIs', async (fault, status, type, errorCode) => {
    api.setFaults([{ fault }]);
    const res = await gen();
    expect(res.status).toBe(status);
    expect((await json(res)).error.type).toBe(type);
    const task = await createTask();
    expect(task.status).toBe(status);
    expect(await json(task)).toMatchObject({ code: status, data: null, error_code: errorCode });
    expect(api.paidCalls()).toBe(0);
  });

  it('a custom status fault carries its code, message and headers', async () => {
    api.setFaults([
      {
        fault: {
          type: 'status',
          status: 409,
          code: 'conflict',
          message: 'try later',
          headers: { 'x-should-retry': 'true' },
        },
      },
    ]);
    const res = await gen();
    expect(res.status).toBe(409);
    expect(res.headers.get('x-should-retry')).toBe('true');
    expect((await json(res)).error).toEqual({
      message: 'try later',
      type: 'invalid_request_error',
      param: null,
      code: 'conflict',
    });
  });
});

describe('rule matching', () => {
  it('attempt: fails the first two attempts of a prompt, then succeeds and bills once', async () => {
    api.setFaults([
      { route: 'openai.generations', attempt: [1, 2], fault: faults.serverError(503) },
    ]);
    expect((await gen()).status).toBe(503);
    expect((await gen()).status).toBe(503);
    expect((await gen()).status).toBe(200);
    expect(api.requests.map((r) => r.attempt)).toEqual([1, 2, 3]);
    expect(api.paidCalls()).toBe(1);
  });

  it('prompt (substring or RegExp) and times limit which requests fault', async () => {
    api.setFaults([
      { prompt: /forbidden/i, fault: faults.moderationBlocked() },
      { prompt: 'flaky', times: 1, fault: faults.serverError(500) },
    ]);
    expect((await gen({ ...body, prompt: 'a Forbidden thing' })).status).toBe(400);
    expect((await gen({ ...body, prompt: 'a Forbidden thing' })).status).toBe(400);
    expect((await gen({ ...body, prompt: 'a flaky one' })).status).toBe(500);
    expect((await gen({ ...body, prompt: 'a flaky one' })).status).toBe(200);
    expect((await gen({ ...body, prompt: 'a harmless one' })).status).toBe(200);
  });

  it('route limits a rule to one endpoint; a fault only fires where it applies', async () => {
    api.setFaults([
      { route: 'hiapi.create', fault: faults.serverError(503) },
      { fault: faults.expiredDownload() },
    ]);
    expect((await gen()).status).toBe(200);
    expect((await createTask()).status).toBe(503);
  });

  it('faults given at creation time are used', async () => {
    const scripted = await createMockApi({
      faults: [{ fault: faults.serverError(502), times: 1 }],
    });
    try {
      const url = `${scripted.openaiBaseURL}/images/generations`;
      expect((await postJson(url, body)).status).toBe(502);
      expect((await postJson(url, body)).status).toBe(200);
    } finally {
      await scripted.close();
    }
  });
});

describe('transport faults', () => {
  it('reset destroys the socket without a response and is not billed', async () => {
    api.setFaults([{ fault: faults.reset() }]);
    await expect(gen()).rejects.toThrow();
    expect(api.requests[0]).toMatchObject({ status: 0, billed: false, fault: 'reset' });
    expect(api.paidCalls()).toBe(0);
  });

  it('slowHeaders delays the headers of an otherwise normal response', async () => {
    api.setFaults([{ times: 1, fault: faults.slowHeaders(3000) }]);
    // The client gives up long before the headers come: the delay is really applied.
    await expect(
      fetch(`${api.openaiBaseURL}/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(300),
      }),
    ).rejects.toThrow();
    expect((await gen()).status).toBe(200);
  });

  it('truncatedBody declares the full length, then closes early (billed: the image was made)', async () => {
    api.setFaults([{ fault: faults.truncatedBody() }]);
    const res = await gen();
    expect(res.status).toBe(200);
    const declared = Number(res.headers.get('content-length'));
    expect(declared).toBeGreaterThan(1000);
    await expect(res.arrayBuffer()).rejects.toThrow();
    expect(api.paidCalls()).toBe(1);
  });

  it('truncatedBody on a download', async () => {
    const data = await finishedTask();
    api.setFaults([{ route: 'hiapi.download', fault: faults.truncatedBody() }]);
    const res = await fetch(data.output[0].url);
    await expect(res.arrayBuffer()).rejects.toThrow();
  });
});

describe('payload faults (OpenAI)', () => {
  const firstImage = async () => (await json(await gen())).data[0].b64_json as string;

  it('invalidBase64 returns a b64_json that is not base64 (billed)', async () => {
    api.setFaults([{ fault: faults.invalidBase64() }]);
    const b64 = await firstImage();
    expect(b64).not.toMatch(/^[A-Za-z0-9+/]*={0,2}$/);
    expect(api.paidCalls()).toBe(1);
  });

  it('nonImage returns valid base64 of bytes that do not decode as an image', async () => {
    api.setFaults([{ fault: faults.nonImage() }]);
    const b64 = await firstImage();
    expect(b64).toMatch(/^[A-Za-z0-9+/]*={0,2}$/);
    await expect(sharp(Buffer.from(b64, 'base64')).metadata()).rejects.toThrow();
  });

  it('wrongDimensions returns a valid image of another size while `size` says the requested one', async () => {
    api.setFaults([{ fault: faults.wrongDimensions() }]);
    const res = await json(await gen());
    expect(res.size).toBe('1024x1024');
    const meta = await sharp(Buffer.from(res.data[0].b64_json, 'base64')).metadata();
    expect(meta.format).toBe('png');
    expect([meta.width, meta.height]).toEqual([512, 512]);
  });

  it('decompressionBomb returns a small, valid PNG that declares a huge image (billed)', async () => {
    api.setFaults([{ fault: faults.decompressionBomb(4000, 3000) }]);
    const res = await json(await gen());
    const bytes = Buffer.from(res.data[0].b64_json, 'base64');
    expect(bytes.length).toBeLessThan(64 * 1024);
    const meta = await sharp(bytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 4000, 3000]);
    // Every pixel is really there: the whole image decodes.
    const { info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
    expect(info.size).toBe(4000 * 3000 * 3);
    expect(api.paidCalls()).toBe(1);
    expect(api.requests[0]?.fault).toBe('decompressionBomb');
  });
});

describe('task and download faults (hiapi)', () => {
  it('taskFail ends the task in fail with the given error and no output', async () => {
    api.setFaults([{ fault: faults.taskFail('CONTENT_POLICY', 'prompt rejected') }]);
    const data = await finishedTask();
    expect(data.status).toBe('fail');
    expect(data.error).toEqual({ code: 'CONTENT_POLICY', message: 'prompt rejected' });
    expect(data.output).toBeUndefined();
    expect(data.completed).toBeGreaterThan(0);
    expect(api.requests[0]?.fault).toBe('taskFail');
  });

  it('taskStuck never leaves handling', async () => {
    api.setFaults([{ fault: faults.taskStuck() }]);
    const id = (await json(await createTask())).data.taskId;
    await sleep(150); // well past the 40 ms task duration
    const data = (await json(await getWithKey(`${api.hiapiBaseURL}/v1/tasks/${id}`))).data;
    expect(data.status).toBe('handling');
    expect(data.completed).toBe(0);
  });

  it('expiredDownload answers 410 for a fresh URL', async () => {
    const data = await finishedTask();
    api.setFaults([{ route: 'hiapi.download', times: 1, fault: faults.expiredDownload() }]);
    const res = await fetch(data.output[0].url);
    expect(res.status).toBe(410);
    expect((await json(res)).error_code).toBe('EXPIRED');
    expect((await fetch(data.output[0].url)).status).toBe(200);
  });

  it('oversizedDownload streams the declared number of bytes', async () => {
    const data = await finishedTask();
    const bytes = 3 * 1024 * 1024 + 17;
    api.setFaults([{ fault: faults.oversizedDownload(bytes) }]);
    const res = await fetch(data.output[0].url);
    expect(Number(res.headers.get('content-length'))).toBe(bytes);
    expect((await res.arrayBuffer()).byteLength).toBe(bytes);
  });

  it('oversizedDownload without a declared length can be cut off by the client', async () => {
    const data = await finishedTask();
    api.setFaults([{ fault: faults.oversizedDownload(50 * 1024 * 1024, false) }]);
    const url = new URL(data.output[0].url);
    const received = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(url, (res) => {
        expect(res.headers['content-length']).toBeUndefined();
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > 1024 * 1024) {
            req.destroy();
            resolve(size);
          }
        });
        res.on('end', () => resolve(size));
      });
      req.on('error', reject);
      req.end();
    });
    expect(received).toBeGreaterThan(1024 * 1024);
  });

  it('nonImage and wrongDimensions also apply to downloads', async () => {
    const data = await finishedTask();
    api.setFaults([{ route: 'hiapi.download', times: 1, fault: faults.nonImage() }]);
    const junk = Buffer.from(await (await fetch(data.output[0].url)).arrayBuffer());
    await expect(sharp(junk).metadata()).rejects.toThrow();
    api.setFaults([{ route: 'hiapi.download', times: 1, fault: faults.wrongDimensions() }]);
    const small = Buffer.from(await (await fetch(data.output[0].url)).arrayBuffer());
    expect((await sharp(small).metadata()).width).toBe(512);
  });

  it('decompressionBomb also applies to downloads', async () => {
    const data = await finishedTask();
    api.setFaults([{ route: 'hiapi.download', fault: faults.decompressionBomb(2000, 2000) }]);
    const bomb = Buffer.from(await (await fetch(data.output[0].url)).arrayBuffer());
    expect((await sharp(bomb).metadata()).width).toBe(2000);
  });
});

describe('hostile download URLs and slow tasks (hiapi)', () => {
  it('downloadUrl points output[0].url elsewhere on this server', async () => {
    const port = new URL(api.url).port;
    api.setFaults([{ route: 'hiapi.get', fault: faults.downloadUrl('other-host') }]);
    const other = await finishedTask();
    expect(other.output[0].url).toBe(`http://localhost:${port}/files/${other.taskId}/0.png`);
    // A client that does not refuse it gets the file.
    expect((await fetch(other.output[0].url)).status).toBe(200);
    api.setFaults([{ route: 'hiapi.get', fault: faults.downloadUrl('private') }]);
    expect((await finishedTask()).output[0].url).toMatch(/^https:\/\/localhost:\d+\/files\//);
    api.setFaults([{ route: 'hiapi.get', fault: faults.downloadUrl('http') }]);
    expect((await finishedTask()).output[0].url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/files\//);
  });

  it('redirectDownload answers 302, to another host or hop by hop on the same origin', async () => {
    const data = await finishedTask();
    api.setFaults([{ route: 'hiapi.download', fault: faults.redirectDownload('other-host') }]);
    const away = await fetch(data.output[0].url, { redirect: 'manual' });
    expect(away.status).toBe(302);
    expect(away.headers.get('location')).toMatch(/^http:\/\/localhost:\d+\/files\//);
    api.setFaults([{ route: 'hiapi.download', fault: faults.redirectDownload('same-origin') }]);
    const first = await fetch(data.output[0].url, { redirect: 'manual' });
    expect(first.headers.get('location')).toBe(`/files/${data.taskId}/0.png?hop=1`);
    const second = await fetch(new URL(first.headers.get('location')!, api.url), {
      redirect: 'manual',
    });
    expect(second.headers.get('location')).toBe(`/files/${data.taskId}/0.png?hop=2`);
  });

  it('expiredUrl reports an expireAt already past; fileNotFound answers 404', async () => {
    api.setFaults([{ route: 'hiapi.get', fault: faults.expiredUrl() }]);
    const data = await finishedTask();
    expect(data.output[0].expireAt * 1000).toBeLessThanOrEqual(Date.now());
    api.setFaults([{ route: 'hiapi.download', times: 1, fault: faults.fileNotFound() }]);
    const missing = await fetch(data.output[0].url);
    expect(missing.status).toBe(404);
    expect((await json(missing)).error_code).toBe('NOT_FOUND');
  });

  it('slowTask keeps the task running for the given time', async () => {
    api.setFaults([{ route: 'hiapi.create', fault: faults.slowTask(60_000) }]);
    const id = (await json(await createTask())).data.taskId;
    await sleep(150); // well past the 40 ms task duration
    const data = (await json(await getWithKey(`${api.hiapiBaseURL}/v1/tasks/${id}`))).data;
    expect(data.status).toBe('queued');
    expect(data.completed).toBe(0);
  });

  it('tls serves https with the given certificate', async () => {
    const { readFile } = await import('node:fs/promises');
    const dir = new URL('../../../test/fixtures/tls/', import.meta.url);
    const secure = await createMockApi({
      tls: {
        key: await readFile(new URL('mock-api.key.pem', dir)),
        cert: await readFile(new URL('mock-api.cert.pem', dir)),
      },
    });
    try {
      expect(secure.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      // The test certificate is not trusted by default, which is proof the socket speaks TLS.
      await expect(fetch(`${secure.url}/files/x/0.png`)).rejects.toThrow();
    } finally {
      await secure.close();
    }
  });
});

describe('echoKey: a successful answer that carries the key back', () => {
  it('OpenAI: in x-request-id and revised_prompt, billed as normal', async () => {
    api.setFaults([{ fault: faults.echoKey() }]);
    const res = await gen();
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(new RegExp(`^req_\\w+ Bearer ${KEY}$`));
    const { data } = await json(res);
    expect(data[0].revised_prompt).toBe(`a red kite (Authorization: Bearer ${KEY})`);
    expect(await decode(Buffer.from(data[0].b64_json, 'base64'))).toMatchObject({ width: 1024 });
    expect(api.paidCalls()).toBe(1);
    expect(api.requests[0]!.requestId).toContain(KEY);
  });

  it('hiapi: in the task id, which still polls and downloads', async () => {
    api.setFaults([{ route: 'hiapi.create', fault: faults.echoKey() }]);
    const created = await createTask();
    expect(created.headers.get('x-request-id')).toContain(`Bearer ${KEY}`);
    const id = (await json(created)).data.taskId as string;
    expect(id).toMatch(new RegExp(`^tk-hiapi-.+-${KEY}$`));
    let data: { status: string; output?: { url: string }[] } | undefined;
    for (let i = 0; i < 200 && data?.status !== 'success'; i++) {
      await sleep(10);
      const url = `${api.hiapiBaseURL}/v1/tasks/${encodeURIComponent(id)}`;
      data = (await json(await getWithKey(url))).data;
    }
    const file = await fetch(data!.output![0]!.url);
    expect(file.status).toBe(200);
    expect(api.paidCalls()).toBe(1);
  });
});
