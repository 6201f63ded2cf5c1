import { errorOptions, HerogenError } from '../errors.js';
import { printablePath } from '../text/printable.js';
import type { Job } from '../types.js';

/** Attach the content files that use this image, so every failure names them. */
export function withSourceLocation(job: Job, error: HerogenError): HerogenError {
  if (error.location) return error;
  const first = job.sources[0];
  const files = job.sources.map((source) => printablePath(source.file)).join(', ');
  return new HerogenError(error.code, `${error.message} (used by ${files})`, {
    ...errorOptions(error),
    cause: error.cause ?? error,
    ...(first ? { location: { file: first.file, line: first.line, field: first.field } } : {}),
  });
}

export function asHerogenError(error: unknown): HerogenError {
  if (HerogenError.is(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new HerogenError('INTERNAL', message, { cause: error });
}
