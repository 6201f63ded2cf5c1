/**
 * sharp's pixel work (decode checks, derivative encodes) runs in a child process that herogen
 * starts itself, with glibc's malloc bounded. glibc gives every thread that allocates its own
 * arena (up to 8 per core), and the buffers libvips and libaom free stay in them: a process
 * that encodes a few hundred AVIF files reached 900 MiB, of which it never used more than a
 * third at once. `MALLOC_ARENA_MAX` and `MALLOC_MMAP_THRESHOLD_` fix that, but glibc reads them
 * when a process starts, so a library cannot set them for its own process: it can for a child.
 *
 * Used on Linux with glibc only (musl and macOS allocators do not keep memory this way). The
 * child is started on the first call, shared by the whole process, and kept unreferenced while
 * idle so it never holds the parent open; it exits when the parent does. Where it cannot be
 * started (no built entry point, `HEROGEN_SHARP_PROCESS=0`, fork fails), the same work runs
 * in-process. A call whose child dies (in a container, the out-of-memory killer picks the
 * biggest process: this one) goes to a new child once, then fails with IMAGE_PROCESS_KILLED.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import {
  fromHostedError,
  type HostReply,
  type HostRequest,
  killedError,
  toHostedError,
} from './host-messages.js';

type Operation = (...args: never[]) => Promise<unknown>;

/**
 * The child's settings: two malloc arenas, large blocks unmapped when freed, and a libuv pool
 * (where sharp's calls run) no wider than the cores, so fewer images are decoded at once.
 */
const HOST_ENV = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '131072',
  UV_THREADPOOL_SIZE: String(Math.max(2, Math.min(4, availableParallelism()))),
};

/**
 * The child is replaced by a fresh one once it holds more than this after a call: a guard
 * against memory stranded in its heaps piling up over a long run, not a trim after every
 * original. The AVIF encodes of one original take it from ~70 MiB (idle) to ~190–250 MiB and
 * what it keeps after a call stays around 200 MiB; a new process costs ~0.2 s, and a bound of
 * 120 MiB (a restart every two or three originals) made deriving 1.09× slower than a bare sharp
 * loop for 18 MiB less at the peak (bench:derive, bench:memory).
 */
export const IMAGE_PROCESS_MAX_RSS = 320 * 1024 * 1024;
let maxRss = IMAGE_PROCESS_MAX_RSS;

/** Change the bound above (tests: a low one makes the child restart after every call). */
export function setImageProcessMaxRss(bytes: number): void {
  maxRss = bytes;
}

/**
 * What a child holds once it has loaded sharp and done a call or two (~60–90 MiB): one holding
 * more when a run ends is let go (releaseImageProcess).
 */
export const IMAGE_PROCESS_RELEASE_RSS = 100 * 1024 * 1024;
let releaseAboveRss = IMAGE_PROCESS_RELEASE_RSS;

/** Change the bound above (tests: 0 lets every image process go at the end of a run). */
export function setImageProcessReleaseRss(bytes: number): void {
  releaseAboveRss = bytes;
}

/** Operations that set up the process (libvips threads): replayed to each new child first. */
const SETTINGS_OPS = new Set(['configure']);

/** True inside the child: hosted operations then run right here. */
let isHost = false;
let host: SharpHost | undefined;

/** True on Linux with glibc (whose malloc arenas are the reason for the image process). */
export function glibcRuntime(): boolean {
  // `excludeNetwork` (Node 20.13+) is missing from the bundled types.
  const report = process.report as (NodeJS.ProcessReport & { excludeNetwork: boolean }) | undefined;
  if (process.platform !== 'linux' || !report) return false;
  // The report's network section (a reverse DNS lookup per socket) is most of its cost: with
  // open sockets the full report took 0.2–5 s, stalling the first image's store.
  const { excludeNetwork } = report;
  report.excludeNetwork = true;
  try {
    const header = (report.getReport() as { header?: { glibcVersionRuntime?: string } }).header;
    return typeof header?.glibcVersionRuntime === 'string';
  } finally {
    report.excludeNetwork = excludeNetwork;
  }
}

/** The built entry point of the child, or undefined when core runs unbuilt. */
function hostEntry(): string | undefined {
  try {
    const manifest = createRequire(import.meta.url).resolve('@herogen/core/package.json');
    const entry = join(dirname(manifest), 'dist', 'run', 'sharp-host.js');
    return existsSync(entry) ? entry : undefined;
  } catch {
    return undefined;
  }
}

let usable: boolean | undefined;
function useHost(): boolean {
  if (isHost) return false;
  usable ??=
    process.env.HEROGEN_SHARP_PROCESS !== '0' && glibcRuntime() && hostEntry() !== undefined;
  return usable;
}

/** A Uint8Array that came through the channel, as the Buffer the in-process call returns. */
export function asBuffer(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.length);
}

interface Waiter {
  child: ChildProcess;
  op: string;
  args: unknown[];
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  here: () => Promise<unknown>;
  /** The call already went to a child that died on it: a second death is reported. */
  resent: boolean;
}

class SharpHost {
  private child: ChildProcess | undefined;
  /** A child being replaced: it finishes its calls, then exits before the next one starts. */
  private retiring: Promise<void> | undefined;
  private next = 1;
  private readonly waiting = new Map<number, Waiter>();
  /** The last arguments of each settings operation, for a new child. */
  private readonly settings = new Map<string, unknown[]>();
  /** What the running child held after its last call, bytes. */
  private childRss = 0;

  constructor(private readonly entry: string) {}

  async call(op: string, args: unknown[], here: () => Promise<unknown>): Promise<unknown> {
    if (SETTINGS_OPS.has(op)) this.settings.set(op, args);
    while (this.retiring) await this.retiring;
    const child = this.start(op);
    return this.send(child, op, args, here);
  }

  private send(
    child: ChildProcess,
    op: string,
    args: unknown[],
    here: () => Promise<unknown>,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.dispatch(child, { child, op, args, resolve, reject, here, resent: false });
    });
  }

  /** Give a call to `child` and wait for its reply there. */
  private dispatch(child: ChildProcess, waiter: Waiter): void {
    const id = this.next++;
    waiter.child = child;
    this.waiting.set(id, waiter);
    if (this.pendingOn(child) === 1) this.hold(child, true);
    try {
      child.send({ id, op: waiter.op, args: waiter.args } satisfies HostRequest, (error) => {
        if (!error || this.waiting.get(id) !== waiter) return;
        // The channel broke: the child is going. Its calls go to a new one.
        if (this.child === child) this.child = undefined;
        this.waiting.delete(id);
        this.runElsewhere(waiter, child);
      });
    } catch (error) {
      // Arguments that cannot cross to another process: a bug, reported as it is.
      this.waiting.delete(id);
      if (this.pendingOn(child) === 0) this.hold(child, false);
      waiter.reject(error as Error);
    }
  }

  private pendingOn(child: ChildProcess): number {
    let count = 0;
    for (const waiter of this.waiting.values()) if (waiter.child === child) count += 1;
    return count;
  }

  /** The running child, or a new one set up with the settings (but `op`, about to be sent). */
  private start(op: string): ChildProcess {
    if (this.child) return this.child;
    this.childRss = 0;
    const child = fork(this.entry, [], {
      env: { ...process.env, ...HOST_ENV, ...pickUserEnv(process.env) },
      // V8 without its optimising compilers: this process runs little JavaScript (pixels are
      // libvips' work), and it starts ~9 MiB smaller with no measurable cost to deriving.
      execArgv: ['--lite-mode'],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.on('message', (reply: HostReply) => this.settle(child, reply));
    // Could not be started (no memory to fork, no executable): the work is done here.
    child.on('error', () => this.lose(child, true));
    // Died (the kernel's out-of-memory killer, a crash on an image, a signal to it alone):
    // what it was doing goes to a new one, started at its smallest.
    child.on('exit', () => this.lose(child, false));
    this.child = child;
    this.hold(child, false);
    // A new child gets the settings the last one had, before any other call.
    for (const [setting, args] of this.settings) {
      if (setting !== op) this.send(child, setting, args, async () => undefined).catch(() => {});
    }
    return child;
  }

  /** `child` is gone: each call it had is done here, or goes to a new child. */
  private lose(child: ChildProcess, here: boolean): void {
    if (this.child === child) this.child = undefined;
    const orphans: Waiter[] = [];
    for (const [id, waiter] of this.waiting) {
      if (waiter.child !== child) continue;
      this.waiting.delete(id);
      orphans.push(waiter);
    }
    for (const waiter of orphans) {
      if (here) waiter.here().then(waiter.resolve, waiter.reject);
      else this.runElsewhere(waiter, child);
    }
  }

  /**
   * A call whose child died: sent once to a new child. Not done here, in this process, whose
   * malloc is not bounded: if memory ran out, this process would be killed next, and the build
   * with it, without a word. A call on which two children died is reported instead.
   */
  private runElsewhere(waiter: Waiter, dead: ChildProcess): void {
    if (waiter.resent) {
      waiter.reject(killedError(waiter.op, dead));
      return;
    }
    waiter.resent = true;
    const retry = async () => {
      while (this.retiring) await this.retiring;
      this.dispatch(this.start(waiter.op), waiter);
    };
    retry().catch(waiter.reject);
  }

  private settle(child: ChildProcess, reply: HostReply): void {
    const waiter = this.waiting.get(reply.id);
    if (!waiter) return;
    this.waiting.delete(reply.id);
    if (reply.error) waiter.reject(fromHostedError(reply.error));
    else waiter.resolve(reply.value);
    if (this.child === child && reply.rss !== undefined) {
      this.childRss = reply.rss;
      if (reply.rss > maxRss) this.retire(child);
    }
    if (this.pendingOn(child) === 0) {
      if (this.child === child) this.hold(child, false);
      else if (child.connected) child.disconnect();
    }
  }

  /** See releaseImageProcess. */
  release(): void {
    const child = this.child;
    if (!child || this.childRss <= releaseAboveRss) return;
    this.retire(child);
    if (this.pendingOn(child) === 0 && child.connected) child.disconnect();
  }

  /**
   * Stop giving `child` new calls: it ends once those it has are answered (it exits when
   * disconnected), and the next call waits for that, so two are never alive at once.
   */
  private retire(child: ChildProcess): void {
    this.child = undefined;
    // Calls wait for it to exit: until then it must keep this process alive.
    child.ref();
    this.retiring = new Promise<void>((done) => {
      const gone = () => {
        this.retiring = undefined;
        done();
      };
      if (child.exitCode !== null || child.signalCode !== null) gone();
      else child.once('exit', gone);
    });
  }

  /** An idle child must not keep the parent's event loop alive. */
  private hold(child: ChildProcess, busy: boolean): void {
    const channel = child.channel as { ref(): void; unref(): void } | null | undefined;
    if (busy) {
      child.ref();
      channel?.ref();
    } else {
      child.unref();
      channel?.unref();
    }
  }
}

/** A user's own settings win over the defaults above. */
function pickUserEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of Object.keys(HOST_ENV)) {
    const value = env[name];
    if (value !== undefined && value !== '') picked[name] = value;
  }
  return picked;
}

/**
 * Run a named sharp operation in the image process, or `here` when there is none (or this is
 * it). `args` must survive structured cloning (plain data, Uint8Arrays).
 */
export function hostedSharp<T>(op: string, args: unknown[], here: () => Promise<T>): Promise<T> {
  if (!useHost()) return here();
  if (!host) {
    const entry = hostEntry();
    if (!entry) return here();
    host = new SharpHost(entry);
  }
  return host.call(op, args, here) as Promise<T>;
}

/**
 * One kind of work is over (a run's decode checks): an image process holding more than a new
 * one would is ended, so its memory goes back now, and what comes next (deriving, in the same
 * build) starts from a new one instead of adding to what the checks left (~130 MiB after fifty
 * 2048-px images, against ~60 for a new process). Calls already sent finish first.
 */
export function releaseImageProcess(): void {
  host?.release();
}

/** The child's side: answer the parent's calls with these operations until it disconnects. */
export function serveSharpHost(operations: Record<string, Operation>): void {
  isHost = true;
  process.on('disconnect', () => process.exit(0));
  // Ctrl-C reaches the whole process group: the parent decides what stops (it may finish
  // storing paid images first), and this process ends when the parent does.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => undefined);
  process.on('message', (request: HostRequest) => {
    const operation = operations[request.op];
    const reply = (message: HostReply) => process.send?.(message);
    if (!operation) {
      reply({ id: request.id, error: { message: `unknown image operation ${request.op}` } });
      return;
    }
    (operation as (...args: unknown[]) => Promise<unknown>)(...request.args).then(
      (value) => reply({ id: request.id, value, rss: process.memoryUsage.rss() }),
      (error: unknown) =>
        reply({ id: request.id, error: toHostedError(error), rss: process.memoryUsage.rss() }),
    );
  });
}
