/**
 * What herogen itself costs an `astro dev` start-up, part by part, in CPU time of this one
 * process (a loaded machine disturbs it far less than the wall time of a whole dev server):
 * loading the integration and core, `astro:config:setup`, and the content loader over the
 * 200-post site of `bench:astro` with a cleared and with a kept content store, each against the
 * same inner loader without herogen. Astro's own work (its parse, `image()`) is not run: the
 * inner loader hands each entry's frontmatter to a `parseData` that returns it.
 *
 *   node test/bench/astro-dev-parts.ts [--posts 200] [--runs 9]
 *
 * Needs the sites of `bench:astro` (test/bench/.work/astro-<posts>/herogen).
 */
import { readdir, readFile } from 'node:fs/promises';
import module from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as bench from './lib/harness.ts';

const posts = Number(bench.readFlag('posts', '200'));
const runs = Number(bench.readFlag('runs', '9'));
const root = path.join(bench.WORK_DIR, `astro-${posts}`, 'herogen');
const blog = path.join(root, 'src', 'content', 'blog');

async function timed<T>(task: () => Promise<T>): Promise<[T, number]> {
  const start = bench.processCpuMs();
  const value = await task();
  return [value, bench.processCpuMs() - start];
}

bench.printHeader(
  'astro dev start-up: herogen part by part (CPU of one process)',
  `${posts} posts, ${runs} runs of each loader pass, median reported`,
);
// As Astro's bin does (a second run compiles nothing), and what it has loaded before it
// imports the integration: Astro and Vite, with the Node built-ins they use (node:crypto,
// node:child_process, node:net… are all loaded by the time an integration's
// astro:config:setup runs). Without `astro`, this counted ~17 ms of loading those built-ins
// as herogen's.
module.enableCompileCache?.();
await import('astro');
await import('astro/zod');
await import('astro/loaders');
const [modules, importMs] = await timed(async () => ({
  integration: await import('@herogen/astro'),
  content: await import('@herogen/astro/content'),
}));

const silent = { info() {}, warn() {}, error() {}, debug() {}, label: 'bench', fork: () => silent };
const integration = modules.integration.herogen({ env: {} });
const setup = integration.hooks['astro:config:setup'] as (options: unknown) => Promise<void>;
const [, setupMs] = await timed(() =>
  setup({
    config: { root: pathToFileURL(`${root}/`), integrations: [integration] },
    command: 'dev',
    logger: silent,
    addWatchFile() {},
    updateConfig() {},
    addDevToolbarApp() {},
  }),
);

const { parseFrontmatter } = await import('@herogen/core');
const files = (await readdir(blog)).filter((name) => name.endsWith('.md')).sort();
bench.assertBench(files.length === posts, `expected ${posts} posts in ${blog}`);
const entries = await Promise.all(
  files.map(async (name) => {
    const filePath = path.join(blog, name);
    const parsed = parseFrontmatter(await readFile(filePath, 'utf8'), name);
    return { id: name.replace(/\.md$/, ''), filePath, data: parsed!.data };
  }),
);

/** glob()'s part, minus Astro's parse: ten entries at a time through `parseData`. */
type ParseData = (props: {
  id: string;
  data: Record<string, unknown>;
  filePath?: string;
}) => Promise<unknown>;
const inner = {
  name: 'glob',
  load: async ({ parseData, store }: { parseData: ParseData; store: Map<string, unknown> }) => {
    for (let index = 0; index < entries.length; index += 10) {
      await Promise.all(
        entries.slice(index, index + 10).map(async (entry) => {
          if (store.has(entry.id)) return;
          store.set(entry.id, await parseData(entry));
        }),
      );
    }
  },
};

function context(store: Map<string, unknown>, meta: Map<string, string>) {
  return {
    config: { root: pathToFileURL(`${root}/`) },
    collection: 'blog',
    store: Object.assign(store, { clear: () => Map.prototype.clear.call(store) }),
    meta,
    logger: silent,
    parseData: async (props: { data: Record<string, unknown> }) => props.data,
  };
}

const wrapped = modules.content.herogenLoader(inner as never);
const rows: string[][] = [];
for (const kept of [false, true]) {
  const plain: number[] = [];
  const herogen: number[] = [];
  // A kept store: the entries a previous start parsed (glob() skips them).
  const previous = new Map<string, unknown>();
  const previousMeta = new Map<string, string>();
  await wrapped.load(context(previous, previousMeta) as never);
  for (let run = 0; run < runs; run++) {
    const store = () => (kept ? new Map(previous) : new Map<string, unknown>());
    const meta = () => (kept ? new Map(previousMeta) : new Map<string, string>());
    plain.push((await timed(() => inner.load(context(store(), meta()) as never)))[1]);
    herogen.push((await timed(() => wrapped.load(context(store(), meta()) as never)))[1]);
  }
  rows.push([
    `content loader, store ${kept ? 'kept' : 'cleared'}`,
    `${bench.median(herogen).toFixed(1)} ms`,
    `${bench.median(plain).toFixed(1)} ms`,
    `${(bench.median(herogen) - bench.median(plain)).toFixed(1)} ms`,
  ]);
}

console.log(
  `\n${bench.formatTable(
    ['part of the start-up', 'with herogen (CPU)', 'without', 'herogen adds'],
    [
      [
        'loading @herogen/astro and core',
        `${importMs.toFixed(1)} ms`,
        '–',
        `${importMs.toFixed(1)} ms`,
      ],
      ['astro:config:setup (dev)', `${setupMs.toFixed(1)} ms`, '–', `${setupMs.toFixed(1)} ms`],
      ...rows,
    ],
  )}`,
);
process.exit(0);
