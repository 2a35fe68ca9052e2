import { WireDecoder, type WireEvent } from '../../wire/decoder.ts'
import { encodeMessage } from '../../wire/encoder.ts'
import { encodeHandshake, reservedFor } from '../../wire/handshake.ts'
import { MAX_NEGOTIATED_BLOCK } from '../../wire/limits.ts'
import type { Capabilities, Message } from '../../wire/messages.ts'
import type { Transport } from '../ports.ts'

/** A scripted peer speaking raw wire bytes: hostile peers in tests are made of these. */
export class RawPeer {
  readonly events: WireEvent[] = []
  closed = false
  // Blocks up to what two swarmdrop peers may negotiate (BEP 10 swarmdrop_max_block).
  private readonly decoder = new WireDecoder({ limits: { maxBlockLength: MAX_NEGOTIATED_BLOCK } })

  constructor(readonly transport: Transport, infoHash: Uint8Array, peerId: Uint8Array, caps: Partial<Capabilities> = { extended: true, fast: true }) {
    transport.onData = (chunk) => {
      try {
        this.events.push(...this.decoder.push(chunk))
      } catch {
        // We only watch what the engine sends; a decode failure here is not the engine's.
      }
    }
    transport.onClose = () => {
      this.closed = true
    }
    transport.write(encodeHandshake({ infoHash, peerId, reserved: reservedFor(caps) }))
  }

  send(...messages: Message[]): void {
    for (const m of messages) this.transport.write(encodeMessage(m))
  }

  raw(bytes: Uint8Array): void {
    this.transport.write(bytes)
  }

  count(type: WireEvent['type']): number {
    return this.events.filter((e) => e.type === type).length
  }
}
