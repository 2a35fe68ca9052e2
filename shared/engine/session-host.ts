import type { BlockRef, ExtendedHandshake, Handshake, MetadataMessage } from '../wire/messages.ts'
import type { Limits } from './limits.ts'
import type { PeerSession } from './peer-session.ts'
import type { Clock } from './ports.ts'

// The narrow interface between one peer session and its torrent: the session reports what the peer
// did; the torrent decides what to do about it.

/** Our local id for ut_metadata in the `m` dict we advertise (BEP 10). */
export const LOCAL_METADATA_ID = 3

export interface SessionHost {
  /** After a valid handshake: false refuses the peer (banned, self, duplicate, full). */
  accept(s: PeerSession, h: Handshake): boolean
  /** Handshake exchanged: the session wants our state to announce. */
  announce(s: PeerSession): { pieceCount: number | undefined; have: Uint8Array | null; all: boolean; metadataSize: number | undefined }
  extendedHandshake(s: PeerSession, h: ExtendedHandshake): void
  /** The peer's pieces: its whole announcement (no index) or one `have`. */
  peerPieces(s: PeerSession, index?: number): void
  chokeChanged(s: PeerSession, lost: BlockRef[]): void
  peerInterestChanged(s: PeerSession): void
  block(s: PeerSession, ref: BlockRef, data: Uint8Array): void
  rejected(s: PeerSession, ref: BlockRef): void
  /** A request passed validation and was queued; the torrent serves it when it can. */
  requestQueued(s: PeerSession): void
  /** Whether we have (verified) this piece, and whether a block address is valid for the torrent. */
  haveVerified(index: number): boolean
  validBlock(ref: BlockRef): boolean
  metadata(s: PeerSession, m: MetadataMessage): void
  drained(s: PeerSession): void
  uploaded?(bytes: number): void
  closed(s: PeerSession, reason: string): void
}

export interface SessionOptions {
  id: number
  infoHash: Uint8Array
  peerId: Uint8Array
  clock: Clock
  limits: Limits
  pieceCount: number | undefined
  client: string
}

/** One number per block address, for the request maps. */
export const blockKey = (index: number, begin: number): number => index * 0x100000 + begin / 16384
