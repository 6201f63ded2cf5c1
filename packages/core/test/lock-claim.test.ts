import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimKey, resolveClaimDir, withKeyClaim } from '../src/lock/claim.js';
import { sampleKey } from './fixtures/store/samples.js';
import { finished, spawnFixture, waitForOutput } from './fixtures/store/spawn-node.js';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'herogen-claim-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('claimKey', () => {
  it('lives under node_modules/.cache/herogen/claims', () => {
    expect(resolveClaimDir('/p')).toBe(join('/p', 'node_modules', '.cache', 'herogen', 'claims'));
  });

  it('is exclusive until released', async () => {
    const first = await claimKey(root, sampleKey(1));
    expect(first).not.toBeNull();
    expect(first?.waited).toBe(false);
    expect(await claimKey(root, sampleKey(1), { timeoutMs: 100 })).toBeNull();
    // Another key is independent.
    const other = await claimKey(root, sampleKey(2), { timeoutMs: 0 });
    expect(other).not.toBeNull();
    await other?.release();
    await first?.release();
    const again = await claimKey(root, sampleKey(1), { timeoutMs: 0 });
    expect(again).not.toBeNull();
    await again?.release();
  });

  it('hands over to a waiter when released, marking it as having waited', async () => {
    const first = await claimKey(root, sampleKey(1));
    const waiting = claimKey(root, sampleKey(1), { timeoutMs: 10_000 });
    setTimeout(() => void first?.release(), 100);
    const second = await waiting;
    expect(second?.waited).toBe(true);
    await second?.release();
  });

  it('stops waiting when aborted', async () => {
    const first = await claimKey(root, sampleKey(1));
    const controller = new AbortController();
    const waiting = claimKey(root, sampleKey(1), { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(waiting).rejects.toMatchObject({ code: 'ABORTED' });
    await first?.release();
  });

  it('refuses a string that is not a key (no path tricks)', async () => {
    await expect(claimKey(root, '../../etc')).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('takes over the claim of a process that was killed', async () => {
    const child = spawnFixture('claim-hold.mjs', [root, sampleKey(5), '2000']);
    await waitForOutput(child, 'claimed');
    expect(await claimKey(root, sampleKey(5), { timeoutMs: 0, staleMs: 2000 })).toBeNull();
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    const claim = await claimKey(root, sampleKey(5), { staleMs: 2000, timeoutMs: 20_000 });
    expect(claim).not.toBeNull();
    expect(claim?.waited).toBe(true);
    await claim?.release();
  });
});

describe('withKeyClaim', () => {
  it('releases after the callback, also when it throws', async () => {
    await expect(
      withKeyClaim(root, sampleKey(1), {}, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await withKeyClaim(root, sampleKey(1), { timeoutMs: 0 }, async () => 'ran')).toBe('ran');
  });

  it('throws TIMEOUT when another holder keeps the claim', async () => {
    const first = await claimKey(root, sampleKey(1));
    await expect(
      withKeyClaim(root, sampleKey(1), { timeoutMs: 100 }, async () => 'never'),
    ).rejects.toMatchObject({ code: 'TIMEOUT' });
    await first?.release();
  });

  it('lets only one of three processes generate the same key', async () => {
    const outputs = await Promise.all(
      [1, 2, 3].map(() => finished(spawnFixture('claim-generate.mjs', [root, sampleKey(9)]))),
    );
    const outcomes = outputs.map((output) => output.trim()).sort();
    expect(outcomes).toEqual(['generated', 'skipped', 'skipped']);
    const log = (await readFile(join(root, 'generations.log'), 'utf8')).trim().split('\n');
    expect(log).toHaveLength(1);
  });
});
