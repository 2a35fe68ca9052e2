// Reading fields of an info dict strictly: text must be UTF-8 (`key.utf-8` preferred, as old clients
// wrote the local code page in `key` and UTF-8 there), lengths non-negative safe integers. A lossy
// decode could map two different files onto one name, so invalid UTF-8 is refused, never guessed at.

import { MetainfoError } from '../errors.ts'
import { utf8 } from '../bytes.ts'
import { getInt, isBytes, keyPath, optBytes } from '../bencode/index.ts'
import type { BDict } from '../bencode/index.ts'

export function text(bytes: Uint8Array, what: string): string {
  try {
    return utf8.decode(bytes)
  } catch {
    throw new MetainfoError(`${what} is not valid UTF-8`)
  }
}

/** `key.utf-8` when it is a valid UTF-8 byte string, else `key`, which must be valid UTF-8. */
export function preferUtf8(d: BDict, key: string, path: string, what: string): string | undefined {
  const alt = d.get(`${key}.utf-8`)
  if (isBytes(alt)) {
    try {
      return utf8.decode(alt)
    } catch {
      // fall through to the plain key
    }
  }
  const plain = optBytes(d, key, MetainfoError, path)
  return plain === undefined ? undefined : text(plain, what)
}

export function nonNegativeLength(d: BDict, key: string, path: string): number {
  const n = getInt(d, key, MetainfoError, path)
  if (n < 0) throw new MetainfoError(`${keyPath(path, key)} is negative (${n})`)
  return n
}

/** BEP 47 attributes as text (at most 16 characters kept), or undefined when absent or not a string. */
export function attrOf(d: BDict): string | undefined {
  const attr = d.get('attr')
  return isBytes(attr) ? String.fromCharCode(...attr.subarray(0, 16)) : undefined
}
