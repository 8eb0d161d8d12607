/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers of the hub, read field by field */
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHub, type RunningHub } from '../support/hub'
import { describeEngines } from '../support/couchdb'
import { basic, couch, enrollTablet, provision, type Provisioned } from './helpers'

// Bounded work per request (issue #12): one small request from one tablet, or anyone on the
// network, cannot freeze the hub, fill its memory or its quarantine, or keep a connection forever.

let hub: RunningHub
let p: Provisioned
let auth: string
let device: string
const NOW = Date.now()
let seq = 0

describeEngines('trust boundary: limits', (engine) => {
  beforeAll(async () => {
    hub = await startHub({ ...engine().env, BODY_TIMEOUT: '2' })
    p = await provision(hub, { township: 'tl', villages: ['va'] })
    device = p.devices[0]!.id
    auth = basic(device, p.devices[0]!.secret)
  })
  afterAll(async () => { await hub?.stop({ removeData: true }); await engine().cleanup() })

  const proposal = (rest: string, body: Record<string, unknown> = { title: '修路', status: 'draft' }, by = device) =>
    ({ _id: `proposal:${rest}`, kind: 'proposal', v: 1, village: 'va', year: 2026, author: 'person:p1', device: by, deviceTime: NOW, seq: ++seq, ref: '', body })
  const alive = async () => {
    expect(hub.process.exitCode).toBeNull()
    expect((await couch(hub, '_up', { auth: null })).status).toBe(200)
  }
  const quarantined = async () => (await couch(hub, '_hub/quarantine?db=village-va&limit=5000')).body.length as number

  /** Sends the head of a request and `sent` bytes of a body of `length`, never the rest; resolves with the answer or 'no answer'. */
  function partialBody(path: string, headers: Record<string, string>, length: number, sent: number, waitMs: number): Promise<{ status: number | 'no answer'; closed: boolean }> {
    return new Promise((resolve) => {
      let status: number | 'no answer' = 'no answer'
      let settled = false
      const req = request(`${hub.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(length), ...headers } })
      const done = (closed: boolean) => { if (!settled) { settled = true; clearTimeout(timer); req.destroy(); resolve({ status, closed }) } }
      const timer = setTimeout(() => done(false), waitMs)
      req.on('response', (res) => {
        status = res.statusCode ?? 0
        res.resume()
        res.on('end', () => { req.socket?.once('close', () => done(true)); setTimeout(() => done(req.socket?.destroyed ?? false), 3000).unref() })
      })
      req.on('error', () => done(true))
      req.write('{"docs":['.padEnd(sent, ' '))
    })
  }

  describe('bounded work per request', () => {
    it('answers a batch of more documents than it takes with 413, before judging or quarantining any', async () => {
      const before = await quarantined()
      const r = await couch(hub, 'village-va/_bulk_docs', { auth, raw: `{"docs":[${Array(40_000).fill('{}').join(',')}]}` })
      expect(r.status).toBe(413)
      expect(r.body).toMatchObject({ error: 'too_large', reason: expect.stringMatching(/documents/) })
      expect(await quarantined()).toBe(before)
      await alive()
    })

    it('quarantines a device\'s refusals up to its share: past it the push waits (429) and nothing of it lands', async () => {
      const other = await enrollTablet(hub, 'va')
      const refusable = (n: number, from: number) => Array.from({ length: n }, (_, i) => proposal(`nt${from + i}`, { status: 'draft' }, other.id))
      const first = await couch(hub, 'village-va/_bulk_docs', { auth: other.auth, body: { docs: refusable(600, 0) } })
      expect(first.status).toBe(201)
      expect(first.body.every((row: any) => row.error === 'conflict')).toBe(true)
      const before = await quarantined()
      const second = await couch(hub, 'village-va/_bulk_docs', { auth: other.auth, body: { docs: [...refusable(600, 600), proposal('fine-after', undefined, other.id)] } })
      expect(second.status).toBe(429)
      expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(0)
      expect(await quarantined()).toBe(before)
      expect((await couch(hub, 'village-va/proposal:fine-after')).status).toBe(404)
      // other tablets are not held back by it
      const mine = await couch(hub, 'village-va/_bulk_docs', { auth, body: { docs: [proposal('meanwhile')] } })
      expect(mine.body[0].ok).toBe(true)
    })

    it('answers reads naming more keys than it takes with 413', async () => {
      const keys = Array.from({ length: 1500 }, (_, i) => `proposal:k${i}`)
      for (const [path, body] of [
        ['village-va/_all_docs', { keys }],
        ['village-va/_bulk_get', { docs: keys.map((id) => ({ id })) }],
        ['village-va/_revs_diff', Object.fromEntries(keys.map((k) => [k, ['1-a']]))],
        ['village-va/_changes?filter=_doc_ids', { doc_ids: keys }],
      ] as const) {
        const r = await couch(hub, path, { auth, body })
        expect(r.status, path).toBe(413)
        expect(r.body.error, path).toBe('too_large')
      }
      await alive()
    })

    it('refuses an answer larger than it sends (one 400 KB record named 900 times) instead of building it', async () => {
      const big = proposal('big400', { title: '大', status: 'draft', pad: 'z'.repeat(400_000) })
      expect((await couch(hub, 'village-va/_bulk_docs', { auth, body: { docs: [big] } })).body[0].ok).toBe(true)
      for (const n of [900, 1500]) {
        const r = await couch(hub, 'village-va/_all_docs', { auth, body: { keys: Array(n).fill(big._id), include_docs: true } })
        expect(r.status, `${n} keys`).toBe(413)
        expect(r.body.error).toBe('too_large')
      }
      await alive()
    })

    it('reads large records in full pages that pullers follow to the end, and refuses reads by key past the answer\'s size', async () => {
      const ids: string[] = []
      for (let b = 0; b < 10; b++) {
        const docs = Array.from({ length: 8 }, (_, i) => proposal(`large-${b}-${i}`, { title: '大', status: 'draft', pad: 'q'.repeat(400_000) }))
        ids.push(...docs.map((d) => d._id))
        const r = await couch(hub, 'village-va/_bulk_docs', { auth, body: { docs } })
        expect(r.body.every((row: any) => row.ok), JSON.stringify(r.body).slice(0, 300)).toBe(true)
      }
      // RxDB's pull stops at a page shorter than it asked for: a page is never cut short of its limit
      let since: unknown = 0
      const seen = new Set<string>()
      for (let pages = 0; pages < 200; pages++) {
        const r = await couch(hub, `village-va/_changes?include_docs=true&style=all_docs&limit=40&since=${encodeURIComponent(String(since))}`, { auth })
        expect(r.status).toBe(200)
        for (const row of r.body.results) if (ids.includes(row.id)) seen.add(row.id)
        since = r.body.last_seq
        if (r.body.results.length < 40) break
      }
      expect(seen.size).toBe(ids.length)
      // records read by id: refused past the answer's size
      const get = await couch(hub, 'village-va/_bulk_get', { auth, body: { docs: ids.map((id) => ({ id })) } })
      expect(get.status).toBe(413)
      expect((await couch(hub, 'village-va/_all_docs', { auth, body: { keys: ids, include_docs: true } })).status).toBe(413)
      expect((await couch(hub, 'village-va/_all_docs?include_docs=true&startkey="proposal:large"&endkey="proposal:large\ufff0"', { auth })).status).toBe(413)
      // and a council year is read in pages of bounded size, each naming the next
      const year = await couch(hub, 'village-va/_year/2026?limit=1000', { auth })
      expect(year.status).toBe(200)
      expect(year.body.docs.length).toBeLessThan(ids.length)
      expect(year.body.next).not.toBeNull()
    })
  })

  describe('bodies', () => {
    it('refuses an anonymous request before reading its body, and closes the connection', async () => {
      const r = await partialBody('/couch/village-va/_bulk_docs', {}, 7_000_000, 100, 10_000)
      expect(r.status).toBe(401)
      expect(r.closed).toBe(true)
    })

    it('ends an authenticated body that does not arrive in time with 408', async () => {
      const r = await partialBody('/couch/village-va/_bulk_docs', { authorization: auth }, 100_000, 100, 20_000)
      expect(r.status).toBe(408)
      expect(r.closed).toBe(true)
      await alive()
    })
  })

  describe('shutdown', () => {
    it('honours SIGTERM while the largest requests it is sent are being worked on', async () => {
      const h = await startHub(engine().another().env)
      try {
        const q = await provision(h, { township: 'ts', villages: ['vs'] })
        const a = basic(q.devices[0]!.id, q.devices[0]!.secret)
        const empties = `{"docs":[${Array(1_300_000).fill('{}').join(',')}]}`
        const requests = [
          fetch(`${h.url}/couch/village-vs/_bulk_docs`, { method: 'POST', headers: { authorization: a, 'content-type': 'application/json' }, body: empties }).catch(() => null),
          ...Array.from({ length: 5 }, () => fetch(`${h.url}/couch/village-vs/_changes?feed=longpoll&since=now&heartbeat=10000`, { headers: { authorization: a } }).catch(() => null)),
        ]
        await new Promise((r) => setTimeout(r, 1500))
        const exited = new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), 30_000)
          h.process.once('exit', () => { clearTimeout(timer); resolve(true) })
        })
        h.process.kill('SIGTERM')
        expect(await exited).toBe(true)
        await Promise.all(requests)
      } finally {
        await h.stop({ removeData: true, signal: 'SIGKILL' })
      }
    })
  })
})
