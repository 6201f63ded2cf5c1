import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMockApi, faults, type MockApi } from '../src/index.js';
import { json, postJson, specValidator } from './helpers.js';

let api: MockApi;
let validate: (name: string, data: unknown) => unknown;
beforeAll(async () => {
  api = await createMockApi();
  // The response and error schemas from the project's openai-images-openapi.json.
  validate = specValidator('openai-images-schemas.json');
});
afterAll(() => api.close());

const gen = (body: Record<string, unknown>) =>
  postJson(`${api.openaiBaseURL}/images/generations`, body);

describe('responses match openai-images-openapi.json', () => {
  it('a generation response is a valid ImagesResponse with ImageGenUsage', async () => {
    // The spec's `size`/`quality` enums predate custom sizes and xhigh/max, so use listed values.
    const body = await json(
      await gen({ model: 'gpt-image-2', prompt: 'a kettle', size: '1024x1536', quality: 'high' }),
    );
    expect(validate('ImagesResponse', body)).toBe(true);
    expect(validate('ImagesUsage', body.usage)).toBe(true);
  });

  it('an edit response is a valid ImagesResponse', async () => {
    const sharp = (await import('sharp')).default;
    const png = await sharp({
      create: { width: 32, height: 32, channels: 3, background: '#336699' },
    })
      .png()
      .toBuffer();
    const form = new FormData();
    form.append('model', 'gpt-image-2');
    form.append('prompt', 'add snow');
    form.append('image', new Blob([png], { type: 'image/png' }), 'in.png');
    const res = await fetch(`${api.openaiBaseURL}/images/edits`, {
      method: 'POST',
      headers: { authorization: 'Bearer k' },
      body: form,
    });
    expect(validate('ImagesResponse', await json(res))).toBe(true);
  });

  it.each([
    ['validation error', () => gen({ model: 'gpt-image-2', prompt: 'x', size: '10x10' })],
    ['unknown field', () => gen({ model: 'gpt-image-2', prompt: 'x', foo: 1 })],
    ['retired model', () => gen({ model: 'dall-e-3', prompt: 'x' })],
    ['missing key', () => postJson(`${api.openaiBaseURL}/images/generations`, {}, null)],
  ])('%s is a valid ErrorResponse', async (_name, call) => {
    const res = await call();
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(validate('ErrorResponse', await json(res))).toBe(true);
  });

  it('scripted faults are valid ErrorResponses too', async () => {
    for (const fault of [
      faults.moderationBlocked(),
      faults.insufficientQuota(),
      faults.rateLimited(),
      faults.serverError(503),
    ]) {
      api.setFaults([{ fault }]);
      const res = await gen({ model: 'gpt-image-2', prompt: 'x' });
      expect(validate('ErrorResponse', await json(res))).toBe(true);
    }
    api.setFaults([]);
  });

  it('the validator really rejects a malformed body', () => {
    expect(validate('ErrorResponse', { error: { message: 'm', type: 't' } })).not.toBe(true);
    expect(validate('ImagesResponse', { data: [] })).not.toBe(true);
  });
});
