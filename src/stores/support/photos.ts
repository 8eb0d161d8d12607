import { defineStore } from 'pinia'
import { shallowReactive } from 'vue'
import { keepPhoto, memoryPhotoStore, photoResolver, resizePhoto, type PhotoLookup, type PhotoResolver } from '@/data/photos'
import { i18n } from '@/i18n'

/** What a photo shows right now: the picture, or a plain-words placeholder for why not yet. */
export type PhotoState = 'loading' | PhotoLookup['state']
interface Entry { state: PhotoState; url: string }

/**
 * Every screen's photos, by content hash, through one resolver (src/data/photos.ts): this
 * tablet's photo store first, then the hub. `url(hash)` is what an `<img>` shows: the photo once
 * it is here, until then a picture that says in words where the photo is (on the hub, shown after
 * the next sync; not uploaded yet; refused). `retry()` tries again what was not found (the app
 * calls it when the tablet is back online and after each sync). src/modules/data.ts connects the
 * village's resolver; before that, photos are kept in memory only.
 */
export const usePhotosStore = defineStore('photos', () => {
  let resolver: PhotoResolver = photoResolver(memoryPhotoStore(), null)
  let generation = 0
  const entries = shallowReactive(new Map<string, Entry>())
  /** asked and not answered yet (not reactive: `url()` runs while rendering) */
  const loading = new Set<string>()

  function connect(r: PhotoResolver): void {
    resolver = r
    generation++
    loading.clear()
    for (const [hash, e] of entries) if (e.state !== 'ready') entries.delete(hash)
  }

  function load(hash: string): void {
    if (loading.has(hash)) return
    loading.add(hash)
    const gen = generation
    void resolver.resolve(hash).then((found) => {
      if (gen !== generation) return
      loading.delete(hash)
      if (found.state === 'ready') {
        entries.set(hash, { state: 'ready', url: URL.createObjectURL(new Blob([found.photo.bytes as BlobPart], { type: found.photo.type })) })
      } else entries.set(hash, { state: found.state, url: '' })
    })
  }

  /** The photo's state; asks the resolver the first time a hash is seen. */
  function state(hash: string): PhotoState {
    if (!hash) return 'failed'
    const e = entries.get(hash)
    if (!e) { load(hash); return 'loading' }
    return e.state
  }

  /** A URL to show: the photo, or a placeholder picture with the reason in words. */
  function url(hash: string): string {
    const s = state(hash)
    return s === 'ready' ? entries.get(hash)!.url : placeholder(s)
  }

  /** Tries again every photo not found yet (offline, not on the hub yet, hub error). */
  function retry(): void {
    for (const [hash, e] of entries) if (e.state === 'offline' || e.state === 'not-on-hub' || e.state === 'failed') load(hash)
  }

  /**
   * Keeps a photo or voice note taken on this tablet (pictures other than PNG shrunk to a ~200 KB
   * JPEG) and returns its content hash, which the record references.
   */
  async function keep(blob: Blob, at = Date.now()): Promise<string> {
    const raw = new Uint8Array(await blob.arrayBuffer())
    const isPicture = blob.type.startsWith('image/') && blob.type !== 'image/png'
    const bytes = isPicture ? await resizePhoto(blob).catch(() => raw) : raw
    const type = isPicture && bytes !== raw ? 'image/jpeg' : blob.type || 'application/octet-stream'
    const hash = await keepPhoto(resolver.store, bytes, type, at)
    if (entries.get(hash)?.state !== 'ready') entries.set(hash, { state: 'ready', url: URL.createObjectURL(new Blob([bytes as BlobPart], { type })) })
    return hash
  }

  return { connect, state, url, retry, keep }
})

if (typeof window !== 'undefined') {
  window.addEventListener('online', () => {
    try { usePhotosStore().retry() } catch { /* no Pinia yet: nothing to retry */ }
  })
}

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** A 4:3 picture with two lines of words, as a data URL (the app's CSP allows `data:` images). */
function placeholder(state: Exclude<PhotoState, 'ready'>): string {
  const t = i18n.global.t
  const key = state === 'not-on-hub' ? 'notOnHub' : state
  const lines = [t(`device.photos.${key}.title`), t(`device.photos.${key}.hint`)]
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240" viewBox="0 0 320 240"><rect width="320" height="240" rx="12" fill="#eceff1"/>`
    + `<circle cx="160" cy="80" r="26" fill="none" stroke="#78909c" stroke-width="6"/><rect x="118" y="62" width="84" height="58" rx="8" fill="none" stroke="#78909c" stroke-width="6"/>`
    + lines.map((l, i) => `<text x="160" y="${160 + i * 30}" font-size="${i === 0 ? 20 : 16}" text-anchor="middle" fill="#37474f" font-family="sans-serif">${escapeXml(l)}</text>`).join('')
    + '</svg>'
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`
}
