import { createHash, randomBytes } from 'node:crypto'
import { existsSync, readdirSync, utimesSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHub, type RunningHub } from '../support/hub'
import { couchAdmin, describeEngines, type Engine } from '../support/couchdb'
import { ADMIN_AUTH, basic, enrollTablet, provision, type Provisioned } from './helpers'

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')
/** A PUT that reads the hub's answer even when the hub answers before the body is sent: it refuses an
 *  oversized upload from its Content-Length and closes, so the rest of the body meets a closed socket
 *  (EPIPE, which fetch reports as a failure although the 413 arrived). Bounded by a 10 s timeout. */
function putAnsweredEarly(url: string, body: Uint8Array, auth: string): Promise<{ status: number, body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', timeout: 10_000, headers: { authorization: auth, 'content-type': 'image/jpeg', 'content-length': body.length } }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => { text += c })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || '{}') as Record<string, unknown> }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error('the hub did not answer within 10 s')))
    req.on('error', (e: NodeJS.ErrnoException) => { if (e.code !== 'EPIPE' && e.code !== 'ECONNRESET') reject(e) })
    req.end(body)
  })
}

describeEngines('photos', (engine) => {
  let hub: RunningHub
  let p: Provisioned

  beforeAll(async () => {
    hub = await startHub({ ...engine().env, BLOB_MAX_BYTES: '1m' })
    p = await provision(hub, { township: 'tb', villages: ['va', 'vb'] })
  })
  afterAll(async () => {
    await hub?.stop({ removeData: true })
    await engine().cleanup()
  })
  const blobUrl = (db: string, hash: string) => `${hub.url}/couch/${db}/_blobs/${hash}`
  async function put(db: string, hash: string, body: Uint8Array, auth: string, range?: string) {
    const headers: Record<string, string> = { authorization: auth, 'content-type': 'image/jpeg' }
    if (range) headers['content-range'] = range
    const res = await fetch(blobUrl(db, hash), { method: 'PUT', headers, body: body as unknown as BodyInit, signal: AbortSignal.timeout(10_000) })
    return { status: res.status, body: await res.json() as Record<string, unknown>, offset: res.headers.get('x-upload-offset') }
  }

  describe('photos by content hash', () => {
    it('stores, serves and re-accepts a photo idempotently, for its village only', async () => {
      const [dev] = p.devices
      const auth = basic(dev!.id, dev!.secret)
      const photo = new Uint8Array(randomBytes(50_000))
      const hash = sha(photo)
      expect((await put('village-va', hash, photo, auth)).status).toBe(201)
      expect((await put('village-va', hash, photo, auth)).body.existed).toBe(true)
      const got = await fetch(blobUrl('village-va', hash), { headers: { authorization: auth } })
      expect(got.headers.get('content-type')).toBe('image/jpeg')
      expect(sha(new Uint8Array(await got.arrayBuffer()))).toBe(hash)
      // another village's device may neither read nor write here
      const otherAuth = basic(p.devices[1]!.id, p.devices[1]!.secret)
      expect((await fetch(blobUrl('village-va', hash), { headers: { authorization: otherAuth } })).status).toBe(403)
      expect((await put('village-va', hash, photo, otherAuth)).status).toBe(403)
      expect((await fetch(blobUrl('village-va', hash))).status).toBe(401)
    })

    it('resumes an interrupted upload from the offset the hub reports, and checks the hash', async () => {
      const photo = new Uint8Array(randomBytes(300_000))
      const hash = sha(photo)
      const first = await put('village-va', hash, photo.subarray(0, 100_000), ADMIN_AUTH, `bytes 0-99999/${photo.length}`)
      expect(first).toMatchObject({ status: 202, offset: '100000' })
      // "the connection broke": ask where to continue
      const head = await fetch(blobUrl('village-va', hash), { method: 'HEAD', headers: { authorization: ADMIN_AUTH } })
      expect(head.status).toBe(404)
      const offset = Number(head.headers.get('x-upload-offset'))
      expect(offset).toBe(100_000)
      // a chunk from the wrong place is refused with the right offset
      expect((await put('village-va', hash, photo.subarray(150_000), ADMIN_AUTH, `bytes 150000-299999/${photo.length}`)).offset).toBe('100000')
      const done = await put('village-va', hash, photo.subarray(offset), ADMIN_AUTH, `bytes ${offset}-${photo.length - 1}/${photo.length}`)
      expect(done).toMatchObject({ status: 201, body: { complete: true, size: 300_000 } })
      // content that does not match its name is discarded
      const wrong = await put('village-va', sha(new Uint8Array([1])), new Uint8Array([2]), ADMIN_AUTH)
      expect(wrong.status).toBe(400)
    })

    it('refuses a photo over the size limit', async () => {
      const big = new Uint8Array(randomBytes(1_200_000))
      const r = await putAnsweredEarly(blobUrl('village-va', sha(big)), big, ADMIN_AUTH)
      expect(r.status).toBe(413)
      expect(r.body.reason).toMatch(/at most|too large/i)
      expect((await fetch(`${hub.url}/couch/_up`)).status).toBe(200)
    })
  })

  describe('unfinished uploads and quotas', () => {
    it("keeps each uploader's unfinished upload apart: another tablet cannot squat a photo's name", async () => {
      const [dev] = p.devices
      const owner = basic(dev!.id, dev!.secret)
      const squatter = await enrollTablet(hub, 'va')
      const photo = new Uint8Array(randomBytes(200_000))
      const hash = sha(photo)
      // the squatter starts the upload with bytes of its own
      expect((await put('village-va', hash, new Uint8Array(randomBytes(100_000)), squatter.auth, `bytes 0-99999/${photo.length}`)).status).toBe(202)
      // the genuine tablet starts from 0 and finishes: its bytes, not the squatter's
      expect((await put('village-va', hash, photo.subarray(0, 100_000), owner, `bytes 0-99999/${photo.length}`))).toMatchObject({ status: 202, offset: '100000' })
      expect((await put('village-va', hash, photo.subarray(100_000), owner, `bytes 100000-199999/${photo.length}`)).status).toBe(201)
    })

    it('forgets an unfinished upload after a day', async () => {
      const photo = new Uint8Array(randomBytes(100_000))
      const hash = sha(photo)
      expect((await put('village-va', hash, photo.subarray(0, 50_000), ADMIN_AUTH, `bytes 0-49999/${photo.length}`)).status).toBe(202)
      const stillThere = await ageUnfinished(engine(), hub, hash)
      const head = await fetch(blobUrl('village-va', hash), { method: 'HEAD', headers: { authorization: ADMIN_AUTH } })
      expect(head.headers.get('x-upload-offset')).toBe('0')
      expect(await stillThere()).toBe(false)
    })
  })

  describe('a village quota', () => {
    it('refuses what would take a village past its quota, and keeps taking photos of other villages', async () => {
      const own = engine().another()
      const small = await startHub({ ...own.env, BLOB_QUOTA: '600k', BLOB_MAX_BYTES: '1m' })
      try {
        const q = await provision(small, { township: 'tq', villages: ['va', 'vb'] })
        const a = basic(q.devices[0]!.id, q.devices[0]!.secret)
        const b = basic(q.devices[1]!.id, q.devices[1]!.secret)
        const up = async (db: string, auth: string, n: number) => {
          const data = new Uint8Array(randomBytes(n))
          const res = await fetch(`${small.url}/couch/${db}/_blobs/${sha(data)}`, { method: 'PUT', headers: { authorization: auth, 'content-type': 'image/jpeg' }, body: data as unknown as BodyInit })
          return { status: res.status, body: await res.json() as { reason?: string } }
        }
        expect((await up('village-va', a, 400_000)).status).toBe(201)
        const over = await up('village-va', a, 400_000)
        expect(over.status).toBe(413)
        expect(over.body.reason).toMatch(/quota/)
        expect((await up('village-vb', b, 400_000)).status).toBe(201)
      } finally {
        await small.stop({ removeData: true })
        await own.cleanup()
      }
    })
  })
})

/**
 * Makes the unfinished upload of `hash` in village-va a day and an hour old, where the engine keeps it
 * (a file's time on disk, the upload's record in CouchDB); answers a check of whether it is still there.
 */
async function ageUnfinished(engine: Engine, hub: RunningHub, hash: string): Promise<() => Promise<boolean>> {
  const dayAgo = Date.now() - 25 * 3600_000
  if (engine.name === 'embedded') {
    const dir = join(hub.dataDir, 'blobs', 'village-va')
    const part = readdirSync(dir).find((n) => n.startsWith(hash) && n.endsWith('.part'))!
    utimesSync(join(dir, part), new Date(dayAgo), new Date(dayAgo))
    return async () => existsSync(join(dir, part))
  }
  const url = engine.env.COUCHDB_URL!
  const db = encodeURIComponent(`${engine.env.COUCHDB_PREFIX}hub-blobs`)
  const range = `startkey=${encodeURIComponent(JSON.stringify(`part:village-va:${hash}:`))}&endkey=${encodeURIComponent(JSON.stringify(`part:village-va:${hash}:\ufff0`))}`
  const rows = async () => ((await (await couchAdmin(url, 'GET', `${db}/_all_docs?${range}&include_docs=true`)).json()) as { rows: { doc: Record<string, unknown> }[] }).rows
  const [row] = await rows()
  const doc = row!.doc
  const res = await couchAdmin(url, 'PUT', `${db}/${encodeURIComponent(String(doc._id))}`, { ...doc, updatedAt: dayAgo })
  expect(res.status).toBe(201)
  return async () => (await rows()).length > 0
}
