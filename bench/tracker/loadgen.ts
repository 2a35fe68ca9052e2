// The load generator, in its own process: WebSocket clients that announce with offers into swarms of
// SWARM_SIZE peers and answer every offer they receive, as WebTorrent clients do. Driven over IPC by
// main.ts; reports what it sent and received and its own CPU time.

import WebSocket from 'ws'

const SWARM_SIZE = 20
const OFFERS_PER_ANNOUNCE = 5
// About the size of a real non-trickle WebRTC offer with a few host candidates.
const SDP = 'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n' +
  'a=msid-semantic: WMS\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n' +
  'a=candidate:1 1 udp 2113937151 abcdef01-2345-6789-abcd-ef0123456789.local 54321 typ host generation 0\r\n' +
  'a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=ice-options:trickle\r\n' +
  'a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n' +
  'a=setup:actpass\r\na=mid:0\r\na=sctp-port:5000\r\na=max-message-size:262144\r\n'
const ANSWER_SDP = SDP.replace('a=setup:actpass', 'a=setup:active')

const pad = (s: string): string => (s + '~'.repeat(20)).slice(0, 20)

class Peer {
  /** Waiting for the reply to our last announce (closed loop keeps one in flight). */
  waiting = false
  constructor(readonly ws: WebSocket, readonly infoHash: string, readonly peerId: string) {}
}

const counts = { announcesSent: 0, announceReplies: 0, offersReceived: 0, answersSent: 0, answersReceived: 0, failures: 0 }
let peers: Peer[] = []
let offerCounter = 0
let onReply: ((p: Peer) => void) | null = null

function announceMessage(p: Peer, event: string | undefined, offers: number): string {
  const list = []
  for (let i = 0; i < offers; i++) list.push({ offer_id: pad('o' + (offerCounter++).toString(36)), offer: { type: 'offer', sdp: SDP } })
  return JSON.stringify({
    action: 'announce', info_hash: p.infoHash, peer_id: p.peerId, numwant: offers, uploaded: 0, downloaded: 0,
    left: 1000, event, offers: list,
  })
}

function sendAnnounce(p: Peer, offers: number): void {
  p.waiting = true
  counts.announcesSent++
  p.ws.send(announceMessage(p, undefined, offers))
}

function onMessage(p: Peer, data: WebSocket.RawData): void {
  const m = JSON.parse(String(data)) as Record<string, unknown>
  if (m['failure reason'] !== undefined) counts.failures++
  if (m.offer !== undefined) {
    counts.offersReceived++
    counts.answersSent++
    p.ws.send(JSON.stringify({
      action: 'announce', info_hash: p.infoHash, peer_id: p.peerId, to_peer_id: m.peer_id, offer_id: m.offer_id,
      answer: { type: 'answer', sdp: ANSWER_SDP },
    }))
  } else if (m.answer !== undefined) {
    counts.answersReceived++
  } else if (m.action === 'announce' && m.interval !== undefined) {
    counts.announceReplies++
    p.waiting = false
    onReply?.(p)
  }
}

async function connect(url: string, count: number): Promise<void> {
  const base = peers.length
  for (let start = 0; start < count; start += 500) {
    const batch = await Promise.all(Array.from({ length: Math.min(500, count - start) }, (_, j) => new Promise<Peer>((resolve, reject) => {
      const n = base + start + j
      const ws = new WebSocket(url, { perMessageDeflate: false })
      const p = new Peer(ws, pad('swarm' + Math.floor(n / SWARM_SIZE)), pad('peer' + n))
      ws.on('message', d => onMessage(p, d))
      ws.on('error', reject)
      ws.once('open', () => resolve(p))
    })))
    // Join the swarms with a started announce and no offers; wait for every reply.
    await new Promise<void>(resolve => {
      let left = batch.length
      onReply = () => { if (--left === 0) resolve() }
      for (const p of batch) {
        counts.announcesSent++
        p.ws.send(announceMessage(p, 'started', 0))
      }
    })
    onReply = null
    peers.push(...batch)
  }
}

/** Announce at `rate` per second in total for `seconds`, spread over all clients, 5 offers each. */
async function fixedRate(rate: number, seconds: number): Promise<void> {
  const tickMs = 10
  const perTick = rate * tickMs / 1000
  let due = 0
  let next = 0
  const ticks = Math.round(seconds * 1000 / tickMs)
  // Visit clients in a shuffled order: consecutive clients share a swarm, and announcing them in a row
  // would bunch messages onto the same sockets (which flatters a tracker that coalesces writes).
  const order = peers.map((_, i) => i)
  let seed = 12345
  for (let i = order.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2147483648
    const j = seed % (i + 1)
    const t = order[i] as number
    order[i] = order[j] as number
    order[j] = t
  }
  const t0 = performance.now()
  for (let t = 0; t < ticks; t++) {
    due += perTick
    while (due >= 1) {
      due -= 1
      sendAnnounce(peers[order[next] as number] as Peer, OFFERS_PER_ANNOUNCE)
      next = (next + 1) % order.length
    }
    const wait = t0 + (t + 1) * tickMs - performance.now()
    if (wait > 0) await new Promise(r => setTimeout(r, wait))
  }
  // Wait (bounded) until every announce is answered, so a tracker that falls behind is measured
  // for all the work it was offered, then let the last relays and answers land.
  const target = counts.announcesSent
  for (let i = 0; i < 100 && counts.announceReplies < target; i++) await new Promise(r => setTimeout(r, 50))
  await new Promise(r => setTimeout(r, 500))
}

/** Every client keeps one announce in flight for `seconds`. */
async function closedLoop(seconds: number): Promise<void> {
  let running = true
  onReply = p => { if (running) sendAnnounce(p, OFFERS_PER_ANNOUNCE) }
  for (const p of peers) sendAnnounce(p, OFFERS_PER_ANNOUNCE)
  await new Promise(r => setTimeout(r, seconds * 1000))
  running = false
  onReply = null
  await new Promise(r => setTimeout(r, 500))
}

async function closeAll(): Promise<void> {
  await Promise.all(peers.map(p => new Promise<void>(resolve => {
    if (p.ws.readyState === WebSocket.CLOSED) return resolve()
    p.ws.once('close', () => resolve())
    p.ws.close()
  })))
  peers = []
}

type Command =
  | { cmd: 'connect'; url: string; count: number }
  | { cmd: 'fixed'; rate: number; seconds: number }
  | { cmd: 'closed'; seconds: number }
  | { cmd: 'close' }

process.on('message', (msg: unknown) => {
  const c = msg as Command
  const before = { ...counts }
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const run = c.cmd === 'connect' ? connect(c.url, c.count) : c.cmd === 'fixed' ? fixedRate(c.rate, c.seconds)
    : c.cmd === 'closed' ? closedLoop(c.seconds) : closeAll()
  run.then(() => {
    const cpu = process.cpuUsage(cpu0)
    const delta = Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v - before[k as keyof typeof counts]]))
    process.send?.({ ok: true, counts: delta, cpuMs: (cpu.user + cpu.system) / 1000, wallMs: performance.now() - t0, clients: peers.length })
  }, (err: unknown) => process.send?.({ ok: false, error: String(err) }))
})
process.on('disconnect', () => process.exit(0))
process.send?.({ ready: true })
