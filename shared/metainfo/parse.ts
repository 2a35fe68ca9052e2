// .torrent parsing (BEP 3): the top-level dict's tracker and descriptive fields, and the info dict
// (parse-info.ts), whose hash is taken over its bytes exactly as they appear in the file, found
// through decodeWithSpans: re-encoding would change the hash of torrents with unsorted keys.
//
// Optional descriptive fields (announce, comment, url-list, ...) of the wrong type or with invalid
// UTF-8 are skipped rather than fatal: they do not affect what is downloaded, and real files get
// them wrong. Everything in info is checked strictly.

import { MetainfoError } from '../errors.ts'
import { bytesEqual, toHex, utf8 } from '../bytes.ts'
import { sha1 } from '../hash.ts'
import { decode, decodeWithSpans, isBytes, isDict, isInt, isList } from '../bencode/index.ts'
import type { BDict, BValue } from '../bencode/index.ts'
import { readInfoDict } from './parse-info.ts'
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

async function hashInfo(infoBytes: Uint8Array): Promise<{ infoHash: Uint8Array; infoHashHex: string }> {
  const infoHash = await sha1(infoBytes)
  return { infoHash, infoHashHex: toHex(infoHash) }
}

/** Parse a .torrent file. Throws BencodeError (not bencode) or MetainfoError (not a usable torrent). */
export async function parseTorrent(bytes: Uint8Array): Promise<Metainfo> {
  const { value: top, spans } = decodeWithSpans(bytes)
  if (!isDict(top)) throw new MetainfoError('a .torrent file must be a bencoded dict')
  const span = spans.get('info')
  if (span === undefined) throw new MetainfoError('the torrent has no info dict')
  // A plain copy (a Node Buffer's slice() would be a view of the caller's buffer).
  const infoBytes = new Uint8Array(bytes.subarray(span.start, span.end))
  const { infoHash, infoHashHex } = await hashInfo(infoBytes)
  const info = readInfoDict(top.get('info')!, infoBytes, infoHash, infoHashHex)

  const m: Metainfo = { ...info, announce: trackerTiers(top), urlList: webSeeds(top) }
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
 * bytes must hash to it (the magnet link's hash) or a MetainfoError is thrown.
 */
export async function parseInfo(infoBytes: Uint8Array, expectedInfoHash?: Uint8Array): Promise<TorrentInfo> {
  const own = new Uint8Array(infoBytes)
  const { infoHash, infoHashHex } = await hashInfo(own)
  if (expectedInfoHash !== undefined && !bytesEqual(infoHash, expectedInfoHash)) {
    throw new MetainfoError(`metadata hashes to ${infoHashHex}, not the expected ${toHex(expectedInfoHash)}`)
  }
  return readInfoDict(decode(own), own, infoHash, infoHashHex)
}
