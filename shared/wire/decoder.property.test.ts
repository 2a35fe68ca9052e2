// Property: any handshake + message sequence, encoded and cut into chunks anywhere, decodes to itself.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { concatBytes } from '../bytes.ts'
import { WireDecoder, type WireEvent } from './decoder.ts'
import type { Message } from './messages.ts'
import { encodeMessage } from './encoder.ts'
import { arbHandshake, arbMessage, comparable, decodeAll, handshakeBytes, splitAt } from './test-support/arbitraries.ts'

const scenario = fc
  .integer({ min: 1, max: 3000 })
  .chain((pieceCount) =>
    fc.record({
      pieceCount: fc.constant(pieceCount),
      handshake: arbHandshake(),
      messages: fc.array(arbMessage(pieceCount), { maxLength: 30 }),
      cuts: fc.array(fc.nat({ max: 200_000 }), { maxLength: 60 }),
      knownPieceCount: fc.boolean(),
    }),
  )

describe('WireDecoder (property)', () => {
  it('decodes a randomly chunked stream to the original handshake and messages', () => {
    fc.assert(
      fc.property(scenario, ({ pieceCount, handshake, messages, cuts, knownPieceCount }) => {
        const stream = concatBytes([handshakeBytes(handshake), ...messages.map(encodeMessage)])
        const expected: WireEvent[] = [{ type: 'handshake', handshake }, ...messages]
        const options = knownPieceCount ? { pieceCount } : {}
        // Random cut points, every byte on its own, and everything in one chunk.
        const splits = [splitAt(stream, cuts.map((c) => c % (stream.length + 1))), [stream]]
        // One byte per push is slow on streams with many 16 KiB blocks; short streams cover it.
        if (stream.length <= 20_000) splits.push(splitAt(stream, [...stream.keys()]))
        for (const chunks of splits) {
          const decoder = new WireDecoder(options)
          expect(comparable(decodeAll(decoder, chunks))).toEqual(comparable(expected))
          expect(decoder.buffered()).toBe(0)
        }
      }),
      { numRuns: 300 },
    )
  })

  it('holds only the unfinished tail between pushes', () => {
    fc.assert(
      fc.property(fc.array(arbMessage(100), { minLength: 1, maxLength: 10 }), fc.nat(), (messages, cutSeed) => {
        const stream = concatBytes(messages.map(encodeMessage))
        const cut = cutSeed % stream.length
        const decoder = new WireDecoder({ expectHandshake: false })
        const before = decoder.push(stream.subarray(0, cut))
        // Everything after the last complete message is buffered, and nothing else.
        const doneBytes = concatBytes(before.map((m) => encodeMessage(m as Message))).length
        expect(decoder.buffered()).toBe(cut - doneBytes)
        expect(comparable([...before, ...decoder.push(stream.subarray(cut))])).toEqual(comparable(messages))
      }),
      { numRuns: 300 },
    )
  })
})
