import type { LibraryRecord } from './library.ts'
import type { TrackerStatus } from '../../webrtc/tracker-client.ts'

// What the UI shows of one torrent: a plain snapshot SwarmClient.views() builds on demand.

export interface TorrentView {
  infoHashHex: string
  name: string
  state: LibraryRecord['state']
  length: number | null
  pieceCount: number | null
  verifiedPieces: number
  /** Pieces verified (fetched and hashed) in this page's life: a resumed download never refetches one. */
  fetchedThisSession: number
  downloaded: number
  uploaded: number
  peers: number
  done: boolean
  trackers: TrackerStatus[]
  error: string | null
  shareLink: string
}

/** Set bits in one byte of a bitfield. */
export function countBits(byte: number): number {
  let n = 0
  for (let v = byte; v; v &= v - 1) n++
  return n
}
