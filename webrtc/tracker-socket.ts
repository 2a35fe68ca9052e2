// One WebSocket per tracker URL, shared by every torrent of the page (the WebTorrent tracker protocol
// multiplexes torrents by info_hash on one socket; the server side is tracker/protocol.ts). Reconnects
// with exponential backoff and jitter; torrents subscribe by info hash and are told when the socket
// (re)opens so they can announce again (a restarted tracker has forgotten them).

export const TRACKER_SOCKET_LIMITS = {
  /** A tracker message bigger than this is dropped unread (aquatic caps requests at 64 KiB; replies
   *  carry at most one SDP each, so 256 KiB is generous). */
  maxMessageChars: 256 * 1024,
  backoffBaseMs: 1_000,
  backoffMaxMs: 60_000,
  /** A socket that opens but closes before this counts as a failed attempt (no backoff reset). */
  stableAfterMs: 5_000,
  /** Keep a socket without subscribers open this long, so a quick re-add does not reconnect. */
  idleCloseMs: 10_000,
} as const

export type SocketState = 'connecting' | 'open' | 'waiting' | 'destroyed'

/**
 * The WebSocket class to connect with: the page's own `WebSocket`, or in Node (20 has none built in)
 * the `ws` package's, which offers the same onopen / onmessage (text frames as strings) / onclose.
 */
export type WebSocketClass = new (url: string) => WebSocket

export interface TrackerSubscriber {
  onMessage(msg: Record<string, unknown>): void
  onOpen(): void
  onState(state: SocketState, detail?: string): void
}

/** Backoff before reconnect attempt `attempt` (0-based): exponential, capped, with "equal jitter". */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(TRACKER_SOCKET_LIMITS.backoffMaxMs, TRACKER_SOCKET_LIMITS.backoffBaseMs * 2 ** Math.min(attempt, 30))
  return ceiling / 2 + random() * (ceiling / 2)
}

export class TrackerSocket {
  readonly url: string
  state: SocketState = 'connecting'
  /** Connections opened so far (the first one included): tests and the UI read it. */
  opens = 0
  #ws: WebSocket | null = null
  #attempt = 0
  #openedAt = 0
  #retryTimer: ReturnType<typeof setTimeout> | null = null
  #idleTimer: ReturnType<typeof setTimeout> | null = null
  #subscribers = new Map<string, TrackerSubscriber>()
  /** Observers of the connection itself (the page's tracker status): they keep the socket open too. */
  #watchers = new Set<(state: SocketState, detail?: string) => void>()
  #onEmpty: () => void
  #WebSocket: WebSocketClass

  constructor(url: string, onEmpty: () => void, WebSocketImpl: WebSocketClass = globalThis.WebSocket) {
    this.url = url
    this.#onEmpty = onEmpty
    this.#WebSocket = WebSocketImpl
    this.#connect()
  }

  subscribe(infoHash: string, sub: TrackerSubscriber): () => void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer)
    this.#idleTimer = null
    this.#subscribers.set(infoHash, sub)
    sub.onState(this.state)
    if (this.state === 'open') queueMicrotask(() => this.#subscribers.get(infoHash) === sub && sub.onOpen())
    return () => {
      if (this.#subscribers.get(infoHash) !== sub) return
      this.#subscribers.delete(infoHash)
      this.#closeWhenIdle()
    }
  }

  /** Follow the connection's state (told at once, then on every change) without joining a swarm. */
  watch(onState: (state: SocketState, detail?: string) => void): () => void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer)
    this.#idleTimer = null
    this.#watchers.add(onState)
    onState(this.state)
    return () => {
      if (this.#watchers.delete(onState)) this.#closeWhenIdle()
    }
  }

  #closeWhenIdle(): void {
    if (this.#subscribers.size > 0 || this.#watchers.size > 0 || this.state === 'destroyed') return
    if (this.#idleTimer) clearTimeout(this.#idleTimer)
    this.#idleTimer = setTimeout(() => this.destroy(), TRACKER_SOCKET_LIMITS.idleCloseMs)
  }

  /** Send one message; false when the socket is not open (the caller announces again on open). */
  send(msg: Record<string, unknown>): boolean {
    if (this.state !== 'open' || !this.#ws) return false
    this.#ws.send(JSON.stringify(msg))
    return true
  }

  /** Close the socket now (tests use it to simulate a network drop); it reconnects after backoff. */
  drop(): void {
    this.#ws?.close()
  }

  destroy(): void {
    if (this.state === 'destroyed') return
    this.#setState('destroyed')
    if (this.#retryTimer) clearTimeout(this.#retryTimer)
    if (this.#idleTimer) clearTimeout(this.#idleTimer)
    const ws = this.#ws
    this.#ws = null
    ws?.close()
    this.#onEmpty()
  }

  #connect(): void {
    this.#setState('connecting')
    let ws: WebSocket
    try {
      ws = new this.#WebSocket(this.url)
    } catch (err) {
      // A malformed URL never connects: report it, and keep retrying slowly like any other failure.
      this.#setState('waiting', err instanceof Error ? err.message : 'bad tracker url')
      this.#scheduleRetry()
      return
    }
    this.#ws = ws
    ws.onopen = () => {
      this.#openedAt = Date.now()
      this.opens++
      this.#setState('open')
      for (const sub of [...this.#subscribers.values()]) sub.onOpen()
    }
    ws.onmessage = (event) => this.#onMessage(event.data)
    ws.onclose = () => {
      if (this.#ws !== ws) return
      this.#ws = null
      if (this.state === 'destroyed') return
      if (this.#openedAt && Date.now() - this.#openedAt >= TRACKER_SOCKET_LIMITS.stableAfterMs) this.#attempt = 0
      this.#openedAt = 0
      this.#setState('waiting', 'connection closed')
      this.#scheduleRetry()
    }
    ws.onerror = () => {
      /* onclose follows and handles it */
    }
  }

  #scheduleRetry(): void {
    const delay = backoffDelay(this.#attempt++)
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null
      if (this.state !== 'destroyed') this.#connect()
    }, delay)
  }

  #onMessage(data: unknown): void {
    if (typeof data !== 'string' || data.length > TRACKER_SOCKET_LIMITS.maxMessageChars) return
    let msg: unknown
    try {
      msg = JSON.parse(data)
    } catch {
      return // not JSON: ignore, like bittorrent-tracker's client
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return
    const record = msg as Record<string, unknown>
    const infoHash = record['info_hash']
    if (typeof infoHash === 'string') {
      this.#subscribers.get(infoHash)?.onMessage(record)
    } else if (typeof record['failure reason'] === 'string') {
      // A failure that names no torrent concerns all of them.
      for (const sub of [...this.#subscribers.values()]) sub.onMessage(record)
    }
  }

  #setState(state: SocketState, detail?: string): void {
    this.state = state
    for (const sub of [...this.#subscribers.values()]) sub.onState(state, detail)
    for (const w of [...this.#watchers]) w(state, detail)
  }
}

/** The page's (or the Node peer's) sockets, one per tracker URL. */
export class TrackerSocketPool {
  #sockets = new Map<string, TrackerSocket>()
  #WebSocket: WebSocketClass | undefined

  constructor(options: { WebSocket?: WebSocketClass } = {}) {
    this.#WebSocket = options.WebSocket
  }

  get(url: string): TrackerSocket {
    let socket = this.#sockets.get(url)
    if (!socket || socket.state === 'destroyed') {
      const created: TrackerSocket = new TrackerSocket(url, () => {
        if (this.#sockets.get(url) === created) this.#sockets.delete(url)
      }, this.#WebSocket)
      socket = created
      this.#sockets.set(url, socket)
    }
    return socket
  }

  get size(): number {
    return this.#sockets.size
  }

  sockets(): TrackerSocket[] {
    return [...this.#sockets.values()]
  }

  destroy(): void {
    for (const s of [...this.#sockets.values()]) s.destroy()
  }
}

export const defaultTrackerSocketPool = new TrackerSocketPool()
