// `npx tsx bench/tracker/udp-handler.ts`: the JavaScript cost of one UDP announce, without sockets:
// our UdpTracker.onPacket against bittorrent-tracker's onUdpRequest, each in a fresh process, the
// same 200 peers in swarms of 20 announcing (numwant 50) with replies sent to a counter instead of a
// socket. What is left of a real announce (receiving and sending the datagram, the event loop) is
// Node's and the kernel's, the same for both: main.ts measures the whole.

import { fork } from 'node:child_process'
import type { Socket } from 'node:dgram'
import { fileURLToPath } from 'node:url'
import { defaultLimits, defaultTiming } from '../../tracker/limits.ts'
import { announcePacket, connectPacket } from '../../tracker/test-support/classic.ts'
import { Tracker } from '../../tracker/tracker.ts'
import { UdpTracker } from '../../tracker/udp/server.ts'

const N = Number(process.env.BENCH_PACKETS ?? 300_000)
const pad = (s: string): string => (s + '~'.repeat(20)).slice(0, 20)
const rinfo = { address: '127.0.0.1', port: 5, family: 'IPv4' as const, size: 98 }
const packets = (cid: Buffer): Buffer[] =>
  Array.from({ length: 200 }, (_, n) => announcePacket(cid, n, { infoHash: pad('s' + Math.floor(n / 20)), peerId: pad('p' + n), port: 10_000 + n, event: 0, numwant: 50 }))

/** Run `handle` over the packets (in chunks, letting microtasks run between them); CPU µs per packet. */
async function measure(handle: (p: Buffer) => void, list: Buffer[]): Promise<number> {
  const chunk = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) handle(list[i % list.length] as Buffer)
    await new Promise(r => setImmediate(r))
  }
  for (let k = 0; k < 10; k++) await chunk(N / 50) // warm up
  const t0 = process.cpuUsage()
  for (let k = 0; k < 20; k++) await chunk(N / 20)
  const c = process.cpuUsage(t0)
  return (c.user + c.system) / N
}

async function ours(): Promise<number> {
  const core = new Tracker<never>({ ...defaultLimits, requestsPerSecondPerIp: 1e9, requestBurstPerIp: 1e9 }, defaultTiming)
  let cid = Buffer.alloc(8)
  const socket = { on() {}, send(p: Buffer) { if (p.length === 16) cid = Buffer.from(p.subarray(8, 16)) } } as unknown as Socket
  const udp = new UdpTracker(core, socket, 1)
  udp.onPacket(connectPacket(1), rinfo)
  return measure(p => udp.onPacket(p, rinfo), packets(cid))
}

async function theirs(): Promise<number> {
  const spec = 'bittorrent-tracker/server' // no types shipped: a variable specifier keeps tsc away
  const Server = ((await import(spec)) as { default: new (o: object) => { udp4: { send: () => void }; on(e: string, f: () => void): void; onUdpRequest(m: Buffer, r: object): void } }).default
  const server = new Server({ udp: true, http: false, ws: false, stats: false })
  server.udp4.send = () => {}
  server.on('warning', () => {})
  server.on('error', () => {})
  return measure(p => server.onUdpRequest(p, rinfo), packets(Buffer.from('0000041727101980', 'hex')))
}

const which = process.argv[2]
if (which === 'ours' || which === 'theirs') {
  const us = await (which === 'ours' ? ours() : theirs())
  process.send?.(us)
  process.exit(0)
} else {
  const run = (kind: string): Promise<number> => new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [kind], { execArgv: ['--import', 'tsx'] })
    child.once('message', m => resolve(m as number))
    child.once('exit', code => { if (code !== 0) reject(new Error(`${kind} exited with ${code}`)) })
  })
  const theirsUs = await run('theirs')
  const oursUs = await run('ours')
  console.log(`JavaScript CPU per UDP announce (${N} packets, no sockets): bittorrent-tracker ${theirsUs.toFixed(2)} µs, swarmdrop ${oursUs.toFixed(2)} µs, ratio ${(oursUs / theirsUs).toFixed(2)}`)
}
