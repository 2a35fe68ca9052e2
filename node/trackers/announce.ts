import type { PeerAddress } from '../dialer.ts'

// What one announce to an HTTP or UDP tracker says and gets back (BEP 3, BEP 15), whatever the wire.

export type AnnounceEvent = 'started' | 'completed' | 'stopped'

export interface AnnounceRequest {
  infoHash: Uint8Array
  peerId: Uint8Array
  /** Our TCP listening port. */
  port: number
  uploaded: number
  downloaded: number
  left: number
  event?: AnnounceEvent
  numwant: number
  /** Random per process: lets a tracker recognise us across address changes (BEP 3 `key`, BEP 15). */
  key: number
  trackerId?: string
}

export interface AnnounceReply {
  intervalS: number
  minIntervalS?: number
  peers: PeerAddress[]
  complete?: number
  incomplete?: number
  warning?: string
  trackerId?: string
}

/** The tracker answered with a "failure reason" (BEP 3) or a UDP error (BEP 15): its words. */
export class TrackerFailure extends Error {
  override name = 'TrackerFailure'
}

export type Announce = (url: string, request: AnnounceRequest, signal: AbortSignal) => Promise<AnnounceReply>

/** Text from a tracker, shown to the user: printable and short. */
export function trackerText(bytes: Uint8Array | string, max = 300): string {
  const s = typeof bytes === 'string' ? bytes : new TextDecoder().decode(bytes)
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').slice(0, max)
}
