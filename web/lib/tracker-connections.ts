import type { SocketState, TrackerSocketPool } from '../../webrtc/tracker-socket.ts'

// The page's connections to its own trackers, for the status line at the top: the client's shared
// sockets watched (no second WebSocket just to ask), and kept open so the first torrent finds them ready.

export interface TrackerConnection {
  url: string
  state: SocketState
  /** Why the last connection ended, while waiting to retry. */
  detail: string | null
}

export class TrackerConnections {
  #watched = new Map<string, { state: SocketState; detail: string | null; unwatch: () => void }>()

  constructor(
    private readonly pool: TrackerSocketPool,
    private readonly onChange: () => void,
  ) {}

  /** Watch exactly these trackers (others stop being watched). */
  set(urls: readonly string[]): void {
    const wanted = new Set(urls)
    for (const [url, c] of this.#watched) {
      if (wanted.has(url)) continue
      c.unwatch()
      this.#watched.delete(url)
    }
    for (const url of wanted) {
      if (this.#watched.has(url)) continue
      const c = { state: 'connecting' as SocketState, detail: null as string | null, unwatch: () => {} }
      this.#watched.set(url, c)
      c.unwatch = this.pool.get(url).watch((state, detail) => {
        c.state = state
        c.detail = state === 'waiting' ? (detail ?? null) : null
        this.onChange()
      })
    }
  }

  list(): TrackerConnection[] {
    return [...this.#watched].map(([url, c]) => ({ url, state: c.state, detail: c.detail }))
  }

  close(): void {
    this.set([])
  }
}
