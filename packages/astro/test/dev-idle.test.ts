import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { whenIdle } from '../src/dev-idle.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A stand-in for the dev server's HTTP server: `request()` starts one, calling the result ends it. */
function fakeServer() {
  const http = new EventEmitter();
  return {
    server: { httpServer: http } as unknown as Parameters<typeof whenIdle>[0],
    request() {
      const response = new EventEmitter();
      http.emit('request', {}, response);
      return () => response.emit('close');
    },
    listeners: () => http.listenerCount('request'),
  };
}

describe('whenIdle', () => {
  it('runs once no request has been in flight for the quiet time', async () => {
    const { server } = fakeServer();
    let runs = 0;
    whenIdle(server, () => runs++, { quietMs: 50, latestMs: 5000 });
    expect(runs).toBe(0);
    await sleep(300);
    expect(runs).toBe(1);
  });

  it('waits for the first page and its assets, then runs once and stops listening', async () => {
    const fake = fakeServer();
    let runs = 0;
    whenIdle(fake.server, () => runs++, { quietMs: 50, latestMs: 5000 });
    const page = fake.request();
    await sleep(150);
    const asset = fake.request();
    page();
    await sleep(150);
    expect(runs).toBe(0);
    asset();
    expect(runs).toBe(0);
    await sleep(300);
    expect(runs).toBe(1);
    expect(fake.listeners()).toBe(0);
    fake.request()();
    await sleep(150);
    expect(runs).toBe(1);
  });

  it('runs at the latest time even while a request never ends, and not at all once cancelled', async () => {
    const busy = fakeServer();
    let runs = 0;
    busy.request();
    whenIdle(busy.server, () => runs++, { quietMs: 10, latestMs: 200 });
    busy.request();
    await sleep(50);
    expect(runs).toBe(0);
    await sleep(400);
    expect(runs).toBe(1);

    const cancelled = fakeServer();
    const cancel = whenIdle(cancelled.server, () => runs++, { quietMs: 10, latestMs: 20 });
    cancel();
    await sleep(100);
    expect(runs).toBe(1);
    expect(cancelled.listeners()).toBe(0);
  });
});
