import type { DroppedFile } from './lib/seed-files.ts'

// Turning what a person dropped or picked into path-tagged files. A dropped folder arrives as a
// FileSystemEntry tree (Chromium, Firefox and Safari all implement webkitGetAsEntry); a folder picked
// through <input webkitdirectory> arrives flat, with each file's webkitRelativePath.

/** A folder with more files than this is almost surely a mistake (a whole home directory). */
export const MAX_DROPPED_FILES = 10_000

export class TooManyFilesError extends Error {
  constructor() {
    super(`more than ${MAX_DROPPED_FILES} files: drop a smaller folder`)
  }
}

export function fromFileList(list: FileList | readonly File[]): DroppedFile[] {
  const files = [...list]
  if (files.length > MAX_DROPPED_FILES) throw new TooManyFilesError()
  return files.map((file) => {
    const rel = (file as File & { webkitRelativePath?: string }).webkitRelativePath
    return { path: rel ? rel.split('/').filter(Boolean) : [file.name], file }
  })
}

export async function fromDataTransfer(dt: DataTransfer): Promise<DroppedFile[]> {
  const entries = [...dt.items]
    .filter((i) => i.kind === 'file')
    .map((i) => i.webkitGetAsEntry?.())
    .filter((e): e is FileSystemEntry => !!e)
  if (entries.length === 0) return fromFileList(dt.files)
  const out: DroppedFile[] = []
  for (const entry of entries) await walk(entry, [], out)
  return out
}

async function walk(entry: FileSystemEntry, parent: string[], out: DroppedFile[]): Promise<void> {
  const path = [...parent, entry.name]
  if (entry.isFile) {
    if (out.length >= MAX_DROPPED_FILES) throw new TooManyFilesError()
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject))
    out.push({ path, file })
  } else if (entry.isDirectory) {
    const reader = (entry as FileSystemDirectoryEntry).createReader()
    // readEntries returns a batch at a time (Chromium: 100); call until it returns none.
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject))
      if (batch.length === 0) break
      for (const child of batch) await walk(child, path, out)
    }
  }
}

/** A lone .torrent file is a torrent to open, not a file to share. */
export function isTorrentFile(files: readonly DroppedFile[]): boolean {
  return files.length === 1 && files[0]!.path.length === 1 && /\.torrent$/i.test(files[0]!.file.name)
}
