import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createContentRefresher } from '../src/dev-content-refresh.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
type Setup = Parameters<typeof createContentRefresher>[0];
type Middleware = (request: { method: string }, response: EventEmitter, next: () => void) => void;

/**
 * A dev server whose middleware stack is herogen's gate, then the page handler: `request()`
 * starts a request and tells when it reached the handler; calling `end()` closes it.
 */
function fakeDevServer() {
  const log: string[] = [];
  let gate: Middleware | undefined;
  let release: () => void = () => {};
  /** What the browsers were told, after which line of the log. */
  const reloads: number[] = [];
  const server = {
    middlewares: {
      use(middleware: Middleware) {
        gate = middleware;
      },
    },
    environments: { client: { hot: { send: () => reloads.push(log.length) } } },
  };
  const refreshContent = async () => {
    log.push('refresh start');
    await new Promise<void>((resolve) => {
      release = resolve;
    });
    log.push('refresh end');
  };
  const request = (name: string, method = 'GET') => {
    const response = new EventEmitter();
    gate!({ method }, response, () => log.push(`${name} handled`));
    return { end: () => response.emit('close') };
  };
  return {
    setup: { server, refreshContent } as unknown as Setup,
    log,
    reloads,
    request,
    finishRefresh: () => release(),
  };
}

describe('createContentRefresher', () => {
  it('waits for the page requests in flight before the loaders run', async () => {
    const dev = fakeDevServer();
    const refresh = createContentRefresher(dev.setup);
    const page = dev.request('page');
    const done = refresh();
    await sleep(50);
    expect(dev.log).toEqual(['page handled']);
    page.end();
    await sleep(10);
    expect(dev.log).toEqual(['page handled', 'refresh start']);
    dev.finishRefresh();
    await done;
    expect(dev.log.at(-1)).toBe('refresh end');
  });

  it('holds page requests that arrive during a refresh until the store is written', async () => {
    const dev = fakeDevServer();
    const refresh = createContentRefresher(dev.setup);
    const done = refresh();
    await sleep(10);
    const during = dev.request('during');
    await sleep(50);
    expect(dev.log).toEqual(['refresh start']);
    dev.finishRefresh();
    await done;
    expect(dev.log).toEqual(['refresh start', 'refresh end', 'during handled']);
    // Browsers reload once the store is written and the held requests are on their way.
    expect(dev.reloads).toEqual([3]);
    // Once let on, it is in flight like any other: the next refresh waits for it.
    const next = refresh();
    await sleep(50);
    expect(dev.log.at(-1)).toBe('during handled');
    during.end();
    await sleep(10);
    expect(dev.log.at(-1)).toBe('refresh start');
    dev.finishRefresh();
    await next;
  });

  it('forgets a held request whose client went away: the next refresh does not wait for it', async () => {
    const dev = fakeDevServer();
    const refresh = createContentRefresher(dev.setup, { maxWaitMs: 5000 });
    const first = refresh();
    await sleep(10);
    dev.request('gone').end();
    dev.finishRefresh();
    await first;
    expect(dev.log).toEqual(['refresh start', 'refresh end']);
    const second = refresh();
    await sleep(50);
    expect(dev.log.at(-1)).toBe('refresh start');
    dev.finishRefresh();
    await second;
  });

  it('lets other methods through at once (a review action refreshes while it runs)', async () => {
    const dev = fakeDevServer();
    const refresh = createContentRefresher(dev.setup);
    const action = dev.request('action', 'POST');
    const done = refresh();
    await sleep(10);
    dev.request('another action', 'POST');
    expect(dev.log).toEqual(['action handled', 'refresh start', 'another action handled']);
    dev.finishRefresh();
    await done;
    action.end();
  });

  it('runs refreshes one at a time, and a request that never ends holds one back only so long', async () => {
    const dev = fakeDevServer();
    const refresh = createContentRefresher(dev.setup, { maxWaitMs: 100 });
    dev.request('stream');
    const first = refresh();
    const second = refresh();
    await sleep(50);
    expect(dev.log).toEqual(['stream handled']);
    await sleep(100);
    expect(dev.log).toEqual(['stream handled', 'refresh start']);
    dev.finishRefresh();
    await first;
    await sleep(150);
    expect(dev.log.filter((line) => line === 'refresh start')).toHaveLength(2);
    dev.finishRefresh();
    await second;
    expect(dev.log.at(-1)).toBe('refresh end');
  });
});
