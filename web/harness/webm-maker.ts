import { ArrayBufferTarget, Muxer } from 'webm-muxer'

// Test-only: a seekable WebM made in the browser (e2e/app-stream.spec.ts). Frames of a canvas (a
// frame counter over noise, so the encoder cannot squeeze them) are encoded with WebCodecs' VP8
// encoder as fast as it goes (MediaRecorder would take the video's real duration) and muxed with
// webm-muxer, which writes the duration and the cues a player needs to seek.

export async function makeWebm(options: { seconds: number; width: number; height: number; fps: number; bitrate: number }): Promise<Uint8Array> {
  const { seconds, width, height, fps, bitrate } = options
  const muxer = new Muxer({ target: new ArrayBufferTarget(), video: { codec: 'V_VP8', width, height, frameRate: fps }, firstTimestampBehavior: 'offset' })
  let failure: unknown = null
  const encoder = new VideoEncoder({ output: (chunk, meta) => muxer.addVideoChunk(chunk, meta), error: (e) => (failure = e) })
  encoder.configure({ codec: 'vp8', width, height, bitrate, framerate: fps, latencyMode: 'quality' })
  const canvas = new OffscreenCanvas(width, height)
  const ctx = canvas.getContext('2d')!
  const noise = ctx.createImageData(width, height)
  let x = 0x9e3779b9
  for (let i = 0; i < seconds * fps; i++) {
    for (let k = 0; k < noise.data.length; k += 4) {
      x ^= x << 13
      x ^= x >>> 17
      x ^= x << 5
      noise.data[k] = x & 255
      noise.data[k + 1] = (x >>> 8) & 255
      noise.data[k + 2] = (x >>> 16) & 255
      noise.data[k + 3] = 255
    }
    ctx.putImageData(noise, 0, 0)
    ctx.fillStyle = '#fff'
    ctx.font = `${Math.floor(height / 4)}px sans-serif`
    ctx.fillText(String(i), 10, height / 2)
    const frame = new VideoFrame(canvas, { timestamp: Math.round((i * 1e6) / fps), duration: Math.round(1e6 / fps) })
    encoder.encode(frame, { keyFrame: i % fps === 0 })
    frame.close()
    while (encoder.encodeQueueSize > 8) await new Promise((r) => setTimeout(r, 1))
    if (failure) throw failure
  }
  await encoder.flush()
  encoder.close()
  muxer.finalize()
  return new Uint8Array(muxer.target.buffer)
}
