/// <reference lib="webworker" />
import type { WorkerMessage, WorkerReply } from './opfs-file-backend.ts'
import { fileHandle, torrentDir } from './opfs-paths.ts'

// The OPFS worker: FileSystemSyncAccessHandle (worker-only) gives in-place positional reads and writes
// with no per-write commit copy. One session per open torrent; each holds one handle per file.

const sessions = new Map<number, FileSystemSyncAccessHandle[]>()

function handleOf(session: number, fileIndex: number): FileSystemSyncAccessHandle {
  const h = sessions.get(session)?.[fileIndex]
  if (!h) throw new RangeError(`no open file ${fileIndex} in session ${session}`)
  return h
}

async function run(msg: WorkerMessage): Promise<unknown> {
  switch (msg.op) {
    case 'open': {
      const dir = await torrentDir(msg.infoHashHex, true)
      const handles: FileSystemSyncAccessHandle[] = []
      const sizes: number[] = []
      try {
        for (const f of msg.files) {
          const h = await (await fileHandle(dir, f.path, true)).createSyncAccessHandle()
          handles.push(h)
          const size = h.getSize()
          if (size !== f.length) h.truncate(f.length)
          sizes.push(size)
        }
      } catch (err) {
        for (const h of handles) h.close()
        throw err
      }
      sessions.set(msg.session, handles)
      return sizes
    }
    case 'write': {
      const h = handleOf(msg.session, msg.fileIndex)
      const n = h.write(msg.data, { at: msg.offset })
      if (n !== msg.data.byteLength) throw new DOMException(`short write: ${n} of ${msg.data.byteLength}`, 'QuotaExceededError')
      return undefined
    }
    case 'read': {
      const buf = new Uint8Array(msg.length)
      const n = handleOf(msg.session, msg.fileIndex).read(buf, { at: msg.offset })
      return n === msg.length ? buf : buf.subarray(0, n)
    }
    case 'flush':
      for (const h of sessions.get(msg.session) ?? []) h.flush()
      return undefined
    case 'close':
      for (const h of sessions.get(msg.session) ?? []) {
        h.flush()
        h.close()
      }
      sessions.delete(msg.session)
      return undefined
  }
}

self.onmessage = async (e: MessageEvent<WorkerMessage>) => {
  const msg = e.data
  let reply: WorkerReply
  try {
    reply = { id: msg.id, ok: true, value: await run(msg) }
  } catch (err) {
    reply = { id: msg.id, ok: false, error: err instanceof Error ? err.message : String(err), name: err instanceof Error ? err.name : 'Error' }
  }
  const value = reply.ok ? reply.value : undefined
  ;(self as unknown as DedicatedWorkerGlobalScope).postMessage(reply, value instanceof Uint8Array ? [value.buffer as ArrayBuffer] : [])
}
