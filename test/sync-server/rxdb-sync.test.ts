import { afterAll, beforeAll, expect, it } from 'vitest'
import { startHub, type RunningHub } from '../support/hub'
import { describeEngines } from '../support/couchdb'
import { couch, provision, type Provisioned } from './helpers'
import { rxTablet, type RxTablet } from './rxdb'
import type { YishiDoc } from '../../src/shared/schemas/index'

let hub: RunningHub
let p: Provisioned
const open: RxTablet[] = []

async function eventually(check: () => Promise<boolean> | boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

function doc(device: string, n: number, extra: Partial<YishiDoc> = {}): YishiDoc {
  return {
    id: `proposal:rx${n}-${device}`, kind: 'proposal', v: 1, village: 'va', year: 2026, author: 'person:p1', device,
    deviceTime: 1_790_000_000_000 + n, seq: n, ref: '', body: { title: `路灯 ${n}`, status: 'draft' }, ...extra,
  } as YishiDoc
}

describeEngines('RxDB CouchDB plugin through the hub', (engine) => {
  beforeAll(async () => {
    hub = await startHub(engine().env)
    p = await provision(hub, { township: 'rxt', villages: ['va', 'vb'] })
  })
  afterAll(async () => {
    for (const t of open) await t.close().catch(() => undefined)
    await hub?.stop({ removeData: true })
    await engine().cleanup()
  })

  it('syncs two tablets of one village both ways', async () => {
    const [da] = p.devices
    const url = `${hub.url}/couch/village-va/`
    const waiting = async () => (await couch(hub, '_hub/stats')).body.longPolls as number
    const before = await waiting()
    const a = await rxTablet(url, da!.id, da!.secret)
    // a second tablet of the same village, with the clerk's account
    const b = await rxTablet(url, p.clerk.name, p.clerk.password)
    open.push(a, b)
    await a.sync.awaitInSync(); await b.sync.awaitInSync()
    // RxDB's live pull starts from `now` after its first pull: a write that lands in between is
    // left for its next full pull; wait until both tablets are listening
    await eventually(async () => (await waiting()) >= before + 2)
    await a.docs.insert(doc(da!.id, 1))
    await b.docs.insert(doc(p.clerk.name, 2, { author: p.clerk.name }))
    await eventually(async () => (await b.docs.findOne(`proposal:rx1-${da!.id}`).exec()) !== null)
    await eventually(async () => (await a.docs.findOne(`proposal:rx2-${p.clerk.name}`).exec()) !== null)
    expect(a.errors).toEqual([])
    expect(b.errors).toEqual([])
  })

  it('quarantines a forged document, answers conflict, and the push loop ends', async () => {
    const [da, db] = p.devices
    const url = `${hub.url}/couch/village-va/`
    const t = await rxTablet(url, da!.id, da!.secret)
    open.push(t)
    await t.sync.awaitInSync()
    // forged: claims to be written by another device; plus one valid document in the same batch
    await t.docs.bulkInsert([doc(db!.id, 10), doc(da!.id, 11)])
    await eventually(async () => (await t.docs.find({ selector: { kind: "rejection" } }).exec()).length === 1).catch(async (e) => { console.log(JSON.stringify(t.errors).slice(0, 3000), hub.output().slice(-3000), JSON.stringify((await couch(hub, "village-va/_all_docs?include_docs=true")).body).slice(0, 3000)); throw e })
    const forged = await t.docs.findOne(`proposal:rx10-${db!.id}`).exec()
    await eventually(async () => (await t.docs.findOne(`proposal:rx10-${db!.id}`).exec())?.refused !== undefined)
    expect(forged).not.toBeNull()
    const notice = (await t.docs.find({ selector: { kind: 'rejection' } }).exec())[0]!
    expect(notice.body.subjectId).toBe(`proposal:rx10-${db!.id}`)
    expect(String(notice.body.reason)).toContain('device')
    // the valid one landed
    expect((await couch(hub, `village-va/proposal:rx11-${da!.id}`)).status).toBe(200)
    // and the push loop has ended: no more requests beyond the idle long-poll
    await t.sync.awaitInSync()
    const before = t.requests()
    await new Promise((r) => setTimeout(r, 1500))
    expect(t.requests() - before).toBeLessThanOrEqual(1)
    // the admin sees it in quarantine
    const q = await couch(hub, '_hub/quarantine?db=village-va')
    expect(q.body.some((e: { docId: string; reason: string }) => e.docId === `proposal:rx10-${db!.id}` && e.reason.includes('device'))).toBe(true)
  })
})
