// Writes a .torrent around an info dict given as raw bytes, so the info hash is preserved exactly
// (the info dict is never re-encoded). Keys come out sorted as bencode requires: the fields that
// sort before "info" are encoded as one dict, the info bytes are spliced in, then those after.

import { concatBytes, fromBinaryString, utf8 } from '../bytes.ts'
import { encode } from '../bencode/index.ts'
import type { BEncodable } from '../bencode/index.ts'

export interface TorrentFields {
  infoBytes: Uint8Array
  /** BEP 52 piece layers by raw pieces root (binary string keys, as pieceLayersDict gives them). */
  pieceLayers?: ReadonlyMap<string, Uint8Array>
  /** BEP 12 tiers. The first URL also goes in `announce`; `announce-list` is written when there are several. */
  announce?: string[][]
  urlList?: string[]
  comment?: string
  createdBy?: string
  creationDate?: number
}

const INFO_KEY = utf8.encode('info')

function sortsBeforeInfo(key: string): boolean {
  const k = utf8.encode(key)
  for (let i = 0; i < Math.min(k.length, INFO_KEY.length); i++) {
    if (k[i] !== INFO_KEY[i]) return k[i]! < INFO_KEY[i]!
  }
  return k.length < INFO_KEY.length
}

export function encodeTorrent(m: TorrentFields): Uint8Array {
  const tiers = (m.announce ?? []).map((t) => t.filter((u) => u !== '')).filter((t) => t.length > 0)
  const fields: Record<string, BEncodable | undefined> = {
    announce: tiers[0]?.[0],
    'announce-list': tiers.flat().length > 1 ? tiers : undefined,
    comment: m.comment,
    'created by': m.createdBy,
    'creation date': m.creationDate,
    'piece layers': m.pieceLayers !== undefined && m.pieceLayers.size > 0 ? new Map(m.pieceLayers) : undefined,
    'url-list': m.urlList !== undefined && m.urlList.length > 0 ? m.urlList : undefined,
  }
  const before: Record<string, BEncodable | undefined> = {}
  const after: Record<string, BEncodable | undefined> = {}
  for (const [k, v] of Object.entries(fields)) (sortsBeforeInfo(k) ? before : after)[k] = v
  const head = encode(before) // "d...e"
  const tail = encode(after) // "d...e"
  return concatBytes([head.subarray(0, head.length - 1), fromBinaryString('4:info'), m.infoBytes, tail.subarray(1)])
}
