import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { HerogenError } from '../errors.js';
import { cachePath } from '../fs/project-layout.js';
import { isCacheKey } from '../key/cache-key.js';
import { acquireFileLock } from './file-lock.js';

/** Where per-key claims live for a project: cheap, never committed. */
export function resolveClaimDir(root: string): string {
  return cachePath(root, 'claims');
}

export interface ClaimOptions {
  /** Claim directory. @default resolveClaimDir(root) */
  dir?: string;
  /**
   * Wait this long for another process that holds the claim (it is generating the same
   * image), then give up. `0` tries once. @default 900_000 (15 min: a slow 4K task)
   */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** A holder silent this long is presumed dead and its claim taken over. @default 10_000 */
  staleMs?: number;
}

/** The exclusive right to generate and store one key. */
export interface KeyClaim {
  readonly key: string;
  /**
   * True when another process held the claim first: it may have stored the image meanwhile,
   * so re-read the lock before paying.
   */
  readonly waited: boolean;
  /** Set when the claim was lost while held (this process stalled past `staleMs`). */
  readonly compromised: Error | undefined;
  release(): Promise<void>;
}

/**
 * Claim `key` across processes so two builds never pay twice for it. Waits while another live
 * process holds it; takes over the claim of a process that died. Resolves `null` when
 * `timeoutMs` runs out; throws `ABORTED` when the signal fires.
 *
 * Use: claim → re-read the lock → stored already? release and skip : generate, store, release.
 */
export async function claimKey(
  root: string,
  key: string,
  options: ClaimOptions = {},
): Promise<KeyClaim | null> {
  const dir = options.dir ?? resolveClaimDir(root);
  if (!isCacheKey(key)) {
    throw new HerogenError('INTERNAL', `claimKey: "${key}" is not a cache key.`);
  }
  try {
    await mkdir(dir, { recursive: true });
    const hold = await acquireFileLock(join(dir, key), {
      timeoutMs: options.timeoutMs ?? 900_000,
      staleMs: options.staleMs ?? 10_000,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (!hold) return null;
    return {
      key,
      waited: hold.waited,
      get compromised() {
        return hold.compromised;
      },
      release: () => hold.release(),
    };
  } catch (error) {
    if (HerogenError.is(error)) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new HerogenError('STORE_IO', `Cannot claim image ${key} in ${dir} (${code}).`, {
      cause: error,
      hint: 'Check that node_modules/.cache is writable.',
    });
  }
}

/**
 * Run `fn` while holding the claim on `key`, releasing it afterwards whatever happens.
 * Throws `TIMEOUT` when the claim stays held by another process for `timeoutMs`.
 */
export async function withKeyClaim<T>(
  root: string,
  key: string,
  options: ClaimOptions,
  fn: (claim: KeyClaim) => Promise<T>,
): Promise<T> {
  const dir = options.dir ?? resolveClaimDir(root);
  const claim = await claimKey(root, key, { ...options, dir });
  if (!claim) {
    const seconds = Math.round((options.timeoutMs ?? 900_000) / 1000);
    throw new HerogenError(
      'TIMEOUT',
      `Waited ${seconds}s for another herogen process that is generating image ${key}; giving up.`,
      {
        retryable: true,
        hint: `Run the build again once the other one finishes. If none is running, delete ${join(dir, `${key}.lock`)}.`,
      },
    );
  }
  try {
    return await fn(claim);
  } finally {
    await claim.release();
  }
}
