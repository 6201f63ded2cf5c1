import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMockApi, type MockApi } from '@herogen/mock-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReviewApi } from '../src/review/review-api.js';
import {
  createReviewHandler,
  createReviewToken,
  isLoopbackHost,
  REVIEW_API_BASE,
} from '../src/review/review-http.js';
import { createHerogen } from '../src/session.js';
import { createTempProject, type TempProject } from './fixtures/scan/temp-project.js';

const POST = '---\ntitle: Fox\nhero:\n  prompt: A red fox in snow\n  alt: A fox\n---\n\nBody.\n';

let mock: MockApi;
let project: TempProject;
let server: Server;
let port: number;
let listenAddress: string | undefined;
let allowNonLoopback = false;
let dev = true;
const token = createReviewToken();

beforeAll(async () => {
  mock = await createMockApi({ latencyMs: 150, newTakes: true });
  project = await createTempProject('herogen-review-http-');
  await project.write('src/content/fox.md', POST);
  const session = await createHerogen({
    root: project.root,
    env: { OPENAI_API_KEY: 'sk-test-http', OPENAI_BASE_URL: mock.openaiBaseURL },
  });
  await session.generate();
  mock.reset();
  const handler = createReviewHandler({
    api: () => createReviewApi(session),
    token,
    get dev() {
      return dev;
    },
    address: () => listenAddress,
    get allowNonLoopback() {
      return allowNonLoopback;
    },
  });
  server = createServer((req, res) => {
    void handler(req, res, () => {
      res.statusCode = 418;
      res.end('next');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  listenAddress = '127.0.0.1';
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await mock.close();
  await project.cleanup();
});

/** A raw request (fetch would not let a test set Host, Origin or Sec-Fetch-Site). */
function call(
  method: string,
  path: string,
  headers: Record<string, string | undefined>,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const defined = Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined));
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method, path, headers: defined as Record<string, string> },
      (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => {
          let json: Record<string, unknown> = {};
          try {
            json = JSON.parse(text);
          } catch {
            json = { text };
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.end(typeof body === 'string' ? body : JSON.stringify(body));
    else req.end();
  });
}

const good = () => ({
  host: `localhost:${port}`,
  origin: `http://localhost:${port}`,
  'x-herogen-token': token,
  'content-type': 'application/json',
});

const heroes = `${REVIEW_API_BASE}/heroes`;
const run = `${REVIEW_API_BASE}/run`;

describe('the review HTTP handler', () => {
  it('lists heroes for the page that has the token', async () => {
    const answer = await call('GET', heroes, { ...good(), origin: undefined });
    expect(answer.status).toBe(200);
    expect((answer.json.heroes as unknown[]).length).toBe(1);
    expect(mock.paidCalls()).toBe(0);
  });

  it('refuses a missing or wrong token, another origin, another host, a cross-site fetch', async () => {
    const cases: Record<string, string | undefined>[] = [
      { ...good(), 'x-herogen-token': undefined },
      { ...good(), 'x-herogen-token': `${token.slice(1)}x` },
      { ...good(), origin: 'http://evil.example' },
      { ...good(), origin: undefined },
      { ...good(), host: 'evil.example', origin: 'http://evil.example' },
      { ...good(), 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of cases) {
      const answer = await call('POST', run, headers, { action: 'generate-missing' });
      expect(answer.status, JSON.stringify(headers)).toBe(403);
      expect((answer.json.error as { code: string }).code).toBe('FORBIDDEN');
    }
    // A form post (no JSON type) cannot run an action either.
    const form = await call('POST', run, { ...good(), 'content-type': 'text/plain' }, '{}');
    expect(form.status).toBe(400);
    expect(mock.paidCalls()).toBe(0);
  });

  it('refuses everything outside dev, and on a non-loopback address unless allowed', async () => {
    dev = false;
    expect((await call('GET', heroes, good())).status).toBe(403);
    dev = true;
    listenAddress = '0.0.0.0';
    const exposed = await call('GET', heroes, good());
    expect(exposed.status).toBe(403);
    expect((exposed.json.error as { message: string }).message).toContain('0.0.0.0');
    allowNonLoopback = true;
    expect((await call('GET', heroes, good())).status).toBe(200);
    allowNonLoopback = false;
    listenAddress = '127.0.0.1';
  });

  it('runs one action per hero at a time: a double click is one paid call', async () => {
    const key = ((await call('GET', heroes, good())).json.heroes as { key: string }[])[0]!.key;
    const [first, second] = await Promise.all([
      call('POST', run, good(), { action: 'regenerate', key }),
      call('POST', run, good(), { action: 'regenerate', key }),
    ]);
    const statuses = [first.status, second.status].sort();
    expect(statuses).toEqual([200, 409]);
    const busy = first.status === 409 ? first : second;
    expect((busy.json.error as { code: string; message: string }).message).toContain(
      'already running',
    );
    expect(mock.paidCalls()).toBe(1);
    const estimate = await call('POST', `${REVIEW_API_BASE}/estimate`, good(), {
      action: 'regenerate',
      key,
    });
    expect(estimate.json).toMatchObject({ calls: 1 });
    expect(mock.paidCalls()).toBe(1);
  });

  it('passes other paths on and answers unknown endpoints with 404', async () => {
    expect((await call('GET', '/other', good())).status).toBe(418);
    expect((await call('GET', `${REVIEW_API_BASE}/nope`, good())).status).toBe(404);
    const bad = await call('POST', run, good(), { action: 'nope' });
    expect(bad.status).toBe(400);
  });
});

describe('isLoopbackHost', () => {
  it('knows loopback names and addresses, with ports and brackets', () => {
    for (const host of ['localhost', 'localhost:4321', '127.0.0.1:80', '[::1]:5173', '::1']) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of [
      '0.0.0.0',
      '::',
      '192.168.1.2:4321',
      'evil.example',
      'localhost.evil.example',
    ]) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });
});
