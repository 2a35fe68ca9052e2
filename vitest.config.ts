import { defineConfig } from 'vitest/config'

// Unit tests run in Node: shared/ (protocol core, engine), tracker/, node/ (the Node peer), cli/, and the pure modules of web/lib and
// webrtc/ are tested without a browser (their browser parts have Playwright specs: e2e/lib-*.spec.ts).
export default defineConfig({
  test: {
    include: ['shared/**/*.test.ts', 'bench/**/*.test.ts', 'tracker/**/*.test.ts', 'cli/**/*.test.ts', 'web/**/*.test.ts', 'webrtc/**/*.test.ts', 'node/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    pool: 'forks',
  },
})
