// `npm run bench:media`: issue 14's figures, ours beside WebTorrent's browser bundle (webtorrent 3) in
// one run; each peer its own headless Chromium with a profile on disk (chromium.ts), our tracker
// process serving the harness page (web/harness, with both clients' streaming service workers):
//   - share: drop to share link. A file on disk dropped into the page: swarmdrop's seed() to its link
//     against WebTorrent's seed() to ready (share-link-run.ts). Goal: at most 3 s for 1 GiB, at least
//     5x faster than WebTorrent.
//   - memory: leecher tab peak memory. One swarmdrop tab seeds a file (media-seeder.ts); our leecher
//     and WebTorrent's download it in turn while their JS heap and their browser's anonymous RSS are
//     sampled (leecher-memory-run.ts). Goal: under 150 MB at every size, and below WebTorrent's.
//   - frame: open a share link to the first frame of a video. A WebM made in the page (WebCodecs VP8,
//     noise so it does not compress) seeded the same way; each leecher plays it while downloading
//     through its own service worker (first-frame-run.ts). Goal: at most half of WebTorrent's.
// Default sizes are the issue's (share 256 and 1024 MiB, memory 1024 and 4096 MiB, a 120 s video of
// about 100 MiB; a quiet machine needs about an hour and 15 GB free under /tmp). Flags:
// --only share,memory,frame  --share-mib 256,1024  --memory-mib 1024,4096  --video-seconds 120
// --frame-rounds 3. Smoke run: --share-mib 64 --memory-mib 64 --video-seconds 20 --frame-rounds 1.
// Writes bench/results/browser-media-<date>.json.
import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildHarness } from '../../e2e/lib-harness/build.ts'
import { startOurTracker } from '../../e2e/lib-harness/servers.ts'
import { randomFile, removeFile } from '../../e2e/media/files.ts'
import { benchPeer, closePeers } from './chromium.ts'
import { FIRST_FRAME_CHECK_BYTES, runFirstFrame, type FirstFrameResult } from './first-frame-run.ts'
import { runLeecherMemory, type LeecherMemoryResult } from './leecher-memory-run.ts'
import { startMediaSeeder } from './media-seeder.ts'
import { firstFrameTable, goalLines, memoryTable, rssGrowthByKind, shareLinkTable, type GoalLine } from './media-summary.ts'
import { runShareLink, type ShareLinkResult } from './share-link-run.ts'

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? (process.argv[i + 1] ?? '') : fallback
}
const sizes = (name: string, fallback: string) => arg(name, fallback).split(',').map(Number).filter((n) => Number.isFinite(n) && n > 0)
const only = new Set(arg('only', 'share,memory,frame').split(','))
const shareSizes = only.has('share') ? sizes('share-mib', '256,1024') : []
const memorySizes = only.has('memory') ? sizes('memory-mib', '1024,4096') : []
const videoSeconds = only.has('frame') ? Number(arg('video-seconds', '120')) : 0
const frameRounds = Number(arg('frame-rounds', '3'))
/** Bound per leecher run: setup plus the transfer at no worse than 1 MiB per 0.75 s. */
const transferBound = (mib: number) => (120 + mib * 0.75) * 1000

const loadBefore = loadavg()
console.log(`media bench: share ${shareSizes.join(', ') || '-'} MiB, memory ${memorySizes.join(', ') || '-'} MiB, first frame ${videoSeconds || '-'} s video x ${frameRounds}; load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')}, ${cpus().length} cores`)
const harnessDir = await buildHarness()
const tracker = await startOurTracker(0, ['--web-root', harnessDir, '--log-level', 'warn'])
const share: ShareLinkResult[] = []
const memory: LeecherMemoryResult[] = []
const frame: FirstFrameResult[] = []
const goals: GoalLine[] = []
try {
  for (const mib of shareSizes) {
    const file = randomFile(`share-${mib}.bin`, mib)
    for (const name of ['swarmdrop', 'webtorrent'] as const) {
      process.stdout.write(`  share: ${name} drop to link, ${mib} MiB ... `)
      const r = await runShareLink(tracker.httpUrl, tracker.url, name, mib, file.path, { timeoutMs: (60 + mib) * 1000 })
      share.push(r)
      console.log(r.ok ? `${r.ms} ms` : `FAILED: ${r.error}`)
    }
    removeFile(file.path)
  }
  if (shareSizes.length > 0) printSection('Drop to share link', shareLinkTable(share))

  for (const [k, mib] of memorySizes.entries()) {
    const file = randomFile(`memory-${mib}.bin`, mib)
    const seeder = await startMediaSeeder(tracker.httpUrl, file.path)
    try {
      // Alternate which leecher goes first from size to size.
      for (const name of k % 2 === 0 ? (['swarmdrop', 'webtorrent'] as const) : (['webtorrent', 'swarmdrop'] as const)) {
        process.stdout.write(`  memory: ${name} leecher, ${mib} MiB (${seeder.pieceCount} pieces of ${seeder.pieceLength / 1024} KiB) ... `)
        const r = await runLeecherMemory(tracker.httpUrl, name, seeder, mib, file.sha256, transferBound(mib))
        memory.push(r)
        console.log(r.heap ? `${r.seconds} s, heap peak ${(r.heap.peak / 1e6).toFixed(0)} MB, anon RSS +${((r.rss!.peak - r.rss!.base) / 1e6).toFixed(0)} MB (${rssGrowthByKind(r)})${r.ok ? '' : `, ${r.error}`}` : `FAILED: ${r.error}`)
      }
    } finally {
      await seeder.close()
      removeFile(file.path)
    }
  }
  if (memorySizes.length > 0) printSection('Leecher peak memory', memoryTable(memory))

  if (videoSeconds > 0) {
    const video = await makeVideo(tracker.httpUrl, videoSeconds)
    const seeder = await startMediaSeeder(tracker.httpUrl, video.path)
    try {
      console.log(`  frame: a ${videoSeconds} s WebM of ${(video.size / 2 ** 20).toFixed(1)} MiB, ${seeder.pieceCount} pieces of ${seeder.pieceLength / 1024} KiB`)
      for (let round = 0; round < frameRounds; round++) {
        for (const name of round % 2 === 0 ? (['swarmdrop', 'webtorrent'] as const) : (['webtorrent', 'swarmdrop'] as const)) {
          process.stdout.write(`  frame: round ${round + 1}, ${name} ... `)
          const r = await runFirstFrame(tracker.httpUrl, name, round + 1, seeder, video.headSha256, 120_000)
          frame.push(r)
          console.log(r.firstFrameMs !== undefined ? `first frame ${r.firstFrameMs} ms, ${((r.verifiedAtFirstFrame ?? 0) * 100).toFixed(1)}% verified${r.ok ? '' : `, ${r.error}`}` : `FAILED: ${r.error}`)
        }
      }
    } finally {
      await seeder.close()
      removeFile(video.path)
    }
    printSection('Open a share link to the first frame', firstFrameTable(frame))
  }
} finally {
  await tracker.close()
}

console.log(`\nIssue 14's goals (load average now ${loadavg().map((x) => x.toFixed(2)).join(' ')}):`)
for (const line of goalLines(goals)) console.log(line)
const root = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '')
mkdirSync(`${root}/bench/results`, { recursive: true })
const out = `${root}/bench/results/browser-media-${new Date().toISOString().slice(0, 10)}.json`
writeFileSync(out, JSON.stringify({ bench: 'browser-media', date: new Date().toISOString(), machine: { cores: cpus().length, loadAverageBefore: loadBefore, loadAverageAfter: loadavg() }, share, memory, frame, goals }, null, 2) + '\n')
console.log(`wrote ${out}`)
process.exitCode = [...share, ...memory, ...frame].every((r) => r.ok) ? 0 : 1

function printSection(title: string, table: { lines: string[]; goals: GoalLine[] }): void {
  console.log(`\n${title}\n${table.lines.join('\n')}`)
  for (const line of goalLines(table.goals)) console.log(line)
  goals.push(...table.goals)
}

/** A WebM of `seconds` made in a page (web/harness/webm-maker.ts), written to a file; the SHA-256 of its first bytes. */
async function makeVideo(appUrl: string, seconds: number): Promise<{ path: string; size: number; headSha256: string }> {
  const maker = await benchPeer(appUrl)
  const path = join(tmpdir(), `swarmdrop-bench-video-${process.pid}.webm`)
  try {
    const size = await maker.page.evaluate(async (seconds) => {
      const bytes = await window.swarmdropHarness.webmMaker.makeWebm({ seconds, width: 480, height: 270, fps: 30, bitrate: 7_000_000 })
      window.scratch['video'] = bytes
      return bytes.length
    }, seconds)
    // Out of the page in slices (one string of 100+ MiB through the protocol is asking for trouble).
    const parts: Buffer[] = []
    for (let at = 0; at < size; at += 8 << 20) {
      const b64 = await maker.page.evaluate(
        ({ at, n }) => {
          const bytes = (window.scratch['video'] as Uint8Array).subarray(at, at + n)
          let s = ''
          for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
          return btoa(s)
        },
        { at, n: 8 << 20 },
      )
      parts.push(Buffer.from(b64, 'base64'))
    }
    const bytes = Buffer.concat(parts)
    writeFileSync(path, bytes)
    return { path, size: bytes.length, headSha256: createHash('sha256').update(bytes.subarray(0, FIRST_FRAME_CHECK_BYTES)).digest('hex') }
  } finally {
    await closePeers([maker])
  }
}
