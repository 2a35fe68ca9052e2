import type { Library } from './library.ts'
import { OpfsPieceStore } from './opfs-store.ts'
import { copyIntoStore, missingBytes } from './seed-files.ts'
import { QuotaError } from './storage-quota.ts'
import { isAbort, type TaskList } from './task.ts'
import { layoutOf } from './torrent-layout.ts'
import type { Active } from './torrent-snapshot.ts'

// The copy of a dropped (or picked again) file into OPFS, behind the share link (issue 14): it runs
// as a 'copying' task while the torrent is shared from the file; once done the file is let go and
// the torrent survives a reload. Without room, or cancelled by the person, the torrent lives on from
// the file for this page only and nothing half-made is kept.

export interface CopyHost {
  tasks: TaskList
  library: Library
  /** This torrent entry is still the client's (not replaced by a restart, not removed). */
  isCurrent(a: Active): boolean
  changed(): void
}

/** Open the OPFS store (quota check first) and copy what it lacks from `source`, as a task. */
export function startCopy(host: CopyHost, a: Active, source: Blob): void {
  const hex = a.record.infoHashHex
  const info = a.info!
  void host.tasks
    .run('copying', a.record.name, info.length, hex, async (task) => {
      const inner = await OpfsPieceStore.open(layoutOf(info), { persistence: a.persistence })
      if (!host.isCurrent(a)) return inner.close()
      a.store.attach(inner)
      task.progress(info.length - missingBytes(inner))
      const before = task.doneBytes
      await copyIntoStore(inner, source, { signal: task.signal, onProgress: (n) => task.progress(before + n) })
      a.store.source = null // every piece is in OPFS now: the user's file is no longer needed
      await a.persistence.flush()
    })
    .catch(async (err: unknown) => {
      // Stopped (paused, removed): not the person's cancel, nothing to give up.
      if (!host.isCurrent(a) || a.stopped) return
      if (err instanceof QuotaError) await sourceOnly(host, a, `Not enough room in the browser's storage to keep a copy (${err.message.replace(/^not enough storage: /, '')}): shared from your file while this page is open.`)
      else if (isAbort(err)) await sourceOnly(host, a, 'Copy cancelled: shared from your file while this page is open, not kept in this browser.')
      else a.error = `copying into the browser's storage failed: ${err instanceof Error ? err.message : String(err)}`
    })
    .finally(() => host.changed())
}

/** Keep nothing in the browser (no room, or the copy was cancelled): share from the file, this page only. */
async function sourceOnly(host: CopyHost, a: Active, notice: string): Promise<void> {
  await a.store.closeInner()
  await host.library.remove(a.record.infoHashHex) // the record, its bitfield and the partial copy: nothing half-made stays
  a.sessionOnly = true
  a.notice = notice
}
