/**
 * Crash soak: the full version of test/reliability/crash.test.ts. `herogen generate` on
 * 50-image projects is killed with SIGKILL at least 30 times (random delays and exact
 * failpoints), then hiapi projects the same way; every invariant is checked after each kill
 * and every paid call is accounted for.
 *
 *   pnpm soak            (both soaks)    node --import ./test/soak/ts-hooks.mjs test/soak/crash.ts
 *   SOAK_SEED, SOAK_TRIALS, SOAK_IMAGES to vary; SOAK_VERBOSE=1 prints every run.
 */
import { type CrashStats, runCrashTrials } from '../reliability/support/crash-trials.js';
import { markdownTable, recordFigures } from '../reliability/support/harness.js';

const SEED = Number(process.env.SOAK_SEED ?? 50);
const TRIALS = Number(process.env.SOAK_TRIALS ?? 32);
const IMAGES = Number(process.env.SOAK_IMAGES ?? 50);
const log = process.env.SOAK_VERBOSE ? (line: string) => console.log(line) : undefined;

const runs: CrashStats[] = [
  await runCrashTrials({
    seed: SEED,
    trials: TRIALS,
    images: IMAGES,
    provider: 'openai',
    latencies: [2, 30, 120, 400],
    failpointShare: 0.4,
    ...(log ? { log } : {}),
  }),
  await runCrashTrials({
    seed: SEED + 1,
    trials: Math.ceil(TRIALS / 3),
    images: Math.ceil(IMAGES / 3),
    provider: 'hiapi',
    latencies: [5, 60],
    taskDurationMs: 400,
    failpointShare: 0.4,
    ...(log ? { log } : {}),
  }),
];
console.log(
  markdownTable(
    [
      'provider',
      'images/project',
      'kills (random / failpoint)',
      'runs',
      'paid calls',
      'images stored',
      'recovered from journal',
      'resumed tasks',
      'repaid: server still generating',
      'repaid: answered, not yet journaled',
      'lost after durable',
      'empty lock dirs left',
      'violations',
      'seconds',
    ],
    runs.map((s, i) => [
      s.provider,
      i === 0 ? IMAGES : Math.ceil(IMAGES / 3),
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
      s.violations.length,
      Math.round(s.ms / 1000),
    ]),
  ),
);
for (const stats of runs) {
  console.log(`${stats.provider} failpoint kills: ${JSON.stringify(stats.failpointKills)}`);
}
await recordFigures('soak-crash', runs);
const failed = runs.filter(
  (s) =>
    s.violations.length > 0 || s.lostAfterDurable > 0 || s.billed !== s.stored + s.inFlightRepaid,
);
if (failed.length > 0) {
  for (const s of failed)
    console.error(`${s.provider}: ${s.violations.join('\n') || 'accounting mismatch'}`);
  process.exitCode = 1;
} else {
  console.log('crash soak passed: no durably received image lost, nothing corrupt, no repay');
}
