import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import { connect } from 'node:net'
import { bundledCli, type Proc } from '../../node/interop/processes.ts'
import { TcpTransport } from '../../node/tcp-transport.ts'
import { systemClock } from '../../shared/engine/adapters/system-clock.ts'
import { Torrent, type PieceStore } from '../../shared/engine/index.ts'
import { webCryptoHasher } from '../../shared/hash.ts'
import { newPeerId } from '../../shared/peer-id.ts'
import { parseTorrent } from '../../shared/metainfo/index.ts'
import { ProcSampler } from './proc-stats.ts'

/** The process's peak resident set so far (VmHWM) in bytes, or null when it is gone. */
function highWaterBytes(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) * 1024 : null
  } catch {
    return null
  }
}

// Resident memory of a Node peer (`cli seed`, its own process) seeding one big file to several peers at
// once over TCP. The leechers are engine Torrents in this process that verify every piece and then drop
// it (their disks are not what is measured). RSS is sampled every 200 ms from /proc; the page cache
// holding the file is the kernel's, not the process's.
// As a seedbox runs: a first `cli seed <file>` hashes it (its peak RSS while hashing is reported apart),
// writes the .torrent and, on Ctrl-C, its resume file; the measured process is a second one,
// `cli seed <file.torrent> --data DIR`, which trusts the resume file and only serves.

export interface RssResult {
  mib: number
  peers: number
  ok: boolean
  error?: string
  /** Peak resident set of the seeding process during the transfer, and once it had checked the data. */
  peakRssMB?: number
  idleRssMB?: number
  /** Peak resident set of the first run while it hashed the file to make the torrent. */
  hashingPeakRssMB?: number
  seconds?: number
  /** Total bytes served per second (all peers). */
  mbPerS?: number
}

class DiscardingStore implements PieceStore {
  pieces = 0
  async read(): Promise<Uint8Array> {
    throw new Error('this leecher serves nothing')
  }
  async write(): Promise<void> {
    this.pieces++
  }
  async verified(): Promise<Iterable<number>> {
    return []
  }
}

export async function runSeederRss(o: { dataPath: string; torrentOut: string; mib: number; peers: number; timeoutMs: number; cli?: (...args: string[]) => Proc }): Promise<RssResult> {
  const cli = o.cli ?? bundledCli
  let seeder: Proc | null = null
  const torrents: Torrent[] = []
  try {
    const maker = cli('seed', o.dataPath, '--torrent-out', o.torrentOut, '--no-webrtc', '--port', '0', '--json')
    let hashingPeak: number | null
    try {
      await maker.waitFor((l) => l['type'] === 'seeding', o.timeoutMs)
      hashingPeak = highWaterBytes(maker.child.pid!)
    } finally {
      // Ctrl-C: the seed closes its store, writing the resume file the measured run trusts.
      await maker.kill('SIGINT')
    }
    seeder = cli('seed', o.torrentOut, '--data', dirname(o.dataPath), '--no-webrtc', '--port', '0', '--json')
    const seeding = await seeder.waitFor((l) => l['type'] === 'seeding', o.timeoutMs)
    if (seeding['name'] !== basename(o.dataPath)) throw new Error(`seeding ${String(seeding['name'])}, not ${basename(o.dataPath)}`)
    const meta = await parseTorrent(new Uint8Array(await readFile(o.torrentOut)))
    const sampler = new ProcSampler(seeder.child.pid!, 200)
    const idle = sampler.peakRss
    const t0 = performance.now()
    const done: Promise<void>[] = []
    for (let i = 0; i < o.peers; i++) {
      const t = await Torrent.open(meta, { store: new DiscardingStore(), hasher: webCryptoHasher, clock: systemClock }, { peerId: newPeerId() })
      torrents.push(t)
      done.push(new Promise((r) => t.on((e) => e.type === 'done' && r())))
      const socket = connect({ host: '127.0.0.1', port: seeding['port'] as number })
      await new Promise<void>((ok, fail) => socket.once('connect', ok).once('error', fail))
      t.addPeer(new TcpTransport(socket), { kind: 'tcp', address: '127.0.0.1' })
    }
    await Promise.race([Promise.all(done), new Promise<never>((_, fail) => setTimeout(() => fail(new Error(`not done within ${o.timeoutMs} ms`)), o.timeoutMs))])
    const ms = performance.now() - t0
    sampler.stop()
    return {
      mib: o.mib,
      peers: o.peers,
      ok: true,
      peakRssMB: Math.round(sampler.peakRss / 1e5) / 10,
      idleRssMB: Math.round(idle / 1e5) / 10,
      ...(hashingPeak !== null ? { hashingPeakRssMB: Math.round(hashingPeak / 1e5) / 10 } : {}),
      seconds: Math.round(ms / 10) / 100,
      mbPerS: Math.round(((o.mib * 1.048576 * o.peers) / (ms / 1000)) * 10) / 10,
    }
  } catch (err) {
    const said = (seeder as Proc | null)?.output.trim().split('\n').slice(-3).join(' / ')
    return { mib: o.mib, peers: o.peers, ok: false, error: `${err instanceof Error ? err.message.split('\n')[0]! : String(err)}${said ? ` (the seeder's last lines: ${said})` : ''}` }
  } finally {
    for (const t of torrents) t.destroy()
    await (seeder as Proc | null)?.kill('SIGKILL')
  }
}
