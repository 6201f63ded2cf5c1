import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { faults, type MockApi } from '@herogen/mock-api';
import { Ajv2020 } from 'ajv/dist/2020.js';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { BATCHES_FILE_NAME } from '../src/lock/batches-file.js';
import { buildGenerationBody, createOpenAIProvider } from '../src/providers/openai.js';
import type { GenerationRequest } from '../src/types.js';
import { batchSession, useBatchMock, waitForBatches } from './batch-harness.js';

const harness = useBatchMock();
let mock: MockApi;
const roots = harness.roots;
beforeAll(() => {
  mock = harness.mock;
});

const png = (color: string) =>
  sharp({ create: { width: 64, height: 48, channels: 3, background: color } })
    .png()
    .toBuffer();

/**
 * A blog with plain heroes and heroes with reference images: `refs/a.png` is shared by two
 * posts, the third uses `refs/b.png` and `refs/a.png`.
 */
async function site() {
  const root = await mkdtemp(join(tmpdir(), 'herogen-batch-edits-'));
  roots.push(root);
  const dir = join(root, 'src', 'content', 'blog');
  await mkdir(dir, { recursive: true });
  await mkdir(join(root, 'refs'));
  await writeFile(join(root, 'refs', 'a.png'), await png('#336699'));
  await writeFile(join(root, 'refs', 'b.png'), await png('#993366'));
  const post = (name: string, prompt: string, refs?: string) =>
    writeFile(
      join(dir, `${name}.md`),
      `---\ntitle: ${name}\nhero:\n  prompt: ${prompt}\n  alt: ${name}\n${refs ? `  references: [${refs}]\n` : ''}---\nBody\n`,
    );
  await post('plain-1', 'A lighthouse at dusk');
  await post('plain-2', 'A harbour at dawn');
  await post('edit-1', 'The same lighthouse in snow', 'refs/a.png');
  await post('edit-2', 'The same lighthouse at night', 'refs/a.png');
  await post('edit-3', 'Both lighthouses side by side', 'refs/b.png, refs/a.png');
  return { root, post };
}

const session = (root: string) => batchSession(root, mock);

const sidecarOf = async (root: string) =>
  JSON.parse(await readFile(join(root, BATCHES_FILE_NAME), 'utf8'));
const originals = async (root: string) =>
  (await readdir(join(root, 'src/assets/herogen')).catch(() => [])).filter((f) =>
    f.endsWith('.jpg'),
  );
const uploadsOf = (purpose: string) =>
  mock.requests.filter(
    (r) =>
      r.route === 'openai.files.create' &&
      (r.body as { purpose?: string } | undefined)?.purpose === purpose,
  );

describe('edit batch lines', () => {
  it('carry the JSON form of the synchronous edit body, references by file id', async () => {
    // The sync edit (multipart) sends the generation fields without `moderation`.
    const provider = createOpenAIProvider({ env: {}, moderation: 'low' });
    const request: GenerationRequest = {
      provider: 'openai',
      model: 'gpt-image-2',
      prompt: 'A kite over the same beach',
      size: '1024x1024',
      quality: 'high',
      background: 'opaque',
      format: 'webp',
      references: [
        { path: 'refs/b.png', sha256: 'b'.repeat(64) },
        { path: 'refs/a.png', sha256: 'a'.repeat(64) },
      ],
      variant: 0,
    };
    expect(provider.batch!.endpointFor(request)).toBe('/v1/images/edits');
    const fileIds = new Map([
      ['a'.repeat(64), 'file-a'],
      ['b'.repeat(64), 'file-b'],
    ]);
    const line = JSON.parse(provider.batch!.line('k1', request, fileIds));
    expect(line).toEqual({
      custom_id: 'k1',
      method: 'POST',
      url: '/v1/images/edits',
      body: {
        ...buildGenerationBody(request),
        images: [{ file_id: 'file-b' }, { file_id: 'file-a' }],
      },
    });
    const spec = JSON.parse(
      await readFile(new URL('./fixtures/openai-images-openapi.json', import.meta.url), 'utf8'),
    );
    const ajv = new Ajv2020({ strict: false });
    ajv.addFormat('binary', true);
    ajv.addFormat('uri', true);
    ajv.addSchema({ $id: 'openai', components: spec.components });
    const validate = ajv.getSchema('openai#/components/schemas/EditImageBodyJsonParam')!;
    expect(validate(line.body), JSON.stringify(validate.errors)).toBe(true);
    // Without an uploaded file for a reference there is no line.
    expect(() => provider.batch!.line('k1', request, new Map())).toThrow(/not been uploaded/);
  });
});

describe('batch submit with reference images', () => {
  it('two batches (one per endpoint), each reference uploaded once, collected, then built for nothing', async () => {
    const { root, post } = await site();
    const s = await session(root);
    const plan = await s.plan();
    expect(plan.jobs).toHaveLength(5);

    const submitted = await s.batch.submit();
    expect(submitted.notBatchable).toEqual([]);
    expect(submitted.submitted.map((b) => [b.endpoint, b.images]).sort()).toEqual([
      ['/v1/images/edits', 3],
      ['/v1/images/generations', 2],
    ]);
    // a.png is shared by three posts, b.png used by one: two uploads, purpose vision.
    expect(submitted.references).toMatchObject({ distinct: 2, uploaded: 2, reused: 0 });
    expect(uploadsOf('vision')).toHaveLength(2);
    expect(uploadsOf('batch')).toHaveLength(2);
    // Priced at the batch discount like generations.
    expect(submitted.estimateUsd).toBeCloseTo(submitted.syncEstimateUsd! / 2, 5);
    const sidecar = await sidecarOf(root);
    expect(sidecar.uploads).toHaveLength(2);
    expect(sidecar.batches.every((b: { state: string }) => b.state === 'open')).toBe(true);

    // While open: the edit heroes are pending in their batch, like the others.
    const pending = await (await session(root)).plan();
    expect(pending.jobs.every((j) => j.status !== 'cached')).toBe(true);
    const paidBefore = mock.paidCalls();
    await s.generate();
    expect(mock.paidCalls()).toBe(paidBefore);

    await waitForBatches(s);
    const collected = await s.batch.collect();
    expect(collected.failed).toEqual([]);
    expect(collected.stored).toHaveLength(5);
    expect(await originals(root)).toHaveLength(5);

    // A later build finds everything cached and pays nothing.
    const again = await session(root);
    const after = await again.plan();
    expect(after.jobs.every((j) => j.status === 'cached')).toBe(true);
    await again.generate();
    expect(mock.paidCalls()).toBe(0);

    // Submit again: nothing to send, nothing uploaded.
    const uploads = mock.requests.filter((r) => r.route === 'openai.files.create').length;
    const none = await again.batch.submit();
    expect(none.submitted).toEqual([]);
    expect(mock.requests.filter((r) => r.route === 'openai.files.create')).toHaveLength(uploads);

    // A new post using a.png: its upload is reused (the API still has it), only the JSONL goes up.
    await post('edit-4', 'The lighthouse in fog', 'refs/a.png');
    const more = await (await session(root)).batch.submit();
    expect(more.submitted.map((b) => b.endpoint)).toEqual(['/v1/images/edits']);
    expect(more.references).toMatchObject({ distinct: 1, uploaded: 0, reused: 1 });
    expect(uploadsOf('vision')).toHaveLength(2);
  });

  it('a low per-file limit splits the edit batch too; the references are still uploaded once', async () => {
    const { root } = await site();
    const s = await session(root);
    const submitted = await s.batch.submit({ limits: { maxRequests: 2 } });
    expect(submitted.submitted.map((b) => [b.endpoint, b.images])).toEqual(
      expect.arrayContaining([
        ['/v1/images/generations', 2],
        ['/v1/images/edits', 2],
        ['/v1/images/edits', 1],
      ]),
    );
    expect(submitted.submitted).toHaveLength(3);
    expect(submitted.references).toMatchObject({ distinct: 2, uploaded: 2 });
    expect(uploadsOf('vision')).toHaveLength(2);
    expect(uploadsOf('batch')).toHaveLength(3);
    await waitForBatches(s);
    expect((await s.batch.collect()).stored).toHaveLength(5);
  });

  it('a line whose file is gone is reported with the post’s file and line; a resubmit uploads it again', async () => {
    const { root } = await site();
    const s = await session(root);
    await s.batch.submit();
    const bSha = createHash('sha256')
      .update(await readFile(join(root, 'refs', 'b.png')))
      .digest('hex');
    const b = (await sidecarOf(root)).uploads.find((u: { sha256: string }) => u.sha256 === bSha);
    expect(mock.deleteFile(b.fileId)).toBe(true);
    await waitForBatches(s);
    const collected = await s.batch.collect();
    expect(collected.stored).toHaveLength(4);
    expect(collected.failed).toHaveLength(1);
    const failure = collected.failed[0]!;
    expect(failure.sources).toEqual([{ file: 'src/content/blog/edit-3.md', line: 3 }]);
    expect(failure.status).toBe(400);
    expect(failure.code).toBe('invalid_file_id');
    expect(failure.message).toContain(b.fileId);

    const resubmit = await (await session(root)).batch.submit();
    expect(resubmit.submitted).toHaveLength(1);
    expect(resubmit.references).toMatchObject({ distinct: 2, uploaded: 1, reused: 1 });
  });
});

describe('the submit-before-record window', () => {
  it('a create whose answer is lost is found by its input file on the next command, never resubmitted', async () => {
    const { root } = await site();
    const s = await session(root);
    mock.setFaults([{ route: 'openai.batches.create', fault: faults.lostResponse(), times: 1 }]);
    await expect(s.batch.submit()).rejects.toThrow(/may have been created/);
    const crashed = await sidecarOf(root);
    const submitting = crashed.batches.filter((b: { state: string }) => b.state === 'submitting');
    expect(submitting).toHaveLength(1);
    expect(submitting[0].inputFileId).toMatch(/^file-/);
    const lostKeys = Object.keys(submitting[0].requests);

    // A build meanwhile pays nothing for those heroes (only for the batch never sent).
    const paid = mock.paidCalls();
    await (await session(root)).generate();
    expect(mock.paidCalls() - paid).toBe(5 - lostKeys.length);

    const creates = () => mock.requests.filter((r) => r.route === 'openai.batches.create').length;
    const before = creates();
    const next = await (await session(root)).batch.submit();
    // The lost batch was found and recorded; its keys are covered, not sent again.
    const recovered = (await sidecarOf(root)).batches;
    expect(recovered.some((b: { state: string }) => b.state === 'submitting')).toBe(false);
    const found = recovered.find(
      (b: { inputFileId: string }) => b.inputFileId === submitting[0].inputFileId,
    );
    expect(found.state).toBe('open');
    expect(found.id).toMatch(/^batch_/);
    for (const key of lostKeys) expect(next.covered.get(key)).toBe(found.id);
    expect(next.submitted).toEqual([]);
    expect(creates()).toBe(before);
    expect(next.jobs.some((j) => lostKeys.includes(j.key))).toBe(false);

    await waitForBatches(s);
    const collected = await s.batch.collect();
    expect(collected.failed).toEqual([]);
    expect(await originals(root)).toHaveLength(5);
  });

  it('a create that never reached the API keeps its keys until it is old enough to be known never created', async () => {
    const { root } = await site();
    const s = await session(root);
    mock.setFaults([{ route: 'openai.batches.create', fault: faults.reset() }]);
    await expect(s.batch.submit()).rejects.toThrow(/may have been created/);
    mock.setFaults([]);
    const first = (await sidecarOf(root)).batches.find(
      (b: { state: string }) => b.state === 'submitting',
    );
    // Right after, the API does not list it yet: the keys stay reserved, nothing is resubmitted.
    const soon = await (await session(root)).batch.submit();
    for (const key of Object.keys(first.requests)) expect(soon.covered.get(key)).toBe(first.id);
    const views = await (await session(root)).batch.status();
    expect(views.find((v) => v.record.id === first.id)?.error?.code).toBe('BATCH_PENDING');

    // Twenty minutes later it is still not listed: it was never created, and is submitted again.
    const file = await sidecarOf(root);
    for (const b of file.batches) {
      if (b.state === 'submitting')
        b.submittedAt = new Date(Date.now() - 20 * 60_000).toISOString();
    }
    await writeFile(join(root, BATCHES_FILE_NAME), `${JSON.stringify(file, null, 2)}\n`);
    const later = await (await session(root)).batch.submit();
    const after = await sidecarOf(root);
    expect(after.batches.some((b: { state: string }) => b.state === 'submitting')).toBe(false);
    expect(later.jobs.map((j) => j.key).sort()).toEqual(Object.keys(first.requests).sort());
  });
});
