// Memory and work stay bounded however a peer drips its bytes.
import { describe, expect, it } from 'vitest'
import { WireDecoder } from './decoder.ts'
import { encodeMessage } from './encoder.ts'
import { defaultLimits, MAX_EXTENDED_PAYLOAD } from './limits.ts'

describe('WireDecoder bounds', () => {
  it('holds at most header + payload of the message in flight, byte by byte', () => {
    const bits = new Uint8Array(defaultLimits().maxBitfieldLength).fill(0xff)
    const bytes = encodeMessage({ type: 'bitfield', bits })
    const d = new WireDecoder({ expectHandshake: false })
    let max = 0
    const events = []
    for (let i = 0; i < bytes.length; i++) {
      events.push(...d.push(bytes.subarray(i, i + 1)))
      max = Math.max(max, d.buffered())
    }
    expect(events).toHaveLength(1)
    expect(max).toBe(bytes.length - 1) // the last byte completes the message
    expect(max).toBeLessThanOrEqual(4 + defaultLimits().maxMessageLength)
    expect(d.buffered()).toBe(0)
  })

  it('costs linear time for a large message in 1-byte chunks (no re-concatenation)', () => {
    const payload = new Uint8Array(MAX_EXTENDED_PAYLOAD - 1).fill(7)
    const one = encodeMessage({ type: 'extended', extId: 1, payload })
    // 16 such messages, ~1 MiB, pushed one byte at a time: a quadratic decoder would copy ~32 GiB.
    const d = new WireDecoder({ expectHandshake: false })
    const t0 = performance.now()
    let n = 0
    for (let m = 0; m < 16; m++) for (let i = 0; i < one.length; i++) n += d.push(one.subarray(i, i + 1)).length
    const ms = performance.now() - t0
    expect(n).toBe(16)
    expect(ms).toBeLessThan(5000) // ~1 us per push here; generous for a loaded machine
  })

  it('keeps a huge single chunk of many messages to one pass', () => {
    const have = encodeMessage({ type: 'have', index: 1 })
    const stream = new Uint8Array(have.length * 100_000)
    for (let i = 0; i < 100_000; i++) stream.set(have, i * have.length)
    const d = new WireDecoder({ expectHandshake: false })
    expect(d.push(stream)).toHaveLength(100_000)
    expect(d.buffered()).toBe(0)
  })
})
