import type { Page } from '@playwright/test'

// `--probe`: what the data channels of a page do during a transfer, the same way for swarmdrop and
// WebTorrent (both end in RTCDataChannel.send): RTCDataChannel.prototype.send is wrapped to learn the
// page's channels and count what it sends, and each channel's incoming bytes are counted. Every
// 100 ms the page samples the bytes queued in its channels (bufferedAmount) and, on a leecher, the
// bytes requested but not yet received (requests are recognised as 17-byte BEP 3 request messages).
// It tells a starved sender (little queued: the requester or the sender's reads are the limit) from
// a full channel (the channel is the limit).

export interface ProbeSummary {
  samples: number
  sends: number
  sentMiB: number
  receivedMiB: number
  requests: number
  /** Mean and 90th percentile of bytes queued in this page's channels (sender side). */
  queuedKiB: { mean: number; p90: number }
  /** Share of samples with under 64 KiB queued while sending (the sender had nothing ready). */
  queuedUnder64KiBShare: number
  /** Mean bytes requested and not yet received (leecher side). */
  outstandingKiB: { mean: number; p90: number }
}

/** Install before the page creates its peer connections. */
export async function installProbe(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __probe?: unknown }
    if (w.__probe) return
    const channels = new Set<RTCDataChannel>()
    const p = { sends: 0, sent: 0, received: 0, requests: 0, queued: [] as number[], outstanding: [] as number[], timer: 0 }
    w.__probe = p
    const send = RTCDataChannel.prototype.send
    const track = (ch: RTCDataChannel) => {
      if (channels.has(ch)) return
      channels.add(ch)
      ch.addEventListener('message', (e: MessageEvent) => {
        const d = e.data as ArrayBuffer | Blob | string
        p.received += typeof d === 'string' ? d.length : d instanceof Blob ? d.size : d.byteLength
      })
    }
    RTCDataChannel.prototype.send = function (this: RTCDataChannel, data: never) {
      track(this)
      const bytes = data as ArrayBufferView | ArrayBuffer
      const n = (bytes as ArrayBufferView).byteLength ?? 0
      p.sends++
      p.sent += n
      if (n > 0 && n % 17 === 0 && ArrayBuffer.isView(bytes)) {
        const u = new Uint8Array(bytes.buffer, bytes.byteOffset, n)
        let all = true
        for (let at = 0; at < n && all; at += 17) all = u[at] === 0 && u[at + 1] === 0 && u[at + 2] === 0 && u[at + 3] === 13 && u[at + 4] === 6
        if (all) p.requests += n / 17
      }
      return send.call(this, data)
    }
    p.timer = window.setInterval(() => {
      if (p.sent === 0 && p.received === 0) return
      let queued = 0
      for (const ch of channels) queued += ch.readyState === 'open' ? ch.bufferedAmount : 0
      p.queued.push(queued)
      // Blocks arrive as 16 KiB inside 16397-byte piece messages: count received payload, not headers.
      p.outstanding.push(Math.max(0, p.requests * 16384 - (p.received * 16384) / 16397))
    }, 100)
  })
}

export async function readProbe(page: Page): Promise<ProbeSummary | null> {
  return page.evaluate(() => {
    const p = (window as unknown as { __probe?: { sends: number; sent: number; received: number; requests: number; queued: number[]; outstanding: number[]; timer: number } }).__probe
    if (!p) return null
    clearInterval(p.timer)
    const stat = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b)
      const mean = s.length ? s.reduce((a, b) => a + b, 0) / s.length : 0
      return { mean: Math.round(mean / 1024), p90: Math.round((s[Math.floor(s.length * 0.9)] ?? 0) / 1024) }
    }
    return {
      samples: p.queued.length,
      sends: p.sends,
      sentMiB: Math.round((p.sent / 1048576) * 10) / 10,
      receivedMiB: Math.round((p.received / 1048576) * 10) / 10,
      requests: p.requests,
      queuedKiB: stat(p.queued),
      queuedUnder64KiBShare: p.queued.length ? Math.round((p.queued.filter((q) => q < 65536).length / p.queued.length) * 100) / 100 : 0,
      outstandingKiB: stat(p.outstanding),
    }
  })
}
