import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHub, type RunningHub } from '../support/hub'
import { basic, couch, proposal, provision, type Provisioned } from './helpers'
import { startExpressPouch, type ExpressPouch } from './express-pouchdb'

// No Apache CouchDB can be installed here; express-pouchdb speaks enough of its protocol to
// stand in for one behind COUCHDB_URL, so the engine path is exercised end to end.
let couchdb: ExpressPouch
let hub: RunningHub
let p: Provisioned

beforeAll(async () => {
  couchdb = await startExpressPouch()
  hub = await startHub({ COUCHDB_URL: couchdb.url })
  p = await provision(hub, { township: 'tc', villages: ['va', 'vb'] })
})
afterAll(async () => {
  await hub?.stop({ removeData: true })
  await couchdb?.stop()
})

describe('COUCHDB_URL engine', () => {
  it('keeps the databases in the CouchDB and applies the same routes and rules', async () => {
    expect((await couch(hub, '_up')).body.engine).toBe('couchdb')
    const dbs = await (await fetch(`${couchdb.url}/_all_dbs`)).json() as string[]
    expect(dbs).toEqual(expect.arrayContaining(['village-va', 'village-vb', 'hub-accounts', 'hub-quarantine']))
    const dev = p.devices[0]!
    const auth = basic(dev.id, dev.secret)
    const rows = await couch(hub, 'village-va/_bulk_docs', { auth, body: { docs: [proposal('va', dev.id, 1), { ...proposal('va', dev.id, 2), village: 'vb' }] } })
    expect(rows.body[0].ok).toBe(true)
    expect(rows.body[1]).toMatchObject({ error: 'conflict' })
    const stored = await (await fetch(`${couchdb.url}/village-va/${encodeURIComponent(`proposal:p1-${dev.id}`)}`)).json() as { device: string }
    expect(stored.device).toBe(dev.id)
    expect((await couch(hub, 'village-vb/_all_docs', { auth })).status).toBe(403)
    const changes = await couch(hub, 'village-va/_changes?include_docs=true&style=all_docs', { auth })
    expect(changes.body.results.map((r: { id: string }) => r.id)).toContain(`proposal:p1-${dev.id}`)
    const poll = couch(hub, 'village-va/_changes?feed=longpoll&since=now&timeout=10000', { auth })
    await new Promise((r) => setTimeout(r, 300))
    await couch(hub, 'village-va/_bulk_docs', { auth, body: { docs: [proposal('va', dev.id, 3)] } })
    expect((await poll).body.results[0].id).toBe(`proposal:p3-${dev.id}`)
  })
})
