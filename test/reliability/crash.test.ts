import { describe, expect, it } from 'vitest';
import { type CrashStats, runCrashTrials } from './support/crash-trials.js';
import { markdownTable, recordFigures } from './support/harness.js';

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
});
