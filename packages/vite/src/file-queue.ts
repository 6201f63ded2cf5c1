/** Runs tasks per content file in order: a task starts after every earlier one for its files. */
export interface FileQueue {
  run<T>(files: string[], task: () => Promise<T>): Promise<T>;
}

/**
 * Dev: a placeholder being stored and a paid generation of the same prompt must not race to
 * write one key, so runs for one file never overlap.
 */
export function createFileQueue(): FileQueue {
  /** Per content file, the run in progress. */
  const fileRuns = new Map<string, Promise<unknown>>();
  return {
    run(files, task) {
      const earlier = files.map((file) => fileRuns.get(file)?.catch(() => undefined));
      const run = Promise.all(earlier).then(task);
      const settled = run.then(
        () => undefined,
        () => undefined,
      );
      for (const file of files) fileRuns.set(file, settled);
      void settled.then(() => {
        for (const file of files) if (fileRuns.get(file) === settled) fileRuns.delete(file);
      });
      return run;
    },
  };
}
