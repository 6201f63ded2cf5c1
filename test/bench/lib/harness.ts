/**
 * Shared pieces of the benchmarks: machine description, statistics, tables, and timing a child
 * process with its peak RSS. Benchmarks run with Node 24's type stripping (no build step), so
 * this file uses only erasable TypeScript.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
export const BENCH_DIR = path.join(REPO_ROOT, 'test', 'bench');
/** Generated sites and caches; gitignored. */
export const WORK_DIR = path.join(BENCH_DIR, '.work');
export const CLI_BIN = path.join(REPO_ROOT, 'packages', 'cli', 'dist', 'bin.js');

/** CPU, cores, memory, Node and load: printed at the top of every benchmark. */
export function describeMachine(): string {
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  const cores = os.availableParallelism();
  const ram = (os.totalmem() / 1024 ** 3).toFixed(1);
  const load = os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
  return `${cpu}, ${cores} cores, ${ram} GiB RAM, Node ${process.version}, ${os.platform()} ${os.release()}, load average ${load}`;
}

/**
 * Wait until the packages' builds are in place: benchmarks run the built `dist/` (as users do),
 * and another process may be rebuilding one (`rm -rf dist && tsc`) right now.
 */
export async function waitForBuilds(): Promise<void> {
  const entries = ['core', 'cli', 'mock-api', 'astro', 'vite'].map((name) =>
    path.join(REPO_ROOT, 'packages', name, 'dist', 'index.js'),
  );
  for (let waited = 0; entries.some((entry) => !existsSync(entry)); waited += 1) {
    if (waited === 120) throw new Error('packages are not built: run `pnpm build` first');
    await new Promise((done) => setTimeout(done, 1000));
  }
}

export function printHeader(title: string, what: string): void {
  console.log(`\n## ${title}\n`);
  console.log(`machine: ${describeMachine()}`);
  console.log(`${what}\n`);
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** A Markdown table (paste-ready for BENCHMARKS.md). */
export function formatTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(head), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

export const ms = (value: number) => `${Math.round(value)} ms`;
export const seconds = (value: number) => `${(value / 1000).toFixed(2)} s`;
export const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(0)} MiB`;

export interface ChildResult {
  code: number | null;
  wallMs: number;
  /** Peak resident set size of the child (and the largest of its waited-for children), bytes. */
  maxRssBytes: number;
  /**
   * With `sampleTree`: the peak of the summed RSS of the command and every process it started
   * (herogen's image process included), sampled every 50 ms from /proc. NaN otherwise.
   */
  treePeakBytes: number;
  /**
   * With `sampleTree`: the peak of the summed proportional set size (PSS) of the same
   * processes. RSS counts a page shared by two processes (Node's and libvips' code, mapped from
   * the same files) in each; PSS splits it between them, so the sum is the memory the processes
   * take together. NaN otherwise.
   */
  treePeakPssBytes: number;
  /**
   * With `sampleTree`: the same peak per phase, split as the command's own RSS and the rest of
   * the tree at that moment. A phase starts when the command writes `bench-phase: <name>` on a
   * line of stderr; before the first, the phase is `start`.
   */
  phasePeaks: Record<string, { total: number; own: number; others: number }>;
  /** User + system CPU time of the child, ms (less sensitive than wall time to a busy machine). */
  cpuMs: number;
  stdout: string;
  stderr: string;
}

/**
 * Run a command under `/usr/bin/time` for its peak RSS, timing the wall clock from here.
 * `/usr/bin/time` reports the peak of the process it waits for, which is the command itself.
 */
export async function runTimed(
  command: string,
  args: readonly string[],
  options: {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    keepStdout?: boolean;
    sampleTree?: boolean;
  } = {},
): Promise<ChildResult> {
  const statsDir = path.join(WORK_DIR, 'time');
  await mkdir(statsDir, { recursive: true });
  const statsFile = path.join(statsDir, `${process.pid}-${Math.random().toString(36).slice(2)}`);
  const started = performance.now();
  const child = spawn('/usr/bin/time', ['-f', '%M %U %S', '-o', statsFile, command, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let treePeakBytes = Number.NaN;
  let treePeakPssBytes = Number.NaN;
  const phasePeaks: ChildResult['phasePeaks'] = {};
  let phase = 'start';
  const sampler =
    options.sampleTree && child.pid !== undefined
      ? setInterval(() => {
          // /usr/bin/time itself is left out: only what it runs counts.
          const [command, ...others] = descendants(child.pid!);
          const own = command === undefined ? 0 : rssOf(command);
          const rest = others.reduce((sum, pid) => sum + rssOf(pid), 0);
          const bytes = own + rest;
          if (!(bytes <= treePeakBytes)) treePeakBytes = bytes;
          const pss = [command, ...others].reduce((sum, pid) => sum + (pid ? pssOf(pid) : 0), 0);
          if (!(pss <= treePeakPssBytes)) treePeakPssBytes = pss;
          const seen = phasePeaks[phase];
          if (!seen || bytes > seen.total) phasePeaks[phase] = { total: bytes, own, others: rest };
        }, 50)
      : undefined;
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    if (options.keepStdout !== false) stdout += chunk;
  });
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
    for (const match of chunk.matchAll(/^bench-phase: (\S+)$/gm)) phase = match[1]!;
  });
  const code = await new Promise<number | null>((done, fail) => {
    child.on('error', fail);
    child.on('close', done);
  });
  const wallMs = performance.now() - started;
  if (sampler) clearInterval(sampler);
  const text = await readFile(statsFile, 'utf8').catch(() => '');
  await rm(statsFile, { force: true });
  // The last line is "%M %U %S"; earlier lines hold "Command exited with non-zero status".
  const [kib, user, system] = (text.trim().split('\n').at(-1) ?? '').split(' ').map(Number);
  return {
    code,
    wallMs,
    maxRssBytes: kib !== undefined && Number.isFinite(kib) ? kib * 1024 : Number.NaN,
    treePeakBytes,
    treePeakPssBytes,
    phasePeaks,
    cpuMs: ((user ?? Number.NaN) + (system ?? Number.NaN)) * 1000,
    stdout,
    stderr,
  };
}

/** Every process below `pid` (children, grandchildren…), from /proc. */
function descendants(pid: number): number[] {
  const found: number[] = [];
  const visit = (parent: number) => {
    let children: string;
    try {
      children = readFileSync(`/proc/${parent}/task/${parent}/children`, 'utf8');
    } catch {
      return;
    }
    for (const child of children.trim().split(/\s+/).filter(Boolean).map(Number)) {
      found.push(child);
      visit(child);
    }
  };
  visit(pid);
  return found;
}

/** User + system CPU time of this process (all its threads), in ms. */
export function processCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * User + system CPU time of every live process below `pid`, in ms, from /proc (clock ticks of
 * 10 ms). Processes that already exited are not counted: take deltas over a live child.
 */
export function childrenCpuMs(pid: number): number {
  return treeCpuMs(pid) - treeCpuMs(pid, false);
}

/** User + system CPU ms of `pid` and, unless `withChildren` is false, every live process below. */
export function treeCpuMs(pid: number, withChildren = true): number {
  let total = 0;
  for (const child of withChildren ? [pid, ...descendants(pid)] : [pid]) {
    try {
      const stat = readFileSync(`/proc/${child}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces) start at state (field 3).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      // gone
    }
  }
  return total;
}

/** Resident set size of a process in bytes (0 once it is gone). */
function rssOf(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Proportional set size of a process in bytes, from smaps_rollup (0 once it is gone). */
function pssOf(pid: number): number {
  try {
    const match = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Run `task` over `0..count-1` with at most `concurrency` at once (a plain worker pool). */
export async function runPool(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** Fail loudly: a benchmark that measured the wrong thing must not print a ratio. */
export function assertBench(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`benchmark invalid: ${message}`);
}

/** Environment for child processes with no real provider credentials or endpoints. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^(OPENAI_|HIAPI_|HEROGEN_)/.test(name)) delete env[name];
  }
  return { ...env, ...extra };
}

/** `--name value` flags of a benchmark command. */
export function readFlag(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : (process.argv[index + 1] ?? fallback);
}
