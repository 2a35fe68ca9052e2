// Saving a finished torrent from OPFS to the user's disk, streamed: never a full copy in memory.
// Where the File System Access pickers exist (Chromium), the OPFS file streams into the file the user
// picked, chunk by chunk, with progress and a cancel that removes what was half written; elsewhere
// the OPFS File (disk-backed: getFile() does not read it into memory) is offered as a download
// through an object URL. `downloadWarning` says when that download may need the whole file in memory.

export interface SaveEntry {
  /** Path inside the torrent, e.g. ['album', 'cd1', 'track.flac']. */
  path: readonly string[]
  file: File
}

export type SaveResult = 'saved' | 'downloaded' | 'cancelled'

export interface PickerWindow {
  showSaveFilePicker?: (options?: { suggestedName?: string }) => Promise<FileSystemFileHandle>
  showDirectoryPicker?: (options?: { mode?: 'read' | 'readwrite'; id?: string }) => Promise<FileSystemDirectoryHandle>
}

export interface SaveOptions {
  /** Aborting stops the save and removes the file or folder it was writing. */
  signal?: AbortSignal
  /** Bytes written so far, across all files. */
  onProgress?: (doneBytes: number) => void
}

/** How long a download's object URL stays valid: the browser reads the file while it is alive. */
const OBJECT_URL_LIFETIME_MS = 60_000

function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError'
}

/** Whether this browser saves through the pickers (streamed, with progress) rather than a download. */
export function canStreamSave(w: PickerWindow = window as PickerWindow): boolean {
  return typeof w.showSaveFilePicker === 'function'
}

/** Downloads (no picker) of more than this get a warning first: see downloadWarning. */
export const LARGE_DOWNLOAD_BYTES = 512 * 1024 * 1024

/**
 * Without the pickers a save is an object-URL download of the OPFS file, and what the browser does
 * with it is up to the browser: Chromium streams a disk-backed File from its URL, but not every
 * browser is known to, and one that reads the whole file into memory first may fail or stall on a
 * large one. Returns the warning to show before such a download (null when there is nothing to say).
 */
export function downloadWarning(bytes: number, w: PickerWindow = window as PickerWindow): string | null {
  if (canStreamSave(w) || bytes < LARGE_DOWNLOAD_BYTES) return null
  return `This browser has no save dialog, so the file is handed to it as a download; some browsers hold such a download in memory (all ${Math.round(bytes / 2 ** 20)} MiB of it) before writing it to disk.`
}

async function streamInto(file: File, handle: FileSystemFileHandle, done: number, options: SaveOptions): Promise<number> {
  const writable = await handle.createWritable()
  let written = done
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      written += chunk.byteLength
      options.onProgress?.(written)
      controller.enqueue(chunk)
    },
  })
  // pipeTo closes the writable on success and aborts it (discarding what was written) on failure or
  // abort; chunks flow one at a time.
  await file.stream().pipeThrough(counter).pipeTo(writable, options.signal ? { signal: options.signal } : {})
  return written
}

/** Remove an entry we created, ignoring a browser without FileSystemHandle.remove. */
async function removeHandle(handle: FileSystemHandle): Promise<void> {
  await (handle as FileSystemHandle & { remove?: (o?: { recursive?: boolean }) => Promise<void> }).remove?.({ recursive: true }).catch(() => {})
}

/** Offer one file as a download (no picker). */
export function downloadFile(file: File, name: string): void {
  const url = URL.createObjectURL(file)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  a.rel = 'noopener'
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), OBJECT_URL_LIFETIME_MS)
}

/** Save one file: the save picker where there is one, a download otherwise. */
export async function saveFile(file: File, suggestedName: string, w: PickerWindow = window as PickerWindow, options: SaveOptions = {}): Promise<SaveResult> {
  if (typeof w.showSaveFilePicker === 'function') {
    let handle: FileSystemFileHandle
    try {
      handle = await w.showSaveFilePicker({ suggestedName })
    } catch (err) {
      if (isAbort(err)) return 'cancelled'
      throw err
    }
    try {
      await streamInto(file, handle, 0, options)
    } catch (err) {
      await removeHandle(handle) // the picker created it: a cancelled or failed save leaves no stub
      if (options.signal?.aborted) return 'cancelled'
      throw err
    }
    return 'saved'
  }
  downloadFile(file, suggestedName)
  return 'downloaded'
}

/**
 * Save a multi-file torrent as a folder named `folderName` inside a directory the user picks; without
 * the directory picker, each file is downloaded with its path flattened into its name. A cancelled
 * or failed save removes the folder if it created it (and otherwise the files it wrote).
 */
export async function saveFolder(folderName: string, entries: readonly SaveEntry[], w: PickerWindow = window as PickerWindow, options: SaveOptions = {}): Promise<SaveResult> {
  if (typeof w.showDirectoryPicker === 'function') {
    let parent: FileSystemDirectoryHandle
    try {
      parent = await w.showDirectoryPicker({ mode: 'readwrite', id: 'swarmdrop-save' })
    } catch (err) {
      if (isAbort(err)) return 'cancelled'
      throw err
    }
    const existed = await parent.getDirectoryHandle(folderName).then(() => true, () => false)
    const root = await parent.getDirectoryHandle(folderName, { create: true })
    const written: FileSystemFileHandle[] = []
    try {
      let done = 0
      for (const e of entries) {
        let dir = root
        for (const part of e.path.slice(0, -1)) dir = await dir.getDirectoryHandle(part, { create: true })
        const name = e.path[e.path.length - 1]
        if (name === undefined) continue
        const handle = await dir.getFileHandle(name, { create: true })
        written.push(handle)
        done = await streamInto(e.file, handle, done, options)
      }
    } catch (err) {
      if (existed) for (const h of written) await removeHandle(h)
      else await parent.removeEntry(folderName, { recursive: true }).catch(() => {})
      if (options.signal?.aborted) return 'cancelled'
      throw err
    }
    return 'saved'
  }
  for (const e of entries) downloadFile(e.file, [folderName, ...e.path].join('_'))
  return 'downloaded'
}
