// The command with --redis and --workers, as an operator runs it: exit codes when Redis is not there
// or workers are asked for without it; N worker processes on one port that share swarms through a
// real redis-server (WebSocket peers on different workers meet, HTTP and UDP announces on any worker
// see the same swarm), a dead worker replaced, and a clean stop.

import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../e2e/support/app-server.ts'
import { Client, announce, id, offers } from './test-support/harness.ts'
import { UdpClient, announcePacket, readAnnounceReply } from './test-support/classic.ts'
import { RedisServer } from './test-support/redis-server.ts'

const main = fileURLToPath(new URL('./main.ts', import.meta.url))

function run(args: string[], env: Record<string, string> = {}): { child: ReturnType<typeof spawn>; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', main, '--host', '127.0.0.1', '--web-root', '/nonexistent', '--log-level', 'warn', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env },
  })
  let out = ''
  child.stdout?.on('data', (d: Buffer) => { out = (out + d.toString()).slice(-20_000) })
  child.stderr?.on('data', (d: Buffer) => { out = (out + d.toString()).slice(-20_000) })
  const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)))
  return { child, output: () => out, exited }
}

function listening(p: ReturnType<typeof run>): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`not listening within 30 s:\n${p.output()}`)), 30_000)
    const check = (): void => {
      const m = /swarmdrop listening on (http:\/\/\S+)/.exec(p.output())
      if (m?.[1] !== undefined) { clearTimeout(t); resolve(m[1]) }
    }
    p.child.stdout?.on('data', check)
    p.exited.then(code => { clearTimeout(t); reject(new Error(`exited with ${code}:\n${p.output()}`)) })
  })
}

/** /stats over a fresh connection each time (the cluster module hands each connection to a worker in turn). */
async function statsOf(url: string): Promise<Record<string, any>> {
  return (await (await fetch(`${url}/stats`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(5000) })).json()) as Record<string, any>
}

let redis: RedisServer
beforeAll(async () => {
  redis = await RedisServer.start()
})
afterAll(async () => {
  await redis.stop()
})

describe('tracker/main.ts with Redis', () => {
  it('exits 2 when asked for workers without Redis, and 3 (saying where) when Redis is unreachable', async () => {
    const noRedis = run(['--port', '0', '--workers', '2'])
    expect(await noRedis.exited).toBe(2)
    expect(noRedis.output()).toContain('--workers 2 needs --redis URL')
    const nowhere = `redis://127.0.0.1:${await freePort()}`
    const single = run(['--port', '0'], { SWARMDROP_REDIS_URL: nowhere })
    expect(await single.exited).toBe(3)
    expect(single.output()).toContain(`swarmdrop: cannot reach Redis at ${nowhere}`)
    const workers = run(['--port', '0', '--workers', '2', '--redis', nowhere])
    expect(await workers.exited).toBe(3)
  }, 60_000)

  it('runs workers on one port that share swarms; replaces a dead worker; stops cleanly', async () => {
    const port = await freePort()
    const p = run(['--port', String(port), '--workers', '2', '--redis', redis.url, '--redis-prefix', `w${port}:`, '--ice-servers-json', '[]'])
    const clients: Client[] = []
    try {
      const url = await listening(p)
      expect(p.output().match(/swarmdrop listening on/g)).toHaveLength(1)
      // Connections go to the workers in turn: a few sockets land on both.
      const nodes = new Set<string>()
      for (let i = 0; i < 6; i++) nodes.add((await statsOf(url)).node.id)
      expect(nodes.size).toBe(2)
      const IH = id('workers-torrent')
      for (let i = 0; i < 4; i++) {
        const c = await Client.open(url.replace('http', 'ws') + '/announce')
        clients.push(c)
        await c.request(announce(IH, id(`P${i}`), { left: i === 0 ? 0 : 10 }))
      }
      // Every worker answers with the whole swarm, and an offer reaches peers whichever worker holds them.
      const fifth = await Client.open(url.replace('http', 'ws') + '/announce')
      clients.push(fifth)
      expect(await fifth.request(announce(IH, id('P4'), { offers: offers(4, 'p4') }))).toMatchObject({ complete: 1, incomplete: 4 })
      const got = await Promise.all(clients.slice(0, 4).map(c => c.next(m => m.offer !== undefined, 10_000)))
      expect(got.map(m => m.peer_id)).toEqual([id('P4'), id('P4'), id('P4'), id('P4')])
      const udpPort = Number(/udp tracker on udp:\/\/[\d.]+:(\d+)/.exec(p.output())?.[1])
      const udp = await UdpClient.open('127.0.0.1', udpPort)
      try {
        const cid = await udp.connect()
        const r = readAnnounceReply(await udp.request(announcePacket(cid, udp.nextTxn(), { infoHash: IH, peerId: id('U'), port: 7001, left: 5 })))
        expect(r).toMatchObject({ seeders: 1, leechers: 5 })
      } finally {
        udp.close()
      }
      for (let i = 0; i < 4; i++) expect(await statsOf(url)).toMatchObject({ peers: 6, seeders: 1, leechers: 5 })

      // Kill one worker: the primary starts another; the swarm loses only that worker's sockets.
      const victim = (await statsOf(url)).node.id as string
      const pids = new Set<number>()
      for (let i = 0; i < 6; i++) {
        const s = await statsOf(url)
        if (s.node.id === victim) pids.add(s.node.pid as number)
      }
      expect(pids.size).toBe(1)
      process.kill([...pids][0] as number, 'SIGKILL')
      // A worker takes seconds to start (more on a loaded machine).
      const deadline = Date.now() + 60_000
      for (;;) {
        const ids = new Set<string>()
        for (let i = 0; i < 4; i++) ids.add((await statsOf(url).catch(() => ({ node: { id: victim } }))).node.id)
        if (ids.size === 2 && !ids.has(victim)) break
        if (Date.now() > deadline) throw new Error(`no replacement worker (saw ${[...ids].join(' ')}, killed ${victim}):\n${p.output()}`)
        await new Promise(r => setTimeout(r, 200))
      }
      p.child.kill('SIGTERM')
      expect(await p.exited).toBe(0)
    } finally {
      for (const c of clients) c.ws.terminate()
      p.child.kill('SIGKILL')
    }
  }, 120_000)
})
