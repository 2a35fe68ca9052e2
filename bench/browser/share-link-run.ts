import { benchPeer, bounded, closePeers, type BenchPeer } from './chromium.ts'
import { webtorrentPeer } from './webtorrent-run.ts'
import type { Transfer } from './result.ts'

// Drop to share link (issue 14): a file on disk handed to the page as a person's drop is (setInputFiles
// gives a disk-backed File), then, timed in the page, swarmdrop's `client.seed()` until it returns the
// link (hashing in workers; the copy into OPFS runs after) against WebTorrent's `client.seed()` until
// its ready callback. Each in a fresh browser with a profile on disk (chromium.ts).

export interface ShareLinkResult {
  name: 'swarmdrop' | 'webtorrent'
  mib: number
  ok: boolean
  error?: string
  /** From the call to the link (swarmdrop) or the ready callback (WebTorrent). */
  ms?: number
}

export async function runShareLink(appUrl: string, announce: string, name: ShareLinkResult['name'], mib: number, path: string, t: Pick<Transfer, 'timeoutMs'>): Promise<ShareLinkResult> {
  const peers: BenchPeer[] = []
  try {
    return await bounded(`${name} share link ${mib} MiB`, t.timeoutMs, (async () => {
      const peer = name === 'swarmdrop' ? await benchPeer(appUrl) : await webtorrentPeer(appUrl, { mib, seeders: 1, timeoutMs: t.timeoutMs })
      peers.push(peer)
      await peer.page.setInputFiles('#pick', path)
      const ms = await peer.page.evaluate(
        async ({ name, announce }) => {
          const h = window.swarmdropHarness
          const file = h.clientHelpers.pickedFiles()[0]!
          if (name === 'swarmdrop') {
            const client = await h.clientHelpers.startClient()
            const t0 = performance.now()
            await client.seed([{ path: [file.name], file }])
            return performance.now() - t0
          }
          const t0 = performance.now()
          await new Promise((ok) => window.wt!.seed(file, { announce: [announce] }, ok))
          return performance.now() - t0
        },
        { name, announce },
      )
      return { name, mib, ok: true, ms: Math.round(ms) }
    })())
  } catch (err) {
    return { name, mib, ok: false, error: err instanceof Error ? err.message.split('\n')[0] : String(err) }
  } finally {
    await closePeers(peers)
  }
}
