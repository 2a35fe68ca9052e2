import { resolve } from 'node:path'
import { defineConfig } from 'vite'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { serviceWorker } from './web/sw-build.ts'

// The web app lives in web/; the tracker process serves dist/web (see tracker/static.ts). The
// streaming service worker is built beside it as dist/web/sw.js (web/sw-build.ts says why apart).
const outDir = resolve(import.meta.dirname, 'dist/web')

export default defineConfig({
  root: 'web',
  plugins: [svelte(), serviceWorker(outDir)],
  build: { outDir, emptyOutDir: true, target: 'es2022', sourcemap: true },
  server: { port: 5173 },
})
