// Magnet URI formatting: the inverse of parseMagnet, written the way magnet-uri (WebTorrent) writes
// it, so that both parsers read our links and ours reads theirs.
import { toHex } from '../bytes.ts'
import { MagnetError } from '../errors.ts'
import type { MagnetLink } from './types.ts'

/** BEP 53 ranges from ascending distinct indices: [0, 2, 4, 5, 6] -> "0,2,4-6". */
export function composeSelect(indices: readonly number[]): string {
  const sorted = [...new Set(indices)].sort((a, b) => a - b)
  const parts: string[] = []
  for (let i = 0; i < sorted.length; ) {
    let j = i
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] ?? 0) + 1) j++
    parts.push(j > i ? `${sorted[i]}-${sorted[j]}` : `${sorted[i]}`)
    i = j + 1
  }
  return parts.join(',')
}

/** encodeURIComponent, but a lone surrogate (not encodable as UTF-8) is a MagnetError, not a URIError. */
function escape(value: string, what: string): string {
  try {
    return encodeURIComponent(value)
  } catch {
    throw new MagnetError(`formatMagnet: ${what} is not well-formed Unicode`)
  }
}

export function formatMagnet(m: MagnetLink): string {
  const params: string[] = []
  const v1 = m.infoHash ? toHex(m.infoHash) : m.infoHashHex?.toLowerCase()
  if (v1 !== undefined) {
    if (!/^[0-9a-f]{40}$/.test(v1)) throw new MagnetError('formatMagnet: info hash must be 20 bytes')
    params.push(`xt=urn:btih:${v1}`)
  }
  if (m.infoHashV2) {
    if (m.infoHashV2.length !== 32) throw new MagnetError('formatMagnet: v2 info hash must be 32 bytes')
    params.push(`xt=urn:btmh:1220${toHex(m.infoHashV2)}`)
  }
  if (params.length === 0) throw new MagnetError('formatMagnet: no info hash')
  if (m.name !== undefined) params.push(`dn=${escape(m.name, 'dn').replace(/%20/g, '+')}`)
  for (const tr of m.trackers) params.push(`tr=${escape(tr, 'tr')}`)
  for (const ws of m.webSeeds) params.push(`ws=${escape(ws, 'ws')}`)
  for (const xs of m.exactSources) params.push(`xs=${escape(xs, 'xs')}`)
  if (m.select && m.select.length > 0) params.push(`so=${composeSelect(m.select)}`)
  // magnet-uri neither encodes nor decodes x.pe: write plain host:port as is, escape anything else.
  for (const pe of m.peers) params.push(`x.pe=${/^[\w.:[\]-]+$/.test(pe) ? pe : escape(pe, 'x.pe')}`)
  return `magnet:?${params.join('&')}`
}

/** The hashes of a torrent, as shared/metainfo's TorrentInfo has them (v1 SHA-1, v2 SHA-256). */
export interface TorrentHashes {
  infoHashV1: Uint8Array | null
  infoHashV2: Uint8Array | null
}

/**
 * The magnet of a torrent we have: btih for a v1 hash, btmh for a v2 one, both for a hybrid (BEP 52),
 * so v1-only clients (WebTorrent) and v2 clients each find the swarm they can join.
 */
export function magnetOf(t: TorrentHashes, name: string | undefined, trackers: readonly string[]): MagnetLink {
  const m: MagnetLink = { trackers: [...trackers], webSeeds: [], exactSources: [], peers: [] }
  if (t.infoHashV1 !== null) {
    m.infoHash = t.infoHashV1
    m.infoHashHex = toHex(t.infoHashV1)
  }
  if (t.infoHashV2 !== null) m.infoHashV2 = t.infoHashV2
  if (name !== undefined) m.name = name
  return m
}
