import { readdirSync, readFileSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { encodeTransform } from '../src/derive/encode.js';
import type { Transform } from '../src/derive/plan.js';
import { inspectImage } from '../src/store/inspect-image.js';

const glibc =
  process.platform === 'linux' &&
  typeof (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header
    ?.glibcVersionRuntime === 'string';

const TRANSFORM: Transform = {
  kind: 'variant',
  width: 20,
  height: 10,
  format: 'webp',
  quality: 80,
  tagAiGenerated: false,
};

/** Children of this process whose command line names herogen's image process. */
function imageProcesses(): { pid: number; environ: string[] }[] {
  const children = readdirSync(`/proc/${process.pid}/task`).flatMap((thread) =>
    readFileSync(`/proc/${process.pid}/task/${thread}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number),
  );
  return children
    .filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('sharp-host.js'))
    .map((pid) => ({ pid, environ: readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0') }));
}

describe.runIf(glibc && process.env.HEROGEN_SHARP_PROCESS !== '0')('the image process', () => {
  it('runs sharp work in one child started with bounded malloc arenas', async () => {
    const png = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#123' } })
      .png()
      .toBuffer();
    expect(await inspectImage(png)).toEqual({ format: 'png', width: 40, height: 20 });
    const webp = await encodeTransform(png, TRANSFORM, 'a test image');
    expect(Buffer.isBuffer(webp)).toBe(true);
    expect((await sharp(webp).metadata()).width).toBe(20);
    const hosts = imageProcesses();
    expect(hosts).toHaveLength(1);
    expect(hosts[0]!.environ).toContain('MALLOC_ARENA_MAX=2');
  });

  it('brings errors back with their code and hint', async () => {
    const failure = await inspectImage(new Uint8Array([1, 2, 3, 4])).catch((error) => error);
    expect(failure).toMatchObject({ name: 'HerogenError', code: 'IMAGE_INVALID' });
    expect(failure.hint).toMatch(/nothing was stored/);
    const missing = await encodeTransform(
      '/nonexistent/herogen-original.png',
      TRANSFORM,
      'a missing file',
    ).catch((error) => error);
    expect(missing.code).toBe('ENOENT');
  });

  it('does the work here when the image process is killed, and starts a new one after', async () => {
    const png = await sharp({ create: { width: 30, height: 20, channels: 3, background: '#456' } })
      .png()
      .toBuffer();
    await inspectImage(png);
    const [first] = imageProcesses();
    const pending = inspectImage(png);
    process.kill(first!.pid, 'SIGKILL');
    expect(await pending).toEqual({ format: 'png', width: 30, height: 20 });
    await new Promise((done) => setTimeout(done, 50));
    expect(await inspectImage(png)).toEqual({ format: 'png', width: 30, height: 20 });
    const [second] = imageProcesses();
    expect(second?.pid).not.toBe(first!.pid);
  });

  it('ignores a Ctrl-C sent to the process group: the parent decides', async () => {
    const [host] = imageProcesses();
    process.kill(host!.pid, 'SIGINT');
    await new Promise((done) => setTimeout(done, 100));
    expect(imageProcesses().map((found) => found.pid)).toEqual([host!.pid]);
  });
});
