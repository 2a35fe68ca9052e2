// The tracker writes its text frames itself (Conn.sendText): each must be what ws's own parser reads
// back as the same message, at every header size RFC 6455 5.2 has (7-bit, 16-bit, 64-bit lengths).

import { describe, expect, it } from 'vitest'
import * as ws from 'ws'
import { textFrame } from './connection.ts'

// ws's frame parser; @types/ws does not declare it.
interface FrameReader extends NodeJS.WritableStream { on(event: string, listener: (...args: never[]) => void): this }
const Receiver = (ws as unknown as { Receiver: new (options: object) => FrameReader }).Receiver

/** The messages ws's Receiver (client side: frames from a server are unmasked) reads from `bytes`. */
function readBack(bytes: Buffer): Promise<{ messages: string[]; error: Error | null }> {
  return new Promise(resolve => {
    const messages: string[] = []
    const receiver = new Receiver({ isServer: false, maxPayload: 0 })
    receiver.on('message', (data: Buffer, isBinary: boolean) => messages.push(isBinary ? '<binary>' : data.toString()))
    receiver.on('error', (error: Error) => resolve({ messages, error }))
    receiver.write(bytes, () => { setImmediate(() => resolve({ messages, error: null })) })
  })
}

describe('textFrame', () => {
  it.each([0, 1, 125, 126, 127, 65_535, 65_536, 200_000])('frames a %i-byte message as ws reads it', async bytes => {
    const text = 'x'.repeat(bytes)
    const frame = textFrame(text)
    expect(frame.length).toBe(bytes + (bytes < 126 ? 2 : bytes < 65_536 ? 4 : 10))
    expect(await readBack(frame)).toEqual({ messages: [text], error: null })
  })

  it('counts UTF-8 bytes, not UTF-16 units, and keeps several frames apart', async () => {
    const a = '{"sdp":"ünïcödé ✓ 𝄞"}'
    const b = 'é'.repeat(100) // 100 characters, 200 bytes: the 16-bit length form
    const frames = Buffer.concat([textFrame(a), textFrame(b), textFrame('')])
    expect(textFrame(b)[1]).toBe(126)
    expect(await readBack(frames)).toEqual({ messages: [a, b, ''], error: null })
  })
})
