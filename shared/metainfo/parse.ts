// .torrent parsing (BEP 3, BEP 52): the top-level dict's tracker and descriptive fields, the info
// dict (parse-info.ts), whose hashes are taken over its bytes exactly as they appear in the file,
// found through decodeWithSpans (re-encoding would change the hash of torrents with unsorted keys),
// and for v2 the piece layers beside it (piece-layers.ts).
//
// Optional descriptive fields (announce, comment, url-list, ...) of the wrong type or with invalid
// UTF-8 are skipped rather than fatal: they do not affect what is downloaded, and real files get
// them wrong. Everything in info is checked strictly.

import { MetainfoError } from '../errors.ts'
import { bytesEqual, toHex, utf8 } from '../bytes.ts'
import { sha1, sha256 } from '../hash.ts'
import { decode, decodeWithSpans, isBytes, isDict, isInt, isList } from '../bencode/index.ts'
import type { BDict, BValue, DecodeOptions } from '../bencode/index.ts'
import { readInfoDict } from './parse-info.ts'
import type { InfoDigests } from './parse-info.ts'
import { readPieceLayers } from './piece-layers.ts'
import { metainfoLimits } from './types.ts'
import type { Metainfo, TorrentInfo } from './types.ts'

function looseText(v: BValue | undefined): string | undefined {
  if (!isBytes(v)) return undefined
  try {
    return utf8.decode(v)
  } catch {
    return undefined
  }
}

function looseTextOf(d: BDict, key: string): string | undefined {
  return looseText(d.get(`${key}.utf-8`)) ?? looseText(d.get(key))
}

/** BEP 12: announce-list tiers when it has any usable URL, else [[announce]], else []. */
function trackerTiers(top: BDict): string[][] {
  let budget: number = metainfoLimits.maxTrackers
  const tiers: string[][] = []
  const list = top.get('announce-list')
  if (isList(list)) {
    for (const tier of list) {
      if (!isList(tier)) continue
      const urls: string[] = []
      for (const u of tier) {
        const url = looseText(u)
        if (url === undefined || url === '' || urls.includes(url) || budget === 0) continue
        urls.push(url)
        budget--
      }
      if (urls.length > 0) tiers.push(urls)
    }
  }
  if (tiers.length > 0) return tiers
  const announce = looseText(top.get('announce'))
  return announce === undefined || announce === '' ? [] : [[announce]]
}

/** BEP 19: url-list is one URL or a list of them. */
function webSeeds(top: BDict): string[] {
  const v = top.get('url-list')
  const items = isList(v) ? v : v === undefined ? [] : [v]
  const out: string[] = []
  for (const item of items) {
    const url = looseText(item)
    if (url !== undefined && url !== '' && !out.includes(url)) out.push(url)
    if (out.length >= metainfoLimits.maxWebSeeds) break
  }
  return out
}

/** The two digests of an info dict; WebCrypto unless the caller brings its own (the engine's Hasher port). */
export interface InfoHashing {
  sha1(data: Uint8Array): Promise<Uint8Array>
  sha256(data: Uint8Array): Promise<Uint8Array>
}
const webCrypto: InfoHashing = { sha1, sha256 }

async function digestsOf(infoBytes: Uint8Array, hashing: InfoHashing = webCrypto): Promise<InfoDigests> {
  const [d1, d2] = await Promise.all([hashing.sha1(infoBytes), hashing.sha256(infoBytes)])
  return { sha1: d1, sha256: d2 }
}

// A v2 file tree nests one dict per path segment: let the decoder go as deep as the deepest path we
// accept (the metainfo checks then give the clearer error), a few levels above the top dict.
const DECODE: DecodeOptions = { maxDepth: metainfoLimits.maxPathSegments + 8 }

/** Parse a .torrent file. Throws BencodeError (not bencode) or MetainfoError (not a usable torrent). */
export async function parseTorrent(bytes: Uint8Array): Promise<Metainfo> {
  const { value: top, spans } = decodeWithSpans(bytes, DECODE)
  if (!isDict(top)) throw new MetainfoError('a .torrent file must be a bencoded dict')
  const span = spans.get('info')
  if (span === undefined) throw new MetainfoError('the torrent has no info dict')
  // A plain copy (a Node Buffer's slice() would be a view of the caller's buffer).
  const infoBytes = new Uint8Array(bytes.subarray(span.start, span.end))
  const info = readInfoDict(top.get('info')!, infoBytes, await digestsOf(infoBytes))

  const m: Metainfo = { ...info, announce: trackerTiers(top), urlList: webSeeds(top), pieceLayers: readPieceLayers(top.get('piece layers'), info) }
  const comment = looseTextOf(top, 'comment')
  if (comment !== undefined) m.comment = comment
  const createdBy = looseTextOf(top, 'created by')
  if (createdBy !== undefined) m.createdBy = createdBy
  const date = top.get('creation date')
  if (isInt(date)) m.creationDate = date
  return m
}

/**
 * Parse an info dict on its own: metadata fetched from peers (BEP 9). With `expectedInfoHash`, the
 * bytes must hash to it or a MetainfoError is thrown: 20 bytes are a v1 info hash or, for a v2 or
 * hybrid info dict, a v2 one truncated (the swarm id of a v2 magnet, BEP 52); 32 bytes a v2 info hash.
 * `hashing` lets the engine hash through its own port (a simulated swarm must not wait on WebCrypto).
 */
export async function parseInfo(infoBytes: Uint8Array, expectedInfoHash?: Uint8Array, hashing?: InfoHashing): Promise<TorrentInfo> {
  const own = new Uint8Array(infoBytes)
  const digests = await digestsOf(own, hashing)
  const mismatch = (): MetainfoError => {
    const got = expectedInfoHash?.length === 32 ? digests.sha256 : digests.sha1
    return new MetainfoError(`metadata hashes to ${toHex(got)}, not the expected ${toHex(expectedInfoHash!)}`)
  }
  // The digests first: bytes that are not the torrent's are refused before being parsed.
  if (expectedInfoHash !== undefined && !matchesDigests(digests, expectedInfoHash)) throw mismatch()
  const info = readInfoDict(decode(own, DECODE), own, digests)
  // And the version: a v1 info dict does not answer to its SHA-256.
  if (expectedInfoHash !== undefined && !matchesInfoHash(info, expectedInfoHash)) throw mismatch()
  return info
}

function matchesDigests(d: InfoDigests, hash: Uint8Array): boolean {
  if (hash.length === 32) return bytesEqual(d.sha256, hash)
  return hash.length === 20 && (bytesEqual(d.sha1, hash) || bytesEqual(d.sha256.subarray(0, 20), hash))
}

/** Whether `hash` names this torrent: its v1 hash, its v2 hash, or its v2 hash truncated to 20 bytes. */
export function matchesInfoHash(info: TorrentInfo, hash: Uint8Array): boolean {
  if (info.infoHashV1 !== null && bytesEqual(info.infoHashV1, hash)) return true
  if (info.infoHashV2 === null) return false
  return hash.length === 32 ? bytesEqual(info.infoHashV2, hash) : hash.length === 20 && bytesEqual(info.infoHashV2.subarray(0, 20), hash)
}
