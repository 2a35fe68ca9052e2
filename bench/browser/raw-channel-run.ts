import { connectRaw, transferOver } from '../../e2e/lib-harness/channel-pair.ts'
import { benchPeer, bounded, closePeers, type BenchPeer } from './chromium.ts'
import { cpuMeter, PeerRoles } from './proc-cpu.ts'
import { traceWindow } from './renderer-trace.ts'
import { failed, mbPerS, type RunResult, type Transfer } from './result.ts'

// The ceiling: two RTCPeerConnections in two browsers (no STUN, SDP passed through Node), one reliable
// ordered data channel, 16 KiB sends (--raw-send-kib) paced by bufferedAmount with the same water marks as
// DataChannelTransport (web/harness/transport-bench.ts), the same N MiB. No protocol, no hashing, no
// storage: what one channel carries. Timed in the receiver from its first byte to its last; the
// receiver checks the byte pattern as it goes. With `rawConnections` N > 1 ('raw-datachannel xN',
// --raw-connections): N RTCPeerConnections between the same two browsers, an equal part of the bytes
// over each at once: what several SCTP associations (each with its own congestion window) give one
// peer pair, where one association's window is the limit (delay, loss).


/** 'raw-datachannel', or 'raw-datachannel xN' over N connections. */
const nameOf = (t: Transfer) => ((t.rawConnections ?? 1) > 1 ? `raw-datachannel x${t.rawConnections}` : 'raw-datachannel')

export async function runRawChannel(appUrl: string, t: Transfer): Promise<RunResult> {
  const name = nameOf(t)
  const peers: BenchPeer[] = []
  try {
    return await bounded(name, t.timeoutMs, measure(appUrl, t, peers))
  } catch (err) {
    return failed(name, t, err)
  } finally {
    await closePeers(peers)
  }
}

async function measure(appUrl: string, t: Transfer, peers: BenchPeer[]): Promise<RunResult> {
  const size = t.mib * 1024 * 1024
  const roles = new PeerRoles()
  const a = await benchPeer(appUrl, t.network)
  peers.push(a)
  roles.mark('seeder')
  const b = await benchPeer(appUrl, t.network)
  peers.push(b)
  roles.mark('leecher')
  const keys = Array.from({ length: t.rawConnections ?? 1 }, (_, i) => `raw${i}`)
  for (const key of keys) await connectRaw(a, b, key)
  const sendSize = t.rawSendBytes ?? 16384
  const cpu = cpuMeter(roles)
  const trace = t.trace ? traceWindow([a.browser, b.browser], roles, t.trace) : null
  // transfer() arms the receiver before the first send: a message that reached the page before its
  // onData was set was dropped, and on loopback the run then waited for bytes that never came.
  const got = await transferOver(keys, a, b, size, sendSize)
  const cpuUse = cpu()
  const traced = await trace?.finish()
  return {
    name: nameOf(t),
    seeders: 1,
    mib: t.mib,
    ok: got.intact,
    ...(got.intact ? {} : { error: 'the received bytes broke the pattern' }),
    seconds: Math.round(got.ms / 10) / 100,
    mbPerS: mbPerS(size, got.ms),
    identical: got.intact,
    cpu: cpuUse,
    ...(traced ? { trace: traced } : {}),
    details: { sendSize, connections: keys.length },
  }
}
