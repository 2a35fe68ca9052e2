import { expect, test } from '@playwright/test'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openApp, row, saveAndHash, sha256 } from './support/app-page.ts'
import { freePort, startAppServer, type AppServer } from './support/app-server.ts'

// `npm start -- --seed DIR`: the server seeds a folder itself, so a share link from it works with no
// other tab open; after a restart it seeds again (from its cached torrent and resume file) and a new
// tab still gets the file.

const SIZE = 3 * 1024 * 1024 + 999
let dir: string
let server: AppServer | null = null

test.beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'swarmdrop-node-peer-seeddir-'))
})
test.afterAll(async () => {
  await server?.stop()
  await rm(dir, { recursive: true, force: true })
})

interface Seed {
  name: string
  infoHash: string
  state: string
  magnet: string
  peers: { tcp: number; webrtc: number }
  uploaded: number
}

async function seeds(s: AppServer): Promise<Seed[]> {
  const stats = (await (await fetch(`${s.url}/stats`)).json()) as { seeds?: Seed[] }
  return stats.seeds ?? []
}

test('a tab gets a file the server seeds from --seed DIR, with no other tab open; again after a restart', async ({ browser }) => {
  test.setTimeout(240_000)
  const data = randomBytes(SIZE)
  await writeFile(join(dir, 'on-the-server.bin'), data)
  const port = await freePort()
  const start = () => startAppServer({ port, args: ['--seed', dir, '--seed-port', '0'] })
  server = await start()
  const [seed] = await seeds(server)
  expect(seed).toMatchObject({ name: 'on-the-server.bin', state: 'seeding' })

  const fetchInTab = async (s: AppServer): Promise<void> => {
    const tab = await openApp(browser, `${s.url}/#${seed!.magnet}`)
    const fetched = row(tab.page, 'on-the-server.bin')
    await expect(fetched).toHaveAttribute('data-infohash', seed!.infoHash)
    await expect(fetched).toHaveAttribute('data-status', 'seeding', { timeout: 90_000 })
    expect(await saveAndHash(tab.page, fetched)).toEqual({ name: 'on-the-server.bin', sha256: sha256(data), length: SIZE })
    await tab.context.close()
  }
  await fetchInTab(server)
  const after = (await seeds(server))[0]!
  expect(after.uploaded).toBeGreaterThanOrEqual(SIZE) // the server's peer served it: no other peer exists

  await server.stop()
  server = await start()
  const again = await seeds(server)
  expect(again).toEqual([expect.objectContaining({ infoHash: seed!.infoHash, state: 'seeding', uploaded: 0 })])
  await fetchInTab(server)
  expect((await seeds(server))[0]!.uploaded).toBeGreaterThanOrEqual(SIZE)
})
