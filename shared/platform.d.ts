// The web-platform globals that both browsers and Node (>= 20) provide, declared narrowly so the
// rest of shared/ can use them without pulling in the whole DOM lib (see shared/tsconfig.json).
declare class TextEncoder {
  encode(input?: string): Uint8Array<ArrayBuffer>
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean })
  decode(input?: Uint8Array): string
}
declare const crypto: {
  subtle: { digest(algorithm: 'SHA-1' | 'SHA-256', data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer> }
  getRandomValues<T extends Uint8Array>(array: T): T
}
// Timers exist in both; their handles differ (a number in browsers, an object in Node), hence unknown.
declare function setTimeout(fn: () => void, ms: number): unknown
declare function clearTimeout(handle: unknown): void
declare function setInterval(fn: () => void, ms: number): unknown
declare function clearInterval(handle: unknown): void
