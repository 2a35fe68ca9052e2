// Typed, safe reads from decoded dicts. Every parser that walks a decoded message needs the same
// checks (present? right type?), and the caller's error type: MetainfoError for .torrent files,
// ProtocolError for wire messages. Errors name the key path, e.g. "info.files[3].length".
//
//   getInt(info, 'piece length', MetainfoError, 'info')   // number, or throws MetainfoError
//   optString(top, 'comment', MetainfoError)               // string | undefined
//
// Keys are binary strings (raw bytes, as decode produces them); every key we look up is ASCII.

import { utf8 } from '../bytes.ts'
import type { BDict, BValue } from './types.ts'

export type ErrorType = new (message: string) => Error

export function isInt(v: BValue | undefined): v is number {
  return typeof v === 'number'
}
export function isBytes(v: BValue | undefined): v is Uint8Array {
  return v instanceof Uint8Array
}
export function isList(v: BValue | undefined): v is BValue[] {
  return Array.isArray(v)
}
export function isDict(v: BValue | undefined): v is BDict {
  return v instanceof Map
}

/** How a value reads in an error message. */
export function describe(v: BValue | undefined): string {
  if (v === undefined) return 'nothing'
  if (isInt(v)) return 'an integer'
  if (isBytes(v)) return 'a byte string'
  if (isList(v)) return 'a list'
  return 'a dict'
}

/** "info" + "length" -> "info.length"; a key with non-printable bytes is shown escaped. */
export function keyPath(path: string, key: string): string {
  const shown = /^[\x20-\x7e]*$/.test(key) ? key : JSON.stringify(key)
  return path === '' ? shown : `${path}.${shown}`
}

function wrongType(d: BDict, key: string, want: string, error: ErrorType, path: string): Error {
  const v = d.get(key)
  if (v === undefined) return new error(`${keyPath(path, key)} is missing`)
  return new error(`${keyPath(path, key)} should be ${want}, not ${describe(v)}`)
}

export function optInt(d: BDict, key: string, error: ErrorType, path = ''): number | undefined {
  const v = d.get(key)
  if (v === undefined) return undefined
  if (!isInt(v)) throw wrongType(d, key, 'an integer', error, path)
  return v
}
export function getInt(d: BDict, key: string, error: ErrorType, path = ''): number {
  const v = optInt(d, key, error, path)
  if (v === undefined) throw wrongType(d, key, 'an integer', error, path)
  return v
}

export function optBytes(d: BDict, key: string, error: ErrorType, path = ''): Uint8Array | undefined {
  const v = d.get(key)
  if (v === undefined) return undefined
  if (!isBytes(v)) throw wrongType(d, key, 'a byte string', error, path)
  return v
}
export function getBytes(d: BDict, key: string, error: ErrorType, path = ''): Uint8Array {
  const v = optBytes(d, key, error, path)
  if (v === undefined) throw wrongType(d, key, 'a byte string', error, path)
  return v
}

/** A byte string decoded as UTF-8; invalid UTF-8 is an error of the given type. */
export function optString(d: BDict, key: string, error: ErrorType, path = ''): string | undefined {
  const v = optBytes(d, key, error, path)
  if (v === undefined) return undefined
  try {
    return utf8.decode(v)
  } catch {
    throw new error(`${keyPath(path, key)} is not valid UTF-8`)
  }
}
export function getString(d: BDict, key: string, error: ErrorType, path = ''): string {
  const v = optString(d, key, error, path)
  if (v === undefined) throw wrongType(d, key, 'a byte string', error, path)
  return v
}

export function optList(d: BDict, key: string, error: ErrorType, path = ''): BValue[] | undefined {
  const v = d.get(key)
  if (v === undefined) return undefined
  if (!isList(v)) throw wrongType(d, key, 'a list', error, path)
  return v
}
export function getList(d: BDict, key: string, error: ErrorType, path = ''): BValue[] {
  const v = optList(d, key, error, path)
  if (v === undefined) throw wrongType(d, key, 'a list', error, path)
  return v
}

export function optDict(d: BDict, key: string, error: ErrorType, path = ''): BDict | undefined {
  const v = d.get(key)
  if (v === undefined) return undefined
  if (!isDict(v)) throw wrongType(d, key, 'a dict', error, path)
  return v
}
export function getDict(d: BDict, key: string, error: ErrorType, path = ''): BDict {
  const v = optDict(d, key, error, path)
  if (v === undefined) throw wrongType(d, key, 'a dict', error, path)
  return v
}
