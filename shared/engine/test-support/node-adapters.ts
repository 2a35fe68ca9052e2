import type { Duplex } from 'node:stream'
import type { Clock, Transport } from '../ports.ts'

/** Wall-clock time and Node timers. */
export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
}

/** Our Transport over a Node duplex stream (e.g. a bittorrent-protocol Wire: we write its input, read its output). */
export function duplexTransport(stream: Duplex): Transport {
  let closed = false
  const t: Transport = {
    onData: null,
    onDrain: null,
    onClose: null,
    write: (bytes) => stream.write(bytes),
    close: (reason) => {
      if (closed) return
      closed = true
      stream.destroy()
      t.onClose?.(reason)
    },
  }
  stream.on('data', (chunk: Uint8Array) => t.onData?.(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)))
  stream.on('drain', () => t.onDrain?.())
  const end = () => {
    if (closed) return
    closed = true
    t.onClose?.('stream closed')
  }
  stream.on('close', end)
  stream.on('end', end)
  stream.on('error', end)
  return t
}
