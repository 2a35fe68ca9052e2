// Saving a finished torrent from OPFS to the user's disk, streamed: never a full copy in memory.
// Where the File System Access pickers exist (Chromium), the OPFS file streams into the file the user
// picked; elsewhere the OPFS File (disk-backed: getFile() does not read it into memory) is offered
// as a download through an object URL.

export interface SaveEntry {
  /** Path inside the torrent, e.g. ['album', 'cd1', 'track.flac']. */
  path: readonly string[]
  file: File
}

export type SaveResult = 'saved' | 'downloaded' | 'cancelled'

interface PickerWindow {
  showSaveFilePicker?: (options?: { suggestedName?: string }) => Promise<FileSystemFileHandle>
  showDirectoryPicker?: (options?: { mode?: 'read' | 'readwrite'; id?: string }) => Promise<FileSystemDirectoryHandle>
}

/** How long a download's object URL stays valid: the browser reads the file while it is alive. */
const OBJECT_URL_LIFETIME_MS = 60_000

function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError'
}

async function streamInto(file: File, handle: FileSystemFileHandle): Promise<void> {
  const writable = await handle.createWritable()
  // pipeTo closes the writable on success and aborts it on failure; chunks flow one at a time.
  await file.stream().pipeTo(writable)
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
export async function saveFile(file: File, suggestedName: string, w: PickerWindow = window as PickerWindow): Promise<SaveResult> {
  if (typeof w.showSaveFilePicker === 'function') {
    let handle: FileSystemFileHandle
    try {
      handle = await w.showSaveFilePicker({ suggestedName })
    } catch (err) {
      if (isAbort(err)) return 'cancelled'
      throw err
    }
    await streamInto(file, handle)
    return 'saved'
  }
  downloadFile(file, suggestedName)
  return 'downloaded'
}

/**
 * Save a multi-file torrent as a folder named `folderName` inside a directory the user picks; without
 * the directory picker, each file is downloaded with its path flattened into its name.
 */
export async function saveFolder(folderName: string, entries: readonly SaveEntry[], w: PickerWindow = window as PickerWindow): Promise<SaveResult> {
  if (typeof w.showDirectoryPicker === 'function') {
    let parent: FileSystemDirectoryHandle
    try {
      parent = await w.showDirectoryPicker({ mode: 'readwrite', id: 'swarmdrop-save' })
    } catch (err) {
      if (isAbort(err)) return 'cancelled'
      throw err
    }
    const root = await parent.getDirectoryHandle(folderName, { create: true })
    for (const e of entries) {
      let dir = root
      for (const part of e.path.slice(0, -1)) dir = await dir.getDirectoryHandle(part, { create: true })
      const name = e.path[e.path.length - 1]
      if (name === undefined) continue
      await streamInto(e.file, await dir.getFileHandle(name, { create: true }))
    }
    return 'saved'
  }
  for (const e of entries) downloadFile(e.file, [folderName, ...e.path].join('_'))
  return 'downloaded'
}
