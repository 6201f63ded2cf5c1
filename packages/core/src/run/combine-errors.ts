import { formatError, HerogenError } from '../errors.js';

/** Many located problems → one error whose message lists each on its own line. */
export function combineErrors(errors: readonly HerogenError[], what: string): HerogenError {
  const [first] = errors;
  if (errors.length === 1 && first) return first;
  const lines = errors.map((error) => `  - ${formatError(error).replace(/\n/g, '\n    ')}`);
  return new HerogenError(
    first?.code ?? 'CONTENT_INVALID',
    `${errors.length} problems in ${what}:\n${lines.join('\n')}`,
    { ...(first?.location ? { location: first.location } : {}), cause: errors },
  );
}
