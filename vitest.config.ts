import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*', 'test'],
    reporters: ['default', './test/reporters/plain-summary.ts'],
  },
});
