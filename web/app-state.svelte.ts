import { loadAppConfig } from './lib/app-config.ts'
import { saveFile, saveFolder } from './lib/save.ts'
import type { DroppedFile } from './lib/seed-files.ts'
import { magnetFromFragment, parseTorrentInput } from './lib/share-link.ts'
import { SwarmClient, type TorrentView } from './lib/swarm-client.ts'

// What the page shows, as plain reactive state. The UI reads it and calls these methods; the
// SwarmClient (web/lib) owns the engine and the peers. Rates are derived here from the totals the
// client reports, sampled once a second.

export interface Rates {
  down: number
  up: number
}

const SAMPLE_MS = 1000

export class AppState {
  views: TorrentView[] = $state([])
  rates: Record<string, Rates> = $state({})
  /** Something long is under way (hashing a drop): shown instead of the drop prompt. */
  busy: string | null = $state(null)
  /** The last problem worth telling the person about, cleared by the next success. */
  error: string | null = $state(null)
  /** The torrent the person just added or shared: highlighted in the list. */
  latest: string | null = $state(null)
  ready = $state(false)

  #client: SwarmClient | null = null
  #timer: ReturnType<typeof setInterval> | undefined
  #samples = new Map<string, { t: number; down: number; up: number }>()

  async start(): Promise<void> {
    const client = new SwarmClient(await loadAppConfig())
    this.#client = client
    client.onChange = () => this.#refresh()
    this.#timer = setInterval(() => this.#refresh(), SAMPLE_MS)
    await client.resumeAll()
    this.ready = true
    this.#refresh()
    await this.openFragment()
    addEventListener('hashchange', () => void this.openFragment())
  }

  stop(): void {
    clearInterval(this.#timer)
    void this.#client?.destroy()
  }

  /** A share link opened (or pasted into the address bar): add its magnet and start at once. */
  async openFragment(): Promise<void> {
    if (!location.hash) return
    await this.#run(async () => {
      const magnet = magnetFromFragment(location.hash)
      if (!magnet) return
      this.latest = await this.#need().addMagnet(magnet)
      // The torrent now lives in the library; drop the fragment so a reload does not add it again.
      history.replaceState(null, '', location.pathname + location.search)
    })
  }

  async addText(text: string): Promise<boolean> {
    return this.#run(async () => {
      this.latest = await this.#need().addMagnet(parseTorrentInput(text, this.#need().config.trackers))
    })
  }

  async addTorrentFile(file: File): Promise<boolean> {
    return this.#run(async () => {
      this.latest = await this.#need().addTorrentFile(new Uint8Array(await file.arrayBuffer()))
    })
  }

  async seed(files: DroppedFile[]): Promise<boolean> {
    const count = files.length
    this.busy = `Hashing ${count === 1 ? files[0]!.file.name : `${count} files`} and preparing to share…`
    try {
      return await this.#run(async () => {
        this.latest = (await this.#need().seed(files)).infoHashHex
      })
    } finally {
      this.busy = null
    }
  }

  async save(view: TorrentView): Promise<void> {
    await this.#run(async () => {
      const files = await this.#need().files(view.infoHashHex)
      const single = files.length === 1 && files[0]!.path.length === 1
      if (single) await saveFile(files[0]!.file, files[0]!.path[0]!)
      else await saveFolder(view.name, files)
    })
  }

  async remove(view: TorrentView): Promise<void> {
    await this.#run(() => this.#need().remove(view.infoHashHex))
  }

  async #run(action: () => Promise<void>): Promise<boolean> {
    try {
      await action()
      this.error = null
      return true
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err)
      return false
    } finally {
      this.#refresh()
    }
  }

  #need(): SwarmClient {
    if (!this.#client) throw new Error('the client is still starting')
    return this.#client
  }

  #refresh(): void {
    const client = this.#client
    if (!client) return
    const views = client.views()
    const now = performance.now()
    const rates: Record<string, Rates> = {}
    for (const v of views) {
      const prev = this.#samples.get(v.infoHashHex)
      if (prev && now - prev.t >= SAMPLE_MS / 2) {
        const dt = (now - prev.t) / 1000
        rates[v.infoHashHex] = { down: Math.max(0, (v.downloaded - prev.down) / dt), up: Math.max(0, (v.uploaded - prev.up) / dt) }
        this.#samples.set(v.infoHashHex, { t: now, down: v.downloaded, up: v.uploaded })
      } else {
        rates[v.infoHashHex] = this.rates[v.infoHashHex] ?? { down: 0, up: 0 }
        if (!prev) this.#samples.set(v.infoHashHex, { t: now, down: v.downloaded, up: v.uploaded })
      }
    }
    for (const hex of this.#samples.keys()) if (!(hex in rates)) this.#samples.delete(hex)
    this.views = views
    this.rates = rates
  }
}
