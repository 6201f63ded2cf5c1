import type { AstroIntegration } from 'astro';

type ServerSetup = Parameters<NonNullable<AstroIntegration['hooks']['astro:server:setup']>>[0];

export interface IdleOptions {
  /** No request in flight for this long: the server is idle. */
  quietMs?: number;
  /** Run anyway this long after the call (a request that never ends). */
  latestMs?: number;
}

/**
 * Run `task` once, when the dev server is idle: no request in flight for `quietMs` (the first
 * page and its assets are served, or none was asked for), or after `latestMs` at the latest.
 * Work that is not needed by a page (the start-up check) then never delays one: it shares
 * the page renderer's thread. Returns a function that cancels it.
 */
export function whenIdle(
  server: Pick<ServerSetup['server'], 'httpServer'>,
  task: () => void,
  { quietMs = 1000, latestMs = 15_000 }: IdleOptions = {},
): () => void {
  const http = server.httpServer;
  let inFlight = 0;
  let done = false;
  let quiet: NodeJS.Timeout | undefined;
  const cancel = () => {
    done = true;
    clearTimeout(quiet);
    clearTimeout(latest);
    http?.off('request', onRequest);
  };
  const fire = () => {
    if (done) return;
    cancel();
    task();
  };
  const arm = () => {
    clearTimeout(quiet);
    quiet = setTimeout(fire, quietMs);
    quiet.unref();
  };
  function onRequest(
    _request: unknown,
    response: { once(event: 'close', listener: () => void): unknown },
  ) {
    inFlight++;
    clearTimeout(quiet);
    response.once('close', () => {
      inFlight--;
      if (inFlight === 0 && !done) arm();
    });
  }
  const latest = setTimeout(fire, latestMs);
  latest.unref();
  http?.on('request', onRequest);
  arm();
  return cancel;
}
