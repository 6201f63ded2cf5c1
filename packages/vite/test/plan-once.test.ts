import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createHerogen, type RunSummary } from '@herogen/core';
import { afterEach, describe, expect, it } from 'vitest';
import { collectEntries, jobsAfterRun } from '../src/entries.js';

const FIXTURE = resolve(import.meta.dirname, '../../../test/fixtures/vite-basic');

const dirs: string[] = [];

async function project(provider: string): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'herogen-plan-once-'));
  dirs.push(root);
  await cp(FIXTURE, root, { recursive: true });
  const config = JSON.parse(await readFile(join(root, 'herogen.config.json'), 'utf8'));
  await writeFile(join(root, 'herogen.config.json'), JSON.stringify({ ...config, provider }));
  return root;
}

/** A build's heroes from its run (one plan) and from planning again (what it did before). */
async function bothWays(root: string) {
  const session = await createHerogen({ root });
  const fields = session.config.field.map((field) => field.name);
  const summary = await session.generate();
  const jobs = jobsAfterRun(summary);
  const replanned = collectEntries(await session.plan(), root, fields);
  await session.close();
  return { summary, fromRun: jobs && collectEntries({ jobs }, root, fields), replanned };
}

afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('jobsAfterRun: a build plans once', () => {
  it('gives the same heroes as a fresh plan after a cold and a warm run (local art)', async () => {
    const root = await project('local');
    const cold = await bothWays(root);
    expect(cold.summary.results.length).toBe(2);
    expect(cold.fromRun).toEqual(cold.replanned);
    expect([...(cold.fromRun?.values() ?? [])].every((entry) => entry.stored)).toBe(true);
    const warm = await bothWays(root);
    expect(warm.summary.results.every((result) => result.status === 'cached')).toBe(true);
    expect(warm.fromRun).toEqual(warm.replanned);
  });

  it('gives the same heroes as a fresh plan when a paid provider has no key (stand-ins)', async () => {
    delete process.env.OPENAI_API_KEY;
    const root = await project('openai');
    const run = await bothWays(root);
    expect(run.summary.results.map((result) => result.status)).toEqual([
      'placeholder',
      'placeholder',
    ]);
    expect(run.fromRun).toEqual(run.replanned);
    const statuses = [...(run.fromRun?.values() ?? [])].map((entry) => entry.status);
    expect(statuses).toEqual(['placeholder', 'placeholder']);
  });

  it('asks for a new plan when a result leaves the lock unknown (failed, interrupted)', () => {
    const summary = { interrupted: false, results: [] } as unknown as RunSummary;
    expect(jobsAfterRun(summary)).toEqual([]);
    expect(jobsAfterRun({ ...summary, interrupted: true })).toBeUndefined();
    const failed = { key: 'k', status: 'failed', job: {}, error: new Error('x') };
    expect(
      jobsAfterRun({ ...summary, results: [failed] } as unknown as RunSummary),
    ).toBeUndefined();
  });
});
