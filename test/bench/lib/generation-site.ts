/**
 * A small site whose heroes are generated against the mock API, and one cold `generate()` of it
 * through the library (the path `herogen generate` and the integrations take).
 */
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createHerogen, type HerogenConfig, type RunSummary } from '@herogen/core';
import { writePosts } from './content.ts';
import { assertBench, processCpuMs, WORK_DIR } from './harness.ts';

/** Posts `0..count-1` in `<WORK_DIR>/<name>`, written once. */
export async function ensureSite(name: string, count: number): Promise<string> {
  const root = path.join(WORK_DIR, name);
  const marker = path.join(root, '.bench-site');
  if (!existsSync(marker)) {
    await rm(root, { recursive: true, force: true });
    await writePosts(path.join(root, 'src', 'content', 'blog'), count);
    await writeFile(path.join(root, 'package.json'), '{ "type": "module", "private": true }\n');
    await writeFile(marker, String(count));
  }
  return root;
}

/** Forget every generated image: originals, lock, claims and derivatives. */
export async function resetGenerated(root: string): Promise<void> {
  await rm(path.join(root, 'src', 'assets', 'herogen'), { recursive: true, force: true });
  await rm(path.join(root, 'herogen.lock.json'), { force: true });
  await rm(path.join(root, 'node_modules', '.cache', 'herogen'), { recursive: true, force: true });
}

export interface TimedRun {
  wallMs: number;
  /** CPU time of this process (user + system) during `generate()`; child processes not counted. */
  cpuMs: number;
  summary: RunSummary;
}

/** One cold generation of every hero; asserts each was really generated (not a placeholder). */
export async function generateCold(
  root: string,
  config: HerogenConfig,
  env: Record<string, string | undefined>,
  expected: number,
): Promise<TimedRun> {
  await resetGenerated(root);
  const session = await createHerogen({ root, config, configFile: false, env });
  const started = performance.now();
  const cpuStarted = processCpuMs();
  const summary = await session.generate();
  const wallMs = performance.now() - started;
  const cpuMs = processCpuMs() - cpuStarted;
  await session.close();
  assertBench(
    summary.generated === expected && summary.failed === 0,
    `expected ${expected} generated, got ${summary.generated} generated, ${summary.failed} failed, ${summary.placeholders} placeholders`,
  );
  return { wallMs, cpuMs, summary };
}
