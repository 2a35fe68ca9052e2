// The classic load generator, in its own process: peers in swarms of SWARM_SIZE that announce over
// HTTP (keep-alive connections, compact, numwant 50) or UDP (BEP 15 from several sockets, each
// connected first), as aria2 or transmission would. Driven over IPC by main.ts; reports what it sent
// and received and its own CPU time.
//   setup {http, udpHost, udpPort, peers}   make the peers, connect the UDP sockets, join the swarms
//   fixed {proto, rate, seconds}            announce at a fixed total rate
//   closed {proto, inflight, seconds}       keep `inflight` announces outstanding per UDP socket

import { createSocket, type Socket } from 'node:dgram'
import { Agent, request } from 'node:http'

const SWARM_SIZE = 20
const UDP_SOCKETS = 16
const NUMWANT = 50

const counts = { announcesSent: 0, replies: 0, failures: 0, peersReceived: 0, errors: 0 }
type Proto = 'http' | 'udp'

interface Peer { infoHash: Buffer; peerId: Buffer; port: number; query: string }

let peers: Peer[] = []
let httpUrl = ''
let udpHost = ''
let udpPort = 0
const agent = new Agent({ keepAlive: true, maxSockets: 64 })

const pad = (s: string): Buffer => Buffer.from((s + '~'.repeat(20)).slice(0, 20), 'latin1')
const escape = (b: Buffer): string => Array.from(b, x => '%' + x.toString(16).padStart(2, '0')).join('')

// ---- HTTP ----

function httpAnnounce(p: Peer, event?: string): Promise<void> {
  counts.announcesSent++
  return new Promise(resolve => {
    const req = request(`${httpUrl}?${p.query}${event === undefined ? '' : `&event=${event}`}`, { agent }, res => {
      const parts: Buffer[] = []
      res.on('data', (d: Buffer) => parts.push(d))
      res.on('end', () => {
        const body = Buffer.concat(parts).toString('latin1')
        if (res.statusCode === 200 && body.includes('8:interval')) {
          counts.replies++
          const m = /5:peers(\d+):/.exec(body)
          if (m !== null) counts.peersReceived += Number(m[1]) / 6
        } else counts.failures++
        resolve()
      })
    })
    req.on('error', () => { counts.errors++; resolve() })
    req.end()
  })
}

// ---- UDP ----

interface UdpConn { socket: Socket; connectionId: Buffer; outstanding: number; lastReplyAt: number; onReply: (() => void) | null }
let udps: UdpConn[] = []
let txn = 1

function announcePacket(c: UdpConn, p: Peer, event: number): Buffer {
  const b = Buffer.alloc(98)
  c.connectionId.copy(b, 0)
  b.writeUInt32BE(1, 8)
  b.writeUInt32BE(txn++ >>> 0, 12)
  p.infoHash.copy(b, 16)
  p.peerId.copy(b, 36)
  b.writeUInt32BE(1000, 68) // left (low word)
  b.writeUInt32BE(event, 80)
  b.writeInt32BE(NUMWANT, 92)
  b.writeUInt16BE(p.port, 96)
  return b
}

function udpAnnounce(c: UdpConn, p: Peer, event = 0): void {
  counts.announcesSent++
  c.outstanding++
  c.socket.send(announcePacket(c, p, event), udpPort, udpHost)
}

async function udpConnect(): Promise<UdpConn> {
  const socket = createSocket('udp4')
  await new Promise<void>(resolve => socket.bind(0, '127.0.0.1', resolve))
  const c: UdpConn = { socket, connectionId: Buffer.alloc(8), outstanding: 0, lastReplyAt: 0, onReply: null }
  const connected = new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no UDP connect reply')), 5000)
    socket.on('message', (msg: Buffer) => {
      const action = msg.readUInt32BE(0)
      if (action === 0) {
        msg.copy(c.connectionId, 0, 8, 16)
        clearTimeout(t)
        resolve()
        return
      }
      c.outstanding = Math.max(0, c.outstanding - 1)
      c.lastReplyAt = performance.now()
      if (action === 1) {
        counts.replies++
        counts.peersReceived += (msg.length - 20) / 6
      } else counts.failures++
      c.onReply?.()
    })
  })
  const hello = Buffer.alloc(16)
  Buffer.from('0000041727101980', 'hex').copy(hello, 0)
  hello.writeUInt32BE(txn++, 12)
  socket.send(hello, udpPort, udpHost)
  await connected
  return c
}

/** Connection ids last two minutes: take fresh ones before each phase. */
async function reconnect(): Promise<void> {
  for (const c of udps) c.socket.close()
  udps = await Promise.all(Array.from({ length: UDP_SOCKETS }, () => udpConnect()))
}

// ---- phases ----

async function setup(m: { http: string; udpHost: string; udpPort: number | null; peers: number }): Promise<void> {
  httpUrl = m.http
  udpHost = m.udpHost
  udpPort = m.udpPort ?? 0
  peers = Array.from({ length: m.peers }, (_, n) => {
    const infoHash = pad('cswarm' + Math.floor(n / SWARM_SIZE))
    const peerId = pad('cpeer' + n)
    const port = 10_000 + n
    return { infoHash, peerId, port, query: `info_hash=${escape(infoHash)}&peer_id=${escape(peerId)}&port=${port}&uploaded=0&downloaded=0&left=1000&compact=1&numwant=${NUMWANT}` }
  })
  // Join the swarms: every peer announces `started` once over each protocol.
  for (let i = 0; i < peers.length; i += 64) await Promise.all(peers.slice(i, i + 64).map(p => httpAnnounce(p, 'started')))
  if (udpPort !== 0) {
    await reconnect()
    peers.forEach((p, i) => udpAnnounce(udps[i % UDP_SOCKETS] as UdpConn, p, 2))
    await settleUdp()
  }
}

async function settleUdp(): Promise<void> {
  for (let i = 0; i < 40 && udps.some(c => c.outstanding > 0); i++) await new Promise(r => setTimeout(r, 50))
  for (const c of udps) c.outstanding = 0 // lost packets are lost
}

/** A deterministic shuffled order of peers (consecutive peers share a swarm). */
function shuffled(): number[] {
  const order = peers.map((_, i) => i)
  let seed = 12345
  for (let i = order.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2147483648
    const j = seed % (i + 1)
    const t = order[i] as number
    order[i] = order[j] as number
    order[j] = t
  }
  return order
}

async function fixedRate(proto: Proto, rate: number, seconds: number): Promise<void> {
  if (proto === 'udp') await reconnect()
  const tickMs = 10
  const perTick = (rate * tickMs) / 1000
  const ticks = Math.round((seconds * 1000) / tickMs)
  const order = shuffled()
  const pending: Promise<void>[] = []
  let due = 0
  let next = 0
  const t0 = performance.now()
  for (let t = 0; t < ticks; t++) {
    due += perTick
    while (due >= 1) {
      due -= 1
      const i = order[next] as number
      const p = peers[i] as Peer
      if (proto === 'http') pending.push(httpAnnounce(p))
      else udpAnnounce(udps[i % UDP_SOCKETS] as UdpConn, p)
      next = (next + 1) % order.length
    }
    if (pending.length > 4096) pending.splice(0, pending.length - 4096)
    const wait = t0 + (t + 1) * tickMs - performance.now()
    if (wait > 0) await new Promise(r => setTimeout(r, wait))
  }
  if (proto === 'http') await Promise.all(pending)
  else await settleUdp()
  await new Promise(r => setTimeout(r, 300))
}

/** UDP closed loop: each socket keeps `inflight` announces outstanding; a socket silent for 200 ms is refilled (lost packets). */
async function closedLoop(inflight: number, seconds: number): Promise<void> {
  await reconnect()
  const order = shuffled()
  let next = 0
  let running = true
  const send = (c: UdpConn): void => {
    const i = order[next] as number
    next = (next + 1) % order.length
    udpAnnounce(c, peers[i] as Peer)
  }
  for (const c of udps) {
    c.onReply = () => { if (running && c.outstanding < inflight) send(c) }
    c.lastReplyAt = performance.now()
    for (let k = 0; k < inflight; k++) send(c)
  }
  const refill = setInterval(() => {
    const now = performance.now()
    for (const c of udps) {
      if (now - c.lastReplyAt < 200) continue
      c.outstanding = 0
      c.lastReplyAt = now
      for (let k = 0; k < inflight; k++) send(c)
    }
  }, 100)
  await new Promise(r => setTimeout(r, seconds * 1000))
  running = false
  clearInterval(refill)
  for (const c of udps) c.onReply = null
  await settleUdp()
}

type Command =
  | { cmd: 'setup'; http: string; udpHost: string; udpPort: number | null; peers: number }
  | { cmd: 'fixed'; proto: Proto; rate: number; seconds: number }
  | { cmd: 'closed'; proto: 'udp'; inflight: number; seconds: number }

process.on('message', (msg: unknown) => {
  const c = msg as Command
  const before = { ...counts }
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const run = c.cmd === 'setup' ? setup(c) : c.cmd === 'fixed' ? fixedRate(c.proto, c.rate, c.seconds) : closedLoop(c.inflight, c.seconds)
  run.then(() => {
    const cpu = process.cpuUsage(cpu0)
    const delta = Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v - before[k as keyof typeof counts]]))
    process.send?.({ ok: true, counts: delta, cpuMs: (cpu.user + cpu.system) / 1000, wallMs: performance.now() - t0, clients: peers.length })
  }, (err: unknown) => process.send?.({ ok: false, error: String(err) }))
})
process.on('disconnect', () => process.exit(0))
process.send?.({ ready: true })
