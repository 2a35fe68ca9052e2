import type { CDPSession, Page } from '@playwright/test'

// `--js-profile`: a V8 CPU profile of the leecher page's main thread over the transfer (CDP Profiler),
// summarised as the functions with the most self time. Workers (the OPFS worker, WebCrypto) are not
// in it. Tells where a leecher's JavaScript time goes, the same way for swarmdrop and WebTorrent.

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
}

export interface JsProfileSummary {
  sampledMs: number
  top: { fn: string; ms: number; share: number }[]
}

export async function startJsProfile(page: Page): Promise<CDPSession> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Profiler.enable')
  await cdp.send('Profiler.setSamplingInterval', { interval: 1000 })
  await cdp.send('Profiler.start')
  return cdp
}

export async function stopJsProfile(cdp: CDPSession, topN = 12): Promise<JsProfileSummary> {
  const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] } }
  await cdp.detach().catch(() => {})
  const byNode = new Map<number, ProfileNode>(profile.nodes.map((n) => [n.id, n]))
  const self = new Map<string, number>()
  let total = 0
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0
    const f = byNode.get(id)?.callFrame
    const file = f?.url.split('/').pop()?.split('?')[0] ?? ''
    const key = f ? `${f.functionName || '(anonymous)'} ${file}${file ? `:${f.lineNumber + 1}` : ''}` : '?'
    self.set(key, (self.get(key) ?? 0) + us)
    total += us
  })
  const top = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, topN)
    .map(([fn, us]) => ({ fn, ms: Math.round(us / 1000), share: Math.round((us / Math.max(1, total)) * 1000) / 1000 }))
  return { sampledMs: Math.round(total / 1000), top }
}
