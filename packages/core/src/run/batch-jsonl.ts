/**
 * The lines of a JSONL file on disk, read one at a time and each parsed when called (`undefined`
 * when it is not JSON). Read from a stream and split on the bytes, so a batch output file of
 * gigabytes of base64 images is never held whole: only the lines being stored are in memory.
 */
import { createReadStream } from 'node:fs';

function parser(line: Buffer): () => unknown {
  return () => {
    try {
      return JSON.parse(line.toString('utf8'));
    } catch {
      // A damaged line is reported through the key it leaves unanswered.
      return undefined;
    }
  };
}

/** Each line of the file at `path` (blank lines skipped), pulled as the caller asks for it. */
export async function* jsonlFileLines(path: string): AsyncGenerator<() => unknown> {
  let pending: Buffer[] = [];
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let end = chunk.indexOf(0x0a); end !== -1; end = chunk.indexOf(0x0a, start)) {
      pending.push(chunk.subarray(start, end));
      const line = Buffer.concat(pending);
      pending = [];
      start = end + 1;
      if (line.length >= 2) yield parser(line);
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  const last = Buffer.concat(pending);
  if (last.length >= 2) yield parser(last);
}

/**
 * Run `fn` on each item, at most `limit` at once, pulling the next item only when a slot is
 * free. The first failure stops the reading and is thrown once the running calls settle.
 */
export async function forEachLimited<T>(
  items: AsyncIterable<T>,
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  for await (const item of items) {
    if (failure) break;
    const task: Promise<void> = fn(item)
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => running.delete(task));
    running.add(task);
    if (running.size >= limit) await Promise.race(running);
  }
  await Promise.all(running);
  if (failure) throw failure.error;
}
