/**
 * What crosses between herogen and its image process (image/sharp-process.ts): the messages,
 * errors as they travel, and the error for a call on which the process died twice.
 */
import type { ChildProcess } from 'node:child_process';
import { HerogenError, type HerogenErrorCode } from '../errors.js';

/** What the parent sends: one call of a named operation. */
export interface HostRequest {
  id: number;
  op: string;
  args: unknown[];
}

/** An error as it crosses the process boundary (HerogenError's code and hint survive). */
export interface HostedError {
  message: string;
  code?: HerogenErrorCode;
  /** A system error's code (ENOENT…) for a plain Error. */
  errno?: string;
  hint?: string;
  cause?: string;
}

export interface HostReply {
  id: number;
  value?: unknown;
  error?: HostedError;
  /** The child's resident set size once the call was done, bytes. */
  rss?: number;
}

export function toHostedError(error: unknown): HostedError {
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

export function fromHostedError(error: HostedError): Error {
  if (!error.code)
    return Object.assign(new Error(error.message), error.errno ? { code: error.errno } : {});
  return new HerogenError(error.code, error.message, {
    ...(error.hint !== undefined ? { hint: error.hint } : {}),
    ...(error.cause !== undefined ? { cause: new Error(error.cause) } : {}),
  });
}

/** What each operation does, for a message. */
const OPERATION_NAMES: Record<string, string> = {
  analyze: 'reading an original',
  configure: 'setting up libvips',
  convert: 'converting an image',
  encode: 'encoding a derivative',
  encodeTo: 'encoding a derivative',
  inspect: 'checking a new image',
};

export function killedError(op: string, child: ChildProcess): HerogenError {
  const how = child.signalCode
    ? `was killed (${child.signalCode})`
    : `exited (code ${child.exitCode})`;
  return new HerogenError(
    'IMAGE_PROCESS_KILLED',
    `herogen's image process ${how} while ${OPERATION_NAMES[op] ?? op}, twice in a row.`,
    {
      hint:
        child.signalCode === 'SIGKILL'
          ? "This is most often the system's out-of-memory killer: give the build more memory (a container's limit; herogen's image work needs about 200 MiB on top of the build), or derive fewer images at once."
          : 'Run the build again; if it keeps failing on the same image, delete that original so it is generated again.',
    },
  );
}
