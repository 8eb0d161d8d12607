import { createHash } from 'node:crypto'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { Accounts } from '../auth/accounts'
import { requireDb } from '../auth/access'
import { DB_NAME, type Engine } from '../engine'
import { LIMITS } from '../limits'
import { CouchError, badRequest, notFound, tooLarge, tooMany } from '../couch/errors'
import { CouchBlobStore } from './couch'
import { DiskBlobStore } from './disk'
import type { BlobStore } from './store'

export interface BlobDeps { accounts: Accounts; engine: Engine; dataDir: string; maxBytes: number; quotaBytes: number }

const HASH = /^[0-9a-f]{64}$/

/** Content types a blob keeps when served (photos, voice notes); everything else is octet-stream. */
const SAFE_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif', 'audio/webm', 'audio/ogg', 'audio/mp4', 'audio/mpeg', 'audio/wav', 'audio/aac'])

/** Unfinished uploads one sweep removes at most. */
const SWEEP_MAX = 1_000

/** `Content-Range: bytes <start>-<end>/<total>` → numbers, or null when absent. */
function parseRange(header: string | undefined): { start: number; end: number; total: number } | null {
  if (!header) return null
  const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header.trim())
  if (!m) throw badRequest('Content-Range must look like "bytes 0-65535/200000"')
  const [start, end, total] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (end < start || end >= total) throw badRequest('Content-Range is inconsistent')
  return { start, end, total }
}

/**
 * Photos and other files, by content hash (sha-256), per village database:
 * `PUT|GET|HEAD /couch/{db}/_blobs/{sha256}`. Uploads are idempotent (the same hash twice
 * is a no-op) and resumable: send chunks with `Content-Range`, ask `HEAD` for
 * `x-upload-offset` after a break, continue from there. The hub checks the hash before
 * it keeps a file. RxDB's CouchDB plugin does not carry attachments; this route does.
 * An unfinished upload belongs to whoever started it (another tablet of the village cannot squat
 * a photo's name with bytes of its own), expires after a day, and a village has at most
 * LIMITS.blobPartialsPerVillage of them; each village's blobs are held to a quota (BLOB_QUOTA).
 * On the CouchDB engine the blobs live in CouchDB, so every hub in front of it serves them.
 */
export const blobRoutes: FastifyPluginAsync<BlobDeps> = async (app, { accounts, engine, dataDir, maxBytes, quotaBytes }) => {
  const store: BlobStore = engine.kind === 'couchdb' ? await CouchBlobStore.open(engine) : new DiskBlobStore(dataDir)
  const sweep = () => { void store.sweep(LIMITS.blobPartialTtlMs, SWEEP_MAX).catch((err: unknown) => app.log.warn({ err }, 'could not sweep unfinished uploads')) }
  sweep()
  const sweeper = setInterval(sweep, 3_600_000)
  sweeper.unref()
  app.addHook('onClose', async () => { clearInterval(sweeper) })
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBytes }, (_req, body, done) => done(null, body))
  const locks = new Map<string, Promise<unknown>>()
  const serial = <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const prev = locks.get(key) ?? Promise.resolve()
    const next = prev.catch(() => undefined).then(fn)
    locks.set(key, next)
    void next.finally(() => { if (locks.get(key) === next) locks.delete(key) }).catch(() => undefined)
    return next
  }

  const target = (req: FastifyRequest) => {
    const { db, hash } = req.params as { db: string; hash: string }
    if (!DB_NAME.test(db)) throw badRequest('bad database name')
    requireDb(accounts, req.principal, db)
    if (!HASH.test(hash)) throw badRequest('a blob is named by the sha-256 of its content, 64 lowercase hex digits')
    const uploader = createHash('sha256').update(req.principal?.name ?? '').digest('hex').slice(0, 16)
    return { db, hash, uploader }
  }
  const partSize = (t: { db: string; hash: string; uploader: string }) => store.partSize(t.db, t.hash, t.uploader, LIMITS.blobPartialTtlMs)

  app.head('/:db/_blobs/:hash', async (req, reply) => {
    const t = target(req)
    const info = await store.info(t.db, t.hash)
    if (info) return reply.code(200).header('content-length', info.size).send()
    return reply.code(404).header('x-upload-offset', await partSize(t)).send()
  })

  app.get('/:db/_blobs/:hash', async (req, reply) => {
    const t = target(req)
    const info = await store.info(t.db, t.hash)
    if (!info) throw notFound()
    // Served on the app's own origin: only photo and voice types keep their type, anything else
    // (HTML, SVG, scripts a device uploaded as a "photo") goes out as inert bytes that no page may
    // run or frame (test/proof/hostile).
    const type = SAFE_TYPES.has(info.type.split(';')[0]!.trim().toLowerCase()) ? info.type : 'application/octet-stream'
    return reply
      .header('content-type', type)
      .header('content-length', info.size)
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; sandbox")
      .header('cache-control', 'private, max-age=31536000, immutable')
      .header('etag', `"${t.hash}"`)
      .send(await store.read(t.db, t.hash))
  })

  app.put('/:db/_blobs/:hash', { bodyLimit: maxBytes }, async (req, reply) => {
    const t = target(req)
    const body = req.body as Buffer | undefined
    if (!Buffer.isBuffer(body)) throw badRequest('send the file\'s bytes as the body')
    const range = parseRange(req.headers['content-range'] as string | undefined)
    const total = range ? range.total : body.length
    if (total > maxBytes) throw new CouchError(413, 'too_large', `a file may be at most ${maxBytes} bytes`)
    if (range && range.end - range.start + 1 !== body.length) throw badRequest('Content-Range does not match the body length')
    return serial(`${t.db}/${t.hash}`, async () => {
      const existing = await store.info(t.db, t.hash)
      if (existing) return reply.code(200).send({ ok: true, hash: t.hash, size: existing.size, existed: true })
      const have = await partSize(t)
      const start = range ? range.start : 0
      const wrongPlace = (offset: number) => reply.code(416).header('x-upload-offset', offset).send({ error: 'bad_range', reason: `the hub has ${offset} bytes of this file; continue from there`, offset })
      if (start !== have && !(start === 0 && !range)) return wrongPlace(have)
      if (await store.usage(t.db) - (start === 0 ? have : 0) + body.length > quotaBytes) {
        throw tooLarge(`this village's photos and files on the hub have reached their quota (${Math.round(quotaBytes / 1024 / 1024)} MB); ask the township to make room`)
      }
      if (have === 0 && total > body.length) {
        const unfinished = await store.unfinished(t.db)
        if (unfinished >= LIMITS.blobPartialsPerVillage) throw tooMany(`this village has ${unfinished} unfinished uploads on the hub; finish them or wait a day`, 3_600_000)
      }
      // another hub may have written this upload since we looked: then say where it stands now
      if (!(await store.write(t.db, t.hash, t.uploader, start, new Uint8Array(body.buffer, body.byteOffset, body.byteLength)))) return wrongPlace(await partSize(t))
      const size = start + body.length
      if (size < total) return reply.code(202).header('x-upload-offset', size).send({ ok: true, offset: size, complete: false })
      const actual = await store.partHash(t.db, t.hash, t.uploader)
      if (actual !== t.hash) {
        await store.discard(t.db, t.hash, t.uploader)
        throw badRequest(`the content's sha-256 is ${actual}, not ${t.hash}; the upload was discarded`)
      }
      const type = String(req.headers['content-type'] ?? 'application/octet-stream').slice(0, 100)
      await store.finish(t.db, t.hash, t.uploader, { type, size, at: Date.now(), ...(req.principal?.name ? { by: req.principal.name } : {}) })
      return reply.code(201).send({ ok: true, hash: t.hash, size, complete: true })
    })
  })
}
