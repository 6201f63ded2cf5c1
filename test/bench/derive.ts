/**
 * Benchmark 6 — derivatives: time for core's deriver (what the Vite plugin runs) to make every
 * variant of N originals, against a bare sharp loop doing the same transforms with the same
 * number of pipelines and libvips threads and writing the same files; then a warm rebuild with a
 * fresh deriver over the same cache, which must encode nothing.
 *
 * Originals are 1536×864 PNGs of the local provider's generative art (gradients, shapes, film
 * grain: closer to a photo for the encoders than a flat test image). Variants: the deriver's
 * defaults, widths 640/960/1280 + the original 1536 × AVIF/WebP/JPEG, a 1200×630 attention-cropped
 * OG JPEG, a 16-px WebP placeholder and the dominant colour.
 *
 *   node test/bench/derive.ts [--originals 100] [--rounds 1]
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { type GenerationRequest, renderPlaceholder } from '@herogen/core';
import { createDeriver, DERIVE_DEFAULTS, type DerivedSet } from '@herogen/core/derive';
import { bareDerive } from './lib/bare-derive.ts';
import { promptFor } from './lib/content.ts';
import {
  assertBench,
  childrenCpuMs,
  formatTable,
  median,
  printHeader,
  processCpuMs,
  readFlag,
  runPool,
  seconds,
  WORK_DIR,
  waitForBuilds,
} from './lib/harness.ts';

const count = Number(readFlag('originals', '100'));
const rounds = Number(readFlag('rounds', '1'));
const WIDTH = 1536;
const HEIGHT = 864;
const dir = path.join(WORK_DIR, 'derive');
const originalsDir = path.join(dir, `originals-${count}`);
const herogenCache = path.join(dir, 'cache-herogen');
const bareOut = path.join(dir, 'out-bare');
// The deriver's defaults on this machine: one pipeline, every core a libvips thread.
const pipelines = 1;
const threads = availableParallelism();

async function makeOriginals(): Promise<string[]> {
  await mkdir(originalsDir, { recursive: true });
  const files: string[] = [];
  await runPool(count, 2, async (index) => {
    const file = path.join(originalsDir, `${String(index).padStart(4, '0')}.png`);
    files[index] = file;
    if (existsSync(file)) return;
    const request: GenerationRequest = {
      provider: 'local',
      model: 'herogen-art-1',
      prompt: promptFor(index),
      size: `${WIDTH}x${HEIGHT}`,
      format: 'png',
      references: [],
      variant: 0,
    };
    const image = await renderPlaceholder(request);
    await writeFile(`${file}.tmp`, image.bytes);
    await import('node:fs/promises').then(({ rename }) => rename(`${file}.tmp`, file));
  });
  return files;
}

/**
 * CPU ms of this process (libvips threads included) and of the processes it started (herogen's
 * image process, where the deriver's encodes run on glibc Linux), so both runs count the same
 * work.
 */
const cpuNow = () => processCpuMs() + childrenCpuMs(process.pid);

/** The bare loop, timed with the same clock and CPU count as the deriver. */
async function bareLoop(files: string[]): Promise<{ elapsed: number; cpu: number }> {
  await rm(bareOut, { recursive: true, force: true });
  await mkdir(bareOut, { recursive: true });
  const started = performance.now();
  const cpuStarted = cpuNow();
  const encodes = await bareDerive(files, bareOut, { pipelines, threads });
  const elapsed = performance.now() - started;
  assertBench(encodes > 0, 'the bare loop encoded nothing');
  return { elapsed, cpu: cpuNow() - cpuStarted };
}

async function herogenCold(files: string[]) {
  await rm(herogenCache, { recursive: true, force: true });
  const deriver = createDeriver({ cacheDir: herogenCache });
  const started = performance.now();
  const cpuStarted = cpuNow();
  const sets = await Promise.all(files.map((file) => deriver.derive(file)));
  const elapsed = performance.now() - started;
  return { elapsed, cpu: cpuNow() - cpuStarted, sets, encoded: deriver.counters.encoded };
}

async function herogenWarm(files: string[]) {
  // A new deriver, as in a new build process: nothing remembered but the disk cache.
  const deriver = createDeriver({ cacheDir: herogenCache });
  const started = performance.now();
  await Promise.all(files.map((file) => deriver.derive(file)));
  return { elapsed: performance.now() - started, counters: { ...deriver.counters } };
}

await waitForBuilds();
printHeader(
  'Derivatives: core deriver vs. a bare sharp loop',
  `${count} originals of ${WIDTH}×${HEIGHT} (local generative art, PNG); defaults: widths ${DERIVE_DEFAULTS.widths.join('/')} (capped at the original), ${DERIVE_DEFAULTS.formats.join('/')}, OG 1200×630 JPEG, placeholder; ${pipelines} pipelines × ${threads} libvips thread(s) in both; ${rounds} round(s)`,
);
const prepared = performance.now();
const files = await makeOriginals();
console.log(`originals ready (${seconds(performance.now() - prepared)})`);

const herogenTimes: number[] = [];
const bareTimes: number[] = [];
const herogenCpu: number[] = [];
const bareCpu: number[] = [];
let lastSets: DerivedSet[] = [];
let encodedCold = 0;
for (let round = 0; round < rounds; round++) {
  // Alternate which goes first.
  const herogenFirst = round % 2 === 0;
  const bare = async () => {
    const run = await bareLoop(files);
    bareTimes.push(run.elapsed);
    bareCpu.push(run.cpu);
  };
  if (!herogenFirst) await bare();
  const cold = await herogenCold(files);
  herogenTimes.push(cold.elapsed);
  herogenCpu.push(cold.cpu);
  lastSets = cold.sets;
  encodedCold = cold.encoded;
  if (herogenFirst) await bare();
  console.log(
    `round ${round + 1}: herogen ${seconds(herogenTimes.at(-1)!)} (CPU ${seconds(herogenCpu.at(-1)!)}), bare sharp ${seconds(bareTimes.at(-1)!)} (CPU ${seconds(bareCpu.at(-1)!)})`,
  );
}
const variantsPerOriginal = (lastSets[0]?.images.length ?? 0) + 1;
assertBench(
  lastSets.length === count &&
    lastSets.every((set) => set.images.length === variantsPerOriginal - 1),
  'every original should have the same variants',
);
const warm = await herogenWarm(files);
const hashes = new Set(
  lastSets.map((set) => createHash('sha256').update(set.original.sha256).digest('hex')),
);
assertBench(hashes.size === count, 'every original should be distinct');
const onDisk = (await readdir(herogenCache, { recursive: true })).filter(
  (name) => !name.endsWith('manifest.json') && name.includes('.'),
).length;

const herogenMs = median(herogenTimes);
const bareMs = median(bareTimes);
console.log(
  `\n${formatTable(
    ['run', 'wall (median)', 'CPU (median)', 'encodes', 'wall per original'],
    [
      [
        'herogen deriver, cold cache',
        seconds(herogenMs),
        seconds(median(herogenCpu)),
        String(encodedCold),
        `${(herogenMs / count).toFixed(0)} ms`,
      ],
      [
        'bare sharp loop',
        seconds(bareMs),
        seconds(median(bareCpu)),
        String(count * (variantsPerOriginal + 1)),
        `${(bareMs / count).toFixed(0)} ms`,
      ],
      [
        'herogen deriver, warm rebuild',
        seconds(warm.elapsed),
        '',
        String(warm.counters.encoded),
        `${(warm.elapsed / count).toFixed(1)} ms`,
      ],
    ],
  )}`,
);
console.log(
  `\nfiles in the cache: ${onDisk} (${variantsPerOriginal} per original); warm rebuild: ${warm.counters.encoded} encodes, ${warm.counters.cacheHits} cache hits, ${warm.counters.rebuilt} rebuilt`,
);
const ratio = herogenMs / bareMs;
const cpuRatio = median(herogenCpu) / median(bareCpu);
console.log(
  `ratio: herogen / bare sharp = ${ratio.toFixed(3)} wall, ${cpuRatio.toFixed(3)} CPU (target ≤ 1.05: ${ratio <= 1.05 ? 'met' : 'MISSED'}); warm re-encodes = ${warm.counters.encoded} (target 0: ${warm.counters.encoded === 0 ? 'met' : 'MISSED'})`,
);
