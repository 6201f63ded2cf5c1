/**
 * Runs `task` for batches of items, one batch at a time: items requested while a batch runs
 * are collected into the next one. Each caller's promise settles when the batch holding its
 * items has finished.
 */
export function createSerialBatch<T>(
  task: (items: T[]) => Promise<void>,
): (items: T[]) => Promise<void> {
  let running: Promise<void> = Promise.resolve();
  let queued: { items: Set<T>; done: Promise<void> } | undefined;

  return (items) => {
    if (queued) {
      for (const item of items) queued.items.add(item);
      return queued.done;
    }
    const batch = { items: new Set(items), done: Promise.resolve() };
    batch.done = running.then(() => {
      queued = undefined;
      return task([...batch.items]);
    });
    queued = batch;
    // The next batch waits for this one whether it succeeds or fails.
    running = batch.done.catch(() => {});
    return batch.done;
  };
}
