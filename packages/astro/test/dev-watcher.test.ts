import { EventEmitter } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHerogen } from '@herogen/core';
import { createMockApi, faults } from '@herogen/mock-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DevWatcherOptions, watchContent } from '../src/dev-watcher.js';
import { createProjectState } from '../src/project-state.js';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'herogen-dev-watcher-'));
  await mkdir(path.join(root, 'src/content/blog'), { recursive: true });
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const post = (name: string, hero: string[]) =>
  writeFile(
    path.join(root, 'src/content/blog', name),
    ['---', `title: ${name}`, 'hero:', ...hero, '---', '', 'Body.', ''].join('\n'),
  );

/** Watch with a stand-in dev server; `save` reports a root-relative file as changed. */
function watchWithStandInServer(project: DevWatcherOptions['project']) {
  const watcher = new EventEmitter();
  const server = {
    watcher,
    environments: { client: { hot: { send() {} } } },
  } as unknown as DevWatcherOptions['server'];
  const stop = watchContent({ server, project, mode: 'generate', refresh: async () => {} });
  return { stop, save: (file: string) => watcher.emit('change', path.join(root, file)) };
}

/**
 * Save `saved` with a real session and a stand-in dev server; `loaderFiles` are the files a
 * herogen loader parses. Resolves with the errors the save handler logged.
 */
async function saveAndCollectErrors(saved: string, loaderFiles: string[]): Promise<string[]> {
  const errors: string[] = [];
  const logger = { debug() {}, info() {}, warn() {}, error: (line: string) => errors.push(line) };
  const session = await createHerogen({ root, configFile: false, env: {}, logger });
  const state = createProjectState({ session, logger, mode: 'dev' });
  for (const file of loaderFiles) state.loaderFiles.add(file);
  let settled!: () => void;
  const ensured = new Promise<void>((resolve) => {
    settled = resolve;
  });
  const project = {
    ...state,
    ensure: (files: string[]) => state.ensure(files).finally(settled),
  };
  const { stop, save } = watchWithStandInServer(project);
  save(saved);
  await ensured;
  // The handler logs right after ensure() settles.
  await new Promise((resolve) => setImmediate(resolve));
  stop();
  await session.close();
  return errors;
}

const badHero = ['  prompt: A lighthouse at dusk', '  aspect: "9:1"'];
const goodHero = ['  prompt: A red kite over a beach', '  alt: A kite'];

describe('watchContent: a frontmatter mistake saved during dev', () => {
  it('is left to the loader (Astro reports it) when a herogen loader parses the file', async () => {
    await post('bad.md', badHero);
    const errors = await saveAndCollectErrors('src/content/blog/bad.md', [
      'src/content/blog/bad.md',
    ]);
    expect(errors).toEqual([]);
  });

  it('is logged once, naming file, line and field, when no loader parses the file', async () => {
    await post('bad.md', badHero);
    const errors = await saveAndCollectErrors('src/content/blog/bad.md', []);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('src/content/blog/bad.md:5');
    expect(errors[0]).toContain('hero.aspect');
  });

  it('still logs the mistakes of other files that no loader parses', async () => {
    await post('bad.md', badHero);
    await post('other.md', badHero);
    await post('good.md', goodHero);
    const errors = await saveAndCollectErrors('src/content/blog/good.md', [
      'src/content/blog/bad.md',
      'src/content/blog/good.md',
    ]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('src/content/blog/other.md');
    expect(errors.join('\n')).not.toContain('bad.md');
  });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('watchContent: the dev server closing', () => {
  it('ends a hiapi poll at once, keeping the task id for the next run', async () => {
    const mock = await createMockApi({
      faults: [{ route: 'hiapi.create', fault: faults.taskStuck() }],
    });
    try {
      await post('kite.md', goodHero);
      const debug: string[] = [];
      const logger = {
        debug: (line: string) => debug.push(line),
        info() {},
        warn() {},
        error() {},
      };
      const session = await createHerogen({
        root,
        configFile: false,
        env: { HIAPI_API_KEY: 'hk-test-dev-watcher-0123456', HIAPI_BASE_URL: mock.hiapiBaseURL },
        config: { provider: 'hiapi' },
        logger,
      });
      const project = createProjectState({ session, logger, mode: 'dev' });
      const { stop, save } = watchWithStandInServer(project);
      save('src/content/blog/kite.md');
      while (!mock.requests.some((request) => request.route === 'hiapi.get')) await sleep(20);
      stop();
      // The run ends by itself; without the stop it would poll for hiapi.maxPollMs (10 min).
      while (!debug.some((line) => line.includes('still running at hiapi'))) await sleep(20);
      const lock = JSON.parse(await readFile(path.join(root, 'herogen.lock.json'), 'utf8'));
      expect(Object.keys(lock.pending)).toHaveLength(1);
      expect(mock.paidCalls()).toBe(1);
      await session.close();
    } finally {
      await mock.close();
    }
  }, 60_000);
});
