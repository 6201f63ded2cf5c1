import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMockApi, faults, type MockApi, type MockApiOptions } from '../src/index.js';
import { decode, getWithKey, json, KEY, postJson, sleep, specValidator } from './helpers.js';

// The Files + Batch subset of OpenAI's published spec (commit f85dbe22).
const valid = specValidator('openai-batch-openapi.json');

const TIMING = { validatingMs: 30, processingMs: 200, finalizingMs: 20 };
let api: MockApi;
let slow: MockApi | undefined;
beforeAll(async () => {
  api = await createMockApi({ batch: TIMING });
});
afterAll(async () => {
  await api.close();
  await slow?.close();
});
beforeEach(() => {
  api.reset();
  api.setFaults([]);
});

const body = (prompt: string, extra: Record<string, unknown> = {}) => ({
  model: 'gpt-image-2',
  prompt,
  n: 1,
  size: '1024x640',
  quality: 'low',
  output_format: 'png',
  ...extra,
});
const line = (customId: string, b: Record<string, unknown>) =>
  JSON.stringify({ custom_id: customId, method: 'POST', url: '/v1/images/generations', body: b });

async function upload(on: MockApi, jsonl: string, purpose = 'batch', name = 'in.jsonl') {
  const form = new FormData();
  form.append('purpose', purpose);
  form.append('file', new Blob([jsonl], { type: 'application/jsonl' }), name);
  return fetch(`${on.openaiBaseURL}/files`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}` },
    body: form,
  });
}

async function submit(on: MockApi, lines: string[], extra: Record<string, unknown> = {}) {
  const file = await json(await upload(on, `${lines.join('\n')}\n`));
  const res = await postJson(`${on.openaiBaseURL}/batches`, {
    input_file_id: file.id,
    endpoint: '/v1/images/generations',
    completion_window: '24h',
    metadata: { project: 'herogen-test' },
    ...extra,
  });
  expect(res.status).toBe(200);
  return json(res);
}

const TERMINAL = ['completed', 'failed', 'expired', 'cancelled'];
async function waitFor(on: MockApi, id: string, seen: string[] = []) {
  for (let i = 0; i < 500; i++) {
    const batch = await json(await getWithKey(`${on.openaiBaseURL}/batches/${id}`));
    if (seen.at(-1) !== batch.status) seen.push(batch.status);
    if (TERMINAL.includes(batch.status)) return batch;
    await sleep(10);
  }
  throw new Error(`batch ${id} did not finish`);
}

async function jsonl(on: MockApi, fileId: string | undefined) {
  if (!fileId) return [];
  const res = await getWithKey(`${on.openaiBaseURL}/files/${fileId}/content`);
  expect(res.status).toBe(200);
  return parseLines(await res.text());
}

/** Output lines are checked field by field, so loose typing keeps tests readable. */
// biome-ignore lint/suspicious/noExplicitAny: see above
function parseLines(text: string): any[] {
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

describe('Files API', () => {
  it('uploads a JSONL file with purpose batch and serves its bytes back', async () => {
    const text = `${line('a', body('a kite'))}\n`;
    const res = await upload(api, text);
    expect(res.status).toBe(200);
    const file = await json(res);
    expect(valid('OpenAIFile', file)).toBe(true);
    expect(file).toMatchObject({ object: 'file', purpose: 'batch', bytes: text.length });
    expect(file.id).toMatch(/^file-/);
    const content = await getWithKey(`${api.openaiBaseURL}/files/${file.id}/content`);
    expect(await content.text()).toBe(text);
    // Another account does not see it.
    expect(
      (await getWithKey(`${api.openaiBaseURL}/files/${file.id}/content`, 'other')).status,
    ).toBe(404);
  });

  it('refuses a missing or unknown purpose, a non-JSONL batch file and a JSON body', async () => {
    expect((await upload(api, 'x', 'nope')).status).toBe(400);
    expect((await upload(api, 'x', 'batch', 'in.csv')).status).toBe(400);
    const form = new FormData();
    form.append('file', new Blob(['x']), 'in.jsonl');
    const noPurpose = await fetch(`${api.openaiBaseURL}/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}` },
      body: form,
    });
    expect((await json(noPurpose)).error.param).toBe('purpose');
    expect((await postJson(`${api.openaiBaseURL}/files`, { purpose: 'batch' })).status).toBe(400);
  });
});

describe('Batch API', () => {
  it('walks validating → in_progress → finalizing → completed, answering each line like the sync API', async () => {
    const created = await submit(api, [line('k1', body('a red kite')), line('k2', body('a boat'))]);
    expect(valid('Batch', created)).toBe(true);
    expect(created).toMatchObject({
      object: 'batch',
      status: 'validating',
      endpoint: '/v1/images/generations',
      completion_window: '24h',
      metadata: { project: 'herogen-test' },
    });
    expect(created.output_file_id).toBeUndefined();
    const seen: string[] = [created.status];
    const done = await waitFor(api, created.id, seen);
    expect(seen).toEqual(['validating', 'in_progress', 'finalizing', 'completed']);
    expect(valid('Batch', done)).toBe(true);
    expect(done.request_counts).toEqual({ total: 2, completed: 2, failed: 0 });
    expect(done.completed_at).toBeGreaterThanOrEqual(done.created_at);
    expect(done.error_file_id).toBeUndefined();
    const out = await jsonl(api, done.output_file_id);
    expect(out.map((l) => l.custom_id).sort()).toEqual(['k1', 'k2']);
    const k1 = out.find((l) => l.custom_id === 'k1');
    expect(k1.id).toMatch(/^batch_req_/);
    expect(k1.error).toBeNull();
    expect(k1.response.status_code).toBe(200);
    expect(k1.response.request_id).toMatch(/^req_/);
    expect(k1.response.body.usage.output_tokens).toBeGreaterThan(0);
    const bytes = Buffer.from(k1.response.body.data[0].b64_json, 'base64');
    expect(await decode(bytes)).toEqual({ width: 1024, height: 640, format: 'png' });
    // The same body sent synchronously gives the same image.
    const sync = await json(
      await postJson(`${api.openaiBaseURL}/images/generations`, body('a red kite')),
    );
    expect(sync.data[0].b64_json).toBe(k1.response.body.data[0].b64_json);
    expect(sync.usage).toEqual(k1.response.body.usage);
    expect(done.usage.output_tokens).toBe(2 * sync.usage.output_tokens);
    // Batch lines are billed apart from synchronous calls.
    expect(api.billedBatchLines()).toBe(2);
    expect(api.paidCalls()).toBe(1);
  });

  it('reports request_counts while in progress', async () => {
    const lines = Array.from({ length: 10 }, (_, i) => line(`c${i}`, body(`cup ${i}`)));
    const created = await submit(api, lines);
    const counts: number[] = [];
    for (;;) {
      const batch = await json(await getWithKey(`${api.openaiBaseURL}/batches/${created.id}`));
      if (batch.status === 'in_progress') {
        expect(batch.request_counts.total).toBe(10);
        counts.push(batch.request_counts.completed);
      }
      if (TERMINAL.includes(batch.status)) break;
      await sleep(15);
    }
    expect(counts.length).toBeGreaterThan(0);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(counts.at(-1)).toBeLessThan(10);
  });

  it('per-line faults: a moderation refusal and a 500 land in the error file, the rest in the output', async () => {
    api.setFaults([
      { route: 'openai.batch-line', prompt: 'forbidden', fault: faults.moderationBlocked() },
      { route: 'openai.batch-line', prompt: 'flaky', fault: faults.serverError(500) },
    ]);
    const done = await waitFor(
      api,
      (
        await submit(api, [
          line('ok', body('a calm lake')),
          line('mod', body('a forbidden thing')),
          line('err', body('a flaky thing')),
          line('bad', body('too small', { size: '64x64' })),
        ])
      ).id,
    );
    expect(done.status).toBe('completed');
    expect(done.request_counts).toEqual({ total: 4, completed: 1, failed: 3 });
    expect((await jsonl(api, done.output_file_id)).map((l) => l.custom_id)).toEqual(['ok']);
    const errors = await jsonl(api, done.error_file_id);
    const byId = Object.fromEntries(errors.map((l) => [l.custom_id, l.response]));
    expect(byId.mod.status_code).toBe(400);
    expect(byId.mod.body.error.code).toBe('moderation_blocked');
    expect(byId.err.status_code).toBe(500);
    expect(byId.err.body.error.type).toBe('server_error');
    // A body the sync endpoint refuses fails its line with the same 400.
    const sync = await json(
      await postJson(
        `${api.openaiBaseURL}/images/generations`,
        body('too small', { size: '64x64' }),
      ),
    );
    expect(byId.bad.status_code).toBe(400);
    expect(byId.bad.body).toEqual(sync);
    expect(api.billedBatchLines()).toBe(1);
  });

  it('an image fault on a line breaks that line’s b64_json only', async () => {
    api.setFaults([{ route: 'openai.batch-line', prompt: 'broken', fault: faults.nonImage() }]);
    const done = await waitFor(
      api,
      (await submit(api, [line('x', body('a broken vase')), line('y', body('a whole vase'))])).id,
    );
    const out = await jsonl(api, done.output_file_id);
    const x = out.find((l) => l.custom_id === 'x');
    await expect(decode(Buffer.from(x.response.body.data[0].b64_json, 'base64'))).rejects.toThrow();
  });

  it('fails a batch whose file is malformed, naming the line', async () => {
    const created = await submit(api, [
      line('same', body('one')),
      line('same', body('two')),
      JSON.stringify({ custom_id: 'u', method: 'POST', url: '/v1/images/edits', body: body('x') }),
      '{not json',
    ]);
    const done = await waitFor(api, created.id);
    expect(done.status).toBe('failed');
    expect(valid('Batch', done)).toBe(true);
    expect(done.errors.data.map((e: { code: string; line: number }) => [e.code, e.line])).toEqual([
      ['duplicate_custom_id', 2],
      ['mismatched_endpoint', 3],
      ['invalid_json_line', 4],
    ]);
    expect(done.output_file_id).toBeUndefined();
  });

  it('refuses bad create parameters', async () => {
    const file = await json(await upload(api, `${line('a', body('a'))}\n`));
    const create = (extra: Record<string, unknown>) =>
      postJson(`${api.openaiBaseURL}/batches`, {
        input_file_id: file.id,
        endpoint: '/v1/images/generations',
        completion_window: '24h',
        ...extra,
      });
    expect((await create({ completion_window: '48h' })).status).toBe(400);
    expect((await create({ endpoint: '/v1/nope' })).status).toBe(400);
    expect((await create({ metadata: { n: 1 } })).status).toBe(400);
    expect((await create({ foo: 1 })).status).toBe(400);
    expect((await create({ input_file_id: 'file-missing' })).status).toBe(404);
    expect((await postJson(`${api.openaiBaseURL}/batches`, {})).status).toBe(400);
    expect((await getWithKey(`${api.openaiBaseURL}/batches/batch_nope`)).status).toBe(404);
  });

  it('a line limit set low fails a file with more requests', async () => {
    const small = await createMockApi({ batch: { ...TIMING, maxRequestsPerFile: 2 } });
    try {
      const done = await waitFor(
        small,
        (
          await submit(
            small,
            ['a', 'b', 'c'].map((id) => line(id, body(id))),
          )
        ).id,
      );
      expect(done.status).toBe('failed');
      expect(done.errors.data[0].code).toBe('too_many_requests');
    } finally {
      await small.close();
    }
  });

  it('cancel: cancelling, then cancelled with what finished before in the output', async () => {
    slow = await createMockApi({
      batch: { validatingMs: 10, processingMs: 400, finalizingMs: 10 },
    });
    const lines = Array.from({ length: 8 }, (_, i) => line(`c${i}`, body(`cat ${i}`)));
    const created = await submit(slow, lines);
    await sleep(200);
    const cancel = await postJson(`${slow.openaiBaseURL}/batches/${created.id}/cancel`, {});
    expect(cancel.status).toBe(200);
    const cancelling = await json(cancel);
    expect(cancelling.status).toBe('cancelling');
    expect(cancelling.cancelling_at).toBeGreaterThanOrEqual(cancelling.created_at);
    const done = await waitFor(slow, created.id);
    expect(done.status).toBe('cancelled');
    const { completed, failed, total } = done.request_counts;
    expect(total).toBe(8);
    expect(completed).toBeGreaterThan(0);
    expect(completed).toBeLessThan(8);
    expect(completed + failed).toBe(8);
    expect(await jsonl(slow, done.output_file_id)).toHaveLength(completed);
    const errors = await jsonl(slow, done.error_file_id);
    expect(errors.every((l) => l.response === null && l.error.code === 'batch_cancelled')).toBe(
      true,
    );
    // A finished batch cannot be cancelled.
    expect((await postJson(`${slow.openaiBaseURL}/batches/${created.id}/cancel`, {})).status).toBe(
      409,
    );
  });

  it('expiry: lines not done within the window are in the error file as batch_expired', async () => {
    const options: MockApiOptions = {
      batch: { validatingMs: 10, processingMs: 400, finalizingMs: 10, windowMs: 210 },
    };
    const short = await createMockApi(options);
    try {
      const lines = Array.from({ length: 8 }, (_, i) => line(`e${i}`, body(`eel ${i}`)));
      const done = await waitFor(short, (await submit(short, lines)).id);
      expect(done.status).toBe('expired');
      expect(done.expired_at).toBeGreaterThanOrEqual(done.created_at);
      expect(done.request_counts).toEqual({ total: 8, completed: 4, failed: 4 });
      const out = await jsonl(short, done.output_file_id);
      expect(out.map((l) => l.custom_id).sort()).toEqual(['e0', 'e1', 'e2', 'e3']);
      const errors = await jsonl(short, done.error_file_id);
      expect(errors.map((l) => l.error.code)).toEqual(Array(4).fill('batch_expired'));
    } finally {
      await short.close();
    }
  });

  it('output files can expire: their content then answers 404', async () => {
    const ttl = await createMockApi({ batch: { ...TIMING, outputTtlMs: 50 } });
    try {
      const done = await waitFor(ttl, (await submit(ttl, [line('a', body('an apple'))])).id);
      expect(done.status).toBe('completed');
      await sleep(60);
      const res = await getWithKey(`${ttl.openaiBaseURL}/files/${done.output_file_id}/content`);
      expect(res.status).toBe(404);
    } finally {
      await ttl.close();
    }
  });
});
