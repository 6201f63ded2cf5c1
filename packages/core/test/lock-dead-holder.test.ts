import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimKey, resolveClaimDir } from '../src/lock/claim.js';
import { acquireFileLock, clearDeadHolder } from '../src/lock/file-lock.js';
import { sampleKey } from './fixtures/store/samples.js';
import { spawnFixture, waitForOutput } from './fixtures/store/spawn-node.js';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'herogen-dead-holder-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A pid that surely belongs to no process any more. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

describe('a lock whose holder was killed', () => {
  it('is taken over at once, long before it would go stale', async () => {
    const child = spawnFixture('claim-hold.mjs', [root, sampleKey(3), '10000']);
    await waitForOutput(child, 'claimed');
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    // staleMs is 10 s; a 1.5 s budget only passes through the dead-holder takeover.
    const claim = await claimKey(root, sampleKey(3), { staleMs: 10_000, timeoutMs: 1_500 });
    expect(claim).not.toBeNull();
    expect(claim?.waited).toBe(true);
    await claim?.release();
    // Nothing is left beside the claims once released: no owner record, no reap marker.
    expect(await readdir(resolveClaimDir(root))).toEqual([]);
  });

  it('is never taken from a live holder', async () => {
    const child = spawnFixture('claim-hold.mjs', [root, sampleKey(4), '10000']);
    try {
      await waitForOutput(child, 'claimed');
      expect(await claimKey(root, sampleKey(4), { staleMs: 10_000, timeoutMs: 300 })).toBeNull();
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('ignores an owner record that names another directory or a foreign host', async () => {
    const target = join(root, 'file');
    const hold = await acquireFileLock(target, { staleMs: 10_000 });
    expect(hold).not.toBeNull();
    const ownerPath = `${target}.lock.owner`;
    const record = JSON.parse(await readFile(ownerPath, 'utf8'));
    expect(record.pid).toBe(process.pid);
    const pid = await deadPid();
    // A record left by an earlier holder of the same path: same inode, other birth time.
    await writeFile(ownerPath, JSON.stringify({ ...record, pid, birth: '1' }));
    expect(await acquireFileLock(target, { staleMs: 10_000, timeoutMs: 200 })).toBeNull();
    // A pid from another machine or container says nothing about this one.
    await writeFile(ownerPath, JSON.stringify({ ...record, pid, scope: 'elsewhere' }));
    expect(await acquireFileLock(target, { staleMs: 10_000, timeoutMs: 200 })).toBeNull();
    // Garbage is ignored too.
    await writeFile(ownerPath, '{"pid":');
    expect(await acquireFileLock(target, { staleMs: 10_000, timeoutMs: 200 })).toBeNull();
    await hold?.release();
    const next = await acquireFileLock(target, { timeoutMs: 0 });
    expect(next).not.toBeNull();
    await next?.release();
  });

  it('lets exactly one of several processes in after the holder died', async () => {
    const holder = spawnFixture('claim-hold.mjs', [root, sampleKey(6), '10000']);
    await waitForOutput(holder, 'claimed');
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.on('exit', resolve));
    const takers = [1, 2, 3, 4].map(() =>
      spawnFixture('claim-hold.mjs', [root, sampleKey(6), '10000']),
    );
    try {
      const answers = await Promise.all(takers.map(firstLine));
      expect(answers.sort()).toEqual(['busy', 'busy', 'busy', 'claimed']);
    } finally {
      for (const taker of takers) taker.kill('SIGKILL');
    }
  });
});

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stdout?.on('data', (chunk) => {
      seen += chunk;
      if (seen.includes('\n')) resolve(seen.split('\n')[0]!);
    });
    child.on('exit', (code) => reject(new Error(`child exited (${code}) before answering`)));
  });
}

describe('clearDeadHolder', () => {
  it('removes a reap marker whose reaper was killed, once it is older than the staleness limit', async () => {
    const target = join(root, 'herogen.lock.json');
    const old = `${target}.lock.reap-1-2`;
    const fresh = `${target}.lock.reap-3-4`;
    await mkdir(old);
    await mkdir(fresh);
    const past = new Date(Date.now() - 60_000);
    await utimes(old, past, past);
    await clearDeadHolder(target);
    expect((await readdir(root)).sort()).toEqual(['herogen.lock.json.lock.reap-3-4']);
  });
});
