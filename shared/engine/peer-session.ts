import { toHex } from '../bytes.ts'
import { ProtocolError } from '../errors.ts'
import { WireDecoder, type WireEvent } from '../wire/decoder.ts'
import { encodeMessage, encodePieceParts } from '../wire/encoder.ts'
import { decodeExtendedHandshake, encodeExtendedHandshake, EXTENDED_HANDSHAKE_ID } from '../wire/extended.ts'
import { capabilitiesOf, encodeHandshake, reservedFor } from '../wire/handshake.ts'
import { BLOCK_SIZE } from './limits.ts'
import { decodeMetadataMessage, encodeMetadataMessage, METADATA_EXTENSION } from '../wire/metadata.ts'
import type { BlockRef, Capabilities, ExtendedHandshake, Handshake, Message, MetadataMessage } from '../wire/messages.ts'
import { PeerState } from './peer-state.ts'
import type { Transport } from './ports.ts'
import { IncomingRequests, OutgoingRequests } from './request-queues.ts'
import type { SessionHost, SessionOptions } from './session-host.ts'
import { answerHandshake, openingHandshake, type OurHandshake, type SwarmIds } from './swarm-ids.ts'

export type { SessionHost, SessionOptions } from './session-host.ts'

/** Our local id for ut_metadata in the `m` dict we advertise (BEP 10). */
export const LOCAL_METADATA_ID = 3

/** Requests from a peer that do not fit the torrent or our state, tolerated before we close. */
const MAX_BAD_REQUESTS = 32

// One peer connection: the wire protocol and its rules (BEP 3 handshake and messages, BEP 6 fast,
// BEP 10 extended, BEP 9 ut_metadata framing), timeouts and bounded queues. Decisions (what to
// request, whom to unchoke, what to serve) belong to the torrent, told through `SessionHost`. The
// session owns both request queues: the downloader and uploader change them only through its methods.

export class PeerSession {
  readonly id: number
  readonly state: PeerState
  /** Payload that arrived for requests we had cancelled: endgame's price. */
  lateBytes = 0
  cancelsSent = 0
  private _remotePeerId: Uint8Array | null = null
  private _peerKey: string | null = null
  private _caps: Capabilities = { extended: false, fast: false, dht: false, v2: false }
  private _peerExtensions: ExtendedHandshake | null = null
  private _writeBlocked = false
  private _closed = false
  private _v2 = false
  /** Our handshake, once sent (a hybrid's dialled side sends it after the peer's). */
  private sentHandshake: OurHandshake | null = null
  /** Our requests awaiting an answer, and those withdrawn (endgame, timeouts). */
  private readonly outgoing: OutgoingRequests
  /** The peer's requests awaiting service. */
  private readonly incoming = new IncomingRequests()
  private readonly decoder: WireDecoder
  private handshaken = false
  private sawPieces = false
  private lastReceivedAt: number
  private lastSentAt: number
  private blockedSince = 0
  private handshakeTimer: unknown
  private unrequested = 0
  private badRequests = 0

  constructor(readonly transport: Transport, private readonly host: SessionHost<PeerSession>, private readonly o: SessionOptions) {
    this.id = o.id
    const now = o.clock.now()
    this.state = new PeerState(now, o.limits.rateWindowMs)
    if (o.pieceCount !== undefined) this.state.setPieceCount(o.pieceCount)
    this.outgoing = new OutgoingRequests(o.limits.maxCancelledRemembered)
    this.lastReceivedAt = now
    this.lastSentAt = now
    // Blocks (ours and the peer's requests) may be up to the larger of what we serve and what we ask.
    // Blocks borrowed from the transport's chunk: onData hands each piece event, synchronously, to the
    // downloader, which copies the block into its piece buffer (Downloader.block).
    this.decoder = new WireDecoder({ pieceCount: o.pieceCount, borrowBlocks: true, limits: { maxBlockLength: Math.max(BLOCK_SIZE, o.limits.maxRequestLength, o.limits.requestLength) } })
    transport.onData = (chunk) => this.onData(chunk)
    transport.onDrain = () => {
      this._writeBlocked = false
      host.drained(this)
    }
    transport.onClose = (reason) => this.finish(reason ?? 'closed')
    this.handshakeTimer = o.clock.setTimeout(() => this.close('handshake timeout'), o.limits.handshakeTimeoutMs)
    // Both sides send the handshake at once (WebTorrent does), whoever initiated; except the dialled
    // side of a hybrid, which answers the dialler's choice of v1 or v2 (swarm-ids.ts).
    const opening = openingHandshake(this.swarmIds(), o.initiator, o.swarmId)
    if (opening) this.sendHandshake(opening)
  }

  /** The connection speaks BEP 52 (v2 info hash, or the upgrade accepted): hash messages are allowed. */
  get v2(): boolean {
    return this._v2
  }

  get ready(): boolean {
    return this.handshaken && !this._closed
  }

  /** The adapter's name for this connection's kind ('tcp', 'webrtc'), if it gave one. */
  get kind(): string | null {
    return this.o.kind ?? null
  }

  /** Another connection to a peer that has one already (PeerInfo.lane). */
  get lane(): boolean {
    return this.o.lane === true
  }

  /** The peer's IP address, if the transport knows it. */
  get address(): string | null {
    return this.o.address ?? null
  }

  get closed(): boolean {
    return this._closed
  }

  /** The transport refused our last write (back-pressure) and has not drained since. */
  get writeBlocked(): boolean {
    return this._writeBlocked
  }

  get remotePeerId(): Uint8Array | null {
    return this._remotePeerId
  }

  /** The peer's id in hex once handshaken: the key bans and blame are kept under. */
  get peerKey(): string | null {
    return this._peerKey
  }

  get caps(): Capabilities {
    return this._caps
  }

  get peerExtensions(): ExtendedHandshake | null {
    return this._peerExtensions
  }

  // ---- our requests (the downloader's side) ----------------------------------------------------

  /** The length of the requests we send this peer: larger than 16 KiB only if it serves that (BEP 10 `swarmdrop_max_block`). */
  get blockLength(): number {
    const theirs = this._peerExtensions?.maxBlock ?? BLOCK_SIZE
    return Math.max(BLOCK_SIZE, Math.min(this.o.limits.requestLength, theirs) - (Math.min(this.o.limits.requestLength, theirs) % BLOCK_SIZE))
  }

  /** Requests we sent that await an answer. */
  get outstandingRequests(): number {
    return this.outgoing.size
  }

  hasRequested(index: number, begin: number): boolean {
    return this.outgoing.has(index, begin)
  }

  /** Our requests awaiting an answer, oldest first (the order the peer serves them). */
  outstanding(): BlockRef[] {
    return this.outgoing.refs()
  }

  request(ref: BlockRef): void {
    this.outgoing.add(ref, this.o.clock.now())
    this.send({ type: 'request', ...ref })
  }

  cancel(ref: BlockRef): void {
    if (!this.outgoing.withdraw(ref)) return
    this.cancelsSent++
    this.send({ type: 'cancel', ...ref })
  }

  /**
   * Cancel whatever pending request covers the block at `begin` (endgame: that block arrived from
   * someone else). Returns the cancelled request, whose other blocks the caller frees, or null.
   */
  cancelCovering(index: number, begin: number): BlockRef | null {
    const ref = this.outgoing.covering(index, begin)
    if (!ref) return null
    this.cancel(ref)
    return ref
  }

  // ---- the peer's requests (the uploader's side) -----------------------------------------------

  /** Requests from the peer that await service. */
  get queuedRequests(): number {
    return this.incoming.length
  }

  /** The oldest queued request, taken off the queue. */
  nextQueuedRequest(): BlockRef | undefined {
    return this.incoming.shift()
  }

  /** We will not serve this request: tell the peer if it understands rejects (BEP 6). */
  reject(ref: BlockRef): void {
    if (this._caps.fast) this.send({ type: 'reject', index: ref.index, begin: ref.begin, length: ref.length })
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
    // One write, so one data-channel message per block rather than two: on the receiving side every
    // message is a task of its own; the copy of the block costs far less (docs/performance.md).
    const [header, data] = encodePieceParts(index, begin, block)
    const message = new Uint8Array(header.length + data.length)
    message.set(header)
    message.set(data, header.length)
    this.write(message)
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
      for (const r of this.incoming.clear()) this.reject(r)
    }
  }

  setInterested(interested: boolean): void {
    if (this.state.amInterested === interested || !this.ready) return
    this.state.amInterested = interested
    this.send({ type: interested ? 'interested' : 'notInterested' })
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
    if (this._writeBlocked && now - this.blockedSince >= this.o.limits.writeStallTimeoutMs) {
      this.close('peer stopped reading')
      return []
    }
    if (now - this.lastSentAt >= this.o.limits.keepAliveIntervalMs) this.send({ type: 'keepAlive' })
    const late = this.outgoing.expired(now, this.o.limits.requestTimeoutMs)
    if (!this._caps.fast) for (const r of late) this.send({ type: 'cancel', ...r })
    return late
  }

  close(reason: string): void {
    if (this._closed) return
    this.transport.close(reason)
    this.finish(reason)
  }

  private finish(reason: string): void {
    if (this._closed) return
    this._closed = true
    this.o.clock.clearTimeout(this.handshakeTimer)
    this.incoming.clear()
    this.host.closed(this, reason, this.outgoing.clear())
  }

  private write(bytes: Uint8Array): void {
    if (this._closed) return
    this.lastSentAt = this.o.clock.now()
    if (!this.transport.write(bytes) && !this._writeBlocked) {
      this._writeBlocked = true
      this.blockedSince = this.lastSentAt
    }
  }

  private swarmIds(): SwarmIds {
    return this.o.swarmIds?.() ?? { primary: this.o.infoHash, v1: this.o.infoHash, v2: null }
  }

  private sendHandshake(h: OurHandshake): void {
    this.sentHandshake = h
    this.write(encodeHandshake({ infoHash: h.infoHash, peerId: this.o.peerId, reserved: reservedFor({ extended: true, fast: true, v2: h.upgrade }) }))
  }

  private onData(chunk: Uint8Array): void {
    if (this._closed) return
    this.lastReceivedAt = this.o.clock.now()
    try {
      for (const event of this.decoder.push(chunk)) {
        this.onEvent(event)
        if (this._closed) return
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
        return
      case 'hashRequest':
      case 'hashes':
      case 'hashReject':
        // libtorrent disconnects a peer that sends these on a v1 connection; so do we.
        if (!this._v2) throw new ProtocolError(`${e.type} on a connection that is not v2 (BEP 52)`)
        return this.host.hashMessage?.(this, e)
      case 'choke':
      case 'unchoke': {
        st.peerChoking = e.type === 'choke'
        // BEP 3: without fast, a choke silently discards our pending requests.
        const lost = st.peerChoking && !this._caps.fast ? this.outgoing.withdrawAll() : []
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
        if (this.sawPieces) {
          if (e.type === 'bitfield') return this.host.peerPiecesReplaced(this, st.replaceBitfield(e.bits))
          throw new ProtocolError(`${e.type} after the peer announced pieces`) // BEP 6: only as the first message
        }
        if (e.type !== 'bitfield' && !this._caps.fast) throw new ProtocolError(`${e.type} without the fast extension`)
        this.sawPieces = true
        st.setPieces(e.type === 'bitfield' ? e.bits : e.type === 'haveAll')
        return this.host.peerPieces(this)
      case 'request':
        return this.onRequest(e)
      case 'cancel':
        if (this.incoming.remove(e)) this.reject(e)
        return
      case 'piece':
        return this.onPiece(e.index, e.begin, e.block)
      case 'reject': {
        if (!this._caps.fast) throw new ProtocolError('reject without the fast extension')
        const ref = this.outgoing.rejected(e.index, e.begin)
        if (ref) this.host.rejected(this, ref)
        return
      }
      case 'allowedFast':
        if (!this._caps.fast) throw new ProtocolError('allowed fast without the fast extension')
        st.addAllowedFast(e.index, this.o.limits)
        return
      case 'extended':
        return this.onExtended(e.extId, e.payload)
    }
  }

  private onHandshake(h: Handshake): void {
    if (this.handshaken) throw new ProtocolError('second handshake')
    this._caps = capabilitiesOf(h.reserved)
    const verdict = answerHandshake(this.swarmIds(), this.sentHandshake, { infoHash: h.infoHash, upgrade: this._caps.v2 })
    if (!verdict.accept) return this.close('wrong info hash')
    this._v2 = verdict.v2
    this._remotePeerId = h.peerId
    this._peerKey = toHex(h.peerId)
    if (!this.host.accept(this, h)) return this.close('refused')
    if (verdict.reply) this.sendHandshake(verdict.reply)
    this.handshaken = true
    this.o.clock.clearTimeout(this.handshakeTimer)
    const us = this.host.announce(this)
    if (this._caps.extended) {
      const m: ExtendedHandshake = { m: { [METADATA_EXTENSION]: LOCAL_METADATA_ID }, v: this.o.client, reqq: this.o.limits.advertisedReqq }
      if (this.o.limits.maxRequestLength > BLOCK_SIZE) m.maxBlock = this.o.limits.maxRequestLength
      if (us.metadataSize !== undefined) m.metadataSize = us.metadataSize
      this.send({ type: 'extended', extId: EXTENDED_HANDSHAKE_ID, payload: encodeExtendedHandshake(m) })
    }
    if (this._caps.fast) {
      if (us.all) this.send({ type: 'haveAll' })
      else if (us.have && us.have.some((b) => b !== 0)) this.send({ type: 'bitfield', bits: us.have })
      else this.send({ type: 'haveNone' })
    } else if (us.have && us.have.some((b) => b !== 0)) {
      this.send({ type: 'bitfield', bits: us.have })
    }
  }

  private onRequest(r: BlockRef): void {
    const bad = (why: string): void => {
      this.reject(r)
      if (++this.badRequests > MAX_BAD_REQUESTS) this.close(`too many bad requests (${why})`)
    }
    if (r.length > this.o.limits.maxRequestLength) return this.close(`request of ${r.length} bytes`)
    if (!this.host.validBlock(r)) return bad('out of range')
    if (!this.host.haveVerified(r.index)) return bad('piece we do not have')
    if (this.state.amChoking && !(this._caps.fast && this.state.allowedFastForPeer.has(r.index))) {
      // BEP 6: a choked peer's request is rejected; without fast it may be in flight across the choke.
      this.reject(r)
      return
    }
    if (this.incoming.length >= this.o.limits.maxPeerRequestQueue) {
      if (!this._caps.fast) return this.close('request flood')
      return bad('queue full')
    }
    this.incoming.push(r)
    this.host.requestQueued(this)
  }

  private onPiece(index: number, begin: number, block: Uint8Array): void {
    const ref = this.outgoing.answer(index, begin, block.length)
    if (ref === 'late') {
      this.lateBytes += block.length // a late answer to a request we withdrew (endgame, timeout)
      return
    }
    if (!ref) {
      // BEP 6: with fast, an unrequested piece is a protocol violation.
      if (this._caps.fast || ++this.unrequested > this.o.limits.maxUnrequestedPieces) throw new ProtocolError('unrequested piece')
      return
    }
    this.state.downloaded(block.length, this.o.clock.now())
    this.host.block(this, ref, block)
  }

  private onExtended(extId: number, payload: Uint8Array): void {
    if (!this._caps.extended) throw new ProtocolError('extended message without the extension bit')
    if (extId === EXTENDED_HANDSHAKE_ID) {
      const h = decodeExtendedHandshake(payload)
      this._peerExtensions = h
      return this.host.extendedHandshake(this, h)
    }
    if (extId === LOCAL_METADATA_ID) {
      const m = decodeMetadataMessage(payload)
      if (m) this.host.metadata(this, m)
    }
  }
}
