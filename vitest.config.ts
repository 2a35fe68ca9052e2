import { defineConfig } from 'vitest/config'

// Unit tests run in Node: shared/ (protocol core, engine) and tracker/ are tested without a browser.
export default defineConfig({
  test: {
    include: ['shared/**/*.test.ts', 'tracker/**/*.test.ts', 'cli/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    pool: 'forks',
  },
})
