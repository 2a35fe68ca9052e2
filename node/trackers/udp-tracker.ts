import { createSocket, type Socket } from 'node:dgram'
import { lookup } from 'node:dns/promises'
import { NODE_LIMITS } from '../limits.ts'
import { TrackerFailure, trackerText, type AnnounceEvent, type AnnounceReply, type AnnounceRequest } from './announce.ts'
import { parseCompactPeers } from './compact-peers.ts'

// The UDP tracker protocol (BEP 15): connect (a connection id valid one minute), then announce, each a
// datagram matched to its reply by a random transaction id, resent when no reply comes. One socket per
// address family serves every torrent of the process. Replies are untrusted datagrams: checked for
// action, transaction and length before a field is read.

const PROTOCOL_ID = 0x41727101980n
const ACTION = { connect: 0, announce: 1, error: 3 } as const
const EVENT: Record<AnnounceEvent | 'none', number> = { none: 0, completed: 1, started: 2, stopped: 3 }

interface Pending {
  resolve: (reply: Uint8Array) => void
}

interface ConnectionId {
  id: bigint
  expiresAt: number
}

export function parseUdpUrl(url: string): { host: string; port: number } {
  const u = new URL(url)
  if (u.protocol !== 'udp:') throw new Error(`not a udp:// tracker: ${url}`)
  const port = Number(u.port)
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`udp tracker without a port: ${url}`)
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port }
}

export class UdpTrackerClient {
  #sockets = new Map<4 | 6, Socket>()
  #pending = new Map<number, Pending>()
  #connections = new Map<string, ConnectionId>()
  #closed = false

  async announce(url: string, r: AnnounceRequest, signal: AbortSignal): Promise<AnnounceReply> {
    const { host, port } = parseUdpUrl(url)
    const { address, family } = await lookup(host)
    const ipv6 = family === 6
    const key = `${address}:${port}`
    let conn = this.#connections.get(key)
    if (!conn || conn.expiresAt <= Date.now()) {
      conn = await this.#connect(address, port, ipv6 ? 6 : 4, signal)
      this.#connections.set(key, conn)
    }
    const tid = this.#newTransaction()
    const msg = new Uint8Array(98)
    const v = new DataView(msg.buffer)
    v.setBigUint64(0, conn.id)
    v.setUint32(8, ACTION.announce)
    v.setUint32(12, tid)
    msg.set(r.infoHash, 16)
    msg.set(r.peerId, 36)
    v.setBigUint64(56, BigInt(r.downloaded))
    v.setBigUint64(64, BigInt(r.left))
    v.setBigUint64(72, BigInt(r.uploaded))
    v.setUint32(80, EVENT[r.event ?? 'none'])
    v.setUint32(84, 0) // ip: the sender's
    v.setUint32(88, r.key >>> 0)
    v.setInt32(92, r.numwant)
    v.setUint16(96, r.port)
    let reply: Uint8Array
    try {
      reply = await this.#exchange(tid, msg, address, port, ipv6 ? 6 : 4, signal)
    } catch (e) {
      this.#connections.delete(key) // perhaps the tracker restarted and forgot our id
      throw e
    }
    const rv = new DataView(reply.buffer, reply.byteOffset, reply.byteLength)
    if (reply.length < 20 || rv.getUint32(0) !== ACTION.announce) throw new Error('malformed announce reply')
    return {
      intervalS: rv.getUint32(8),
      incomplete: rv.getUint32(12),
      complete: rv.getUint32(16),
      peers: parseCompactPeers(reply.subarray(20), ipv6 ? 18 : 6, NODE_LIMITS.numwant * 4),
    }
  }

  close(): void {
    this.#closed = true
    for (const s of this.#sockets.values()) s.close()
    this.#sockets.clear()
  }

  async #connect(address: string, port: number, family: 4 | 6, signal: AbortSignal): Promise<ConnectionId> {
    const tid = this.#newTransaction()
    const msg = new Uint8Array(16)
    const v = new DataView(msg.buffer)
    v.setBigUint64(0, PROTOCOL_ID)
    v.setUint32(8, ACTION.connect)
    v.setUint32(12, tid)
    const reply = await this.#exchange(tid, msg, address, port, family, signal)
    const rv = new DataView(reply.buffer, reply.byteOffset, reply.byteLength)
    if (reply.length < 16 || rv.getUint32(0) !== ACTION.connect) throw new Error('malformed connect reply')
    return { id: rv.getBigUint64(8), expiresAt: Date.now() + NODE_LIMITS.udpConnectionIdTtlMs }
  }

  #newTransaction(): number {
    let tid: number
    do tid = crypto.getRandomValues(new Uint32Array(1))[0]!
    while (this.#pending.has(tid))
    return tid
  }

  /** Send and resend until the reply with this transaction id arrives; an error reply is a TrackerFailure. */
  #exchange(tid: number, msg: Uint8Array, address: string, port: number, family: 4 | 6, signal: AbortSignal): Promise<Uint8Array> {
    if (this.#closed) return Promise.reject(new Error('client closed'))
    if (this.#pending.size >= NODE_LIMITS.maxUdpTransactions) return Promise.reject(new Error('too many UDP tracker requests at once'))
    const socket = this.#socket(family)
    return new Promise((resolve, reject) => {
      let tries = 0
      let timer: ReturnType<typeof setTimeout> | null = null
      const finish = (): void => {
        if (timer) clearTimeout(timer)
        this.#pending.delete(tid)
        signal.removeEventListener('abort', onAbort)
      }
      const onAbort = (): void => {
        finish()
        reject(new Error('announce cancelled'))
      }
      const send = (): void => {
        if (tries++ >= NODE_LIMITS.udpRetries) {
          finish()
          reject(new Error('no reply from the tracker'))
          return
        }
        socket.send(msg, port, address, (err) => {
          if (err) {
            finish()
            reject(err)
          }
        })
        timer = setTimeout(send, NODE_LIMITS.udpRetryBaseMs * 2 ** (tries - 1))
      }
      this.#pending.set(tid, {
        resolve: (reply) => {
          finish()
          const v = new DataView(reply.buffer, reply.byteOffset, reply.byteLength)
          if (v.getUint32(0) === ACTION.error) reject(new TrackerFailure(trackerText(reply.subarray(8))))
          else resolve(reply)
        },
      })
      signal.addEventListener('abort', onAbort)
      send()
    })
  }

  #socket(family: 4 | 6): Socket {
    let s = this.#sockets.get(family)
    if (!s) {
      s = createSocket(family === 6 ? 'udp6' : 'udp4')
      s.on('message', (msg: Buffer) => {
        if (msg.length < 8) return
        const tid = msg.readUInt32BE(4)
        this.#pending.get(tid)?.resolve(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength))
      })
      s.on('error', () => {}) // ICMP unreachable and the like: the transaction's timer handles it
      s.unref()
      this.#sockets.set(family, s)
    }
    return s
  }
}
