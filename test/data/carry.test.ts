import { getRxStorageMemory } from 'rxdb/plugins/storage-memory'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { archivedYears, archiveYear, exportUnsynced, importBundle, openArchivedYear, quarantined, verifyBundle, yearsOnTablet } from '@/data'
import type { YishiDoc } from '@/shared/schemas'
import { checkOffId } from '@/domain'
import { startHub, type RunningHub } from '../support/hub'
import { couch, provision } from '../sync-server/helpers'
import { keyEntry, openDoubleVotes, openKeyedTablet, openVote, trustOf, type Tablet } from './helpers'
import { enrollDevice, hubDocCount, openSyncedTablet, type SyncedTablet } from './sync-helpers'

describe('export and import of unsynced changes', () => {
  const tablets: Tablet[] = []
  afterAll(async () => { for (const t of tablets) await t.remove() })

  it('carries ballots to another tablet; importing twice changes nothing; a voter on both shows as a double vote', async () => {
    const a = await openKeyedTablet('tab-a'); const b = await openKeyedTablet('tab-b'); tablets.push(a, b)
    const trustB = await trustOf(b.certificate)
    const vote = await a.data.votes.create(openVote())
    // tablet B has the vote (from an earlier file) and checks off voter b itself
    expect(await importBundle(b.vdb, await exportUnsynced(a.vdb, a.data.writer, a, 0), trustB)).toMatchObject({ added: 2, refused: [] })
    await b.data.recordBallot({ vote, voterId: 'person:b', choices: ['project:path'], recordedBy: 'person:clerk' })
    expect(await b.data.ballotBox.flush(vote.id)).toBe(1)
    const since = a.data.writer.lastSeq
    await a.data.recordBallot({ vote, voterId: 'person:a', choices: ['project:lights'], recordedBy: 'person:clerk' })
    await a.data.recordBallot({ vote, voterId: 'person:b', choices: ['project:water'], recordedBy: 'person:clerk' })
    // the ballots wait in tablet A's ballot box until a flush writes them (then they are changes to carry)
    expect((await exportUnsynced(a.vdb, a.data.writer, a, since)).docs.map((d: { kind: string }) => d.kind).sort()).toEqual(['audit', 'audit', 'checkoff', 'checkoff'])
    expect(await a.data.ballotBox.flush(vote.id)).toBe(2)

    const file = JSON.parse(JSON.stringify(await exportUnsynced(a.vdb, a.data.writer, a, since)))
    expect(file.docs.map((d: { kind: string }) => d.kind).sort()).toEqual(['audit', 'audit', 'audit', 'audit', 'ballot', 'ballot', 'checkoff', 'checkoff'])
    expect(await verifyBundle(file)).toBe(true)
    expect(await verifyBundle({ ...file, docs: file.docs.slice(1) })).toBe(false)
    await expect(importBundle(b.vdb, { ...file, docs: file.docs.slice(1) }, trustB)).rejects.toThrow(/changed after its tablet made it/)

    const first = await importBundle(b.vdb, file, trustB)
    expect(first).toMatchObject({ added: 7, conflicts: 1, refused: [] })
    await b.data.drainConflicts()
    expect(await b.data.conflicts.count()).toBe(1)
    const countAfterFirst = await b.vdb.docs.count().exec()
    const second = await importBundle(b.vdb, file, trustB)
    expect(second).toMatchObject({ added: 0, merged: 0, refused: [] })
    await b.data.drainConflicts()
    expect(await b.vdb.docs.count().exec()).toBe(countAfterFirst)
    expect(await b.data.conflicts.count()).toBe(1)
    expect(await b.data.ballots.count({ ref: vote.id })).toBe(3)
    expect(await openDoubleVotes(b.data)).toEqual([checkOffId(vote.id, 'person:b')])
    await expect(importBundle(b.vdb, { ...file, village: 'elsewhere' }, trustB)).rejects.toThrow(/belongs to village/)
    expect(await quarantined(b.vdb)).toEqual([])
  })

  it('refuses and quarantines a record altered on the way, a record of an unknown device and an unsigned one, taking the rest', async () => {
    const a = await openKeyedTablet('tab-a2'); const m = await openKeyedTablet('tab-m'); const c = await openKeyedTablet('tab-c'); tablets.push(a, m, c)
    const proposal = await a.data.proposals.create({ title: '修路', status: 'open', proposedBy: 'person:a', createdAt: Date.now() })
    const fromA = await exportUnsynced(a.vdb, a.data.writer, a, 0)
    // tablet M, itself enrolled, carries A's records but changes the proposal's title on the way
    const altered = fromA.docs.map((d) => (d.id === proposal.id ? { ...d, body: { ...d.body, title: '修我家门前的路' } } : d))
    const stranger = { ...fromA.docs[0]!, id: 'comment:x1', kind: 'comment', device: 'dev-stranger', body: { text: '假的', on: '', by: 'person:a', at: 1 } }
    const unsigned = { ...stranger, id: 'comment:x2', device: 'tab-a2', sig: undefined }
    const own = await exportUnsynced(m.vdb, m.data.writer, m, 0)
    const carried = { ...own, docs: [...altered, stranger, unsigned] }
    const { signature: _s, ...rest } = carried
    const file = JSON.parse(JSON.stringify({ ...rest, signature: await m.signer.sign(rest) }))

    // C knows A's key from the village's list (as after a sync with the hub); M's comes with its file
    const report = await importBundle(c.vdb, file, await trustOf(c.certificate, [keyEntry(a)]))
    expect(report.added).toBe(1) // A's audit event is as A wrote it
    expect(report.refused.map((r) => [r.id, r.reason])).toEqual([
      [proposal.id, expect.stringMatching(/does not match the signature of device tab-a2: it was altered on the way/)],
      ['comment:x1', expect.stringMatching(/device dev-stranger, which is not known as an enrolled device/)],
      ['comment:x2', expect.stringMatching(/not signed by its device/)],
    ])
    expect(await c.data.proposals.get(proposal.id)).toBeNull()
    const kept = await quarantined(c.vdb)
    // the unsigned one is not suspect (written before its device had a key): not taken, not quarantined
    expect(kept.map((q) => [q.id, q.from])).toEqual([[proposal.id, 'file:tab-m'], ['comment:x1', 'file:tab-m']])
    expect((kept[0]!.doc as { body: { title: string } }).body.title).toBe('修我家门前的路')

    // a file of another village's tablet is not taken, even with a certificate from the same hub
    const other = await openKeyedTablet('tab-o', { village: 'elsewhere' }); tablets.push(other)
    await expect(importBundle(c.vdb, { ...fromA, certificate: other.certificate }, await trustOf(c.certificate))).rejects.toThrow(/enrolled in another village/)
  })
})

describe('archiving a closed year', () => {
  let hub: RunningHub
  const open: SyncedTablet[] = []
  beforeAll(async () => { hub = await startHub(); await provision(hub, { township: 'tsy', villages: ['vy', 'vz'] }) })
  afterAll(async () => { for (const t of open) await t.close().catch(() => undefined); await hub?.stop({ removeData: true }) })

  it('takes the year off the tablet (deletion markers too), keeps it on the hub, and fetches the same records back read-only', async () => {
    const t = await openSyncedTablet(hub, 'vy'); open.push(t)
    const old = Array.from({ length: 30 }, (_, i) => ({ kind: 'comment' as const, id: `comment:old${i}`, ref: '', body: { text: `2025 意见 ${i}`, at: Date.now() }, year: 2025 }))
    await t.data.writer.insert(old)
    await t.data.comments.create({ text: '今年的意见', on: '', by: 'person:a', at: Date.now() })
    const thisYear = new Date().getFullYear()
    await expect(archiveYear(t.vdb, t.data.writer, thisYear, t.sync.state.ackedSeq)).rejects.toThrow(/not over yet/)
    await expect(archiveYear(t.vdb, t.data.writer, 2025, t.sync.state.ackedSeq)).rejects.toThrow(/have not reached the hub/)
    expect(await yearsOnTablet(t.vdb)).toEqual([{ year: thisYear, count: 2, closed: false }, { year: 2025, count: 60, closed: true }])
    expect(await t.sync.syncNow(20_000)).toBe(true)
    const onHub = await hubDocCount(hub, 'vy')
    const seqBefore = t.data.writer.lastSeq
    const before = (await t.vdb.docs.find({ selector: { year: 2025 } }).exec()).map((d) => d.toJSON() as YishiDoc)
    const ids = before.map((d) => d.id)

    // (sync stopped meanwhile so what follows is checked at one moment; the hub's echo of the push
    // just made may still be on its way, and comes back after the restart below)
    await t.sync.stop()
    const removed = await archiveYear(t.vdb, t.data.writer, 2025, t.sync.state.ackedSeq)
    expect(removed).toBe(60) // 30 comments and their audit events
    expect(await t.data.comments.count()).toBe(1)
    expect(await yearsOnTablet(t.vdb)).toEqual([{ year: thisYear, count: 2, closed: false }])
    expect(await archivedYears(t.vdb)).toEqual([2025])
    // not even RxDB's deletion markers are left: the tablet really shrank
    expect(await t.vdb.docs.storageInstance.findDocumentsById(ids, true)).toHaveLength(0)
    expect(await t.sync.syncNow(20_000)).toBe(true)
    expect(await hubDocCount(hub, 'vy')).toBe(onHub)
    // whatever of that year the pull still brings (the echo of the tablet's own push) stays off it
    expect(await t.data.comments.count()).toBe(1)
    expect(await yearsOnTablet(t.vdb)).toEqual([{ year: thisYear, count: 2, closed: false }])
    const next = await t.data.comments.create({ text: '又一条', on: '', by: 'person:a', at: Date.now() })
    expect(next.meta.seq).toBe(seqBefore + 1)

    let requests = 0
    const counting: typeof fetch = (input, init) => { requests++; return fetch(input, init) }
    const archive = await openArchivedYear({ villageId: 'vy', year: 2025, hubUrl: hub.url, credentials: { device: t.device.id, secret: t.device.secret }, storage: getRxStorageMemory(), fetch: counting, pageSize: 25 })
    expect(archive.total).toBe(60)
    expect(requests).toBe(3) // pages of 25
    expect((await archive.list('comment')).length).toBe(30)
    const fetched = new Map((await archive.list()).map((d) => [d.id, JSON.stringify([d.kind, d.body, d.device, d.seq, d.year])]))
    expect(fetched).toEqual(new Map(before.map((d) => [d.id, JSON.stringify([d.kind, d.body, d.device, d.seq, d.year])])))
    await archive.close()
  })

  it('serves a year only to those who may read the village, compressed', async () => {
    const p = `village-vy/_year/2025`
    expect((await couch(hub, p, { auth: null })).status).toBe(401)
    const other = await enrollDevice(hub, 'vz')
    expect((await couch(hub, p, { auth: `Basic ${btoa(`${other.id}:${other.secret}`)}` })).status).toBe(403)
    const mine = await enrollDevice(hub, 'vy')
    const res = await couch(hub, p, { auth: `Basic ${btoa(`${mine.id}:${mine.secret}`)}`, headers: { 'accept-encoding': 'gzip' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-encoding')).toBe('gzip')
    expect(res.body.total).toBe(60)
    expect(res.body.docs.every((d: YishiDoc) => d.year === 2025)).toBe(true)
    expect((await couch(hub, 'village-vy/_year/20x5', { auth: `Basic ${btoa(`${mine.id}:${mine.secret}`)}` })).status).toBe(400)
  })
})
