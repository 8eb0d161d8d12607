/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers of the hub, read field by field */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHub, type RunningHub } from '../support/hub'
import { COUCHDB_TEST_URL, NOT_RUN, couchAdmin, couchEngine, type Engine } from '../support/couchdb'
import { basic, couch, proposal, provision, type Provisioned } from './helpers'

/** An HTTP proxy in front of CouchDB that notes every request the hub makes of it. */
async function recordingProxy(target: string): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const t = new URL(target)
  const requests: string[] = []
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`)
    const up = http.request({ hostname: t.hostname, port: t.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers)
      r.pipe(res)
    })
    up.on('error', () => res.destroy())
    res.on('close', () => { if (!res.writableFinished) up.destroy() })
    req.pipe(up)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const proxied = new URL(target)
  proxied.port = String((server.address() as AddressInfo).port)
  return {
    url: proxied.toString().replace(/\/$/, ''), requests,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }),
  }
}

/** Waits for `ok` (every 50 ms, at most 10 s). */
async function until(ok: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await ok()) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`${what}: not within 10 s`)
}

/**
 * On CouchDB the hub follows each village with one continuous feed (documents included) and
 * answers woken long-polls from what that feed brought: during a push burst, reading `_changes`
 * from CouchDB again for every wake queued those reads behind the burst's writes.
 */
describe('long-polls on Apache CouchDB, answered from the hub’s own feed', () => {
  if (!COUCHDB_TEST_URL) { it.skip(NOT_RUN, () => undefined); return }
  const couchUrl = COUCHDB_TEST_URL
  let proxy: Awaited<ReturnType<typeof recordingProxy>>
  let engine: Engine
  let hub: RunningHub
  let p: Provisioned

  beforeAll(async () => {
    proxy = await recordingProxy(couchUrl)
    engine = couchEngine(proxy.url)
    hub = await startHub(engine.env)
    p = await provision(hub, { township: 'tf', villages: ['va'] })
  })
  afterAll(async () => {
    await hub?.stop({ removeData: true })
    await engine?.cleanup()
    await proxy?.close()
  })

  it('hears writes through the hub and straight to CouchDB, within the limit, without reading CouchDB’s _changes per wake', async () => {
    const dev = p.devices[0]!
    const auth = basic(dev.id, dev.secret)
    const db = `${engine.env.COUCHDB_PREFIX}village-va`
    const poll = (since: unknown) => couch(hub, `village-va/_changes?feed=longpoll&heartbeat=10000&include_docs=true&style=all_docs&limit=2&since=${encodeURIComponent(String(since))}`, { auth })
    const waiting = async () => (await couch(hub, '_hub/stats')).body.longPolls as number
    const reads = () => proxy.requests.filter((r) => r.includes(`/${db}/_changes`) && !r.includes('feed=continuous'))
    const write = async (n: number[]) => {
      const res = await couch(hub, 'village-va/_bulk_docs', { auth, body: { docs: n.map((i) => proposal('va', dev.id, i)) } })
      expect(res.body.map((r: any) => r.ok)).toEqual(n.map(() => true))
    }
    const ids = (body: any) => body.results.map((r: any) => r.id)
    const id = (n: number) => `proposal:p${n}-${dev.id}`

    // a first long-poll makes the hub follow the village; its feed is under way once CouchDB is asked for it
    const first = poll('now')
    await until(() => proxy.requests.some((r) => r.includes(`/${db}/_changes`) && r.includes('feed=continuous')), 'the hub follows the village')
    await until(async () => (await waiting()) === 1, 'the first long-poll waits')
    await write([1])
    expect(ids((await first).body)).toEqual([id(1)])

    const before = reads().length
    // a tablet starting live (since=now) waits on the feed; a batch of three wakes it, and it takes
    // the batch in answers of at most two (as many as the feed had brought when it answered)
    const live = poll('now')
    await until(async () => (await waiting()) === 1, 'the live long-poll waits')
    await write([2, 3, 4])
    const answers = [(await live).body]
    for (let i = 0; i < 3 && answers.flatMap(ids).length < 3; i++) answers.push((await poll(answers.at(-1).last_seq)).body)
    for (const a of answers) expect(a.results.length).toBeLessThanOrEqual(2)
    // (CouchDB's order within a batch is its shards', not the batch's)
    expect(answers.flatMap(ids).sort()).toEqual([id(2), id(3), id(4)])
    const last = answers.at(-1)
    const n = Number(/p(\d)-/.exec(last.results[0].id)![1])
    expect(last.results[0].doc.body).toEqual(proposal('va', dev.id, n).body)
    // a write another hub made (straight to CouchDB) wakes the next one
    const next = poll(last.last_seq)
    await until(async () => (await waiting()) === 1, 'the next long-poll waits')
    const direct = await couchAdmin(couchUrl, 'POST', `${encodeURIComponent(db)}/_bulk_docs`, { docs: [proposal('va', dev.id, 5)] })
    expect(direct.status).toBe(201)
    const c = (await next).body
    expect(ids(c)).toEqual([id(5)])
    expect(reads().slice(before)).toEqual([])
    // and where the tablet stood is a sequence CouchDB itself takes
    const rest = await couch(hub, `village-va/_changes?since=${encodeURIComponent(String(answers[0].last_seq))}`, { auth })
    expect(ids(rest.body).sort()).toEqual([...answers.slice(1).flatMap(ids), id(5)].sort())
  })
})
