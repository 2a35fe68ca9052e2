import { fileHandle, torrentDir } from './opfs-paths.ts'
import { TransferBuffers } from './transfer-buffers.ts'
import { WEB_LIMITS } from './limits.ts'

// The two ways of writing at a position in an OPFS file, behind one interface so opfs-store.ts can use
// either and e2e/lib-opfs.spec.ts can measure both:
// - 'writable': FileSystemWritableFileStream on the page (createWritable with keepExistingData, then a
//   positional write, then close to commit);
// - 'worker': a dedicated worker holding a FileSystemSyncAccessHandle per file (in-place writes; sync
//   handles exist only in workers). See opfs-worker.ts.

export interface StoredFileSpec {
  path: readonly string[]
  length: number
  /** BEP 47 padding file: zeros by definition, never stored (opfs-store.ts skips it). */
  padding?: boolean
}

export interface OpenResult {
  /** Each file's size before opening (a short or missing file lost its pieces). */
  sizes: number[]
  /** The bitfield the backend keeps itself (worker: an OPFS file), or null when it keeps none. */
  bits: Uint8Array | null
}

export interface FileBackend {
  /** Create missing files at their full length. `bitfieldBytes`: the size of the piece bitfield. */
  open(infoHashHex: string, files: readonly StoredFileSpec[], bitfieldBytes: number): Promise<OpenResult>
  /** Write at a position; with `markPiece`, then record that piece as verified (one message, in order). */
  write(fileIndex: number, offset: number, data: Uint8Array, markPiece?: number): Promise<void>
  /**
   * Write the bytes of `blob` (a slice of a file the user gave) at a position, read where the write
   * happens (the worker reads the File itself: the bytes never pass through the page).
   */
  copy(fileIndex: number, offset: number, blob: Blob, markPiece?: number): Promise<void>
  /** Record piece `index` as verified, after its writes (the worker keeps this order). No-op if it keeps no bitfield. */
  mark(index: number): Promise<void>
  read(fileIndex: number, offset: number, length: number): Promise<Uint8Array>
  /** Make written data durable. */
  flush(): Promise<void>
  /** Release the files (sync handles hold an exclusive lock). */
  close(): Promise<void>
}

export type BackendKind = 'writable' | 'worker'

export class WritableBackend implements FileBackend {
  #handles: FileSystemFileHandle[] = []

  async open(infoHashHex: string, files: readonly StoredFileSpec[]): Promise<OpenResult> {
    const dir = await torrentDir(infoHashHex, true)
    const sizes: number[] = []
    for (const f of files) {
      const h = await fileHandle(dir, f.path, true)
      const size = (await h.getFile()).size
      if (size !== f.length) {
        const w = await h.createWritable({ keepExistingData: true })
        await w.truncate(f.length)
        await w.close()
      }
      this.#handles.push(h)
      sizes.push(size)
    }
    return { sizes, bits: null }
  }

  async mark(): Promise<void> {
    // Rewriting a bitfield file per piece through a writable would copy it each time: this backend
    // leaves the bitfield to the store's persistence (IndexedDB).
  }

  #queue: Promise<unknown> = Promise.resolve()

  write(fileIndex: number, offset: number, data: Uint8Array): Promise<void> {
    // One writable at a time: two open on one file would each copy it, and the last close would
    // silently drop the other's piece.
    const next = this.#queue.then(async () => {
      const w = await this.#handle(fileIndex).createWritable({ keepExistingData: true })
      try {
        await w.write({ type: 'write', position: offset, data: data as Uint8Array<ArrayBuffer> })
        await w.close()
      } catch (err) {
        await w.abort().catch(() => {})
        throw err
      }
    })
    this.#queue = next.catch(() => {})
    return next
  }

  async copy(fileIndex: number, offset: number, blob: Blob): Promise<void> {
    return this.write(fileIndex, offset, new Uint8Array(await blob.arrayBuffer()))
  }

  async read(fileIndex: number, offset: number, length: number): Promise<Uint8Array> {
    const file = await this.#handle(fileIndex).getFile()
    return new Uint8Array(await file.slice(offset, offset + length).arrayBuffer())
  }

  async flush(): Promise<void> {
    // close() of each writable already committed its write.
  }

  async close(): Promise<void> {
    this.#handles = []
  }

  #handle(i: number): FileSystemFileHandle {
    const h = this.#handles[i]
    if (!h) throw new RangeError(`no file ${i}`)
    return h
  }
}

type WorkerRequest =
  | { op: 'open'; infoHashHex: string; files: StoredFileSpec[]; bitfieldBytes: number }
  | { op: 'mark'; index: number }
  | { op: 'write'; fileIndex: number; offset: number; data: Uint8Array; markPiece?: number }
  | { op: 'copy'; fileIndex: number; offset: number; blob: Blob; markPiece?: number }
  | { op: 'read'; fileIndex: number; offset: number; length: number }
  | { op: 'flush' }
  | { op: 'close' }

export type WorkerMessage = WorkerRequest & { id: number; session: number }
export type WorkerReply = { id: number; ok: true; value?: unknown } | { id: number; ok: false; error: string; name: string }

/** Buffers of the writes to the worker, reused (every session's). */
const writeBuffers = new TransferBuffers(WEB_LIMITS.opfsWriteBufferBytes)

/** One worker serves every torrent of the page; each open backend is a session in it. */
let sharedWorker: { worker: Worker; pending: Map<number, (r: WorkerReply) => void>; nextId: number; nextSession: number } | null = null

function worker() {
  if (!sharedWorker) {
    const w = new Worker(new URL('./opfs-worker.ts', import.meta.url), { type: 'module', name: 'swarmdrop-opfs' })
    const pending = new Map<number, (r: WorkerReply) => void>()
    w.onmessage = (e: MessageEvent<WorkerReply>) => {
      const done = pending.get(e.data.id)
      pending.delete(e.data.id)
      done?.(e.data)
    }
    // A worker that fails to load or crashes must not leave callers waiting forever.
    w.onerror = (e) => {
      const why = e.message || 'its script did not load, or it crashed'
      for (const [id, done] of pending) done({ id, ok: false, error: `OPFS worker failed: ${why}${e.filename ? ` (${e.filename}:${e.lineno})` : ''}`, name: 'OperationError' })
      pending.clear()
      sharedWorker = null
    }
    sharedWorker = { worker: w, pending, nextId: 1, nextSession: 1 }
  }
  return sharedWorker
}

export class WorkerBackend implements FileBackend {
  #session = worker().nextSession++

  #call<T>(req: WorkerRequest, transfer: Transferable[] = []): Promise<T> {
    const w = worker()
    const id = w.nextId++
    return new Promise<T>((resolve, reject) => {
      w.pending.set(id, (r) => {
        if (r.ok) resolve(r.value as T)
        else reject(new DOMException(r.error, r.name))
      })
      w.worker.postMessage({ ...req, id, session: this.#session } satisfies WorkerMessage, transfer)
    })
  }

  open(infoHashHex: string, files: readonly StoredFileSpec[], bitfieldBytes: number): Promise<OpenResult> {
    return this.#call({ op: 'open', infoHashHex, bitfieldBytes, files: files.map((f) => ({ path: [...f.path], length: f.length })) })
  }

  mark(index: number): Promise<void> {
    return this.#call({ op: 'mark', index })
  }

  async write(fileIndex: number, offset: number, data: Uint8Array, markPiece?: number): Promise<void> {
    // Copy: the caller keeps its buffer (the engine may still serve it). The copy is transferred,
    // and the worker transfers it back for the next write (transfer-buffers.ts says why).
    const copy = writeBuffers.take(data.byteLength)
    copy.set(data)
    const back = await this.#call<Uint8Array | undefined>({ op: 'write', fileIndex, offset, data: copy, ...(markPiece !== undefined ? { markPiece } : {}) }, [copy.buffer])
    if (back instanceof Uint8Array) writeBuffers.give(back.buffer as ArrayBuffer)
  }

  copy(fileIndex: number, offset: number, blob: Blob, markPiece?: number): Promise<void> {
    // A Blob is posted by reference (no bytes copied); the worker reads it.
    return this.#call({ op: 'copy', fileIndex, offset, blob, ...(markPiece !== undefined ? { markPiece } : {}) })
  }

  read(fileIndex: number, offset: number, length: number): Promise<Uint8Array> {
    return this.#call({ op: 'read', fileIndex, offset, length })
  }

  flush(): Promise<void> {
    return this.#call({ op: 'flush' })
  }

  close(): Promise<void> {
    return this.#call({ op: 'close' })
  }
}

export function createBackend(kind: BackendKind): FileBackend {
  return kind === 'worker' ? new WorkerBackend() : new WritableBackend()
}
