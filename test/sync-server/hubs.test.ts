/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers of the hub, read field by field */
import { createHash, randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHub, type RunningHub } from '../support/hub'
import { CLUSTER_NOT_RUN, COUCHDB_CLUSTER_URLS, COUCHDB_TEST_URL, NOT_RUN, couchAdmin, couchEngine, type Engine } from '../support/couchdb'
import { basic, couch, proposal, provision, type Provisioned } from './helpers'

/**
 * Stateless hubs: two hub processes in front of one Apache CouchDB (and in front of a 3-node
 * cluster, each hub talking to a different node) serve the same villages. Whatever one hub
 * writes or decides, the other sees: long-polls, enrollment, revocation, passwords, votes,
 * summaries and arrival times, council years.
 */
function twoHubs(title: string, urls: () => [string, string]): void {
  describe(title, () => {
    let engine: Engine
    let a: RunningHub
    let b: RunningHub
    let p: Provisioned
    const now = Date.now()

    beforeAll(async () => {
      const [ua, ub] = urls()
      engine = couchEngine(ua)
      a = await startHub(engine.env)
      b = await startHub({ ...engine.env, COUCHDB_URL: ub })
      p = await provision(a, { township: 'th', villages: ['va', 'vb'] })
    })
    afterAll(async () => {
      await Promise.all([a?.stop({ removeData: true }), b?.stop({ removeData: true })])
      await engine?.cleanup()
    })

    it('keeps the data in CouchDB, and a tablet waiting on one hub hears a write made through the other', async () => {
      const dbs = await (await couchAdmin(urls()[0], 'GET', '_all_dbs')).json() as string[]
      expect(dbs).toEqual(expect.arrayContaining([`${engine.env.COUCHDB_PREFIX}village-va`, `${engine.env.COUCHDB_PREFIX}hub-accounts`]))
      const dev = p.devices[0]!
      const auth = basic(dev.id, dev.secret)
      const since = (await couch(a, 'village-va', { auth })).body.update_seq
      const poll = couch(a, `village-va/_changes?feed=longpoll&heartbeat=5000&include_docs=true&since=${encodeURIComponent(String(since))}`, { auth })
      await new Promise((r) => setTimeout(r, 300))
      const pushed = await couch(b, 'village-va/_bulk_docs', { auth, body: { docs: [proposal('va', dev.id, 1)] } })
      expect(pushed.body[0].ok).toBe(true)
      expect((await poll).body.results.map((r: any) => r.id)).toEqual([`proposal:p1-${dev.id}`])
      // the other village stays out of reach on either hub
      expect((await couch(b, 'village-vb/_all_docs', { auth })).status).toBe(403)
    })

    it('serves a photo sent through the other hub, and continues an upload broken on the other hub', async () => {
      const dev = p.devices[0]!
      const auth = basic(dev.id, dev.secret)
      const photo = new Uint8Array(randomBytes(120_000))
      const hash = createHash('sha256').update(photo).digest('hex')
      const put = (h: RunningHub, body: Uint8Array, range: string) => fetch(`${h.url}/couch/village-va/_blobs/${hash}`, {
        method: 'PUT', headers: { authorization: auth, 'content-type': 'image/jpeg', 'content-range': range }, body: body as unknown as BodyInit, signal: AbortSignal.timeout(10_000),
      })
      expect((await put(a, photo.subarray(0, 50_000), `bytes 0-49999/${photo.length}`)).status).toBe(202)
      // the link drops; the tablet comes back through the other hub, which knows where the upload stands
      const head = await fetch(`${b.url}/couch/village-va/_blobs/${hash}`, { method: 'HEAD', headers: { authorization: auth } })
      expect(head.headers.get('x-upload-offset')).toBe('50000')
      expect((await put(b, photo.subarray(50_000), `bytes 50000-119999/${photo.length}`)).status).toBe(201)
      const got = await fetch(`${a.url}/couch/village-va/_blobs/${hash}`, { headers: { authorization: auth } })
      expect(got.status).toBe(200)
      expect(got.headers.get('content-type')).toBe('image/jpeg')
      expect(createHash('sha256').update(new Uint8Array(await got.arrayBuffer())).digest('hex')).toBe(hash)
      // and the other village's tablet reads it through neither hub
      const other = basic(p.devices[1]!.id, p.devices[1]!.secret)
      for (const h of [a, b]) expect((await fetch(`${h.url}/couch/village-va/_blobs/${hash}`, { headers: { authorization: other } })).status).toBe(403)
    })

    it('enrolls with a code made on the other hub, once only, even when redeemed through both at once', async () => {
      const code = (await couch(a, '_hub/enrollments', { body: { village: 'va' } })).body.code
      const redeemed = await couch(b, '_hub/enroll', { auth: null, body: { code, label: 'tablet b' } })
      expect(redeemed.status).toBe(201)
      expect((await couch(a, 'village-va', { auth: basic(redeemed.body.device, redeemed.body.secret) })).status).toBe(200)
      expect((await couch(a, '_hub/enroll', { auth: null, body: { code } })).status).toBe(403)
      const twice = (await couch(b, '_hub/enrollments', { body: { village: 'va' } })).body.code
      const both = await Promise.all([a, b].map((h) => couch(h, '_hub/enroll', { auth: null, body: { code: twice } })))
      expect(both.map((r) => r.status).sort()).toEqual([201, 403])
    })

    it('cuts off a device revoked on the other hub, and takes a password changed on the other hub', async () => {
      const dev = p.devices[1]!
      const auth = basic(dev.id, dev.secret)
      expect((await couch(b, 'village-vb', { auth })).status).toBe(200) // b now remembers this login
      expect((await couch(a, `_hub/devices/${dev.id}/revoke`, { method: 'POST' })).status).toBe(200)
      await expect.poll(async () => (await couch(b, 'village-vb', { auth })).status, { timeout: 10_000, interval: 100 }).toBe(401)

      const old = basic(p.clerk.name, p.clerk.password)
      expect((await couch(a, 'village-va', { auth: old })).status).toBe(200)
      expect((await couch(b, `_hub/users/${p.clerk.name}`, { method: 'PUT', body: { password: 'a-new-password-2' } })).status).toBe(200)
      await expect.poll(async () => (await couch(a, 'village-va', { auth: old })).status, { timeout: 10_000, interval: 100 }).toBe(401)
      expect((await couch(a, 'village-va', { auth: basic(p.clerk.name, 'a-new-password-2') })).status).toBe(200)
    })

    it('ends a session on every hub when it is ended through one (logout, twice over)', async () => {
      expect((await couch(a, '_hub/users', { body: { name: 'session-user', password: 'session-password-1', role: 'clerk', village: 'va' } })).status).toBe(201)
      const login = async (h: RunningHub) => {
        const r = await couch(h, '_session', { auth: null, body: { name: 'session-user', password: 'session-password-1' } })
        expect(r.status).toBe(200)
        return String(r.headers.get('set-cookie')).split(';')[0]!
      }
      for (const [via, other] of [[a, b], [b, a]] as const) {
        const cookie = await login(other)
        expect((await couch(via, 'village-va', { auth: null, headers: { cookie } })).status).toBe(200)
        expect((await couch(via, '_session', { method: 'DELETE', auth: null, headers: { cookie } })).status).toBe(200)
        await expect.poll(async () => (await couch(other, 'village-va', { auth: null, headers: { cookie } })).status, { timeout: 10_000, interval: 100 }).toBe(401)
      }
    })

    it('counts failed logins across hubs: guesses spread over both meet one limit', async () => {
      expect((await couch(a, '_hub/users', { body: { name: 'guessed-user', password: 'right-password-1', role: 'clerk', village: 'va' } })).status).toBe(201)
      const wrong = basic('guessed-user', 'wrong-password')
      for (let i = 0; i < 10; i++) expect((await couch(i % 2 ? a : b, 'village-va', { auth: wrong })).status).toBe(401)
      const right = basic('guessed-user', 'right-password-1')
      expect((await couch(a, 'village-va', { auth: right })).status).toBe(429)
      expect((await couch(b, 'village-va', { auth: right })).status).toBe(429)
    })

    it('judges a ballot by the vote as the other hub last wrote it', async () => {
      const dev = p.devices[0]!
      const auth = basic(dev.id, dev.secret)
      const env = (kind: string, rest: string, body: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
        ({ _id: `${kind}:${rest}`, kind, v: 1, village: 'va', year: 2026, author: 'person:p1', device: dev.id, deviceTime: now, seq: 1, ref: '', body, ...extra })
      const voteBody = {
        title: '民生项目', kind: 'project-selection', ballotType: 'approval', minChoices: 0, maxChoices: 1, budget: 100,
        candidates: [{ id: 'project:a', title: 'A', cost: 10 }], opensAt: now - 3_600_000, closesAt: now + 3_600_000, roster: [],
      }
      const ballot = (rest: string, castAt: number) => env('ballot', rest, { voteId: 'vote:hv', choices: ['project:a'], castAt }, { ref: 'vote:hv' })
      const [vote] = (await couch(a, 'village-va/_bulk_docs', { auth, body: { docs: [env('vote', 'hv', voteBody)] } })).body
      expect((await couch(a, 'village-va/_bulk_docs', { auth, body: { docs: [ballot('h1', now + 60_000)] } })).body[0].ok).toBe(true)
      const [closed] = (await couch(b, 'village-va/_bulk_docs', { auth, body: { docs: [{ ...env('vote', 'hv', { ...voteBody, closedAt: now + 1000 }), _rev: vote.rev }] } })).body
      expect(closed.ok).toBe(true)
      const [late] = (await couch(a, 'village-va/_bulk_docs', { auth, body: { docs: [ballot('h2', now + 60_000)] } })).body
      expect(late.reason).toContain('closed')
    })

    it('shows a write made through one hub in the other’s township summary and council year', async () => {
      const staff = basic(p.staff.name, p.staff.password)
      const dev = p.devices[0]!
      const summary = async (h: RunningHub) => (await fetch(`${h.url}/hub/township/summary`, { headers: { authorization: staff } }).then((r) => r.json())) as any
      const before = (await summary(a)).villages.find((v: any) => v.villageId === 'va')
      const year = async (h: RunningHub) => (await couch(h, 'village-va/_year/2026', { auth: staff })).body.total as number
      const yearBefore = await year(a)
      const pushedAt = Date.now()
      expect((await couch(b, 'village-va/_bulk_docs', { auth: basic(dev.id, dev.secret), body: { docs: [proposal('va', dev.id, 2)] } })).body[0].ok).toBe(true)
      expect(await year(a)).toBe(yearBefore + 1)
      await expect.poll(async () => {
        const v = (await summary(a)).villages.find((x: any) => x.villageId === 'va')
        const tablet = v.tablets.find((t: any) => t.device === dev.id)
        return { docs: v.docCount, reached: (tablet?.lastSyncAt ?? 0) >= pushedAt }
      }, { timeout: 15_000, interval: 300 }).toEqual({ docs: before.docCount + 1, reached: true })
    })
  })
}

if (COUCHDB_TEST_URL) {
  const url = COUCHDB_TEST_URL
  twoHubs('two hubs in front of one Apache CouchDB', () => [url, url])
} else {
  describe('two hubs in front of one Apache CouchDB', () => { it.skip(NOT_RUN, () => undefined) })
}
if (COUCHDB_CLUSTER_URLS.length >= 2) {
  twoHubs('two hubs in front of a 3-node CouchDB cluster, each on its own node', () => [COUCHDB_CLUSTER_URLS[0]!, COUCHDB_CLUSTER_URLS[1]!])
} else {
  describe('two hubs in front of a 3-node CouchDB cluster', () => { it.skip(CLUSTER_NOT_RUN, () => undefined) })
}
