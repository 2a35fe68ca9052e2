// Checks that the page's own tracker answers: opens a WebSocket to it and sends a scrape for a
// random info hash (a real round trip through the tracker protocol, not just a TCP connect).
// The browser client's tracker-client (web/lib) replaces this for real announces.

export type ProbeState =
  | { status: 'connecting'; url: string }
  | { status: 'connected'; url: string; roundTripMs: number }
  | { status: 'failed'; url: string; reason: string }

export function defaultTrackerUrl(loc: Location = location): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/announce`
}

function randomBinaryString(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length))
  return String.fromCharCode(...bytes)
}

export function probeTracker(url: string, onState: (s: ProbeState) => void, timeoutMs = 10_000): () => void {
  onState({ status: 'connecting', url })
  let settled = false
  const socket = new WebSocket(url)
  const settle = (s: ProbeState) => {
    if (settled) return
    settled = true
    clearTimeout(timer)
    onState(s)
  }
  const timer = setTimeout(() => {
    settle({ status: 'failed', url, reason: `no answer within ${timeoutMs / 1000} s` })
    socket.close()
  }, timeoutMs)
  let sentAt = 0
  socket.onopen = () => {
    sentAt = performance.now()
    socket.send(JSON.stringify({ action: 'scrape', info_hash: randomBinaryString(20) }))
  }
  socket.onmessage = (event) => {
    let reply: unknown
    try {
      reply = JSON.parse(String(event.data))
    } catch {
      settle({ status: 'failed', url, reason: 'the tracker sent something that is not JSON' })
      return
    }
    const r = reply as Record<string, unknown>
    if (r['action'] === 'scrape' && typeof r['files'] === 'object') {
      settle({ status: 'connected', url, roundTripMs: Math.round(performance.now() - sentAt) })
    } else {
      const reason = typeof r['failure reason'] === 'string' ? r['failure reason'] : 'unexpected reply'
      settle({ status: 'failed', url, reason })
    }
  }
  socket.onerror = () => settle({ status: 'failed', url, reason: 'could not connect' })
  socket.onclose = () => settle({ status: 'failed', url, reason: 'connection closed' })
  return () => {
    settled = true
    clearTimeout(timer)
    socket.close()
  }
}
