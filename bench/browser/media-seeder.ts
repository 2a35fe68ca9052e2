import { benchPeer, closePeers, type BenchPeer } from './chromium.ts'

// The one seeder behind bench:media's leecher runs: a swarmdrop tab (its own browser, profile on disk)
// that was handed a file on disk as a person's drop (setInputFiles gives a disk-backed File) and
// shares it. Both leechers, ours and WebTorrent's, download the same torrent from this same tab, so
// the leecher is the only thing that differs between them. Its copy into OPFS is cancelled at once:
// the tab then serves every piece from the dropped File, and a 4 GiB run needs no 4 GiB copy beside
// the file on disk (nor the CPU and disk time it would take from the leecher being measured).

export interface MediaSeeder {
  peer: BenchPeer
  infoHashHex: string
  /** The share link's magnet (our tracker on it). */
  magnet: string
  pieceLength: number
  pieceCount: number
  close(): Promise<void>
}

export async function startMediaSeeder(appUrl: string, path: string): Promise<MediaSeeder> {
  const peer = await benchPeer(appUrl)
  try {
    await peer.page.setInputFiles('#pick', path)
    const seeded = await peer.page.evaluate(async () => {
      const h = window.swarmdropHarness
      const client = await h.clientHelpers.startClient()
      const file = h.clientHelpers.pickedFiles()[0]!
      const { infoHashHex, link } = await client.seed([{ path: [file.name], file }])
      const record = await client.library.get(infoHashHex)
      client.tasks.cancelFor(infoHashHex) // the copy into OPFS (see above)
      if (record?.source.kind !== 'torrent') throw new Error('the seeded torrent is not in the library')
      const meta = await h.metainfo.parseTorrent(record.source.bytes)
      // The share link's fragment is the magnet URI itself (web/lib/share-link.ts).
      return { infoHashHex, magnet: link.slice(link.indexOf('#') + 1), pieceLength: meta.pieceLength, pieceCount: meta.pieceCount }
    })
    return { peer, ...seeded, close: () => closePeers([peer]) }
  } catch (err) {
    await closePeers([peer])
    throw err
  }
}
