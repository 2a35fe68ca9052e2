import { existsSync, readdirSync, rmSync } from 'node:fs'
import { copyFile, mkdir } from 'node:fs/promises'
import { resolve } from 'node:path'
import { build } from 'vite'
import { serviceWorker } from '../../web/sw-build.ts'

// Builds web/harness (the page that exposes web/lib to the specs) once per test process. A separate
// build keeps the app's dist/web free of test code. Each process builds into its own folder
// (dist/harness/p<pid>): a spec run and a benchmark run side by side must not empty each other's
// assets while pages are loading them (a worker script that vanished mid-test did exactly that).

const harnessRoot = resolve(import.meta.dirname, '../../dist/harness')
export const harnessDir = resolve(harnessRoot, `p${process.pid}`)
let built: Promise<string> | null = null

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0) // signal 0: a liveness check, nothing is sent
    return true
  } catch {
    return false
  }
}

/** Remove the folders of test processes that have ended without cleaning up (killed). */
function pruneStale(): void {
  if (!existsSync(harnessRoot)) return
  for (const name of readdirSync(harnessRoot)) {
    const m = /^p(\d+)$/.exec(name)
    if (m && !isRunning(Number(m[1]))) rmSync(resolve(harnessRoot, name), { recursive: true, force: true })
  }
}

export function buildHarness(): Promise<string> {
  built ??= (async () => {
    pruneStale()
    await build({
      configFile: false,
      root: resolve(import.meta.dirname, '../../web/harness'),
      logLevel: 'warn',
      build: { outDir: harnessDir, emptyOutDir: true, target: 'es2022', sourcemap: true, minify: false },
      // The stream service worker at /sw.js, as the app has it (play while downloading, bench:media).
      plugins: [serviceWorker(harnessDir)],
    })
    // WebTorrent's browser bundle, for the interop spec: the page imports /vendor/webtorrent.min.js.
    await mkdir(resolve(harnessDir, 'vendor'), { recursive: true })
    await copyFile(resolve(import.meta.dirname, '../../node_modules/webtorrent/dist/webtorrent.min.js'), resolve(harnessDir, 'vendor/webtorrent.min.js'))
    // WebTorrent's streaming service worker, at the root so that it may control the whole page (bench:media).
    await copyFile(resolve(import.meta.dirname, '../../node_modules/webtorrent/dist/sw.min.js'), resolve(harnessDir, 'webtorrent-sw.js'))
    process.once('exit', () => rmSync(harnessDir, { recursive: true, force: true }))
    return harnessDir
  })()
  return built
}
