import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/fs/file-hash.js';
import { readLock } from '../src/lock/read-lock.js';
import { inspectImage } from '../src/store/inspect-image.js';
import { recordPendingTask } from '../src/store/pending-task.js';
import { type StoreOriginalOptions, storeOriginal } from '../src/store/store-original.js';
import type { GeneratedImage, Logger } from '../src/types.js';
import { makeImage, rawPixels } from './fixtures/store/images.js';
import { sampleRequest } from './fixtures/store/samples.js';

const KEY = '0123456789abcdef0123';
let root: string;
let lockPath: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'herogen-store-'));
  lockPath = join(root, 'herogen.lock.json');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function image(bytes: Uint8Array, extra: Partial<GeneratedImage> = {}): GeneratedImage {
  return { bytes, mediaType: 'image/png', ...extra };
}

function options(overrides: Partial<StoreOriginalOptions>): StoreOriginalOptions {
  return {
    root,
    outDir: 'src/assets/herogen',
    key: KEY,
    request: sampleRequest(),
    image: image(new Uint8Array()),
    lockPath: 'herogen.lock.json',
    now: () => new Date('2025-03-04T05:06:07.000Z'),
    ...overrides,
  };
}

async function outDirFiles(): Promise<string[]> {
  return readdir(join(root, 'src', 'assets', 'herogen')).catch(() => []);
}

function collectingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { debug() {}, info() {}, warn: (message) => warnings.push(message), error() {}, warnings };
}

describe('inspectImage', () => {
  it('reports format and size of real images', async () => {
    expect(await inspectImage(await makeImage(64, 48))).toEqual({
      format: 'png',
      width: 64,
      height: 48,
    });
    expect((await inspectImage(await makeImage(20, 10, 'webp'))).format).toBe('webp');
    expect((await inspectImage(await makeImage(20, 10, 'jpeg'))).format).toBe('jpeg');
  });

  it('rejects non-images, truncated PNGs and JPEGs, and other formats', async () => {
    const png = await makeImage(64, 48);
    const jpeg = await makeImage(64, 48, 'jpeg');
    const gif = await sharp(png).gif().toBuffer();
    for (const bytes of [
      new TextEncoder().encode('<html>rate limited</html>'),
      new Uint8Array(),
      png.subarray(0, Math.floor(png.length * 0.6)),
      png.subarray(0, png.length - 12),
      jpeg.subarray(0, Math.floor(jpeg.length * 0.6)),
      gif,
    ]) {
      await expect(inspectImage(bytes)).rejects.toMatchObject({ code: 'IMAGE_INVALID' });
    }
  });

  it('refuses from the header, before decoding, an image of another size or too many pixels', async () => {
    const png = await makeImage(200, 100);
    await expect(inspectImage(png, { maxPixels: 19_999 })).rejects.toMatchObject({
      code: 'IMAGE_INVALID',
      message: expect.stringMatching(/declares 200x100 .* it was not decoded/),
    });
    await expect(
      inspectImage(png, { expected: { width: 100, height: 100 } }),
    ).rejects.toMatchObject({
      message: expect.stringMatching(
        /200x100 but the request asked for 100x100; it was not decoded/,
      ),
    });
    expect(await inspectImage(png, { maxPixels: 20_000 })).toMatchObject({ width: 200 });
  });
});

describe('storeOriginal', () => {
  it('writes the bytes as returned, then records a complete entry', async () => {
    const bytes = await makeImage(64, 48);
    await recordPendingTask(lockPath, KEY, {
      provider: 'openai',
      model: 'gpt-image-2',
      taskId: 't1',
      createdAt: '2025-01-01T00:00:00.000Z',
    });
    const entry = await storeOriginal(
      options({
        image: image(bytes, {
          costUsd: 0.0123,
          costConfidence: 'exact',
          requestId: 'req_1',
          revisedPrompt: 'A lighthouse at dusk, revised',
        }),
      }),
    );
    const stored = await readFile(join(root, 'src', 'assets', 'herogen', `${KEY}.png`));
    expect(Buffer.compare(stored, Buffer.from(bytes))).toBe(0);
    expect(entry).toEqual({
      file: `src/assets/herogen/${KEY}.png`,
      sha256: sha256Hex(bytes),
      bytes: bytes.byteLength,
      width: 64,
      height: 48,
      format: 'png',
      provider: 'openai',
      model: 'gpt-image-2',
      prompt: 'A lighthouse at dusk',
      request: sampleRequest(),
      createdAt: '2025-03-04T05:06:07.000Z',
      costUsd: 0.0123,
      costConfidence: 'exact',
      requestId: 'req_1',
      revisedPrompt: 'A lighthouse at dusk, revised',
    });
    const lock = await readLock(lockPath);
    expect(lock.images[KEY]).toEqual(entry);
    expect(lock.pending).toEqual({});
    expect(await outDirFiles()).toEqual([`${KEY}.png`]);
  });

  it('records unknown cost as null and marks placeholders', async () => {
    const entry = await storeOriginal(
      options({
        request: sampleRequest({ provider: 'local', model: 'art-1' }),
        image: image(await makeImage(64, 48)),
        placeholder: { reason: 'offline art' },
      }),
    );
    expect(entry.costUsd).toBeNull();
    expect(entry.costConfidence).toBe('unknown');
    expect(entry.placeholder).toBe(true);
    expect(entry.placeholderReason).toBe('offline art');
  });

  it('keeps only the request contract in the lock, never extra fields such as keys', async () => {
    const request = { ...sampleRequest(), apiKey: 'sk-secret-123', headers: { a: 'b' } };
    await storeOriginal(options({ request, image: image(await makeImage(64, 48)) }));
    const text = await readFile(lockPath, 'utf8');
    expect(text).not.toContain('sk-secret-123');
    expect(text).not.toContain('headers');
  });

  it('rejects non-image bytes and writes nothing, keeping the bytes aside', async () => {
    const junk = new TextEncoder().encode('{"error":"internal"}');
    const error = await storeOriginal(
      options({ image: image(junk, { requestId: 'req_9' }) }),
    ).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'IMAGE_INVALID', requestId: 'req_9' });
    expect(await outDirFiles()).toEqual([]);
    expect(await readdir(root).then((names) => names.includes('herogen.lock.json'))).toBe(false);
    const rejectedDir = join(root, 'node_modules', '.cache', 'herogen', 'rejected');
    const kept = await readdir(rejectedDir);
    expect(kept).toHaveLength(1);
    expect(await readFile(join(rejectedDir, kept[0]!), 'utf8')).toBe('{"error":"internal"}');
    expect((error as { hint: string }).hint).toContain(kept[0]);
  });

  it('rejects a truncated PNG and writes nothing', async () => {
    const png = await makeImage(64, 48);
    await expect(
      storeOriginal(
        options({ image: image(png.subarray(0, png.length - 40)), rejectedDir: false }),
      ),
    ).rejects.toMatchObject({ code: 'IMAGE_INVALID' });
    expect(await outDirFiles()).toEqual([]);
    expect(await readLock(lockPath)).toEqual({ version: 1, images: {}, pending: {} });
  });

  it('rejects an image of the wrong size and writes nothing', async () => {
    await expect(
      storeOriginal(options({ image: image(await makeImage(48, 64)), rejectedDir: false })),
    ).rejects.toMatchObject({ code: 'IMAGE_INVALID', message: expect.stringContaining('48x64') });
    expect(await outDirFiles()).toEqual([]);
  });

  it('allows ±2% on the ratio for aspect-based requests', async () => {
    const request = sampleRequest({
      provider: 'hiapi',
      size: undefined,
      aspect: '16:9',
      resolution: '1K',
    });
    // 80x46 is 1.739, 2.2% off 16:9; 80x45 is exact; 81x46 is 1.761, 1% off.
    await expect(
      storeOriginal(
        options({ request, image: image(await makeImage(80, 46)), rejectedDir: false }),
      ),
    ).rejects.toMatchObject({ code: 'IMAGE_INVALID' });
    await expect(
      storeOriginal(options({ request, image: image(await makeImage(81, 46)) })),
    ).resolves.toMatchObject({ width: 81, height: 46 });
    await expect(
      storeOriginal(options({ request, image: image(await makeImage(80, 45)) })),
    ).resolves.toMatchObject({ width: 80, height: 45 });
    // The right ratio at far more pixels than the 1K tier's budget is not an honest answer.
    await expect(
      storeOriginal(
        options({ request, image: image(await makeImage(1920, 1080)), rejectedDir: false }),
      ),
    ).rejects.toMatchObject({
      code: 'IMAGE_INVALID',
      message: expect.stringContaining('requested resolution allows'),
    });
    // An explicit expectation overrides the request.
    await expect(
      storeOriginal(
        options({
          request,
          image: image(await makeImage(30, 30)),
          expected: { width: 30, height: 30 },
        }),
      ),
    ).resolves.toMatchObject({ width: 30 });
  });

  it('converts another format to the requested one, losslessly for webp, and says so', async () => {
    const png = await makeImage(64, 48);
    const logger = collectingLogger();
    const entry = await storeOriginal(
      options({
        request: sampleRequest({ format: 'webp' }),
        image: image(png, { requestId: 'req_2' }),
        logger,
      }),
    );
    expect(entry.format).toBe('webp');
    expect(entry.file).toBe(`src/assets/herogen/${KEY}.webp`);
    const stored = await readFile(join(root, entry.file));
    expect((await inspectImage(stored)).format).toBe('webp');
    expect(Buffer.compare(await rawPixels(stored), await rawPixels(png))).toBe(0);
    expect(entry.sha256).toBe(sha256Hex(stored));
    expect(logger.warnings.join('\n')).toMatch(/returned png .* asked for webp/);
    expect(logger.warnings.join('\n')).toContain('req_2');
  });

  it('stores the file before the lock: a damaged lock keeps the image on disk', async () => {
    await writeFile(lockPath, '{ "version": 1, "images": {');
    const bytes = await makeImage(64, 48);
    const error = await storeOriginal(options({ image: image(bytes) })).catch((caught) => caught);
    expect(error).toMatchObject({ code: 'LOCK_INVALID' });
    expect(error.message).toContain(`src/assets/herogen/${KEY}.png`);
    expect(await outDirFiles()).toEqual([`${KEY}.png`]);
    expect(await readFile(lockPath, 'utf8')).toBe('{ "version": 1, "images": {');
  });

  it('replaces a non-image file sitting where the original goes', async () => {
    const outDir = join(root, 'src', 'assets', 'herogen');
    await mkdir(outDir, { recursive: true });
    await writeFile(join(outDir, `${KEY}.png`), 'not an image');
    const bytes = await makeImage(64, 48);
    await storeOriginal(options({ image: image(bytes) }));
    expect(Buffer.compare(await readFile(join(outDir, `${KEY}.png`)), Buffer.from(bytes))).toBe(0);
  });

  it('writes the file only when told not to record it', async () => {
    await storeOriginal(options({ image: image(await makeImage(64, 48)), recordInLock: false }));
    expect(await outDirFiles()).toEqual([`${KEY}.png`]);
    expect(await readdir(root).then((names) => names.includes('herogen.lock.json'))).toBe(false);
  });

  describe('path safety', () => {
    let outside: string;

    beforeEach(async () => {
      outside = await mkdtemp(join(tmpdir(), 'herogen-outside-'));
    });

    afterEach(async () => {
      await rm(outside, { recursive: true, force: true });
    });

    it('refuses an outDir or lock outside the root', async () => {
      const bytes = await makeImage(64, 48);
      await expect(
        storeOriginal(options({ image: image(bytes), outDir: '../elsewhere' })),
      ).rejects.toMatchObject({ code: 'PATH_OUTSIDE_ROOT' });
      await expect(
        storeOriginal(options({ image: image(bytes), outDir: outside })),
      ).rejects.toMatchObject({ code: 'PATH_OUTSIDE_ROOT' });
      await expect(
        storeOriginal(
          options({ image: image(bytes), lockPath: join(outside, 'herogen.lock.json') }),
        ),
      ).rejects.toMatchObject({ code: 'PATH_OUTSIDE_ROOT' });
      expect(await readdir(outside)).toEqual([]);
    });

    it('refuses an outDir that is a symlink leading outside the root', async () => {
      await mkdir(join(root, 'src', 'assets'), { recursive: true });
      await symlink(outside, join(root, 'src', 'assets', 'herogen'));
      await expect(
        storeOriginal(options({ image: image(await makeImage(64, 48)) })),
      ).rejects.toMatchObject({ code: 'PATH_OUTSIDE_ROOT' });
      expect(await readdir(outside)).toEqual([]);
    });

    it('refuses a target file that is a symlink leading outside the root', async () => {
      const outDir = join(root, 'src', 'assets', 'herogen');
      await mkdir(outDir, { recursive: true });
      await writeFile(join(outside, 'victim.png'), 'precious');
      await symlink(join(outside, 'victim.png'), join(outDir, `${KEY}.png`));
      await expect(
        storeOriginal(options({ image: image(await makeImage(64, 48)) })),
      ).rejects.toMatchObject({ code: 'PATH_OUTSIDE_ROOT' });
      expect(await readFile(join(outside, 'victim.png'), 'utf8')).toBe('precious');
    });
  });
});
