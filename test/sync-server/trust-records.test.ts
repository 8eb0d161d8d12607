/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers of the hub, read field by field */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appendAudit, recordDigest } from '../../src/domain/audit'
import { checkoffId } from '../../src/shared/schemas/index'
import { startHub, type RunningHub } from '../support/hub'
import { describeEngines } from '../support/couchdb'
import { ADMIN_AUTH, basic, couch, enrollTablet, provision, type Provisioned } from './helpers'

// The hub's trust boundary for records (issue #12): one identity per record, a refusal never blocks
// a valid record nor reaches other tablets, and a record's device is who authenticated.

let hub: RunningHub
let p: Provisioned
/** Two tablets of village va, a clerk of va and township staff. */
let A: { id: string; auth: string }
let B: { id: string; auth: string }
let clerk: string
let staff: string
const NOW = Date.now()
let seq = 0

describeEngines('trust boundary: records', (engine) => {
  beforeAll(async () => {
    hub = await startHub(engine().env)
    p = await provision(hub, { township: 'tt', villages: ['va', 'vb'] })
    A = { id: p.devices[0]!.id, auth: basic(p.devices[0]!.id, p.devices[0]!.secret) }
    B = await enrollTablet(hub, 'va')
    clerk = basic(p.clerk.name, p.clerk.password)
    staff = basic(p.staff.name, p.staff.password)
    const vote = await push(A.auth, [env(A.id, 'vote', 'open', {
      title: '民生项目', kind: 'project-selection', ballotType: 'approval', minChoices: 0, maxChoices: 1, budget: 100,
      candidates: [{ id: 'project:a', title: 'A', cost: 10 }], opensAt: NOW - 3_600_000, closesAt: NOW + 3_600_000, roster: [],
    })])
    expect(vote[0].ok).toBe(true)
  })
  afterAll(async () => { await hub?.stop({ removeData: true }); await engine().cleanup() })

  function env(device: string, kind: string, rest: string, body: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, any> {
    return { _id: `${kind}:${rest}`, kind, v: 1, village: 'va', year: 2026, author: 'person:p1', device, deviceTime: NOW, seq: ++seq, ref: '', body, ...extra }
  }
  const ballot = (device: string, rest: string) => env(device, 'ballot', rest, { voteId: 'vote:open', choices: ['project:a'], castAt: NOW }, { ref: 'vote:open' })
  const checkoff = (device: string, voter: string, at = NOW) =>
    env(device, 'checkoff', '', { voteId: 'vote:open', voterId: voter, at, recordedBy: 'person:clerk' }, { _id: checkoffId('vote:open', voter), ref: 'vote:open' })

  async function push(auth: string, docs: unknown[], opts: { newEdits?: boolean; db?: string } = {}): Promise<any[]> {
    const r = await couch(hub, `${opts.db ?? 'village-va'}/_bulk_docs`, { auth, body: { docs, ...(opts.newEdits === false ? { new_edits: false } : {}) } })
    expect(r.status, JSON.stringify(r.body)).toBe(201)
    return r.body
  }
  const hubDoc = async (id: string, query = '') => couch(hub, `village-va/${encodeURIComponent(id)}${query}`)
  /** Ids of the hub's live documents whose id starts with `prefix` (admin's view of the database). */
  async function idsFrom(db: string, prefix: string): Promise<string[]> {
    const r = await couch(hub, `${db}/_all_docs?startkey=${encodeURIComponent(JSON.stringify(prefix))}&endkey=${encodeURIComponent(JSON.stringify(`${prefix}\ufff0`))}`)
    return r.body.rows.map((row: any) => row.id)
  }

  describe('one identity per record', () => {
    it('keeps a recorded ballot a ballot: an `id` naming another kind cannot replace it, with or without new_edits', async () => {
      const [cast] = await push(A.auth, [ballot(A.id, 'b1')])
      expect(cast.ok).toBe(true)
      const disguised = { ...env(B.id, 'unit', 'x', { kind: 'courtyard', name: '一组' }), _id: 'ballot:b1', _rev: cast.rev, id: 'unit:x' }
      const [row] = await push(B.auth, [disguised])
      expect(row).toMatchObject({ id: 'ballot:b1', error: 'conflict' })
      expect(row.reason).toMatch(/id/)
      const stored = (await hubDoc('ballot:b1')).body
      expect(stored).toMatchObject({ kind: 'ballot', _rev: cast.rev, body: { choices: ['project:a'] } })

      // replication-style: a check-off turned into a person by a forged next revision
      const [ck] = await push(A.auth, [checkoff(A.id, 'person:v1')])
      expect(ck.ok).toBe(true)
      const hash = ck.rev.split('-')[1]
      const person = { ...env(B.id, 'person', 'v1', { name: '张三', eligible: true, roles: [] }), _id: checkoffId('vote:open', 'person:v1'), id: 'person:v1', _rev: `2-${'a'.repeat(32)}`, _revisions: { start: 2, ids: ['a'.repeat(32), hash] } }
      const refused = await push(B.auth, [person], { newEdits: false })
      expect(refused).toEqual([expect.objectContaining({ error: 'forbidden', reason: expect.stringMatching(/id/) })])
      expect((await hubDoc(checkoffId('vote:open', 'person:v1'))).body).toMatchObject({ kind: 'checkoff', _rev: ck.rev })
    })

    it('writes no `_`-prefixed id through any route, for no one (design documents reach CouchDB itself)', async () => {
      const design = { _id: '_design/evil', views: { all: { map: 'function (doc) { emit(doc._id) }' } }, validate_doc_update: 'function () { throw({ forbidden: "no" }) }' }
      const [byDevice] = await push(A.auth, [design])
      expect(byDevice.error).toBeTruthy()
      const [byAdmin] = await push(ADMIN_AUTH, [design])
      expect(byAdmin).toMatchObject({ error: 'forbidden' })
      expect(byAdmin.reason).toMatch(/_design|underscore|`_`/)
      expect((await couch(hub, 'township-tt', { method: 'PUT' })).status).toBe(201)
      const [byStaff] = await push(staff, [design, { _id: '_local/x', last_seq: 9 }], { db: 'township-tt' })
      expect(byStaff.error).toBeTruthy()
      for (const route of [['PUT', 'village-va/_design%2Fevil'], ['POST', 'village-va']] as const) {
        const r = await couch(hub, route[0] === 'PUT' ? route[1] : route[1], { method: route[0], body: design })
        expect(r.status, `${route[0]} ${route[1]}`).toBeGreaterThanOrEqual(400)
      }
      expect(await idsFrom('village-va', '_design/')).toEqual([])
      expect(await idsFrom('township-tt', '_design/')).toEqual([])
      expect(await idsFrom('township-tt', '_local/')).toEqual([])
    })

    it('refuses inline attachments (photos go through the blob route, within its limits)', async () => {
      const data = Buffer.alloc(1024 * 1024, 7).toString('base64')
      const doc = { ...env(A.id, 'proposal', 'att1', { title: '附件', status: 'draft' }), _attachments: { 'a.bin': { content_type: 'application/octet-stream', data } } }
      const [row] = await push(A.auth, [doc])
      expect(row).toMatchObject({ error: 'conflict', reason: expect.stringMatching(/attachment/) })
      const [asAdmin] = await push(ADMIN_AUTH, [{ ...doc, _id: 'proposal:att2' }])
      expect(asAdmin).toMatchObject({ error: 'forbidden', reason: expect.stringMatching(/attachment/) })
      expect((await hubDoc('proposal:att2')).status).toBe(404)
      expect((await hubDoc('proposal:att1')).status).toBe(404)
    })

    it('lands one revision per id per batch: a second version of a ballot in the same new_edits=false batch is refused', async () => {
      const first = { ...ballot(A.id, 'twice'), _rev: `1-${'b'.repeat(32)}` }
      const second = { ...ballot(A.id, 'twice'), _rev: `1-${'c'.repeat(32)}`, body: { voteId: 'vote:open', choices: [], castAt: NOW } }
      const rows = await push(A.auth, [first, second], { newEdits: false })
      expect(rows).toEqual([expect.objectContaining({ id: 'ballot:twice', error: 'forbidden', reason: expect.stringMatching(/twice|more than once|one revision/) })])
      const leaves = (await hubDoc('ballot:twice', '?open_revs=all')).body
      expect(leaves).toHaveLength(1)
      expect(leaves[0].ok.body.choices).toEqual(['project:a'])
    })

    it('lets no device graft a branch of its own onto a record (new_edits=false must build on the hub\'s version)', async () => {
      const own = env(A.id, 'proposal', 'graft', { title: '修路', status: 'draft' })
      const [r] = await push(A.auth, [own])
      const grafted = { ...own, device: B.id, _rev: `9-${'d'.repeat(32)}`, _revisions: { start: 9, ids: ['d'.repeat(32), 'e'.repeat(32)] }, body: { title: '不修路', status: 'rejected' } }
      const rows = await push(B.auth, [grafted], { newEdits: false })
      expect(rows).toEqual([expect.objectContaining({ error: 'forbidden' })])
      const stored = (await hubDoc('proposal:graft', '?conflicts=true')).body
      expect(stored._rev).toBe(r.rev)
      expect(stored._conflicts).toBeUndefined()
    })

    it('keeps each account\'s replication checkpoints apart: one tablet cannot move another\'s or the hub\'s', async () => {
      expect((await couch(hub, 'village-va/_local/peer-ckpt', { method: 'PUT', body: { last_seq: 42 } })).status).toBe(201)
      expect((await couch(hub, 'village-va/_local/peer-ckpt', { method: 'PUT', auth: A.auth, body: { last_seq: 999_999 } })).status).toBe(201)
      expect((await couch(hub, 'village-va/_local/peer-ckpt')).body.last_seq).toBe(42)
      expect((await couch(hub, 'village-va/_local/peer-ckpt', { auth: A.auth })).body.last_seq).toBe(999_999)
      expect((await couch(hub, 'village-va/_local/peer-ckpt', { auth: B.auth })).status).toBe(404)
      // and a checkpoint is small
      const big = await couch(hub, 'village-va/_local/big', { method: 'PUT', auth: A.auth, body: { pad: 'x'.repeat(200_000) } })
      expect(big.status).toBe(413)
    })
  })

  describe('a refusal never blocks a valid record and never reaches other tablets', () => {
    it('a refused document under a voter\'s check-off id does not stop the genuine check-off', async () => {
      const voter = 'person:v2'
      const [squat] = await push(B.auth, [checkoff(B.id, voter, NOW - 10 * 24 * 3_600_000)])
      expect(squat.error).toBe('conflict')
      const [genuine] = await push(A.auth, [checkoff(A.id, voter)])
      expect(genuine.ok).toBe(true)
      expect((await hubDoc(checkoffId('vote:open', voter))).body).toMatchObject({ device: A.id, body: { at: NOW } })
    })

    it("an audit event pushed under another tablet's id does not break that tablet's chain", async () => {
      const event = appendAudit(null, { device: A.id, at: NOW, actor: 'person:p1', action: 'insert', subjectId: 'proposal:graft', digest: recordDigest({ a: 1 }) })
      const { id, ...body } = event
      const real = env(A.id, 'audit', '', body as Record<string, unknown>, { _id: id })
      const [squat] = await push(B.auth, [{ ...real, device: B.id }])
      expect(squat.error).toBe('conflict')
      const [mine] = await push(A.auth, [real])
      expect(mine.ok).toBe(true)
    })

    it('other tablets never pull refused content; the pushing tablet alone reads its record back, marked refused', async () => {
      const since = (await couch(hub, 'village-va/_changes?since=now&feed=normal', { auth: A.auth })).body.last_seq
      const junk = { _id: 'proposal:junk', hello: 'world' }
      const oversized = env(B.id, 'proposal', 'huge', { title: '大', status: 'draft', blob: 'y'.repeat(600_000) })
      const rows = await push(B.auth, [junk, oversized])
      expect(rows.map((r) => r.error)).toEqual(['conflict', 'conflict'])
      const pulled = await couch(hub, `village-va/_changes?since=${encodeURIComponent(String(since))}&include_docs=true&style=all_docs`, { auth: A.auth })
      const text = JSON.stringify(pulled.body)
      expect(text).not.toContain('hello')
      expect(text).not.toContain('yyyyyyyy')
      expect(text.length).toBeLessThan(20_000)
      const notices = pulled.body.results.map((r: any) => r.doc).filter((d: any) => d.kind === 'rejection')
      expect(notices.map((d: any) => d.body.subjectId).sort()).toEqual(['proposal:huge', 'proposal:junk'])
      // the re-read RxDB makes after a conflict: the pushing tablet gets its record back marked refused…
      const mine = await couch(hub, `village-va/_all_docs?include_docs=true&keys=${encodeURIComponent(JSON.stringify(['proposal:junk', 'proposal:huge']))}`, { auth: B.auth })
      expect(mine.body.rows.map((r: any) => r.doc?.refused?.reason)).toEqual([expect.any(String), expect.stringMatching(/too large/)])
      // …and nobody else does
      const theirs = await couch(hub, `village-va/_all_docs?include_docs=true&keys=${encodeURIComponent(JSON.stringify(['proposal:junk', 'proposal:huge']))}`, { auth: A.auth })
      expect(theirs.body.rows.map((r: any) => r.error)).toEqual(['not_found', 'not_found'])
    })

    it('quarantines a refusal once however often a retrying tablet sends it again', async () => {
      const doc = env(B.id, 'proposal', 'again', { status: 'draft' })
      for (let i = 0; i < 3; i++) expect((await push(B.auth, [doc]))[0].error).toBe('conflict')
      const q = (await couch(hub, '_hub/quarantine?db=village-va')).body.filter((e: any) => e.docId === 'proposal:again')
      expect(q).toHaveLength(1)
      expect(await idsFrom('village-va', 'rejection:again')).toHaveLength(1)
    })
  })

  describe("a record's device is who authenticated", () => {
    it('a clerk cannot write as a tablet, and the tablet\'s own event with that number still lands', async () => {
      const head = { seq: 1, hash: appendAudit(null, { device: A.id, at: NOW, actor: 'person:p1', action: 'insert', subjectId: 'proposal:graft', digest: recordDigest({ a: 1 }) }).hash, device: A.id }
      const forged = appendAudit(head, { device: A.id, at: NOW + 1, actor: p.clerk.name, action: 'insert', subjectId: 'proposal:x', digest: recordDigest({ b: 2 }) })
      const { id, ...body } = forged
      const [asTablet] = await push(clerk, [env(A.id, 'audit', '', body as Record<string, unknown>, { _id: id, author: p.clerk.name })])
      expect(asTablet).toMatchObject({ error: 'conflict', reason: expect.stringMatching(/device/) })
      const [proposalAsTablet] = await push(clerk, [env(A.id, 'proposal', 'by-clerk', { title: '冒名', status: 'draft' }, { author: p.clerk.name })])
      expect(proposalAsTablet.error).toBe('conflict')
      const real = appendAudit(head, { device: A.id, at: NOW + 2, actor: 'person:p1', action: 'insert', subjectId: 'proposal:y', digest: recordDigest({ c: 3 }) })
      const { id: realId, ...realBody } = real
      const [mine] = await push(A.auth, [env(A.id, 'audit', '', realBody as Record<string, unknown>, { _id: realId })])
      expect(mine.ok).toBe(true)
    })

    it('an account writes as itself: its name as author and device', async () => {
      const [own] = await push(clerk, [env(p.clerk.name, 'proposal', 'clerk-own', { title: '文书的提案', status: 'draft' }, { author: p.clerk.name })])
      expect(own.ok).toBe(true)
      const [asPerson] = await push(clerk, [env(p.clerk.name, 'proposal', 'clerk-person', { title: '代人', status: 'draft' }, { author: 'person:p9' })])
      expect(asPerson).toMatchObject({ error: 'conflict', reason: expect.stringMatching(/author|account/) })
      const [staffAsTablet] = await push(staff, [env(B.id, 'proposal', 'staff-b', { title: '镇上', status: 'draft' }, { author: p.staff.name })])
      expect(staffAsTablet.error).toBe('conflict')
    })
  })
})

describe('after an upgrade', () => {
  it("removes the refused placeholders an earlier hub left in village databases, so the genuine record lands", async () => {
    const { default: PouchDB } = await import('pouchdb')
    const { join } = await import('node:path')
    const h = await startHub()
    try {
      const q = await provision(h, { township: 'tu', villages: ['vu'] })
      const dev = basic(q.devices[0]!.id, q.devices[0]!.secret)
      const genuine = { _id: 'proposal:up1', kind: 'proposal', v: 1, village: 'vu', year: 2026, author: 'person:p1', device: q.devices[0]!.id, deviceTime: NOW, seq: 1, ref: '', body: { title: '修路', status: 'draft' } }
      // what an earlier hub wrote for a refused record: its content, marked refused
      const old = await couch(h, 'village-vu/_bulk_docs', { body: { docs: [{ ...genuine, device: 'dev-someone', body: { title: '冒名', status: 'draft' }, refused: { reason: 'written as device "dev-someone"', at: NOW } }] } })
      expect(old.body[0].ok).toBe(true)
      await h.stop()
      // the hub of before had never run the clean-up
      const quarantine = new PouchDB(join(h.dataDir, 'db', 'hub-quarantine'), { adapter: 'leveldb' } as PouchDB.Configuration.DatabaseConfiguration)
      const done = await quarantine.get('migration:refused-placeholders')
      await quarantine.remove(done)
      await quarantine.close()
      const again = await startHub({}, { port: h.port, dataDir: h.dataDir })
      try {
        const deadline = Date.now() + 20_000
        while ((await couch(again, 'village-vu/proposal:up1')).status !== 404) {
          if (Date.now() > deadline) throw new Error('the placeholder is still there')
          await new Promise((r) => setTimeout(r, 100))
        }
        const [row] = (await couch(again, 'village-vu/_bulk_docs', { auth: dev, body: { docs: [genuine] } })).body
        expect(row.ok).toBe(true)
        expect((await couch(again, 'village-vu/proposal:up1')).body.body.title).toBe('修路')
      } finally {
        await again.stop({ removeData: true })
      }
    } finally {
      await h.stop({ removeData: true })
    }
  })
})
