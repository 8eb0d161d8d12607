/**
 * A fake camera for Chromium (`--use-file-for-fake-video-capture`): a Y4M file whose frames show
 * a picture, e.g. the QR code one tablet displays, so the other tablet's scanner reads it through
 * its real camera path. Chromium reads the file when a capture starts, so write the picture before
 * the screen opens the camera.
 */
import { writeFileSync } from 'node:fs'
import type { Page } from 'playwright-core'

export const CAMERA = { width: 640, height: 480 }

/** A grey picture: one luma byte per pixel. */
export interface Luma { width: number; height: number; data: Uint8Array }

/** Writes a Y4M file of `frames` identical frames: `picture` centred on white, scaled to fit `fill` of the height. */
export function writeCamera(path: string, picture: Luma | null, fill = 0.8, frames = 3): void {
  const { width: W, height: H } = CAMERA
  const y = new Uint8Array(W * H).fill(235)
  if (picture) {
    const scale = Math.max(1, Math.floor((H * fill) / Math.max(picture.width, picture.height)))
    const w = picture.width * scale; const h = picture.height * scale
    const x0 = Math.floor((W - w) / 2); const y0 = Math.floor((H - h) / 2)
    for (let row = 0; row < h; row++) {
      for (let col = 0; col < w; col++) {
        const v = picture.data[Math.floor(row / scale) * picture.width + Math.floor(col / scale)]!
        y[(y0 + row) * W + x0 + col] = v < 128 ? 16 : 235
      }
    }
  }
  const chroma = new Uint8Array((W / 2) * (H / 2)).fill(128)
  const text = (s: string) => new TextEncoder().encode(s)
  const parts: Uint8Array[] = [text(`YUV4MPEG2 W${W} H${H} F5:1 Ip A1:1 C420jpeg\n`)]
  for (let i = 0; i < frames; i++) parts.push(text('FRAME\n'), y, chroma, chroma)
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) { out.set(p, at); at += p.length }
  writeFileSync(path, out)
}

/** A canvas on the page (e.g. the QR code a tablet shows) as a grey picture. */
export async function pictureOf(page: Page, testId: string): Promise<Luma> {
  const { width, height, luma } = await page.getByTestId(testId).evaluate((el) => {
    const c = el as HTMLCanvasElement
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data
    let s = ''
    for (let i = 0; i < d.length; i += 4) s += String.fromCharCode(d[i]!)
    return { width: c.width, height: c.height, luma: btoa(s) }
  })
  return { width, height, data: new Uint8Array(Buffer.from(luma, 'base64')) }
}
