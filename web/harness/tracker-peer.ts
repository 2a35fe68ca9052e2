import { fromHex, toBinaryString } from '../../shared/bytes.ts'
import { PeerPool } from '../../webrtc/peer-pool.ts'
import { TrackerClient, type TrackerStatus } from '../../webrtc/tracker-client.ts'
import { TrackerSocketPool } from '../../webrtc/tracker-socket.ts'
import type { DataChannelTransport } from '../../webrtc/webrtc-transport.ts'

// Test-only: one page's swarm membership for e2e/lib-tracker-client.spec.ts: a PeerPool, a socket pool
// and one TrackerClient per torrent, recording every transport that opens and the text it receives.

export interface Opened {
  infoHash: string
  remotePeerId: string
  transport: DataChannelTransport
  received: string
}

export class TrackerPeer {
  readonly peers = new PeerPool()
  readonly sockets = new TrackerSocketPool()
  readonly clients = new Map<string, TrackerClient>()
  readonly opened: Opened[] = []
  readonly peerId = toBinaryString(crypto.getRandomValues(new Uint8Array(20)))
  statuses: TrackerStatus[] = []

  constructor() {
    this.peers.onPeer = (infoHash, remotePeerId, transport) => {
      const o: Opened = { infoHash, remotePeerId, transport, received: '' }
      transport.onData = (chunk) => (o.received += new TextDecoder().decode(chunk))
      this.opened.push(o)
    }
  }

  join(infoHashHex: string, trackers: string[], left = 1000): TrackerClient {
    const client = new TrackerClient({
      infoHash: toBinaryString(fromHex(infoHashHex)),
      peerId: this.peerId,
      announce: [trackers],
      signaling: this.peers,
      stats: () => ({ uploaded: 0, downloaded: 0, left }),
      pool: this.sockets,
    })
    client.onStatus = (s) => (this.statuses = s)
    this.clients.set(infoHashHex, client)
    client.start()
    return client
  }

  /** Resolves once `n` transports are open. */
  async waitForPeers(n: number, timeoutMs = 20_000): Promise<number> {
    const until = Date.now() + timeoutMs
    while (this.opened.length < n && Date.now() < until) await new Promise((r) => setTimeout(r, 50))
    return this.opened.length
  }

  sendToAll(text: string): void {
    for (const o of this.opened) o.transport.write(new TextEncoder().encode(text))
  }

  status(infoHashHex: string): TrackerStatus[] {
    return this.clients.get(infoHashHex)?.status() ?? []
  }

  destroy(): void {
    for (const c of this.clients.values()) c.stop()
    this.peers.destroy()
    this.sockets.destroy()
  }
}
