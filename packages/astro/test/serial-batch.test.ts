import { describe, expect, it } from 'vitest';
import { createSerialBatch } from '../src/serial-batch.js';

describe('createSerialBatch', () => {
  it('runs one batch at a time and folds requests made meanwhile into the next batch', async () => {
    const batches: string[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let running = 0;
    let maxRunning = 0;
    const run = createSerialBatch<string>(async (items) => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      batches.push(items);
      if (batches.length === 1) await gate;
      running -= 1;
    });

    const first = run(['a']);
    await Promise.resolve();
    const second = run(['b']);
    const third = run(['c', 'b']);
    release();
    await Promise.all([first, second, third]);

    expect(batches).toEqual([['a'], ['b', 'c']]);
    expect(maxRunning).toBe(1);
  });

  it('rejects the callers of a failed batch and keeps serving later ones', async () => {
    let calls = 0;
    const run = createSerialBatch<number>(async () => {
      calls += 1;
      if (calls === 1) throw new Error('boom');
    });
    await expect(run([1])).rejects.toThrow('boom');
    await expect(run([2])).resolves.toBeUndefined();
    expect(calls).toBe(2);
  });
});
