// Which is faster on a real WebRTC data channel: each piece as ONE send of header+block (a copy), or
// TWO sends, [13-byte header] then [block] (what WebTorrent does, no copy)?
// Run: `npx tsx bench/wire/datachannel-bench.ts` (uses Debian's Chromium; CHROMIUM_PATH overrides).
// Two RTCPeerConnections in one headless page, loopback, one reliable ordered channel, sends paced by
// bufferedAmount (high-water 1 MiB, resume at 256 KiB) as a real transport would.
import { chromium } from '@playwright/test'

const MIB = Number(process.env.MIB ?? 64)
const ROUNDS = Number(process.env.ROUNDS ?? 3)

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
})
try {
  const page = await browser.newPage()
  // tsx (esbuild keepNames) wraps named functions in __name(...): give the page a no-op one.
  await page.addInitScript({ content: 'window.__name = (f) => f' })
  await page.goto('about:blank')
  const results = await page.evaluate(
    async ({ mib, rounds }) => {
      const BLOCK = 16384
      const a = new RTCPeerConnection()
      const b = new RTCPeerConnection()
      a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate)
      b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate)
      const tx = a.createDataChannel('wire', { ordered: true })
      tx.binaryType = 'arraybuffer'
      const rxReady = new Promise<RTCDataChannel>((resolve) => (b.ondatachannel = (e) => resolve(e.channel)))
      await a.setLocalDescription(await a.createOffer())
      await b.setRemoteDescription(a.localDescription!)
      await b.setLocalDescription(await b.createAnswer())
      await a.setRemoteDescription(b.localDescription!)
      const rx = await rxReady
      rx.binaryType = 'arraybuffer'
      if (tx.readyState !== 'open') await new Promise((r) => (tx.onopen = r))
      tx.bufferedAmountLowThreshold = 256 * 1024

      const block = new Uint8Array(BLOCK).map((_, i) => i & 0xff)
      const header = (i: number) => {
        const h = new Uint8Array(13)
        const v = new DataView(h.buffer)
        v.setUint32(0, 9 + BLOCK)
        h[4] = 7
        v.setUint32(5, i >> 4)
        v.setUint32(9, (i & 15) * BLOCK)
        return h
      }
      const strategies: Record<string, (i: number) => void> = {
        'one send (header+block copied)': (i) => {
          const m = new Uint8Array(13 + BLOCK)
          m.set(header(i), 0)
          m.set(block, 13)
          tx.send(m)
        },
        'two sends (header, then block)': (i) => {
          tx.send(header(i))
          tx.send(block)
        },
      }
      const blocks = (mib * 1048576) / BLOCK
      const total = blocks * (13 + BLOCK)
      const run = (send: (i: number) => void) =>
        new Promise<number>((resolve) => {
          let received = 0
          const t0 = performance.now()
          rx.onmessage = (e) => {
            received += (e.data as ArrayBuffer).byteLength
            if (received === total) resolve(performance.now() - t0)
          }
          let i = 0
          const pump = () => {
            while (i < blocks && tx.bufferedAmount < 1024 * 1024) send(i++)
          }
          tx.onbufferedamountlow = pump
          pump()
        })
      const out: Record<string, number[]> = {}
      for (let r = 0; r < rounds; r++) {
        for (const [name, send] of Object.entries(strategies)) {
          const ms = await run(send)
          ;(out[name] ??= []).push(Math.round((total / 1e6 / (ms / 1000)) * 10) / 10)
        }
      }
      a.close()
      b.close()
      return out
    },
    { mib: MIB, rounds: ROUNDS },
  )
  console.log(`${MIB} MiB of 16 KiB piece messages, ${ROUNDS} alternating rounds, MB/s per round:`)
  for (const [name, speeds] of Object.entries(results)) console.log(`  ${name.padEnd(34)} ${speeds.join('  ')}`)
} finally {
  await browser.close()
}
