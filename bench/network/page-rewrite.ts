import type { BrowserContext } from '@playwright/test'

// Points a browser context's WebRTC at the relay (udp-relay.ts) by rewriting, in the page, every
// remote ICE candidate it is given: `setRemoteDescription` (the non-trickle SDP that simple-peer,
// WebTorrent and the raw-channel harness exchange) and `addIceCandidate` (trickle). A UDP IPv4 host
// candidate X becomes the relay's stand-in S(X); every other candidate (TCP, IPv6) is dropped so no
// path bypasses the relay. Only the test pages are touched: the product's code runs unchanged.
//
// Chromium must expose real host addresses, not mDNS names (the relay cannot resolve those): launch
// it with `RELAY_CHROMIUM_ARGS`.

export const RELAY_CHROMIUM_ARGS = ['--disable-features=WebRtcHideLocalIpsWithMdns']

export interface StandInProvider {
  standIn(address: string, port: number): Promise<{ address: string; port: number }>
}

const BINDING = '__swarmdropRelayStandIn'

/** Call before the context opens its pages. */
export async function routeThroughRelay(context: BrowserContext, relay: StandInProvider): Promise<void> {
  await context.exposeBinding(BINDING, (_source, address: string, port: number) => relay.standIn(address, port))
  // As source text with a no-op `__name`: tsx (esbuild keepNames) wraps the function's inner
  // functions in __name(), which the page does not have.
  await context.addInitScript({ content: `globalThis.__name ??= (f) => f;\n(${rewriteCandidatesInPage.toString()})(${JSON.stringify(BINDING)})` })
}

/** Runs in the page (serialized by Playwright): it can use nothing from this module's scope. */
function rewriteCandidatesInPage(binding: string): void {
  const standIn = (window as unknown as Record<string, (a: string, p: number) => Promise<{ address: string; port: number }>>)[binding]!
  /** `candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> ...` */
  const rewriteCandidate = async (candidate: string): Promise<string | null> => {
    const f = candidate.split(' ')
    if (f.length < 8 || f[2]!.toLowerCase() !== 'udp') return null
    const address = f[4]!
    if (address.endsWith('.local')) throw new Error(`relay: an mDNS candidate (${address}); launch Chromium with --disable-features=WebRtcHideLocalIpsWithMdns`)
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(address)) return null
    const via = await standIn(address, Number(f[5]))
    f[4] = via.address
    f[5] = String(via.port)
    return f.join(' ')
  }
  const rewriteSdp = async (sdp: string): Promise<string> => {
    const out: string[] = []
    for (const line of sdp.split('\r\n')) {
      if (!line.startsWith('a=candidate:')) out.push(line)
      else {
        const r = await rewriteCandidate(line.slice(2))
        if (r) out.push(`a=${r}`)
      }
    }
    return out.join('\r\n')
  }
  const proto = RTCPeerConnection.prototype
  const setRemote = proto.setRemoteDescription
  proto.setRemoteDescription = async function (this: RTCPeerConnection, d?: RTCSessionDescriptionInit) {
    const rewritten = d?.sdp ? { type: d.type, sdp: await rewriteSdp(d.sdp) } : d
    return Reflect.apply(setRemote, this, [rewritten]) as Promise<void>
  } as typeof proto.setRemoteDescription
  const addCandidate = proto.addIceCandidate
  proto.addIceCandidate = async function (this: RTCPeerConnection, c?: RTCIceCandidateInit | null) {
    if (!c?.candidate) return Reflect.apply(addCandidate, this, [c]) as Promise<void>
    const r = await rewriteCandidate(c.candidate)
    if (!r) return
    return Reflect.apply(addCandidate, this, [{ candidate: r, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex, usernameFragment: c.usernameFragment }]) as Promise<void>
  } as typeof proto.addIceCandidate
}
