import { fromHex, toHex } from '../../shared/bytes.ts'
import { MagnetError } from '../../shared/errors.ts'
import { formatMagnet, parseInfoHashInput, parseMagnet, type MagnetLink } from '../../shared/magnet/index.ts'

// The share link is the app's own URL with the magnet URI as its fragment:
//   https://host/#magnet:?xt=urn:btih:...&dn=...&tr=wss%3A%2F%2Fhost%2Fannounce
// The fragment never reaches a server (RFC 3986 sec. 3.5), and carrying the tracker inside the magnet
// makes the link work from any deployment of the app.

/** `appUrl` (location.href or any URL of the app) with `magnet` as its fragment. */
export function shareLink(appUrl: string, magnet: MagnetLink): string {
  const u = new URL(appUrl)
  return `${u.origin}${u.pathname}#${formatMagnet(magnet)}`
}

/** The magnet in a URL fragment (`location.hash`, with or without '#'), or null when there is none. */
export function magnetFromFragment(fragment: string): MagnetLink | null {
  const f = fragment.startsWith('#') ? fragment.slice(1) : fragment
  if (!/^magnet:\?/i.test(f)) return null
  return parseMagnet(f)
}

/** The page's own tracker: same host, ws:// or wss:// as the page is http:// or https://. */
export function ownTracker(pageUrl: string): string {
  const u = new URL(pageUrl)
  return `${u.protocol === 'https:' ? 'wss' : 'ws'}://${u.host}/announce`
}

/**
 * Whatever a person pasted: a share link, a magnet URI, or a bare info hash (40 hex or 32 base32).
 * A bare hash names no tracker, so `fallbackTrackers` (the page's own) are added to it.
 * Throws MagnetError when it is none of these.
 */
export function parseTorrentInput(text: string, fallbackTrackers: readonly string[] = []): MagnetLink {
  const t = text.trim()
  const hashAt = t.indexOf('#magnet:')
  if (/^https?:\/\//i.test(t) && hashAt >= 0) return parseMagnet(t.slice(hashAt + 1))
  if (/^magnet:/i.test(t)) return parseMagnet(t)
  const bare = parseInfoHashInput(t)
  if (bare) return { infoHash: bare, infoHashHex: toHex(bare), trackers: [...fallbackTrackers], webSeeds: [], exactSources: [], peers: [] }
  throw new MagnetError('not a magnet link, a share link or an info hash')
}

/**
 * A magnet for a torrent we have: what the app shares after seeding a drop. With `v2` (a v2 or hybrid
 * torrent, BEP 52) it names the v2 info hash too (btmh), so our peers can upgrade to v2 and fetch
 * piece layers; a v2-only torrent's link names only that (its swarm id `infoHashHex` is no v1 hash).
 */
export function magnetFor(infoHashHex: string, name: string | undefined, trackers: readonly string[], v2?: { infoHashV2: Uint8Array; v2Only: boolean }): MagnetLink {
  const infoHash = fromHex(infoHashHex)
  const m: MagnetLink = { trackers: [...trackers], webSeeds: [], exactSources: [], peers: [] }
  if (!v2?.v2Only) Object.assign(m, { infoHash, infoHashHex: toHex(infoHash) })
  if (v2) m.infoHashV2 = v2.infoHashV2
  if (name !== undefined) m.name = name
  return m
}
