/**
 * Shared pieces of the reliability suite: throwaway projects, the built `herogen` CLI as a
 * child process (optionally with the crash hook preloaded), a seeded random source, and an
 * inspector that says what a project's lock, originals and journal hold after a run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Lock, parseLock } from '@herogen/core';
import sharp from 'sharp';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI_BIN = path.join(REPO, 'packages/cli/dist/bin.js');
export const CRASH_HOOK = fileURLToPath(new URL('./crash-hook.mjs', import.meta.url));
export const FS_TRACE = fileURLToPath(new URL('./fs-trace.mjs', import.meta.url));
export const PLANT_SYMLINK = fileURLToPath(new URL('./plant-symlink.mjs', import.meta.url));
export const MOCK_BIN = path.join(REPO, 'packages/mock-api/dist/bin.js');
/** Makes writes of more than N bytes under a folder fail with ENOSPC (see disk-full.mjs). */
export const DISK_FULL = fileURLToPath(new URL('./disk-full.mjs', import.meta.url));
/** Writes the child's peak RSS (bytes) to `HEROGEN_TEST_MAX_RSS` on exit (see max-rss.mjs). */
export const MAX_RSS_HOOK = fileURLToPath(new URL('./max-rss.mjs', import.meta.url));

/** The shape of `writeFileAtomic`'s temp files: `.<name>.<pid>.<12 hex>.tmp`. */
export const TEMP_FILE = /^\.(.+)\.(\d+)\.([0-9a-f]{12})\.tmp$/;

/** mulberry32: a small, fast, seeded PRNG so every trial can be replayed from its seed. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sha256 = (bytes: Uint8Array | string) =>
  createHash('sha256').update(bytes).digest('hex');

export interface Project {
  root: string;
  /** Absolute originals directory. */
  outDir: string;
  lockPath: string;
  prompts: string[];
  write(file: string, text: string): Promise<void>;
  cleanup(): Promise<void>;
}

export interface ProjectOptions {
  images: number;
  /** Distinguishes the prompts of several projects sharing one mock. */
  tag?: string;
  /** herogen.config.json; merged over a small, fast OpenAI setup. */
  config?: Record<string, unknown>;
  /** Parent directory (default: the OS temp dir). */
  parent?: string;
}

/** A project with `images` posts, each with a distinct prompt. */
export async function createProject(options: ProjectOptions): Promise<Project> {
  const parent = options.parent ?? os.tmpdir();
  await mkdir(parent, { recursive: true });
  const root = await mkdtemp(path.join(parent, 'herogen-rel-'));
  const tag = options.tag ?? path.basename(root);
  const write = async (file: string, text: string) => {
    const target = path.join(root, file);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, text);
  };
  const prompts: string[] = [];
  for (let n = 0; n < options.images; n++) {
    const prompt = `Reliability ${tag} image ${n}: a lighthouse on a cliff at dusk`;
    prompts.push(prompt);
    await write(
      `src/content/post-${String(n).padStart(3, '0')}.md`,
      `---\ntitle: Post ${n}\nhero:\n  prompt: "${prompt}"\n  alt: A lighthouse\n---\n\nBody ${n}.\n`,
    );
  }
  // The smallest size OpenAI accepts keeps the mock's renders and herogen's checks cheap.
  const config: Record<string, unknown> = {
    provider: 'openai',
    size: '1024x640',
    quality: 'low',
    ...options.config,
  };
  await write('herogen.config.json', `${JSON.stringify(config, null, 2)}\n`);
  return {
    root,
    outDir: path.join(root, String(config.outDir ?? 'src/assets/herogen')),
    lockPath: path.join(root, 'herogen.lock.json'),
    prompts,
    write,
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Spawned {
  child: ChildProcess;
  pid: number;
  /** Everything printed so far. */
  output(): string;
  result: Promise<RunResult>;
}

/** Run the built CLI in a child process; `crash` arms the crash hook (see crash-hook.mjs). */
export function spawnHerogen(
  args: string[],
  options: {
    cwd: string;
    env?: Record<string, string | undefined>;
    crash?: string;
    /** Record every path the process touches into this file (see fs-trace.mjs). */
    trace?: string;
    /** Further test-only preloads (absolute paths), e.g. `MAX_RSS_HOOK`. */
    imports?: string[];
  },
): Spawned {
  const child = spawn(
    process.execPath,
    [
      ...(options.crash ? ['--import', CRASH_HOOK] : []),
      ...(options.trace ? ['--import', FS_TRACE] : []),
      ...(options.imports ?? []).flatMap((file) => ['--import', file]),
      CLI_BIN,
      ...args,
    ],
    {
      cwd: options.cwd,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        ...options.env,
        ...(options.crash ? { HEROGEN_TEST_CRASH: options.crash } : {}),
        ...(options.trace ? { HEROGEN_TEST_FS_TRACE: options.trace } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const result = new Promise<RunResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, pid: child.pid!, output: () => stdout + stderr, result };
}

/** Resolve once the child's output contains `text` (or it exits). */
export function waitForOutput(spawned: Spawned, text: string | RegExp): Promise<boolean> {
  const seen = () =>
    typeof text === 'string' ? spawned.output().includes(text) : text.test(spawned.output());
  return new Promise((resolve) => {
    if (seen()) return resolve(true);
    const check = () => {
      if (seen()) {
        cleanup();
        resolve(true);
      }
    };
    const done = () => {
      cleanup();
      resolve(seen());
    };
    const cleanup = () => {
      spawned.child.stdout?.off('data', check);
      spawned.child.stderr?.off('data', check);
      spawned.child.off('close', done);
    };
    spawned.child.stdout?.on('data', check);
    spawned.child.stderr?.on('data', check);
    spawned.child.on('close', done);
  });
}

export interface StoredImage {
  key: string;
  prompt: string;
  file: string;
  placeholder: boolean;
  /** The file exists and hashes to the recorded sha256. */
  intact: boolean;
}

export interface ProjectState {
  /** The lock as parsed by herogen itself (throws when it is damaged). */
  lock: Lock;
  images: StoredImage[];
  /** Non-temp files in outDir, with whether each decodes as a complete image. */
  outDirFiles: { name: string; decodes: boolean }[];
  /** Temp files in outDir, the journal directory and the root, with the writer's pid. */
  tempFiles: { path: string; pid: number }[];
  /** Keys with a write-ahead journal record. */
  journal: string[];
  /** Lock directories, owner records and reap markers left in the root or the claims dir. */
  lockLeftovers: string[];
  /**
   * Of those, the files a user would see in `git status`: owner records and reap markers in
   * the project root (an empty lock directory is invisible to git, and claims live in
   * node_modules/.cache).
   */
  visibleLeftovers: string[];
}

export const journalDir = (root: string) =>
  path.join(root, 'node_modules', '.cache', 'herogen', 'incoming');
/** The prompt of a journal record (its first line is a JSON header; the image bytes follow). */
export async function journaledPrompt(root: string, key: string): Promise<string | undefined> {
  const record = await readFile(path.join(journalDir(root), `${key}.journal`)).catch(
    () => undefined,
  );
  const newline = record?.indexOf(0x0a) ?? -1;
  if (!record || newline < 0) return undefined;
  const header = JSON.parse(record.subarray(0, newline).toString('utf8'));
  return (header as { request?: { prompt?: string } }).request?.prompt;
}

const claimsDir = (root: string) => path.join(root, 'node_modules', '.cache', 'herogen', 'claims');

async function list(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

/** What a project holds right now. Throws if the lock does not parse. */
export async function inspectProject(project: Project): Promise<ProjectState> {
  const text = await readFile(project.lockPath, 'utf8').catch(() => '');
  const lock = parseLock(text, project.lockPath);
  const images: StoredImage[] = [];
  for (const [key, entry] of Object.entries(lock.images)) {
    const bytes = await readFile(path.join(project.root, entry.file)).catch(() => undefined);
    images.push({
      key,
      prompt: entry.prompt,
      file: entry.file,
      placeholder: entry.placeholder === true,
      intact: bytes !== undefined && sha256(bytes) === entry.sha256,
    });
  }
  const verified = new Set(
    images.filter((image) => image.intact).map((image) => path.posix.basename(image.file)),
  );
  const tempFiles: { path: string; pid: number }[] = [];
  const outDirFiles: { name: string; decodes: boolean }[] = [];
  for (const dir of [project.outDir, journalDir(project.root), project.root]) {
    for (const name of await list(dir)) {
      const temp = TEMP_FILE.exec(name);
      if (temp) tempFiles.push({ path: path.join(dir, name), pid: Number(temp[2]) });
      else if (dir === project.outDir) {
        const stats = await lstat(path.join(dir, name));
        if (!stats.isFile()) continue;
        // Files the lock vouches for are checked by hash; any other must be a whole image.
        const decodes =
          verified.has(name) ||
          (await sharp(path.join(dir, name), { failOn: 'truncated' })
            .raw()
            .toBuffer()
            .then(
              () => true,
              () => false,
            ));
        outDirFiles.push({ name, decodes });
      }
    }
  }
  const journal = (await list(journalDir(project.root)))
    .filter((name) => name.endsWith('.journal'))
    .map((name) => name.slice(0, -'.journal'.length));
  const rootLeftovers = (await list(project.root)).filter((name) =>
    /\.lock(\.owner|\.reap-.*)?$/.test(name),
  );
  const lockLeftovers = [...rootLeftovers, ...(await list(claimsDir(project.root)))];
  // Lock directories and reap markers are empty directories: git does not show them.
  const visibleLeftovers = rootLeftovers.filter((name) => name.endsWith('.owner'));
  return { lock, images, outDirFiles, tempFiles, journal, lockLeftovers, visibleLeftovers };
}

/** Every file under `dir` (recursive), as absolute paths. */
export async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full)));
    else out.push(full);
  }
  return out;
}

/** Keep a suite's figures in test/.tmp/reliability/<suite>.json (ignored by git) for RELIABILITY.md. */
export async function recordFigures(suite: string, figures: unknown): Promise<void> {
  const dir = path.join(REPO, 'test', '.tmp', 'reliability');
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, `${suite}.json`),
    `${JSON.stringify({ at: new Date().toISOString(), figures }, null, 2)}\n`,
  );
}

/** A plain-text table for console output and RELIABILITY.md. */
export function markdownTable(headers: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) =>
    `| ${cells.map((cell) => String(cell).replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}
