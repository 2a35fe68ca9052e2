import type { BlockRef, ExtendedHandshake, Handshake, HashRequest, MetadataMessage } from '../wire/messages.ts'
import type { Bitfield } from './bitfield.ts'
import type { Limits } from './limits.ts'
import type { Clock } from './ports.ts'
import type { SwarmIds } from './swarm-ids.ts'

// The narrow interface between one peer session and its torrent: the session reports what the peer
// did; the torrent decides what to do about it. `S` is the reporting session (PeerSession): this
// file does not import it, so the session and its host's interface do not import each other.

export interface SessionHost<S> {
  /** After a valid handshake: false refuses the peer (banned, self, duplicate, full). */
  accept(s: S, h: Handshake): boolean
  /** Handshake exchanged: the session wants our state to announce. */
  announce(s: S): { pieceCount: number | undefined; have: Uint8Array | null; all: boolean; metadataSize: number | undefined }
  extendedHandshake(s: S, h: ExtendedHandshake): void
  /** The peer's pieces: its whole announcement (no index) or one `have`. */
  peerPieces(s: S, index?: number): void
  /** A later bitfield replaced the peer's pieces; `before` is what it had (null: not counted yet). */
  peerPiecesReplaced(s: S, before: Bitfield | null): void
  /** The peer choked or unchoked us; `lost` are our requests a choke discarded (BEP 3, no fast). */
  chokeChanged(s: S, lost: BlockRef[]): void
  peerInterestChanged(s: S): void
  block(s: S, ref: BlockRef, data: Uint8Array): void
  rejected(s: S, ref: BlockRef): void
  /** A request passed validation and was queued; the torrent serves it when it can. */
  requestQueued(s: S): void
  /** Whether we have (verified) this piece, and whether a block address is valid for the torrent. */
  haveVerified(index: number): boolean
  validBlock(ref: BlockRef): boolean
  metadata(s: S, m: MetadataMessage): void
  /** BEP 52 hash request / hashes / hash reject, on a v2 connection. */
  hashMessage?(s: S, m: HashMessage): void
  drained(s: S): void
  uploaded?(bytes: number): void
  /** The connection ended; `unanswered` are our requests it still had pending. */
  closed(s: S, reason: string, unanswered: BlockRef[]): void
}

/** The BEP 52 hash messages, as the session hands them over. */
export type HashMessage = ({ type: 'hashRequest' } & HashRequest) | ({ type: 'hashes'; hashes: Uint8Array } & HashRequest) | ({ type: 'hashReject' } & HashRequest)

export interface SessionOptions {
  id: number
  /** The swarm id we send when we speak first (the torrent's `infoHash`). */
  infoHash: Uint8Array
  /** Both ids of a hybrid, read at handshake time (BEP 52 upgrade, swarm-ids.ts); default: `infoHash` as v1. */
  swarmIds?: () => SwarmIds
  /** Whether we dialled: a hybrid's dialled side waits for the dialler's handshake (undefined: both speak at once). */
  initiator?: boolean
  /** The swarm id the connection was made for, when the adapter knows it (a tracker's v2 swarm). */
  swarmId?: Uint8Array
  peerId: Uint8Array
  clock: Clock
  limits: Limits
  pieceCount: number | undefined
  client: string
  /** How the adapter connected this peer ('tcp', 'webrtc', ...): shown in stats, changes nothing. */
  kind?: string
  /** The peer's IP address, when the transport knows it: BEP 6 allowed-fast sets come from it. */
  address?: string
  /** A further connection to a peer that has one (PeerInfo.lane): not refused for its peer id. */
  lane?: boolean
}
