/**
 * Benchmark 1 — warm Astro build overhead: a blog of N posts with heroes, every image already
 * generated, built with the herogen integration (`herogenLoader` + `heroSchema`, prompts in the
 * frontmatter) against the same blog where each post points at the same image file directly
 * through `image()` (no herogen). Same pages, same images, same `<Picture>` transforms; only how
 * the hero reaches the page differs. Both builds run as `astro build` child processes with no
 * API key, after one untimed build each (so Astro's image cache is warm for both), alternating.
 *
 * Then `astro dev` (issue 17): for each site in turn, alternating, the dev server is started
 * as a child process and timed until it answers a post's page; then one post's title is changed
 * on disk and timed until the page shows it. The target: herogen adds < 50 ms to each.
 *
 * Astro clears its content store when its config changed, and the port is part of it: by default
 * each start gets a new port, so every entry is parsed again (a cold store). `--dev-store kept`
 * gives each site one port for all its starts, as a developer restarting `astro dev` has: the
 * store is kept and glob() parses only changed files.
 *
 *   node test/bench/astro-warm.ts [--posts 200] [--runs 7] [--dev-runs 7] [--phases build,dev]
 *     [--dev-store cleared|kept]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { createHerogen } from '@herogen/core';
import { postSlug, postSource, promptFor } from './lib/content.ts';
import {
  assertBench,
  type ChildResult,
  CLI_BIN,
  cleanEnv,
  formatTable,
  median,
  mib,
  printHeader,
  REPO_ROOT,
  readFlag,
  runTimed,
  seconds,
  treeCpuMs,
  WORK_DIR,
  waitForBuilds,
} from './lib/harness.ts';
import { startMockProcess } from './lib/mock-process.ts';

const posts = Number(readFlag('posts', '200'));
const runs = Number(readFlag('runs', '7'));
const devRuns = Number(readFlag('dev-runs', '7'));
const devStore = readFlag('dev-store', 'cleared');
assertBench(devStore === 'cleared' || devStore === 'kept', '--dev-store is cleared or kept');
/** With `--dev-store kept`: each site's one port. */
const sitePorts = new Map<string, number>();
const phases = readFlag('phases', 'build,dev').split(',');
const SITE_VERSION = `astro-warm-v1-${posts}`;
const ASTRO_BIN = path.join(REPO_ROOT, 'test', 'node_modules', 'astro', 'bin', 'astro.mjs');
const base = path.join(WORK_DIR, `astro-${posts}`);
const herogenRoot = path.join(base, 'herogen');
const plainRoot = path.join(base, 'plain');
// No key, no base URL: a warm build must not need either.
const buildEnv = cleanEnv({ ASTRO_TELEMETRY_DISABLED: '1' });

const PAGE = `---
import { Picture } from 'astro:assets';
import { getCollection } from 'astro:content';

export async function getStaticPaths() {
  const posts = await getCollection('blog');
  return posts.map((post) => ({ params: { slug: post.id }, props: { post } }));
}
const { post } = Astro.props;
const { hero } = post.data;
---
<html lang="en">
  <head><title>{post.data.title}</title></head>
  <body>
    <h1>{post.data.title}</h1>
    <Picture src={hero.image} alt={hero.alt} widths={[480, 960]} formats={['avif', 'webp']} fallbackFormat="jpg" />
  </body>
</html>
`;

const INDEX = `---
import { getCollection } from 'astro:content';
const posts = await getCollection('blog');
---
<html lang="en"><body><ul>{posts.map((post) => <li><a href={\`/blog/\${post.id}/\`}>{post.data.title}</a></li>)}</ul></body></html>
`;

const HEROGEN_CONTENT_CONFIG = `import { defineCollection } from 'astro:content';
import { herogenLoader, heroSchema } from '@herogen/astro/content';
import { glob } from 'astro/loaders';
import { z } from 'astro/zod';

const blog = defineCollection({
  loader: herogenLoader(glob({ pattern: '**/*.md', base: './src/content/blog' })),
  schema: ({ image }) => z.object({ title: z.string(), hero: heroSchema(image) }),
});

export const collections = { blog };
`;

const PLAIN_CONTENT_CONFIG = `import { defineCollection } from 'astro:content';
import { glob } from 'astro/loaders';
import { z } from 'astro/zod';

const blog = defineCollection({
  loader: glob({ pattern: '**/*.md', base: './src/content/blog' }),
  schema: ({ image }) => z.object({ title: z.string(), hero: z.object({ image: image(), alt: z.string() }) }),
});

export const collections = { blog };
`;

async function writeCommon(root: string, astroConfig: string, contentConfig: string) {
  await mkdir(path.join(root, 'src', 'pages', 'blog'), { recursive: true });
  await writeFile(path.join(root, 'package.json'), '{ "type": "module", "private": true }\n');
  await writeFile(path.join(root, 'astro.config.mjs'), astroConfig);
  await writeFile(path.join(root, 'src', 'content.config.ts'), contentConfig);
  await writeFile(path.join(root, 'src', 'pages', 'blog', '[...slug].astro'), PAGE);
  await writeFile(path.join(root, 'src', 'pages', 'index.astro'), INDEX);
}

/** Both sites, with every hero generated once against the mock (in the herogen site). */
async function buildSites(): Promise<void> {
  const marker = path.join(base, '.bench-site');
  if (existsSync(marker) && (await readFile(marker, 'utf8')) === SITE_VERSION) return;
  await rm(base, { recursive: true, force: true });

  await writeCommon(
    herogenRoot,
    `import herogen from '@herogen/astro';\nimport { defineConfig } from 'astro/config';\n\nexport default defineConfig({ site: 'https://bench.example', integrations: [herogen()] });\n`,
    HEROGEN_CONTENT_CONFIG,
  );
  for (let index = 0; index < posts; index++) {
    const dir = path.join(herogenRoot, 'src', 'content', 'blog');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, `${postSlug(index)}.md`), postSource(index));
  }
  // Generate every hero once through the CLI, as a user would, against the mock.
  const mock = await startMockProcess({ latencyMs: 0 });
  try {
    const generated = await runTimed(
      process.execPath,
      [CLI_BIN, 'generate', '--root', herogenRoot, '--concurrency', '8'],
      {
        env: cleanEnv({ OPENAI_API_KEY: 'mock-key', OPENAI_BASE_URL: mock.openaiBaseURL }),
      },
    );
    assertBench(generated.code === 0, `herogen generate failed: ${generated.stderr}`);
  } finally {
    await mock.close();
  }

  // The plain site: the same posts and image files, each referenced by path.
  const session = await createHerogen({ root: herogenRoot, env: {} });
  const plan = await session.plan();
  assertBench(
    plan.jobs.length === posts && plan.jobs.every((job) => job.status === 'cached'),
    'every hero should be generated and cached',
  );
  await writeCommon(
    plainRoot,
    `import { defineConfig } from 'astro/config';\n\nexport default defineConfig({ site: 'https://bench.example' });\n`,
    PLAIN_CONTENT_CONFIG,
  );
  await cp(
    path.join(herogenRoot, 'src', 'assets', 'herogen'),
    path.join(plainRoot, 'src', 'assets', 'heroes'),
    { recursive: true },
  );
  const imageOf = new Map<string, string>();
  for (const job of plan.jobs) {
    for (const source of job.sources) imageOf.set(source.file, path.posix.basename(job.file));
  }
  for (let index = 0; index < posts; index++) {
    const file = `src/content/blog/${postSlug(index)}.md`;
    const image = imageOf.get(file);
    assertBench(image, `no image for ${file}`);
    const dir = path.join(plainRoot, 'src', 'content', 'blog');
    await mkdir(dir, { recursive: true });
    await writeFile(
      path.join(plainRoot, file),
      postSource(index, [
        'hero:',
        `  image: ../../assets/heroes/${image}`,
        `  alt: "Illustration for post ${index}"`,
      ]),
    );
  }
  await writeFile(marker, SITE_VERSION);
}

/** When herogen's packages were last built (a rebuild rewrites every file of their dist/). */
async function builtStamp(): Promise<string> {
  const stamps = await Promise.all(
    ['core', 'astro'].map((name) =>
      stat(path.join(REPO_ROOT, 'packages', name, 'dist', 'index.js')).then(
        (stats) => stats.mtimeMs,
        () => Number.NaN,
      ),
    ),
  );
  return stamps.join(':');
}

async function astroBuild(root: string) {
  const result = await runTimed(process.execPath, [ASTRO_BIN, 'build', '--root', root], {
    env: buildEnv,
  });
  assertBench(
    result.code === 0,
    `astro build failed in ${root}:\n${result.stderr}\n${result.stdout}`,
  );
  return result;
}

await waitForBuilds();
printHeader(
  'Warm Astro build: herogen integration vs. images referenced directly',
  `${posts} posts, each page a <Picture> (480/960 px, AVIF + WebP + JPEG); no API key; ${runs} alternating runs after one warm-up build each, median reported; prompts: "${promptFor(0)}", …`,
);
const prepared = performance.now();
await buildSites();
console.log(`sites ready (${seconds(performance.now() - prepared)})`);

if (phases.includes('build')) await buildPhase();
if (phases.includes('dev')) await devPhase();

async function buildPhase(): Promise<void> {
  const first = await astroBuild(herogenRoot);
  // The summary line of a warm build: everything cached, nothing generated, nothing spent.
  const summary = /(\d+) cached[^\n]*/.exec(first.stdout)?.[0] ?? '(no summary line)';
  console.log(`herogen warm-up build: ${seconds(first.wallMs)} — ${summary}`);
  assertBench(/ 0 generated/.test(summary), `the warm build generated something: ${summary}`);
  const plainFirst = await astroBuild(plainRoot);
  console.log(`plain warm-up build: ${seconds(plainFirst.wallMs)}`);

  const pages = async (root: string) =>
    (await readdir(path.join(root, 'dist', 'blog'), { recursive: true })).filter((name) =>
      name.endsWith('index.html'),
    ).length;
  assertBench((await pages(herogenRoot)) === posts, 'herogen site: a page per post');
  assertBench((await pages(plainRoot)) === posts, 'plain site: a page per post');

  const walls = { herogen: [] as number[], plain: [] as number[] };
  const cpus = { herogen: [] as number[], plain: [] as number[] };
  const rss = { herogen: [] as number[], plain: [] as number[] };
  let discarded = 0;
  for (let round = 0; round < runs; round++) {
    // Alternate which goes first, so drift in the machine's load hits both alike.
    const order =
      round % 2 === 0 ? (['herogen', 'plain'] as const) : (['plain', 'herogen'] as const);
    const stamp = await builtStamp();
    const results: Partial<Record<'herogen' | 'plain', ChildResult>> = {};
    for (const name of order) {
      results[name] = await runTimed(
        process.execPath,
        [ASTRO_BIN, 'build', '--root', name === 'herogen' ? herogenRoot : plainRoot],
        { env: buildEnv },
      );
    }
    // A rebuild of herogen's packages mid-round (someone else's `pnpm build` on a shared
    // machine) fails a build or invalidates the scan cache, which keys on herogen's own build:
    // that round measures the rebuild, not a warm build. Re-warm and run the round again.
    if ((await builtStamp()) !== stamp) {
      assertBench(++discarded <= runs, 'herogen packages keep being rebuilt: cannot measure');
      console.log(`round ${round + 1}: discarded (herogen packages were rebuilt during it)`);
      await waitForBuilds();
      await astroBuild(herogenRoot);
      round--;
      continue;
    }
    for (const name of order) {
      const result = results[name]!;
      assertBench(
        result.code === 0,
        `astro build failed (${name}):\n${result.stderr}\n${result.stdout}`,
      );
      walls[name].push(result.wallMs);
      cpus[name].push(result.cpuMs);
      rss[name].push(result.maxRssBytes);
    }
    console.log(
      `round ${round + 1}: herogen ${seconds(walls.herogen.at(-1)!)}, plain ${seconds(walls.plain.at(-1)!)} (${(walls.herogen.at(-1)! / walls.plain.at(-1)!).toFixed(3)})`,
    );
  }

  const row = (name: 'herogen' | 'plain', label: string) => [
    label,
    seconds(median(walls[name])),
    seconds(median(cpus[name])),
    mib(median(rss[name])),
  ];
  console.log(
    `\n${formatTable(
      ['site', 'astro build (wall, median)', 'CPU (median)', 'peak RSS'],
      [row('herogen', 'herogen integration (prompts)'), row('plain', 'plain image() references')],
    )}`,
  );
  const ratio = median(walls.herogen) / median(walls.plain);
  const cpuRatio = median(cpus.herogen) / median(cpus.plain);
  // Each round's two builds ran back to back: their ratio cancels slow drift in the machine's
  // speed (other VMs, a dropped page cache) that the ratio of the two medians still carries.
  const paired = median(walls.herogen.map((wall, index) => wall / walls.plain[index]!));
  console.log(
    `\nratio: herogen / plain = ${paired.toFixed(3)} wall (median of the ${runs} paired rounds; ${ratio.toFixed(3)} as a ratio of medians), ${cpuRatio.toFixed(3)} CPU (target ≤ 1.05: ${paired <= 1.05 ? 'met' : 'MISSED'})`,
  );
}

/** A free TCP port on 127.0.0.1 (closed again at once: astro dev binds it next). */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** GET a page's HTML, or undefined while the server does not answer 200. */
async function page(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    const text = await response.text();
    return response.status === 200 ? text : undefined;
  } catch {
    return undefined;
  }
}

/** Milliseconds until `check` holds, polling every 10 ms; fails after five minutes. */
async function until(check: () => Promise<boolean>, what: string): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    assertBench(performance.now() - started < 300_000, `gave up waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 10));
  }
  return performance.now() - started;
}

function stopServer(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', () => done());
    child.kill('SIGTERM');
  });
}

interface DevTimes {
  startMs: number;
  saveMs: number;
  /** CPU of the dev server's processes until the page answered, and during the save. */
  startCpuMs: number;
  saveCpuMs: number;
}

/** One `astro dev` start and one content save on a site: wall and CPU milliseconds. */
async function devRound(root: string, round: number): Promise<DevTimes> {
  const port = (devStore === 'kept' && sitePorts.get(root)) || (await freePort());
  sitePorts.set(root, port);
  const base = `http://127.0.0.1:${port}`;
  const index = round % posts;
  const url = `${base}/blog/${postSlug(index)}/`;
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [ASTRO_BIN, 'dev', '--root', root, '--port', String(port), '--host', '127.0.0.1'],
    { env: buildEnv, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const file = path.join(root, 'src', 'content', 'blog', `${postSlug(index)}.md`);
  const source = await readFile(file, 'utf8');
  try {
    await until(async () => {
      assertBench(child.exitCode === null, `astro dev exited in ${root}:\n${stderr}`);
      return (await page(url)) !== undefined;
    }, `astro dev to serve ${url}`);
    const startMs = performance.now() - started;
    const startCpuMs = treeCpuMs(child.pid!);
    // A save that changes the title: timed until the page shows it.
    const marker = `Edited ${round}-${Date.now()}`;
    const saved = performance.now();
    await writeFile(file, source.replace(/^title: "/m, `title: "${marker} `));
    await until(async () => (await page(url))?.includes(marker) ?? false, `the edit of ${file}`);
    const saveMs = performance.now() - saved;
    return { startMs, saveMs, startCpuMs, saveCpuMs: treeCpuMs(child.pid!) - startCpuMs };
  } finally {
    await stopServer(child);
    await writeFile(file, source);
  }
}

async function devPhase(): Promise<void> {
  console.log(
    `\n### astro dev: start-up and a content save, ${devRuns} alternating rounds, content store ${devStore}\n`,
  );
  const starts = { herogen: [] as number[], plain: [] as number[] };
  const saves = { herogen: [] as number[], plain: [] as number[] };
  const startCpus = { herogen: [] as number[], plain: [] as number[] };
  const saveCpus = { herogen: [] as number[], plain: [] as number[] };
  // One untimed round each: Vite's dependency optimizer and Astro's content store warm up.
  await devRound(herogenRoot, 0);
  await devRound(plainRoot, 0);
  for (let round = 1; round <= devRuns; round++) {
    const order =
      round % 2 === 0 ? (['herogen', 'plain'] as const) : (['plain', 'herogen'] as const);
    for (const name of order) {
      const times = await devRound(name === 'herogen' ? herogenRoot : plainRoot, round);
      starts[name].push(times.startMs);
      saves[name].push(times.saveMs);
      startCpus[name].push(times.startCpuMs);
      saveCpus[name].push(times.saveCpuMs);
    }
    console.log(
      `round ${round}: start herogen ${Math.round(starts.herogen.at(-1)!)} ms, plain ${Math.round(starts.plain.at(-1)!)} ms; save herogen ${Math.round(saves.herogen.at(-1)!)} ms, plain ${Math.round(saves.plain.at(-1)!)} ms`,
    );
  }
  // Per round, the two sites ran back to back: the median of their differences.
  const added = (values: { herogen: number[]; plain: number[] }) =>
    median(values.herogen.map((value, index) => value - values.plain[index]!));
  const startAdded = added(starts);
  const saveAdded = added(saves);
  const ms = (value: number) => `${Math.round(value)} ms`;
  console.log(
    `\n${formatTable(
      [
        'astro dev',
        'herogen (median)',
        'plain (median)',
        'added by herogen (median of rounds)',
        'CPU added (median of rounds)',
      ],
      [
        [
          'start-up until a post page answers',
          ms(median(starts.herogen)),
          ms(median(starts.plain)),
          ms(startAdded),
          ms(added(startCpus)),
        ],
        [
          'content save until the page shows it',
          ms(median(saves.herogen)),
          ms(median(saves.plain)),
          ms(saveAdded),
          ms(added(saveCpus)),
        ],
      ],
    )}`,
  );
  const met = startAdded < 50 && saveAdded < 50;
  console.log(
    `\nratio: astro dev adds ${ms(startAdded)} to start-up and ${ms(saveAdded)} to a content save (target < 50 ms each: ${met ? 'met' : 'MISSED'})`,
  );
}
