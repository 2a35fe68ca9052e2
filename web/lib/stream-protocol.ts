// The messages between the streaming service worker (web/sw.ts) and the page that runs the torrents
// (stream-server.ts). The worker holds no torrent state: it turns an HTTP range request for
// /stream/<info hash>/<file index> into reads of at most one chunk, and the page answers each once
// the pieces under it are verified (fetching them first: they become the engine's deadline pieces).
// Every request carries a MessagePort for its one reply.

export const STREAM_PREFIX = '/stream/'

/** `/stream/<40 hex>/<file index>`, or null. */
export function parseStreamPath(pathname: string): { infoHashHex: string; fileIndex: number } | null {
  const m = /^\/stream\/([0-9a-f]{40})\/(\d{1,6})$/.exec(pathname)
  return m ? { infoHashHex: m[1]!, fileIndex: Number(m[2]) } : null
}

export function streamPath(infoHashHex: string, fileIndex: number): string {
  return `${STREAM_PREFIX}${infoHashHex}/${fileIndex}`
}

export type StreamRequest =
  /** What is this file (length, name, type)? */
  | { type: 'swarmdrop-stream-open'; infoHashHex: string; fileIndex: number }
  /** Bytes [start, end) of the file; end - start is at most WEB_LIMITS.streamChunkBytes. */
  | { type: 'swarmdrop-stream-read'; infoHashHex: string; fileIndex: number; start: number; end: number }

export type StreamReply =
  | { ok: true; length: number; name: string; mime: string }
  | { ok: true; bytes: ArrayBuffer }
  | { ok: false; status: number; error: string }

export function isStreamRequest(data: unknown): data is StreamRequest {
  const d = data as StreamRequest | null
  return typeof d === 'object' && d !== null && (d.type === 'swarmdrop-stream-open' || d.type === 'swarmdrop-stream-read') && typeof d.infoHashHex === 'string' && Number.isInteger(d.fileIndex)
}

/** A Range header against a file of `length` bytes: [start, end) to serve, 'all', or 'unsatisfiable' (RFC 9110 14.2). */
export function parseRange(header: string | null, length: number): { start: number; end: number } | 'all' | 'unsatisfiable' {
  if (!header) return 'all'
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!m || (m[1] === '' && m[2] === '')) return 'all' // several ranges, or nonsense: serve it all (allowed)
  if (m[1] === '') {
    const suffix = Number(m[2])
    if (suffix === 0) return 'unsatisfiable'
    return { start: Math.max(0, length - suffix), end: length }
  }
  const start = Number(m[1])
  const last = m[2] === '' ? length - 1 : Math.min(Number(m[2]), length - 1)
  if (start >= length || last < start) return 'unsatisfiable'
  return { start, end: last + 1 }
}
