import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHub, type RunningHub } from '../support/hub'
import { couch, provision } from '../sync-server/helpers'
import { openSyncedTablet, type SyncedTablet } from './sync-helpers'

const VILLAGE = 'vspeed'
let hub: RunningHub
const open: SyncedTablet[] = []

beforeAll(async () => {
  hub = await startHub()
  await provision(hub, { township: 'tspeed', villages: [VILLAGE] })
})
afterAll(async () => {
  for (const t of open) await t.close().catch(() => undefined)
  await hub?.stop({ removeData: true })
})

async function tablet(): Promise<SyncedTablet> {
  const t = await openSyncedTablet(hub, VILLAGE)
  open.push(t)
  return t
}

describe('"sync now" on a busy tablet', () => {
  it('counts every record of this device as on the hub afterwards, also when its seqs have gaps', async () => {
    const a = await tablet()
    // records with gaps in their seqs (as after archiving a year), written past the writer
    const seqs = [3, 4, 9, 40, 41, 1000]
    const docs = seqs.map((seq, i) => ({ ...a.data.writer.stamp('comment', `comment:gap${i}`, '', { text: `第${i}条`, at: Date.now() }), seq }))
    await a.vdb.docs.bulkInsert(docs)
    expect(await a.sync.syncNow(20_000)).toBe(true)
    expect(a.sync.state.ackedSeq).toBe(1000)
    expect(await a.sync.pendingCount()).toBe(0)
    for (const d of docs) expect((await couch(hub, `village-${VILLAGE}/${d.id}`)).status).toBe(200)

    // and again with seqs without gaps, through the writer
    for (let i = 0; i < 5; i++) await a.data.writer.insert([{ kind: 'comment', id: `comment:dense${i}`, ref: '', body: { text: '好', at: Date.now() } }])
    await a.sync.stop()
    const [top] = await a.vdb.docs.find({ selector: { device: a.device.id }, sort: [{ seq: 'desc' }], limit: 1 }).exec()
    expect(await a.sync.syncNow(20_000)).toBe(true)
    expect(a.sync.state.ackedSeq).toBe(top?.seq)
    expect(await a.sync.pendingCount()).toBe(0)
  })

  it('still brings a record that another tablet changed after this one pushed it', async () => {
    const a = await tablet()
    const b = await tablet()
    const prop = await a.data.proposals.create({ title: '修水渠', description: '', proposedBy: 'person:a', createdAt: Date.now() })
    expect(await a.sync.syncNow(20_000)).toBe(true)
    expect(await b.sync.syncNow(20_000)).toBe(true)
    await b.data.proposals.update(prop.id, { title: '修水渠和道路' })
    expect(await b.sync.syncNow(20_000)).toBe(true)
    let title = ''
    for (let i = 0; i < 100 && title !== '修水渠和道路'; i++) {
      title = (await a.data.proposals.get(prop.id))?.title ?? ''
      if (title !== '修水渠和道路') await new Promise((r) => setTimeout(r, 50))
    }
    expect(title).toBe('修水渠和道路')
  })
})
