import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMockApi, faults, type MockApi, type MockApiOptions } from '../src/index.js';
import { decode, getWithKey, json, KEY, pngOf, postJson, sleep, specValidator } from './helpers.js';

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

describe('edit batches (/v1/images/edits, JSON bodies)', () => {
  // EditImageBodyJsonParam and ImageRefParam from the project's openai-images-openapi.json.
  const validImages = specValidator('openai-images-schemas.json');
  const editLine = (customId: string, b: Record<string, unknown>) =>
    JSON.stringify({ custom_id: customId, method: 'POST', url: '/v1/images/edits', body: b });
  // A size the spec's `EditImageBodyJsonParam.size` enum lists, so the bodies validate as is.
  const editBody = (prompt: string, images: unknown[], extra: Record<string, unknown> = {}) => ({
    model: 'gpt-image-2',
    prompt,
    n: 1,
    size: '1024x1024',
    quality: 'low',
    output_format: 'png',
    images,
    ...extra,
  });

  async function uploadImage(on: MockApi, bytes: Buffer, purpose = 'vision') {
    const form = new FormData();
    form.append('purpose', purpose);
    form.append('file', new Blob([bytes], { type: 'image/png' }), 'ref.png');
    return fetch(`${on.openaiBaseURL}/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}` },
      body: form,
    });
  }

  async function submitEdits(lines: string[]) {
    const file = await json(await upload(api, `${lines.join('\n')}\n`));
    const res = await postJson(`${api.openaiBaseURL}/batches`, {
      input_file_id: file.id,
      endpoint: '/v1/images/edits',
      completion_window: '24h',
    });
    expect(res.status).toBe(200);
    return json(res);
  }

  it('answers each line like the multipart edit of the same image, by file_id or data URL', async () => {
    const png = await pngOf(64, 48);
    const uploaded = await uploadImage(api, png);
    expect(uploaded.status).toBe(200);
    const file = await json(uploaded);
    expect(file).toMatchObject({ object: 'file', purpose: 'vision', bytes: png.length });
    const byId = editBody('add snow', [{ file_id: file.id }]);
    const byUrl = editBody('add snow', [
      { image_url: `data:image/png;base64,${png.toString('base64')}` },
    ]);
    expect(validImages('EditImageBodyJsonParam', byId)).toBe(true);
    expect(validImages('EditImageBodyJsonParam', byUrl)).toBe(true);

    const created = await submitEdits([editLine('a', byId), editLine('b', byUrl)]);
    expect(created.endpoint).toBe('/v1/images/edits');
    const done = await waitFor(api, created.id);
    expect(done.status).toBe('completed');
    expect(done.request_counts).toEqual({ total: 2, completed: 2, failed: 0 });
    const out = await jsonl(api, done.output_file_id);
    const a = out.find((l) => l.custom_id === 'a');
    const b = out.find((l) => l.custom_id === 'b');
    expect(validImages('ImagesResponse', a.response.body)).toBe(true);

    const form = new FormData();
    for (const [k, v] of Object.entries(editBody('add snow', []))) {
      if (k !== 'images') form.append(k, String(v));
    }
    form.append('image[]', new Blob([png], { type: 'image/png' }), 'ref.png');
    const sync = await json(
      await fetch(`${api.openaiBaseURL}/images/edits`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}` },
        body: form,
      }),
    );
    expect(a.response.body.data[0].b64_json).toBe(sync.data[0].b64_json);
    expect(b.response.body.data[0].b64_json).toBe(sync.data[0].b64_json);
    // The reference image is billed as input, as in the synchronous edit.
    expect(a.response.body.usage).toEqual(sync.usage);
    // Not the picture a generation of the same prompt gives.
    const gen = await json(
      await postJson(`${api.openaiBaseURL}/images/generations`, {
        ...editBody('add snow', []),
        images: undefined,
      }),
    );
    expect(gen.data[0].b64_json).not.toBe(a.response.body.data[0].b64_json);
  });

  it('fails single lines: an unknown or foreign file_id, a batch file as image, a bad body', async () => {
    const png = await pngOf(32, 32);
    const mine = await json(await uploadImage(api, png));
    const theirs = await json(
      await (async () => {
        const form = new FormData();
        form.append('purpose', 'vision');
        form.append('file', new Blob([png], { type: 'image/png' }), 'ref.png');
        return fetch(`${api.openaiBaseURL}/files`, {
          method: 'POST',
          headers: { authorization: 'Bearer other-key' },
          body: form,
        });
      })(),
    );
    const jsonlFile = await json(await upload(api, `${line('z', body('z'))}\n`));
    const lines = {
      ok: editBody('ok', [{ file_id: mine.id }]),
      unknown: editBody('unknown', [{ file_id: mine.id }, { file_id: 'file-nope' }]),
      foreign: editBody('foreign', [{ file_id: theirs.id }]),
      purpose: editBody('purpose', [{ file_id: jsonlFile.id }]),
      both: editBody('both', [{ file_id: mine.id, image_url: 'data:image/png;base64,AAAA' }]),
      none: editBody('none', []),
      extra: editBody('extra', [{ file_id: mine.id }], { image: 'x' }),
      url: editBody('url', [{ image_url: 'https://example.com/a.png' }]),
    };
    // The spec itself refuses the malformed ones.
    expect(validImages('EditImageBodyJsonParam', lines.both)).not.toBe(true);
    expect(validImages('EditImageBodyJsonParam', lines.none)).not.toBe(true);
    const done = await waitFor(
      api,
      (await submitEdits(Object.entries(lines).map(([id, b]) => editLine(id, b)))).id,
    );
    expect(done.status).toBe('completed');
    expect((await jsonl(api, done.output_file_id)).map((l) => l.custom_id)).toEqual(['ok']);
    const errors = Object.fromEntries(
      (await jsonl(api, done.error_file_id)).map((l) => [l.custom_id, l.response]),
    );
    expect(errors.unknown.status_code).toBe(400);
    expect(errors.unknown.body.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'invalid_file_id',
      param: 'images[1].file_id',
    });
    expect(errors.unknown.body.error.message).toContain('file-nope');
    expect(validImages('ErrorResponse', errors.unknown.body)).toBe(true);
    expect(errors.foreign.body.error.code).toBe('invalid_file_id');
    expect(errors.purpose.body.error.message).toContain("purpose 'batch'");
    for (const id of ['both', 'none', 'extra', 'url']) expect(errors[id].status_code).toBe(400);
    expect(done.request_counts).toEqual({ total: 8, completed: 1, failed: 7 });
    expect(api.billedBatchLines()).toBe(1);
  });

  it('refuses a vision upload that is not an image', async () => {
    const res = await uploadImage(api, Buffer.from('not an image'));
    expect(res.status).toBe(400);
    expect((await json(res)).error.code).toBe('invalid_file_format');
  });
});

describe('list endpoints', () => {
  it('GET /v1/files lists this key’s live files by purpose, newest first, with pagination', async () => {
    const a = await json(await upload(api, `${line('a', body('a'))}\n`));
    const b = await json(await upload(api, `${line('b', body('b'))}\n`));
    const png = await pngOf(16, 16);
    const form = new FormData();
    form.append('purpose', 'vision');
    form.append('file', new Blob([png], { type: 'image/png' }), 'r.png');
    const v = await json(
      await fetch(`${api.openaiBaseURL}/files`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}` },
        body: form,
      }),
    );
    const all = await json(await getWithKey(`${api.openaiBaseURL}/files`));
    expect(valid('ListFilesResponse', all)).toBe(true);
    expect(all.data.map((f: { id: string }) => f.id)).toEqual([v.id, b.id, a.id]);
    const vision = await json(await getWithKey(`${api.openaiBaseURL}/files?purpose=vision`));
    expect(vision.data.map((f: { id: string }) => f.id)).toEqual([v.id]);
    const page = await json(await getWithKey(`${api.openaiBaseURL}/files?limit=1&after=${v.id}`));
    expect(page.data.map((f: { id: string }) => f.id)).toEqual([b.id]);
    expect(page.has_more).toBe(true);
    expect((await json(await getWithKey(`${api.openaiBaseURL}/files`, 'other'))).data).toEqual([]);
  });

  it('GET /v1/batches lists batches newest first with their metadata', async () => {
    const first = await submit(api, [line('a', body('a'))], { metadata: { n: '1' } });
    const second = await submit(api, [line('b', body('b'))], { metadata: { n: '2' } });
    const list = await json(await getWithKey(`${api.openaiBaseURL}/batches`));
    expect(valid('ListBatchesResponse', list)).toBe(true);
    expect(list.data.map((b: { id: string }) => b.id)).toEqual([second.id, first.id]);
    expect(list.data[1].metadata).toEqual({ n: '1' });
    const page = await json(
      await getWithKey(`${api.openaiBaseURL}/batches?limit=1&after=${second.id}`),
    );
    expect(page.data.map((b: { id: string }) => b.id)).toEqual([first.id]);
    expect(page.has_more).toBe(false);
    expect((await getWithKey(`${api.openaiBaseURL}/batches?limit=101`)).status).toBe(400);
  });

  it('lostResponse: the batch is created although its answer never arrives', async () => {
    const file = await json(await upload(api, `${line('a', body('a'))}\n`));
    api.setFaults([{ route: 'openai.batches.create', fault: faults.lostResponse(), times: 1 }]);
    await expect(
      postJson(`${api.openaiBaseURL}/batches`, {
        input_file_id: file.id,
        endpoint: '/v1/images/generations',
        completion_window: '24h',
        metadata: { herogen_submission: 's1' },
      }),
    ).rejects.toThrow();
    const list = await json(await getWithKey(`${api.openaiBaseURL}/batches`));
    expect(list.data).toHaveLength(1);
    expect(list.data[0]).toMatchObject({
      input_file_id: file.id,
      metadata: { herogen_submission: 's1' },
    });
  });
});
