import { bytesEqual } from '../bytes.ts'
import { ProtocolError } from '../errors.ts'
import { WireDecoder, type WireEvent } from '../wire/decoder.ts'
import { encodeMessage, encodePieceParts } from '../wire/encoder.ts'
import { decodeExtendedHandshake, encodeExtendedHandshake, EXTENDED_HANDSHAKE_ID } from '../wire/extended.ts'
import { capabilitiesOf, encodeHandshake, reservedFor } from '../wire/handshake.ts'
import { decodeMetadataMessage, encodeMetadataMessage, METADATA_EXTENSION } from '../wire/metadata.ts'
import type { BlockRef, Capabilities, ExtendedHandshake, Handshake, Message, MetadataMessage } from '../wire/messages.ts'
import { BoundedSet } from './bounded-set.ts'
import { PeerState } from './peer-state.ts'
import type { Transport } from './ports.ts'
import { blockKey as key, LOCAL_METADATA_ID, type SessionHost, type SessionOptions } from './session-host.ts'

export { blockKey, LOCAL_METADATA_ID, type SessionHost, type SessionOptions } from './session-host.ts'

/** Requests from a peer that do not fit the torrent or our state, tolerated before we close. */
const MAX_BAD_REQUESTS = 32

// One peer connection: the wire protocol and its rules (BEP 3 handshake and messages, BEP 6 fast,
// BEP 10 extended, BEP 9 ut_metadata framing), timeouts and bounded queues. Decisions (what to
// request, whom to unchoke, what to serve) belong to the torrent, told through `SessionHost`.

export class PeerSession {
  readonly id: number
  readonly state: PeerState
  remotePeerId: Uint8Array | null = null
  caps: Capabilities = { extended: false, fast: false, dht: false, v2: false }
  peerExtensions: ExtendedHandshake | null = null
  /** Our requests awaiting an answer, by block. */
  readonly outgoing = new Map<number, { ref: BlockRef; sentAt: number }>()
  /** The peer's requests awaiting service. */
  readonly incoming: BlockRef[] = []
  writeBlocked = false
  closed = false
  cancelsSent = 0
  /** Payload that arrived for requests we had cancelled: endgame's price. */
  lateBytes = 0
  private readonly decoder: WireDecoder
  private handshaken = false
  private sawPieces = false
  private lastReceivedAt: number
  private lastSentAt: number
  private blockedSince = 0
  private handshakeTimer: unknown
  /** Requests we withdrew (endgame, timeouts): a piece may still arrive for them. */
  private readonly cancelled: BoundedSet<number>
  private unrequested = 0
  private badRequests = 0

  constructor(readonly transport: Transport, private readonly host: SessionHost, private readonly o: SessionOptions) {
    this.id = o.id
    const now = o.clock.now()
    this.state = new PeerState(now, o.limits.rateWindowMs)
    if (o.pieceCount !== undefined) this.state.setPieceCount(o.pieceCount)
    this.cancelled = new BoundedSet(o.limits.maxCancelledRemembered)
    this.lastReceivedAt = now
    this.lastSentAt = now
    this.decoder = new WireDecoder({ pieceCount: o.pieceCount })
    transport.onData = (chunk) => this.onData(chunk)
    transport.onDrain = () => {
      this.writeBlocked = false
      host.drained(this)
    }
    transport.onClose = (reason) => this.finish(reason ?? 'closed')
    this.handshakeTimer = o.clock.setTimeout(() => this.close('handshake timeout'), o.limits.handshakeTimeoutMs)
    // Both sides send the handshake at once (WebTorrent does), whoever initiated.
    this.write(encodeHandshake({ infoHash: o.infoHash, peerId: o.peerId, reserved: reservedFor({ extended: true, fast: true }) }))
  }

  get ready(): boolean {
    return this.handshaken && !this.closed
  }

  /** The peer's piece count became known (a magnet's metadata arrived). */
  setPieceCount(n: number): void {
    this.decoder.setPieceCount(n)
    try {
      this.state.setPieceCount(n)
    } catch (e) {
      this.close(e instanceof Error ? e.message : 'bad bitfield')
    }
  }

  send(m: Message): void {
    this.write(encodeMessage(m))
  }

  sendPiece(index: number, begin: number, block: Uint8Array): void {
    const [header, data] = encodePieceParts(index, begin, block)
    this.write(header)
    this.write(data)
    this.state.uploaded(block.length, this.o.clock.now())
    this.host.uploaded?.(block.length)
  }

  setChoking(choke: boolean): void {
    if (this.state.amChoking === choke || !this.ready) return
    this.state.amChoking = choke
    this.state.unchokedAt = choke ? this.state.unchokedAt : this.o.clock.now()
    this.send({ type: choke ? 'choke' : 'unchoke' })
    if (choke) {
      // BEP 6: with fast, every pending request gets a reject; without it, choking discards them.
      if (this.caps.fast) for (const r of this.incoming) this.send({ type: 'reject', ...r })
      this.incoming.length = 0
    }
  }

  setInterested(interested: boolean): void {
    if (this.state.amInterested === interested || !this.ready) return
    this.state.amInterested = interested
    this.send({ type: interested ? 'interested' : 'notInterested' })
  }

  request(ref: BlockRef): void {
    this.outgoing.set(key(ref.index, ref.begin), { ref, sentAt: this.o.clock.now() })
    this.send({ type: 'request', ...ref })
  }

  cancel(ref: BlockRef): void {
    const k = key(ref.index, ref.begin)
    if (!this.outgoing.delete(k)) return
    this.remember(k)
    this.cancelsSent++
    this.send({ type: 'cancel', ...ref })
  }

  sendMetadata(m: MetadataMessage): void {
    const id = this.peerExtensions?.m[METADATA_EXTENSION]
    if (id) this.send({ type: 'extended', extId: id, payload: encodeMetadataMessage(m) })
  }

  /** Housekeeping: keep-alive, idle and request timeouts. Returns requests that timed out. */
  tick(now: number): BlockRef[] {
    if (!this.ready) return []
    if (now - this.lastReceivedAt >= this.o.limits.idleTimeoutMs) {
      this.close('idle timeout')
      return []
    }
    // A peer that stops reading while it keeps sending (requests to reject, say) would make our
    // transport buffer grow: a transport blocked this long means the peer is gone or hostile.
    if (this.writeBlocked && now - this.blockedSince >= this.o.limits.writeStallTimeoutMs) {
      this.close('peer stopped reading')
      return []
    }
    if (now - this.lastSentAt >= this.o.limits.keepAliveIntervalMs) this.send({ type: 'keepAlive' })
    const late: BlockRef[] = []
    for (const [k, r] of this.outgoing) {
      if (now - r.sentAt < this.o.limits.requestTimeoutMs) continue
      this.outgoing.delete(k)
      this.remember(k)
      if (!this.caps.fast) this.send({ type: 'cancel', ...r.ref })
      late.push(r.ref)
    }
    return late
  }

  close(reason: string): void {
    if (this.closed) return
    this.transport.close(reason)
    this.finish(reason)
  }

  private finish(reason: string): void {
    if (this.closed) return
    this.closed = true
    this.o.clock.clearTimeout(this.handshakeTimer)
    this.incoming.length = 0
    this.host.closed(this, reason)
  }

  private write(bytes: Uint8Array): void {
    if (this.closed) return
    this.lastSentAt = this.o.clock.now()
    if (!this.transport.write(bytes) && !this.writeBlocked) {
      this.writeBlocked = true
      this.blockedSince = this.lastSentAt
    }
  }

  private remember(k: number): void {
    this.cancelled.add(k)
  }

  private onData(chunk: Uint8Array): void {
    if (this.closed) return
    this.lastReceivedAt = this.o.clock.now()
    try {
      for (const event of this.decoder.push(chunk)) {
        this.onEvent(event)
        if (this.closed) return
      }
    } catch (e) {
      this.close(e instanceof ProtocolError ? `protocol error: ${e.message}` : `error: ${String(e)}`)
    }
  }

  private onEvent(e: WireEvent): void {
    if (e.type === 'handshake') return this.onHandshake(e.handshake)
    if (!this.handshaken) throw new ProtocolError('message before handshake')
    const st = this.state
    switch (e.type) {
      case 'keepAlive':
      case 'port':
      case 'suggest':
      case 'hashRequest':
      case 'hashes':
      case 'hashReject':
        return
      case 'choke':
      case 'unchoke': {
        st.peerChoking = e.type === 'choke'
        const lost: BlockRef[] = []
        if (st.peerChoking && !this.caps.fast) {
          // BEP 3: a choke silently discards our pending requests.
          for (const [k, r] of this.outgoing) {
            lost.push(r.ref)
            this.remember(k)
          }
          this.outgoing.clear()
        }
        return this.host.chokeChanged(this, lost)
      }
      case 'interested':
      case 'notInterested':
        st.peerInterested = e.type === 'interested'
        return this.host.peerInterestChanged(this)
      case 'have':
        this.sawPieces = true
        if (st.addHave(e.index, this.o.limits)) this.host.peerPieces(this, e.index)
        return
      case 'bitfield':
      case 'haveAll':
      case 'haveNone':
        if (this.sawPieces) throw new ProtocolError(`${e.type} after the peer announced pieces`)
        if (e.type !== 'bitfield' && !this.caps.fast) throw new ProtocolError(`${e.type} without the fast extension`)
        this.sawPieces = true
        st.setPieces(e.type === 'bitfield' ? e.bits : e.type === 'haveAll')
        return this.host.peerPieces(this)
      case 'request':
        return this.onRequest(e)
      case 'cancel': {
        const at = this.incoming.findIndex((r) => r.index === e.index && r.begin === e.begin && r.length === e.length)
        if (at >= 0) {
          this.incoming.splice(at, 1)
          if (this.caps.fast) this.send({ type: 'reject', index: e.index, begin: e.begin, length: e.length })
        }
        return
      }
      case 'piece':
        return this.onPiece(e.index, e.begin, e.block)
      case 'reject': {
        if (!this.caps.fast) throw new ProtocolError('reject without the fast extension')
        const k = key(e.index, e.begin)
        const r = this.outgoing.get(k)
        if (r) {
          this.outgoing.delete(k)
          this.host.rejected(this, r.ref)
        }
        return
      }
      case 'allowedFast':
        if (!this.caps.fast) throw new ProtocolError('allowed fast without the fast extension')
        st.addAllowedFast(e.index, this.o.limits)
        return
      case 'extended':
        return this.onExtended(e.extId, e.payload)
    }
  }

  private onHandshake(h: Handshake): void {
    if (this.handshaken) throw new ProtocolError('second handshake')
    if (!bytesEqual(h.infoHash, this.o.infoHash)) return this.close('wrong info hash')
    this.remotePeerId = h.peerId
    this.caps = capabilitiesOf(h.reserved)
    if (!this.host.accept(this, h)) return this.close('refused')
    this.handshaken = true
    this.o.clock.clearTimeout(this.handshakeTimer)
    const us = this.host.announce(this)
    if (this.caps.extended) {
      const m: ExtendedHandshake = { m: { [METADATA_EXTENSION]: LOCAL_METADATA_ID }, v: this.o.client, reqq: this.o.limits.advertisedReqq }
      if (us.metadataSize !== undefined) m.metadataSize = us.metadataSize
      this.send({ type: 'extended', extId: EXTENDED_HANDSHAKE_ID, payload: encodeExtendedHandshake(m) })
    }
    if (this.caps.fast) {
      if (us.all) this.send({ type: 'haveAll' })
      else if (us.have && us.have.some((b) => b !== 0)) this.send({ type: 'bitfield', bits: us.have })
      else this.send({ type: 'haveNone' })
    } else if (us.have && us.have.some((b) => b !== 0)) {
      this.send({ type: 'bitfield', bits: us.have })
    }
  }

  private onRequest(r: BlockRef): void {
    const bad = (why: string): void => {
      if (this.caps.fast) this.send({ type: 'reject', index: r.index, begin: r.begin, length: r.length })
      if (++this.badRequests > MAX_BAD_REQUESTS) this.close(`too many bad requests (${why})`)
    }
    if (r.length > this.o.limits.maxRequestLength) return this.close(`request of ${r.length} bytes`)
    if (!this.host.validBlock(r)) return bad('out of range')
    if (!this.host.haveVerified(r.index)) return bad('piece we do not have')
    if (this.state.amChoking && !(this.caps.fast && this.state.allowedFastForPeer.has(r.index))) {
      // BEP 6: a choked peer's request is rejected; without fast it may be in flight across the choke.
      if (this.caps.fast) this.send({ type: 'reject', index: r.index, begin: r.begin, length: r.length })
      return
    }
    if (this.incoming.length >= this.o.limits.maxPeerRequestQueue) {
      if (!this.caps.fast) return this.close('request flood')
      return bad('queue full')
    }
    this.incoming.push({ index: r.index, begin: r.begin, length: r.length })
    this.host.requestQueued(this)
  }

  private onPiece(index: number, begin: number, block: Uint8Array): void {
    const k = key(index, begin)
    const r = this.outgoing.get(k)
    if (!r || r.ref.length !== block.length) {
      if (this.cancelled.delete(k)) {
        this.lateBytes += block.length // a late answer to a request we withdrew (endgame, timeout)
        return
      }
      // BEP 6: with fast, an unrequested piece is a protocol violation.
      if (this.caps.fast || ++this.unrequested > this.o.limits.maxUnrequestedPieces) throw new ProtocolError('unrequested piece')
      return
    }
    this.outgoing.delete(k)
    this.state.downloaded(block.length, this.o.clock.now())
    this.host.block(this, r.ref, block)
  }

  private onExtended(extId: number, payload: Uint8Array): void {
    if (!this.caps.extended) throw new ProtocolError('extended message without the extension bit')
    if (extId === EXTENDED_HANDSHAKE_ID) {
      this.peerExtensions = decodeExtendedHandshake(payload)
      return this.host.extendedHandshake(this, this.peerExtensions)
    }
    if (extId === LOCAL_METADATA_ID) {
      const m = decodeMetadataMessage(payload)
      if (m) this.host.metadata(this, m)
    }
  }
}
