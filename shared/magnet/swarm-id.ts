import type { MagnetLink } from './types.ts'

/**
 * The 20 bytes a magnet's swarm is known by on the wire and at trackers: its v1 info hash, or for a
 * v2-only magnet its SHA-256 info hash truncated to 20 bytes (BEP 52). A hybrid's v1 hash wins: it
 * is the swarm every client (WebTorrent included) can join.
 */
export function swarmIdOf(link: Pick<MagnetLink, 'infoHash' | 'infoHashV2'>): Uint8Array {
  if (link.infoHash !== undefined) return link.infoHash
  if (link.infoHashV2 !== undefined) return link.infoHashV2.slice(0, 20)
  throw new RangeError('a magnet link with no info hash')
}
