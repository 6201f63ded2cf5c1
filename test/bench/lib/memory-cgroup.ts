/**
 * A memory cgroup to run a benchmark's process in, as a container with a memory limit runs it:
 * the kernel counts every page of the processes inside once (shared code too), reclaims page
 * cache under the limit, and OOM-kills a process when what cannot be reclaimed would pass it.
 * Swap is off inside, as in most CI containers. Needs root and a writable cgroup hierarchy
 * (v2, or v1's memory controller).
 */
import { existsSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

export interface MemoryCgroup {
  /** The command and arguments that run `command` inside the cgroup. */
  wrap(command: string, args: readonly string[]): [string, string[]];
  /** The most the cgroup held at once (bytes), and how many processes the kernel killed. */
  read(): { peakBytes: number; oomKills: number };
  /** Remove the cgroup; every process in it must have exited. */
  remove(): void;
}

/** Where a hierarchy keeps a cgroup's files, and which of them say what. */
interface Layout {
  root: string;
  /** Written in order once the cgroup exists; a file the kernel lacks is skipped. */
  settings: [file: string, value: string][];
  peak: string;
  /** Holds `oom_kill N`. */
  events: string;
}

function layoutHere(limitBytes: number): Layout | undefined {
  const limit = String(limitBytes);
  const v2 = readOptional('/sys/fs/cgroup/cgroup.controllers')?.split(/\s+/);
  if (v2?.includes('memory')) {
    return {
      root: '/sys/fs/cgroup',
      settings: [
        ['memory.max', limit],
        ['memory.swap.max', '0'],
      ],
      peak: 'memory.peak',
      events: 'memory.events',
    };
  }
  if (existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes')) {
    return {
      root: '/sys/fs/cgroup/memory',
      // Memory plus swap at the same limit: no swap.
      settings: [
        ['memory.limit_in_bytes', limit],
        ['memory.memsw.limit_in_bytes', limit],
      ],
      peak: 'memory.max_usage_in_bytes',
      events: 'memory.oom_control',
    };
  }
  return undefined;
}

/** A new cgroup limited to `limitBytes`, or the reason there cannot be one here. */
export async function createMemoryCgroup(
  name: string,
  limitBytes: number,
): Promise<MemoryCgroup | string> {
  if (process.getuid?.() !== 0) return 'creating a cgroup needs root';
  const layout = layoutHere(limitBytes);
  if (!layout) return 'no cgroup memory controller here';
  const dir = path.join(layout.root, name);
  try {
    // cgroup v2: the memory controller must be handed down to the new cgroup by its parent.
    if (layout.root === '/sys/fs/cgroup') {
      writeFileSync(path.join(layout.root, 'cgroup.subtree_control'), '+memory');
    }
    await mkdir(dir);
    for (const [file, value] of layout.settings) {
      if (existsSync(path.join(dir, file))) writeFileSync(path.join(dir, file), value);
    }
  } catch (error) {
    return `the cgroup hierarchy is not writable here (${(error as Error).message})`;
  }
  return {
    wrap: (command, args) => wrapIn(dir, command, args),
    read: () => ({
      peakBytes: Number(readOptional(path.join(dir, layout.peak)) ?? Number.NaN),
      oomKills: counter(readOptional(path.join(dir, layout.events)), 'oom_kill'),
    }),
    remove: () => rmdirSync(dir),
  };
}

/** A shell that moves itself into the cgroup, then becomes the command. */
function wrapIn(dir: string, command: string, args: readonly string[]): [string, string[]] {
  return ['/bin/sh', ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', dir, command, ...args]];
}

function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** `name N` from a flat keyed file (memory.events, memory.oom_control). */
function counter(text: string | undefined, name: string): number {
  const match = text?.match(new RegExp(`^${name} (\\d+)$`, 'm'));
  return match ? Number(match[1]) : 0;
}
