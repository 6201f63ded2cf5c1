/**
 * Benchmark 4 — against the naive script: the integration people write by hand for a task API
 * (for each post in turn: create the task, poll it every few seconds until it is done, download
 * the image, write it next to the post) against `herogen generate` on the same N hiapi tasks.
 *
 * Tasks are scaled down so the run stays short: every task takes `--task` ms (default 2000) on
 * the mock; the naive loop polls every `--poll` ms (default 5000, the usual hand-written value;
 * hiapi's own client uses 3 s). herogen runs with its defaults (no concurrency given: 8 for
 * hiapi), and with each concurrency listed. Target (issue 17): ≥ 10× with the defaults.
 *
 *   node test/bench/naive.ts [--tasks 40] [--task 2000] [--poll 5000] [--concurrency default,4,16]
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promptFor } from './lib/content.ts';
import { ensureSite, generateCold } from './lib/generation-site.ts';
import {
  assertBench,
  formatTable,
  printHeader,
  readFlag,
  seconds,
  WORK_DIR,
  waitForBuilds,
} from './lib/harness.ts';
import { type MockProcess, startMockProcess } from './lib/mock-process.ts';

const tasks = Number(readFlag('tasks', '40'));
const taskMs = Number(readFlag('task', '2000'));
const pollMs = Number(readFlag('poll', '5000'));
/** `default` runs herogen without a concurrency setting. */
const concurrencies = readFlag('concurrency', 'default,4,16')
  .split(',')
  .map((value) => (value === 'default' ? undefined : Number(value)));

interface TaskEnvelope {
  data: { taskId?: string; status?: string; output?: { url: string }[] };
}

/** The hand-written loop, sequential, as found in many blog build scripts. */
async function naiveScript(mock: MockProcess): Promise<number> {
  const out = path.join(WORK_DIR, 'naive', 'images');
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const headers = { authorization: 'Bearer mock-key', 'content-type': 'application/json' };
  const started = performance.now();
  for (let index = 0; index < tasks; index++) {
    const created = (await (
      await fetch(`${mock.hiapiBaseURL}/v1/tasks`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          model: 'gpt-image-2',
          input: { prompt: promptFor(index), aspect_ratio: '16:9', resolution: '1K' },
        }),
      })
    ).json()) as TaskEnvelope;
    const taskId = created.data.taskId!;
    let task: TaskEnvelope['data'];
    do {
      await new Promise((done) => setTimeout(done, pollMs));
      task = (
        (await (
          await fetch(`${mock.hiapiBaseURL}/v1/tasks/${taskId}`, { headers })
        ).json()) as TaskEnvelope
      ).data;
    } while (task.status !== 'success' && task.status !== 'fail');
    assertBench(task.status === 'success', `naive task ${taskId} failed`);
    const image = await fetch(task.output![0]!.url);
    await writeFile(path.join(out, `${index}.png`), Buffer.from(await image.arrayBuffer()));
  }
  return performance.now() - started;
}

await waitForBuilds();
printHeader(
  'herogen against the naive create-then-poll script (hiapi)',
  `${tasks} tasks of ${taskMs} ms on the mock; naive: one at a time, polling every ${pollMs} ms; herogen: \`generate\` at concurrency ${concurrencies.map((c) => c ?? 'default').join(', ')}`,
);
const root = await ensureSite(`naive-${tasks}`, tasks);
const mock = await startMockProcess({ taskDurationMs: taskMs });
const env = { HIAPI_API_KEY: 'mock-key', HIAPI_BASE_URL: mock.hiapiBaseURL };
const rows: string[][] = [];
try {
  await mock.reset();
  const naiveMs = await naiveScript(mock);
  const naiveStats = await mock.stats();
  assertBench(naiveStats.paidCalls === tasks, `naive: ${naiveStats.paidCalls} paid calls`);
  rows.push([
    `naive script (sequential, poll every ${pollMs / 1000} s)`,
    seconds(naiveMs),
    String(naiveStats.byRoute['hiapi.get'] ?? 0),
    '1.0×',
  ]);
  console.log(`naive: ${seconds(naiveMs)}`);
  for (const concurrency of concurrencies) {
    await mock.reset();
    const run = await generateCold(
      root,
      {
        provider: 'hiapi',
        aspect: '16:9',
        resolution: '1K',
        ...(concurrency === undefined ? {} : { concurrency }),
      },
      env,
      tasks,
    );
    const stats = await mock.stats();
    assertBench(stats.paidCalls === tasks, `herogen: ${stats.paidCalls} paid calls`);
    rows.push([
      concurrency === undefined
        ? 'herogen generate, defaults (concurrency 8)'
        : `herogen generate, concurrency ${concurrency}`,
      seconds(run.wallMs),
      String(stats.byRoute['hiapi.get'] ?? 0),
      `${(naiveMs / run.wallMs).toFixed(1)}×`,
    ]);
    console.log(`herogen c=${concurrency ?? 'default'}: ${seconds(run.wallMs)}`);
  }
} finally {
  await mock.close();
}
console.log(`\n${formatTable(['client', 'wall', 'polls', 'speed-up'], rows)}`);
const defaults = concurrencies.indexOf(undefined);
if (defaults !== -1) {
  const speedUp = Number.parseFloat(rows[defaults + 1]![3]!);
  console.log(
    `\nratio: herogen (default settings) is ${speedUp.toFixed(1)}× faster than the naive script (target ≥ 10×: ${speedUp >= 10 ? 'met' : 'MISSED'})`,
  );
}
