import { loadAppConfig, type AppConfig } from './lib/app-config.ts'
import { downloadFile, downloadWarning, saveFile, saveFolder } from './lib/save.ts'
import type { DroppedFile } from './lib/seed-files.ts'
import { effectiveConfig, loadSettings, saveSettings, type Settings } from './lib/settings.ts'
import { magnetFromFragment, parseTorrentInput } from './lib/share-link.ts'
import { freeUnusedStorage, siteStorage, type SiteStorage } from './lib/site-storage.ts'
import { requestPersistence, storageStatus, type StorageStatus } from './lib/storage-quota.ts'
import { SwarmClient, type TaskView, type TorrentDetail, type TorrentView, type TrackerConnection } from './lib/swarm-client.ts'
import { isAbort } from './lib/task.ts'
import { registerStreamWorker, serveStreams, streamUrl } from './lib/stream-server.ts'
import { STATUS_LABEL, type FilePriority, type RateLimits, type TorrentStatus } from './lib/torrent-view.ts'
import { missingFeatures } from './environment.ts'
import { describeError } from './view/errors.ts'
import { arrange, countByFilter, pageTitle, totals, type SortKey, type StateFilter } from './view/list-view.ts'

// What the page shows, as plain reactive state, and the one bridge to the client: the UI reads these
// fields and calls these methods; the SwarmClient (web/lib) owns the engine and the peers. Numbers come
// from the client's views (the engine's stats); this only arranges them and keeps the person's choices.

/** How long a removed torrent can be brought back. */
export const UNDO_MS = 8_000
/** Client changes arrive in bursts (a verified piece each); the page redraws at most this often. */
const REDRAW_MS = 250
/** Numbers that change with time alone (rates, time left) are redrawn this often. */
const TICK_MS = 1_000
/** Storage usage is read again at most this often (estimate() is not free). */
const STORAGE_REFRESH_MS = 5_000

export interface Toast {
  id: number
  text: string
  /** An undo for the action the toast reports, while it lasts. */
  undo?: () => void
}

export class AppState {
  views: TorrentView[] = $state([])
  /** The torrent whose details are open, and its details (refreshed with the list). */
  selected: string | null = $state(null)
  detail: TorrentDetail | null = $state(null)
  trackers: TrackerConnection[] = $state([])
  settings: Settings = $state(loadSettings())
  /** Something long is under way (hashing a drop): shown instead of the drop prompt. */
  busy: string | null = $state(null)
  /** The last problem worth telling the person about, cleared by the next success. */
  error: string | null = $state(null)
  /** Features this browser lacks (WebRTC, OPFS): the page cannot work, and says why. */
  missing: string[] = $state([])
  /** The torrent the person just added or shared: highlighted in the list. */
  latest: string | null = $state(null)
  toasts: Toast[] = $state([])
  /** Long steps under way (hashing, copying, checking, saving), each with progress and a cancel. */
  tasks: TaskView[] = $state([])
  /** The origin's storage: usage, quota, persistence. */
  storage: StorageStatus | null = $state(null)
  /** Read out by the live region: status changes of torrents. */
  announcement = $state('')
  ready = $state(false)
  /** The stream service worker controls the page: files can be played and previewed before they are complete. */
  streaming = $state(false)
  /** What the server said (/config.json), before the person's settings. */
  deployment: AppConfig | null = $state(null)
  filter: StateFilter = $state('all')
  search = $state('')
  sort: SortKey = $state('added')
  descending = $state(false)

  readonly shown = $derived(arrange(this.views, { filter: this.filter, search: this.search, sort: this.sort, descending: this.descending }))
  readonly counts = $derived(countByFilter(this.views))
  readonly totals = $derived(totals(this.views))
  readonly title = $derived(pageTitle(this.totals))

  #client: SwarmClient | null = null
  #timer: ReturnType<typeof setInterval> | undefined
  #redraw: ReturnType<typeof setTimeout> | undefined
  #removing = new Map<string, { timer: ReturnType<typeof setTimeout>; keepData: boolean }>()
  #statuses = new Map<string, TorrentStatus>()
  #toastId = 0
  #onHash = () => void this.openFragment()
  #onPageHide = () => this.#commitRemovals()
  #stopStreams: () => void = () => {}

  async start(): Promise<void> {
    this.missing = missingFeatures()
    if (this.missing.length > 0) return
    this.deployment = await loadAppConfig()
    const s = this.settings
    const client = new SwarmClient(effectiveConfig(this.deployment!, s), undefined, undefined, {
      keepSeeding: s.keepSeeding,
      maxPeersPerTorrent: s.maxPeersPerTorrent,
      maxPeersTotal: s.maxPeersTotal,
      downLimit: s.downLimit,
      upLimit: s.upLimit,
    })
    this.#client = client
    this.#stopStreams = serveStreams(client)
    void registerStreamWorker().then((ok) => (this.streaming = ok))
    client.onChange = () => this.#scheduleRefresh()
    this.#timer = setInterval(() => this.#refresh(), TICK_MS)
    await client.resumeAll()
    this.ready = true
    this.#refresh()
    await this.openFragment()
    addEventListener('hashchange', this.#onHash)
    addEventListener('pagehide', this.#onPageHide)
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#stopStreams()
    clearTimeout(this.#redraw)
    removeEventListener('hashchange', this.#onHash)
    removeEventListener('pagehide', this.#onPageHide)
    this.#commitRemovals()
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
    }, 'link')
  }

  async addTorrentFile(file: File): Promise<boolean> {
    return this.#run(async () => {
      this.latest = await this.#need().addTorrentFile(new Uint8Array(await file.arrayBuffer()))
    }, 'torrent')
  }

  async seed(files: DroppedFile[]): Promise<boolean> {
    const count = files.length
    this.busy = `Hashing ${count === 1 ? files[0]!.file.name : `${count} files`} and preparing to share…`
    try {
      return await this.#run(async () => {
        this.latest = (await this.#need().seed(files, undefined, this.settings.shareAs)).infoHashHex
        // The link at once: the details open on it (Share is their first section).
        this.selected = this.latest
      })
    } finally {
      this.busy = null
    }
  }

  async save(view: TorrentView): Promise<void> {
    await this.#run(async () => {
      const client = this.#need()
      const files = await client.files(view.infoHashHex, { completeOnly: true })
      if (files.length === 0) throw new Error(`no file of ${view.name} is complete yet`)
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

  async saveFile(view: TorrentView, fileIndex: number, name: string): Promise<void> {
    await this.#run(async () => void (await saveFile(await this.#need().file(view.infoHashHex, fileIndex), name)))
  }

  /**
   * What a preview plays or shows: the stream service worker's URL (/stream/<infohash>/<file>), so a
   * file plays while it downloads (the engine fetches the pieces under the playhead first); without
   * the worker, an object URL of the complete stored file (and the file itself).
   */
  async preview(view: TorrentView, fileIndex: number): Promise<{ url: string; file: Blob | null }> {
    if (this.streaming) return { url: streamUrl(view.infoHashHex, fileIndex), file: null }
    const file = await this.#need().file(view.infoHashHex, fileIndex)
    return { url: URL.createObjectURL(file), file }
  }

  downloadTorrentFile(view: TorrentView): void {
    const bytes = this.#client?.torrentFile(view.infoHashHex)
    if (!bytes) return
    downloadFile(new File([bytes as Uint8Array<ArrayBuffer>], `${view.name}.torrent`, { type: 'application/x-bittorrent' }), `${view.name}.torrent`)
  }

  async pause(view: TorrentView): Promise<void> {
    await this.#run(() => this.#need().pause(view.infoHashHex))
  }

  async resume(view: TorrentView): Promise<void> {
    await this.#run(() => this.#need().resume(view.infoHashHex))
  }

  async pauseAll(): Promise<void> {
    await this.#run(async () => {
      for (const v of this.views) await this.#need().pause(v.infoHashHex)
    })
  }

  async resumeAll(): Promise<void> {
    await this.#run(async () => {
      for (const v of this.views) await this.#need().resume(v.infoHashHex)
    })
  }

  /**
   * Remove at once from the list and stop it; the data goes (or the record only, with `keepData`)
   * when the undo has passed. Undo brings it back as it was.
   */
  async remove(view: TorrentView, keepData: boolean): Promise<void> {
    const hex = view.infoHashHex
    const wasPaused = view.state === 'paused'
    if (this.selected === hex) this.close()
    const commit = () => {
      this.#removing.delete(hex)
      void this.#run(() => this.#need().remove(hex, { keepData }))
    }
    // Gone from the list at once; stopped at once (no more peers or announces) until the undo passes.
    this.#removing.set(hex, { timer: setTimeout(commit, UNDO_MS), keepData })
    this.#refresh()
    const paused = wasPaused ? Promise.resolve(true) : this.#run(() => this.#need().pause(hex))
    this.toast(`Removed ${view.name}${keepData ? ' (its data is kept)' : ' and its data'}.`, () => {
      clearTimeout(this.#removing.get(hex)?.timer)
      this.#removing.delete(hex)
      this.#refresh()
      if (!wasPaused) void paused.then(() => this.#run(() => this.#need().resume(hex)))
    })
    await paused
  }

  async setFilePriority(view: TorrentView, fileIndex: number, priority: FilePriority): Promise<void> {
    await this.#run(() => this.#need().setFilePriority(view.infoHashHex, fileIndex, priority))
  }

  async setLimits(view: TorrentView, limits: RateLimits): Promise<void> {
    await this.#run(() => this.#need().setRateLimits(view.infoHashHex, limits))
  }

  async recheck(view: TorrentView): Promise<void> {
    await this.#run(async () => {
      await this.#need().recheck(view.infoHashHex)
      const after = this.#need().views().find((v) => v.infoHashHex === view.infoHashHex)
      if (after?.pieceCount) this.toast(`Checked ${view.name}: ${after.verifiedPieces} of ${after.pieceCount} pieces are good.`)
    })
  }

  async setSequential(view: TorrentView, on: boolean): Promise<void> {
    await this.#run(() => this.#need().setSequential(view.infoHashHex, on))
  }

  open(view: TorrentView): void {
    this.selected = view.infoHashHex
    this.#refresh()
  }

  close(): void {
    this.selected = null
    this.detail = null
  }

  async applySettings(next: Settings): Promise<void> {
    this.settings = next
    saveSettings(next)
    const client = this.#need()
    if (this.deployment) client.setConfig(effectiveConfig(this.deployment, next))
    client.setOptions({ keepSeeding: next.keepSeeding, maxPeersPerTorrent: next.maxPeersPerTorrent, maxPeersTotal: next.maxPeersTotal, downLimit: next.downLimit, upLimit: next.upLimit })
    this.toast('Settings saved.')
  }

  siteStorage(): Promise<SiteStorage> {
    return siteStorage(this.#need().library)
  }

  async freeStorage(): Promise<void> {
    await this.#run(async () => {
      const n = await freeUnusedStorage(this.#need().library, new Set([...this.views.map((v) => v.infoHashHex), ...this.#removing.keys()]))
      this.toast(n === 0 ? 'Nothing to free: every stored torrent is in the list.' : `Freed the data of ${n} removed ${n === 1 ? 'torrent' : 'torrents'}.`)
    })
  }

  toast(text: string, undo?: () => void): void {
    const id = ++this.#toastId
    const t: Toast = { id, text }
    if (undo) {
      t.undo = () => {
        this.dismiss(id)
        undo()
      }
    }
    this.toasts = [...this.toasts, t].slice(-4)
    setTimeout(() => this.dismiss(id), undo ? UNDO_MS : 4_000)
  }

  dismiss(id: number): void {
    this.toasts = this.toasts.filter((t) => t.id !== id)
  }

  async #run(action: () => Promise<void>, input?: 'link' | 'torrent'): Promise<boolean> {
    try {
      await action()
      this.error = null
      return true
    } catch (err) {
      // A cancel is the person's own choice: nothing to report.
      this.error = isAbort(err) ? null : describeError(err, input)
      return false
    } finally {
      this.#refresh()
    }
  }

  #need(): SwarmClient {
    if (!this.#client) throw new Error('the client is still starting')
    return this.#client
  }

  #commitRemovals(): void {
    for (const [hex, { timer, keepData }] of this.#removing) {
      clearTimeout(timer)
      void this.#client?.remove(hex, { keepData })
    }
    this.#removing.clear()
  }

  #scheduleRefresh(): void {
    this.#redraw ??= setTimeout(() => {
      this.#redraw = undefined
      this.#refresh()
    }, REDRAW_MS)
  }

  #refresh(): void {
    const client = this.#client
    if (!client) return
    const views = client.views().filter((v) => !this.#removing.has(v.infoHashHex))
    this.#announceChanges(views)
    this.views = views
    this.trackers = client.trackerConnections()
    if (this.selected && !views.some((v) => v.infoHashHex === this.selected)) this.close()
    this.detail = this.selected ? client.detail(this.selected) : null
    this.tasks = client.taskViews()
    if (performance.now() - this.#storageAt > STORAGE_REFRESH_MS) void this.#refreshStorage()
  }

  #storageAt = -Infinity

  async #refreshStorage(): Promise<void> {
    this.#storageAt = performance.now()
    this.storage = await storageStatus().catch(() => null)
  }

  /** Tell screen readers when a torrent changes state (not on the first sight of it). */
  #announceChanges(views: TorrentView[]): void {
    const said: string[] = []
    for (const v of views) {
      const before = this.#statuses.get(v.infoHashHex)
      if (before !== undefined && before !== v.status) said.push(`${v.name}: ${STATUS_LABEL[v.status]}`)
      this.#statuses.set(v.infoHashHex, v.status)
    }
    for (const hex of this.#statuses.keys()) if (!views.some((v) => v.infoHashHex === hex)) this.#statuses.delete(hex)
    if (said.length > 0) this.announcement = said.join('. ')
  }
}
