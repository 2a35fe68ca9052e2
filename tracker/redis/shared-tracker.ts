// The tracker core for several tracker processes (nodes) on one Redis: every node that names the
// same Redis serves the same swarms. It is the in-memory core (tracker.ts) with its three answer steps
// taken from Redis (store.ts, lua/): the node's own table still takes every request first, with the
// rules that need only this node (a socket's peers, its swarms, ownership among this node's sockets),
// then one script call applies it to the shared swarm and returns the shared counts and the peers to
// give out or offer to, wherever their sockets are.
//
// Offers for a browser whose socket is on another node go to that node's channel with the offerer's
// node in the header; the receiving node delivers it and remembers the offer on its own peer, so the
// fresh-offer rule holds as in one process: an answer is accepted only by the node of the answering
// socket, for an offer relayed to it, and goes back on the offerer's node's channel. A peer_id belongs
// to the socket that first announced it, on whichever node: the script refuses it to any other node
// while that socket's node is alive and the peer is not silent past the TTL.
//
// While Redis is out of reach (store.status 'degraded') every request is the in-memory core's, on
// this node's own table; browser peers that leave meanwhile are remembered (bounded), and when Redis
// returns the node removes those and writes its whole table back (resync) before serving from Redis.

import type { Limits, Timing } from '../limits.ts'
import type { Logger } from '../log.ts'
import type {
  ClassicAnnounce, ClassicAnnounceReply, ClassicPeerView, Protocol, Refusal, Reply, RtcAnnounce, RtcAnswer, ScrapeRequest, SwarmCounts,
} from '../requests.ts'
import { classicKey, rememberOffer, type ClassicPeer, type PendingOffer, type RtcPeer, type Swarm, type TableCounts } from '../swarms.ts'
import { EMPTY_COUNTS, Tracker, forget, type RtcMessenger, type RtcOwner } from '../tracker.ts'
import { bytes, classicPeerOf, decodeNodeMessage, encodeNodeMessage, hexOf, rtcField, text } from './codec.ts'
import type { RedisStore } from './store.ts'

/** What a node counts of its part in the cluster (beside the core's counters). */
export interface ClusterCounters {
  /** Offers and answers sent to other nodes, and received from them but no longer deliverable. */
  offersForwarded: number
  answersForwarded: number
  undeliverable: number
  /** Peers the sweeps of this node removed from Redis. */
  sharedPeersExpired: number
  /** Peers written back at resyncs, and browser peer_ids another node had taken meanwhile. */
  resyncedPeers: number
  resyncConflicts: number
  /** Browser peers that left while Redis was lost and were too many to remember (they expire by TTL). */
  leftForgotten: number
}

/** Swarms a sweep call looks at, peers of one set it removes, and calls per sweep, at most. */
const SWEEP_SWARMS = 200
const SWEEP_PEERS = 1000
const SWEEP_CALLS = 50
/** Peers written back per resync call. */
const RESYNC_BATCH = 500
const seedOf = (): number => Math.floor(Math.random() * 2147483647)

export class SharedTracker<O extends RtcOwner<O>> extends Tracker<O> {
  readonly cluster: ClusterCounters = {
    offersForwarded: 0, answersForwarded: 0, undeliverable: 0, sharedPeersExpired: 0, resyncedPeers: 0, resyncConflicts: 0, leftForgotten: 0,
  }
  /** Where offers and answers from other nodes go: the WebSocket layer (server.ts sets it). */
  messenger: RtcMessenger<O> | null = null
  /** Browser peers (info hash hex, field) that left while Redis was lost: removed from it at resync. */
  private leftWhileLost: (string | Buffer)[] = []
  private sweeping = false

  constructor(readonly store: RedisStore, limits: Limits, timing: Timing, clock: (() => number) | undefined, private readonly log: Logger) {
    super(limits, timing, clock)
    store.onMessage = m => this.fromNode(m)
    store.onReconnect = () => this.resync()
  }

  get nodeId(): string {
    return this.store.nodeId
  }

  // ---- browsers ----

  protected override answerRtc(owner: O, req: RtcAnnounce, swarm: Swarm<O> | undefined, peer: RtcPeer<O> | null, out: RtcMessenger<O>): void {
    const stopped = req.event === 'stopped'
    if (!this.store.usable()) {
      if (stopped && peer !== null) this.rememberLeft(req.infoHash, req.peerId)
      return super.answerRtc(owner, req, swarm, peer, out)
    }
    const seeder = peer !== null && peer.complete ? '1' : '0'
    const event = stopped ? 'stopped' : req.event === 'completed' ? 'completed' : ''
    const want = stopped || peer === null ? 0 : req.offers.length
    this.store.call('announceRtc', [
      hexOf(req.infoHash), rtcField(req.peerId), this.nodeId, seeder, event, want, this.limits.maxPeersPerSwarm, seedOf(),
    ]).then(
      reply => this.rtcAnswered(owner, req, peer, reply as unknown[], out),
      () => {
        if (stopped && peer !== null) this.rememberLeft(req.infoHash, req.peerId)
        super.answerRtc(owner, req, this.table.get(req.infoHash), peer !== null && peer.index !== -1 ? peer : null, out)
      },
    )
  }

  private rtcAnswered(owner: O, req: RtcAnnounce, peer: RtcPeer<O> | null, reply: unknown[], out: RtcMessenger<O>): void {
    const status = text(reply[0])
    if (status !== 'ok') {
      // Another node's socket holds this peer_id, or the shared swarm is full: the node's own table lets it go too.
      if (peer !== null && peer.index !== -1 && req.event !== 'stopped') {
        this.table.leaveRtc(peer)
        forget(owner, peer)
      }
      return this.refuseRtc(out, owner, req.infoHash, status === 'owned' ? 'peer_id belongs to another connection' : 'swarm is full')
    }
    out.announced(owner, req.infoHash, this.interval, countsOf(reply, 1))
    // Gone meanwhile (its socket closed, or it stopped): nothing to offer.
    if (peer === null || peer.index === -1 || req.event === 'stopped') return
    const offers = req.offers
    const now = this.clock()
    for (let k = 4, i = 0; k + 1 < reply.length && i < offers.length; k += 2, i++) {
      const toPeerId = text(reply[k])
      const node = text(reply[k + 1])
      const offer = offers[i] as RtcAnnounce['offers'][number]
      if (node === this.nodeId) {
        const target: RtcPeer<O> | undefined = peer.swarm.rtc?.get(toPeerId)
        if (target === undefined || target === peer) continue
        if (out.offer(target.owner, req.infoHash, req.peerId, offer)) {
          rememberOffer(target, offer.offerId, req.peerId, now, this.limits.maxPendingOffersPerPeer)
          this.counters.offersRelayed++
        }
      } else {
        this.cluster.offersForwarded++
        this.store.publish(node, encodeNodeMessage({
          kind: 'offer', infoHash: req.infoHash, toPeerId, fromPeerId: req.peerId, fromNode: this.nodeId, offerId: offer.offerId,
          body: out.encodeOffer(req.infoHash, req.peerId, offer),
        }))
      }
    }
  }

  protected override passAnswer(owner: O, swarm: Swarm<O>, req: RtcAnswer, offer: PendingOffer, out: RtcMessenger<O>): void {
    const node = offer.node
    if (node === undefined || node === this.nodeId) return super.passAnswer(owner, swarm, req, offer, out)
    if (this.store.status !== 'ok') return this.refuseRtc(out, owner, req.infoHash, 'the offering peer is out of reach')
    this.cluster.answersForwarded++
    this.store.publish(node, encodeNodeMessage({
      kind: 'answer', infoHash: req.infoHash, toPeerId: req.toPeerId, fromPeerId: req.peerId, fromNode: this.nodeId, offerId: req.offerId,
      body: out.encodeAnswer(req.infoHash, req.peerId, req.offerId, req.answer),
    }))
  }

  /** An offer or answer another node sent for a socket of ours. */
  private fromNode(message: string): void {
    const m = decodeNodeMessage(message)
    const out = this.messenger
    const to = m === null ? undefined : this.table.get(m.infoHash)?.rtc?.get(m.toPeerId)
    if (m === null || out === null || to === undefined) {
      this.cluster.undeliverable++
      return
    }
    if (!out.deliver(to.owner, m.body)) return
    if (m.kind === 'offer') {
      rememberOffer(to, m.offerId, m.fromPeerId, this.clock(), this.limits.maxPendingOffersPerPeer, m.fromNode)
      this.counters.offersRelayed++
    } else this.counters.answersRelayed++
  }

  override leaveAll(owner: O): void {
    const peers = owner.peers
    super.leaveAll(owner)
    if (peers === null || peers.length === 0) return
    const pairs: (string | Buffer)[] = []
    for (const p of peers) pairs.push(hexOf(p.swarm.infoHash), rtcField(p.peerId))
    if (this.store.status !== 'ok') return this.rememberLeftPairs(pairs)
    this.store.call('leave', [this.nodeId, ...pairs]).catch(() => this.rememberLeftPairs(pairs))
  }

  private rememberLeft(infoHash: string, peerId: string): void {
    this.rememberLeftPairs([hexOf(infoHash), rtcField(peerId)])
  }

  private rememberLeftPairs(pairs: (string | Buffer)[]): void {
    if (this.leftWhileLost.length / 2 + pairs.length / 2 > this.limits.maxLeftWhileLost) {
      this.cluster.leftForgotten += pairs.length / 2
      return
    }
    this.leftWhileLost.push(...pairs)
  }

  // ---- classic clients ----

  protected override answerClassic(req: ClassicAnnounce, swarm: Swarm<O> | undefined, peer: ClassicPeer | null, reply: Reply<ClassicAnnounceReply | Refusal>): void {
    if (!this.store.usable()) return super.answerClassic(req, swarm, peer, reply)
    const { address, event } = req
    const seeder = req.left === 0 || event === 'completed' ? '1' : Number.isFinite(req.left) ? '0' : ''
    const key = peer?.key ?? classicKey(req.protocol, address.ip, req.peerId)
    this.store.call('announceClassic', [
      hexOf(req.infoHash), bytes(key), String(address.family), bytes(address.compact + req.peerId), seeder,
      event === 'stopped' ? 'stopped' : event === 'completed' ? 'completed' : '',
      req.numwant, req.otherFamily ? req.numwant : 0, this.limits.maxPeersPerSwarm, seedOf(),
    ]).then(r => {
      const values = r as unknown[]
      if (text(values[0]) !== 'ok') {
        if (swarm !== undefined && peer !== null) this.table.leaveClassic(swarm, peer)
        this.counters.refused[req.protocol]++
        return reply({ kind: 'refused', reason: 'swarm is full' })
      }
      const sameCount = Number(values[4])
      const same: ClassicPeerView[] = []
      const other: ClassicPeerView[] = []
      for (let k = 5; k < values.length; k++) {
        const view = classicPeerOf(values[k] as Buffer)
        if (view !== null) (k < 5 + sameCount ? same : other).push(view)
      }
      const v4 = address.family === 4
      reply({ kind: 'peers', counts: countsOf(values, 1), peers: v4 ? same : other, peers6: v4 ? other : same })
    }, () => super.answerClassic(req, this.table.get(req.infoHash), peer, reply))
  }

  // ---- every protocol ----

  override scrape(protocol: Protocol, req: ScrapeRequest, reply: Reply<SwarmCounts[]>): void {
    if (!this.store.usable()) return super.scrape(protocol, req, reply)
    this.counters.scrapes[protocol]++
    this.store.call('scrape', req.infoHashes.map(hexOf)).then(r => {
      const values = r as unknown[]
      reply(req.infoHashes.map((_, i) => countsOf(values, i * 3)))
    }, () => reply(req.infoHashes.map(h => this.table.get(h)?.counts() ?? EMPTY_COUNTS)))
  }

  /** The whole shared table's counts (what /stats and /metrics show), or null while Redis is lost. */
  async sharedCounts(): Promise<TableCounts | null> {
    if (this.store.status !== 'ok') return null
    try {
      const r = (await this.store.call('stats', [])) as number[]
      const [torrents, seeders, leechers, ws, http, udp] = r.map(Number) as [number, number, number, number, number, number]
      return { torrents, peers: seeders + leechers, seeders, leechers, byProtocol: { ws, http, udp } }
    } catch {
      return null
    }
  }

  /** The node's own table expires as in one process; Redis is swept a bounded amount (any node may). */
  override expire(): number {
    const removed = super.expire()
    if (this.store.status === 'ok' && !this.sweeping) {
      this.sweeping = true
      this.sweep().catch(() => {}).finally(() => { this.sweeping = false })
    }
    return removed
  }

  private async sweep(): Promise<void> {
    const every = Math.max(250, Math.min(30_000, (this.timing.peerTtl * 1000) / 4))
    for (let i = 0; i < SWEEP_CALLS; i++) {
      const [removed, swept] = ((await this.store.call('sweep', [every, SWEEP_SWARMS, SWEEP_PEERS])) as number[]).map(Number) as [number, number]
      this.cluster.sharedPeersExpired += removed
      if (swept < SWEEP_SWARMS) return
    }
  }

  /**
   * Redis is back: remove the browser peers that left meanwhile, then write every peer of the node's
   * own table back (ages kept, so nobody lives longer for it). A browser peer_id another node's
   * socket took meanwhile stays theirs: our copy leaves (its socket is told when it next announces).
   */
  private async resync(): Promise<void> {
    const left = this.leftWhileLost
    this.leftWhileLost = []
    for (let i = 0; i < left.length; i += RESYNC_BATCH * 2) {
      await this.store.call('leave', [this.nodeId, ...left.slice(i, i + RESYNC_BATCH * 2)])
    }
    let batch: (string | Buffer | number)[] = []
    let owners: (RtcPeer<O> | null)[] = []
    const flush = async (): Promise<void> => {
      if (owners.length === 0) return
      const sent = owners
      const r = (await this.store.call('resync', [this.nodeId, ...batch])) as number[]
      batch = []
      owners = []
      this.cluster.resyncedPeers += Number(r[0])
      for (let k = 1; k < r.length; k++) {
        const p = sent[(Number(r[k]) - 5) / 4]
        if (p === undefined || p === null || p.index === -1) continue
        this.cluster.resyncConflicts++
        this.table.leaveRtc(p)
        forget(p.owner, p)
      }
    }
    const now = this.clock()
    for (const swarm of this.table.swarms.values()) {
      const ih = hexOf(swarm.infoHash)
      for (const p of swarm.rtc?.list ?? []) {
        batch.push(ih, rtcField(p.peerId), 'w' + (p.complete ? '1' : '0') + this.nodeId, now - p.lastSeen)
        owners.push(p)
      }
      for (const set of [swarm.v4, swarm.v6]) {
        for (const p of set?.list ?? []) {
          const value = String(p.owner.family) + (p.complete ? '1' : '0') + p.owner.compact + p.peerId
          batch.push(ih, bytes(p.key), bytes(value), now - p.lastSeen)
          owners.push(null)
        }
      }
      if (owners.length >= RESYNC_BATCH) await flush()
    }
    await flush()
    this.log.info('resync done', { peers: this.cluster.resyncedPeers, conflicts: this.cluster.resyncConflicts })
  }
}

function countsOf(values: unknown[], at: number): SwarmCounts {
  return { complete: Number(values[at]), incomplete: Number(values[at + 1]), downloaded: Number(values[at + 2]) }
}
