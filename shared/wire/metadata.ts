// BEP 9 ut_metadata messages: a bencoded dict {msg_type, piece[, total_size]}, and for `data` the raw
// metadata piece right after the dict. These are payloads after the extended message's id byte.
import { decodePrefix, encode, isDict, isInt, type BValue } from '../bencode/index.ts'
import { concatBytes } from '../bytes.ts'
import { BencodeError, ProtocolError } from '../errors.ts'
import { MAX_EXTENDED_DEPTH, MAX_EXTENDED_PAYLOAD, MAX_METADATA_SIZE } from './limits.ts'
import type { MetadataMessage } from './messages.ts'

export const METADATA_EXTENSION = 'ut_metadata'
export const METADATA_PIECE_SIZE = 16384

const MSG_TYPE = { request: 0, data: 1, reject: 2 } as const

/** How many 16 KiB pieces metadata of `size` bytes has. */
export function metadataPieceCount(size: number): number {
  return Math.ceil(size / METADATA_PIECE_SIZE)
}

/** Bytes in metadata piece `piece` of metadata of `totalSize` bytes (the last one may be short). */
export function metadataPieceLength(piece: number, totalSize: number): number {
  return Math.max(0, Math.min(METADATA_PIECE_SIZE, totalSize - piece * METADATA_PIECE_SIZE))
}

export function encodeMetadataMessage(m: MetadataMessage): Uint8Array {
  if (m.msgType !== 'data') return encode({ msg_type: MSG_TYPE[m.msgType], piece: m.piece })
  return concatBytes([encode({ msg_type: MSG_TYPE.data, piece: m.piece, total_size: m.totalSize }), m.data])
}

/**
 * Decodes one ut_metadata payload. Returns null for an unknown msg_type (BEP 9: ignore it); throws
 * ProtocolError for anything malformed, including a data piece whose length does not match what
 * total_size says that piece must hold.
 */
export function decodeMetadataMessage(payload: Uint8Array): MetadataMessage | null {
  if (payload.length > MAX_EXTENDED_PAYLOAD) throw new ProtocolError(`ut_metadata: ${payload.length} bytes, limit ${MAX_EXTENDED_PAYLOAD}`)
  let value: BValue
  let end: number
  try {
    ;({ value, end } = decodePrefix(payload, { maxDepth: MAX_EXTENDED_DEPTH, maxLength: MAX_EXTENDED_PAYLOAD }))
  } catch (error) {
    if (error instanceof BencodeError) throw new ProtocolError(`ut_metadata: ${error.message}`)
    throw error
  }
  if (!isDict(value)) throw new ProtocolError('ut_metadata: not a bencoded dict')
  const msgType = value.get('msg_type')
  const piece = value.get('piece')
  if (!isInt(msgType)) throw new ProtocolError('ut_metadata: msg_type must be an integer')
  if (msgType !== MSG_TYPE.request && msgType !== MSG_TYPE.data && msgType !== MSG_TYPE.reject) return null
  const maxPiece = metadataPieceCount(MAX_METADATA_SIZE) - 1
  if (!isInt(piece) || piece < 0 || piece > maxPiece) throw new ProtocolError(`ut_metadata: piece must be an integer 0..${maxPiece}`)
  const rest = payload.subarray(end)

  if (msgType !== MSG_TYPE.data) {
    if (rest.length !== 0) throw new ProtocolError(`ut_metadata: ${rest.length} stray bytes after a ${msgType === 0 ? 'request' : 'reject'}`)
    return { msgType: msgType === MSG_TYPE.request ? 'request' : 'reject', piece }
  }
  const totalSize = value.get('total_size')
  if (!isInt(totalSize) || totalSize < 1 || totalSize > MAX_METADATA_SIZE) {
    throw new ProtocolError(`ut_metadata: total_size must be an integer 1..${MAX_METADATA_SIZE}`)
  }
  const expected = metadataPieceLength(piece, totalSize)
  if (expected === 0) throw new ProtocolError(`ut_metadata: piece ${piece} is past total_size ${totalSize}`)
  if (rest.length !== expected) throw new ProtocolError(`ut_metadata: piece ${piece} carries ${rest.length} bytes, expected ${expected}`)
  return { msgType: 'data', piece, totalSize, data: rest }
}
