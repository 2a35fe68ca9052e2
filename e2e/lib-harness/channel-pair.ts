import type { HarnessPeer } from './pages.ts'

// Two harness pages joined by one data channel, signalled through Node (no tracker): through two
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

/** Open a raw RTCDataChannel pair (no simple-peer) between A and B. */
export async function connectRaw(a: HarnessPeer, b: HarnessPeer): Promise<void> {
  const offerSdp = await a.page.evaluate(async () => {
    const o = await window.swarmdropHarness.transportBench.rawOffer()
    window.scratch['finish'] = o.finish
    return o.sdp
  })
  const answerSdp = await b.page.evaluate(async (offerSdp) => {
    const r = await window.swarmdropHarness.transportBench.rawAnswer(offerSdp)
    window.scratch['transport'] = r.transport
    return r.sdp
  }, offerSdp)
  await a.page.evaluate(async (answerSdp) => {
    const finish = window.scratch['finish'] as (s: string) => Promise<unknown>
    window.scratch['transport'] = finish(answerSdp)
    await window.scratch['transport']
  }, answerSdp)
  await b.page.evaluate(() => window.scratch['transport'])
}

/** Arm the receiver first (bytes that arrive before onData is set would be lost), then send. */
export async function transfer(from: HarnessPeer, to: HarnessPeer, total: number, writeSize = 64 * 1024): Promise<{ ms: number; intact: boolean }> {
  await to.page.evaluate(async ({ total, writeSize }) => {
    window.scratch['received'] = window.swarmdropHarness.transportBench.receiveAll((await window.scratch['transport']) as never, total, writeSize)
  }, { total, writeSize })
  await from.page.evaluate(
    async ({ total, writeSize }) => window.swarmdropHarness.transportBench.sendAll((await window.scratch['transport']) as never, total, writeSize),
    { total, writeSize },
  )
  return to.page.evaluate(() => window.scratch['received'] as Promise<{ ms: number; intact: boolean }>)
}

/** Close both ends' transports. */
export async function closeChannel(...peers: HarnessPeer[]): Promise<void> {
  for (const p of peers) await p.page.evaluate(async () => ((await window.scratch['transport']) as { close(): void }).close())
}
