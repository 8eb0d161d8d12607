import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as D from '@/domain'
import type { YishiDoc } from '@/shared/schemas'
import { startHub, type RunningHub } from '../support/hub'
import { archiveYear } from '@/data'
import { auditSnapshot } from '@/data/repositories/supervision'
import { basic, couch, provision } from '../sync-server/helpers'
import { eventually } from './helpers'
import { openSyncedTablet, type SyncedTablet } from './sync-helpers'

// The audit chain the tablet's writer stores is the domain's: the domain's verifier checks it,
// the hub checks each pushed event with the domain's rule, and tampering is named in words.

let hub: RunningHub
const open: SyncedTablet[] = []
beforeAll(async () => { hub = await startHub(); await provision(hub, { township: 'tau', villages: ['vau'] }) })
afterAll(async () => { for (const t of open) await t.close().catch(() => undefined); await hub?.stop({ removeData: true }) })

type Stored = YishiDoc & { _rev?: string }
const strip = ({ _rev: _r, ...doc }: Stored): YishiDoc => doc
const stored = async (t: SyncedTablet): Promise<YishiDoc[]> => (await t.vdb.docs.find().exec()).map((d) => d.toJSON() as YishiDoc)
const eventsOf = (docs: YishiDoc[]): D.AuditEvent[] => docs.filter((d) => d.kind === 'audit' && !d.refused).map((d) => ({ ...(d.body as unknown as D.AuditEvent), id: d.id }))

/** A few everyday writes: a proposal created and edited, a fund, an expense, a comment. */
async function everyday(t: SyncedTablet): Promise<void> {
  const p = await t.data.proposals.create({ title: '修路灯', proposedBy: 'person:a', createdAt: Date.now() })
  await t.data.proposals.update(p.id, { title: '修村口路灯' })
  const fund = await t.data.funds.create({ year: 2026, amount: 20_000_000, source: '专项资金' })
  await t.data.ledger.create({ fundId: fund.id, projectId: 'project:lamps', kind: 'expense', amount: 120_000, payee: '五金店', description: '灯泡', at: Date.now(), recordedBy: 'person:clerk' })
  await t.data.comments.create({ text: '晚上太黑', on: p.id, by: 'person:b', at: Date.now() })
}

describe('the audit chain as tablets store it', () => {
  it("verifies with the domain's verifier, each event's digest matches the record it names, and the hub takes every event", async () => {
    const t = await openSyncedTablet(hub, 'vau'); open.push(t)
    await everyday(t)
    const docs = await stored(t)
    const events = eventsOf(docs)
    expect(events).toHaveLength(5)
    const [report] = D.verifyAuditChain(events)
    expect(report).toMatchObject({ device: t.device.id, ok: true, events: 5, problems: [] })
    expect(report?.summary).toBe(`device ${t.device.id}: 5 events, chain intact`)
    const [withRecords] = D.verifyAuditChain(events, { records: docs })
    expect(withRecords?.summary).toBe(`device ${t.device.id}: 5 events, 4 records, chain intact, every record as recorded`)

    // the newest event about each record carries the digest of the version the tablet holds
    const latest = new Map(events.sort((a, b) => a.seq - b.seq).map((e) => [e.subjectId, e]))
    for (const doc of docs.filter((d) => d.kind !== 'audit')) expect(latest.get(doc.id)?.digest, doc.id).toBe(D.recordDigest(doc))

    // the hub runs the domain's check on every pushed event: nothing is refused, and its copy verifies too
    expect(await t.sync.syncNow(20_000)).toBe(true)
    const onHub = await couch(hub, 'village-vau/_all_docs?include_docs=true&startkey="audit:"&endkey="audit:\ufff0"')
    const hubEvents = eventsOf(onHub.body.rows.map((r: { doc: Stored }) => ({ ...strip(r.doc), id: (r.doc as unknown as { _id: string })._id })))
    expect(hubEvents).toHaveLength(5)
    expect(D.verifyAuditChain(hubEvents)[0]?.summary).toBe(`device ${t.device.id}: 5 events, chain intact`)
    expect(await couch(hub, '_hub/quarantine?db=village-vau').then((r) => r.body)).toEqual([])
  })

  it('reports a stored event altered and events removed behind the app, and the hub refuses the altered event', async () => {
    const t = await openSyncedTablet(hub, 'vau'); open.push(t)
    await everyday(t)
    const me = t.device.id
    const doc = await t.vdb.docs.findOne(D.auditId(me, 2)).exec()
    await doc!.incrementalModify((d) => ({ ...d, body: { ...d.body, actor: 'person:someone-else' } }))
    await t.vdb.docs.bulkRemove([D.auditId(me, 3), D.auditId(me, 4)])
    const [report] = D.verifyAuditChain(eventsOf(await stored(t)))
    expect(report?.ok).toBe(false)
    expect(report?.problems.map((p) => p.message)).toEqual(['event 2 altered: hash does not match', 'events 3–4 missing'])
    expect(report?.summary).toBe(`device ${me}: 3 events; event 2 altered: hash does not match; events 3–4 missing`)
    // with the records: the two whose events are gone have none; a record changed behind the app matches none
    const gone = (await Promise.all([3, 4].map((n) => t.data.audit.get(D.auditId(me, n))))).map((e) => e)
    expect(gone).toEqual([null, null])
    const comment = (await t.data.comments.list())[0]!
    await (await t.vdb.docs.findOne(comment.id).exec())!.incrementalModify((d) => ({ ...d, body: { ...d.body, text: '改过的意见' } }))
    const snapshot = await stored(t)
    const [full] = D.verifyAuditChain(eventsOf(snapshot), { records: snapshot })
    const fund = (await t.data.funds.list())[0]!
    const ledger = (await t.data.ledger.list())[0]!
    expect(full?.problems.filter((p) => p.recordId).map((p) => [p.problem, p.recordId]).sort()).toEqual(
      [['record-altered', comment.id], ['unaudited', fund.id], ['unaudited', ledger.id]].sort())

    // pushed as it now stands, the altered event is refused (quarantined) by the hub
    const altered = (await t.vdb.docs.findOne(D.auditId(me, 2)).exec())!.toJSON() as YishiDoc
    const { id, ...rest } = altered
    const rows = await couch(hub, 'village-vau/_bulk_docs', { auth: basic(me, t.device.secret), body: { docs: [{ _id: id, ...rest }] } })
    expect(rows.body[0]).toMatchObject({ id, error: 'conflict' })
    expect(rows.body[0].reason).toMatch(/hash does not match/)
  })

  it('two tablets that edit one record offline and sync: the merged version is audited, every copy verifies', async () => {
    const a = await openSyncedTablet(hub, 'vau'); open.push(a)
    const b = await openSyncedTablet(hub, 'vau'); open.push(b)
    const p = await a.data.proposals.create({ title: '修水渠', description: '', proposedBy: 'person:a', createdAt: Date.now() })
    expect(await a.sync.syncNow(20_000)).toBe(true)
    expect(await b.sync.syncNow(20_000)).toBe(true)
    await a.data.proposals.update(p.id, { title: '修水渠（三组）' })
    await b.data.proposals.update(p.id, { description: '从三组到五组' })
    for (let round = 0; round < 3; round++) {
      expect(await a.sync.syncNow(20_000)).toBe(true)
      expect(await b.sync.syncNow(20_000)).toBe(true)
    }
    await eventually(async () => {
      const [sa, sb] = [await a.snapshot(), await b.snapshot()]
      return sa.size === sb.size && [...sa].every(([id, v]) => sb.get(id) === v)
    }, 20_000, 200)
    for (const t of [a, b]) {
      const docs = await stored(t)
      expect((await t.data.proposals.get(p.id))).toMatchObject({ title: '修水渠（三组）', description: '从三组到五组' })
      expect(eventsOf(docs).some((e) => e.action === 'merge' && e.subjectId === p.id)).toBe(true)
      const reports = D.verifyAuditChain(eventsOf(docs), { records: docs })
      expect(reports.map((r) => [r.device, r.ok, r.summary]).filter(([, ok]) => !ok)).toEqual([])
      expect(reports.map((r) => r.device).sort()).toEqual(expect.arrayContaining([a.device.id, b.device.id].sort()))
    }
  })

  it('after a year is archived off the tablet, its chains start later here and still verify', async () => {
    const t = await openSyncedTablet(hub, 'vau'); open.push(t)
    await t.data.writer.insert(Array.from({ length: 3 }, (_, i) => ({ kind: 'comment' as const, id: `comment:y2025n${i}`, ref: '', body: { text: `2025 意见 ${i}`, at: Date.now() }, year: 2025 })))
    await t.data.comments.create({ text: '今年的意见', on: '', by: 'person:a', at: Date.now() })
    expect(await t.sync.syncNow(20_000)).toBe(true)
    await archiveYear(t.vdb, t.data.writer, 2025, t.sync.state.ackedSeq)
    const snap = await auditSnapshot(t.vdb)
    expect(snap.archivedYears).toEqual([2025])
    const mine = { events: snap.events.filter((e) => e.device === t.device.id), records: snap.records.filter((r) => r.device === t.device.id) }
    expect(D.verifyAuditChain(mine.events, { records: mine.records })[0]?.problems.map((p) => p.message)).toEqual(['events 1–3 missing'])
    expect(D.verifyAuditChain(mine.events, { records: mine.records, partial: true })[0]?.summary)
      .toBe(`device ${t.device.id}: event 4 here (earlier ones archived), 1 record, chain intact, every record as recorded`)
  })
})
