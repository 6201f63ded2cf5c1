import { createMockApi } from '@herogen/mock-api';
import { describe, expect, it } from 'vitest';
import { type CrashStats, runCrashTrials } from './support/crash-trials.js';
import {
  createProject,
  inspectProject,
  journaledPrompt,
  markdownTable,
  recordFigures,
  spawnHerogen,
} from './support/harness.js';

// The fast version of the crash suite (the soak script runs the 50-image version). Seeds are
// fixed, so the failpoints and kill delays of a failure can be replayed; the machine's speed
// still decides what a random delay lands on.
describe('crash safety: SIGKILL at random points and at exact failpoints', () => {
  it('loses no image that was on disk in any form, corrupts nothing, and never repays', async () => {
    const log = process.env.HEROGEN_TEST_VERBOSE ? console.log : undefined;
    const runs: CrashStats[] = [];
    runs.push(
      await runCrashTrials({
        seed: 20_261,
        trials: 22,
        images: 12,
        provider: 'openai',
        latencies: [2, 30, 120],
        failpointShare: 0.5,
        ...(log ? { log } : {}),
      }),
    );
    runs.push(
      await runCrashTrials({
        seed: 20_262,
        trials: 8,
        images: 8,
        provider: 'hiapi',
        latencies: [5, 60],
        taskDurationMs: 300,
        failpointShare: 0.5,
        ...(log ? { log } : {}),
      }),
    );
    console.log(
      markdownTable(
        [
          'provider',
          'kills (random / failpoint)',
          'runs',
          'paid calls',
          'images stored',
          'recovered from journal',
          'resumed tasks',
          'repaid: server still generating at the kill',
          'repaid: answered, not yet journaled',
          'lost after durable',
          'empty lock dirs left',
        ],
        runs.map((s) => [
          s.provider,
          `${s.kills} (${s.randomKills} / ${s.kills - s.randomKills})`,
          s.runs,
          s.billed,
          s.stored,
          s.recoveredFromJournal,
          s.resumedTasks,
          s.repaidServerBusy,
          s.repaidDelivered,
          s.lostAfterDurable,
          s.staleLockDirs,
        ]),
      ),
    );
    await recordFigures('crash', runs);
    for (const stats of runs) {
      expect(stats.violations).toEqual([]);
      expect(stats.lostAfterDurable).toBe(0);
      // Every paid call is accounted for: one per stored image, plus the in-flight repays.
      expect(stats.billed).toBe(stats.stored + stats.inFlightRepaid);
    }
    expect(runs.reduce((sum, s) => sum + s.kills, 0)).toBeGreaterThanOrEqual(30);
    // The journal is what saves paid images: the trials must have exercised it.
    expect(runs[0]!.recoveredFromJournal).toBeGreaterThan(0);
    expect(runs[1]!.resumedTasks + runs[1]!.recoveredFromJournal).toBeGreaterThan(0);
  });

  // Killed at each exact point after the second image was written down: the rerun records
  // that image and never pays for it again. (The run may already have started the third
  // image's call, which the kill then catches in flight; that one is paid again.)
  it('a kill at any point after the journal write never costs the image it caught', async () => {
    const points = [
      ['journal record written', 'after:2:/incoming/[0-9a-f]+\\.journal$'],
      ['mid-write of the original', 'before:2:/herogen/[0-9a-f]+\\.png$'],
      ['original written, lock not', 'after:2:/herogen/[0-9a-f]+\\.png$'],
      ['mid-write of the lock', 'before:2:herogen\\.lock\\.json$'],
      ['lock written, record not dropped', 'after:2:herogen\\.lock\\.json$'],
    ] as const;
    const rows: (string | number)[][] = [];
    for (const [name, crash] of points) {
      const mock = await createMockApi({ latencyMs: 5 });
      const project = await createProject({ images: 3, config: { concurrency: 1 } });
      try {
        const env = { OPENAI_API_KEY: 'sk-test-crash', OPENAI_BASE_URL: mock.openaiBaseURL };
        const killed = await spawnHerogen(['generate'], { cwd: project.root, env, crash }).result;
        expect(killed.signal, name).toBe('SIGKILL');
        // The second image the killed run paid for (each process walks jobs in its own order).
        const caught = mock.requests.filter((call) => call.billed).map((call) => call.prompt)[1]!;
        const after = await inspectProject(project);
        const journaled = await Promise.all(
          after.journal.map((key) => journaledPrompt(project.root, key)),
        );
        const durable = new Set([...after.images.map((image) => image.prompt), ...journaled]);
        expect(durable.has(caught), `${name}: the second image is written down`).toBe(true);
        const first = mock.requests.length;
        const rerun = await spawnHerogen(['generate'], { cwd: project.root, env }).result;
        expect(rerun.code, name).toBe(0);
        const repaid = mock.requests.slice(first).filter((call) => call.billed);
        expect(
          repaid.filter((call) => durable.has(call.prompt!)),
          name,
        ).toEqual([]);
        const state = await inspectProject(project);
        expect(state.images.filter((image) => image.intact && !image.placeholder)).toHaveLength(3);
        rows.push([name, durable.size, repaid.length, mock.paidCalls()]);
      } finally {
        await mock.close();
        await project.cleanup();
      }
    }
    console.log(
      markdownTable(
        [
          'killed at (2nd image)',
          'images on disk at the kill',
          'paid by the rerun',
          'paid in all (3 images)',
        ],
        rows,
      ),
    );
    await recordFigures('crash-exact', rows);
  });
});
