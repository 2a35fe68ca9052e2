import { resolve } from 'node:path'
import { build } from 'vite'

// Builds web/harness (the page that exposes web/lib to the specs) into dist/harness, once per test
// process. A separate build keeps the app's dist/web free of test code.

export const harnessDir = resolve(import.meta.dirname, '../../dist/harness')
let built: Promise<string> | null = null

export function buildHarness(): Promise<string> {
  built ??= build({
    configFile: false,
    root: resolve(import.meta.dirname, '../../web/harness'),
    logLevel: 'warn',
    build: { outDir: harnessDir, emptyOutDir: true, target: 'es2022', sourcemap: true, minify: false },
  }).then(() => harnessDir)
  return built
}
