import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMockApi, type MockApi } from '../src/index.js';
import { decode, json, KEY, pngOf, postJson } from './helpers.js';

let api: MockApi;
beforeAll(async () => {
  api = await createMockApi();
});
afterAll(() => api.close());
beforeEach(() => api.reset());

const gen = (body: Record<string, unknown>, key: string | null = KEY) =>
  postJson(`${api.openaiBaseURL}/images/generations`, body, key);

describe('POST /v1/images/generations', () => {
  it('answers a real-shaped ImagesResponse with a decodable image of the requested size', async () => {
    const res = await gen({
      model: 'gpt-image-2',
      prompt: 'a lighthouse at dawn',
      size: '1536x864',
      quality: 'low',
      output_format: 'jpeg',
      output_compression: 80,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
    const body = await json(res);
    expect(Object.keys(body).sort()).toEqual(
      ['background', 'created', 'data', 'output_format', 'quality', 'size', 'usage'].sort(),
    );
    expect(body.created).toBeGreaterThan(1_700_000_000);
    expect(body.created).toBeLessThan(Date.now() / 1000 + 1);
    expect(body).toMatchObject({
      background: 'opaque',
      output_format: 'jpeg',
      size: '1536x864',
      quality: 'low',
    });
    expect(body.data).toHaveLength(1);
    const img = await decode(Buffer.from(body.data[0].b64_json, 'base64'));
    expect(img).toEqual({ width: 1536, height: 864, format: 'jpeg' });
    const u = body.usage;
    expect(u.total_tokens).toBe(u.input_tokens + u.output_tokens);
    expect(u.input_tokens_details.text_tokens + u.input_tokens_details.image_tokens).toBe(
      u.input_tokens,
    );
    expect(u.output_tokens_details.image_tokens).toBe(u.output_tokens);
    expect(api.paidCalls()).toBe(1);
  });

  it('returns n images and scales output tokens with n, size and quality', async () => {
    const small = await json(
      await gen({ model: 'gpt-image-2', prompt: 'p', size: '1024x1024', quality: 'low' }),
    );
    const high = await json(
      await gen({ model: 'gpt-image-2', prompt: 'p', size: '1024x1024', quality: 'high' }),
    );
    const big = await json(
      await gen({ model: 'gpt-image-2', prompt: 'p', size: '2048x1152', quality: 'high' }),
    );
    const two = await json(
      await gen({ model: 'gpt-image-2', prompt: 'p', size: '1024x1024', quality: 'high', n: 2 }),
    );
    expect(two.data).toHaveLength(2);
    expect(two.data[0].b64_json).not.toBe(two.data[1].b64_json);
    expect(high.usage.output_tokens).toBeGreaterThan(small.usage.output_tokens);
    expect(big.usage.output_tokens).toBeGreaterThan(high.usage.output_tokens);
    expect(two.usage.output_tokens).toBe(2 * high.usage.output_tokens);
    expect(api.paidCalls()).toBe(4);
  });
});

describe('outputTokensPerMegapixel', () => {
  it('bills the configured tokens for that quality and keeps the default for others', async () => {
    const cheap = await createMockApi({ outputTokensPerMegapixel: { medium: 1100 } });
    try {
      const body = { model: 'gpt-image-2', prompt: 'p', size: '1024x1024' };
      const post = (quality: string) =>
        postJson(`${cheap.openaiBaseURL}/images/generations`, { ...body, quality }, KEY).then(json);
      expect((await post('medium')).usage.output_tokens).toBe(1100);
      expect((await post('low')).usage.output_tokens).toBe(200);
    } finally {
      await cheap.close();
    }
  });
});

describe('POST /v1/images/edits', () => {
  it('accepts repeated image[] and a mask and records file names and sizes, not bytes', async () => {
    const a = await pngOf(64, 64);
    const b = await pngOf(32, 48);
    const mask = await pngOf(64, 64, true);
    const form = new FormData();
    form.append('model', 'gpt-image-2');
    form.append('prompt', 'put them in a basket');
    form.append('size', '1024x1024');
    form.append('image[]', new Blob([a], { type: 'image/png' }), 'a.png');
    form.append('image[]', new Blob([b], { type: 'image/png' }), 'b.png');
    form.append('mask', new Blob([mask], { type: 'image/png' }), 'mask.png');
    const res = await fetch(`${api.openaiBaseURL}/images/edits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}` },
      body: form,
    });
    expect(res.status).toBe(200);
    const body = await json(res);
    const img = await decode(Buffer.from(body.data[0].b64_json, 'base64'));
    expect(img).toEqual({ width: 1024, height: 1024, format: 'png' });
    expect(body.usage.input_tokens_details.image_tokens).toBeGreaterThan(0);
    const rec = api.requests[0]!;
    expect(rec.route).toBe('openai.edits');
    expect(rec.body).toEqual({
      model: 'gpt-image-2',
      prompt: 'put them in a basket',
      size: '1024x1024',
      'image[]': [
        { filename: 'a.png', size: a.length, type: 'image/png' },
        { filename: 'b.png', size: b.length, type: 'image/png' },
      ],
      mask: { filename: 'mask.png', size: mask.length, type: 'image/png' },
    });
    expect(api.paidCalls()).toBe(1);
  });
});
