/* eslint-disable @typescript-eslint/no-explicit-any -- JSON lines of the feed */
import { request, type IncomingMessage } from 'node:http'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { ADMIN, startHub, type RunningHub } from '../support/hub'
import { COUCHDB_TEST_URL, couchAdmin, describeEngines } from '../support/couchdb'
import { basic, couch, proposal, provision, type Provisioned } from './helpers'

/** A `_changes` feed read line by line as it streams (bounded: it is ended by the test or by `ms`). */
function feed(hub: RunningHub, path: string, auth: string, ms = 20_000) {
  const lines: string[] = []
  let res: IncomingMessage | null = null
  let buffer = ''
  const req = request(`${hub.url}/couch/${path}`, { headers: { authorization: auth }, timeout: ms })
  const ended = new Promise<void>((resolve, reject) => {
    req.on('response', (r) => {
      res = r
      r.setEncoding('utf8')
      r.on('data', (c: string) => {
        buffer += c
        let nl: number
        while ((nl = buffer.indexOf('\n')) >= 0) { lines.push(buffer.slice(0, nl)); buffer = buffer.slice(nl + 1) }
      })
      r.on('end', () => resolve())
      r.on('close', () => resolve())
    })
    req.on('timeout', () => req.destroy(new Error(`the feed was still open after ${ms} ms`)))
    req.on('error', reject)
  })
  req.end()
  const rows = () => lines.filter((l) => l.trim() !== '').map((l) => JSON.parse(l))
  return { lines, rows, ended, status: () => res?.statusCode, close: () => req.destroy() }
}

describeEngines('a continuous _changes feed', (engine) => {
  let hub: RunningHub
  let p: Provisioned
  beforeAll(async () => {
    hub = await startHub(engine().env)
    p = await provision(hub, { township: 'tc', villages: ['va'] })
  })
  afterAll(async () => {
    await hub?.stop({ removeData: true })
    await engine().cleanup()
  })

  it('streams each change as a line as it lands, beats while quiet, and stays open', async () => {
    const dev = p.devices[0]!
    const auth = basic(dev.id, dev.secret)
    expect((await couch(hub, 'village-va/_bulk_docs', { auth, body: { docs: [proposal('va', dev.id, 1)] } })).body[0].ok).toBe(true)
    const f = feed(hub, 'village-va/_changes?feed=continuous&heartbeat=1000&since=0', auth)
    await expect.poll(() => f.rows().map((r) => r.id), { timeout: 10_000 }).toEqual([`proposal:p1-${dev.id}`])
    // a write after the feed opened arrives on the same open response
    expect((await couch(hub, 'village-va/_bulk_docs', { auth, body: { docs: [proposal('va', dev.id, 2), proposal('va', dev.id, 3)] } })).body[1].ok).toBe(true)
    // (CouchDB may commit the two of one batch in either order)
    await expect.poll(() => f.rows().map((r) => r.id).sort(), { timeout: 10_000 }).toEqual([1, 2, 3].map((n) => `proposal:p${n}-${dev.id}`))
    expect(f.status()).toBe(200)
    // quiet: heartbeats (empty lines) keep it open
    await expect.poll(() => f.lines.filter((l) => l === '').length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2)
    expect(f.rows().some((r) => r.last_seq !== undefined)).toBe(false)
    f.close()
  })

  it('ends with last_seq after a quiet timeout, and after `limit` changes', async () => {
    const auth = basic(p.devices[0]!.id, p.devices[0]!.secret)
    const quiet = feed(hub, 'village-va/_changes?feed=continuous&timeout=1000&since=now', auth)
    await quiet.ended
    expect(quiet.rows()).toEqual([{ last_seq: expect.anything(), pending: 0 }])
    const two = feed(hub, 'village-va/_changes?feed=continuous&limit=2&since=0', auth)
    await two.ended
    const rows = two.rows()
    expect(rows.filter((r) => r.id)).toHaveLength(2)
    expect(rows.at(-1)!.last_seq).toEqual(rows[1]!.seq)
  })

  it('is refused to a tablet of another village', async () => {
    const other = await provision(hub, { township: 'td', villages: ['vz'] })
    const f = feed(hub, 'village-va/_changes?feed=continuous&timeout=1000', basic(other.devices[0]!.id, other.devices[0]!.secret))
    await f.ended
    expect(f.status()).toBe(403)
  })
})

// CouchDB's own replicator pulls a continuous replication with this feed: from a hub on the embedded
// engine into an Apache CouchDB (a township on CouchDB following a village hub).
it.skipIf(!COUCHDB_TEST_URL)('lets Apache CouchDB follow an embedded hub with a continuous replication', async () => {
  const url = COUCHDB_TEST_URL!
  const hub = await startHub()
  const target = `t${Date.now().toString(36)}_follow`
  let repId: string | null = null
  try {
    const p = await provision(hub, { township: 'tf', villages: ['vf'] })
    const dev = p.devices[0]!
    const auth = basic(dev.id, dev.secret)
    await couch(hub, 'village-vf/_bulk_docs', { auth, body: { docs: [proposal('vf', dev.id, 1)] } })
    expect((await couchAdmin(url, 'PUT', target)).status).toBe(201)
    const source = `${hub.url.replace('//', `//${ADMIN.user}:${ADMIN.password}@`)}/couch/village-vf`
    const rep = await couchAdmin(url, 'POST', '_replicate', { source, target: `${url.replace(/\/$/, '')}/${target}`, continuous: true })
    expect(rep.status).toBe(202)
    repId = ((await rep.json()) as any)._local_id
    const ids = async () => ((await (await couchAdmin(url, 'GET', `${target}/_all_docs`)).json()) as any).rows.map((r: any) => r.id)
    await expect.poll(ids, { timeout: 30_000, interval: 500 }).toEqual([`proposal:p1-${dev.id}`])
    // a later write through the hub follows without a new replication
    await couch(hub, 'village-vf/_bulk_docs', { auth, body: { docs: [proposal('vf', dev.id, 2)] } })
    await expect.poll(ids, { timeout: 30_000, interval: 500 }).toEqual([1, 2].map((n) => `proposal:p${n}-${dev.id}`))
  } finally {
    if (repId) await couchAdmin(url, 'POST', '_replicate', { replication_id: repId, cancel: true })
    await couchAdmin(url, 'DELETE', target)
    await hub.stop({ removeData: true })
  }
}, 90_000)
