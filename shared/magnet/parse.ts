// Magnet URI parsing. Untrusted text (pasted, or from a share link): every path ends in a MagnetLink
// or a MagnetError, and every list is bounded (see limits.ts).
import { fromHex, toHex } from '../bytes.ts'
import { MagnetError } from '../errors.ts'
import { base32Decode } from './base32.ts'
import { MAX_EXACT_SOURCES, MAX_FILE_INDEX, MAX_MAGNET_LENGTH, MAX_PARAMS, MAX_PEERS, MAX_SELECTED, MAX_TRACKERS, MAX_WEB_SEEDS } from './limits.ts'
import type { MagnetLink } from './types.ts'

const HEX40 = /^[0-9a-fA-F]{40}$/
const BASE32_32 = /^[A-Za-z2-7]{32}$/
/** BEP 52 / multihash: 0x12 = sha2-256, 0x20 = 32-byte digest. */
const BTMH_SHA256 = /^urn:btmh:1220([0-9a-fA-F]{64})$/i

/** A bare info hash as typed by a person: 40 hex or 32 base32 characters; null if it is neither. */
export function parseInfoHashInput(s: string): Uint8Array | null {
  const t = s.trim()
  if (HEX40.test(t)) return fromHex(t)
  if (BASE32_32.test(t)) return base32Decode(t)
  return null
}

function percentDecode(value: string, key: string): string {
  try {
    return decodeURIComponent(value)
  } catch {
    throw new MagnetError(`magnet: ${key} has bad percent-encoding`)
  }
}

function pushBounded(list: string[], value: string, max: number): void {
  if (list.length < max && !list.includes(value)) list.push(value)
}

export function parseMagnet(uri: string): MagnetLink {
  if (typeof uri !== 'string') throw new MagnetError('magnet: not a string')
  if (uri.length > MAX_MAGNET_LENGTH) throw new MagnetError(`magnet: ${uri.length} characters, limit ${MAX_MAGNET_LENGTH}`)
  const text = uri.trim()
  if (!/^magnet:\?/i.test(text)) throw new MagnetError('magnet: does not start with "magnet:?"')
  // A fragment is not part of the query (RFC 3986); drop it rather than let it glue onto a value.
  const query = text.slice('magnet:?'.length).split('#', 1)[0] ?? ''
  const params = query.split('&')
  if (params.length > MAX_PARAMS) throw new MagnetError(`magnet: ${params.length} parameters, limit ${MAX_PARAMS}`)

  const link: MagnetLink = { trackers: [], webSeeds: [], exactSources: [], peers: [] }
  const ranges: [number, number][] = []
  let sawSelect = false
  for (const param of params) {
    const eq = param.indexOf('=')
    if (eq <= 0) continue // "", "&&", a key with no value: nothing to use
    const rawKey = param.slice(0, eq)
    const raw = param.slice(eq + 1)
    // Numbered keys (xt.1, tr.2) are the magnet draft's way to repeat a parameter.
    const key = /^(xt|tr|ws|xs|dn)\.\d{1,4}$/.test(rawKey) ? rawKey.slice(0, 2) : rawKey
    switch (key) {
      case 'xt':
        readExactTopic(link, percentDecode(raw, 'xt'))
        break
      case 'dn':
        // Form encoding: '+' is a space (magnet-uri writes spaces so), '%2B' a plus.
        if (link.name === undefined) link.name = percentDecode(raw.replace(/\+/g, ' '), 'dn')
        break
      case 'tr':
        pushBounded(link.trackers, percentDecode(raw, 'tr'), MAX_TRACKERS)
        break
      case 'ws':
        pushBounded(link.webSeeds, percentDecode(raw, 'ws'), MAX_WEB_SEEDS)
        break
      case 'xs':
        pushBounded(link.exactSources, percentDecode(raw, 'xs'), MAX_EXACT_SOURCES)
        break
      case 'x.pe':
        pushBounded(link.peers, percentDecode(raw, 'x.pe'), MAX_PEERS)
        break
      case 'so':
        sawSelect = true
        readSelect(ranges, percentDecode(raw, 'so'))
        break
      default:
        break // unknown keys (kt, mt, as, ...) are not ours to reject
    }
  }
  if (!link.infoHash && !link.infoHashV2) throw new MagnetError('magnet: no xt=urn:btih: or xt=urn:btmh: info hash')
  if (sawSelect) link.select = expandRanges(ranges)
  return link
}

function readExactTopic(link: MagnetLink, xt: string): void {
  const v1 = /^urn:btih:(.*)$/i.exec(xt)
  if (v1) {
    const hash = parseInfoHashInput(v1[1] ?? '')
    if (!hash || (v1[1] ?? '').trim() !== v1[1]) throw new MagnetError('magnet: urn:btih: needs 40 hex or 32 base32 characters')
    const hex = toHex(hash)
    if (link.infoHashHex !== undefined && link.infoHashHex !== hex) throw new MagnetError('magnet: two different urn:btih: info hashes')
    link.infoHash = hash
    link.infoHashHex = hex
    return
  }
  if (/^urn:btmh:/i.test(xt)) {
    const m = BTMH_SHA256.exec(xt)
    if (!m) throw new MagnetError('magnet: urn:btmh: needs 1220 then 64 hex characters (a SHA-256 multihash)')
    const hash = fromHex(m[1] ?? '')
    if (link.infoHashV2 && toHex(link.infoHashV2) !== toHex(hash)) throw new MagnetError('magnet: two different urn:btmh: info hashes')
    link.infoHashV2 = hash
  }
  // Other urns (ed2k, sha1, ...) name other networks: ignored.
}

/** BEP 53: "0,2,4-6" -> [0, 2], [2, 2], [4, 6] (inclusive ranges, expanded later). */
function readSelect(ranges: [number, number][], value: string): void {
  for (const part of value.split(',')) {
    const m = /^(\d{1,10})(?:-(\d{1,10}))?$/.exec(part)
    if (!m) throw new MagnetError(`magnet: so: "${part.slice(0, 32)}" is not an index or a range`)
    const from = Number(m[1])
    const to = m[2] === undefined ? from : Number(m[2])
    if (to < from) throw new MagnetError(`magnet: so: range ${from}-${to} runs backwards`)
    if (to > MAX_FILE_INDEX) throw new MagnetError(`magnet: so: file index ${to} above ${MAX_FILE_INDEX}`)
    ranges.push([from, to])
  }
}

/** Merges overlapping ranges first, so repeated or overlapping ranges cost nothing to expand. */
function expandRanges(ranges: [number, number][]): number[] {
  ranges.sort((a, b) => a[0] - b[0])
  const merged: [number, number][] = []
  let total = 0
  for (const [from, to] of ranges) {
    const last = merged[merged.length - 1]
    if (last && from <= last[1] + 1) {
      total += Math.max(0, to - last[1])
      last[1] = Math.max(last[1], to)
    } else {
      merged.push([from, to])
      total += to - from + 1
    }
    if (total > MAX_SELECTED) throw new MagnetError(`magnet: so selects more than ${MAX_SELECTED} files`)
  }
  const out: number[] = []
  for (const [from, to] of merged) for (let i = from; i <= to; i++) out.push(i)
  return out
}
