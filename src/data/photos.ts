/**
 * Photos: resized and compressed on the tablet (about 200 KB), named by the sha-256 of their
 * bytes (records reference that hash), kept locally until the hub's blob route has them, and
 * uploaded in the background, resumably (`Content-Range` chunks; `HEAD` tells where to continue)
 * and deduplicated (the same bytes are one photo, uploaded once). Records go first: photos upload
 * only while none of this tablet's records wait (`uploadPhotosAfterRecords`), in chunks of a few
 * seconds of the measured uplink, and give way before the next chunk when records wait again.
 * Route: `PUT|HEAD|GET /couch/village-<id>/_blobs/<sha256>` (sync-server/blobs.ts).
 *
 * Another tablet's photos: `photoResolver` looks in this tablet's store first, otherwise (when
 * online) downloads the photo from the hub with the device's credentials, checks that the bytes
 * hash to the name, and keeps it locally (marked uploaded: the hub has it). A few downloads at once.
 */
import type { Observable } from 'rxjs'
import { sha256Hex } from './hash'
import { basicAuth, hubFetch, HubError, plainReason, type HubCredentials } from './hub'
import { photoChunkBytes } from './link'
import type { SyncState } from './replication'

export interface StoredPhoto { hash: string; type: string; bytes: Uint8Array; uploaded: boolean; at: number }

/** Where photos wait on the tablet. IndexedDB in the browser (`indexedDbPhotoStore`), memory in tests. */
export interface PhotoStore {
  get(hash: string): Promise<StoredPhoto | null>
  put(photo: StoredPhoto): Promise<void>
  pending(): Promise<string[]>
}

export const PHOTO_TARGET_BYTES = 200_000

/** Keeps a photo (already resized) and returns its content hash; the same bytes twice are kept once. */
export async function keepPhoto(store: PhotoStore, bytes: Uint8Array, type = 'image/jpeg', now = Date.now()): Promise<string> {
  const hash = sha256Hex(bytes)
  if (!(await store.get(hash))) await store.put({ hash, type, bytes, uploaded: false, at: now })
  return hash
}

/**
 * Shrinks a camera picture to a JPEG of about `targetBytes` (browser only): longest side at most
 * `maxSide` px, quality stepped down until it fits.
 */
export async function resizePhoto(file: Blob, opts: { maxSide?: number; targetBytes?: number } = {}): Promise<Uint8Array> {
  const maxSide = opts.maxSide ?? 1280
  const target = opts.targetBytes ?? PHOTO_TARGET_BYTES
  const bitmap = await createImageBitmap(file)
  let side = maxSide
  for (let attempt = 0; attempt < 8; attempt++) {
    const scale = Math.min(1, side / Math.max(bitmap.width, bitmap.height))
    const w = Math.max(1, Math.round(bitmap.width * scale)); const h = Math.max(1, Math.round(bitmap.height * scale))
    const canvas = new OffscreenCanvas(w, h)
    canvas.getContext('2d')!.drawImage(bitmap, 0, 0, w, h)
    for (const quality of [0.8, 0.7, 0.6, 0.5]) {
      const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality })
      if (blob.size <= target || (quality === 0.5 && attempt === 7)) { bitmap.close(); return new Uint8Array(await blob.arrayBuffer()) }
    }
    side = Math.round(side * 0.8)
  }
  bitmap.close()
  throw new Error('could not shrink the photo')
}

export interface UploadOptions {
  hubUrl: string
  villageId: string
  credentials: HubCredentials
  store: PhotoStore
  chunkBytes?: number
  fetch?: typeof fetch
  /** stop after this many chunk requests (tests interrupt an upload with it) */
  maxRequests?: number
  /** asked before each chunk: true = stop here (records are waiting); the next run resumes the photo */
  yieldTo?: () => boolean | Promise<boolean>
}

/** Uploads every photo the hub does not have yet. Returns how many are now on the hub; throws HubError when the hub is unreachable. */
export async function uploadPendingPhotos(opts: UploadOptions): Promise<{ uploaded: number; remaining: number }> {
  const f = hubFetch(opts.credentials, opts.fetch ?? globalThis.fetch.bind(globalThis), new AbortController().signal, () => {})
  const base = `${opts.hubUrl.replace(/\/$/, '')}/couch/village-${opts.villageId}/_blobs/`
  const chunk = opts.chunkBytes ?? 64 * 1024
  let requests = 0
  let uploaded = 0
  const pending = await opts.store.pending()
  for (const hash of pending) {
    const photo = await opts.store.get(hash)
    if (!photo) continue
    let head: Response
    try {
      head = await (opts.fetch ?? globalThis.fetch)(base + hash, { method: 'HEAD', headers: { Authorization: basicAuth(opts.credentials) } })
    } catch {
      throw new HubError(0, plainReason(0))
    }
    if (head.status !== 200 && head.status !== 404) throw new HubError(head.status, plainReason(head.status))
    // 200: the hub has it already; 404: continue from what it kept of an earlier attempt
    let offset = head.status === 200 ? photo.bytes.length : Number(head.headers.get('x-upload-offset') ?? 0)
    while (offset < photo.bytes.length) {
      if (opts.maxRequests !== undefined && requests >= opts.maxRequests) return { uploaded, remaining: pending.length - uploaded }
      if (await opts.yieldTo?.()) return { uploaded, remaining: pending.length - uploaded }
      const end = Math.min(photo.bytes.length, offset + chunk)
      requests++
      const res = await f(base + hash, {
        method: 'PUT', body: photo.bytes.slice(offset, end),
        headers: { 'content-type': photo.type, 'content-range': `bytes ${offset}-${end - 1}/${photo.bytes.length}` },
      })
      offset = res.status === 202 ? Number(res.headers.get('x-upload-offset') ?? end) : photo.bytes.length
    }
    await opts.store.put({ ...photo, uploaded: true })
    uploaded++
  }
  return { uploaded, remaining: pending.length - uploaded }
}

/** What photo uploads need of the sync: its state, and how many of this tablet's records wait. */
export interface RecordSync { readonly state: SyncState; readonly state$: Observable<SyncState>; pendingCount(): Promise<number> }

/**
 * Photos after records: each time the sync goes idle with none of this tablet's records waiting,
 * the pending photos are uploaded, in chunks of a few seconds of the measured uplink (unless
 * `chunkBytes` says otherwise); before each
 * chunk, if records wait again (written meanwhile) or the sync is busy, the upload stops, and the
 * next idle resumes it where the hub's copy ends. `settled` runs after each attempt.
 */
export function uploadPhotosAfterRecords(sync: RecordSync, opts: Omit<UploadOptions, 'yieldTo'>, settled: () => void = () => {}): { stop(): void } {
  let running = false
  let stopped = false
  const recordsFirst = async () => stopped || sync.state.phase !== 'idle' || (await sync.pendingCount()) > 0
  const run = async () => {
    if (running || stopped) return
    running = true
    try {
      if (await recordsFirst()) return
      await uploadPendingPhotos({ ...opts, chunkBytes: opts.chunkBytes ?? photoChunkBytes(sync.state.link), yieldTo: recordsFirst })
    } catch { /* unreachable now: the next idle tries again */ } finally {
      running = false
      settled()
    }
  }
  const sub = sync.state$.subscribe((s) => { if (s.phase === 'idle') void run() })
  return { stop() { stopped = true; sub.unsubscribe() } }
}

const HASH = /^[0-9a-f]{64}$/

/** Where a photo is, as far as this tablet can tell right now. */
export type PhotoLookup =
  | { state: 'ready'; photo: StoredPhoto }
  /** not on this tablet, and the hub cannot be reached now: try again when online */
  | { state: 'offline' }
  /** the hub does not have it yet: the tablet that took it has not uploaded it */
  | { state: 'not-on-hub' }
  /** the hub's bytes do not hash to the photo's name (damaged or forged): not kept */
  | { state: 'refused'; reason: string }
  /** any other answer of the hub (revoked tablet, hub error), in plain words */
  | { state: 'failed'; reason: string }

/** The hub a tablet downloads photos from. */
export interface PhotoSource {
  hubUrl: string
  villageId: string
  credentials: HubCredentials
  fetch?: typeof fetch
  /** false = do not even try (the browser says it is offline) */
  online?: () => boolean
  /** give up a download after this long (default 60 s) */
  timeoutMs?: number
}

/** Downloads one photo from the hub, checks its hash and keeps it in `store`. */
export async function downloadPhoto(source: PhotoSource, store: PhotoStore, hash: string, now = Date.now()): Promise<PhotoLookup> {
  if (!HASH.test(hash)) return { state: 'refused', reason: 'not a photo name (sha-256)' }
  if (source.online && !source.online()) return { state: 'offline' }
  const url = `${source.hubUrl.replace(/\/$/, '')}/couch/village-${source.villageId}/_blobs/${hash}`
  let res: Response
  let bytes: Uint8Array
  try {
    res = await (source.fetch ?? globalThis.fetch)(url, {
      headers: { Authorization: basicAuth(source.credentials) }, credentials: 'omit', signal: AbortSignal.timeout(source.timeoutMs ?? 60_000),
    })
    if (res.status === 404) return { state: 'not-on-hub' }
    if (!res.ok) return { state: 'failed', reason: plainReason(res.status) }
    bytes = new Uint8Array(await res.arrayBuffer())
  } catch {
    return { state: 'offline' }
  }
  const actual = sha256Hex(bytes)
  if (actual !== hash) return { state: 'refused', reason: `the hub's copy is damaged (its sha-256 is ${actual.slice(0, 12)}…)` }
  const photo: StoredPhoto = { hash, type: (res.headers.get('content-type') ?? 'application/octet-stream').slice(0, 100), bytes, uploaded: true, at: now }
  await store.put(photo)
  return { state: 'ready', photo }
}

export interface PhotoResolver {
  readonly store: PhotoStore
  /** This tablet's copy, or the hub's (downloaded, checked, kept); never throws. */
  resolve(hash: string): Promise<PhotoLookup>
}

/**
 * One way to find a photo by hash: the tablet's store first, then the hub (without `source`:
 * this tablet only, a missing photo is `not-on-hub`). The same hash asked twice is one download;
 * at most `maxDownloads` (default 3) run at once, the rest wait their turn.
 */
export function photoResolver(store: PhotoStore, source: PhotoSource | null, opts: { maxDownloads?: number } = {}): PhotoResolver {
  const max = Math.max(1, opts.maxDownloads ?? 3)
  let active = 0
  const waiting: (() => void)[] = []
  const inFlight = new Map<string, Promise<PhotoLookup>>()
  async function slot<T>(fn: () => Promise<T>): Promise<T> {
    if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve))
    active++
    try { return await fn() } finally { active--; waiting.shift()?.() }
  }
  async function lookup(hash: string): Promise<PhotoLookup> {
    const local = await store.get(hash).catch(() => null)
    if (local) return { state: 'ready', photo: local }
    if (!source) return { state: 'not-on-hub' }
    return slot(async () => {
      const again = await store.get(hash).catch(() => null)
      return again ? { state: 'ready', photo: again } : downloadPhoto(source, store, hash)
    })
  }
  return {
    store,
    resolve(hash) {
      let p = inFlight.get(hash)
      if (!p) {
        p = lookup(hash).catch((e: unknown) => ({ state: 'failed', reason: (e as Error).message }) as PhotoLookup).finally(() => inFlight.delete(hash))
        inFlight.set(hash, p)
      }
      return p
    },
  }
}

export function memoryPhotoStore(): PhotoStore {
  const m = new Map<string, StoredPhoto>()
  return {
    get: async (h) => m.get(h) ?? null,
    put: async (p) => { m.set(p.hash, p) },
    pending: async () => [...m.values()].filter((p) => !p.uploaded).sort((a, b) => a.at - b.at).map((p) => p.hash),
  }
}

/** Photos in IndexedDB (database `yishi-photos-<village>`), outside RxDB: binary, never replicated as documents. */
export function indexedDbPhotoStore(villageId: string): PhotoStore {
  const open = new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(`yishi-photos-${villageId}`, 1)
    req.onupgradeneeded = () => { req.result.createObjectStore('photos', { keyPath: 'hash' }) }
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error)
  })
  const run = <T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>) => open.then((db) => new Promise<T>((resolve, reject) => {
    const req = fn(db.transaction('photos', mode).objectStore('photos'))
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error)
  }))
  return {
    get: async (h) => (await run<StoredPhoto | undefined>('readonly', (s) => s.get(h))) ?? null,
    put: async (p) => { await run('readwrite', (s) => s.put(p)) },
    pending: async () => (await run<StoredPhoto[]>('readonly', (s) => s.getAll())).filter((p) => !p.uploaded).sort((a, b) => a.at - b.at).map((p) => p.hash),
  }
}
