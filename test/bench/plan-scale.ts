/**
 * Benchmark 2 — plan/scan at scale: `herogen plan` over 500 / 5,000 / 20,000 / 50,000 content files, all
 * already generated (the lock and the originals are seeded, see lib/seed-lock.ts). Reports the
 * process wall time of the real CLI (`herogen plan`, which counts the cached images, and
 * `herogen plan --all`, which lists every one), an in-process breakdown, and the time per file.
 *
 *   node test/bench/plan-scale.ts [--sizes 500,5000,20000,50000] [--runs 5]
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  checkStoredFiles,
  createHerogen,
  createProviderRegistry,
  planJobs,
  readLock,
  resolveConfig,
  resolveProjectLayout,
  scanContent,
} from '@herogen/core';
import sharp from 'sharp';
import { writePosts } from './lib/content.ts';
import {
  assertBench,
  CLI_BIN,
  cleanEnv,
  formatTable,
  median,
  mib,
  ms,
  printHeader,
  readFlag,
  runTimed,
  WORK_DIR,
  waitForBuilds,
} from './lib/harness.ts';
import { seedLock } from './lib/seed-lock.ts';

const SITE_VERSION = 'plan-scale-v1';
const sizes = readFlag('sizes', '500,5000,20000,50000').split(',').map(Number);
const runs = Number(readFlag('runs', '5'));
const TARGET_MS = 1000;
// A key makes the run plan against one provider, as on a developer's machine. No call is made.
const env = cleanEnv({ OPENAI_API_KEY: 'bench-key-never-sent' });
const coreEnv = env as Record<string, string | undefined>;

async function buildSite(count: number): Promise<string> {
  const root = path.join(WORK_DIR, 'plan-scale', String(count));
  const marker = path.join(root, '.bench-site');
  if (existsSync(marker) && (await readFile(marker, 'utf8')) === SITE_VERSION) return root;
  await rm(root, { recursive: true, force: true });
  await writePosts(path.join(root, 'src', 'content', 'blog'), count);
  await writeFile(path.join(root, 'package.json'), '{ "type": "module", "private": true }\n');
  const image = await sharp({
    create: { width: 16, height: 9, channels: 3, background: '#5a7fa3' },
  })
    .png()
    .toBuffer();
  const seeded = await seedLock({ root, env: coreEnv, image, width: 16, height: 9 });
  assertBench(seeded === count, `seeded ${seeded} lock entries for ${count} posts`);
  await writeFile(marker, SITE_VERSION);
  return root;
}

interface Breakdown {
  scan: number;
  lock: number;
  stat: number;
  plan: number;
  total: number;
}

/** The steps of `session.plan()`, timed one by one in this (warm) process. */
async function breakdown(root: string): Promise<Breakdown> {
  const config = resolveConfig({ root, fileConfig: {}, env: coreEnv });
  const registry = createProviderRegistry(config, coreEnv);
  const t0 = performance.now();
  const scan = await scanContent({ root, config });
  const t1 = performance.now();
  const lock = await readLock(path.join(root, config.lockFile));
  const t2 = performance.now();
  const stored = await checkStoredFiles(root, config.outDir, lock, { hash: false });
  const t3 = performance.now();
  const { jobs } = planJobs({
    heroes: scan.heroes,
    config,
    registry,
    lock,
    stored,
    layout: resolveProjectLayout(root, config),
  });
  const t4 = performance.now();
  assertBench(
    jobs.every((job) => job.status === 'cached'),
    'every job should be cached',
  );
  return { scan: t1 - t0, lock: t2 - t1, stat: t3 - t2, plan: t4 - t3, total: t4 - t0 };
}

await waitForBuilds();
printHeader(
  'Plan/scan at scale: `herogen plan`, every image already generated',
  `sizes ${sizes.join(' / ')} content files, ${runs} alternating rounds, median reported`,
);

const roots = new Map<number, string>();
for (const size of sizes) {
  const started = performance.now();
  roots.set(size, await buildSite(size));
  console.log(`site of ${size} posts ready (${ms(performance.now() - started)})`);
}

// Sanity: the real CLI sees every image as cached.
for (const [size, root] of roots) {
  const session = await createHerogen({ root, env: coreEnv });
  const plan = await session.plan();
  assertBench(
    plan.files === size && plan.jobs.length === size,
    `${size}: ${plan.files} files, ${plan.jobs.length} jobs`,
  );
  assertBench(
    plan.jobs.every((job) => job.status === 'cached'),
    `${size}: not all cached`,
  );
}

const wall = new Map<number, number[]>();
/** `herogen plan --all`: the same plan with every cached image listed too. */
const wallAll = new Map<number, number[]>();
const rss = new Map<number, number[]>();
const cpu = new Map<number, number[]>();
const steps = new Map<number, Breakdown[]>();
const versionWall: number[] = [];
const baseline: number[] = [];
// A site with no content: Node, the CLI, core and the config, i.e. the fixed part of a plan.
const emptyRoot = path.join(WORK_DIR, 'plan-scale', '0');
await mkdir(emptyRoot, { recursive: true });
await writeFile(path.join(emptyRoot, 'package.json'), '{ "type": "module", "private": true }\n');
for (let round = 0; round < runs; round++) {
  // Node and the CLI alone (`--version` loads no command), then the fixed part of a plan.
  const version = await runTimed(process.execPath, [CLI_BIN, '--version'], { env });
  assertBench(version.code === 0, `herogen --version failed: ${version.stderr}`);
  versionWall.push(version.wallMs);
  const empty = await runTimed(process.execPath, [CLI_BIN, 'plan', '--root', emptyRoot], { env });
  assertBench(empty.code === 0, `herogen plan on an empty site failed: ${empty.stderr}`);
  baseline.push(empty.wallMs);
  for (const size of sizes) {
    const root = roots.get(size)!;
    const result = await runTimed(process.execPath, [CLI_BIN, 'plan', '--root', root], {
      env,
      keepStdout: false,
    });
    assertBench(result.code === 0, `herogen plan failed on ${size}: ${result.stderr}`);
    wall.set(size, [...(wall.get(size) ?? []), result.wallMs]);
    const all = await runTimed(process.execPath, [CLI_BIN, 'plan', '--all', '--root', root], {
      env,
      keepStdout: false,
    });
    assertBench(all.code === 0, `herogen plan --all failed on ${size}: ${all.stderr}`);
    wallAll.set(size, [...(wallAll.get(size) ?? []), all.wallMs]);
    rss.set(size, [...(rss.get(size) ?? []), result.maxRssBytes]);
    cpu.set(size, [...(cpu.get(size) ?? []), result.cpuMs]);
    steps.set(size, [...(steps.get(size) ?? []), await breakdown(root)]);
  }
}

const startup = median(baseline);
const rows = sizes.map((size) => {
  const wallMs = median(wall.get(size)!);
  const parts = steps.get(size)!;
  const step = (name: keyof Breakdown) => median(parts.map((part) => part[name]));
  return [
    size.toLocaleString('en-US'),
    ms(wallMs),
    ms(median(wallAll.get(size)!)),
    ms(median(cpu.get(size)!)),
    ms(step('total')),
    `${ms(step('scan'))} / ${ms(step('lock'))} / ${ms(step('stat'))} / ${ms(step('plan'))}`,
    `${((step('total') * 1000) / size).toFixed(0)} µs`,
    `${(((wallMs - startup) * 1000) / size).toFixed(0)} µs`,
    mib(median(rss.get(size)!)),
  ];
});
console.log(
  `\n${formatTable(
    [
      'files',
      'herogen plan (process wall)',
      'plan --all (wall)',
      'process CPU',
      'plan() in-process',
      'scan / lock / stat / plan',
      'per file (in-process)',
      'per file (wall − start-up)',
      'peak RSS',
    ],
    rows,
  )}`,
);
console.log(
  `\nstart-up: \`herogen --version\` ${ms(median(versionWall))}; \`herogen plan\` on a site with no content ${ms(startup)} (subtracted in "wall − start-up")`,
);

// Linearity: the marginal cost of one more file should not grow with the site.
const totals = sizes.map((size) => median(steps.get(size)!.map((part) => part.total)));
const slopes = sizes.slice(1).map((size, index) => {
  const previous = sizes[index]!;
  const micros = ((totals[index + 1]! - totals[index]!) * 1000) / (size - previous);
  return `${previous}→${size}: ${micros.toFixed(0)} µs`;
});
console.log(
  `marginal cost per extra file (in-process plan): ${slopes.join(', ')} (equal = linear)`,
);
const target = sizes.includes(5000) ? median(wall.get(5000)!) : undefined;
if (target !== undefined) {
  console.log(
    `ratio: herogen plan over 5,000 files = ${ms(target)} / ${ms(TARGET_MS)} target = ${(target / TARGET_MS).toFixed(2)} (${target <= TARGET_MS ? 'met' : 'MISSED'})`,
  );
}
