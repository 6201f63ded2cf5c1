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
 * started (no built entry point, `HEROGEN_SHARP_PROCESS=0`), the same work runs in-process.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { HerogenError, type HerogenErrorCode } from '../errors.js';

/** What the parent sends: one call of a named operation. */
interface HostRequest {
  id: number;
  op: string;
  args: unknown[];
}

/** An error as it crosses the process boundary (HerogenError's code and hint survive). */
interface HostedError {
  message: string;
  code?: HerogenErrorCode;
  /** A system error's code (ENOENT…) for a plain Error. */
  errno?: string;
  hint?: string;
  cause?: string;
}

interface HostReply {
  id: number;
  value?: unknown;
  error?: HostedError;
}

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

/** True inside the child: hosted operations then run right here. */
let isHost = false;
let host: SharpHost | undefined;

function glibcRuntime(): boolean {
  if (process.platform !== 'linux') return false;
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } };
  return typeof report?.header?.glibcVersionRuntime === 'string';
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

function toHostedError(error: unknown): HostedError {
  if (HerogenError.is(error)) {
    const cause = error.cause instanceof Error ? error.cause.message : undefined;
    return {
      message: error.message,
      code: error.code,
      ...(error.hint !== undefined ? { hint: error.hint } : {}),
      ...(cause !== undefined ? { cause } : {}),
    };
  }
  const errno = (error as { code?: unknown } | null)?.code;
  return {
    message: error instanceof Error ? error.message : String(error),
    ...(typeof errno === 'string' ? { errno } : {}),
  };
}

function fromHostedError(error: HostedError): Error {
  if (!error.code)
    return Object.assign(new Error(error.message), error.errno ? { code: error.errno } : {});
  return new HerogenError(error.code, error.message, {
    ...(error.hint !== undefined ? { hint: error.hint } : {}),
    ...(error.cause !== undefined ? { cause: new Error(error.cause) } : {}),
  });
}

/** A Uint8Array that came through the channel, as the Buffer the in-process call returns. */
export function asBuffer(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.length);
}

class SharpHost {
  private child: ChildProcess | undefined;
  private next = 1;
  private readonly waiting = new Map<
    number,
    {
      resolve: (value: unknown) => void;
      reject: (error: Error) => void;
      here: () => Promise<unknown>;
    }
  >();

  constructor(private readonly entry: string) {}

  call(op: string, args: unknown[], here: () => Promise<unknown>): Promise<unknown> {
    const child = this.start();
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, here });
      if (this.waiting.size === 1) this.hold(child, true);
      child.send({ id, op, args } satisfies HostRequest, (error) => {
        const waiter = error ? this.waiting.get(id) : undefined;
        if (!waiter) return;
        this.waiting.delete(id);
        waiter.here().then(resolve, reject);
      });
    });
  }

  private start(): ChildProcess {
    if (this.child) return this.child;
    const child = fork(this.entry, [], {
      env: { ...process.env, ...HOST_ENV, ...pickUserEnv(process.env) },
      execArgv: [],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.on('message', (reply: HostReply) => this.settle(reply));
    // Killed (out of memory, a signal to it alone): what it was doing is done here instead,
    // and the next call starts a new one.
    const lost = () => {
      if (this.child !== child) return;
      this.child = undefined;
      for (const { resolve, reject, here } of this.waiting.values()) here().then(resolve, reject);
      this.waiting.clear();
    };
    child.on('error', lost);
    child.on('exit', lost);
    this.child = child;
    this.hold(child, false);
    return child;
  }

  private settle(reply: HostReply): void {
    const waiter = this.waiting.get(reply.id);
    if (!waiter) return;
    this.waiting.delete(reply.id);
    if (reply.error) waiter.reject(fromHostedError(reply.error));
    else waiter.resolve(reply.value);
    if (this.waiting.size === 0 && this.child) this.hold(this.child, false);
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
      (value) => reply({ id: request.id, value }),
      (error: unknown) => reply({ id: request.id, error: toHostedError(error) }),
    );
  });
}
