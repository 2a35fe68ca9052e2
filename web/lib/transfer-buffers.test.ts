import { describe, expect, it } from 'vitest'
import { TransferBuffers } from './transfer-buffers.ts'

describe('TransferBuffers', () => {
  it('hands a buffer that came back to the next take (the smallest that fits), as a view of the length asked', () => {
    const pool = new TransferBuffers(1 << 20)
    const big = new ArrayBuffer(256 << 10)
    const small = new ArrayBuffer(128 << 10)
    pool.give(big)
    pool.give(small)
    const view = pool.take(100 << 10)
    expect(view.buffer).toBe(small)
    expect(view.byteLength).toBe(100 << 10)
    expect(pool.take(200 << 10).buffer).toBe(big)
    expect(pool.freeBytes).toBe(0)
  })

  it('allocates when nothing kept fits', () => {
    const pool = new TransferBuffers(1 << 20)
    pool.give(new ArrayBuffer(16))
    const view = pool.take(32)
    expect(view.byteLength).toBe(32)
    expect(view.buffer.byteLength).toBe(32)
    expect(pool.freeBytes).toBe(16)
  })

  it('keeps no more than its bound, and nothing detached', () => {
    const pool = new TransferBuffers(300)
    pool.give(new ArrayBuffer(200))
    pool.give(new ArrayBuffer(200)) // over the bound: let go
    pool.give(new ArrayBuffer(0)) // a detached buffer reads as empty
    expect(pool.freeBytes).toBe(200)
  })
})
