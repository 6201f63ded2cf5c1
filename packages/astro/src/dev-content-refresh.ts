import type { AstroIntegration } from 'astro';
import { LOADER_NAME } from './content/loader.js';

type ServerSetup = Parameters<NonNullable<AstroIntegration['hooks']['astro:server:setup']>>[0];

interface Response {
  once(event: 'close', listener: () => void): unknown;
}

/**
 * Re-run herogen's loaders in `astro dev` with no page request in flight. Astro caches a
 * route's `getStaticPaths()` result and clears that cache when the content store is written; a
 * request that read the entries before the write and ends after it puts the old entries back,
 * and every later request is served them until the next change (a post kept its stand-in after
 * its real image landed, seen under load). So a refresh waits for the GET requests in flight
 * to end, holds new ones while the loaders run and the store is written, then lets them on and
 * tells open browsers to reload. Refreshes run one at a time.
 */
export function createContentRefresher(
  setup: Pick<ServerSetup, 'server' | 'refreshContent'>,
  {
    /** A GET request that never ends (a stream) holds a refresh back this long at most. */
    maxWaitMs = 5000,
  }: { maxWaitMs?: number } = {},
): () => Promise<void> {
  const { server, refreshContent } = setup;
  let inFlight = 0;
  let drained: (() => void) | undefined;
  /** Requests that arrived during a refresh, let on when it is done. */
  let held: (() => void)[] | undefined;
  let tail: Promise<void> = Promise.resolve();

  /** Let a request on now or, during a refresh, once it is done; count it while it runs. */
  const admit = (response: Response, next: () => void) => {
    let running = false;
    let closed = false;
    response.once('close', () => {
      closed = true;
      if (!running) return;
      inFlight -= 1;
      if (inFlight === 0) drained?.();
    });
    const start = () => {
      // A client that went away while held: nothing to answer, nothing to wait for.
      if (closed) return;
      running = true;
      inFlight += 1;
      next();
    };
    if (held) held.push(start);
    else start();
  };
  server.middlewares.use((request, response, next) => {
    // Only page and asset loads read entries; review actions (POST) refresh while they run.
    if (request.method !== 'GET' && request.method !== 'HEAD') return next();
    admit(response, next);
  });

  const waitForRequests = () =>
    new Promise<void>((resolve) => {
      if (inFlight === 0) return resolve();
      const timer = setTimeout(done, maxWaitMs);
      function done() {
        clearTimeout(timer);
        drained = undefined;
        resolve();
      }
      drained = done;
    });

  const refresh = async () => {
    held = [];
    try {
      await waitForRequests();
      await refreshContent?.({ loaders: [LOADER_NAME] });
      // Astro clears its route cache from a message the store's write sends: let it arrive.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      const waiting = held;
      held = undefined;
      for (const resume of waiting) resume();
    }
    server.environments.client.hot.send({ type: 'full-reload', path: '*' });
  };
  return () => {
    const run = tail.then(refresh);
    tail = run.catch(() => {});
    return run;
  };
}
