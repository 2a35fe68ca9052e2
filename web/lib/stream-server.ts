/// <reference types="vite/client" />
import { isStreamRequest, type StreamReply, type StreamRequest } from './stream-protocol.ts'
import { mediaTypeOf } from './media-type.ts'
import type { SwarmClient } from './swarm-client.ts'

// The page's side of play-while-downloading: registers the streaming service worker (web/sw.ts,
// built to /sw.js) and answers its requests from the SwarmClient (stream-protocol.ts has the
// messages). `streamUrl` is what a <video>, <audio>, <img> or a preview fetch uses.

export { streamPath as streamUrl } from './stream-protocol.ts'

async function answer(client: SwarmClient, req: StreamRequest): Promise<{ reply: StreamReply; transfer: Transferable[] }> {
  const file = client.fileOf(req.infoHashHex, req.fileIndex)
  if (!file) return { reply: { ok: false, status: 404, error: 'no such torrent or file here' }, transfer: [] }
  if (req.type === 'swarmdrop-stream-open') return { reply: { ok: true, length: file.length, name: file.name, mime: mediaTypeOf(file.name).mime }, transfer: [] }
  const bytes = await client.readFile(req.infoHashHex, req.fileIndex, req.start, req.end)
  const buffer = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : (bytes.slice().buffer as ArrayBuffer)
  return { reply: { ok: true, bytes: buffer }, transfer: [buffer] }
}

/** Answer the stream worker's requests for this client's torrents. Returns a function that stops. */
export function serveStreams(client: SwarmClient): () => void {
  const sw = globalThis.navigator?.serviceWorker
  if (!sw) return () => {}
  const onMessage = (e: MessageEvent) => {
    const port = e.ports[0]
    if (!port || !isStreamRequest(e.data)) return
    answer(client, e.data).then(
      ({ reply, transfer }) => port.postMessage(reply, transfer),
      (err: unknown) => port.postMessage({ ok: false, status: 503, error: err instanceof Error ? err.message : String(err) } satisfies StreamReply),
    )
  }
  sw.addEventListener('message', onMessage)
  sw.startMessages()
  return () => sw.removeEventListener('message', onMessage)
}

/**
 * Register the stream worker and resolve once it controls this page (true), or false where there
 * are no service workers (an insecure origin, a private window in some browsers): then nothing can
 * be played before it is complete.
 */
export async function registerStreamWorker(url: string = import.meta.env?.DEV ? '/sw.ts' : '/sw.js'): Promise<boolean> {
  const sw = globalThis.navigator?.serviceWorker
  if (!sw) return false
  try {
    await sw.register(url, { scope: '/', type: import.meta.env?.DEV ? 'module' : 'classic' })
  } catch {
    return false
  }
  if (sw.controller) return true
  await new Promise<void>((resolve) => sw.addEventListener('controllerchange', () => resolve(), { once: true }))
  return true
}
