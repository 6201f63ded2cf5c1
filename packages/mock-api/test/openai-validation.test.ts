import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMockApi, type MockApi } from '../src/index.js';
import { decode, json, KEY, pngOf, postJson } from './helpers.js';

let api: MockApi;
beforeAll(async () => {
  api = await createMockApi();
});
afterAll(() => api.close());
beforeEach(() => api.reset());

const ok = { model: 'gpt-image-2', prompt: 'a quiet harbour', size: '1024x1024', quality: 'low' };
const gen = (body: Record<string, unknown>, key: string | null = KEY) =>
  postJson(`${api.openaiBaseURL}/images/generations`, body, key);

async function expectError(
  res: Response,
  status: number,
  expected: { code?: string | null; param?: string | null; message?: RegExp | string },
) {
  expect(res.status).toBe(status);
  expect(res.headers.get('x-request-id')).toMatch(/^req_/);
  const body = await json(res);
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(body.error.type).toBe('invalid_request_error');
  if (expected.code !== undefined) expect(body.error.code).toBe(expected.code);
  if (expected.param !== undefined) expect(body.error.param).toBe(expected.param);
  if (expected.message !== undefined) expect(body.error.message).toMatch(expected.message);
  return body.error;
}

describe('auth', () => {
  it('answers 401 invalid_api_key without a bearer key', async () => {
    await expectError(await gen(ok, null), 401, { code: 'invalid_api_key' });
    await expectError(await gen(ok, ''), 401, { code: 'invalid_api_key' });
    expect(api.paidCalls()).toBe(0);
  });

  it('accepts only the configured key when apiKey is set, without echoing the wrong key', async () => {
    const strict = await createMockApi({ apiKey: 'the-right-key' });
    try {
      const url = `${strict.openaiBaseURL}/images/generations`;
      const error = await expectError(await postJson(url, ok, 'sk-wrong-key-987'), 401, {
        code: 'invalid_api_key',
      });
      expect(error.message).not.toContain('sk-wrong-key-987');
      expect((await postJson(url, ok, 'the-right-key')).status).toBe(200);
      expect(strict.paidCalls()).toBe(1);
    } finally {
      await strict.close();
    }
  });
});

describe('model and prompt', () => {
  it('requires a model', async () => {
    await expectError(await gen({ prompt: 'x' }), 400, {
      param: 'model',
      code: 'missing_required_parameter',
    });
  });

  it.each(['dall-e-3', 'gpt-image-1', 'gpt-image-1.5', 'not-a-model'])(
    'answers 404 model_not_found for %s',
    async (model) => {
      await expectError(await gen({ ...ok, model }), 404, {
        code: 'model_not_found',
        message: new RegExp(`\`${model.replace('.', '\\.')}\``),
      });
    },
  );

  it('accepts every current model id', async () => {
    for (const model of [
      'gpt-image-2-2026-04-21',
      'gpt-image-2.5-sunburst',
      'gpt-image-2.5-flare',
      'gpt-image-2.6-sunburst',
      'gpt-image-2.6-flare',
    ]) {
      expect((await gen({ ...ok, model })).status).toBe(200);
    }
  });

  it('requires a prompt of at most 32000 characters', async () => {
    await expectError(await gen({ model: 'gpt-image-2' }), 400, { param: 'prompt' });
    await expectError(await gen({ ...ok, prompt: 'a'.repeat(32_001) }), 400, {
      param: 'prompt',
      code: 'string_above_max_length',
    });
    expect((await gen({ ...ok, prompt: 'a'.repeat(32_000) })).status).toBe(200);
  });

  it('refuses unknown fields like the real API', async () => {
    await expectError(await gen({ ...ok, seed: 42 }), 400, {
      message: 'Unrecognized request argument supplied: seed',
    });
    await expectError(await gen({ ...ok, response_format: 'url' }), 400, {
      param: 'response_format',
    });
  });
});

describe('size, quality, format, background', () => {
  it.each([
    ['1920x1080', /divisible by 16/],
    ['3840x1024', /1:3 and 3:1/],
    ['4096x2048', /longest edge/],
    ['768x768', /pixels/],
    ['3840x2176', /pixels|divisible/],
    ['big', /WIDTHxHEIGHT/],
  ])('refuses size %s', async (size, message) => {
    await expectError(await gen({ ...ok, size }), 400, { param: 'size', message });
  });

  it.each([
    ['auto', 1024, 1024],
    ['1536x864', 1536, 864],
    ['3840x2160', 3840, 2160],
    ['1024x3072', 1024, 3072],
  ])('accepts size %s', async (size, width, height) => {
    const res = await gen({ ...ok, size, output_format: 'jpeg' });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.size).toBe(`${width}x${height}`);
    expect(await decode(Buffer.from(body.data[0].b64_json, 'base64'))).toMatchObject({
      width,
      height,
    });
  });

  it('allows xhigh and max only from 2.5 on', async () => {
    await expectError(await gen({ ...ok, quality: 'xhigh' }), 400, { param: 'quality' });
    await expectError(await gen({ ...ok, quality: 'max' }), 400, { param: 'quality' });
    const res = await gen({ ...ok, model: 'gpt-image-2.5-flare', quality: 'xhigh' });
    expect(res.status).toBe(200);
    expect((await json(res)).quality).toBe('xhigh');
  });

  it('checks output_format and output_compression', async () => {
    await expectError(await gen({ ...ok, output_format: 'gif' }), 400, { param: 'output_format' });
    await expectError(await gen({ ...ok, output_compression: 50 }), 400, {
      param: 'output_compression',
    });
    await expectError(await gen({ ...ok, output_format: 'webp', output_compression: 101 }), 400, {
      param: 'output_compression',
    });
    const res = await gen({ ...ok, output_format: 'webp', output_compression: 50 });
    const body = await json(res);
    expect(body.output_format).toBe('webp');
    expect((await decode(Buffer.from(body.data[0].b64_json, 'base64'))).format).toBe('webp');
  });

  it('refuses transparency on gpt-image-2 and with jpeg, and renders it with alpha on 2.5', async () => {
    await expectError(await gen({ ...ok, background: 'transparent' }), 400, {
      param: 'background',
      message: 'Transparent background is not supported for this model.',
    });
    await expectError(
      await gen({
        ...ok,
        model: 'gpt-image-2.5-sunburst',
        background: 'transparent',
        output_format: 'jpeg',
      }),
      400,
      { param: 'background' },
    );
    const res = await gen({ ...ok, model: 'gpt-image-2.5-sunburst', background: 'transparent' });
    const body = await json(res);
    expect(body.background).toBe('transparent');
    const sharp = (await import('sharp')).default;
    const meta = await sharp(Buffer.from(body.data[0].b64_json, 'base64')).metadata();
    expect(meta.hasAlpha).toBe(true);
  });

  it('bills none of the refused requests', async () => {
    await gen({ ...ok, size: '10x10' });
    await gen({ ...ok, quality: 'ultra' });
    expect(api.requests.map((r) => r.status)).toEqual([400, 400]);
    expect(api.paidCalls()).toBe(0);
  });
});

describe('edits validation', () => {
  const edit = (form: FormData) =>
    fetch(`${api.openaiBaseURL}/images/edits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}` },
      body: form,
    });
  const baseForm = () => {
    const form = new FormData();
    form.append('model', 'gpt-image-2');
    form.append('prompt', 'make it autumn');
    return form;
  };

  it('requires an image', async () => {
    await expectError(await edit(baseForm()), 400, {
      param: 'image',
      code: 'missing_required_parameter',
    });
  });

  it('refuses a file that is not an image and a mask of another size', async () => {
    const form = baseForm();
    form.append('image', new Blob([Buffer.from('hello')], { type: 'image/png' }), 'a.png');
    await expectError(await edit(form), 400, { param: 'image' });

    const masked = baseForm();
    masked.append('image', new Blob([await pngOf(64, 64)], { type: 'image/png' }), 'a.png');
    masked.append('mask', new Blob([await pngOf(32, 32, true)], { type: 'image/png' }), 'm.png');
    await expectError(await edit(masked), 400, { param: 'mask' });
    expect(api.paidCalls()).toBe(0);
  });

  it('accepts a single image field and applies the same parameter rules as generations', async () => {
    const form = baseForm();
    form.append('image', new Blob([await pngOf(64, 64)], { type: 'image/png' }), 'a.png');
    form.append('size', '1536x864');
    form.append('n', '2');
    const res = await edit(form);
    expect(res.status).toBe(200);
    expect((await json(res)).data).toHaveLength(2);

    const bad = baseForm();
    bad.append('image', new Blob([await pngOf(64, 64)], { type: 'image/png' }), 'a.png');
    bad.append('quality', 'max');
    await expectError(await edit(bad), 400, { param: 'quality' });
  });

  it('refuses a JSON body on the edits route', async () => {
    await expectError(await postJson(`${api.openaiBaseURL}/images/edits`, ok), 400, {
      code: 'invalid_content_type',
    });
  });
});
