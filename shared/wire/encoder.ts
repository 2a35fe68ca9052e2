// Peer-wire message encoding (BEP 3, 6, 10, 52): <u32 BE length><u8 id><payload>; keep-alive is a
// bare zero length. Encoding our own messages: a field out of range is a programming error (RangeError).
import { MessageId, type Message } from './messages.ts'
import { HASH_HEADER_LENGTH, writeHashHeader } from './hash-messages.ts'

const U32_MAX = 0xffffffff

function u32(view: DataView, at: number, value: number, field: string): void {
  if (!Number.isInteger(value) || value < 0 || value > U32_MAX) throw new RangeError(`${field} must be a u32, got ${value}`)
  view.setUint32(at, value)
}

/** A message with `payloadLength` bytes after the id: returns the buffer and a DataView over it. */
function frame(id: number, payloadLength: number): [Uint8Array, DataView] {
  const out = new Uint8Array(5 + payloadLength)
  const view = new DataView(out.buffer)
  view.setUint32(0, 1 + payloadLength)
  out[4] = id
  return [out, view]
}

function withIndex(id: number, index: number, type: string): Uint8Array {
  const [out, view] = frame(id, 4)
  u32(view, 5, index, `${type}.index`)
  return out
}

function withBlockRef(id: number, m: { index: number; begin: number; length: number }, type: string): Uint8Array {
  const [out, view] = frame(id, 12)
  u32(view, 5, m.index, `${type}.index`)
  u32(view, 9, m.begin, `${type}.begin`)
  u32(view, 13, m.length, `${type}.length`)
  return out
}

function withBytes(id: number, bytes: Uint8Array, prefix?: number): Uint8Array {
  const extra = prefix === undefined ? 0 : 1
  const [out] = frame(id, extra + bytes.length)
  if (prefix !== undefined) out[5] = prefix
  out.set(bytes, 5 + extra)
  return out
}

/**
 * A piece message as [13-byte header, block] so a transport can send both without concatenating
 * (WebTorrent does exactly this). The block is the caller's array, not a copy.
 */
export function encodePieceParts(index: number, begin: number, block: Uint8Array): [Uint8Array, Uint8Array] {
  const header = new Uint8Array(13)
  const view = new DataView(header.buffer)
  view.setUint32(0, 9 + block.length)
  header[4] = MessageId.piece
  u32(view, 5, index, 'piece.index')
  u32(view, 9, begin, 'piece.begin')
  return [header, block]
}

export function encodeMessage(m: Message): Uint8Array {
  switch (m.type) {
    case 'keepAlive':
      return new Uint8Array(4)
    case 'choke':
    case 'unchoke':
    case 'interested':
    case 'notInterested':
    case 'haveAll':
    case 'haveNone':
      return frame(MessageId[m.type], 0)[0]
    case 'have':
    case 'suggest':
    case 'allowedFast':
      return withIndex(MessageId[m.type], m.index, m.type)
    case 'request':
    case 'cancel':
    case 'reject':
      return withBlockRef(MessageId[m.type], m, m.type)
    case 'bitfield':
      return withBytes(MessageId.bitfield, m.bits)
    case 'piece': {
      const [out, view] = frame(MessageId.piece, 8 + m.block.length)
      u32(view, 5, m.index, 'piece.index')
      u32(view, 9, m.begin, 'piece.begin')
      out.set(m.block, 13)
      return out
    }
    case 'port': {
      if (!Number.isInteger(m.port) || m.port < 0 || m.port > 0xffff) throw new RangeError(`port must be a u16, got ${m.port}`)
      const [out, view] = frame(MessageId.port, 2)
      view.setUint16(5, m.port)
      return out
    }
    case 'extended':
      if (!Number.isInteger(m.extId) || m.extId < 0 || m.extId > 0xff) throw new RangeError(`extended.extId must be a u8, got ${m.extId}`)
      return withBytes(MessageId.extended, m.payload, m.extId)
    case 'hashRequest':
    case 'hashReject': {
      const [out] = frame(MessageId[m.type], HASH_HEADER_LENGTH)
      writeHashHeader(out, 5, m, m.type)
      return out
    }
    case 'hashes': {
      if (m.hashes.length % 32 !== 0) throw new RangeError(`hashes.hashes must be whole 32-byte hashes, got ${m.hashes.length} bytes`)
      const [out] = frame(MessageId.hashes, HASH_HEADER_LENGTH + m.hashes.length)
      writeHashHeader(out, 5, m, 'hashes')
      out.set(m.hashes, 5 + HASH_HEADER_LENGTH)
      return out
    }
  }
}

/** The bytes of an extended message (BEP 10): the ext id byte then its payload. */
export function encodeExtendedMessage(extId: number, payload: Uint8Array): Uint8Array {
  return encodeMessage({ type: 'extended', extId, payload })
}
