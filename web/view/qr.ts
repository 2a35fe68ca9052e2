import qrcode from 'qrcode-generator'

// The share link as a QR code, drawn as one SVG path (crisp at any size, no canvas). The encoding is
// qrcode-generator's (a maintained, dependency-free implementation); this only turns its modules
// into path data.

export interface QrPath {
  /** Modules per side, without the quiet zone. */
  size: number
  /** SVG path data of the dark modules, one unit per module, offset by the 4-module quiet zone. */
  d: string
}

/** Medium error correction: a phone still reads it from a screen at an angle. */
export function qrPath(text: string): QrPath {
  const qr = qrcode(0, 'M')
  qr.addData(text, 'Byte')
  qr.make()
  const size = qr.getModuleCount()
  let d = ''
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      if (!qr.isDark(r, c)) continue
      // Runs of dark modules in a row become one rectangle: a shorter path.
      let run = 1
      while (c + run < size && qr.isDark(r, c + run)) run++
      d += `M${c + 4} ${r + 4}h${run}v1h-${run}z`
      c += run - 1
    }
  }
  return { size, d }
}
