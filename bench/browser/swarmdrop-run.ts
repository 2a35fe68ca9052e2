import type { SwarmClient } from '../../web/lib/swarm-client.ts'
import { benchPeer, bounded, closePeers, type BenchPeer } from './chromium.ts'
import { installProbe, readProbe } from './channel-probe.ts'
import { startJsProfile, stopJsProfile } from './js-profile.ts'
import { cpuMeter, PeerRoles } from './proc-cpu.ts'
import { traceWindow } from './renderer-trace.ts'
import { failed, mbPerS, type RunResult, type Transfer } from './result.ts'

// swarmdrop itself: `seeders` contexts seed the same N MiB file with SwarmClient (hashing it and
// copying it into OPFS, as a user's drop does), one leecher context opens the share link and adds its
// magnet through our tracker. Timed inside the leecher page, from addMagnet to done; the leecher's
// stored file (read back from OPFS) is hashed and compared with the source. The torrent is v1 (the
// page's default) unless the variant says v2 or hybrid (BEP 52): then the leecher, from a link with
// btmh, fetches the piece layers from the seeders and verifies every piece by SHA-256 merkle roots.

const FILE_SEED = 0x5eed

/** 'swarmdrop', or 'swarmdrop[<variant>]' for a run with other engine limits. */
const nameOf = (t: Transfer) => (t.variant ? `swarmdrop[${t.variant.name}]` : 'swarmdrop')

export async function runSwarmdrop(appUrl: string, t: Transfer): Promise<RunResult> {
  const name = nameOf(t)
  const peers: BenchPeer[] = []
  try {
    return await bounded(`${name} ${t.seeders}->1`, t.timeoutMs, measure(appUrl, t, peers))
  } catch (err) {
    return failed(name, t, err)
  } finally {
    await closePeers(peers)
  }
}

async function measure(appUrl: string, t: Transfer, peers: BenchPeer[]): Promise<RunResult> {
  const size = t.mib * 1024 * 1024
  const roles = new PeerRoles()
  const first = await benchPeer(appUrl, t.network)
  peers.push(first)
  roles.mark('seeder')
  if (t.probe) await installProbe(first.page)
  const seeded = await first.page.evaluate(
    async ({ size, seed, limits, metaVersion }) => {
      const h = window.swarmdropHarness
      const client = await h.clientHelpers.startClient(limits)
      const file = h.clientHelpers.makeFile('bench.bin', size, seed)
      const sha = await h.clientHelpers.sha256Hex(file)
      const t0 = performance.now()
      const { infoHashHex, link } = await client.seed([{ path: ['bench.bin'], file }], undefined, metaVersion ?? 1)
      const seedMs = performance.now() - t0
      const record = await client.library.get(infoHashHex)
      const torrent = record?.source.kind === 'torrent' ? [...record.source.bytes] : []
      const { pieceLength, metaVersion: made } = await h.metainfo.parseTorrent(new Uint8Array(torrent))
      return { infoHashHex, link, sha, seedMs, torrent, pieceLength, metaVersion: made }
    },
    { size, seed: FILE_SEED, limits: t.variant?.limits ?? {}, metaVersion: t.variant?.metaVersion },
  )
  if (seeded.metaVersion !== (t.variant?.metaVersion ?? 1)) throw new Error(`shared a ${seeded.metaVersion} torrent, not ${t.variant?.metaVersion ?? 1}`)
  // More seeders: the same file and the same .torrent, pieces checked against it (seedTorrent).
  for (let i = 1; i < t.seeders; i++) {
    const s = await benchPeer(appUrl, t.network)
    peers.push(s)
    roles.mark('seeder')
    const hex = await s.page.evaluate(
      async ({ size, seed, torrent, limits }) => {
        const h = window.swarmdropHarness
        const client = await h.clientHelpers.startClient(limits)
        const file = h.clientHelpers.makeFile('bench.bin', size, seed)
        return (await client.seedTorrent(new Uint8Array(torrent), [{ path: ['bench.bin'], file }])).infoHashHex
      },
      { size, seed: FILE_SEED, torrent: seeded.torrent, limits: t.variant?.limits ?? {} },
    )
    if (hex !== seeded.infoHashHex) throw new Error(`seeder ${i + 1} has ${hex}, not ${seeded.infoHashHex}`)
  }

  const leecher = await benchPeer(seeded.link, t.network)
  peers.push(leecher)
  roles.mark('leecher')
  if (t.probe) await installProbe(leecher.page)
  await leecher.page.evaluate(async (limits) => {
    await window.swarmdropHarness.clientHelpers.startClient(limits)
  }, t.variant?.limits ?? {})
  const profiler = t.jsProfile ? await startJsProfile(leecher.page) : null
  const cpu = cpuMeter(roles)
  const trace = t.trace ? traceWindow([first.browser, leecher.browser], roles, t.trace) : null
  const got = await fetchInLeecher(leecher, t.timeoutMs)
  const cpuUse = cpu()
  const traced = await trace?.finish()
  const jsProfile = profiler ? await stopJsProfile(profiler) : undefined
  const probe = t.probe ? { seeder: await readProbe(peers[0]!.page), leecher: await readProbe(leecher.page) } : undefined
  const sha = await storedSha256(leecher, got.hex)
  // What each seeder sent (MiB): whether the leecher spread its requests over all of them.
  const perSeederMiB = await Promise.all(
    peers.slice(0, t.seeders).map((p) =>
      p.page.evaluate((hex) => {
        const v = (window.scratch['client'] as SwarmClient).views().find((x) => x.infoHashHex === hex)
        return Math.round(((v?.uploaded ?? 0) / 1048576) * 10) / 10
      }, got.hex),
    ),
  )
  return {
    name: nameOf(t),
    seeders: t.seeders,
    mib: t.mib,
    ok: sha === seeded.sha,
    ...(sha === seeded.sha ? {} : { error: 'the stored bytes differ from the source' }),
    seconds: round(got.ms / 1000, 2),
    mbPerS: mbPerS(size, got.ms),
    firstPieceMs: got.firstPieceMs === null ? undefined : Math.round(got.firstPieceMs),
    identical: sha === seeded.sha,
    cpu: cpuUse,
    ...(traced ? { trace: traced } : {}),
    details: {
      ...(probe ? { probe } : {}),
      ...(jsProfile ? { leecherJsProfile: jsProfile } : {}),
      metaVersion: seeded.metaVersion,
      pieceLength: seeded.pieceLength,
      pieceCount: got.pieceCount,
      downloadedBytes: got.downloaded,
      wasteRatio: round(got.downloaded / size, 3),
      peersAtDone: got.peers,
      perSeederMiB,
      seedSeconds: round(seeded.seedMs / 1000, 2),
    },
  }
}

/** In a leecher page whose URL is a share link: add its magnet, wait until done (timed in the page). */
export async function fetchInLeecher(leecher: BenchPeer, timeoutMs: number): Promise<{ ms: number; firstPieceMs: number | null; hex: string; pieceCount: number | null; peers: number; downloaded: number }> {
  return leecher.page.evaluate(async (timeoutMs) => {
    const h = window.swarmdropHarness
    const client = window.scratch['client'] as SwarmClient
    const magnet = h.shareLink.magnetFromFragment(location.hash)
    if (!magnet) throw new Error('no magnet in the share link')
    const t0 = performance.now()
    let firstPieceMs: number | null = null
    const hex = await client.addMagnet(magnet)
    await new Promise<void>((done, fail) => {
      let lastCheck = 0
      const check = () => {
        lastCheck = performance.now()
        const v = client.views().find((x) => x.infoHashHex === hex)
        if (v && v.verifiedPieces > 0 && firstPieceMs === null) firstPieceMs = performance.now() - t0
        if (v?.error) fail(new Error(v.error))
        else if (v?.done) done()
        else if (performance.now() - t0 > timeoutMs) fail(new Error(`not done in the page after ${timeoutMs} ms: ${JSON.stringify(v)}`))
        else return false
        return true
      }
      // The measuring must not cost the leecher much of its main thread: every change until the
      // first piece (its time is a figure), then at most every 50 ms; a 100 ms poll as well, since
      // onChange may not fire for every piece.
      client.onChange = () => void ((firstPieceMs === null || performance.now() - lastCheck >= 50) && check())
      const poll = setInterval(() => check() && clearInterval(poll), 100)
    })
    const ms = performance.now() - t0
    client.onChange = null
    const v = client.views().find((x) => x.infoHashHex === hex)!
    return { ms, firstPieceMs, hex, pieceCount: v.pieceCount, peers: v.peers, downloaded: v.downloaded }
  }, timeoutMs)
}

/** SHA-256 of the first file a leecher page stored for this torrent (read back from OPFS). */
export async function storedSha256(leecher: BenchPeer, hex: string): Promise<string> {
  return leecher.page.evaluate(async (hex) => {
    const h = window.swarmdropHarness
    const files = await (window.scratch['client'] as SwarmClient).files(hex)
    return h.clientHelpers.sha256Hex(files[0]!.file)
  }, hex)
}

function round(x: number, digits: number): number {
  return Math.round(x * 10 ** digits) / 10 ** digits
}
