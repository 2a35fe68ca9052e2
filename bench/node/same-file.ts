import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'

/** SHA-256 of two files compared (streamed). */
export async function sameFile(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([sha256(a), sha256(b).catch(() => null)])
  return x === y
}

export async function sha256(path: string): Promise<string> {
  const h = createHash('sha256')
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer)
  return h.digest('hex')
}
