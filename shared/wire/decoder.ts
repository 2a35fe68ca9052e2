// Incremental peer-wire decoder: bytes arrive in chunks of any size (a WebRTC data channel does not
// keep wire message boundaries). Memory and copying are bounded:
// - a length prefix above the limit is refused as soon as its 4 bytes are in, and a payload length
//   the message id does not allow as soon as the id byte is in: nothing is buffered toward either;
// - a message split across chunks is copied once into a buffer of exactly its payload size (at most
//   the limit), so many tiny chunks cost O(total bytes), never O(n^2) concatenation;
// - a message wholly inside one chunk has its payload copied out of that chunk once.
// Every payload (block, bits, extended payload) is therefore a fresh array the decoder never
// touches again, and no input chunk is retained after push() returns: callers may reuse them.
// Except with `borrowBlocks`: a piece message wholly inside one chunk then hands out its block as a
// view of that chunk, for a caller that copies each block out before push() returns (the engine's
// session: into the downloader's piece buffer). One allocation and copy fewer per block: in a browser,
// a garbage ArrayBuffer fewer per data-channel message.
import { ProtocolError } from '../errors.ts'
import { checkProtocolPrefix, decodeHandshake, HANDSHAKE_LENGTH } from './handshake.ts'
import { defaultLimits, type DecoderLimits } from './limits.ts'
import { MessageId, type Handshake, type Message } from './messages.ts'
import { checkPayloadLength, parsePayload } from './payload.ts'

export type { DecoderLimits } from './limits.ts'

export type WireEvent = { type: 'handshake'; handshake: Handshake } | Message

/** 4-byte length prefix plus the id byte. */
const HEADER_LENGTH = 5

/** No torrent needs more pieces than this (a 2^32-byte bitfield would not even be addressable). */
const MAX_PIECE_COUNT = 0x7fffffff

export interface WireDecoderOptions {
  /** Whether the stream starts with the 68-byte handshake (default true). */
  expectHandshake?: boolean
  /** Piece count, once known: bounds bitfield length and piece indices exactly. */
  pieceCount?: number
  limits?: Partial<DecoderLimits>
  /** Piece blocks wholly inside one chunk are views of it, not copies: the caller copies them out
   *  before push() returns (see the top of this file). Default false. */
  borrowBlocks?: boolean
}

export class WireDecoder {
  private readonly limits: DecoderLimits
  private pieceCount: number | undefined
  private awaitingHandshake: boolean
  private readonly borrowBlocks: boolean
  // The handshake or a message header being assembled across chunks.
  private readonly head = new Uint8Array(HANDSHAKE_LENGTH)
  private headFill = 0
  // The payload of the current message, once its header is in and it spans chunks.
  private payload: Uint8Array | null = null
  private payloadFill = 0
  private payloadId = 0
  private failure: ProtocolError | null = null

  constructor(options: WireDecoderOptions = {}) {
    this.limits = defaultLimits(options.limits)
    this.awaitingHandshake = options.expectHandshake ?? true
    this.borrowBlocks = options.borrowBlocks ?? false
    if (options.pieceCount !== undefined) this.setPieceCount(options.pieceCount)
  }

  /** Once metadata is known (after a magnet's BEP 9 exchange): bitfields and indices are then exact. */
  setPieceCount(n: number): void {
    if (!Number.isInteger(n) || n < 1 || n > MAX_PIECE_COUNT) throw new RangeError(`piece count must be 1..${MAX_PIECE_COUNT}, got ${n}`)
    this.pieceCount = n
  }

  /** Bytes held awaiting a complete handshake or message; at most 5 + the message length limit. */
  buffered(): number {
    return this.payload ? HEADER_LENGTH + this.payloadFill : this.headFill
  }

  /**
   * Decodes every complete handshake/message that `chunk` finishes. Throws ProtocolError on the
   * first violation; the decoder is then dead and throws that same error on every later push.
   */
  push(chunk: Uint8Array): WireEvent[] {
    if (this.failure) throw this.failure
    try {
      return this.consume(chunk)
    } catch (error) {
      // Anything but a ProtocolError would be a bug here: it is rethrown as is (the fuzz test
      // relies on seeing it), and the decoder is dead either way.
      this.failure = error instanceof ProtocolError ? error : new ProtocolError(`decoder failed after an internal error`)
      this.payload = null
      throw error
    }
  }

  private consume(chunk: Uint8Array): WireEvent[] {
    const events: WireEvent[] = []
    const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    let at = 0
    while (at < chunk.length) {
      if (this.awaitingHandshake) {
        const take = Math.min(HANDSHAKE_LENGTH - this.headFill, chunk.length - at)
        this.head.set(chunk.subarray(at, at + take), this.headFill)
        checkProtocolPrefix(this.head, this.headFill, this.headFill + take)
        this.headFill += take
        at += take
        if (this.headFill === HANDSHAKE_LENGTH) {
          events.push({ type: 'handshake', handshake: decodeHandshake(this.head) })
          this.awaitingHandshake = false
          this.headFill = 0
        }
        continue
      }

      if (this.payload) {
        const take = Math.min(this.payload.length - this.payloadFill, chunk.length - at)
        this.payload.set(chunk.subarray(at, at + take), this.payloadFill)
        this.payloadFill += take
        at += take
        if (this.payloadFill === this.payload.length) {
          events.push(parsePayload(this.payloadId, this.payload, this.limits, this.pieceCount))
          this.payload = null
          this.payloadFill = 0
        }
        continue
      }

      // Header: read straight from the chunk when it is all there, else assembled byte by byte.
      let length: number
      let id: number
      if (this.headFill === 0 && chunk.length - at >= HEADER_LENGTH) {
        length = view.getUint32(at)
        this.checkLength(length)
        if (length === 0) {
          events.push({ type: 'keepAlive' })
          at += 4
          continue
        }
        id = chunk[at + 4] ?? 0
        at += HEADER_LENGTH
      } else {
        this.head[this.headFill++] = chunk[at++] ?? 0
        if (this.headFill < 4) continue
        length = ((this.head[0] ?? 0) * 0x1000000 + (this.head[1] ?? 0) * 0x10000 + (this.head[2] ?? 0) * 0x100 + (this.head[3] ?? 0))
        if (this.headFill === 4) {
          this.checkLength(length)
          if (length === 0) {
            events.push({ type: 'keepAlive' })
            this.headFill = 0
          }
          continue
        }
        id = this.head[4] ?? 0
        this.headFill = 0
      }

      const payloadLength = length - 1
      checkPayloadLength(id, payloadLength, this.limits, this.pieceCount)
      if (chunk.length - at >= payloadLength) {
        // Whole payload in this chunk: one copy out, so nothing aliases the caller's chunk (unless
        // the caller borrows blocks).
        const borrow = this.borrowBlocks && id === MessageId.piece
        events.push(parsePayload(id, borrow ? chunk.subarray(at, at + payloadLength) : chunk.slice(at, at + payloadLength), this.limits, this.pieceCount))
        at += payloadLength
      } else {
        this.payload = new Uint8Array(payloadLength)
        this.payloadId = id
      }
    }
    return events
  }

  private checkLength(length: number): void {
    if (length > this.limits.maxMessageLength) {
      throw new ProtocolError(`message length ${length} exceeds the limit of ${this.limits.maxMessageLength}`)
    }
  }
}
