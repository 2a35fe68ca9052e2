// Test clients for the classic protocols, speaking raw bytes so that tests see exactly what a
// BitTorrent client would: HTTP announces with byte-wise percent-encoded ids, decoded with the
// project's strict bencode decoder; BEP 15 packets over a real UDP socket.

import { createSocket, type Socket } from 'node:dgram'
import { decode, type BValue } from '../../shared/bencode/index.ts'

/** Percent-encode every byte of a binary string, as clients do for info_hash and peer_id. */
export function escapeBytes(s: string): string {
  let out = ''
  for (let i = 0; i < s.length; i++) out += '%' + s.charCodeAt(i).toString(16).padStart(2, '0')
  return out
}

export type Params = Record<string, string | number | undefined>

/** A query string; info_hash and peer_id values are binary strings, escaped byte by byte. */
export function query(params: Params): string {
  return Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${k === 'info_hash' || k === 'peer_id' ? escapeBytes(String(v)) : encodeURIComponent(String(v))}`)
    .join('&')
}

/** Decoded bencode with byte strings as binary strings and dicts as plain objects: easy to compare. */
export type Plain = number | string | Plain[] | { [k: string]: Plain }

export function plain(v: BValue): Plain {
  if (typeof v === 'number') return v
  if (v instanceof Uint8Array) return Buffer.from(v).toString('latin1')
  if (Array.isArray(v)) return v.map(plain)
  const out: { [k: string]: Plain } = {}
  for (const [k, x] of v) out[k] = plain(x)
  return out
}

export interface HttpReply { status: number; body: Buffer; value: { [k: string]: Plain } }

export async function httpGet(base: string, path: string, q: string, headers: Record<string, string> = {}): Promise<HttpReply> {
  const res = await fetch(`${base}${path}${q === '' ? '' : '?' + q}`, { headers })
  const body = Buffer.from(await res.arrayBuffer())
  return { status: res.status, body, value: plain(decode(body)) as { [k: string]: Plain } }
}

export function announceParams(infoHash: string, peerId: string, extra: Params = {}): Params {
  return { info_hash: infoHash, peer_id: peerId, port: 6881, uploaded: 0, downloaded: 0, left: 1000, event: 'started', compact: 1, ...extra }
}

/** A compact peer string (BEP 23 / BEP 7) as "ip:port" texts. */
export function compactPeers(s: string, family: 4 | 6 = 4): string[] {
  const size = family === 4 ? 6 : 18
  const out: string[] = []
  for (let i = 0; i + size <= s.length; i += size) {
    const b = Buffer.from(s.slice(i, i + size), 'latin1')
    const port = b.readUInt16BE(size - 2)
    if (family === 4) out.push(`${b[0]}.${b[1]}.${b[2]}.${b[3]}:${port}`)
    else {
      const groups: string[] = []
      for (let g = 0; g < 8; g++) groups.push(b.readUInt16BE(g * 2).toString(16))
      out.push(`[${groups.join(':')}]:${port}`)
    }
  }
  return out
}

// ---- UDP (BEP 15) ----

export const UDP_MAGIC = Buffer.from([0x00, 0x00, 0x04, 0x17, 0x27, 0x10, 0x19, 0x80])

export function connectPacket(txn: number): Buffer {
  const b = Buffer.alloc(16)
  UDP_MAGIC.copy(b, 0)
  b.writeUInt32BE(0, 8)
  b.writeUInt32BE(txn, 12)
  return b
}

export interface UdpAnnounceFields {
  infoHash: string; peerId: string; left?: number; event?: number; numwant?: number; port?: number; key?: number
}

export function announcePacket(connectionId: Buffer, txn: number, f: UdpAnnounceFields): Buffer {
  const b = Buffer.alloc(98)
  connectionId.copy(b, 0)
  b.writeUInt32BE(1, 8)
  b.writeUInt32BE(txn, 12)
  b.write(f.infoHash, 16, 'latin1')
  b.write(f.peerId, 36, 'latin1')
  b.writeBigUInt64BE(0n, 56)
  b.writeBigUInt64BE(BigInt(f.left ?? 1000), 64)
  b.writeBigUInt64BE(0n, 72)
  b.writeUInt32BE(f.event ?? 2, 80)
  b.writeUInt32BE(0, 84)
  b.writeUInt32BE(f.key ?? 0, 88)
  b.writeInt32BE(f.numwant ?? -1, 92)
  b.writeUInt16BE(f.port ?? 6881, 96)
  return b
}

export function scrapePacket(connectionId: Buffer, txn: number, infoHashes: string[]): Buffer {
  const b = Buffer.alloc(16 + 20 * infoHashes.length)
  connectionId.copy(b, 0)
  b.writeUInt32BE(2, 8)
  b.writeUInt32BE(txn, 12)
  infoHashes.forEach((h, i) => b.write(h, 16 + 20 * i, 'latin1'))
  return b
}

/** One UDP socket that sends packets to the tracker and queues what comes back. */
export class UdpClient {
  private readonly queue: Buffer[] = []
  private waiter: ((b: Buffer) => void) | null = null
  private txn = 1

  private constructor(private readonly socket: Socket, readonly host: string, readonly port: number) {
    socket.on('message', msg => {
      if (this.waiter !== null) {
        const w = this.waiter
        this.waiter = null
        w(msg)
      } else this.queue.push(msg)
    })
  }

  static async open(host: string, port: number): Promise<UdpClient> {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4')
    await new Promise<void>(resolve => socket.bind(0, host, resolve))
    return new UdpClient(socket, host, port)
  }

  nextTxn(): number {
    return this.txn++
  }

  send(packet: Buffer): void {
    this.socket.send(packet, this.port, this.host)
  }

  /** The next packet, or null when none comes within timeoutMs. */
  receive(timeoutMs = 2000): Promise<Buffer | null> {
    const queued = this.queue.shift()
    if (queued !== undefined) return Promise.resolve(queued)
    return new Promise(resolve => {
      const t = setTimeout(() => { this.waiter = null; resolve(null) }, timeoutMs)
      this.waiter = b => { clearTimeout(t); resolve(b) }
    })
  }

  async request(packet: Buffer, timeoutMs = 2000): Promise<Buffer> {
    this.send(packet)
    const r = await this.receive(timeoutMs)
    if (r === null) throw new Error('no UDP reply')
    return r
  }

  /** Connect (BEP 15) and return the connection id. */
  async connect(): Promise<Buffer> {
    const txn = this.nextTxn()
    const r = await this.request(connectPacket(txn))
    if (r.length !== 16 || r.readUInt32BE(0) !== 0 || r.readUInt32BE(4) !== txn) throw new Error(`bad connect reply ${r.toString('hex')}`)
    return Buffer.from(r.subarray(8, 16))
  }

  close(): void {
    this.socket.close()
  }
}

export interface UdpAnnounceReply { action: number; txn: number; interval: number; leechers: number; seeders: number; peers: string[] }

export function readAnnounceReply(b: Buffer, family: 4 | 6 = 4): UdpAnnounceReply {
  return {
    action: b.readUInt32BE(0), txn: b.readUInt32BE(4), interval: b.readUInt32BE(8), leechers: b.readUInt32BE(12), seeders: b.readUInt32BE(16),
    peers: compactPeers(b.subarray(20).toString('latin1'), family),
  }
}

export function readError(b: Buffer): { action: number; txn: number; message: string } {
  return { action: b.readUInt32BE(0), txn: b.readUInt32BE(4), message: b.subarray(8).toString('utf8') }
}
