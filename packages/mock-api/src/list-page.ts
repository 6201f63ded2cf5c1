/** Paging of OpenAI's list endpoints (`GET /v1/files`, `GET /v1/batches`): `limit` and `after`. */

/** `limit` in `1..max` (`fallback` when absent), or why not. */
export function listLimit(raw: string | null, max: number, fallback = max): number | string {
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > max) {
    return `Invalid 'limit': expected an integer between 1 and ${max}, but got '${raw}'.`;
  }
  return value;
}

/** The `limit` items after the one with id `after` (from the start when absent or unknown). */
export function pageAfter<T extends { id: string }>(
  items: T[],
  after: string | null,
  limit: number,
) {
  const start = after === null ? 0 : items.findIndex((i) => i.id === after) + 1;
  const rest = items.slice(start);
  return { items: rest.slice(0, limit), hasMore: rest.length > limit };
}
