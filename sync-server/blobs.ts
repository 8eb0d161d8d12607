import { createHash } from 'node:crypto'
import { createReadStream, existsSync } from 'node:fs'
import { appendFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { Accounts } from './auth/accounts'
import { requireDb } from './auth/access'
import { DB_NAME } from './engine'
import { CouchError, badRequest, notFound } from './couch/errors'

export interface BlobDeps { accounts: Accounts; dataDir: string; maxBytes: number }

const HASH = /^[0-9a-f]{64}$/

/** Content types a blob keeps when served (photos, voice notes); everything else is octet-stream. */
const SAFE_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif', 'audio/webm', 'audio/ogg', 'audio/mp4', 'audio/mpeg', 'audio/wav', 'audio/aac'])

/** A Buffer as a plain Uint8Array view (what the fs and crypto typings expect). */
const bytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength)

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  await new Promise<void>((resolve, reject) => {
    createReadStream(path).on('data', (c) => hash.update(bytes(c as Buffer))).on('end', () => resolve()).on('error', reject)
  })
  return hash.digest('hex')
}

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
 */
export const blobRoutes: FastifyPluginAsync<BlobDeps> = async (app, { accounts, dataDir, maxBytes }) => {
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
    const dir = join(dataDir, 'blobs', db)
    return { db, hash, dir, file: join(dir, hash), part: join(dir, `${hash}.part`), meta: join(dir, `${hash}.json`) }
  }

  app.head('/:db/_blobs/:hash', async (req, reply) => {
    const t = target(req)
    if (existsSync(t.file)) return reply.code(200).header('content-length', (await stat(t.file)).size).send()
    const offset = existsSync(t.part) ? (await stat(t.part)).size : 0
    return reply.code(404).header('x-upload-offset', offset).send()
  })

  app.get('/:db/_blobs/:hash', async (req, reply) => {
    const t = target(req)
    if (!existsSync(t.file)) throw notFound()
    const meta = existsSync(t.meta) ? JSON.parse(await readFile(t.meta, 'utf8')) as { type?: string } : {}
    // Served on the app's own origin: only photo and voice types keep their type, anything else
    // (HTML, SVG, scripts a device uploaded as a "photo") goes out as inert bytes that no page may
    // run or frame (test/proof/hostile).
    const type = SAFE_TYPES.has(String(meta.type ?? '').split(';')[0]!.trim().toLowerCase()) ? String(meta.type) : 'application/octet-stream'
    return reply
      .header('content-type', type)
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; sandbox")
      .header('cache-control', 'private, max-age=31536000, immutable')
      .header('etag', `"${t.hash}"`)
      .send(createReadStream(t.file))
  })

  app.put('/:db/_blobs/:hash', { bodyLimit: maxBytes }, async (req, reply) => {
    const t = target(req)
    const body = req.body as Buffer | undefined
    if (!Buffer.isBuffer(body)) throw badRequest('send the file\'s bytes as the body')
    const range = parseRange(req.headers['content-range'] as string | undefined)
    const total = range ? range.total : body.length
    if (total > maxBytes) throw new CouchError(413, 'too_large', `a file may be at most ${maxBytes} bytes`)
    if (range && range.end - range.start + 1 !== body.length) throw badRequest('Content-Range does not match the body length')
    return serial(t.file, async () => {
      if (existsSync(t.file)) return reply.code(200).send({ ok: true, hash: t.hash, size: (await stat(t.file)).size, existed: true })
      await mkdir(t.dir, { recursive: true })
      const have = existsSync(t.part) ? (await stat(t.part)).size : 0
      const start = range ? range.start : 0
      if (start !== have && !(start === 0 && !range)) {
        return reply.code(416).header('x-upload-offset', have).send({ error: 'bad_range', reason: `the hub has ${have} bytes of this file; continue from there`, offset: have })
      }
      if (start === 0) await writeFile(t.part, bytes(body))
      else await appendFile(t.part, bytes(body))
      const size = start + body.length
      if (size < total) return reply.code(202).header('x-upload-offset', size).send({ ok: true, offset: size, complete: false })
      const actual = await sha256File(t.part)
      if (actual !== t.hash) {
        await rm(t.part, { force: true })
        throw badRequest(`the content's sha-256 is ${actual}, not ${t.hash}; the upload was discarded`)
      }
      const type = String(req.headers['content-type'] ?? 'application/octet-stream').slice(0, 100)
      await writeFile(t.meta, JSON.stringify({ type, size, at: Date.now(), by: req.principal?.name }))
      await rename(t.part, t.file)
      return reply.code(201).send({ ok: true, hash: t.hash, size, complete: true })
    })
  })
}
