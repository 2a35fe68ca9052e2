import type { TrackerStatus } from '../../webrtc/tracker-client.ts'
import type { PeerAddress } from '../dialer.ts'
import { NODE_LIMITS } from '../limits.ts'
import type { Announce } from './announce.ts'
import { httpAnnounce } from './http-tracker.ts'
import { TierAnnouncer, type RequestStats } from './tier-announcer.ts'
import type { UdpTrackerClient } from './udp-tracker.ts'

// One torrent's HTTP and UDP trackers: a TierAnnouncer per BEP 12 tier, all started at once. The
// torrent's WebSocket trackers are announced beside these by webrtc/tracker-client.ts.

export function isClassicTracker(url: string): boolean {
  return /^(https?|udp):\/\//i.test(url)
}

/** The announce list's HTTP/UDP trackers by tier, each once, empty tiers dropped, bounded in total. */
export function classicTiers(announce: readonly (readonly string[])[]): string[][] {
  const seen = new Set<string>()
  const tiers: string[][] = []
  for (const tier of announce) {
    const urls: string[] = []
    for (const url of tier) {
      if (!isClassicTracker(url) || seen.has(url) || seen.size >= NODE_LIMITS.maxTrackers) continue
      seen.add(url)
      urls.push(url)
    }
    if (urls.length > 0) tiers.push(urls)
  }
  return tiers
}

export interface ClassicTrackersOptions {
  announce: readonly (readonly string[])[]
  stats: RequestStats
  udp: UdpTrackerClient
  onPeers: (peers: PeerAddress[]) => void
  onStatus?: () => void
}

export class ClassicTrackers {
  #tiers: TierAnnouncer[]

  constructor(o: ClassicTrackersOptions) {
    const udp: Announce = (url, r, signal) => o.udp.announce(url, r, signal)
    this.#tiers = classicTiers(o.announce).map(
      (urls) =>
        new TierAnnouncer({
          urls,
          stats: o.stats,
          announceFor: (url) => (/^udp:/i.test(url) ? udp : httpAnnounce),
          onPeers: o.onPeers,
          onStatus: () => o.onStatus?.(),
        }),
    )
  }

  get size(): number {
    return this.#tiers.length
  }

  start(): void {
    for (const t of this.#tiers) t.start()
  }

  complete(): void {
    for (const t of this.#tiers) t.complete()
  }

  /** `stopped` to every tier at once, waiting at most stopAnnounceTimeoutMs. */
  async stop(): Promise<void> {
    const signal = AbortSignal.timeout(NODE_LIMITS.stopAnnounceTimeoutMs)
    await Promise.all(this.#tiers.map((t) => t.stop(signal)))
  }

  status(): TrackerStatus[] {
    return this.#tiers.flatMap((t) => t.statuses.map((s) => ({ ...s })))
  }
}
