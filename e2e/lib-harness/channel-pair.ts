import type { HarnessPeer } from './pages.ts'

// Two harness pages joined by one data channel (or several connections, each with one), signalled through Node (no tracker): through two
// PeerPools (simple-peer, what the app uses) or as a bare RTCDataChannel. The transport ends up in
// `window.scratch.transport` of both pages. Used by the transport specs and the benchmarks.

const HASH = 'H'.repeat(20)

/** Connect A (offers) to B (answers) through two PeerPools; returns after both transports opened. */
export async function connectPools(a: HarnessPeer, b: HarnessPeer, limitsB: Record<string, number> = {}): Promise<void> {
  const offers = await a.page.evaluate(async (hash) => {
    const h = window.swarmdropHarness
    const pool = new h.peerPool.PeerPool()
    window.scratch['pool'] = pool
    window.scratch['transport'] = new Promise((ok) => (pool.onPeer = (_h, _p, t) => ok(t)))
    return pool.makeOffers(hash, 1)
  }, HASH)
  const offer = offers[0]
  if (offers.length !== 1 || !offer) throw new Error(`expected one offer, got ${offers.length}`)
  const answer = await b.page.evaluate(
    async ({ hash, offer, limitsB }) => {
      const h = window.swarmdropHarness
      const pool = new h.peerPool.PeerPool({ limits: limitsB })
      window.scratch['pool'] = pool
      window.scratch['transport'] = new Promise((ok) => (pool.onPeer = (_h, _p, t) => ok(t)))
      return pool.answerOffer(hash, 'A'.repeat(20), offer.offerId, offer.offer)
    },
    { hash: HASH, offer, limitsB },
  )
  if (answer?.type !== 'answer') throw new Error(`expected an answer, got ${JSON.stringify(answer)}`)
  await a.page.evaluate(({ hash, offerId, answer }) => {
    const pool = window.scratch['pool'] as InstanceType<typeof window.swarmdropHarness.peerPool.PeerPool>
    pool.acceptAnswer(hash, 'B'.repeat(20), offerId, answer)
  }, { hash: HASH, offerId: offer.offerId, answer })
  await Promise.all([a.page.evaluate(() => window.scratch['transport']), b.page.evaluate(() => window.scratch['transport'])])
}

/** Open a raw RTCDataChannel pair (no simple-peer) between A and B, kept under `key` in both pages' scratch. */
export async function connectRaw(a: HarnessPeer, b: HarnessPeer, key = 'transport'): Promise<void> {
  const offerSdp = await a.page.evaluate(async (key) => {
    const o = await window.swarmdropHarness.transportBench.rawOffer()
    window.scratch[`${key}:finish`] = o.finish
    return o.sdp
  }, key)
  const answerSdp = await b.page.evaluate(async ({ offerSdp, key }) => {
    const r = await window.swarmdropHarness.transportBench.rawAnswer(offerSdp)
    window.scratch[key] = r.transport
    return r.sdp
  }, { offerSdp, key })
  await a.page.evaluate(async ({ answerSdp, key }) => {
    const finish = window.scratch[`${key}:finish`] as (s: string) => Promise<unknown>
    window.scratch[key] = finish(answerSdp)
    await window.scratch[key]
  }, { answerSdp, key })
  await b.page.evaluate((key) => window.scratch[key], key)
}

/** Arm the receiver first (bytes that arrive before onData is set would be lost), then send. */
export async function transfer(from: HarnessPeer, to: HarnessPeer, total: number, writeSize = 64 * 1024): Promise<{ ms: number; intact: boolean }> {
  return transferOver(['transport'], from, to, total, writeSize)
}

/**
 * `total` bytes over every transport of `keys` at once (an equal part each; receivers armed first);
 * `ms` from the first byte on any of them to the last on all.
 */
export async function transferOver(keys: string[], from: HarnessPeer, to: HarnessPeer, total: number, writeSize = 64 * 1024): Promise<{ ms: number; intact: boolean }> {
  const part = Math.ceil(total / keys.length)
  const parts = keys.map((key, i) => ({ key, bytes: Math.min(part, total - i * part) })).filter((p) => p.bytes > 0)
  await to.page.evaluate(async ({ parts, writeSize }) => {
    for (const { key, bytes } of parts) {
      window.scratch[`${key}:received`] = window.swarmdropHarness.transportBench.receiveAll((await window.scratch[key]) as never, bytes, writeSize)
    }
  }, { parts, writeSize })
  await from.page.evaluate(
    async ({ parts, writeSize }) => {
      const bench = window.swarmdropHarness.transportBench
      await Promise.all(parts.map(async ({ key, bytes }) => bench.sendAll((await window.scratch[key]) as never, bytes, writeSize)))
    },
    { parts, writeSize },
  )
  return to.page.evaluate(async (keys) => {
    const got = await Promise.all(keys.map((key) => window.scratch[`${key}:received`] as Promise<{ firstAt: number; lastAt: number; intact: boolean }>))
    return { ms: Math.max(...got.map((g) => g.lastAt)) - Math.min(...got.map((g) => g.firstAt)), intact: got.every((g) => g.intact) }
  }, parts.map((p) => p.key))
}

/** Close both ends' transports. */
export async function closeChannel(...peers: HarnessPeer[]): Promise<void> {
  for (const p of peers) await p.page.evaluate(async () => ((await window.scratch['transport']) as { close(): void }).close())
}
