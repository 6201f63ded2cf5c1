/**
 * Paid answers at the edges: a decompression bomb in the reply, a provider switch, a full disk,
 * and answers the API billed but herogen could not use. Each case runs the built CLI against
 * the mock API over HTTP and asserts what the user is told and what is on disk afterwards.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { createMockApi, faults, type MockApi } from '@herogen/mock-api';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createProject,
  inspectProject,
  MAX_RSS_HOOK,
  type Project,
  spawnHerogen,
} from './support/harness.js';

let mock: MockApi | undefined;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await mock?.close();
  mock = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function project(options: Parameters<typeof createProject>[0]): Promise<Project> {
  const created = await createProject(options);
  cleanups.push(created.cleanup);
  return created;
}

const openaiEnv = () => ({
  OPENAI_API_KEY: 'sk-test-paid-safety',
  OPENAI_BASE_URL: mock!.openaiBaseURL,
});

describe('a decompression bomb in the answer', () => {
  it('is refused from its header, before any pixel is decoded or converted', async () => {
    mock = await createMockApi();
    mock.setFaults([{ route: 'openai.generations', fault: faults.decompressionBomb() }]);
    // jpeg: the PNG answer would be converted, which is where the old code decoded it whole.
    const bombed = await project({ images: 1, config: { format: 'jpeg' } });
    const rssFile = path.join(bombed.root, 'max-rss.txt');
    const result = await spawnHerogen(['generate'], {
      cwd: bombed.root,
      env: { ...openaiEnv(), HEROGEN_TEST_MAX_RSS: rssFile },
      imports: [MAX_RSS_HOOK],
    }).result;
    const peakRss = Number(await readFile(rssFile, 'utf8'));
    await rm(rssFile);

    expect(mock.paidCalls()).toBe(1);
    expect(result.code).toBe(1);
    const output = result.stdout + result.stderr;
    expect(output).toContain('16000x16000');
    expect(output).toContain('it was not decoded');
    expect(output).not.toMatch(/this is a bug|\n\s+at /);
    // Decoding the 16000×16000 PNG alone takes 768 MB (the old code peaked at 1.9 GB).
    expect(peakRss).toBeLessThan(400 * 1024 * 1024);
    const state = await inspectProject(bombed);
    expect(state.images).toHaveLength(1);
    expect(state.images[0]!.placeholder).toBe(true);
    expect(state.journal).toEqual([]);
  });
});
