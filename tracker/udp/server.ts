// The UDP tracker (BEP 15) on one datagram socket: a dual-stack IPv6 socket when the server listens
// on an IPv6 address (IPv4 clients arrive as ::ffff:a.b.c.d and are answered as IPv4), else IPv4.
// Per packet: rate limit by source address, then connect (answered with a stateless connection id,
// connection-id.ts) or a request that must carry a valid id (announce, scrape), handed to the core.
// Before a valid id nothing we send is larger than what we received (no amplification from a
// spoofed source): a connect reply is the size of a connect, and error packets are cut to fit.

import { createSocket, type RemoteInfo, type Socket, type SocketOptions } from 'node:dgram'
import { lookup } from 'node:dns'
import { isIP } from 'node:net'
import { parseIp, peerAddress } from '../address.ts'
import type { Logger } from '../log.ts'
import { AddressBuckets } from '../rate-limit.ts'
import { isRejected, type RejectReason } from '../requests.ts'
import type { ClassicTracker } from '../tracker.ts'
import { ConnectionIds } from './connection-id.ts'
import {
  Action, HEADER_BYTES, encodeAnnounce, encodeConnect, encodeError, encodeScrape, isConnectMagic, parseAnnounce, parseScrape, peersThatFit,
} from './packets.ts'

export interface UdpCounters {
  packets: number
  connects: number
  errorsSent: number
  /** Packets answered with nothing: too short to answer, rate-limited, or not BEP 15 at all. */
  dropped: number
}

/**
 * Connection ids that every tracker process sharing swarms accepts (--redis: a connect answered by one
 * worker or machine, the announce read by another): one secret for all of them and the wall clock.
 */
export interface SharedConnectionIds { secret: Buffer; seconds: () => number }

export class UdpTracker {
  readonly counters: UdpCounters = { packets: 0, connects: 0, errorsSent: 0, dropped: 0 }
  readonly buckets: AddressBuckets
  private readonly ids: ConnectionIds
  private readonly idSeconds: (() => number) | null

  constructor(readonly core: ClassicTracker, private readonly socket: Socket, readonly port: number, shared: SharedConnectionIds | null = null) {
    const l = core.limits
    this.buckets = new AddressBuckets(l.requestsPerSecondPerIp, l.requestBurstPerIp, l.maxTrackedAddresses)
    this.ids = new ConnectionIds(core.timing.connectionIdTtl, shared?.secret)
    this.idSeconds = shared?.seconds ?? null
    socket.on('message', (msg, rinfo) => this.onPacket(msg, rinfo))
  }

  onPacket(msg: Buffer, rinfo: RemoteInfo): void {
    const core = this.core
    this.counters.packets++
    if (msg.length < HEADER_BYTES) return this.drop('short_packet')
    const client = parseIp(rinfo.address)
    if (client === null) return this.drop('bad_ip')
    const nowMs = core.clock()
    if (!this.buckets.take(client.ip, nowMs)) return this.drop('rate_limited')
    const action = msg.readUInt32BE(8)
    const txn = msg.readUInt32BE(12)
    const nowSeconds = this.idSeconds === null ? nowMs / 1000 : this.idSeconds()
    if (action === Action.connect) {
      if (!isConnectMagic(msg)) return this.drop('bad_protocol_id')
      const reply = encodeConnect(txn)
      this.ids.issue(client.bytes, nowSeconds, reply, 8)
      this.counters.connects++
      return this.send(reply, rinfo)
    }
    const id = this.ids.check(client.bytes, nowSeconds, msg, 0)
    if (id !== 'ok') {
      core.reject('udp', 'bad_connection_id')
      return this.error(rinfo, txn, id === 'expired' ? 'connection id expired: connect again' : 'invalid connection id', msg.length)
    }
    // The source address is proven from here on: replies may be larger than requests.
    const maxReply = core.limits.maxUdpReplyBytes
    if (action === Action.announce) {
      const a = parseAnnounce(msg)
      if (isRejected(a)) return this.refuse(rinfo, txn, a.reason, a.message)
      const limits = core.limits
      const wanted = a.numwant < 0 ? limits.defaultNumwant : Math.min(a.numwant, limits.maxNumwant)
      const request = {
        protocol: 'udp' as const, infoHash: a.infoHash, peerId: a.peerId, event: a.event, left: a.left,
        numwant: Math.min(wanted, peersThatFit(maxReply, client.family)), address: peerAddress(client, a.port), otherFamily: false,
      }
      return core.announceClassic(request, reply => {
        if (reply.kind === 'refused') return this.error(rinfo, txn, reply.reason, maxReply)
        this.send(encodeAnnounce(txn, core.interval, reply.counts, client.family === 4 ? reply.peers : reply.peers6), rinfo)
      })
    }
    if (action === Action.scrape) {
      const hashes = parseScrape(msg, core.limits)
      if (isRejected(hashes)) return this.refuse(rinfo, txn, hashes.reason, hashes.message)
      return core.scrape('udp', { infoHashes: hashes }, counts => this.send(encodeScrape(txn, counts), rinfo))
    }
    this.refuse(rinfo, txn, 'bad_action', 'unknown action')
  }

  private drop(reason: RejectReason): void {
    this.core.reject('udp', reason)
    this.counters.dropped++
  }

  /** A request with a valid connection id that we cannot serve: an error packet says why. */
  private refuse(rinfo: RemoteInfo, txn: number, reason: RejectReason, message: string): void {
    this.core.reject('udp', reason)
    this.error(rinfo, txn, message, this.core.limits.maxUdpReplyBytes)
  }

  private error(rinfo: RemoteInfo, txn: number, message: string, maxBytes: number): void {
    const packet = encodeError(txn, message, maxBytes)
    if (packet === null) return
    this.counters.errorsSent++
    this.send(packet, rinfo)
  }

  private send(packet: Buffer, rinfo: RemoteInfo): void {
    this.socket.send(packet, rinfo.port, rinfo.address)
  }

  close(): void {
    try {
      this.socket.close()
    } catch {
      // already closed
    }
  }
}

/**
 * dgram resolves every send's address through its lookup, by default dns.lookup: for the IP literal
 * of a reply's destination that is a deferred call and a tick per packet (a tenth of a UDP announce's
 * CPU in a profile). A literal is its own answer, now; a name (the bind host) still goes to DNS.
 */
function literalLookup(address: string, family: number, callback: (err: Error | null, address: string, family: number) => void): void {
  const literal = isIP(address)
  if (literal !== 0) return callback(null, address, literal)
  lookup(address, family, callback)
}

function bind(host: string, port: number): Promise<Socket> {
  const socket = createSocket({ type: isIP(host) === 6 ? 'udp6' : 'udp4', reuseAddr: false, lookup: literalLookup as SocketOptions['lookup'] })
  return new Promise((resolve, reject) => {
    socket.once('error', reject)
    socket.bind(port, host, () => {
      socket.off('error', reject)
      resolve(socket)
    })
  })
}

/**
 * Listen for BEP 15 on `host`:`port`. With `anyIfTaken` (the operator asked for any free port for
 * HTTP, and UDP follows it) a taken UDP port falls back to any free one.
 */
export async function startUdpTracker(
  core: ClassicTracker, host: string, port: number, log: Logger, anyIfTaken: boolean, shared: SharedConnectionIds | null = null,
): Promise<UdpTracker> {
  let socket: Socket
  try {
    socket = await bind(host, port)
  } catch (err) {
    if (!anyIfTaken || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err
    socket = await bind(host, 0)
  }
  socket.on('error', err => log.error('udp socket error', { error: String(err) }))
  return new UdpTracker(core, socket, socket.address().port, shared)
}
