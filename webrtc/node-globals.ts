// simple-peer 9.11.1 and its readable-stream 3 were written for browserify, which supplied Node's
// `global` and `process` to every module. Vite does not, and simple-peer throws "global is not defined"
// at load (randombytes reads `global.crypto` at module evaluation). Import this module before
// simple-peer (webrtc-transport.ts does) so those two names exist; `Buffer` and `events` come from the
// `buffer` and `events` npm packages that the CommonJS code requires explicitly.
// Kept minimal on purpose: only what those packages touch.

interface NodeishGlobal {
  global?: unknown
  process?: { env: Record<string, string>; browser: boolean; version: string; nextTick: (fn: (...args: unknown[]) => void, ...args: unknown[]) => void }
}

const g = globalThis as unknown as NodeishGlobal
if (g.global === undefined) g.global = globalThis
if (g.process === undefined) {
  g.process = {
    env: {},
    browser: true,
    version: '',
    // readable-stream schedules its stream state changes with nextTick; a microtask keeps the ordering.
    nextTick: (fn, ...args) => queueMicrotask(() => fn(...args)),
  }
}

export {}
