import { resolve } from 'node:path'
import { build, type Plugin } from 'vite'

// Builds the streaming service worker (web/sw.ts) on its own, after the page, into one classic
// script at <outDir>/sw.js. On its own: in the page's build it would share chunks with the page
// (the limits, the stream protocol) and become an ES module importing them, and module service
// workers are not available in every browser. At the root: a service worker controls its own
// folder and below. In `vite` dev the page registers /sw.ts as a module worker instead.
export function serviceWorker(outDir: string): Plugin {
  return {
    name: 'swarmdrop-service-worker',
    apply: 'build',
    async closeBundle() {
      await build({
        configFile: false,
        logLevel: 'warn',
        build: {
          outDir,
          emptyOutDir: false,
          target: 'es2022',
          sourcemap: true,
          lib: { entry: resolve(import.meta.dirname, 'sw.ts'), formats: ['iife'], name: 'swarmdropStreamWorker', fileName: () => 'sw.js' },
        },
      })
    },
  }
}
