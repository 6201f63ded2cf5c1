import { describe, expect, it } from 'vitest';
import { createRateGate } from '../src/run/rate-gate.js';

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
    const log: Array<{ name: string; start: number; end: number }> = [];
    const worker = async (name: string, outcome: 'ok' | 'rate-limited') => {
      const release = await gate.acquire();
      const start = Date.now() - started;
      await new Promise((r) => setTimeout(r, 20));
      if (outcome === 'rate-limited') gate.backoff(60);
      const end = Date.now() - started;
      log.push({ name, start, end });
      release(outcome);
    };
    await Promise.all([worker('a', 'rate-limited'), worker('b', 'ok'), worker('c', 'ok')]);
    const [first, second, third] = log;
    // Nobody goes before the wait the server asked for.
    expect(first!.start).toBeGreaterThanOrEqual(55);
    // The first probe is refused: the next one waits for a new pause after it, alone.
    expect(first!.name).toBe('a');
    expect(second!.start).toBeGreaterThanOrEqual(first!.end + 55);
    // Once a probe succeeds the gate is open again (c may overlap b only after b's success).
    expect(third!.start).toBeGreaterThanOrEqual(second!.end);
    expect(gate.probing).toBe(false);
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
