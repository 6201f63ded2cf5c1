import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient, type HttpClient, TransportError } from '../src/http/client.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const routes = new Map<string, Handler>();
let server: Server;
let base: string;
let sockets = 0;
let inFlight = 0;
let maxInFlight = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    const handler = routes.get(new URL(req.url ?? '/', 'http://x').pathname);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on('close', () => inFlight--);
    if (handler) handler(req, res);
    else {
      res.writeHead(404).end('nope');
    }
  });
  server.on('connection', () => sockets++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  routes.set('/ok', (_req, res) =>
    res.writeHead(200, { 'x-request-id': 'req_1' }).end('{"ok":true}'),
  );
  routes.set('/file', (_req, res) => {
    res.writeHead(200);
    for (let i = 0; i < 50; i++) res.write(`{"line":${i},"pad":"${'x'.repeat(1000)}"}\n`);
    res.end();
  });
  routes.set('/moved', (_req, res) => res.writeHead(302, { location: '/ok' }).end());
  routes.set('/big-declared', (_req, res) => {
    res.writeHead(200, { 'content-length': String(10_000) });
    res.end(Buffer.alloc(10_000));
  });
  routes.set('/big-streamed', (_req, res) => {
    res.writeHead(200);
    for (let i = 0; i < 10; i++) res.write(Buffer.alloc(1000));
    res.end();
  });
  routes.set('/slow', (_req, res) => {
    const timer = setTimeout(() => res.writeHead(200).end('late'), 2000);
    res.on('close', () => clearTimeout(timer));
  });
  routes.set('/hang-body', (_req, res) => {
    res.writeHead(200, { 'content-length': '100' });
    res.write('partial');
    const timer = setTimeout(() => res.end(), 2000);
    res.on('close', () => clearTimeout(timer));
  });
  routes.set('/reset', (req) => {
    req.resume();
    req.on('end', () => req.socket.destroy());
  });
  routes.set('/wait', (_req, res) => {
    setTimeout(() => res.writeHead(200).end('done'), 80);
  });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function transportFailure(promise: Promise<unknown>): Promise<TransportError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TransportError);
  return error as TransportError;
}

describe('createHttpClient', () => {
  it('reads bodies and headers, and reuses one keep-alive socket', async () => {
    const http = createHttpClient({ concurrency: 1, timeoutMs: 5000 });
    const before = sockets;
    try {
      const first = await http.request({ method: 'GET', url: `${base}/ok` });
      const second = await http.request({ method: 'POST', url: `${base}/ok`, body: '{}' });
      expect(first.status).toBe(200);
      expect(first.headers['x-request-id']).toBe('req_1');
      expect(Buffer.from(second.body).toString()).toBe('{"ok":true}');
      expect(sockets - before).toBe(1);
    } finally {
      await http.close();
    }
  });

  it('keeps at most `concurrency` requests in flight per origin', async () => {
    const http = createHttpClient({ concurrency: 2, timeoutMs: 5000 });
    maxInFlight = 0;
    try {
      await Promise.all(
        Array.from({ length: 5 }, () => http.request({ method: 'GET', url: `${base}/wait` })),
      );
      expect(maxInFlight).toBe(2);
    } finally {
      await http.close();
    }
  });

  it('never follows a redirect', async () => {
    const http = createHttpClient();
    try {
      const moved = await http.request({ method: 'GET', url: `${base}/moved` });
      expect(moved.status).toBe(302);
      expect(moved.headers.location).toBe('/ok');
    } finally {
      await http.close();
    }
  });

  it('publicOnly: refuses private addresses after DNS, except the allowed host', async () => {
    const http = createHttpClient();
    const port = new URL(base).port;
    const before = sockets;
    try {
      // An IP literal is refused without a lookup; a name is refused once it resolves.
      for (const url of [`${base}/ok`, `http://localhost:${port}/ok`, 'http://[::1]:9/ok']) {
        const refused = await transportFailure(
          http.request({ method: 'GET', url, publicOnly: {} }),
        );
        expect(refused.kind).toBe('refused');
        expect(refused.message).toMatch(/private, loopback or reserved address/);
      }
      const named = await transportFailure(
        http.request({
          method: 'GET',
          url: `http://localhost:${port}/ok`,
          publicOnly: { exceptHost: '127.0.0.1' },
        }),
      );
      expect(named.message).toBe(
        'localhost resolves to 127.0.0.1, which is a private, loopback or reserved address',
      );
      // Nothing was connected, let alone sent.
      expect(sockets).toBe(before);
      const allowed = await http.request({
        method: 'GET',
        url: `${base}/ok`,
        publicOnly: { exceptHost: '127.0.0.1' },
      });
      expect(allowed.status).toBe(200);
    } finally {
      await http.close();
    }
  });

  it('aborts bodies over the cap, declared or streamed', async () => {
    const http = createHttpClient();
    try {
      const declared = await transportFailure(
        http.request({ method: 'GET', url: `${base}/big-declared`, maxBodyBytes: 5000 }),
      );
      expect(declared.kind).toBe('too-large');
      expect(declared.status).toBe(200);
      const streamed = await transportFailure(
        http.request({ method: 'GET', url: `${base}/big-streamed`, maxBodyBytes: 5000 }),
      );
      expect(streamed.kind).toBe('too-large');
      // Under the cap, the same body is fine.
      const ok = await http.request({
        method: 'GET',
        url: `${base}/big-streamed`,
        maxBodyBytes: 20_000,
      });
      expect(ok.body.length).toBe(10_000);
    } finally {
      await http.close();
    }
  });

  it('classifies timeouts, resets, refused connections and aborts', async () => {
    const http = createHttpClient({ timeoutMs: 5000 });
    try {
      const slow = await transportFailure(
        http.request({ method: 'POST', url: `${base}/slow`, timeoutMs: 150 }),
      );
      expect(slow.kind).toBe('timeout');
      const stalled = await transportFailure(
        http.request({ method: 'GET', url: `${base}/hang-body`, timeoutMs: 150 }),
      );
      expect(stalled.kind).toBe('timeout');
      expect(stalled.status).toBe(200);
      const reset = await transportFailure(
        http.request({ method: 'POST', url: `${base}/reset`, body: 'x' }),
      );
      expect(reset.kind).toBe('lost');
      const refused = await transportFailure(
        http.request({ method: 'POST', url: 'http://127.0.0.1:9/x', body: 'x' }),
      );
      expect(refused.kind).toBe('unsent');
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const aborted = await transportFailure(
        http.request({ method: 'GET', url: `${base}/slow`, signal: controller.signal }),
      );
      expect(aborted.kind).toBe('aborted');
    } finally {
      await http.close();
    }
  });

  it('refuses requests after close', async () => {
    const http = createHttpClient();
    await http.close();
    const error = await transportFailure(http.request({ method: 'GET', url: `${base}/ok` }));
    expect(error.kind).toBe('unsent');
  });
});

describe('HttpRequest.saveTo', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'herogen-save-to-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function withClient(fn: (http: HttpClient) => Promise<void>): Promise<void> {
    const http = createHttpClient();
    try {
      await fn(http);
    } finally {
      await http.close();
    }
  }

  it('streams a 2xx body to the file (folders made) and returns an empty body', () =>
    withClient(async (http) => {
      const target = join(dir, 'nested', 'out.jsonl');
      const res = await http.request({ method: 'GET', url: `${base}/file`, saveTo: target });
      expect(res.status).toBe(200);
      expect(res.body.byteLength).toBe(0);
      const text = await readFile(target, 'utf8');
      expect(text.split('\n').filter(Boolean)).toHaveLength(50);
      expect(JSON.parse(text.split('\n')[49]!).line).toBe(49);
      expect(await readdir(join(dir, 'nested'))).toEqual(['out.jsonl']);
    }));

  it('enforces maxBodyBytes, declared or streamed, and leaves no partial file', () =>
    withClient(async (http) => {
      const sub = join(dir, 'cap');
      for (const route of ['/big-streamed', '/big-declared']) {
        const saveTo = join(sub, `${route.slice(1)}.bin`);
        const error = await transportFailure(
          http.request({ method: 'GET', url: `${base}${route}`, maxBodyBytes: 4096, saveTo }),
        );
        expect(error.kind).toBe('too-large');
        expect(error.status).toBe(200);
      }
      expect(await readdir(sub).catch(() => [])).toEqual([]);
    }));

  it('removes the partial file on a timeout', () =>
    withClient(async (http) => {
      const sub = join(dir, 'timeout');
      const saveTo = join(sub, 'out.bin');
      const error = await transportFailure(
        http.request({ method: 'GET', url: `${base}/hang-body`, timeoutMs: 200, saveTo }),
      );
      expect(error.kind).toBe('timeout');
      expect(await readdir(sub)).toEqual([]);
    }));

  it('reads an error status into memory and writes nothing', () =>
    withClient(async (http) => {
      const saveTo = join(dir, 'missing', 'out.jsonl');
      const res = await http.request({ method: 'GET', url: `${base}/gone`, saveTo });
      expect(res.status).toBe(404);
      expect(Buffer.from(res.body).toString()).toBe('nope');
      expect(await readdir(join(dir, 'missing')).catch(() => 'absent')).toBe('absent');
    }));
});
