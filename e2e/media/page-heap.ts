import type { CDPSession } from '@playwright/test'

// A page's JS memory through CDP: the V8 heap in use, plus the embedder's (Blink's) garbage-collected
// heap, plus the backing stores of ArrayBuffers (where a download's pieces live: usedSize alone does
// not count them). Dedicated workers have heaps of their own, not counted here (the browser's RSS,
// proc-memory.ts, counts them).
export async function pageHeapBytes(cdp: CDPSession): Promise<number> {
  const u = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number; embedderHeapUsedSize?: number; backingStorageSize?: number }
  return u.usedSize + (u.embedderHeapUsedSize ?? 0) + (u.backingStorageSize ?? 0)
}
