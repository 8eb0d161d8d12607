import { createHash, randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Readable } from 'node:stream'
import { EngineError, type Engine } from '../engine/types'
import { readText } from '../engine/http'
import { u8, type BlobMeta, type BlobStore } from './store'

export const BLOBS_DB = 'hub-blobs'

/** A usage figure this old is read again (other hubs add photos too). */
const USAGE_TTL_MS = 60_000
/** Rows read per page when summing a village's blobs or sweeping. */
const PAGE = 1_000

interface PartDoc { _id: string; _rev: string; db: string; size: number; chunks: number; updatedAt: number }
interface BlobDoc { _id: string; _rev: string; db: string; type: string; size: number; at: number; by?: string }

const blobId = (db: string, hash: string) => `blob:${db}:${hash}`
const partId = (db: string, hash: string, uploader: string) => `part:${db}:${hash}:${uploader}`
const chunkName = (i: number) => `c${String(i).padStart(5, '0')}`
const range = (prefix: string) => `startkey=${encodeURIComponent(JSON.stringify(prefix))}&endkey=${encodeURIComponent(JSON.stringify(`${prefix}\ufff0`))}`

/** A document and one new attachment in one `multipart/related` PUT (the document's other attachments as stubs). */
function multipart(doc: Record<string, unknown>, attachment: string, type: string, bytes: Uint8Array, stubs: string[] = []): { body: Uint8Array; headers: Record<string, string> } {
  const boundary = randomBytes(16).toString('hex')
  const attachments: Record<string, unknown> = Object.fromEntries(stubs.map((s) => [s, { stub: true }]))
  attachments[attachment] = { follows: true, content_type: type, length: bytes.length }
  const head = `--${boundary}\r\ncontent-type: application/json\r\n\r\n${JSON.stringify({ ...doc, _attachments: attachments })}\r\n--${boundary}\r\n\r\n`
  const body = Buffer.concat([u8(Buffer.from(head)), bytes, u8(Buffer.from(`\r\n--${boundary}--`))])
  return { body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength), headers: { 'content-type': `multipart/related; boundary="${boundary}"` } }
}

/**
 * Blobs in Apache CouchDB, in one hub-private database shared by every hub in front of it:
 * `blob:<db>:<hash>` holds a finished blob (its bytes as the attachment `data`), and
 * `part:<db>:<hash>:<uploader>` an unfinished upload (its chunks as attachments `c00000`…, each added
 * with a revision-checked write, so two hubs cannot both append at one offset).
 */
export class CouchBlobStore implements BlobStore {
  private readonly usageCache = new Map<string, { bytes: number; at: number }>()

  private constructor(private readonly engine: Engine & Required<Pick<Engine, 'forward'>>) {}

  static async open(engine: Engine): Promise<CouchBlobStore> {
    if (!engine.forward) throw new Error('blobs in CouchDB need the CouchDB engine')
    await engine.create(BLOBS_DB)
    return new CouchBlobStore(engine as Engine & Required<Pick<Engine, 'forward'>>)
  }

  private request(method: string, path: string, body: string | Uint8Array | null = null, headers: Record<string, string> = {}): Promise<IncomingMessage> {
    return this.engine.forward(BLOBS_DB, method, path, body, AbortSignal.timeout(60_000), headers)
  }

  /** A JSON answer, null on 404; 409 as `conflict`; other failures as EngineError. */
  private async json<T>(method: string, path: string, body: string | Uint8Array | null = null, headers: Record<string, string> = {}): Promise<T | null | 'conflict'> {
    const res = await this.request(method, path, body, headers)
    const text = await readText(res)
    if (res.statusCode === 404) return null
    if (res.statusCode === 409) return 'conflict'
    if ((res.statusCode ?? 500) >= 400) throw new EngineError(502, 'engine_error', `CouchDB answered ${res.statusCode} about a photo: ${text.slice(0, 200)}`)
    return JSON.parse(text) as T
  }

  private async doc<T>(id: string): Promise<T | null> {
    const d = await this.json<T>('GET', encodeURIComponent(id))
    return d === 'conflict' ? null : d
  }

  private adjust(db: string, delta: number): void {
    const u = this.usageCache.get(db)
    if (u) u.bytes = Math.max(0, u.bytes + delta)
  }

  async info(db: string, hash: string): Promise<BlobMeta | null> {
    const d = await this.doc<BlobDoc>(blobId(db, hash))
    return d ? { type: d.type, size: d.size, at: d.at, ...(d.by ? { by: d.by } : {}) } : null
  }

  async read(db: string, hash: string): Promise<Readable> {
    const res = await this.request('GET', `${encodeURIComponent(blobId(db, hash))}/data`)
    if (res.statusCode !== 200) { res.resume(); throw new EngineError(res.statusCode === 404 ? 404 : 502, 'not_found', 'missing') }
    return res
  }

  async partSize(db: string, hash: string, uploader: string, ttlMs: number): Promise<number> {
    const d = await this.doc<PartDoc>(partId(db, hash, uploader))
    if (!d) return 0
    if (Date.now() - d.updatedAt <= ttlMs) return d.size
    await this.remove(d)
    return 0
  }

  private async remove(d: PartDoc): Promise<void> {
    const r = await this.json('DELETE', `${encodeURIComponent(d._id)}?rev=${encodeURIComponent(d._rev)}`)
    if (r !== null && r !== 'conflict') this.adjust(d.db, -d.size)
  }

  async unfinished(db: string): Promise<number> {
    const r = await this.json<{ rows: unknown[] }>('GET', `_all_docs?${range(`part:${db}:`)}&limit=${PAGE}`)
    return r && r !== 'conflict' ? r.rows.length : 0
  }

  async usage(db: string): Promise<number> {
    const cached = this.usageCache.get(db)
    if (cached && Date.now() - cached.at < USAGE_TTL_MS) return cached.bytes
    let bytes = 0
    for (const kind of ['blob', 'part']) {
      let startkey = `${kind}:${db}:`
      for (;;) {
        const r = await this.json<{ rows: { id: string; doc?: { size?: number } }[] }>('GET',
          `_all_docs?startkey=${encodeURIComponent(JSON.stringify(startkey))}&endkey=${encodeURIComponent(JSON.stringify(`${kind}:${db}:\ufff0`))}&include_docs=true&limit=${PAGE + 1}`)
        const rows = r && r !== 'conflict' ? r.rows : []
        for (const row of rows.slice(0, PAGE)) bytes += Number(row.doc?.size ?? 0)
        if (rows.length <= PAGE) break
        startkey = rows[PAGE]!.id
      }
    }
    this.usageCache.set(db, { bytes, at: Date.now() })
    return bytes
  }

  async write(db: string, hash: string, uploader: string, start: number, bytes: Uint8Array): Promise<boolean> {
    const id = partId(db, hash, uploader)
    const d = await this.doc<PartDoc>(id)
    if (start !== 0 && (!d || d.size !== start)) return false
    const chunks = start === 0 ? 0 : d!.chunks
    const fields = { _id: id, ...(d ? { _rev: d._rev } : {}), db, size: start + bytes.length, chunks: chunks + 1, updatedAt: Date.now() }
    const stubs = Array.from({ length: chunks }, (_, i) => chunkName(i))
    const { body, headers } = multipart(fields, chunkName(chunks), 'application/octet-stream', bytes, stubs)
    const r = await this.json('PUT', encodeURIComponent(id), body, headers)
    if (r === 'conflict') return false
    this.adjust(db, start === 0 ? bytes.length - (d?.size ?? 0) : bytes.length)
    return true
  }

  /** The unfinished upload's bytes, chunk after chunk. */
  private async *chunks(db: string, hash: string, uploader: string): AsyncGenerator<Uint8Array> {
    const id = partId(db, hash, uploader)
    const d = await this.doc<PartDoc>(id)
    if (!d) throw new EngineError(404, 'not_found', 'the unfinished upload is gone')
    for (let i = 0; i < d.chunks; i++) {
      const res = await this.request('GET', `${encodeURIComponent(id)}/${chunkName(i)}`)
      if (res.statusCode !== 200) { res.resume(); throw new EngineError(502, 'engine_error', `CouchDB lost a piece of an upload (${res.statusCode})`) }
      for await (const c of res) yield c as Uint8Array
    }
  }

  async partHash(db: string, hash: string, uploader: string): Promise<string> {
    const h = createHash('sha256')
    for await (const c of this.chunks(db, hash, uploader)) h.update(c)
    return h.digest('hex')
  }

  async finish(db: string, hash: string, uploader: string, meta: BlobMeta): Promise<void> {
    const parts: Uint8Array[] = []
    for await (const c of this.chunks(db, hash, uploader)) parts.push(c)
    const bytes = Buffer.concat(parts)
    const { body, headers } = multipart({ _id: blobId(db, hash), db, ...meta }, 'data', meta.type, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength))
    // a conflict means another hub finished the same content first: the blob is there either way
    await this.json('PUT', encodeURIComponent(blobId(db, hash)), body, headers)
    await this.discard(db, hash, uploader)
    this.adjust(db, meta.size)
  }

  async discard(db: string, hash: string, uploader: string): Promise<void> {
    const d = await this.doc<PartDoc>(partId(db, hash, uploader))
    if (d) await this.remove(d)
  }

  async sweep(ttlMs: number, max: number): Promise<void> {
    const r = await this.json<{ rows: { doc?: PartDoc }[] }>('GET', `_all_docs?${range('part:')}&include_docs=true&limit=${PAGE}`)
    const now = Date.now()
    const expired = (r && r !== 'conflict' ? r.rows : []).map((row) => row.doc).filter((d): d is PartDoc => !!d && now - d.updatedAt > ttlMs)
    for (const d of expired.slice(0, max)) await this.remove(d)
  }
}
