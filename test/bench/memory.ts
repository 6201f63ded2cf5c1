/**
 * Benchmark 5 — memory: peak RSS of one process that generates N images of 2048×1152 against
 * the mock API at concurrency 16 and then derives every one of them through core's deriver.
 * The mock runs in its own process (not counted). What counts is the sum of the measured
 * process and every process it starts (herogen's image process, where sharp runs), sampled
 * every 50 ms from /proc; also shown: `/usr/bin/time`'s peak of the largest single process,
 * the measured process's own `process.resourceUsage().maxRSS` after each phase, and the summed
 * PSS (pages the processes share, such as Node's code, counted once).
 *
 *   node test/bench/memory.ts [--images 200] [--concurrency 16] [--latency 500]
 *     [--formats avif,webp,jpeg] [--malloc-arena-max N] [--semi-space MiB] [--floor yes|no]
 *     [--derive yes|no] [--container 300,260] [--baseline yes|no]
 *
 * No environment variable is set by default. For comparison, `--malloc-arena-max` sets glibc's
 * MALLOC_ARENA_MAX for the measured process, and `--semi-space` gives it Node's
 * `--max-semi-space-size` (in NODE_OPTIONS; the host's cap on V8's young generation).
 * `--container` runs the same work again inside a memory cgroup of each limit (MiB), as a CI
 * container with that limit would, and reports whether it completed or the kernel killed a
 * process for memory (needs root; see lib/memory-cgroup.ts).
 * `--derive no` stops after generating (the herogen process's part), for many images quickly;
 * `--baseline no` skips the run without a limit (and the floor), keeping only the containers.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { stripTypeScriptTypes } from 'node:module';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { ensureSite, resetGenerated } from './lib/generation-site.ts';
import {
  assertBench,
  cleanEnv,
  formatTable,
  mib,
  printHeader,
  readFlag,
  runTimed,
  seconds,
  WORK_DIR,
  waitForBuilds,
} from './lib/harness.ts';
import { createMemoryCgroup } from './lib/memory-cgroup.ts';
import { startMockProcess } from './lib/mock-process.ts';

const images = Number(readFlag('images', '200'));
const concurrency = Number(readFlag('concurrency', '16'));
const latencyMs = Number(readFlag('latency', '500'));
const formats = readFlag('formats', 'avif,webp,jpeg');
const arenas = readFlag('malloc-arena-max', '');
const semiSpace = readFlag('semi-space', '');
const withDerive = readFlag('derive', 'yes') !== 'no';
const withFloor = withDerive && readFlag('floor', 'yes') !== 'no';
/** Originals the measured process derives: every one, or none with `--derive no`. */
const expectedDerived = withDerive ? images : 0;
const containers = readFlag('container', '').split(',').filter(Boolean).map(Number);
/** `--baseline no`: only the container runs (each is as long as the whole run). */
const withBaseline = readFlag('baseline', 'yes') !== 'no' || containers.length === 0;
const SIZE = '2048x1152';
const TARGET = 300 * 1024 ** 2;

await waitForBuilds();
printHeader(
  'Memory: generate and derive in one process',
  `${images} images of ${SIZE} (PNG) at concurrency ${concurrency}, mock latency ${latencyMs} ms; then every variant (${formats}, widths 640/960/1280/1920, OG, placeholder) through core's deriver${arenas ? `; MALLOC_ARENA_MAX=${arenas}` : ''}${semiSpace ? `; NODE_OPTIONS=--max-semi-space-size=${semiSpace}` : ''}`,
);
const root = await ensureSite(`memory-${images}`, images);
const mock = await startMockProcess({ latencyMs });
const childArgs = [
  new URL('./lib/memory-child.ts', import.meta.url).pathname,
  root,
  mock.openaiBaseURL,
  String(concurrency),
  SIZE,
  withDerive ? formats : '',
];
const env = cleanEnv({
  ...(arenas ? { MALLOC_ARENA_MAX: arenas } : {}),
  ...(semiSpace ? { NODE_OPTIONS: `--max-semi-space-size=${semiSpace}` } : {}),
});
/** What the measured process printed last: counts, times and its own peaks. */
const readReport = (stdout: string) =>
  JSON.parse(stdout.trim().split('\n').at(-1)!) as {
    generated: number;
    failed: number;
    derived: number;
    encoded: number;
    generateMs: number;
    deriveMs: number;
    peakAfterGenerate: number;
    peakAfterDerive: number;
    newSpaceAfterGenerate: number;
  };
/** One run of the measured process from nothing generated; `wrap` puts it in a cgroup. */
const measure = async (
  wrap: (command: string, args: string[]) => [string, string[]] = (command, args) => [
    command,
    args,
  ],
  sampleTree = true,
) => {
  await resetGenerated(root);
  await mock.reset();
  const [command, args] = wrap(process.execPath, childArgs);
  return runTimed(command, args, { env, sampleTree });
};
const floorDir = path.join(WORK_DIR, 'memory-floor');
/** A bench script as JavaScript, for a run with `--lite-mode` (no WebAssembly: no type stripping). */
const asJavaScript = async (name: string): Promise<string> => {
  const source = await readFile(new URL(`./lib/${name}.ts`, import.meta.url), 'utf8');
  const file = path.join(floorDir, `${name}.mjs`);
  // In test/bench/.work, so that its packages resolve as from lib/.
  await writeFile(
    file,
    stripTypeScriptTypes(source).replaceAll(/'\.\/([\w-]+)\.ts'/g, "'./$1.mjs'"),
  );
  return file;
};
/**
 * The same two jobs done by bare scripts, each in its own process: the client generating at the
 * same concurrency, then the sharp loop over the originals herogen just stored, run as herogen
 * runs its image process (core/src/image/sharp-process.ts: bounded malloc, --lite-mode).
 */
const measureFloor = async () => {
  await rm(floorDir, { recursive: true, force: true });
  await mkdir(floorDir, { recursive: true });
  await mock.reset();
  const generate = await runTimed(
    process.execPath,
    [
      new URL('./lib/floor-generate-child.ts', import.meta.url).pathname,
      mock.openaiBaseURL,
      String(images),
      String(concurrency),
      SIZE,
      path.join(floorDir, 'generated'),
    ],
    { env, sampleTree: true },
  );
  assertBench(generate.code === 0, `the bare client failed:\n${generate.stderr}`);
  const stored = path.join(root, 'src', 'assets', 'herogen');
  const originals = (await readdir(stored)).filter((name) => name.endsWith('.png'));
  assertBench(originals.length === images, `${originals.length} originals in ${stored}`);
  await asJavaScript('bare-derive');
  const derive = await runTimed(
    process.execPath,
    [
      '--lite-mode',
      await asJavaScript('floor-derive-child'),
      path.join(floorDir, 'derived'),
      formats,
      ...originals.map((name) => path.join(stored, name)),
    ],
    {
      env: cleanEnv({
        MALLOC_ARENA_MAX: '2',
        MALLOC_MMAP_THRESHOLD_: '131072',
        UV_THREADPOOL_SIZE: String(Math.max(2, Math.min(4, availableParallelism()))),
      }),
      sampleTree: true,
    },
  );
  assertBench(derive.code === 0, `the bare sharp loop failed:\n${derive.stderr}`);
  const encodes = Number(derive.stdout.trim().split('\n').at(-1));
  return { generate: generate.treePeakBytes, derive: derive.treePeakBytes, encodes };
};
let result: Awaited<ReturnType<typeof runTimed>> | undefined;
let floor: Awaited<ReturnType<typeof measureFloor>> | undefined;
const containerRows: string[][] = [];
try {
  if (withBaseline) result = await measure();
  floor = withBaseline && withFloor ? await measureFloor() : undefined;
  for (const limitMiB of containers) {
    const cgroup = await createMemoryCgroup(
      `herogen-bench-${process.pid}-${limitMiB}`,
      limitMiB * 1024 ** 2,
    );
    if (typeof cgroup === 'string') {
      containerRows.push([`${limitMiB} MiB`, `not run: ${cgroup}`, '', '', '', '', '']);
      continue;
    }
    let run: Awaited<ReturnType<typeof runTimed>>;
    let usage: ReturnType<typeof cgroup.read>;
    try {
      run = await measure(cgroup.wrap);
    } finally {
      usage = cgroup.read();
      cgroup.remove();
    }
    const killed = usage.oomKills > 0 ? `, ${usage.oomKills} process(es) OOM-killed` : '';
    const done = run.code === 0 ? readReport(run.stdout) : undefined;
    const complete = done?.generated === images && done.derived === expectedDerived && !done.failed;
    containerRows.push([
      `${limitMiB} MiB`,
      complete ? `completed${killed}` : `failed (exit ${run.code ?? 'signal'})${killed}`,
      mib(usage.peakBytes),
      mib(run.treePeakBytes),
      mib(Math.max(...Object.values(run.phasePeaks).map((at) => at.own))),
      done ? mib(done.newSpaceAfterGenerate) : '',
      seconds(run.wallMs),
    ]);
  }
} finally {
  await mock.close();
}
if (result === undefined) {
  printContainers();
  process.exit(0);
}
assertBench(result.code === 0, `the measured process failed:\n${result.stderr}`);
const report = readReport(result.stdout);
assertBench(report.generated === images, `generated ${report.generated} of ${images}`);
assertBench(report.derived === expectedDerived, `derived ${report.derived} of ${expectedDerived}`);

console.log(
  formatTable(
    ['phase', 'time', 'peak RSS so far (herogen process alone)'],
    [
      [
        `generate ${images} (c=${concurrency})`,
        seconds(report.generateMs),
        mib(report.peakAfterGenerate),
      ],
      ...(withDerive
        ? [
            [
              `derive ${images} (${report.encoded} encodes)`,
              seconds(report.deriveMs),
              mib(report.peakAfterDerive),
            ],
          ]
        : []),
      ['largest single process (/usr/bin/time)', seconds(result.wallMs), mib(result.maxRssBytes)],
      ['all processes together (sampled)', seconds(result.wallMs), mib(result.treePeakBytes)],
      [
        'all processes together, shared pages counted once (PSS)',
        seconds(result.wallMs),
        mib(result.treePeakPssBytes),
      ],
    ],
  ),
);
console.log(
  `\n${formatTable(
    [
      'phase',
      'all processes (peak)',
      'herogen process at that moment',
      'image process at that moment',
    ],
    Object.entries(result.phasePeaks).map(([phase, at]) => [
      phase,
      mib(at.total),
      mib(at.own),
      mib(at.others),
    ]),
  )}`,
);
console.log(
  `\nV8's young generation (new space) in the herogen process after generating: ${mib(report.newSpaceAfterGenerate)}`,
);
const peak = Math.max(result.treePeakBytes, result.maxRssBytes);
console.log(
  `\nratio: peak RSS ${mib(peak)} / ${mib(TARGET)} target = ${(peak / TARGET).toFixed(2)} (${peak < TARGET ? 'met' : 'MISSED'})`,
);
// Not the goal's measure; what the processes take together once shared code counts once.
const pss = result.treePeakPssBytes;
console.log(
  `shared pages counted once: peak PSS ${mib(pss)} / ${mib(TARGET)} = ${(pss / TARGET).toFixed(2)}`,
);
if (floor) printFloor(result, report.encoded, floor);
printContainers();

/** The runs in memory cgroups, if any. */
function printContainers(): void {
  if (containerRows.length === 0) return;
  const head = [
    'limit',
    'outcome',
    'cgroup peak',
    'all processes (peak RSS)',
    'herogen process (peak RSS)',
    'its V8 new space after generating',
    'time',
  ];
  console.log(
    `\nIn a memory cgroup (a container's limit; page cache counts and is reclaimed, no swap):\n\n${formatTable(head, containerRows)}`,
  );
}

/** herogen's processes beside the bare scripts doing the same jobs. */
function printFloor(
  result: Awaited<ReturnType<typeof runTimed>>,
  encoded: number,
  bare: NonNullable<typeof floor>,
): void {
  const generating = result.phasePeaks.generate?.own ?? Number.NaN;
  const deriving = result.phasePeaks.derive?.others ?? Number.NaN;
  console.log(
    `\nThe same jobs done by bare scripts, each in a process of its own (the floor):\n\n${formatTable(
      ['job', 'herogen', 'bare script', 'herogen / bare'],
      [
        [
          `generate ${images} at c=${concurrency}: the process that calls the API (peak)`,
          mib(generating),
          mib(bare.generate),
          (generating / bare.generate).toFixed(2),
        ],
        [
          `derive ${images} (${encoded} / ${bare.encodes} encodes): the process running sharp (peak)`,
          mib(deriving),
          mib(bare.derive),
          (deriving / bare.derive).toFixed(2),
        ],
        [
          'both processes',
          mib(result.treePeakBytes),
          mib(bare.generate + bare.derive),
          (result.treePeakBytes / (bare.generate + bare.derive)).toFixed(2),
        ],
      ],
    )}`,
  );
  console.log(
    `floor: herogen's peak ${mib(result.treePeakBytes)} / the two bare processes' peaks added ${mib(bare.generate + bare.derive)} = ${(result.treePeakBytes / (bare.generate + bare.derive)).toFixed(2)}`,
  );
}
