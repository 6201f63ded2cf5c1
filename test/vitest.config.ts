import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'e2e',
    include: ['**/*.test.ts'],
    exclude: ['bench/**', 'fixtures/**', 'node_modules/**', '.tmp/**'],
    testTimeout: 240_000,
    hookTimeout: 240_000,
  },
});
