/// <reference lib="webworker" />
import { parseRange, parseStreamPath, type StreamReply, type StreamRequest } from './lib/stream-protocol.ts'
import { WEB_LIMITS } from './lib/limits.ts'

// The streaming service worker (play while downloading): answers GET /stream/<info hash>/<file index>
// with the file's bytes, honouring Range requests (a <video> asks for the start, then the index at
// the end, then wherever the person seeks). It holds no torrent state: each chunk of at most
// streamChunkBytes is asked of the page that runs the torrent (web/lib/stream-server.ts), which
// answers once the pieces under it are verified. Bodies are pull streams at most two chunks ahead, so
// a paused or cancelled player holds at most two chunks here. Everything else goes to the network.

declare const self: ServiceWorkerGlobalScope

self.addEventListener('install', () => void self.skipWaiting())
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()))

function ask(client: Client, request: StreamRequest): Promise<StreamReply> {
  return new Promise((resolve) => {
    const channel = new MessageChannel()
    const timer = setTimeout(() => resolve({ ok: false, status: 504, error: 'the page did not answer' }), WEB_LIMITS.streamWaitMs + 5_000)
    channel.port1.onmessage = (e: MessageEvent<StreamReply>) => {
      clearTimeout(timer)
      channel.port1.close()
      resolve(e.data)
    }
    client.postMessage(request, [channel.port2])
  })
}

/** The page that has this torrent: the requesting page if it has it, else any window of ours that does. */
async function owner(clientId: string, infoHashHex: string, fileIndex: number): Promise<{ client: Client; meta: Extract<StreamReply, { length: number }> } | StreamReply> {
  const first = clientId ? await self.clients.get(clientId) : undefined
  const all = await self.clients.matchAll({ type: 'window' })
  let last: StreamReply = { ok: false, status: 404, error: 'no open page of this site has that torrent' }
  for (const client of [...(first ? [first] : []), ...all.filter((c) => c.id !== first?.id)]) {
    const meta = await ask(client, { type: 'swarmdrop-stream-open', infoHashHex, fileIndex })
    if (meta.ok && 'length' in meta) return { client, meta }
    last = meta
  }
  return last
}

async function serve(request: Request, clientId: string, infoHashHex: string, fileIndex: number): Promise<Response> {
  const found = await owner(clientId, infoHashHex, fileIndex)
  if (!('client' in found)) return new Response(found.ok ? 'unexpected reply' : found.error, { status: found.ok ? 500 : found.status })
  const { client, meta } = found
  const range = parseRange(request.headers.get('range'), meta.length)
  const headers = new Headers({
    'content-type': meta.mime,
    'accept-ranges': 'bytes',
    // The bytes come from strangers: never let them run as a page of this site.
    'content-security-policy': "sandbox; default-src 'none'",
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  })
  if (new URL(request.url).searchParams.has('download')) headers.set('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(meta.name)}`)
  if (range === 'unsatisfiable') {
    headers.set('content-range', `bytes */${meta.length}`)
    return new Response(null, { status: 416, headers })
  }
  const { start, end } = range === 'all' ? { start: 0, end: meta.length } : range
  let at = start
  // The first chunk is small and each next one twice the last (up to streamChunkBytes): a player
  // gets the header (and a seek its first frame) after a few pieces, not after a whole chunk's.
  let chunk = WEB_LIMITS.streamFirstChunkBytes
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (at >= end) return controller.close()
        const to = Math.min(end, at + chunk)
        chunk = Math.min(chunk * 2, WEB_LIMITS.streamChunkBytes)
        const r = await ask(client, { type: 'swarmdrop-stream-read', infoHashHex, fileIndex, start: at, end: to })
        if (!r.ok || !('bytes' in r)) return controller.error(new Error(r.ok ? 'unexpected reply' : r.error))
        at = to
        controller.enqueue(new Uint8Array(r.bytes))
        if (at >= end) controller.close()
      },
    },
    // Two chunks ahead: the next is asked for while the player consumes this one (each ask waits for
    // the page, which may be busy receiving), and memory stays at two chunks per open stream.
    new CountQueuingStrategy({ highWaterMark: 2 }),
  )
  headers.set('content-length', String(end - start))
  if (range === 'all') return new Response(body, { status: 200, headers })
  headers.set('content-range', `bytes ${start}-${end - 1}/${meta.length}`)
  return new Response(body, { status: 206, headers })
}

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url)
  if (url.origin !== self.location.origin || event.request.method !== 'GET') return
  const target = parseStreamPath(url.pathname)
  if (!target) return
  event.respondWith(serve(event.request, event.clientId || event.resultingClientId, target.infoHashHex, target.fileIndex))
})
