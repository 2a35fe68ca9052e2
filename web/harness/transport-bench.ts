import type { Transport } from '../../shared/engine/ports.ts'
import { DATA_CHANNEL_LIMITS } from '../../webrtc/webrtc-transport.ts'
import { PeerPool } from '../../webrtc/peer-pool.ts'

// Test-only: the two transports measured against each other in e2e/lib-webrtc.spec.ts. The raw one is
// a bare RTCDataChannel driven with the same chunk size and water marks as DataChannelTransport, so
// the difference between them is what simple-peer costs.

export class RawChannelTransport implements Transport {
  onData: ((chunk: Uint8Array) => void) | null = null
  onDrain: (() => void) | null = null
  onClose: ((reason?: string) => void) | null = null
  constructor(readonly channel: RTCDataChannel) {
    channel.binaryType = 'arraybuffer'
    channel.bufferedAmountLowThreshold = DATA_CHANNEL_LIMITS.lowWaterMark
    channel.onbufferedamountlow = () => this.onDrain?.()
    channel.onmessage = (e) => this.onData?.(new Uint8Array(e.data as ArrayBuffer))
    channel.onclose = () => this.onClose?.('closed')
  }
  write(bytes: Uint8Array): boolean {
    // The caller's writes are the sends (the benchmarks choose the size), up to what Chromium accepts.
    const max = DATA_CHANNEL_LIMITS.maxSendCeiling
    for (let at = 0; at < bytes.byteLength; at += max) this.channel.send(bytes.subarray(at, Math.min(at + max, bytes.byteLength)) as Uint8Array<ArrayBuffer>)
    return this.channel.bufferedAmount <= DATA_CHANNEL_LIMITS.highWaterMark
  }
  close(): void {
    this.channel.close()
  }
}

function gathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve()
  return new Promise((ok) => pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && ok()))
}

function opened(channel: RTCDataChannel): Promise<RawChannelTransport> {
  return new Promise((ok, fail) => {
    if (channel.readyState === 'open') return ok(new RawChannelTransport(channel))
    channel.onopen = () => ok(new RawChannelTransport(channel))
    channel.onerror = () => fail(new Error('channel failed'))
  })
}

/** Raw side 1: an offer (non-trickle). `connected` resolves once the answer was applied and the channel opened. */
export async function rawOffer(): Promise<{ sdp: string; finish(answerSdp: string): Promise<RawChannelTransport> }> {
  const pc = new RTCPeerConnection({ iceServers: [] })
  const channel = pc.createDataChannel('bench', { ordered: true })
  await pc.setLocalDescription(await pc.createOffer())
  await gathered(pc)
  return {
    sdp: pc.localDescription!.sdp,
    finish: async (answerSdp) => {
      await pc.setRemoteDescription({ type: 'answer', sdp: answerSdp })
      return opened(channel)
    },
  }
}

/** Raw side 2: answer an offer; `transport` resolves when the channel opens. */
export async function rawAnswer(offerSdp: string): Promise<{ sdp: string; transport: Promise<RawChannelTransport> }> {
  const pc = new RTCPeerConnection({ iceServers: [] })
  const transport = new Promise<RawChannelTransport>((ok) => {
    pc.ondatachannel = (e) => void opened(e.channel).then(ok)
  })
  await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp })
  await pc.setLocalDescription(await pc.createAnswer())
  await gathered(pc)
  return { sdp: pc.localDescription!.sdp, transport }
}

/** Send `total` bytes of a repeating pattern in `writeSize` writes, honouring back-pressure. */
export function sendAll(t: Transport, total: number, writeSize = 64 * 1024): Promise<number> {
  const block = new Uint8Array(writeSize)
  for (let i = 0; i < block.length; i++) block[i] = i & 0xff
  const started = performance.now()
  let sent = 0
  return new Promise((done) => {
    const pump = (): void => {
      while (sent < total) {
        const n = Math.min(writeSize, total - sent)
        sent += n
        if (!t.write(block.subarray(0, n))) {
          t.onDrain = pump
          return
        }
      }
      t.onDrain = null
      done(performance.now() - started)
    }
    pump()
  })
}

/** Receive `total` bytes; resolves with ms from first to last byte (and both times) and whether the pattern held. */
export function receiveAll(t: Transport, total: number, writeSize = 64 * 1024): Promise<{ ms: number; firstAt: number; lastAt: number; intact: boolean }> {
  let got = 0
  let first = 0
  let intact = true
  return new Promise((done) => {
    t.onData = (chunk) => {
      if (got === 0) first = performance.now()
      // The sender's pattern restarts at every write: byte at absolute offset o is (o % writeSize) & 0xff.
      for (let i = 0; i < chunk.length; i += 4099) if (chunk[i] !== (((got + i) % writeSize) & 0xff)) intact = false
      got += chunk.length
      if (got >= total) {
        const last = performance.now()
        done({ ms: last - first, firstAt: first, lastAt: last, intact: intact && got === total })
      }
    }
  })
}

/** The simple-peer side of the bench goes through PeerPool (what the app uses). */
export function newPool(): PeerPool {
  return new PeerPool()
}
