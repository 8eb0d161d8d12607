/**
 * Shrinks a photo from the camera to a small JPEG data URL (longest side `max` px), so it
 * costs little to store on the tablet and to sync over 2G.
 */
export async function shrinkPhoto(file: Blob, max = 480, quality = 0.7): Promise<string> {
  const url = URL.createObjectURL(file)
  try {
    const img = new Image()
    img.src = url
    await img.decode()
    const scale = Math.min(1, max / Math.max(img.naturalWidth, img.naturalHeight))
    const canvas = document.createElement('canvas')
    canvas.width = Math.max(1, Math.round(img.naturalWidth * scale))
    canvas.height = Math.max(1, Math.round(img.naturalHeight * scale))
    const ctx = canvas.getContext('2d')
    if (!ctx) throw new Error('no canvas')
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height)
    return canvas.toDataURL('image/jpeg', quality)
  } finally {
    URL.revokeObjectURL(url)
  }
}

const PHOTO_KEY = 'yishi.photo.'

/**
 * Keeps a shrunk photo on this tablet under its content hash (sha-256 of the data URL), which
 * records reference. Stop-gap until src/data replicates photos: the picture stays on the tablet
 * that took it; other tablets show the icon instead.
 */
export async function keepPhotoOnTablet(dataUrl: string): Promise<string> {
  const { sha256Hex } = await import('@/data/hash')
  const hash = sha256Hex(dataUrl)
  try { globalThis.localStorage?.setItem(PHOTO_KEY + hash, dataUrl) } catch { /* storage full: the record keeps the hash */ }
  return hash
}

export function photoOnTablet(hash: string): string {
  return globalThis.localStorage?.getItem(PHOTO_KEY + hash) ?? ''
}
