import { describe, expect, it } from 'vitest'
import { decodeComponent, parseQuery } from './query.ts'

describe('parseQuery', () => {
  it('decodes every byte of a percent-encoded id to one char, not UTF-8', () => {
    const all = Array.from({ length: 256 }, (_, i) => '%' + i.toString(16).padStart(2, '0')).join('')
    const q = parseQuery(`info_hash=${all}&x=%C3%A9`, 10)
    expect(q instanceof Map).toBe(true)
    const m = q as Map<string, string[]>
    expect(m.get('info_hash')?.[0]).toBe(Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join(''))
    expect(m.get('x')).toEqual(['\u00c3\u00a9'])
  })

  it('keeps repeated keys in order, reads + as space and a bare key as empty, skips empty pairs', () => {
    expect(parseQuery('a=1&&a=2&b=x+y&c&', 10)).toEqual(new Map([['a', ['1', '2']], ['b', ['x y']], ['c', ['']]]))
  })

  it('refuses broken escapes and too many pairs with a typed rejection', () => {
    for (const bad of ['a=%', 'a=%4', 'a=%g0', '%zz=1']) expect(parseQuery(bad, 10)).toMatchObject({ kind: 'rejected', reason: 'bad_query' })
    expect(parseQuery('a=1&b=2&c=3', 2)).toMatchObject({ kind: 'rejected', reason: 'bad_query' })
    expect(decodeComponent('\u0100', 0, 1)).toBeNull()
  })
})
