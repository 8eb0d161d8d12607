import { createHash } from 'node:crypto'
import { createReadStream, existsSync } from 'node:fs'
import { appendFile, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { Accounts } from './auth/accounts'
import { requireDb } from './auth/access'
import { DB_NAME } from './engine'
import { LIMITS } from './limits'
import { CouchError, badRequest, notFound, tooLarge, tooMany } from './couch/errors'

export interface BlobDeps { accounts: Accounts; dataDir: string; maxBytes: number; quotaBytes: number }

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

/** Bytes each village's blobs take on disk (finished and unfinished), read once per village then kept up to date. */
class Usage {
  private readonly bytes = new Map<string, Promise<number>>()
  constructor(private readonly root: string) {}

  get(db: string): Promise<number> {
    let n = this.bytes.get(db)
    if (!n) {
      n = readdir(join(this.root, db)).then(async (names) => {
        let sum = 0
        for (const name of names) sum += await stat(join(this.root, db, name)).then((st) => st.size, () => 0)
        return sum
      }, () => 0)
      this.bytes.set(db, n)
    }
    return n
  }

  add(db: string, delta: number): void {
    const n = this.bytes.get(db)
    if (n) this.bytes.set(db, n.then((v) => Math.max(0, v + delta)))
  }
}

/** Removes unfinished uploads older than LIMITS.blobPartialTtlMs (every hour, and once at start). */
async function sweepPartials(root: string, usage: Usage): Promise<void> {
  const now = Date.now()
  for (const db of await readdir(root).catch(() => [] as string[])) {
    for (const name of await readdir(join(root, db)).catch(() => [] as string[])) {
      if (!name.endsWith('.part')) continue
      const path = join(root, db, name)
      const st = await stat(path).catch(() => null)
      if (st && now - st.mtimeMs > LIMITS.blobPartialTtlMs) {
        await rm(path, { force: true })
        usage.add(db, -st.size)
      }
    }
  }
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
 */
export const blobRoutes: FastifyPluginAsync<BlobDeps> = async (app, { accounts, dataDir, maxBytes, quotaBytes }) => {
  const root = join(dataDir, 'blobs')
  const usage = new Usage(root)
  const sweep = () => { void sweepPartials(root, usage).catch((err: unknown) => app.log.warn({ err }, 'could not sweep unfinished uploads')) }
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
    const dir = join(root, db)
    const uploader = createHash('sha256').update(req.principal?.name ?? '').digest('hex').slice(0, 16)
    return { db, hash, dir, file: join(dir, hash), part: join(dir, `${hash}.${uploader}.part`), meta: join(dir, `${hash}.json`) }
  }
  /** Bytes of the caller's unfinished upload (an expired one is removed first). */
  const partSize = async (t: { db: string; part: string }): Promise<number> => {
    const st = await stat(t.part).catch(() => null)
    if (!st) return 0
    if (Date.now() - st.mtimeMs <= LIMITS.blobPartialTtlMs) return st.size
    await rm(t.part, { force: true })
    usage.add(t.db, -st.size)
    return 0
  }

  app.head('/:db/_blobs/:hash', async (req, reply) => {
    const t = target(req)
    if (existsSync(t.file)) return reply.code(200).header('content-length', (await stat(t.file)).size).send()
    return reply.code(404).header('x-upload-offset', await partSize(t)).send()
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
      const have = await partSize(t)
      const start = range ? range.start : 0
      if (start !== have && !(start === 0 && !range)) {
        return reply.code(416).header('x-upload-offset', have).send({ error: 'bad_range', reason: `the hub has ${have} bytes of this file; continue from there`, offset: have })
      }
      if (await usage.get(t.db) - (start === 0 ? have : 0) + body.length > quotaBytes) {
        throw tooLarge(`this village's photos and files on the hub have reached their quota (${Math.round(quotaBytes / 1024 / 1024)} MB); ask the township to make room`)
      }
      if (have === 0 && total > body.length) {
        const unfinished = (await readdir(t.dir)).filter((n) => n.endsWith('.part')).length
        if (unfinished >= LIMITS.blobPartialsPerVillage) throw tooMany(`this village has ${unfinished} unfinished uploads on the hub; finish them or wait a day`, 3_600_000)
      }
      if (start === 0) await writeFile(t.part, bytes(body))
      else await appendFile(t.part, bytes(body))
      usage.add(t.db, body.length - (start === 0 ? have : 0))
      const size = start + body.length
      if (size < total) return reply.code(202).header('x-upload-offset', size).send({ ok: true, offset: size, complete: false })
      const actual = await sha256File(t.part)
      if (actual !== t.hash) {
        await rm(t.part, { force: true })
        usage.add(t.db, -size)
        throw badRequest(`the content's sha-256 is ${actual}, not ${t.hash}; the upload was discarded`)
      }
      const type = String(req.headers['content-type'] ?? 'application/octet-stream').slice(0, 100)
      const meta = JSON.stringify({ type, size, at: Date.now(), by: req.principal?.name })
      await writeFile(t.meta, meta)
      usage.add(t.db, meta.length)
      await rename(t.part, t.file)
      return reply.code(201).send({ ok: true, hash: t.hash, size, complete: true })
    })
  })
}
