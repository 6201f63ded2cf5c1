import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

/** True when a process with this pid exists (EPERM means it exists but is not ours). */
export function isProcessAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let namespace: string | undefined | null = null;

/**
 * Where a pid means something: the host name plus, on Linux, the pid namespace (two containers
 * sharing a volume may reuse each other's pids). A pid from another place is never judged dead.
 */
export function processScope(): string {
  if (namespace === null) {
    try {
      namespace = readlinkSync('/proc/self/ns/pid');
    } catch {
      namespace = undefined;
    }
  }
  return namespace ? `${hostname()} ${namespace}` : hostname();
}
