import { createHash, createHmac } from 'node:crypto'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { canonicalJson } from '../../src/data/hash'
import { startHub, type RunningHub } from '../support/hub'
import { describeEngines } from '../support/couchdb'
import { basic, couch, proposal, provision, type Provisioned } from './helpers'

let hub: RunningHub
let p: Provisioned
let dev: { id: string; secret: string }
let auth: string

type Row = { ok?: boolean; id: string; rev?: string; error?: string; reason?: string; code?: string; params?: Record<string, unknown> }
const push = async (docs: unknown[], a = auth): Promise<Row[]> => {
  const r = await couch(hub, 'village-va/_bulk_docs', { auth: a, body: { docs } })
  expect(r.status).toBe(201)
  return r.body as Row[]
}
const hubDoc = async (id: string) => (await couch(hub, `village-va/${encodeURIComponent(id)}`)).body

/** The rejection notices the hub wrote for `subjectId`. */
async function notices(subjectId: string): Promise<{ body: { reason: string; subjectId: string; code?: string; params?: Record<string, unknown> } }[]> {
  const all = await couch(hub, 'village-va/_all_docs?include_docs=true&startkey="rejection:"&endkey="rejection:\ufff0"')
  return all.body.rows.map((r: { doc: unknown }) => r.doc).filter((d: { body: { subjectId: string } }) => d.body.subjectId === subjectId)
}

function envelope(kind: string, rest: string, body: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { _id: `${kind}:${rest}`, kind, v: 1, village: 'va', year: 2026, author: 'person:p1', device: dev.id, deviceTime: Date.now(), seq: 1, ref: '', body, ...extra }
}

describeEngines('validation and quarantine', (engine) => {
  beforeAll(async () => {
    hub = await startHub(engine().env)
    p = await provision(hub, { township: 'tv', villages: ['va', 'vb'] })
    dev = p.devices[0]!
    auth = basic(dev.id, dev.secret)
  })
  afterAll(async () => { await hub?.stop({ removeData: true }); await engine().cleanup() })

  it('lands valid documents and answers each refused one with conflict, a reason and a notice, writing nothing under its id', async () => {
    const good = proposal('va', dev.id, 1)
    const noTitle = { ...proposal('va', dev.id, 2), body: { status: 'open' } }
    const wrongVillage = { ...proposal('va', dev.id, 3), village: 'vb' }
    const badId = { ...proposal('va', dev.id, 4), _id: 'proposal:has spaces' }
    const rows = await push([good, noTitle, wrongVillage, badId])
    expect(rows[0]).toMatchObject({ ok: true, id: good._id })
    for (const [i, words] of [[1, 'title'], [2, 'village'], [3, 'characters']] as const) {
      expect(rows[i]!.error).toBe('conflict')
      expect(rows[i]!.reason).toContain(words)
    }
    expect((await hubDoc(String(good._id))).refused).toBeUndefined()
    expect((await couch(hub, `village-va/${encodeURIComponent(String(noTitle._id))}`)).status).toBe(404)
    // the pushing tablet alone reads it back (RxDB's re-read after a conflict), marked refused
    const back = await couch(hub, `village-va/_all_docs?include_docs=true&keys=${encodeURIComponent(JSON.stringify([noTitle._id]))}`, { auth })
    expect(back.body.rows[0].doc.refused.reason).toContain('title')
    expect((await notices(String(noTitle._id)))[0]!.body.reason).toContain('title')
    const q = await couch(hub, '_hub/quarantine?db=village-va')
    expect(q.body.map((e: { docId: string }) => e.docId)).toEqual(expect.arrayContaining([noTitle._id, wrongVillage._id]))
    expect(q.body.find((e: { docId: string }) => e.docId === noTitle._id)).toMatchObject({ device: dev.id, principal: dev.id, at: expect.any(Number) })
  })

  it('gives each refusal its code and what it names, in the answer, the quarantine entry and the village\'s notice', async () => {
    const noTitle = { ...proposal('va', dev.id, 40), body: { status: 'open' } }
    const wrongVillage = { ...proposal('va', dev.id, 41), village: 'vb' }
    const badId = { ...proposal('va', dev.id, 42), _id: 'proposal:has spaces' }
    const rows = await push([noTitle, wrongVillage, badId])
    expect(rows.map((r) => [r.error, r.code])).toEqual([['conflict', 'form.missing'], ['conflict', 'record.other-village'], ['conflict', 'form.id']])
    expect(rows[0]!.params).toEqual({ kind: 'proposal', field: 'title' })
    expect(rows[1]!.params).toMatchObject({ village: 'vb' })
    const q = await couch(hub, '_hub/quarantine?db=village-va')
    expect(q.body.find((e: { docId: string }) => e.docId === noTitle._id)).toMatchObject({ code: 'form.missing', params: { kind: 'proposal', field: 'title' } })
    expect((await notices(String(noTitle._id)))[0]!.body).toMatchObject({ code: 'form.missing', params: { kind: 'proposal', field: 'title' } })
    // the same refused record sent again (RxDB retries) is answered with the refusal it was given
    const [again] = await push([noTitle])
    expect([again!.code, again!.params]).toEqual(['form.missing', { kind: 'proposal', field: 'title' }])
    // a replication-style write (new_edits=false) of one record is refused with 403, its code and params
    const put = await couch(hub, `village-va/${encodeURIComponent(String(wrongVillage._id))}?new_edits=false`, { method: 'PUT', auth, body: { ...wrongVillage, _rev: '1-abc' } })
    expect(put.status).toBe(403)
    expect(put.body).toMatchObject({ error: 'forbidden', code: 'record.other-village', params: { village: 'vb' } })
  })

  it('refuses a forged author or device', async () => {
    const clerk = basic(p.clerk.name, p.clerk.password)
    const [byClerk, asOtherDevice] = await push([
      proposal('va', 'dev-someoneelse', 5, { author: 'person:p9' }),
      proposal('va', p.devices[1]!.id, 6),
    ], clerk)
    expect(byClerk).toMatchObject({ error: 'conflict' })
    expect(byClerk!.reason).toContain(p.clerk.name)
    const [forged] = await push([proposal('va', p.devices[1]!.id, 7)])
    expect(forged).toMatchObject({ error: 'conflict' })
    expect(forged!.reason).toContain('device')
    expect(asOtherDevice).toMatchObject({ error: 'conflict' })
  })

  it('keeps immutable records immutable and refuses deletions', async () => {
    const c = envelope('comment', 'c1', { on: '', text: '同意修路' })
    const [first] = await push([c])
    expect(first!.ok).toBe(true)
    // re-sending the same record is harmless
    const [same] = await push([{ ...c, _rev: first!.rev }])
    expect(same).toMatchObject({ ok: true, rev: first!.rev })
    const [edit] = await push([{ ...c, _rev: first!.rev, body: { on: '', text: '不同意' } }])
    expect(edit).toMatchObject({ error: 'conflict' })
    expect(edit!.reason).toContain('cannot be changed')
    const [del] = await push([{ _id: c._id, _rev: first!.rev, _deleted: true }])
    expect(del!.error).toBe('conflict')
    expect((await hubDoc(c._id)).body.text).toBe('同意修路')
    // a single PUT is refused the same way, with 409
    const put = await couch(hub, `village-va/${c._id}`, { method: 'PUT', auth, body: { ...c, _rev: first!.rev, body: { text: 'x' } } })
    expect(put.status).toBe(409)
  })

  it('refuses a council decision on a double vote that the voter decided themselves, with its code', async () => {
    const decision = (rest: string, by: string) => envelope('decision', rest, {
      subjectId: 'checkoff:v9:person:p3', outcome: 'keep-latest', reason: '我只投了一次', by, keep: '', at: Date.now(),
      voteId: 'vote:v9', voterId: 'person:p3', keptSeal: '', voidedSeals: [], decidedBy: [by],
    }, { ref: 'checkoff:v9:person:p3' })
    const [own, other] = await push([decision('own', 'person:p3'), decision('other', 'person:p4')])
    expect(own).toMatchObject({ error: 'conflict', code: 'decision.own-vote', params: { kind: 'decision', person: 'person:p3' } })
    expect((await couch(hub, 'village-va/decision%3Aown')).status).toBe(404)
    expect(other!.ok).toBe(true)
  })

  it('takes ballots and check-offs only while the vote is open as the records show', async () => {
    const now = Date.now()
    const voteBody = {
      title: '民生项目', kind: 'project-selection', ballotType: 'approval', minChoices: 0, maxChoices: 1, budget: 100,
      candidates: [{ id: 'project:a', title: 'A', cost: 10 }], opensAt: now - 3_600_000, closesAt: now + 3_600_000, roster: [],
    }
    const ballot = (rest: string, voteId: string, castAt: number) => envelope('ballot', rest, { voteId, choices: ['project:a'], castAt }, { ref: voteId })
    const [vote, inBatch, unknownVote] = await push([
      envelope('vote', 'v1', voteBody),
      ballot('b1', 'vote:v1', now),
      ballot('b2', 'vote:nope', now),
    ])
    expect(vote!.ok).toBe(true)
    expect(inBatch!.ok).toBe(true)
    expect(unknownVote!.reason).toContain('not in the hub')
    // the vote is closed on the hub; a ballot recorded after the close is refused, one before is kept
    const [closed] = await push([{ ...envelope('vote', 'v1', { ...voteBody, closedAt: now + 1000 }), _rev: vote!.rev }])
    expect(closed!.ok).toBe(true)
    const [late, early] = await push([ballot('b3', 'vote:v1', now + 60_000), ballot('b4', 'vote:v1', now + 500)])
    expect(late!.reason).toContain('closed')
    expect(early!.ok).toBe(true)
  })

  it('judges each batch of ballots by the vote as it stands now (the hub remembers votes it read, until one is written)', async () => {
    const now = Date.now()
    const voteBody = {
      title: '民生项目', kind: 'project-selection', ballotType: 'approval', minChoices: 0, maxChoices: 1, budget: 100,
      candidates: [{ id: 'project:a', title: 'A', cost: 10 }], opensAt: now - 3_600_000, closesAt: now + 3_600_000, roster: [],
    }
    const ballot = (rest: string, castAt: number) => envelope('ballot', rest, { voteId: 'vote:v2', choices: ['project:a'], castAt }, { ref: 'vote:v2' })
    // before the vote reaches the hub, its ballots are refused; once it has, they land
    const [early] = await push([ballot('c0', now)])
    expect(early!.reason).toContain('not in the hub')
    const [vote] = await push([envelope('vote', 'v2', voteBody)])
    expect(vote!.ok).toBe(true)
    const [first] = await push([ballot('c1', now + 60_000)])
    expect(first!.ok).toBe(true)
    // closed in a batch of its own: the next batch of ballots sees the close
    const [closed] = await push([{ ...envelope('vote', 'v2', { ...voteBody, closedAt: now + 1000 }), _rev: vote!.rev }])
    expect(closed!.ok).toBe(true)
    const [late, before] = await push([ballot('c2', now + 60_000), ballot('c3', now + 500)])
    expect(late!.reason).toContain('closed')
    expect(before!.ok).toBe(true)
  })

  it('lets the admin release a quarantined document', async () => {
    const doc = { ...proposal('va', dev.id, 8), body: { title: '', status: 'open' } }
    await push([doc])
    const q = await couch(hub, '_hub/quarantine?db=village-va')
    const entry = q.body.find((e: { docId: string }) => e.docId === doc._id)
    expect(entry).toBeDefined()
    expect(await notices(String(doc._id))).toHaveLength(1)
    expect((await couch(hub, `_hub/quarantine/${entry._id}/release`, { method: 'POST', auth })).status).toBe(403)
    const r = await couch(hub, `_hub/quarantine/${entry._id}/release`, { method: 'POST' })
    expect(r.status).toBe(200)
    const released = await hubDoc(String(doc._id))
    expect(released.refused).toBeUndefined()
    expect(released.body.title).toBe('')
    // the village's notice of the refusal is withdrawn, as when the hub takes a record itself: tablets stop showing it refused
    expect(await notices(String(doc._id))).toHaveLength(0)
  })

  it('takes an export file carried by another tablet of the village, checked by its signature and the same rules', async () => {
    const origin = p.devices[0]!
    const carrier = basic(p.clerk.name, p.clerk.password)
    const rx = (d: Record<string, unknown>) => { const { _id, ...rest } = d; return { ...rest, id: _id } }
    const unsigned = {
      format: 'yishi-export/1', village: 'va', device: origin.id, createdAt: Date.now(), upToSeq: 3,
      docs: [rx(proposal('va', origin.id, 50)), rx(proposal('va', origin.id, 51)), rx({ ...proposal('va', origin.id, 52), body: { status: 'open' } })],
    }
    const key = createHash('sha256').update(origin.secret).digest('hex')
    const bundle = { ...unsigned, signature: createHmac('sha256', key).update(canonicalJson(unsigned)).digest('hex') }
    const first = await couch(hub, '_hub/import', { auth: carrier, body: bundle })
    expect(first.status).toBe(200)
    expect(first.body).toMatchObject({ added: 2, skipped: 0 })
    expect(first.body.refused[0].reason).toContain('title')
    expect((await hubDoc(`proposal:p50-${origin.id}`)).device).toBe(origin.id)
    // importing twice changes nothing
    const again = await couch(hub, '_hub/import', { auth: carrier, body: bundle })
    expect(again.body).toMatchObject({ added: 0, skipped: 2, conflicts: [] })
    expect(again.body.refused.map((r: { id: string }) => r.id)).toEqual([`proposal:p52-${origin.id}`])
    // a changed file is refused, and so is a file brought to another village's account
    const tampered = { ...bundle, docs: [rx(proposal('va', origin.id, 53))] }
    expect((await couch(hub, '_hub/import', { auth: carrier, body: tampered })).status).toBe(403)
    const outsider = basic(p.devices[1]!.id, p.devices[1]!.secret)
    expect((await couch(hub, '_hub/import', { auth: outsider, body: bundle })).status).toBe(403)
  })
})
