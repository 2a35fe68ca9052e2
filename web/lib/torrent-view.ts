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
  /** Pieces in the browser's storage (OPFS); below verifiedPieces while a dropped file is being copied. */
  storedPieces: number
  /** Pieces are (also) served from the user's own file (dropped or picked again). */
  fromFile: boolean
  /** Dropped here, but part of it never reached OPFS (a reload came first): pick its files again. */
  needsFiles: boolean
  /** What the person should know that is not an error. */
  notice: string | null
  /** Not kept in the browser: shared from the user's file while the page is open. */
  sessionOnly: boolean
  /** The torrent's files (padding left out), once the metadata is known; `index` is for streamUrl. */
  files: { index: number; path: string[]; length: number }[] | null
}

/** Set bits in one byte of a bitfield. */
export function countBits(byte: number): number {
  let n = 0
  for (let v = byte; v; v &= v - 1) n++
  return n
}
