// BEP 10 extended handshake: the bencoded dict carried by extended message id 0.
import { decode, encode, isBytes, isDict, isInt, type BDict, type BValue } from '../bencode/index.ts'
import { utf8 } from '../bytes.ts'
import { BencodeError, ProtocolError } from '../errors.ts'
import { BLOCK_SIZE, MAX_CLIENT_NAME, MAX_EXTENDED_DEPTH, MAX_EXTENDED_PAYLOAD, MAX_EXTENSION_NAME, MAX_EXTENSIONS, MAX_METADATA_SIZE, MAX_NEGOTIATED_BLOCK } from './limits.ts'
import type { ExtendedHandshake } from './messages.ts'

/** Extended message id 0 is always the handshake (BEP 10). */
export const EXTENDED_HANDSHAKE_ID = 0

/** BEP 10 `reqq`: libtorrent advertises 250 (default) up to a few thousand; more is nonsense. */
const MAX_REQQ = 65535

/**
 * Our own key (BEP 10 lets a client add any): the longest request the sender serves. Two swarmdrop
 * peers then move blocks of up to 128 KiB instead of BEP 3's 16 KiB: an eighth of the messages,
 * requests and store reads for the same bytes (docs/performance.md). Everyone else ignores it and
 * keeps 16 KiB both ways.
 */
export const MAX_BLOCK_KEY = 'swarmdrop_max_block'

export function encodeExtendedHandshake(h: ExtendedHandshake): Uint8Array {
  const m: Record<string, number> = {}
  for (const [name, id] of Object.entries(h.m)) {
    if (!Number.isInteger(id) || id < 0 || id > 255) throw new RangeError(`extension ${name}: id must be 0..255, got ${id}`)
    m[name] = id
  }
  return encode({ m, v: h.v, p: h.p, reqq: h.reqq, metadata_size: h.metadataSize, yourip: h.yourip, [MAX_BLOCK_KEY]: h.maxBlock })
}

/** Decodes an extended handshake dict (unknown keys ignored). Throws ProtocolError on garbage. */
export function decodeExtendedHandshake(payload: Uint8Array): ExtendedHandshake {
  if (payload.length > MAX_EXTENDED_PAYLOAD) throw new ProtocolError(`extended handshake: ${payload.length} bytes, limit ${MAX_EXTENDED_PAYLOAD}`)
  const dict = decodeDict(payload, 'extended handshake')
  const out: ExtendedHandshake = { m: decodeExtensionMap(dict.get('m')) }

  // Informational keys: a wrong type or absurd value is dropped (libtorrent does the same), since
  // nothing relies on them being present.
  const v = dict.get('v')
  if (isBytes(v) && v.length <= MAX_CLIENT_NAME) {
    const name = tryUtf8(v)
    if (name !== undefined) out.v = name
  }
  const p = dict.get('p')
  if (isInt(p) && p >= 1 && p <= 0xffff) out.p = p
  const reqq = dict.get('reqq')
  if (isInt(reqq) && reqq >= 1 && reqq <= MAX_REQQ) out.reqq = reqq
  // Only a whole number of 16 KiB blocks we could accept is useful; anything else is dropped.
  const maxBlock = dict.get(MAX_BLOCK_KEY)
  if (isInt(maxBlock) && maxBlock > BLOCK_SIZE && maxBlock <= MAX_NEGOTIATED_BLOCK && maxBlock % BLOCK_SIZE === 0) out.maxBlock = maxBlock
  const yourip = dict.get('yourip')
  if (isBytes(yourip) && (yourip.length === 4 || yourip.length === 16)) out.yourip = yourip

  // metadata_size drives an allocation for a magnet download (BEP 9): a bad one is a protocol error.
  const size = dict.get('metadata_size')
  if (size !== undefined) {
    if (!isInt(size) || size < 1 || size > MAX_METADATA_SIZE) {
      throw new ProtocolError(`extended handshake: metadata_size must be an integer 1..${MAX_METADATA_SIZE}`)
    }
    out.metadataSize = size
  }
  return out
}

function decodeExtensionMap(m: BValue | undefined): Record<string, number> {
  // A null-prototype object: names are peer-chosen, and "__proto__" must stay a plain key.
  const out = Object.create(null) as Record<string, number>
  if (m === undefined) return out // BEP 10: a peer supporting no extension may omit it
  if (!isDict(m)) throw new ProtocolError('extended handshake: m must be a dict')
  if (m.size > MAX_EXTENSIONS) throw new ProtocolError(`extended handshake: m has ${m.size} entries, limit ${MAX_EXTENSIONS}`)
  for (const [name, id] of m) {
    if (!isInt(id) || id < 0 || id > 255) throw new ProtocolError(`extended handshake: m.${printable(name)} must be an id 0..255`)
    // Keys are binary strings; extension names are printable ASCII. Others cannot be ours: skip.
    if (name.length > 0 && name.length <= MAX_EXTENSION_NAME && /^[\x21-\x7e]+$/.test(name)) out[name] = id
  }
  return out
}

/** Bencode-decodes a whole payload that must be a dict; any failure is a ProtocolError. */
export function decodeDict(payload: Uint8Array, what: string): BDict {
  let value: BValue
  try {
    value = decode(payload, { maxDepth: MAX_EXTENDED_DEPTH, maxLength: MAX_EXTENDED_PAYLOAD })
  } catch (error) {
    if (error instanceof BencodeError) throw new ProtocolError(`${what}: ${error.message}`)
    throw error
  }
  if (!isDict(value)) throw new ProtocolError(`${what}: not a bencoded dict`)
  return value
}

function tryUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes)
  } catch {
    return undefined
  }
}

function printable(key: string): string {
  return /^[\x20-\x7e]{0,64}$/.test(key) ? key : JSON.stringify(key.slice(0, 64))
}
