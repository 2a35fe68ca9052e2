import { expect, test } from '@playwright/test'
import config from '../playwright.config.ts'
import { RELAY_CHROMIUM_ARGS, routeThroughRelay } from '../bench/network/page-rewrite.ts'
import { startRelayProcess, type RelayHandle } from '../bench/network/relay-process.ts'
import { closeChannel, connectPools, transfer } from './lib-harness/channel-pair.ts'
import { buildHarness } from './lib-harness/build.ts'
import { openPeer, type HarnessPeer } from './lib-harness/pages.ts'
import { serveStatic, type Running } from './lib-harness/servers.ts'

// The benchmark's network-conditions harness (bench/network) in real Chromium: two contexts whose
// remote ICE candidates are rewritten to the relay's stand-ins, the app's own PeerPool (simple-peer)
// connecting through it. Delay is measured over the data channel; loss is counted by the relay and
// repaired by SCTP (the bytes arrive intact).

test.use({ launchOptions: { ...config.use?.launchOptions, args: [...(config.use?.launchOptions?.args ?? []), ...RELAY_CHROMIUM_ARGS] } })

const ONE_WAY_MS = 25
let site: Running
let relay: RelayHandle
let a: HarnessPeer
let b: HarnessPeer

test.beforeAll(async ({ browser }) => {
  site = await serveStatic(await buildHarness())
  relay = await startRelayProcess({ delayMs: ONE_WAY_MS, jitterMs: 0, loss: 0.02 }, 9)
  const viaRelay = (context: Parameters<typeof routeThroughRelay>[0]) => routeThroughRelay(context, relay)
  a = await openPeer(browser, site.url, viaRelay)
  b = await openPeer(browser, site.url, viaRelay)
})

test.afterAll(async () => {
  await a?.context.close()
  await b?.context.close()
  await relay?.close()
  await site?.close()
})

test('peers connect only through the relay: a round trip over the channel takes the set delay, and lost datagrams are repaired', async () => {
  await connectPools(a, b)
  // Echo one byte B -> A back: each round trip crosses the relay twice (2 x 25 ms at least).
  await b.page.evaluate(async () => {
    const t = (await window.scratch['transport']) as { onData: ((c: Uint8Array) => void) | null; write(b: Uint8Array): boolean }
    t.onData = (c) => void t.write(c)
  })
  const rtts = await a.page.evaluate(async () => {
    const t = (await window.scratch['transport']) as { onData: ((c: Uint8Array) => void) | null; write(b: Uint8Array): boolean }
    const out: number[] = []
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now()
      await new Promise<void>((ok) => {
        t.onData = () => ok()
        t.write(new Uint8Array([i]))
      })
      out.push(performance.now() - t0)
    }
    t.onData = null
    return out
  })
  for (const rtt of rtts) expect(rtt).toBeGreaterThanOrEqual(2 * ONE_WAY_MS - 1)
  await b.page.evaluate(async () => {
    ;((await window.scratch['transport']) as { onData: unknown }).onData = null
  })

  const before = await relay.stats()
  expect((await transfer(a, b, 2 * 1024 * 1024)).intact).toBe(true)
  const after = await relay.stats()
  const sum = (s: typeof after, k: 'datagrams' | 'lost') => s.links.reduce((n, l) => n + l.counters[k], 0)
  // The 2 MiB crossed the relay (at least one datagram per ~1.2 kB) and some of it was dropped there.
  expect(sum(after, 'datagrams') - sum(before, 'datagrams')).toBeGreaterThan((2 * 1024 * 1024) / 1300)
  expect(sum(after, 'lost') - sum(before, 'lost')).toBeGreaterThan(0)
  await closeChannel(a, b)
})
