import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { aria2c, bundledCli as cli, type Proc } from '../../node/interop/processes.ts'
import { httpAnnounce } from '../../node/trackers/http-tracker.ts'
import { freePort } from '../../e2e/support/app-server.ts'
import type { Metainfo } from '../../shared/metainfo/index.ts'
import { ProcSampler } from './proc-stats.ts'
import { sameFile } from './same-file.ts'

// Node peer to Node peer over TCP on loopback, beside aria2c to aria2c on the same file, each pair
// through our tracker over HTTP. Every peer is a process of its own (`cli seed`/`cli download`, as a user
// runs them); CPU from /proc. The swarmdrop leecher is timed from its `downloading` line to its `done`
// line (its own start, tsx included, is not the transfer); aria2c's from its start to its exit.
// Seeders are ready before the clock starts (ours has checked the data; aria2c seeds unverified).

export interface TcpResult {
  name: 'swarmdrop' | 'aria2c'
  mib: number
  ok: boolean
  error?: string
  seconds?: number
  mbPerS?: number
  /** CPU milliseconds per MiB moved, each side, over the timed span. */
  cpuMsPerMiB?: { seeder: number; leecher: number }
  identical?: boolean
}

export interface TcpSetup {
  dir: string
  dataDir: string
  dataName: string
  torrentPath: string
  metainfo: Metainfo
  mib: number
  announce: string
  timeoutMs: number
}

export async function runTcp(name: TcpResult['name'], s: TcpSetup): Promise<TcpResult> {
  const procs: Proc[] = []
  const out = join(s.dir, `out-${name}`)
  await rm(out, { recursive: true, force: true })
  try {
    const r = await Promise.race([
      name === 'swarmdrop' ? swarmdrop(s, out, procs) : aria(s, out, procs),
      new Promise<never>((_, fail) => setTimeout(() => fail(new Error(`not done within ${s.timeoutMs} ms`)), s.timeoutMs)),
    ])
    const identical = await sameFile(join(s.dataDir, s.dataName), join(out, s.dataName))
    const mib = s.mib
    return {
      name,
      mib,
      ok: identical,
      ...(identical ? {} : { error: 'the downloaded bytes differ' }),
      seconds: round(r.ms / 1000, 2),
      mbPerS: round((mib * 1.048576) / (r.ms / 1000), 1),
      cpuMsPerMiB: { seeder: round((r.seederCpu * 1000) / mib, 2), leecher: round((r.leecherCpu * 1000) / mib, 2) },
      identical,
    }
  } catch (err) {
    return { name, mib: s.mib, ok: false, error: err instanceof Error ? err.message.split('\n')[0]! : String(err) }
  } finally {
    await Promise.all(procs.map((p) => p.kill('SIGKILL')))
    await rm(out, { recursive: true, force: true })
  }
}

interface Timed {
  ms: number
  seederCpu: number
  leecherCpu: number
}

async function swarmdrop(s: TcpSetup, out: string, procs: Proc[]): Promise<Timed> {
  const seeder = cli('seed', s.torrentPath, '--data', s.dataDir, '--no-webrtc', '--port', '0', '--json')
  procs.push(seeder)
  await seeder.waitFor((l) => l['type'] === 'seeding', s.timeoutMs)
  const seederCpu = new ProcSampler(seeder.child.pid!)
  const leecher = cli('download', s.torrentPath, '-o', out, '--no-webrtc', '--port', '0', '--json')
  procs.push(leecher)
  const leecherCpu = new ProcSampler(leecher.child.pid!)
  await leecher.waitFor((l) => l['type'] === 'downloading', s.timeoutMs)
  leecherCpu.sample()
  seederCpu.sample()
  const t0 = performance.now()
  const cpu0 = { seeder: seederCpu.cpu, leecher: leecherCpu.cpu }
  await leecher.waitFor((l) => l['type'] === 'done', s.timeoutMs)
  const ms = performance.now() - t0
  leecherCpu.stop()
  seederCpu.stop()
  return { ms, seederCpu: seederCpu.cpu - cpu0.seeder, leecherCpu: leecherCpu.cpu - cpu0.leecher }
}

async function aria(s: TcpSetup, out: string, procs: Proc[]): Promise<Timed> {
  const seedPort = await freePort()
  // Seeding unverified: ready at once (our seeder's check happened before its clock started, too).
  const seeder = aria2c({ torrent: s.torrentPath, dir: s.dataDir, port: seedPort, seed: true, extra: ['--check-integrity=false', '--bt-seed-unverified=true'] })
  procs.push(seeder)
  await untilTrackerKnows(s, seedPort)
  const seederCpu = new ProcSampler(seeder.child.pid!)
  const t0 = performance.now()
  // Files sized up front without writing them (ours: a sparse ftruncate), as `trunc` does.
  const leecher = aria2c({ torrent: s.torrentPath, dir: out, port: await freePort(), seed: false, extra: ['--file-allocation=trunc'] })
  procs.push(leecher)
  const leecherCpu = new ProcSampler(leecher.child.pid!, 50)
  const cpu0 = seederCpu.cpu
  const code = await leecher.exited
  const ms = performance.now() - t0
  leecherCpu.stop()
  seederCpu.stop()
  if (code !== 0) throw new Error(`aria2c exited with ${code}: ${leecher.output.slice(-300)}`)
  return { ms, seederCpu: seederCpu.cpu - cpu0, leecherCpu: leecherCpu.cpu }
}

async function untilTrackerKnows(s: TcpSetup, port: number): Promise<void> {
  const peerId = new TextEncoder().encode('-XX0000-benchwatcher')
  const ask = (event?: 'stopped') =>
    httpAnnounce(s.announce, { infoHash: s.metainfo.infoHash, peerId, port: 1, uploaded: 0, downloaded: 0, left: 1, numwant: 50, key: 7, ...(event ? { event } : {}) }, AbortSignal.timeout(5_000)).catch(() => null)
  for (let i = 0; i < 300; i++) {
    const r = await ask()
    await ask('stopped') // the watcher leaves the swarm again: no one dials its port 1
    if (r?.peers.some((p) => p.port === port)) return
    await new Promise((res) => setTimeout(res, 200))
  }
  throw new Error('aria2c never announced')
}

function round(x: number, digits = 1): number {
  return Math.round(x * 10 ** digits) / 10 ** digits
}
