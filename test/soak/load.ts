/**
 * Load soak: `herogen generate --concurrency 16` on 500 distinct prompts against the mock with
 * a paid-call rate limit and 10% seeded transient faults. Checks that every image arrives and
 * is stored intact, that calls = first attempts + retries, and records peak memory.
 *
 * The real-world limit under test is 60 images per minute; 500 images at that rate take over
 * eight minutes, so the mock's window is scaled by TIME_FACTOR (60 per 60 s / factor). The
 * limiter, the shared pause on 429 and the retries behave the same; only the clock is faster.
 *
 *   pnpm soak            (both soaks)    node --import ./test/soak/ts-hooks.mjs test/soak/load.ts
 *   SOAK_IMAGES=500 SOAK_TIME_FACTOR=10 SOAK_SEED=1 to vary.
 */
import { readFile } from 'node:fs/promises';
import { createMockApi, type FaultRule, faults } from '@herogen/mock-api';
import {
  createProject,
  inspectProject,
  markdownTable,
  recordFigures,
  seeded,
  spawnHerogen,
} from '../reliability/support/harness.js';

const IMAGES = Number(process.env.SOAK_IMAGES ?? 500);
const CONCURRENCY = 16;
const PER_MINUTE = 60;
const TIME_FACTOR = Number(process.env.SOAK_TIME_FACTOR ?? 10);
const SEED = Number(process.env.SOAK_SEED ?? 20_261_122);
const FAULT_SHARE = 0.1;

const random = seeded(SEED);
const project = await createProject({ images: IMAGES, tag: `load${SEED}` });

// 10% of the prompts fail on their first attempt with a transient fault, chosen by the seed.
const TRANSIENT = [
  ['500', () => faults.serverError(500)],
  ['502', () => faults.serverError(502)],
  ['503', () => faults.serverError(503)],
  ['connection reset', () => faults.reset()],
  ['429 retry-after-ms', () => faults.rateLimited({ retryAfterMs: 400 })],
  ['truncated body', () => faults.truncatedBody()],
] as const;
const injected = new Map<string, number>();
const rules: FaultRule[] = [];
for (const prompt of project.prompts) {
  if (random() >= FAULT_SHARE) continue;
  const [name, make] = TRANSIENT[Math.floor(random() * TRANSIENT.length)]!;
  injected.set(name, (injected.get(name) ?? 0) + 1);
  rules.push({ route: 'openai.generations', prompt, attempt: 1, fault: make() });
}
const mock = await createMockApi({
  imagesPerMinute: PER_MINUTE,
  rateWindowMs: Math.round(60_000 / TIME_FACTOR),
  latencyMs: [50, 250],
  faults: rules,
});

console.log(
  `load soak: ${IMAGES} prompts, concurrency ${CONCURRENCY}, ${PER_MINUTE} paid calls per ${60 / TIME_FACTOR} s window (= ${PER_MINUTE * TIME_FACTOR}/min, time factor ${TIME_FACTOR}), ${rules.length} transient faults (seed ${SEED})`,
);
const started = Date.now();
const run = spawnHerogen(['generate', '--concurrency', String(CONCURRENCY)], {
  cwd: project.root,
  env: { OPENAI_API_KEY: 'sk-test-load-soak', OPENAI_BASE_URL: mock.openaiBaseURL },
});
// Peak memory of the herogen process: its high-water mark, sampled until it exits.
let peakKb = 0;
const sampler = setInterval(async () => {
  const status = await readFile(`/proc/${run.pid}/status`, 'utf8').catch(() => '');
  const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  if (hwm > peakKb) peakKb = hwm;
}, 100);
const result = await run.result;
clearInterval(sampler);
const seconds = (Date.now() - started) / 1000;

const calls = mock.requests.filter((request) => request.route === 'openai.generations');
const retries = (result.stdout.match(/^retry /gm) ?? []).length;
const pauses = (result.stdout.match(/^paused /gm) ?? []).length;
// The limiter's own refusals (a scripted 429 is a status fault; another scripted fault can be
// pre-empted by the limiter, which then answers 429 instead).
const rateLimited = calls.filter((call) => call.status === 429 && call.fault !== 'status').length;
const billed = calls.filter((call) => call.billed).length;
// A truncated body is billed (the image was made, then lost on the wire) and paid again.
const truncatedBilled = calls.filter(
  (call) => call.fault === 'truncatedBody' && call.billed,
).length;
const state = await inspectProject(project);
const stored = state.images.filter((image) => !image.placeholder && image.intact).length;

const figures = {
  images: IMAGES,
  concurrency: CONCURRENCY,
  limit: `${PER_MINUTE} per ${60 / TIME_FACTOR} s (time factor ${TIME_FACTOR})`,
  seed: SEED,
  faultsInjected: Object.fromEntries(injected),
  faultsTotal: rules.length,
  exit: result.code,
  seconds: Math.round(seconds),
  stored,
  calls: calls.length,
  firstAttempts: IMAGES,
  retries,
  rateLimited429: rateLimited,
  pauses,
  billed,
  billedTruncated: truncatedBilled,
  peakRssMb: Math.round(peakKb / 1024),
};
console.log(
  markdownTable(
    ['figure', 'value'],
    Object.entries(figures).map(([name, value]) => [
      name,
      typeof value === 'object' ? JSON.stringify(value) : value,
    ]),
  ),
);
await recordFigures('soak-load', figures);

const problems: string[] = [];
if (result.code !== 0) problems.push(`exit ${result.code}: ${result.stderr.slice(0, 400)}`);
if (stored !== IMAGES) problems.push(`${stored} of ${IMAGES} images stored intact`);
if (calls.length !== IMAGES + retries) {
  problems.push(`${calls.length} calls, expected ${IMAGES} first attempts + ${retries} retries`);
}
if (billed !== IMAGES + truncatedBilled) {
  problems.push(`${billed} billed, expected ${IMAGES} + ${truncatedBilled} truncated`);
}
if (state.tempFiles.length > 0 || state.journal.length > 0) problems.push('leftovers');

await mock.close();
await project.cleanup();
if (problems.length > 0) {
  console.error(`load soak FAILED:\n- ${problems.join('\n- ')}`);
  process.exitCode = 1;
} else {
  console.log(`load soak passed in ${Math.round(seconds)} s`);
}
