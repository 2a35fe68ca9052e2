import { copyFile, mkdir } from 'node:fs/promises'
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
  })
    // WebTorrent's browser bundle, for the interop spec: the page imports /vendor/webtorrent.min.js.
    .then(() => mkdir(resolve(harnessDir, 'vendor'), { recursive: true }))
    .then(() => copyFile(resolve(import.meta.dirname, '../../node_modules/webtorrent/dist/webtorrent.min.js'), resolve(harnessDir, 'vendor/webtorrent.min.js')))
    .then(() => harnessDir)
  return built
}
