import type { SwarmClient } from '../../web/lib/swarm-client.ts'
import { benchPeer, bounded, closePeers, type BenchPeer } from './chromium.ts'
import type { MediaSeeder } from './media-seeder.ts'
import { webtorrentPeer, type WtTorrent } from './webtorrent-run.ts'

// Open a share link to the first frame of a video (issue 14): a leecher tab (its own browser, profile
// on disk) whose page is loaded and whose streaming service worker already controls it (a person's
// tab has it from the page's first visit; not timed) gets the seeder's magnet and plays its video in
// a muted <video> while it downloads. Timed in the page from adding the magnet to `loadeddata` (the
// first frame is decoded) and to `playing`. Ours: SwarmClient.addMagnet, then the <video> on
// /stream/<hash>/0 of our service worker (web/sw.ts), as the app's Play button does. WebTorrent's
// bundle: client.add, then `file.streamTo(video)` on its own service-worker server (createServer with
// its dist/sw.min.js, served at /webtorrent-sw.js by the harness build). Both start playback at
// `canplay`. Afterwards the first 64 KiB served by the stream are compared with the source's.

export interface FirstFrameResult {
  name: 'swarmdrop' | 'webtorrent'
  round: number
  ok: boolean
  error?: string
  /** From adding the magnet to the first decoded frame (loadeddata). */
  firstFrameMs?: number
  /** ... to the video playing. */
  playingMs?: number
  /** Fraction of the torrent verified at the first frame. */
  verifiedAtFirstFrame?: number
  /** The first 64 KiB served by the stream equal the source's. */
  identical?: boolean
}

const CHECK_BYTES = 64 * 1024

export async function runFirstFrame(appUrl: string, name: FirstFrameResult['name'], round: number, seeder: MediaSeeder, headSha256: string, timeoutMs: number): Promise<FirstFrameResult> {
  const peers: BenchPeer[] = []
  try {
    return await bounded(`${name} first frame`, timeoutMs + 60_000, measure(appUrl, name, round, seeder, headSha256, timeoutMs, peers))
  } catch (err) {
    return { name, round, ok: false, error: err instanceof Error ? err.message.split('\n')[0] : String(err) }
  } finally {
    await closePeers(peers)
  }
}

async function measure(appUrl: string, name: FirstFrameResult['name'], round: number, seeder: MediaSeeder, headSha256: string, timeoutMs: number, peers: BenchPeer[]): Promise<FirstFrameResult> {
  const peer = name === 'swarmdrop' ? await benchPeer(appUrl) : await webtorrentPeer(appUrl, { mib: 0, seeders: 1, timeoutMs })
  peers.push(peer)
  // Set-up, not timed: the client, and its service worker controlling the page.
  await peer.page.evaluate(async (name) => {
    const h = window.swarmdropHarness
    if (name === 'swarmdrop') {
      const client = await h.clientHelpers.startClient()
      h.streamServer.serveStreams(client)
      if (!(await h.streamServer.registerStreamWorker('/sw.js'))) throw new Error('no service worker')
      return
    }
    const sw = navigator.serviceWorker
    const registration = await sw.register('/webtorrent-sw.js', { scope: '/' })
    await sw.ready
    if (!sw.controller) await new Promise<void>((resolve) => sw.addEventListener('controllerchange', () => resolve(), { once: true }))
    window.wt!.createServer({ controller: registration })
  }, name)
  const got = await peer.page.evaluate(
    async ({ name, magnet, hex, timeoutMs, checkBytes }) => {
      const h = window.swarmdropHarness
      const video = document.createElement('video')
      video.muted = true
      document.body.append(video)
      const firstFrame = new Promise<number>((resolve, reject) => {
        video.addEventListener('loadeddata', () => resolve(performance.now()), { once: true })
        video.addEventListener('error', () => reject(new Error(`the video failed: ${video.error?.message ?? video.error?.code}`)), { once: true })
        setTimeout(() => reject(new Error(`no first frame within ${timeoutMs} ms`)), timeoutMs)
      })
      const playing = new Promise<number>((resolve) => video.addEventListener('playing', () => resolve(performance.now()), { once: true }))
      video.addEventListener('canplay', () => void video.play().catch(() => {}), { once: true })
      let verified: () => number
      let url: string
      const t0 = performance.now()
      if (name === 'swarmdrop') {
        const client = window.scratch['client'] as SwarmClient
        await client.addMagnet(h.shareLink.parseTorrentInput(magnet))
        // The stream needs the file's length and name: wait for the metadata (BEP 9).
        await new Promise<void>((resolve) => {
          const check = () => client.fileOf(hex, 0) !== null && (resolve(), true)
          if (!check()) client.onChange = () => void check()
        })
        client.onChange = null
        url = h.streamServer.streamUrl(hex, 0)
        video.src = url
        verified = () => {
          const v = client.views().find((x) => x.infoHashHex === hex)!
          return v.verifiedPieces / (v.pieceCount ?? 1)
        }
      } else {
        const torrent = await new Promise<WtTorrent>((resolve) => window.wt!.add(magnet, {}, resolve))
        torrent.files[0]!.streamTo(video)
        url = video.src
        verified = () => torrent.progress
      }
      const frameAt = await firstFrame
      const verifiedAtFirstFrame = verified()
      const playingAt = await Promise.race([playing, new Promise<number>((r) => setTimeout(() => r(Number.NaN), 30_000))])
      const head = await (await fetch(url, { headers: { range: `bytes=0-${checkBytes - 1}` } })).arrayBuffer()
      const digest = [...new Uint8Array(await crypto.subtle.digest('SHA-256', head))].map((b) => b.toString(16).padStart(2, '0')).join('')
      video.removeAttribute('src')
      video.load()
      return { firstFrameMs: frameAt - t0, playingMs: playingAt - t0, verifiedAtFirstFrame, digest }
    },
    { name, magnet: seeder.magnet, hex: seeder.infoHashHex, timeoutMs, checkBytes: CHECK_BYTES },
  )
  const identical = got.digest === headSha256
  return {
    name,
    round,
    ok: identical,
    ...(identical ? {} : { error: 'the first bytes served by the stream differ from the source' }),
    firstFrameMs: Math.round(got.firstFrameMs),
    ...(Number.isFinite(got.playingMs) ? { playingMs: Math.round(got.playingMs) } : {}),
    verifiedAtFirstFrame: Math.round(got.verifiedAtFirstFrame * 1000) / 1000,
    identical,
  }
}

export const FIRST_FRAME_CHECK_BYTES = CHECK_BYTES
