/** What storing an original takes, and the shapes its steps share. */
import { HerogenError } from '../errors.js';
import type { UpdateLockOptions } from '../lock/update-lock.js';
import type { GeneratedImage, GenerationRequest, ImageFormat, Logger } from '../types.js';
import type { ExpectedDimensions } from './expected-size.js';

export interface StoreOriginalOptions {
  /** Absolute project root; nothing is written outside it. */
  root: string;
  /** Originals directory, root-relative or absolute (inside the root). */
  outDir: string;
  key: string;
  request: GenerationRequest;
  image: GeneratedImage;
  /** `herogen.lock.json`, root-relative or absolute (inside the root). */
  lockPath: string;
  /** Size the image must have; default: from the request's `size` (exact) or `aspect` (±2%). */
  expected?: ExpectedDimensions;
  /** Store as a stand-in, not a real generation (offline art, or after a failure). */
  placeholder?: { reason?: string };
  /** The frontmatter fields that asked for this image (kept with any the lock already has). */
  fields?: Readonly<Record<string, 'hero' | 'image'>>;
  /** Receives notes such as a format conversion. */
  logger?: Logger;
  now?: () => Date;
  /**
   * Rejected bytes are kept here so nothing paid for is thrown away unseen; `false` keeps
   * nothing. @default `<root>/node_modules/.cache/herogen/rejected`
   */
  rejectedDir?: string | false;
  lock?: UpdateLockOptions;
  /**
   * Record the entry in the lock. `false` writes the file only (a stand-in the lock should not
   * remember, e.g. in frozen mode) and returns the entry it would have recorded. @default true
   */
  recordInLock?: boolean;
  /**
   * Write the received bytes to the write-ahead journal before anything else, so a crash
   * before the lock is updated loses nothing (the next run records them). @default true for
   * real images recorded in the lock; `false` for stand-ins and when recovering a journal.
   */
  journal?: boolean;
}

/** An image that passed the checks, in the format it is stored in. */
export interface CheckedImage {
  bytes: Uint8Array;
  format: ImageFormat;
  width: number;
  height: number;
}

export function storeIoError(what: string, error: unknown): HerogenError {
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new HerogenError('STORE_IO', `${what} (${code}).`, {
    cause: error,
    hint: 'Check that the originals directory is writable and the disk is not full.',
  });
}
