import { loadAppConfig } from './lib/app-config.ts'
import { downloadWarning, saveFile, saveFolder } from './lib/save.ts'
import type { DroppedFile } from './lib/seed-files.ts'
import { magnetFromFragment, parseTorrentInput } from './lib/share-link.ts'
import { requestPersistence, storageStatus, type StorageStatus } from './lib/storage-quota.ts'
import { SwarmClient, type TaskView, type TorrentView } from './lib/swarm-client.ts'
import { isAbort } from './lib/task.ts'
import { registerStreamWorker, serveStreams } from './lib/stream-server.ts'

// What the page shows, as plain reactive state. The UI reads it and calls these methods; the
// SwarmClient (web/lib) owns the engine and the peers. Rates are derived here from the totals the
// client reports, sampled once a second.

export interface Rates {
  down: number
  up: number
}

const SAMPLE_MS = 1000
/** Changes within this many ms are rendered once. */
const REFRESH_COALESCE_MS = 50
/** Storage usage is read again at most this often (estimate() is not free). */
const STORAGE_REFRESH_MS = 5000

export class AppState {
  views: TorrentView[] = $state([])
  rates: Record<string, Rates> = $state({})
  /** Something long is under way (hashing a drop): shown instead of the drop prompt. */
  busy: string | null = $state(null)
  /** Long steps under way (hashing, copying, checking, saving), each with progress and a cancel. */
  tasks: TaskView[] = $state([])
  /** The origin's storage: usage, quota, persistence. */
  storage: StorageStatus | null = $state(null)
  /** The last problem worth telling the person about, cleared by the next success. */
  error: string | null = $state(null)
  /** The torrent the person just added or shared: highlighted in the list. */
  latest: string | null = $state(null)
  ready = $state(false)
  /** The stream service worker controls the page: files can be played and previewed before they are complete. */
  streaming = $state(false)

  #client: SwarmClient | null = null
  #timer: ReturnType<typeof setInterval> | undefined
  #pending: ReturnType<typeof setTimeout> | undefined
  #stopStreams: () => void = () => {}
  #samples = new Map<string, { t: number; down: number; up: number }>()

  async start(): Promise<void> {
    const client = new SwarmClient(await loadAppConfig())
    this.#client = client
    this.#stopStreams = serveStreams(client)
    void registerStreamWorker().then((ok) => (this.streaming = ok))
    // Progress reports many times a second: render at most once a frame-ish.
    client.onChange = () => {
      this.#pending ??= setTimeout(() => {
        this.#pending = undefined
        this.#refresh()
      }, REFRESH_COALESCE_MS)
    }
    this.#timer = setInterval(() => this.#refresh(), SAMPLE_MS)
    await client.resumeAll()
    this.ready = true
    this.#refresh()
    await this.openFragment()
    addEventListener('hashchange', () => void this.openFragment())
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#stopStreams()
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

  /** The files of a torrent whose copy did not finish before a reload, picked again. */
  async provideFiles(view: TorrentView, files: DroppedFile[]): Promise<boolean> {
    return this.#run(() => this.#need().provideFiles(view.infoHashHex, files))
  }

  cancelTask(id: number): void {
    this.#client?.tasks.cancel(id)
  }

  async persistStorage(): Promise<void> {
    await requestPersistence()
    await this.#refreshStorage()
  }

  async save(view: TorrentView): Promise<void> {
    await this.#run(async () => {
      const client = this.#need()
      const files = await client.files(view.infoHashHex)
      const total = files.reduce((n, f) => n + f.file.size, 0)
      const warning = downloadWarning(total)
      if (warning && !confirm(`${warning}\n\nDownload anyway?`)) return
      await client.tasks.run('saving', view.name, total, view.infoHashHex, async (task) => {
        const options = { signal: task.signal, onProgress: (n: number) => task.progress(n) }
        const single = files.length === 1 && files[0]!.path.length === 1
        if (single) await saveFile(files[0]!.file, files[0]!.path[0]!, undefined, options)
        else await saveFolder(view.name, files, undefined, options)
      })
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
      // A cancel is the person's own choice: nothing to report.
      this.error = isAbort(err) ? null : err instanceof Error ? err.message : String(err)
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
    this.tasks = client.taskViews()
    if (now - this.#storageAt > STORAGE_REFRESH_MS) void this.#refreshStorage()
  }

  #storageAt = -Infinity

  async #refreshStorage(): Promise<void> {
    this.#storageAt = performance.now()
    this.storage = await storageStatus().catch(() => null)
  }
}
