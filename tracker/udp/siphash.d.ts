// Types for the `siphash` package (SipHash-2-4, pure JavaScript, CommonJS), which ships none.
declare module 'siphash' {
  const siphash: {
    /** SipHash-2-4 of `message` under a 128-bit key (four 32-bit words): the 64-bit result as high and low words. */
    hash(key: Uint32Array | readonly number[], message: Uint8Array | string): { h: number; l: number }
  }
  export default siphash
}
