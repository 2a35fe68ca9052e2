// The tracker's --seed DIR as a seedbox keeper expects it: a file replaced while seeding stops its seed
// with a clear error and is seeded again (a new torrent) once the folder is looked at; a .torrent whose
// data is copied in after it starts seeding it then; an entry that cannot start is listed with why; the
// others go on serving throughout.
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeData } from '../shared/engine/test-support/make-torrent.ts'
import { createTorrent } from '../shared/metainfo/index.ts'
import { NodePeer } from './node-peer.ts'
import { SeedFolder, type SeedInfo } from './seed-folder.ts'

let root: string
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'swarmdrop-node-peer-seed-folder-'))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

async function until<T>(what: string, get: () => T | undefined | false, ms = 20_000): Promise<T> {
  const start = Date.now()
  for (;;) {
    const v = get()
    if (v) return v
    if (Date.now() - start > ms) throw new Error(`timed out: ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('SeedFolder', () => {
  it('restarts a seed whose file was replaced, picks up data copied in after its .torrent, lists what cannot start', async () => {
    const dir = join(root, 'seeds')
    await mkdir(join(dir, 'empty-folder'), { recursive: true })
    const kept = makeData(100_000, 1)
    await writeFile(join(dir, 'kept.bin'), kept)
    await writeFile(join(dir, 'changing.bin'), makeData(100_000, 2))
    const later = makeData(70_000, 3)
    const { torrent } = await createTorrent([{ path: ['later.bin'], length: later.length, async *stream() { yield later } }], { pieceLength: 16384, creationDate: null })
    await writeFile(join(dir, 'later.torrent'), torrent)

    const peer = await NodePeer.start({ port: 0, host: '127.0.0.1', webrtc: false })
    const logged: string[] = []
    const folder = await SeedFolder.start({
      dir,
      peer,
      trackers: [],
      log: (_level, msg, fields) => logged.push(`${msg} ${String(fields['entry'])}`),
      rescanIntervalMs: 3_600_000, // rescans are the test's
      fileWatchIntervalMs: 50,
    })
    try {
      const entry = (name: string): SeedInfo | undefined => folder.list().find((s) => s.entry === name)
      const verified = (s: SeedInfo | undefined) => (s?.infoHash ? peer.get(s.infoHash)?.store?.verifiedCount ?? 0 : 0)
      expect(entry('empty-folder')).toMatchObject({ state: 'failed', infoHash: null, error: expect.stringMatching(/no files/) })
      expect(entry('later.torrent')).toMatchObject({ name: 'later.bin', state: 'seeding' })
      expect(verified(entry('later.torrent'))).toBe(0)
      const before = entry('changing.bin')!
      const keptHash = entry('kept.bin')!.infoHash!

      // Replaced under the seed (a new file renamed over it, as editors and rsync do): the open file
      // is no longer the one on the path, so the seed stops with that reason.
      await peer.get(before.infoHash!)!.store!.read(0, 0, 16)
      await writeFile(join(dir, '.changing.tmp'), makeData(120_000, 4))
      await rename(join(dir, '.changing.tmp'), join(dir, 'changing.bin'))
      const failed = await until('the replaced seed to fail', () => entry('changing.bin')?.state === 'failed' && entry('changing.bin'))
      expect(failed.error).toMatch(/data file vanished: .*changing\.bin/)

      await writeFile(join(dir, 'later.bin'), later)
      await folder.rescan()
      const again = entry('changing.bin')!
      expect(again).toMatchObject({ state: 'seeding', error: null, length: 120_000 })
      expect(again.infoHash).not.toBe(before.infoHash)
      expect(peer.get(before.infoHash!)).toBeUndefined()
      expect(verified(again)).toBe(peer.get(again.infoHash!)!.info!.pieceCount)
      expect(verified(entry('later.torrent'))).toBe(5)
      // The untouched seed was not restarted; an unchanged entry that cannot start is not retried.
      expect(entry('kept.bin')!.infoHash).toBe(keptHash)
      expect(logged.filter((l) => l.startsWith('starting again')).sort()).toEqual(['starting again (its files changed) changing.bin', 'starting again (its files changed) later.torrent'])
      await folder.rescan()
      expect(logged.filter((l) => l.startsWith('starting again'))).toHaveLength(2)
      expect(Buffer.from(await peer.get(keptHash)!.store!.read(0, 0, 100)).equals(Buffer.from(kept.subarray(0, 100)))).toBe(true)
    } finally {
      await folder.stop()
      await peer.stop()
    }
  }, 60_000)
})
