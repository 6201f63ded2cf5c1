/** Documented in the CLI README; scripts depend on them, so never renumber. */
export const EXIT = {
  OK: 0,
  /** Some image failed, or `check`/`verify` found a problem. */
  FAILED: 1,
  /** Bad config, content, lock or command-line usage: nothing was generated. */
  INVALID: 2,
  /** The budget would be exceeded: refused before any call. */
  BUDGET: 3,
  /** Stopped by Ctrl-C (what had arrived was stored). */
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
