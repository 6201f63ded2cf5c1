import { describe, expect, it } from 'vitest';
import { createRateGate } from '../src/http/rate-gate.js';

describe('createRateGate', () => {
  it('lets calls through freely until a 429', async () => {
    const gate = createRateGate();
    const releases = await Promise.all([gate.acquire(), gate.acquire(), gate.acquire()]);
    expect(releases).toHaveLength(3);
    expect(gate.probing).toBe(false);
  });

  it('after a 429, waits, then lets one call through at a time until one succeeds', async () => {
    const gate = createRateGate();
    const started = Date.now();
    gate.backoff(60);
    const log: Array<{ start: number; end: number }> = [];
    let calls = 0;
    const worker = async () => {
      const release = await gate.acquire();
      const start = Date.now() - started;
      // The first call through is refused again; the others succeed.
      const refused = calls++ === 0;
      await new Promise((r) => setTimeout(r, 20));
      if (refused) gate.backoff(60);
      log.push({ start, end: Date.now() - started });
      release(refused ? 'rate-limited' : 'ok');
    };
    await Promise.all([worker(), worker(), worker()]);
    const [first, second, third] = log as [(typeof log)[0], (typeof log)[0], (typeof log)[0]];
    // Nobody goes before the wait the server asked for (timers may fire a millisecond early).
    expect(first.start).toBeGreaterThanOrEqual(50);
    // The refused probe closes the gate again: the next call waits a new pause, alone.
    expect(second.start).toBeGreaterThanOrEqual(first.end + 50);
    // Calls stay single file for a while after a 429: nothing overlaps. (Whether the gate is
    // still probing now depends on how long this took in real time; the next test checks the
    // quiet period with a clock it controls.)
    expect(third.start).toBeGreaterThanOrEqual(second.end);
  });

  it('returns to full concurrency once a quiet period has passed', async () => {
    let clock = 0;
    const gate = createRateGate({
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
    });
    gate.backoff(100);
    const release = await gate.acquire();
    expect(clock).toBe(100);
    release('ok');
    expect(gate.probing).toBe(true); // still within the quiet period
    clock = 250;
    (await gate.acquire())('ok');
    expect(gate.probing).toBe(false);
    const parallel = await Promise.all([gate.acquire(), gate.acquire(), gate.acquire()]);
    expect(parallel).toHaveLength(3);
  });

  it('gives up waiting when the signal aborts', async () => {
    const gate = createRateGate();
    gate.backoff(60_000);
    const stop = new AbortController();
    const waiting = gate.acquire(stop.signal);
    stop.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });
});
