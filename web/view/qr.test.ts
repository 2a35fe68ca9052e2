import qrcode from 'qrcode-generator'
import { describe, expect, it } from 'vitest'
import { qrPath } from './qr.ts'

// Decode our path back into a module grid and compare it with the library's own matrix.
function grid(d: string, size: number): boolean[][] {
  const g = Array.from({ length: size }, () => Array<boolean>(size).fill(false))
  for (const m of d.matchAll(/M(\d+) (\d+)h(\d+)v1h-\d+z/g)) {
    const [x, y, run] = [Number(m[1]) - 4, Number(m[2]) - 4, Number(m[3])]
    for (let i = 0; i < run; i++) g[y]![x + i] = true
  }
  return g
}

describe('qrPath', () => {
  it('draws exactly the dark modules of the encoded link', () => {
    const link = 'http://127.0.0.1:8000/#magnet:?xt=urn:btih:' + 'ab'.repeat(20) + '&dn=holiday.bin&tr=ws%3A%2F%2F127.0.0.1%3A8000%2Fannounce'
    const { size, d } = qrPath(link)
    const qr = qrcode(0, 'M')
    qr.addData(link, 'Byte')
    qr.make()
    expect(size).toBe(qr.getModuleCount())
    const g = grid(d, size)
    for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) expect(g[r]![c]).toBe(qr.isDark(r, c))
  })

  it('grows with the text', () => {
    expect(qrPath('x').size).toBeLessThan(qrPath('x'.repeat(300)).size)
  })
})
