/**
 * hiapi edges, each against the built CLI and the mock API over real HTTP (https with a test
 * certificate where the case needs it): download URLs that must be refused, a stop during a
 * poll, and a download that is missing for a while after the task succeeded.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createMockApi, type FaultRule, faults, type MockApi } from '@herogen/mock-api';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  createProject,
  inspectProject,
  markdownTable,
  type Project,
  REPO,
  type RunResult,
  recordFigures,
  spawnHerogen,
} from './support/harness.js';

const API_KEY = 'hk-test-HIAPI-EDGES-5d1c0e9b7a';
const TLS_DIR = path.join(REPO, 'test/fixtures/tls');
const TLS = {
  key: path.join(TLS_DIR, 'mock-api.key.pem'),
  cert: path.join(TLS_DIR, 'mock-api.cert.pem'),
};

let mock: MockApi | undefined;
let project: Project | undefined;
afterEach(async () => {
  await mock?.close();
  await project?.cleanup();
  mock = undefined;
  project = undefined;
});

async function startMock(options: { tls?: boolean; faults?: FaultRule[] } = {}) {
  mock = await createMockApi({
    taskDurationMs: 300,
    ...(options.tls
      ? { tls: { key: await readFile(TLS.key), cert: await readFile(TLS.cert) } }
      : {}),
    ...(options.faults ? { faults: options.faults } : {}),
  });
  return mock;
}

async function hiapiProject(config: Record<string, unknown> = {}) {
  project = await createProject({
    images: 1,
    config: { provider: 'hiapi', resolution: '1K', maxRetries: 2, ...config },
  });
  const written = await readFile(path.join(project.root, 'herogen.config.json'), 'utf8');
  // createProject's OpenAI size does not apply to hiapi (it takes a ratio and a tier).
  const { size: _size, ...rest } = JSON.parse(written) as Record<string, unknown>;
  await project.write('herogen.config.json', `${JSON.stringify(rest, null, 2)}\n`);
  return project;
}

const env = () => ({
  HIAPI_API_KEY: API_KEY,
  HIAPI_BASE_URL: mock!.hiapiBaseURL,
  NODE_EXTRA_CA_CERTS: TLS.cert,
});
const generate = () => spawnHerogen(['generate'], { cwd: project!.root, env: env() });
const output = (result: RunResult) => result.stdout + result.stderr;
const routeCount = (route: string) => mock!.requests.filter((r) => r.route === route).length;

/** The one image's lock state: stored for real, a stand-in, or nothing; and its pending task. */
async function imageState() {
  const state = await inspectProject(project!);
  const image = state.images[0];
  return {
    stored: image
      ? image.placeholder
        ? 'placeholder'
        : image.intact
          ? 'image'
          : 'broken'
      : 'none',
    pending: Object.keys(state.lock.pending).length,
  };
}

const rows: (string | number)[][] = [];
afterAll(async () => {
  if (rows.length === 0) return;
  const headers = ['case', 'exit', 'paid tasks', 'downloads that reached the server', 'stored'];
  console.log(markdownTable(headers, rows));
  await recordFigures('hiapi-edges', { headers, rows });
});

interface UrlCase {
  name: string;
  tls: boolean;
  fault: FaultRule;
  /** Download requests that may reach the server (the allowed first hop of a redirect). */
  downloads: number;
  /** In the error: the refused URL (as printed) and why. */
  says: RegExp[];
}

const URL_CASES: UrlCase[] = [
  {
    name: 'plain http URL on another host',
    tls: false,
    fault: { route: 'hiapi.get', fault: faults.downloadUrl('other-host') },
    downloads: 0,
    says: [/from http:\/\/localhost:\d+\/files\/tk-/, /plain http on another host/],
  },
  {
    name: 'https base, http download (downgrade)',
    tls: true,
    fault: { route: 'hiapi.get', fault: faults.downloadUrl('http') },
    downloads: 0,
    says: [
      /from http:\/\/127\.0\.0\.1:\d+\/files\/tk-/,
      /plain http while the base URL uses https/,
    ],
  },
  {
    name: 'https URL whose host resolves to loopback',
    tls: true,
    fault: { route: 'hiapi.get', fault: faults.downloadUrl('private') },
    downloads: 0,
    says: [
      /from https:\/\/localhost:\d+\/files\/tk-/,
      /localhost resolves to 127\.0\.0\.1, which is a private, loopback or reserved address/,
    ],
  },
  {
    name: 'redirect to plain http on another host',
    tls: false,
    fault: { route: 'hiapi.download', fault: faults.redirectDownload('other-host') },
    downloads: 1,
    says: [/\(a redirect from http:\/\/127\.0\.0\.1:\d+\/files\/tk-/, /plain http on another host/],
  },
  {
    name: 'redirect to a host that resolves to loopback',
    tls: true,
    fault: { route: 'hiapi.download', fault: faults.redirectDownload('private') },
    downloads: 1,
    says: [/from https:\/\/localhost:\d+\/files\/tk-/, /private, loopback or reserved/],
  },
  {
    name: 'endless redirects on the same origin',
    tls: false,
    fault: { route: 'hiapi.download', fault: faults.redirectDownload('same-origin') },
    downloads: 4,
    says: [/more than 3 redirects/],
  },
];

describe('hiapi download URLs come from an answer and are checked before any byte is fetched', () => {
  for (const c of URL_CASES) {
    it(`refuses: ${c.name}`, async () => {
      await startMock({ tls: c.tls, faults: [c.fault] });
      await hiapiProject();
      const result = await generate().result;
      const text = output(result);

      expect(result.code).toBe(1);
      expect(text).toMatch(/refused to download the image of task tk-/);
      for (const pattern of c.says) expect(text).toMatch(pattern);
      // Nothing reached the refused URL: the mock (which serves every one of them) saw only
      // the allowed hops, and none of them carried the key.
      const downloads = mock!.requests.filter((r) => r.route === 'hiapi.download');
      expect(downloads).toHaveLength(c.downloads);
      expect(downloads.every((r) => r.headers.authorization === undefined)).toBe(true);
      expect(text).not.toContain(API_KEY);
      // Paid once; the task id stays, so a rerun checks the task again without paying.
      expect(mock!.paidCalls()).toBe(1);
      expect(await imageState()).toEqual({ stored: 'placeholder', pending: 1 });
      rows.push([`refused: ${c.name}`, result.code ?? '-', 1, downloads.length, 'placeholder']);
    });
  }

  it('accepts https from the base host, following one same-origin redirect, without the key', async () => {
    await startMock({
      tls: true,
      faults: [
        { route: 'hiapi.download', times: 1, fault: faults.redirectDownload('same-origin') },
      ],
    });
    await hiapiProject();
    const result = await generate().result;
    expect(result.code).toBe(0);
    expect(await imageState()).toEqual({ stored: 'image', pending: 0 });
    const downloads = mock!.requests.filter((r) => r.route === 'hiapi.download');
    expect(downloads.map((r) => r.status)).toEqual([302, 200]);
    expect(downloads.every((r) => r.headers.authorization === undefined)).toBe(true);
    rows.push(['https + one same-origin redirect', 0, 1, 2, 'image']);
  });
});

describe('a stop during a hiapi poll ends it at once; the next run resumes the task', () => {
  const stillRunning =
    /task tk-\S+ still running at hiapi; the next run resumes it without paying again/;

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`first ${signal}: exits 130 without waiting, task id kept`, async () => {
      await startMock({ faults: [{ route: 'hiapi.create', fault: faults.taskStuck() }] });
      await hiapiProject();
      const run = generate();
      // Polling has begun (the id is saved before the first poll).
      while (routeCount('hiapi.get') === 0) await new Promise((r) => setTimeout(r, 20));
      run.child.kill(signal);
      const result = await run.result;
      expect(result.code).toBe(130);
      expect(output(result)).toMatch(stillRunning);
      expect(output(result)).not.toMatch(/this is a bug|\n\s+at /);
      expect(await imageState()).toEqual({ stored: 'none', pending: 1 });
      rows.push([`${signal} during a poll (stuck task)`, 130, 1, 0, 'none, task id kept']);
    });
  }

  it('the rerun resumes the stopped task and pays nothing more', async () => {
    await startMock({ faults: [{ route: 'hiapi.create', fault: faults.slowTask(6000) }] });
    await hiapiProject();
    const run = generate();
    while (routeCount('hiapi.get') === 0) await new Promise((r) => setTimeout(r, 20));
    run.child.kill('SIGTERM');
    const stopped = await run.result;
    expect(stopped.code).toBe(130);
    expect(output(stopped)).toMatch(stillRunning);
    // It did not wait for the task to finish.
    expect(routeCount('hiapi.download')).toBe(0);

    const rerun = await generate().result;
    expect(rerun.code).toBe(0);
    expect(mock!.paidCalls()).toBe(1);
    expect(routeCount('hiapi.create')).toBe(1);
    expect(await imageState()).toEqual({ stored: 'image', pending: 0 });
    rows.push(['SIGTERM during a poll, then rerun', '130, then 0', 1, 1, 'image']);
  });

  it('hiapi.maxPollMs in the config bounds the wait', async () => {
    await startMock({ faults: [{ route: 'hiapi.create', fault: faults.taskStuck() }] });
    await hiapiProject({ hiapi: { maxPollMs: 1500 } });
    const result = await generate().result;
    expect(result.code).toBe(1);
    expect(output(result)).toMatch(/task tk-\S+ is still "handling" after 1\.5 s/);
    expect(await imageState()).toEqual({ stored: 'placeholder', pending: 1 });
    rows.push(['hiapi.maxPollMs: 1500, stuck task', 1, 1, 0, 'placeholder, task id kept']);
  });
});

describe('a missing download before expireAt is retried, and never paid for again', () => {
  it('404 on the first two downloads: retried, stored, paid once', async () => {
    await startMock({
      faults: [{ route: 'hiapi.download', times: 2, fault: faults.fileNotFound() }],
    });
    await hiapiProject();
    const result = await generate().result;
    expect(result.code).toBe(0);
    expect(routeCount('hiapi.download')).toBe(3);
    expect(mock!.paidCalls()).toBe(1);
    expect(await imageState()).toEqual({ stored: 'image', pending: 0 });
    rows.push(['download 404 twice, then 200', 0, 1, 3, 'image']);
  });

  it('404 on every attempt: the task stays pending and the rerun downloads it without paying', async () => {
    await startMock({ faults: [{ route: 'hiapi.download', fault: faults.fileNotFound() }] });
    await hiapiProject();
    const failed = await generate().result;
    expect(failed.code).toBe(1);
    expect(output(failed)).toMatch(/answered HTTP 404, though its URL is valid until/);
    expect(output(failed)).toMatch(
      /Task tk-\S+ is paid and its id is kept: the next run downloads its image again without paying/,
    );
    expect(routeCount('hiapi.download')).toBe(3);
    expect(await imageState()).toEqual({ stored: 'placeholder', pending: 1 });

    mock!.setFaults([]);
    const rerun = await generate().result;
    expect(rerun.code).toBe(0);
    expect(mock!.paidCalls()).toBe(1);
    expect(await imageState()).toEqual({ stored: 'image', pending: 0 });
    rows.push(['download 404 on every try, then rerun', '1, then 0', 1, 4, 'image']);
  });

  it('a URL past its expireAt is expired: not fetched, and only then a new task is paid for', async () => {
    await startMock({ faults: [{ route: 'hiapi.get', fault: faults.expiredUrl() }] });
    await hiapiProject();
    const failed = await generate().result;
    expect(failed.code).toBe(1);
    expect(output(failed)).toMatch(/its download URL expired at/);
    expect(routeCount('hiapi.download')).toBe(0);
    expect(await imageState()).toEqual({ stored: 'placeholder', pending: 0 });
    mock!.setFaults([]);
    const rerun = await generate().result;
    expect(rerun.code).toBe(0);
    expect(mock!.paidCalls()).toBe(2);
    rows.push(['URL past expireAt, then rerun', '1, then 0', 2, 1, 'image']);
  });
});
