import { defineConfig } from 'vite'
import { svelte } from '@sveltejs/vite-plugin-svelte'

// The web app lives in web/; the tracker process serves dist/web (see tracker/static.ts).
export default defineConfig({
  root: 'web',
  plugins: [svelte()],
  build: { outDir: '../dist/web', emptyOutDir: true, target: 'es2022', sourcemap: true },
  server: { port: 5173 },
})
