import type { CDPSession } from '@playwright/test'
import { pageHeapBytes } from '../../e2e/media/page-heap.ts'
import { browserAnonRssByKind } from '../../e2e/media/proc-memory.ts'
import type { SwarmClient } from '../../web/lib/swarm-client.ts'
import { benchPeer, bounded, closePeers, type BenchPeer } from './chromium.ts'
import type { MediaSeeder } from './media-seeder.ts'
import { webtorrentPeer, type WtTorrent } from './webtorrent-run.ts'

// Leecher peak memory (issue 14): one leecher tab, in a browser of its own with a profile on disk
// (an off-the-record context keeps OPFS in memory, which would count the download itself), downloads
// the seeder's torrent to the end; meanwhile its page's JS heap (CDP, ArrayBuffers included:
// e2e/media/page-heap.ts; after a GC at the idle page) and its whole browser's anonymous resident
// memory (RssAnon of the browser process and every child: renderers, GPU, network, storage;
// e2e/media/proc-memory.ts) are sampled. Ours: SwarmClient.addMagnet, pieces into OPFS through its
// worker. WebTorrent's bundle: client.add with its default browser store (fsa-chunk-store: a file per
// piece in OPFS, 20 pieces cached in memory). After the samples stop, the stored file is read back as
// a stream and hashed (SHA-256) in the page, so the check holds no whole file either.

export interface MemoryFigures {
  /** At the idle page, after a GC, before adding the torrent. */
  base: number
  peak: number
}

export interface LeecherMemoryResult {
  name: 'swarmdrop' | 'webtorrent'
  mib: number
  ok: boolean
  error?: string
  seconds?: number
  identical?: boolean
  /** The page's JS heap (bytes). */
  heap?: MemoryFigures
  /** The leecher's browser, all processes, anonymous resident memory (bytes). */
  rss?: MemoryFigures
  /** The same per kind of process (browser, renderer, gpu-process, utility, ...): at the idle page and at each kind's own peak. */
  rssByKind?: Record<string, MemoryFigures>
  samples?: number
}

export async function runLeecherMemory(appUrl: string, name: LeecherMemoryResult['name'], seeder: MediaSeeder, mib: number, sha256: string, timeoutMs: number): Promise<LeecherMemoryResult> {
  const peers: BenchPeer[] = []
  try {
    return await bounded(`${name} leecher memory ${mib} MiB`, timeoutMs + 60_000, measure(appUrl, name, seeder, mib, sha256, timeoutMs, peers))
  } catch (err) {
    return { name, mib, ok: false, error: err instanceof Error ? err.message.split('\n')[0] : String(err) }
  } finally {
    await closePeers(peers)
  }
}

async function measure(appUrl: string, name: LeecherMemoryResult['name'], seeder: MediaSeeder, mib: number, sha256: string, timeoutMs: number, peers: BenchPeer[]): Promise<LeecherMemoryResult> {
  const peer = name === 'swarmdrop' ? await benchPeer(appUrl) : await webtorrentPeer(appUrl, { mib, seeders: 1, timeoutMs })
  peers.push(peer)
  if (name === 'swarmdrop') await peer.page.evaluate(async () => void (await window.swarmdropHarness.clientHelpers.startClient()))
  const cdp = await peer.context.newCDPSession(peer.page)
  await cdp.send('HeapProfiler.collectGarbage')
  await new Promise((r) => setTimeout(r, 1000))
  const sampler = new MemorySampler(cdp, peer.profileDir)
  await sampler.start()
  const got = await peer.page.evaluate(
    async ({ name, magnet, hex, timeoutMs }) => {
      const t0 = performance.now()
      if (name === 'swarmdrop') {
        const h = window.swarmdropHarness
        const client = window.scratch['client'] as SwarmClient
        await client.addMagnet(h.shareLink.parseTorrentInput(magnet))
        await h.clientHelpers.waitDone(hex, timeoutMs)
        return { ms: performance.now() - t0 }
      }
      await new Promise<void>((done, fail) => {
        const timer = setTimeout(() => fail(new Error(`not done in the page after ${timeoutMs} ms`)), timeoutMs)
        const torrent = window.wt!.add(magnet, {}, () => {})
        window.scratch = { ...(window.scratch ?? {}), torrent }
        torrent.on('error', (err) => fail(new Error(String(err))))
        torrent.on('done', () => {
          clearTimeout(timer)
          done()
        })
      })
      return { ms: performance.now() - t0 }
    },
    { name, magnet: seeder.magnet, hex: seeder.infoHashHex, timeoutMs },
  )
  const figures = await sampler.stop()
  const stored = await peer.page.evaluate(async ({ name, hex }) => {
    const h = window.swarmdropHarness
    if (name === 'swarmdrop') {
      const files = await (window.scratch['client'] as SwarmClient).files(hex)
      return h.clientHelpers.sha256OfStream(files[0]!.file.stream())
    }
    const torrent = window.scratch['torrent'] as WtTorrent
    return h.clientHelpers.sha256OfStream(torrent.files[0]!.stream())
  }, { name, hex: seeder.infoHashHex })
  const identical = stored === sha256
  return {
    name,
    mib,
    ok: identical,
    ...(identical ? {} : { error: 'the stored bytes differ from the source' }),
    seconds: Math.round(got.ms / 100) / 10,
    identical,
    ...figures,
  }
}

/** Samples the page's JS heap and its browser's anonymous RSS every half second, keeping the peaks. */
class MemorySampler {
  #running = false
  #loop: Promise<void> | null = null
  readonly heap: MemoryFigures = { base: 0, peak: 0 }
  readonly rss: MemoryFigures = { base: 0, peak: 0 }
  readonly rssByKind: Record<string, MemoryFigures> = {}
  samples = 0

  constructor(
    readonly cdp: CDPSession,
    readonly profileDir: string,
  ) {}

  #heap(): Promise<number> {
    return pageHeapBytes(this.cdp)
  }

  /** The whole browser's anonymous RSS, keeping each kind's figures on the way. */
  #rss(first: boolean): number {
    let total = 0
    for (const [kind, bytes] of Object.entries(browserAnonRssByKind(this.profileDir))) {
      const f = (this.rssByKind[kind] ??= { base: first ? bytes : 0, peak: 0 })
      f.peak = Math.max(f.peak, bytes)
      total += bytes
    }
    return total
  }

  async start(): Promise<void> {
    this.heap.base = this.heap.peak = await this.#heap()
    this.rss.base = this.rss.peak = this.#rss(true)
    if (this.rss.base === 0) throw new Error('no anonymous RSS read from /proc (Linux only): the figures would be empty')
    this.#running = true
    this.#loop = (async () => {
      while (this.#running) {
        await new Promise((r) => setTimeout(r, 500))
        this.heap.peak = Math.max(this.heap.peak, await this.#heap().catch(() => 0))
        this.rss.peak = Math.max(this.rss.peak, this.#rss(false))
        this.samples++
      }
    })()
  }

  async stop(): Promise<{ heap: MemoryFigures; rss: MemoryFigures; rssByKind: Record<string, MemoryFigures>; samples: number }> {
    this.#running = false
    await this.#loop
    return { heap: { ...this.heap }, rss: { ...this.rss }, rssByKind: structuredClone(this.rssByKind), samples: this.samples }
  }
}
