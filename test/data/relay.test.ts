/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers of the hub */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exportUnsynced, importBundle, myCertificate, deviceSigner, quarantined } from '@/data'
import type { YishiDoc } from '@/shared/schemas'
import { startHub, type RunningHub } from '../support/hub'
import { couch, provision } from '../sync-server/helpers'
import { openVote } from './helpers'
import { openKeyedSyncedTablet } from './sync-helpers'

type Keyed = Awaited<ReturnType<typeof openKeyedSyncedTablet>>
let hub: RunningHub
const open: Keyed[] = []

beforeAll(async () => { hub = await startHub(); await provision(hub, { township: 'tr', villages: ['rv'] }) })
afterAll(async () => { for (const t of open) await t.close().catch(() => undefined); await hub?.stop({ removeData: true }) })

const fileOf = async (t: Keyed, afterSeq: number) =>
  JSON.parse(JSON.stringify(await exportUnsynced(t.vdb, t.data.writer, { signer: deviceSigner(t.kv, t.device.id), certificate: myCertificate(t.kv) }, afterSeq)))

describe('what tablet B received from tablet A reaches the hub when B syncs', () => {
  it('the hub takes A\'s records from B on A\'s signature; A syncs later without a conflict or a refusal', async () => {
    const a = await openKeyedSyncedTablet(hub, 'rv'); const b = await openKeyedSyncedTablet(hub, 'rv'); open.push(a, b)
    const vote = await a.data.votes.create(openVote())
    expect(await a.sync.syncNow(20_000)).toBe(true)
    expect(await b.sync.syncNow(20_000)).toBe(true)
    expect(await b.data.votes.get(vote.id)).not.toBeNull()
    await a.sync.stop(); await b.sync.stop()

    // the courtyard meeting: no hub; A records two voters, and its records reach B (here by file)
    const since = a.data.writer.lastSeq
    await a.data.recordBallot({ vote, voterId: 'person:a', choices: ['project:lights'], recordedBy: 'person:clerk' })
    await a.data.recordBallot({ vote, voterId: 'person:b', choices: ['project:path'], recordedBy: 'person:clerk' })
    expect(await a.data.ballotBox.flush(vote.id)).toBe(2)
    const file = await fileOf(a, since)
    const report = await importBundle(b.vdb, file, await b.trust())
    expect(report).toMatchObject({ added: 8, refused: [] })

    // B reaches the hub first: A's records are accepted on A's signature, as A wrote them
    expect(await b.sync.syncNow(20_000)).toBe(true)
    const onHub = await couch(hub, 'village-rv/_all_docs?include_docs=true')
    const fromA = onHub.body.rows.map((r: any) => r.doc).filter((d: any) => d.device === a.device.id && d.seq > since)
    expect(fromA.map((d: any) => d.kind).sort()).toEqual(['audit', 'audit', 'audit', 'audit', 'ballot', 'ballot', 'checkoff', 'checkoff'])
    expect(fromA.filter((d: any) => d.refused)).toEqual([])
    expect((await couch(hub, '_hub/quarantine?db=village-rv')).body).toEqual([])
    expect(await b.data.rejections.count()).toBe(0)

    // A syncs afterwards: the hub already has those versions; nothing is refused or recorded as a conflict
    expect(await a.sync.syncNow(20_000)).toBe(true)
    expect(await a.data.rejections.count()).toBe(0)
    expect(await a.data.conflicts.count()).toBe(0)
    expect(await a.data.ballots.count({ ref: vote.id })).toBe(2)
  })

  it('a record altered on its way through B never reaches the hub: B refuses it and keeps it in its quarantine', async () => {
    const a = await openKeyedSyncedTablet(hub, 'rv'); const b = await openKeyedSyncedTablet(hub, 'rv'); open.push(a, b)
    const trust = await b.trust()
    const c = await a.data.comments.create({ text: '每户出五十元修路', on: '', by: 'person:a', at: Date.now() })
    const file = await fileOf(a, 0)
    const doc = file.docs.find((d: YishiDoc) => d.id === c.id)
    doc.body.text = '每户出五百元修路'
    // the file signature no longer holds: refused whole
    await expect(importBundle(b.vdb, file, trust)).rejects.toThrow(/changed after its tablet made it/)
    // re-signed by a tablet that is not A: the file is taken, A's altered record is not
    const mallory = await openKeyedSyncedTablet(hub, 'rv'); open.push(mallory)
    const { signature: _s, ...rest } = { ...file, device: mallory.device.id, certificate: myCertificate(mallory.kv) }
    const carried = { ...rest, signature: await deviceSigner(mallory.kv, mallory.device.id).sign(rest) }
    const report = await importBundle(b.vdb, carried, trust)
    // refused as A's record altered (A named by the code's params), whoever carried the file
    expect(report.refused).toEqual([{ id: c.id, code: 'proof.altered', params: { device: a.device.id }, reason: expect.stringMatching(/altered on the way/) }])
    expect(await b.data.comments.get(c.id)).toBeNull()
    expect((await quarantined(b.vdb)).map((q) => [q.id, q.from])).toEqual([[c.id, `file:${mallory.device.id}`]])
    expect(await b.sync.syncNow(20_000)).toBe(true)
    expect((await couch(hub, `village-rv/${encodeURIComponent(c.id)}`)).status).toBe(404)
  })
})
