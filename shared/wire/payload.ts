// Per-message-type rules: the exact payload length each id allows (checked as soon as the 5-byte
// header is in, before any payload is buffered) and the parse of a complete payload into a Message.
import { ProtocolError } from '../errors.ts'
import type { DecoderLimits } from './limits.ts'
import { MessageId, type Message, type MessageType } from './messages.ts'
import { HASH_HEADER_LENGTH, readHashHeader, readHashes } from './hash-messages.ts'

const NAME_OF_ID = new Map<number, Exclude<MessageType, 'keepAlive'>>(
  (Object.entries(MessageId) as [Exclude<MessageType, 'keepAlive'>, number][]).map(([name, id]) => [id, name]),
)

export function messageName(id: number): Exclude<MessageType, 'keepAlive'> {
  const name = NAME_OF_ID.get(id)
  // Every extension since 2008 is negotiated through BEP 10 extended messages (id 20), so a peer
  // sending an id nobody defined is broken or hostile. libtorrent closes such connections too;
  // ignoring them would let a peer stream unbounded junk at us for free.
  if (name === undefined) throw new ProtocolError(`unknown message id ${id}`)
  return name
}

export function bitfieldLength(pieceCount: number): number {
  return Math.ceil(pieceCount / 8)
}

/** Throws unless a message with this id may carry `length` payload bytes (after the id byte). */
export function checkPayloadLength(id: number, length: number, limits: DecoderLimits, pieceCount: number | undefined): void {
  const name = messageName(id)
  const fail = (expected: string): never => {
    throw new ProtocolError(`${name}: payload length ${length}, expected ${expected}`)
  }
  switch (name) {
    case 'choke':
    case 'unchoke':
    case 'interested':
    case 'notInterested':
    case 'haveAll':
    case 'haveNone':
      if (length !== 0) fail('0')
      return
    case 'have':
    case 'suggest':
    case 'allowedFast':
      if (length !== 4) fail('4')
      return
    case 'request':
    case 'cancel':
    case 'reject':
      if (length !== 12) fail('12')
      return
    case 'port':
      if (length !== 2) fail('2')
      return
    case 'bitfield':
      if (pieceCount !== undefined) {
        if (length !== bitfieldLength(pieceCount)) fail(`${bitfieldLength(pieceCount)} for ${pieceCount} pieces`)
      } else if (length < 1 || length > limits.maxBitfieldLength) {
        fail(`1..${limits.maxBitfieldLength} while the piece count is unknown`)
      }
      return
    case 'piece':
      if (length <= 8 || length > 8 + limits.maxBlockLength) fail(`9..${8 + limits.maxBlockLength} (a 1..${limits.maxBlockLength}-byte block)`)
      return
    case 'extended':
      if (length < 1 || length > limits.maxExtendedLength) fail(`1..${limits.maxExtendedLength}`)
      return
    case 'hashRequest':
    case 'hashReject':
      if (length !== HASH_HEADER_LENGTH) fail(`${HASH_HEADER_LENGTH}`)
      return
    case 'hashes':
      if (length < HASH_HEADER_LENGTH || length > limits.maxHashesLength || (length - HASH_HEADER_LENGTH) % 32 !== 0) {
        fail(`48 + a multiple of 32, at most ${limits.maxHashesLength}`)
      }
      return
  }
}

/**
 * Parses a payload whose length `checkPayloadLength` accepted. `payload` must be a fresh array the
 * caller owns: byte-carrying messages keep views of it rather than copying again.
 */
export function parsePayload(id: number, payload: Uint8Array, limits: DecoderLimits, pieceCount: number | undefined): Message {
  const name = messageName(id)
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength)
  const index = (): number => {
    const i = view.getUint32(0)
    if (pieceCount !== undefined && i >= pieceCount) throw new ProtocolError(`${name}: piece index ${i} out of range (${pieceCount} pieces)`)
    return i
  }
  switch (name) {
    case 'choke':
    case 'unchoke':
    case 'interested':
    case 'notInterested':
    case 'haveAll':
    case 'haveNone':
      return { type: name }
    case 'have':
    case 'suggest':
    case 'allowedFast':
      return { type: name, index: index() }
    case 'request':
    case 'cancel':
    case 'reject': {
      const ref = { index: index(), begin: view.getUint32(4), length: view.getUint32(8) }
      if (ref.length < 1 || ref.length > limits.maxBlockLength) {
        throw new ProtocolError(`${name}: block length ${ref.length}, expected 1..${limits.maxBlockLength}`)
      }
      return { type: name, ...ref }
    }
    case 'port':
      return { type: 'port', port: view.getUint16(0) }
    case 'bitfield':
      if (pieceCount !== undefined) {
        // Checked again here: setPieceCount may have run while this bitfield was still arriving.
        if (payload.length !== bitfieldLength(pieceCount)) {
          throw new ProtocolError(`bitfield: payload length ${payload.length}, expected ${bitfieldLength(pieceCount)} for ${pieceCount} pieces`)
        }
        checkSpareBits(payload, pieceCount)
      }
      return { type: 'bitfield', bits: payload }
    case 'piece':
      return { type: 'piece', index: index(), begin: view.getUint32(4), block: payload.subarray(8) }
    case 'extended':
      return { type: 'extended', extId: payload[0] ?? 0, payload: payload.subarray(1) }
    case 'hashRequest':
    case 'hashReject':
      return { type: name, ...readHashHeader(payload, name) }
    case 'hashes': {
      const header = readHashHeader(payload, name)
      return { type: 'hashes', ...header, hashes: readHashes(payload, header) }
    }
  }
}

/** BEP 3: the bits past the last piece must be zero ("clients should drop the connection"). */
export function checkSpareBits(bits: Uint8Array, pieceCount: number): void {
  const spare = bits.length * 8 - pieceCount
  if (spare <= 0) return
  const last = bits[bits.length - 1] ?? 0
  if ((last & ((1 << spare) - 1)) !== 0) throw new ProtocolError(`bitfield: spare bits after piece ${pieceCount - 1} are set`)
}
