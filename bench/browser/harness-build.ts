import { resolve } from 'node:path'
import { build } from 'vite'

// The harness page (web/harness), built for the benchmark into its own folder. Not
// e2e/lib-harness/build.ts's dist/harness: every e2e run rebuilds that one with emptyOutDir, and a
// test run started during a benchmark deleted the page's worker and modules under it (measured:
// "OPFS worker failed", pages never ready). Same build settings otherwise.

export const benchHarnessDir = resolve(import.meta.dirname, '../../dist/bench-harness')

export async function buildBenchHarness(): Promise<string> {
  await build({
    configFile: false,
    root: resolve(import.meta.dirname, '../../web/harness'),
    logLevel: 'warn',
    build: { outDir: benchHarnessDir, emptyOutDir: true, target: 'es2022', sourcemap: true, minify: false },
  })
  return benchHarnessDir
}
