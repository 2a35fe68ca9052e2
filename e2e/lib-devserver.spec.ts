import { resolve } from 'node:path'
import { expect, test } from '@playwright/test'
import { createServer, type ViteDevServer } from 'vite'
import { openPeer } from './lib-harness/pages.ts'

// `npm run dev` serves CommonJS dependencies (simple-peer and its readable-stream) pre-bundled by
// Vite's dep optimizer, not as the production build bundles them: web/lib's Node-globals shim must
// work there too. The harness page under the Vite dev server makes a real WebRTC offer.

let server: ViteDevServer

test.beforeAll(async () => {
  server = await createServer({
    configFile: false,
    root: resolve(import.meta.dirname, '../web/harness'),
    logLevel: 'warn',
    server: { port: 0, host: '127.0.0.1' },
    cacheDir: resolve(import.meta.dirname, '../node_modules/.vite-harness'),
  })
  await server.listen()
})
test.afterAll(async () => {
  await server?.close()
})

test('web/lib loads under the Vite dev server and simple-peer makes an offer', async ({ browser }) => {
  test.setTimeout(90_000)
  const url = server.resolvedUrls!.local[0]!
  const p = await openPeer(browser, url)
  try {
    const offers = await p.page.evaluate(async () => {
      const pool = new window.swarmdropHarness.peerPool.PeerPool()
      const made = await pool.makeOffers('D'.repeat(20), 2)
      pool.destroy()
      return made.map((o) => ({ type: o.offer.type, hasCandidates: /a=candidate/.test(o.offer.sdp), idLength: o.offerId.length }))
    })
    expect(offers).toEqual([
      { type: 'offer', hasCandidates: true, idLength: 20 },
      { type: 'offer', hasCandidates: true, idLength: 20 },
    ])
  } finally {
    await p.context.close()
  }
})
