import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { benchPeer, bounded, closePeers, type BenchPeer } from './chromium.ts'
import { installProbe, readProbe } from './channel-probe.ts'
import { startJsProfile, stopJsProfile } from './js-profile.ts'
import { cpuMeter, PeerRoles } from './proc-cpu.ts'
import { traceWindow } from './renderer-trace.ts'
import { failed, mbPerS, type RunResult, type Transfer } from './result.ts'

// The anchor: WebTorrent's own browser bundle (webtorrent 3.0.21, an ES module) in every context, the
// same file, the same tracker (ours), the same Chromium. The page is the harness page (for makeFile
// and sha256Hex); the bundle is routed in, as e2e/tracker-webtorrent.spec.ts does (only the script is
// routed: a routed document may not open a WebSocket to loopback). Timed inside the leecher page,
// from client.add to 'done'; the first 'verified' event gives the first piece.

const bundle = readFileSync(fileURLToPath(new URL('../../node_modules/webtorrent/dist/webtorrent.min.js', import.meta.url)))
const BUNDLE_PATH = '__bench/webtorrent.min.js'
const FILE_SEED = 0x5eed

export interface WtFile {
  arrayBuffer(): Promise<ArrayBuffer>
  /** The file's bytes as they arrive (or from the store when done). */
  stream(): ReadableStream<Uint8Array>
  /** Sets `elem.src` to the file's URL on the client's service-worker server (createServer). */
  streamTo(elem: HTMLMediaElement): HTMLMediaElement
}
export interface WtTorrent {
  magnetURI: string
  infoHash: string
  pieceLength: number
  done: boolean
  downloaded: number
  numPeers: number
  files: WtFile[]
  progress: number
  on(event: string, f: (...args: unknown[]) => void): void
}
interface WtClient {
  seed(file: File, opts: unknown, cb: (t: WtTorrent) => void): void
  add(magnet: string, opts: unknown, cb: (t: WtTorrent) => void): WtTorrent
  on(event: string, f: (err: unknown) => void): void
  createServer(options: { controller: ServiceWorkerRegistration }): unknown
}
declare global {
  interface Window {
    wt?: WtClient
  }
}

export async function runWebTorrent(appUrl: string, announce: string, t: Transfer): Promise<RunResult> {
  const name = 'webtorrent'
  const peers: BenchPeer[] = []
  try {
    return await bounded(`${name} ${t.seeders}->1`, t.timeoutMs, measure(appUrl, announce, t, peers))
  } catch (err) {
    return failed(name, t, err)
  } finally {
    await closePeers(peers)
  }
}

export async function webtorrentPeer(appUrl: string, t: Transfer): Promise<BenchPeer> {
  const peer = await benchPeer(appUrl, t.network)
  await peer.context.route(`${appUrl}${BUNDLE_PATH}`, (route) => route.fulfill({ body: bundle, contentType: 'text/javascript' }))
  await peer.page.evaluate(async (path) => {
    const mod = (await import(path)) as { default: new (opts: unknown) => WtClient }
    // Loopback needs no STUN (shared/machine-notes.md).
    window.wt = new mod.default({ tracker: { rtcConfig: { iceServers: [] } } })
    window.wt.on('error', (err) => console.error('webtorrent error', err))
  }, `/${BUNDLE_PATH}`)
  return peer
}

async function measure(appUrl: string, announce: string, t: Transfer, peers: BenchPeer[]): Promise<RunResult> {
  const size = t.mib * 1024 * 1024
  const seeds: { magnet: string; infoHash: string; sha: string; seedMs: number; pieceLength: number }[] = []
  const roles = new PeerRoles()
  for (let i = 0; i < t.seeders; i++) {
    const s = await webtorrentPeer(appUrl, t)
    peers.push(s)
    roles.mark('seeder')
    if (t.probe && i === 0) await installProbe(s.page)
    seeds.push(
      await s.page.evaluate(
        async ({ size, seed, announce }) => {
          const h = window.swarmdropHarness
          const file = h.clientHelpers.makeFile('bench.bin', size, seed)
          const sha = await h.clientHelpers.sha256Hex(file)
          const t0 = performance.now()
          const torrent = await new Promise<WtTorrent>((ok) => window.wt!.seed(file, { announce: [announce] }, ok))
          return { magnet: torrent.magnetURI, infoHash: torrent.infoHash, sha, seedMs: performance.now() - t0, pieceLength: torrent.pieceLength }
        },
        { size, seed: FILE_SEED, announce },
      ),
    )
  }
  const seeded = seeds[0]!
  if (seeds.some((s) => s.infoHash !== seeded.infoHash)) throw new Error(`seeders disagree on the info hash: ${seeds.map((s) => s.infoHash).join(' ')}`)

  const leecher = await webtorrentPeer(appUrl, t)
  peers.push(leecher)
  roles.mark('leecher')
  if (t.probe) await installProbe(leecher.page)
  const profiler = t.jsProfile ? await startJsProfile(leecher.page) : null
  const cpu = cpuMeter(roles)
  const trace = t.trace ? traceWindow([peers[0]!.browser, leecher.browser], roles, t.trace) : null
  const got = await leecher.page.evaluate(
    async ({ magnet, announce, timeoutMs }) => {
      const t0 = performance.now()
      let firstPieceMs: number | null = null
      let torrent: WtTorrent | null = null
      await new Promise<void>((done, fail) => {
        const timer = setTimeout(() => fail(new Error(`not done in the page after ${timeoutMs} ms`)), timeoutMs)
        torrent = window.wt!.add(magnet, { announce: [announce] }, () => {})
        torrent.on('verified', () => {
          firstPieceMs ??= performance.now() - t0
        })
        torrent.on('error', (err) => fail(new Error(String(err))))
        torrent.on('done', () => {
          clearTimeout(timer)
          done()
        })
      })
      const ms = performance.now() - t0
      const t = torrent as unknown as WtTorrent
      const bytes = await t.files[0]!.arrayBuffer()
      const sha = [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((b) => b.toString(16).padStart(2, '0')).join('')
      return { ms, firstPieceMs, sha, downloaded: t.downloaded, peers: t.numPeers }
    },
    { magnet: seeded.magnet, announce, timeoutMs: t.timeoutMs },
  )
  const cpuUse = cpu()
  const traced = await trace?.finish()
  const jsProfile = profiler ? await stopJsProfile(profiler) : undefined
  const probe = t.probe ? { seeder: await readProbe(peers[0]!.page), leecher: await readProbe(leecher.page) } : undefined
  const identical = got.sha === seeded.sha
  return {
    name: 'webtorrent',
    seeders: t.seeders,
    mib: t.mib,
    ok: identical,
    ...(identical ? {} : { error: 'the downloaded bytes differ from the source' }),
    seconds: Math.round(got.ms / 10) / 100,
    mbPerS: mbPerS(size, got.ms),
    firstPieceMs: got.firstPieceMs === null ? undefined : Math.round(got.firstPieceMs),
    identical,
    cpu: cpuUse,
    ...(traced ? { trace: traced } : {}),
    details: {
      ...(probe ? { probe } : {}),
      ...(jsProfile ? { leecherJsProfile: jsProfile } : {}),
      pieceLength: seeded.pieceLength,
      downloadedBytes: got.downloaded,
      wasteRatio: Math.round((got.downloaded / size) * 1000) / 1000,
      peersAtDone: got.peers,
      seedSeconds: Math.round(seeded.seedMs / 10) / 100,
    },
  }
}
