import { bytesEqual } from '../bytes.ts'

// Which info hash a connection speaks (BEP 52 "upgrade path"). A hybrid torrent has two swarm ids: its
// v1 info hash and its v2 info hash truncated to 20 bytes. As libtorrent 2.0.8 does it:
// - whoever speaks first sends the v1 hash with the upgrade bit (reserved[7] & 0x10), or the v2 hash;
// - a peer dialled with the v1 hash and the bit answers with the v2 hash: the connection is v2;
// - a peer that sent the v1 hash itself stays v1 unless the answer carries the v2 hash.
// So the dialled side of a hybrid must see the dialler's handshake before sending its own (BEP 3 lets
// it: the initiator speaks first). A v2-only torrent has only the v2 id: every connection is v2. On
// a v2 connection, and only there, the hash messages (21-23) may be sent.

export interface SwarmIds {
  /** What we send when we speak first: the id the torrent was opened with (its trackers' id). */
  primary: Uint8Array
  /** The v1 info hash, when the torrent has a v1 half (or may: a magnet's btih). */
  v1: Uint8Array | null
  /** The v2 info hash truncated to 20 bytes, when the torrent has a v2 half. */
  v2: Uint8Array | null
}

export interface OurHandshake {
  infoHash: Uint8Array
  /** Set the upgrade bit: we are a v2-capable peer of a hybrid sending its v1 hash. */
  upgrade: boolean
}

export type HandshakeVerdict = { accept: false } | { accept: true; v2: boolean; reply: OurHandshake | null }

const isHybrid = (ids: SwarmIds): boolean => ids.v1 !== null && ids.v2 !== null

/**
 * What we send on connecting, or null to wait for the peer's handshake (a hybrid's dialled side).
 * `swarmId` is the id the connection was made for, when the adapter knows it (a peer from a tracker's
 * v2 swarm is dialled with the v2 id); otherwise the primary one.
 */
export function openingHandshake(ids: SwarmIds, initiator: boolean | undefined, swarmId?: Uint8Array): OurHandshake | null {
  if (isHybrid(ids) && initiator === false) return null
  const ours = swarmId !== undefined && [ids.v1, ids.v2].some((id) => id !== null && bytesEqual(id, swarmId)) ? swarmId : ids.primary
  return { infoHash: ours, upgrade: isHybrid(ids) && bytesEqual(ours, ids.v1!) }
}

/**
 * The peer's handshake named `infoHash` (with or without the upgrade bit); `sent` is ours if we spoke
 * first. Whether it is our swarm, whether the connection is v2, and what we answer if we waited.
 */
export function answerHandshake(ids: SwarmIds, sent: OurHandshake | null, theirs: OurHandshake): HandshakeVerdict {
  const v2 = ids.v2 !== null && bytesEqual(theirs.infoHash, ids.v2)
  const v1 = ids.v1 !== null && bytesEqual(theirs.infoHash, ids.v1)
  if (v2) return { accept: true, v2: true, reply: sent ? null : { infoHash: ids.v2!, upgrade: false } }
  if (!v1) return { accept: false }
  if (sent) return { accept: true, v2: false, reply: null }
  if (theirs.upgrade && ids.v2 !== null) return { accept: true, v2: true, reply: { infoHash: ids.v2, upgrade: false } }
  return { accept: true, v2: false, reply: { infoHash: ids.v1!, upgrade: ids.v2 !== null } }
}
