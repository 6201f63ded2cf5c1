import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMockApi } from '@herogen/mock-api';
import sharp from 'sharp';
import { describe, expect, it, onTestFinished } from 'vitest';
import { encodeTransform } from '../src/derive/encode.js';
import type { Transform } from '../src/derive/plan.js';
import {
  glibcRuntime,
  IMAGE_PROCESS_MAX_RSS,
  IMAGE_PROCESS_RELEASE_RSS,
  releaseImageProcess,
  setImageProcessMaxRss,
  setImageProcessReleaseRss,
} from '../src/image/sharp-process.js';
import { createHerogen } from '../src/session.js';
import { inspectImage } from '../src/store/inspect-image.js';
import { createTempProject } from './fixtures/scan/temp-project.js';

const glibc =
  process.platform === 'linux' &&
  typeof (process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header
    ?.glibcVersionRuntime === 'string';

describe('glibc detection', () => {
  it('reads the process report without its network section (seconds with open sockets), and restores the setting', () => {
    const report = process.report as NodeJS.ProcessReport & { excludeNetwork: boolean };
    const seen: boolean[] = [];
    const original = report.getReport.bind(report);
    report.getReport = ((...args: Parameters<typeof report.getReport>) => {
      seen.push(report.excludeNetwork);
      return original(...args);
    }) as typeof report.getReport;
    const before = report.excludeNetwork;
    try {
      expect(glibcRuntime()).toBe(glibc);
    } finally {
      report.getReport = original;
    }
    expect(seen).toEqual(process.platform === 'linux' ? [true] : []);
    expect(report.excludeNetwork).toBe(before);
  });
});

/** A PNG of one colour, for calls whose pixels do not matter. */
function solidPng(width: number, height: number, background: string): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background } })
    .png()
    .toBuffer();
}

const TRANSFORM: Transform = {
  kind: 'variant',
  width: 20,
  height: 10,
  format: 'webp',
  quality: 80,
  tagAiGenerated: false,
};

/** Children of this process whose command line names herogen's image process. */
function imageProcesses(): { pid: number; environ: string[]; argv: string[] }[] {
  // A process or thread can end between two reads (the tests kill image processes): skip it.
  const read = (file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  };
  const children = readdirSync(`/proc/${process.pid}/task`).flatMap((thread) =>
    (read(`/proc/${process.pid}/task/${thread}/children`) ?? '')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number),
  );
  return children.flatMap((pid) => {
    const cmdline = read(`/proc/${pid}/cmdline`);
    const environ = read(`/proc/${pid}/environ`);
    if (!cmdline?.includes('sharp-host.js') || environ === undefined) return [];
    return [{ pid, environ: environ.split('\0'), argv: cmdline.split('\0') }];
  });
}

describe.runIf(glibc && process.env.HEROGEN_SHARP_PROCESS !== '0')('the image process', () => {
  it('runs sharp work in one child started with bounded malloc arenas and a lighter V8', async () => {
    const png = await solidPng(40, 20, '#123');
    expect(await inspectImage(png)).toEqual({ format: 'png', width: 40, height: 20 });
    const webp = await encodeTransform(png, TRANSFORM, 'a test image');
    expect(Buffer.isBuffer(webp)).toBe(true);
    expect((await sharp(webp).metadata()).width).toBe(20);
    const hosts = imageProcesses();
    expect(hosts).toHaveLength(1);
    expect(hosts[0]!.environ).toContain('MALLOC_ARENA_MAX=2');
    expect(hosts[0]!.argv).toContain('--lite-mode');
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

  it('gives the call of a killed image process to a new one, not to this process', async () => {
    const png = await solidPng(30, 20, '#456');
    await inspectImage(png);
    const [first] = imageProcesses();
    const pending = inspectImage(png);
    process.kill(first!.pid, 'SIGKILL');
    expect(await pending).toEqual({ format: 'png', width: 30, height: 20 });
    // No call since: the answer came from a new image process (the old behaviour, work done in
    // this process, left none until the next call).
    const [second] = imageProcesses();
    expect(second?.pid).toBeDefined();
    expect(second!.pid).not.toBe(first!.pid);
    expect(await inspectImage(png)).toEqual({ format: 'png', width: 30, height: 20 });
    expect(imageProcesses().map((host) => host.pid)).toEqual([second!.pid]);
  });

  it('reports a call on which two image processes were killed, and goes on after', async () => {
    const noise = await sharp({
      create: {
        width: 2400,
        height: 1350,
        channels: 3,
        background: '#000',
        noise: { type: 'gaussian', mean: 128, sigma: 40 },
      },
    })
      .png()
      .toBuffer();
    const heavy: Transform = {
      ...TRANSFORM,
      width: 1920,
      height: 1080,
      format: 'avif',
      quality: 60,
    };
    await inspectImage(noise);
    const [first] = imageProcesses();
    const killed = new Set([first!.pid]);
    // Every image process that appears is killed at once, as an out-of-memory killer would.
    const killer = setInterval(() => {
      for (const host of imageProcesses()) {
        if (killed.has(host.pid)) continue;
        killed.add(host.pid);
        process.kill(host.pid, 'SIGKILL');
      }
    }, 1);
    try {
      const pending = encodeTransform(noise, heavy, 'a large image').catch((error) => error);
      process.kill(first!.pid, 'SIGKILL');
      const error = await pending;
      expect(error).toMatchObject({ code: 'IMAGE_PROCESS_KILLED' });
      expect(error.message).toBe(
        "herogen's image process was killed (SIGKILL) while encoding a derivative, twice in a row.",
      );
      expect(error.hint).toMatch(/out-of-memory killer/);
      expect(killed.size).toBe(2);
    } finally {
      clearInterval(killer);
    }
    // The next call gets a new process of its own.
    const png = await solidPng(8, 8, '#fff');
    expect(await inspectImage(png)).toMatchObject({ width: 8 });
    expect(imageProcesses().map((host) => host.pid)).not.toContain(first!.pid);
  });

  it('ignores a Ctrl-C sent to the process group: the parent decides', async () => {
    const [host] = imageProcesses();
    process.kill(host!.pid, 'SIGINT');
    await new Promise((done) => setTimeout(done, 100));
    expect(imageProcesses().map((found) => found.pid)).toEqual([host!.pid]);
  });

  it('reads the bytes from their file when told where they are, and falls back to a copy', async () => {
    const png = await solidPng(24, 12, '#789');
    const dir = mkdtempSync(join(tmpdir(), 'herogen-inspect-'));
    try {
      const file = join(dir, 'record');
      writeFileSync(file, Buffer.concat([Buffer.from('{"header":1}\n'), png]));
      const region = { file, offset: 13, length: png.length };
      expect(await inspectImage(png, {}, region)).toEqual({ format: 'png', width: 24, height: 12 });
      // The file went away: the image process is sent the bytes instead.
      rmSync(file);
      expect(await inspectImage(png, {}, region)).toEqual({ format: 'png', width: 24, height: 12 });
      // Damaged bytes are refused the same way from a file.
      writeFileSync(file, Buffer.concat([Buffer.from('{"header":1}\n'), png.subarray(0, 40)]));
      const cut = png.subarray(0, 40);
      await expect(
        inspectImage(cut, {}, { file, offset: 13, length: cut.length }),
      ).rejects.toMatchObject({ code: 'IMAGE_INVALID' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('replaces the image process when it holds too much, one at a time, results unchanged', async () => {
    const png = await solidPng(64, 32, '#abc');
    const expected = await Promise.all([encodeTransform(png, TRANSFORM, 'before')]);
    const seen = new Set<number>();
    const sampler = setInterval(() => {
      const hosts = imageProcesses();
      expect(hosts.length).toBeLessThanOrEqual(1);
      for (const host of hosts) seen.add(host.pid);
    }, 5);
    setImageProcessMaxRss(1);
    try {
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          i % 2 === 0 ? encodeTransform(png, TRANSFORM, `image ${i}`) : inspectImage(png),
        ),
      );
      for (const [i, result] of results.entries()) {
        if (i % 2 === 0) expect(Buffer.compare(result as Buffer, expected[0]!)).toBe(0);
        else expect(result).toEqual({ format: 'png', width: 64, height: 32 });
      }
      // Sequential calls: each one finds the last process gone and starts the next.
      for (let i = 0; i < 3; i++) expect(await inspectImage(png)).toMatchObject({ width: 64 });
    } finally {
      clearInterval(sampler);
      setImageProcessMaxRss(IMAGE_PROCESS_MAX_RSS);
    }
    expect(seen.size).toBeGreaterThanOrEqual(3);
  });

  it('lets an image process go when told, only if it holds more than a new one', async () => {
    const png = await solidPng(16, 16, '#0f0');
    await inspectImage(png);
    const [first] = imageProcesses();
    // A child holding less than the bound is kept.
    setImageProcessReleaseRss(Number.MAX_SAFE_INTEGER);
    releaseImageProcess();
    await new Promise((done) => setTimeout(done, 100));
    expect(imageProcesses().map((host) => host.pid)).toEqual([first!.pid]);
    // One holding more ends at once, and the next call starts a new one.
    setImageProcessReleaseRss(0);
    try {
      releaseImageProcess();
      await expect.poll(() => imageProcesses().length, { timeout: 5000 }).toBe(0);
      expect(await inspectImage(png)).toMatchObject({ width: 16 });
      const [second] = imageProcesses();
      expect(second!.pid).not.toBe(first!.pid);
    } finally {
      setImageProcessReleaseRss(IMAGE_PROCESS_RELEASE_RSS);
    }
  });

  it('is let go when a run that used it ends, so deriving next starts from a new one', async () => {
    const project = await createTempProject();
    try {
      await project.write(
        'src/content/post.md',
        '---\ntitle: Fox\nhero:\n  prompt: A red fox in snow\n  alt: A fox\n---\n',
      );
      const mock = await createMockApi({ latencyMs: 0 });
      onTestFinished(() => mock.close());
      const session = await createHerogen({
        root: project.root,
        env: { OPENAI_API_KEY: 'sk-test-release', OPENAI_BASE_URL: mock.openaiBaseURL },
      });
      const png = await solidPng(8, 8, '#00f');
      await inspectImage(png);
      const [before] = imageProcesses();
      setImageProcessReleaseRss(0);
      const seen = new Set<number>();
      const sampler = setInterval(() => {
        for (const host of imageProcesses()) seen.add(host.pid);
      }, 2);
      try {
        const summary = await session.generate();
        expect(summary.generated).toBe(1);
      } finally {
        clearInterval(sampler);
        setImageProcessReleaseRss(IMAGE_PROCESS_RELEASE_RSS);
      }
      // The run's decode check ran in the image process, which then went.
      expect(seen.has(before!.pid)).toBe(true);
      await expect.poll(() => imageProcesses().length, { timeout: 5000 }).toBe(0);
    } finally {
      await project.cleanup();
    }
  });
});
