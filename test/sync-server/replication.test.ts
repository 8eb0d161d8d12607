import { PassThrough } from 'node:stream'
import { createRequire } from 'node:module'
import PouchDB from 'pouchdb'
import memoryAdapter from 'pouchdb-adapter-memory'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { ADMIN, startHub, type RunningHub } from '../support/hub'
import { describeEngines } from '../support/couchdb'
import { couch, proposal, provision, type Provisioned } from './helpers'

PouchDB.plugin(memoryAdapter)
const require = createRequire(import.meta.url)
const couchbackup = require('@cloudant/couchbackup') as {
  backup: (url: string, out: NodeJS.WritableStream, opts: object, cb: (err: Error | null, total?: unknown) => void) => void
  restore: (input: NodeJS.ReadableStream, url: string, opts: object, cb: (err: Error | null, total?: unknown) => void) => void
}

let a: RunningHub
let b: RunningHub
let pa: Provisioned
const adminUrl = (hub: RunningHub, db: string) => `http://${ADMIN.user}:${ADMIN.password}@127.0.0.1:${hub.port}/couch/${db}`

/** Every document of a database with its full revision history, sorted by id. */
async function snapshot(hub: RunningHub, db: string): Promise<unknown[]> {
  const all = await couch(hub, `${db}/_all_docs`)
  const out = []
  for (const row of all.body.rows as { id: string }[]) {
    out.push((await couch(hub, `${db}/${encodeURIComponent(row.id)}?revs=true`)).body)
  }
  return out
}

describeEngines('CouchDB replication clients', (engine) => {
  beforeAll(async () => {
    ;[a, b] = await Promise.all([startHub(engine().env), startHub(engine().another().env)])
    pa = await provision(a, { township: 'tr', villages: ['va'] })
    await provision(b, { township: 'tr', villages: ['va'] })
  })
  afterAll(async () => { await Promise.all([a?.stop({ removeData: true }), b?.stop({ removeData: true })]); await engine().cleanup() })

  it('replicates a village database both ways with PouchDB as an independent client', async () => {
    const dev = pa.devices[0]!
    const remote = new PouchDB(`${a.url}/couch/village-va`, { auth: { username: dev.id, password: dev.secret }, skip_setup: true } as PouchDB.Configuration.RemoteDatabaseConfiguration)
    const local = new PouchDB(`local-${Date.now()}`, { adapter: 'memory' })
    await local.bulkDocs(Array.from({ length: 50 }, (_, i) => proposal('va', dev.id, 100 + i)) as never)
    const up = await local.replicate.to(remote)
    expect(up.docs_written).toBe(50)
    expect(up.doc_write_failures).toBe(0)
    await couch(a, 'village-va/_bulk_docs', { body: { docs: [proposal('va', 'hub', 999)] } })
    const down = await local.replicate.from(remote)
    expect(down.docs_written).toBe(1)
    expect((await local.info()).doc_count).toBe(51)
    // resumable: a second run finds nothing to do
    expect((await local.replicate.to(remote)).docs_written).toBe(0)
    await local.destroy()
    await remote.close()
  })

  it('peer-syncs a village database to another hub and resumes from its checkpoint', async () => {
    const first = await couch(a, '_hub/peers', { body: { db: 'village-va', remote: adminUrl(b, 'village-va'), direction: 'push' } })
    expect(first.status, JSON.stringify(first.body)).toBe(200)
    expect(first.body.result.docs_written).toBeGreaterThanOrEqual(51)
    await couch(a, 'village-va/_bulk_docs', { body: { docs: [proposal('va', 'hub', 1000), proposal('va', 'hub', 1001)] } })
    const second = await couch(a, '_hub/peers', { body: { db: 'village-va', remote: adminUrl(b, 'village-va'), direction: 'push' } })
    expect(second.body.result.docs_written).toBe(2)
    expect(await snapshot(b, 'village-va')).toEqual(await snapshot(a, 'village-va'))
    // continuous, listed without its password
    const live = await couch(b, '_hub/peers', { body: { db: 'village-va', remote: adminUrl(a, 'village-va'), direction: 'pull', continuous: true } })
    expect(live.status).toBe(202)
    await couch(a, 'village-va/_bulk_docs', { body: { docs: [proposal('va', 'hub', 1002)] } })
    const deadline = Date.now() + 10_000
    while ((await couch(b, `village-va/${encodeURIComponent('proposal:p1002-hub')}`)).status !== 200) {
      if (Date.now() > deadline) throw new Error('continuous peer sync did not carry the document')
      await new Promise((r) => setTimeout(r, 100))
    }
    const list = await couch(b, '_hub/peers')
    expect(JSON.stringify(list.body)).not.toContain(ADMIN.password)
    expect((await couch(b, `_hub/peers/${live.body.id}`, { method: 'DELETE' })).status).toBe(200)
  })

  it('backs up with @cloudant/couchbackup and restores into a fresh hub with the same documents and revisions', async () => {
    const out = new PassThrough()
    let backup = ''
    out.on('data', (c: Buffer) => { backup += c.toString() })
    await new Promise<void>((resolve, reject) => couchbackup.backup(adminUrl(a, 'village-va'), out, { parallelism: 2 }, (err) => (err ? reject(err) : resolve())))
    const fresh = await startHub(engine().another().env)
    try {
      expect((await couch(fresh, 'village-va', { method: 'PUT' })).status).toBe(201)
      const input = new PassThrough()
      input.end(backup)
      await new Promise<void>((resolve, reject) => couchbackup.restore(input, adminUrl(fresh, 'village-va'), { parallelism: 2 }, (err) => (err ? reject(err) : resolve())))
      const [before, after] = [await snapshot(a, 'village-va'), await snapshot(fresh, 'village-va')]
      expect(after.length).toBeGreaterThan(50)
      expect(after).toEqual(before)
    } finally {
      await fresh.stop({ removeData: true })
    }
  })
})
