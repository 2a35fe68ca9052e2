/// <reference lib="webworker" />
import type { WorkerMessage, WorkerReply } from './opfs-file-backend.ts'
import { bitfieldFile, fileHandle, torrentDir } from './opfs-paths.ts'

// The OPFS worker: FileSystemSyncAccessHandle (worker-only) gives in-place positional reads and writes
// with no per-write commit copy. One session per open torrent; each holds one handle per file.

// Each session also keeps the torrent's piece bitfield in its own OPFS file (bitfieldFile), one
// in-place byte write per verified piece, in message order after that piece's data writes: after a
// reload or a crash, a piece is marked only if its data was written first, and nothing verified is
// forgotten (the library's IndexedDB copy is debounced and may lag by a second).
interface Session {
  files: FileSystemSyncAccessHandle[]
  bits: FileSystemSyncAccessHandle
}
const sessions = new Map<number, Session>()

function handleOf(session: number, fileIndex: number): FileSystemSyncAccessHandle {
  const h = sessions.get(session)?.files[fileIndex]
  if (!h) throw new RangeError(`no open file ${fileIndex} in session ${session}`)
  return h
}

/** How long to wait for another holder of a file's access handle to let go (see syncHandle). */
const LOCK_WAIT_MS = 8_000

/**
 * A sync access handle is exclusive. Right after a reload the previous page's worker may still hold
 * the handles for a moment, so a locked file is retried until LOCK_WAIT_MS; past that the torrent is
 * open elsewhere (another tab) and the error says so.
 */
async function syncHandle(file: FileSystemFileHandle): Promise<FileSystemSyncAccessHandle> {
  const until = Date.now() + LOCK_WAIT_MS
  for (let delay = 25; ; delay = Math.min(delay * 2, 500)) {
    try {
      return await file.createSyncAccessHandle()
    } catch (err) {
      const locked = err instanceof DOMException && err.name === 'NoModificationAllowedError'
      if (!locked) throw err
      if (Date.now() > until) throw new DOMException(`${file.name} is open elsewhere (another tab?)`, 'NoModificationAllowedError')
      await new Promise((r) => setTimeout(r, delay))
    }
  }
}

function mark(session: number, index: number): void {
  const s = sessions.get(session)
  if (!s) throw new RangeError(`no session ${session}`)
  const at = index >> 3
  const byte = new Uint8Array(1)
  s.bits.read(byte, { at })
  byte[0]! |= 0x80 >> (index & 7)
  s.bits.write(byte, { at })
}

async function run(msg: WorkerMessage): Promise<unknown> {
  switch (msg.op) {
    case 'open': {
      const dir = await torrentDir(msg.infoHashHex, true)
      const handles: FileSystemSyncAccessHandle[] = []
      const sizes: number[] = []
      try {
        const bitsHandle = await syncHandle(await bitfieldFile(msg.infoHashHex))
        handles.push(bitsHandle)
        const bits = new Uint8Array(msg.bitfieldBytes)
        // A bitfield of another size is not this torrent's: start empty.
        if (bitsHandle.getSize() === msg.bitfieldBytes) bitsHandle.read(bits, { at: 0 })
        else bitsHandle.truncate(msg.bitfieldBytes)
        const files: FileSystemSyncAccessHandle[] = []
        for (const f of msg.files) {
          const h = await syncHandle(await fileHandle(dir, f.path, true))
          handles.push(h)
          files.push(h)
          const size = h.getSize()
          if (size !== f.length) h.truncate(f.length)
          sizes.push(size)
        }
        sessions.set(msg.session, { files, bits: bitsHandle })
        return { sizes, bits }
      } catch (err) {
        for (const h of handles) h.close()
        throw err
      }
    }
    case 'mark':
      mark(msg.session, msg.index)
      return undefined
    case 'write': {
      const h = handleOf(msg.session, msg.fileIndex)
      const n = h.write(msg.data, { at: msg.offset })
      if (n !== msg.data.byteLength) throw new DOMException(`short write: ${n} of ${msg.data.byteLength}`, 'QuotaExceededError')
      if (msg.markPiece !== undefined) mark(msg.session, msg.markPiece)
      // Back to the page (transferred below) for its next write: no garbage here.
      return msg.data
    }
    case 'copy': {
      const data = new Uint8Array(await msg.blob.arrayBuffer())
      if (data.byteLength !== msg.blob.size) throw new DOMException(`the file gave ${data.byteLength} of ${msg.blob.size} bytes (changed since it was picked?)`, 'NotReadableError')
      const n = handleOf(msg.session, msg.fileIndex).write(data, { at: msg.offset })
      if (n !== data.byteLength) throw new DOMException(`short write: ${n} of ${data.byteLength}`, 'QuotaExceededError')
      if (msg.markPiece !== undefined) mark(msg.session, msg.markPiece)
      return undefined
    }
    case 'read': {
      const buf = new Uint8Array(msg.length)
      const n = handleOf(msg.session, msg.fileIndex).read(buf, { at: msg.offset })
      return n === msg.length ? buf : buf.subarray(0, n)
    }
    case 'flush': {
      const s = sessions.get(msg.session)
      for (const h of s ? [...s.files, s.bits] : []) h.flush()
      return undefined
    }
    case 'close': {
      const s = sessions.get(msg.session)
      for (const h of s ? [...s.files, s.bits] : []) {
        h.flush()
        h.close()
      }
      sessions.delete(msg.session)
      return undefined
    }
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
  // Read results (and write buffers going back) are transferred, not copied.
  const value = reply.ok ? reply.value : undefined
  ;(self as unknown as DedicatedWorkerGlobalScope).postMessage(reply, value instanceof Uint8Array ? [value.buffer as ArrayBuffer] : [])
}
