/**
 * Paid answers at the edges: a decompression bomb in the reply, a provider switch, a full disk,
 * and answers the API billed but herogen could not use. Each case runs the built CLI against
 * the mock API over HTTP and asserts what the user is told and what is on disk afterwards.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createMockApi, faults, type MockApi } from '@herogen/mock-api';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createProject,
  DISK_FULL,
  inspectProject,
  MAX_RSS_HOOK,
  type Project,
  spawnHerogen,
} from './support/harness.js';

let mock: MockApi | undefined;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await mock?.close();
  mock = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function project(options: Parameters<typeof createProject>[0]): Promise<Project> {
  const created = await createProject(options);
  cleanups.push(created.cleanup);
  return created;
}

const openaiEnv = () => ({
  OPENAI_API_KEY: 'sk-test-paid-safety',
  OPENAI_BASE_URL: mock!.openaiBaseURL,
});

describe('a decompression bomb in the answer', () => {
  it('is refused from its header, before any pixel is decoded or converted', async () => {
    mock = await createMockApi();
    mock.setFaults([{ route: 'openai.generations', fault: faults.decompressionBomb() }]);
    // jpeg: the PNG answer would be converted, which is where the old code decoded it whole.
    const bombed = await project({ images: 1, config: { format: 'jpeg' } });
    const rssFile = path.join(bombed.root, 'max-rss.txt');
    const result = await spawnHerogen(['generate'], {
      cwd: bombed.root,
      env: { ...openaiEnv(), HEROGEN_TEST_MAX_RSS: rssFile },
      imports: [MAX_RSS_HOOK],
    }).result;
    const peakRss = Number(await readFile(rssFile, 'utf8'));
    await rm(rssFile);

    expect(mock.paidCalls()).toBe(1);
    expect(result.code).toBe(1);
    const output = result.stdout + result.stderr;
    expect(output).toContain('16000x16000');
    expect(output).toContain('it was not decoded');
    expect(output).not.toMatch(/this is a bug|\n\s+at /);
    // Decoding the 16000×16000 PNG alone takes 768 MB (the old code peaked at 1.9 GB).
    expect(peakRss).toBeLessThan(400 * 1024 * 1024);
    const state = await inspectProject(bombed);
    expect(state.images).toHaveLength(1);
    expect(state.images[0]!.placeholder).toBe(true);
    expect(state.journal).toEqual([]);
  });
});

describe('a switch of API key (provider: auto)', () => {
  it('keeps every image another provider made for the same intent; only an explicit provider pays anew', async () => {
    mock = await createMockApi({ taskDurationMs: 200 });
    const site = await project({ images: 3, config: { provider: 'auto' } });
    const openai = openaiEnv();
    const hiapi = { HIAPI_API_KEY: 'hi-test-paid-safety', HIAPI_BASE_URL: mock.hiapiBaseURL };
    const run = (args: string[], env: Record<string, string>) =>
      spawnHerogen(args, { cwd: site.root, env }).result;

    expect((await run(['generate'], openai)).code).toBe(0);
    expect(mock.paidCalls()).toBe(3);

    // Only HIAPI_API_KEY on this machine: the plan keeps all three, and says who made them.
    const plan = await run(['plan'], hiapi);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('provider: hiapi');
    expect(plan.stdout).toContain('3 cached images were made by openai, not hiapi');
    expect(plan.stdout).toContain('3 cached, 0 to generate');
    const generate = await run(['generate'], hiapi);
    expect(generate.code).toBe(0);
    expect(generate.stdout).toContain('3 cached, 0 generated');
    expect(mock.paidCalls()).toBe(3);

    // A new prompt is made by the provider that runs here.
    await site.write(
      'src/content/new.md',
      '---\ntitle: New\nhero:\n  prompt: "A new image after the switch"\n---\n',
    );
    expect((await run(['generate'], hiapi)).code).toBe(0);
    expect(mock.requests.filter((r) => r.billed).map((r) => r.route)).toEqual([
      ...Array(3).fill('openai.generations'),
      'hiapi.create',
    ]);
    const state = await inspectProject(site);
    expect(state.images.map((image) => [image.intact, image.placeholder])).toEqual(
      Array(4).fill([true, false]),
    );

    // regenerate asks the maker for the new take: no key for it here, so nothing is paid.
    const regenerate = await run(['regenerate', 'src/content/post-000.md'], hiapi);
    expect(regenerate.code).toBe(1);
    expect(regenerate.stdout + regenerate.stderr).toContain(
      'no API key for openai, which made this image',
    );
    expect(mock.paidCalls()).toBe(4);

    // Naming the provider in the config asks hiapi for new images of the three.
    await site.write(
      'herogen.config.json',
      `${JSON.stringify({ provider: 'hiapi', size: '1024x640', quality: 'low' })}\n`,
    );
    const explicit = JSON.parse((await run(['plan', '--json'], hiapi)).stdout) as {
      jobs: { provider: string; status: string }[];
    };
    expect(explicit.jobs.map((job) => `${job.provider} ${job.status}`).sort()).toEqual([
      'hiapi cached',
      'hiapi missing',
      'hiapi missing',
      'hiapi missing',
    ]);
  });
});

describe('a full disk', () => {
  it('a paid answer the project cannot hold is kept outside it, the error says where, and a rerun records it without paying', async () => {
    mock = await createMockApi();
    const site = await project({ images: 1 });
    // The temp dir the child sees, outside the project: where the rescued image must land.
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'herogen-rescue-'));
    cleanups.push(() => rm(tmp, { recursive: true, force: true }));
    const env = { ...openaiEnv(), TMPDIR: tmp, HEROGEN_DEBUG: '1' };
    // 64 KB left: the lock and the claims fit, the journal record and the image (> 100 KB) do not.
    const full = await spawnHerogen(['generate'], {
      cwd: site.root,
      env: { ...env, HEROGEN_TEST_DISK_FULL: `${site.root}\t${64 * 1024}` },
      imports: [DISK_FULL],
    }).result;
    const text = full.stdout + full.stderr;

    expect(mock.paidCalls()).toBe(1);
    expect(full.code, text).toBe(1);
    expect(text).toMatch(/could not journal image [0-9a-f]+ .*ENOSPC/);
    expect(text).toMatch(
      /openai \(gpt-image-2\) answered and billed image [0-9a-f]+ \(request \S+, \$0\.\d{4}\)/,
    );
    expect(text).toContain('ENOSPC');
    expect(text).toContain('run herogen again');
    expect(text).not.toContain('placeholder stored');
    expect(text).not.toMatch(/\$0\.00(?!\d)/);
    expect(text).toMatch(/\$0\.\d{4} \(\$0\.\d{4} of it billed for 1 answer not stored\)/);
    const rescued = /saved outside the project, at (\S+\.png)/.exec(text)?.[1];
    expect(rescued, text).toBeDefined();
    expect(rescued!.startsWith(path.join(tmp, 'herogen-rescued'))).toBe(true);
    const bytes = await readFile(rescued!);
    const meta = await sharp(bytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 1024, 640]);
    const before = await inspectProject(site);
    expect(before.images).toEqual([]);
    expect(before.outDirFiles).toEqual([]);

    // Space again: the rerun records the rescued image and pays nothing.
    const rerun = await spawnHerogen(['generate'], { cwd: site.root, env }).result;
    expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0);
    expect(mock.paidCalls()).toBe(1);
    const after = await inspectProject(site);
    expect(after.images.map((image) => [image.intact, image.placeholder])).toEqual([[true, false]]);
    expect(after.lock.images[after.images[0]!.key]!.recovered).toBe(true);
    expect(await readFile(path.join(site.root, after.images[0]!.file))).toEqual(bytes);
  });
});

describe('answers billed but refused', () => {
  // Refused by the store (IMAGE_INVALID) or already by the provider's answer check
  // (PROVIDER_BAD_RESPONSE): the answer carried its usage either way, so it was billed.
  const refusals = [
    ['wrong size', faults.wrongDimensions(), /1024x640/, 'IMAGE_INVALID'],
    ['truncated PNG', faults.truncatedImage(), /truncated/, 'IMAGE_INVALID'],
    ['SVG', faults.svgImage(), /svg/, 'IMAGE_INVALID'],
    ['invalid base64', faults.invalidBase64(), /not valid base64/, 'PROVIDER_BAD_RESPONSE'],
    ['bytes that are not an image', faults.nonImage(), /does not decode/, 'PROVIDER_BAD_RESPONSE'],
  ] as const;
  for (const [name, fault, why, code] of refusals) {
    it(`${name}: counted as spent in the summary and in the lock's spent log, with the reason`, async () => {
      mock = await createMockApi();
      mock.setFaults([{ route: 'openai.generations', fault }]);
      const site = await project({ images: 1 });
      const result = await spawnHerogen(['generate'], { cwd: site.root, env: openaiEnv() }).result;
      const text = result.stdout + result.stderr;
      expect(mock.paidCalls()).toBe(1);
      expect(result.code, text).toBe(1);
      expect(text).toMatch(why);
      expect(text).toMatch(/billed \$0\.\d{4}, not stored/);
      expect(text).toMatch(
        /1 failed, \$0\.\d{4} \(\$0\.\d{4} of it billed for 1 answer not stored\)/,
      );
      expect(text).not.toMatch(/\$0\.00(?!\d)/);
      const { lock } = await inspectProject(site);
      expect(lock.spent).toHaveLength(1);
      const [spent] = lock.spent!;
      expect(spent!.costUsd).toBeGreaterThan(0);
      expect(spent!.costConfidence).toBe('exact');
      expect(spent!.reason.startsWith(`${code}: `), spent!.reason).toBe(true);
      expect(spent!.reason).toMatch(why);
      // The report shows it apart from what the shown images cost.
      const report = await spawnHerogen(['report'], { cwd: site.root, env: openaiEnv() }).result;
      expect(report.stdout).toMatch(/\$0\.\d{4} billed for answers not stored/);
      const json = JSON.parse(
        (await spawnHerogen(['report', '--json'], { cwd: site.root, env: openaiEnv() }).result)
          .stdout,
      );
      expect(json.totals.refusedCostUsd).toBe(spent!.costUsd);
    });
  }

  it('a budget just above one image stops the next call after a refused answer', async () => {
    mock = await createMockApi();
    // The first call, whichever image it is for, is billed and refused.
    mock.setFaults([{ route: 'openai.generations', fault: faults.wrongDimensions(), times: 1 }]);
    const site = await project({
      images: 2,
      // One image costs $0.0038 here: the cap allows one, not two.
      config: { concurrency: 1, budget: { maxUsd: 0.005 }, onBudget: 'placeholder' },
    });
    const result = await spawnHerogen(['generate'], { cwd: site.root, env: openaiEnv() }).result;
    const text = result.stdout + result.stderr;
    expect(mock.paidCalls(), text).toBe(1);
    expect(text).toContain('budget reached');
    const { lock } = await inspectProject(site);
    expect(lock.spent, JSON.stringify(lock, null, 1) + text).toHaveLength(1);
    expect(Object.values(lock.images).every((entry) => entry.placeholder)).toBe(true);
  });
});
