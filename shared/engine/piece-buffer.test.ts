import { describe, expect, it } from 'vitest'
import { PieceBuffer, PieceBufferPool } from './piece-buffer.ts'

describe('PieceBufferPool', () => {
  it('reuses a given-back buffer for the next piece of the same size only, with no sender left over', () => {
    const pool = new PieceBufferPool(1 << 20)
    const first = pool.take(0, 32768)
    first.write(0, new Uint8Array(16384).fill(7), 'peer-a')
    pool.give(first)
    expect(pool.take(1, 16384).data).not.toBe(first.data) // another size: a new buffer
    const second = pool.take(2, 32768)
    expect(second.data).toBe(first.data)
    expect(second.index).toBe(2)
    expect(second.contributors().size).toBe(0)
    expect(pool.take(3, 32768).data).not.toBe(first.data) // handed out once only
  })

  it('keeps no more bytes than its bound', () => {
    const pool = new PieceBufferPool(40000)
    const a = new PieceBuffer(0, 32768)
    const b = new PieceBuffer(1, 32768)
    pool.give(a)
    pool.give(b) // over the bound: let go
    expect(pool.take(5, 32768).data).toBe(a.data)
    expect(pool.take(6, 32768).data).not.toBe(b.data)
  })
})
