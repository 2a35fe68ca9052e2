import { describe, expect, it } from 'vitest'
import { decode, getBytes, getDict, getInt, getList, getString, optInt, optString } from './index.ts'
import type { BDict } from './index.ts'
import { MetainfoError, ProtocolError } from '../errors.ts'
import { fromBinaryString } from '../bytes.ts'

const d = decode(fromBinaryString('d1:ai1e1:b3:abc1:cle1:dde1:e2:\xff\xfe3:\x00\x01xi0ee')) as BDict

describe('typed dict accessors', () => {
  it('return values of the right type', () => {
    expect(getInt(d, 'a', MetainfoError)).toBe(1)
    expect(getBytes(d, 'b', MetainfoError)).toEqual(fromBinaryString('abc'))
    expect(getString(d, 'b', MetainfoError)).toBe('abc')
    expect(getList(d, 'c', MetainfoError)).toEqual([])
    expect(getDict(d, 'd', MetainfoError).size).toBe(0)
    expect(optInt(d, 'zz', MetainfoError)).toBeUndefined()
    expect(optString(d, 'zz', MetainfoError)).toBeUndefined()
  })

  it('throw the given error type naming the key path', () => {
    expect(() => getInt(d, 'b', ProtocolError, 'm')).toThrow(new ProtocolError('m.b should be an integer, not a byte string'))
    expect(() => getInt(d, 'missing', MetainfoError, 'info.files[2]')).toThrow(new MetainfoError('info.files[2].missing is missing'))
    expect(() => getDict(d, 'c', MetainfoError)).toThrow(new MetainfoError('c should be a dict, not a list'))
    expect(() => optInt(d, 'b', MetainfoError)).toThrow(MetainfoError)
    expect(() => getString(d, 'e', MetainfoError, 'info')).toThrow(new MetainfoError('info.e is not valid UTF-8'))
    expect(() => getList(d, '\x00\x01x', MetainfoError)).toThrow(new MetainfoError('"\\u0000\\u0001x" should be a list, not an integer'))
  })
})
