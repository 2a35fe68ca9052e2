import type { Browser } from '@playwright/test'
import type { HarnessPeer } from '../../e2e/lib-harness/pages.ts'
import type { RawChannelTransport } from '../../web/harness/transport-bench.ts'
import { benchPeer, bounded, closePeers } from './chromium.ts'
import { cpuMeter } from './proc-cpu.ts'
import { failed, mbPerS, type RunResult, type Transfer } from './result.ts'

// The ceiling: two RTCPeerConnections in two contexts (no STUN, loopback, SDP passed through Node), one
// reliable ordered data channel, 16 KiB sends paced by bufferedAmount with the same water marks as
// DataChannelTransport (web/harness/transport-bench.ts), the same N MiB. No protocol, no hashing, no
// storage: what one channel carries. Timed in the receiver from its first byte to its last; the
// receiver checks the byte pattern as it goes.

const SEND_SIZE = 16 * 1024

export async function runRawChannel(browser: Browser, appUrl: string, t: Transfer): Promise<RunResult> {
  const name = 'raw-datachannel'
  const peers: HarnessPeer[] = []
  try {
    return await bounded(name, t.timeoutMs, measure(browser, appUrl, t, peers))
  } catch (err) {
    return failed(name, t, err)
  } finally {
    await closePeers(peers)
  }
}

async function measure(browser: Browser, appUrl: string, t: Transfer, peers: HarnessPeer[]): Promise<RunResult> {
  const size = t.mib * 1024 * 1024
  const a = await benchPeer(browser, appUrl)
  peers.push(a)
  const b = await benchPeer(browser, appUrl)
  peers.push(b)
  const offer = await a.page.evaluate(async () => {
    const o = await window.swarmdropHarness.transportBench.rawOffer()
    window.scratch['offer'] = o
    return o.sdp
  })
  const answer = await b.page.evaluate(async (sdp) => {
    const r = await window.swarmdropHarness.transportBench.rawAnswer(sdp)
    window.scratch['transport'] = r.transport
    return r.sdp
  }, offer)
  await a.page.evaluate(async (sdp) => {
    const o = window.scratch['offer'] as { finish(sdp: string): Promise<RawChannelTransport> }
    window.scratch['t'] = await o.finish(sdp)
  }, answer)
  await b.page.evaluate(async () => {
    window.scratch['t'] = await (window.scratch['transport'] as Promise<RawChannelTransport>)
  })
  const cpu = cpuMeter()
  const received = b.page.evaluate(
    ({ size, sendSize }) => window.swarmdropHarness.transportBench.receiveAll(window.scratch['t'] as RawChannelTransport, size, sendSize),
    { size, sendSize: SEND_SIZE },
  )
  await a.page.evaluate(
    ({ size, sendSize }) => window.swarmdropHarness.transportBench.sendAll(window.scratch['t'] as RawChannelTransport, size, sendSize),
    { size, sendSize: SEND_SIZE },
  )
  const got = await received
  const cpuUse = cpu()
  return {
    name: 'raw-datachannel',
    seeders: 1,
    mib: t.mib,
    ok: got.intact,
    ...(got.intact ? {} : { error: 'the received bytes broke the pattern' }),
    seconds: Math.round(got.ms / 10) / 100,
    mbPerS: mbPerS(size, got.ms),
    identical: got.intact,
    cpu: cpuUse,
    details: { sendSize: SEND_SIZE },
  }
}
