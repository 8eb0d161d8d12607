/* eslint-disable @typescript-eslint/no-explicit-any -- hostile JSON, read field by field */
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appendAudit, recordDigest } from '../../src/domain/audit'
import { signBundle } from '../../src/data/carry'
import { checkoffId } from '../../src/shared/schemas/index'
import { startHub, type RunningHub } from '../support/hub'
import { describeEngines } from '../support/couchdb'
import { ADMIN_AUTH, basic, couch, enrollTablet, provision, type Provisioned } from '../sync-server/helpers'

// Hostile input against the hub's trust boundary (issue #12), one list per class of attack: a record
// that claims another identity, a writer that claims to be another, work a request cannot be allowed
// to ask for, ids squatted by refusals, content that must never be republished, and requests that
// must be refused before their body is read. Every case is refused with the status and reason a
// client can act on, nothing of it reaches another tablet, and the hub keeps answering.

let hub: RunningHub
let p: Provisioned
let A: { id: string; auth: string; secret: string }
let B: { id: string; auth: string }
let clerk: string
let staff: string
let supervisor: string
const NOW = Date.now()
const MARK = 'HOSTILE-CONTENT-MARK'
let seq = 0

describeEngines('the hub’s trust boundary against hostile input', (engine) => {
  beforeAll(async () => {
    hub = await startHub({ ...engine().env, BODY_LIMIT: '4m' })
    p = await provision(hub, { township: 'tp', villages: ['va', 'vb'] })
    A = { id: p.devices[0]!.id, secret: p.devices[0]!.secret, auth: basic(p.devices[0]!.id, p.devices[0]!.secret) }
    B = await enrollTablet(hub, 'va')
    clerk = basic(p.clerk.name, p.clerk.password)
    staff = basic(p.staff.name, p.staff.password)
    expect((await couch(hub, '_hub/users', { body: { name: 'super-va', password: 'super-password-1', role: 'supervisor', village: 'va' } })).status).toBe(201)
    supervisor = basic('super-va', 'super-password-1')
    const vote = { title: '民生项目', kind: 'project-selection', ballotType: 'approval', minChoices: 0, maxChoices: 1, budget: 100, candidates: [{ id: 'project:a', title: 'A', cost: 10 }], opensAt: NOW - 3_600_000, closesAt: NOW + 3_600_000, roster: [] }
    expect((await push(A.auth, [doc(A.id, 'vote', 'open', vote)]))[0].ok).toBe(true)
  })
  afterAll(async () => { await hub?.stop({ removeData: true }); await engine().cleanup() })

  function doc(device: string, kind: string, rest: string, body: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, any> {
    return { _id: `${kind}:${rest}`, kind, v: 1, village: 'va', year: 2026, author: 'person:p1', device, deviceTime: NOW, seq: ++seq, ref: '', body, ...extra }
  }
  const proposal = (device: string, rest: string, extra: Record<string, unknown> = {}) => doc(device, 'proposal', rest, { title: '修路', status: 'draft' }, extra)
  /** A proposal carrying a mark that must never reach another tablet (every one of these is refused). */
  const hostile = (device: string, rest: string, extra: Record<string, unknown> = {}) => doc(device, 'proposal', rest, { title: '修路', status: 'draft', note: MARK }, extra)
  async function push(auth: string, docs: unknown[], newEdits = true): Promise<any[]> {
    const r = await couch(hub, 'village-va/_bulk_docs', { auth, body: { docs, ...(newEdits ? {} : { new_edits: false }) } })
    expect(r.status, JSON.stringify(r.body).slice(0, 300)).toBe(201)
    return r.body
  }
  async function alive(): Promise<void> {
    expect(hub.process.exitCode).toBeNull()
    expect((await couch(hub, '_up', { auth: null })).status).toBe(200)
  }

  describe('a record that claims another identity', () => {
    const cases: [string, () => Record<string, any>, RegExp][] = [
      ['an `id` field naming another record', () => hostile(A.id, 'i1', { id: 'ballot:someone-elses' }), /id field/],
      ['an `id` field of another kind', () => ({ ...hostile(A.id, 'i2'), id: 'unit:i2', kind: 'unit' }), /id field/],
      ['a design document', () => ({ ...hostile(A.id, 'i3'), _id: '_design/i3' }), /belong to the hub/],
      ['a local document', () => ({ ...hostile(A.id, 'i4'), _id: '_local/i4' }), /belong to the hub/],
      ['inline attachments', () => ({ ...hostile(A.id, 'i5'), _attachments: { 'x.html': { content_type: 'text/html', data: Buffer.from(`<script>${MARK}</script>`).toString('base64') } } }), /attachments/],
      ['a CouchDB field that is not one', () => ({ ...hostile(A.id, 'i6'), _meta: { lwt: 1 } }), /not a field a record may carry/],
      ['a conflicts list', () => ({ ...hostile(A.id, 'i7'), _conflicts: ['1-a'] }), /not a field a record may carry/],
      ['a revision not in CouchDB form', () => ({ ...hostile(A.id, 'i8'), _rev: 'x-../../' }), /revision/],
      ['a revision history that lies about its revision', () => ({ ...hostile(A.id, 'i9'), _rev: '2-aaaa', _revisions: { start: 2, ids: ['bbbb', 'cccc'] } }), /disagree/],
      ['a revision history of a million revisions', () => ({ ...hostile(A.id, 'i10'), _rev: '2000-a', _revisions: { start: 2000, ids: Array(1500).fill('a') } }), /revision history/],
    ]
    it.each(cases)('refuses %s from a tablet (conflict, quarantined, nothing stored)', async (_name, make, reason) => {
      const d = make()
      const [row] = await push(A.auth, [d])
      expect(row).toMatchObject({ error: 'conflict', reason: expect.stringMatching(reason) })
      expect((await couch(hub, `village-va/_all_docs?keys=${encodeURIComponent(JSON.stringify([d._id]))}`)).body.rows[0].error).toBe('not_found')
    })
    it.each(cases.filter(([name]) => !/another record|another kind/.test(name)))('refuses %s from the admin too (forbidden)', async (_name, make, reason) => {
      const d = { ...make(), _id: `${String(make()._id)}-admin` }
      const [row] = await push(ADMIN_AUTH, [d])
      expect(row).toMatchObject({ error: 'forbidden', reason: expect.stringMatching(reason) })
    })
    it('refuses the same id twice in one batch, with or without new_edits', async () => {
      const rows = await push(A.auth, [proposal(A.id, 'twice'), { ...proposal(A.id, 'twice'), body: { title: '二', status: 'draft' } }])
      expect(rows.map((r) => r.ok ?? r.error)).toEqual([true, 'conflict'])
      expect(rows[1].reason).toMatch(/more than once/)
      const forged = await push(B.auth, [{ ...proposal(B.id, 'twice-b'), _rev: '1-aa' }, { ...proposal(B.id, 'twice-b'), _rev: '1-bb' }], false)
      expect(forged).toEqual([expect.objectContaining({ error: 'forbidden', reason: expect.stringMatching(/more than once/) })])
    })
    it('refuses a replicated revision that does not build on the hub\'s, and the kind of a record changing under it', async () => {
      const [r] = await push(A.auth, [proposal(A.id, 'base')])
      const [branch] = await push(B.auth, [{ ...proposal(B.id, 'base'), _rev: '3-ff', _revisions: { start: 3, ids: ['ff', 'ee', 'dd'] } }], false)
      expect(branch.reason).toMatch(/build on/)
      const [kind] = await push(A.auth, [{ ...doc(A.id, 'unit', 'x', { kind: 'courtyard', name: '一组' }), _id: 'proposal:base', _rev: r.rev }])
      expect(kind.reason).toMatch(/id|kind/)
    })
  })

  describe('a writer that claims to be another', () => {
    const who = () => [['clerk', clerk, p.clerk.name], ['supervisor', supervisor, 'super-va'], ['township staff', staff, p.staff.name]] as const
    it.each([0, 1, 2])('an account (%#) writes neither as a tablet nor as a person, only as itself', async (i) => {
      const [name, auth, account] = who()[i]!
      const rows = await push(auth, [
        hostile(A.id, `acct-${i}-tablet`, { author: account }),
        hostile(account, `acct-${i}-person`, { author: 'person:p1' }),
        hostile('hub', `acct-${i}-hub`, { author: 'hub' }),
        proposal(account, `acct-${i}-own`, { author: account }),
      ])
      expect(rows.map((r) => r.ok ?? r.error), name).toEqual(['conflict', 'conflict', 'conflict', true])
    })
    it('no one takes the number of a tablet\'s audit event: not another tablet, not an account', async () => {
      const event = appendAudit(null, { device: A.id, at: NOW, actor: 'person:p1', action: 'insert', subjectId: 'proposal:base', digest: recordDigest({ n: 1 }) })
      const { id, ...body } = event
      for (const [auth, device, author] of [[B.auth, B.id, 'person:p1'], [clerk, A.id, p.clerk.name], [staff, A.id, p.staff.name]] as const) {
        const [row] = await push(auth, [doc(device, 'audit', '', body as Record<string, unknown>, { _id: id, author })])
        expect(row.error).toBe('conflict')
      }
      expect((await push(A.auth, [doc(A.id, 'audit', '', body as Record<string, unknown>, { _id: id })]))[0].ok).toBe(true)
    })
  })

  describe('ids squatted by refusals', () => {
    const squats: [string, () => [Record<string, any>, Record<string, any>]][] = [
      ['a voter\'s check-off', () => {
        const voter = 'person:sq1'
        const c = (device: string, at: number) => doc(device, 'checkoff', '', { voteId: 'vote:open', voterId: voter, at, recordedBy: 'person:clerk' }, { _id: checkoffId('vote:open', voter), ref: 'vote:open' })
        return [c(B.id, NOW - 30 * 24 * 3_600_000), c(A.id, NOW)]
      }],
      ['a ballot', () => {
        const b = (device: string, extra: Record<string, unknown>) => doc(device, 'ballot', 'sq2', { voteId: 'vote:open', choices: ['project:a'], castAt: NOW, ...extra }, { ref: 'vote:open' })
        return [b(B.id, { voterId: 'person:leak' }), b(A.id, {})]
      }],
      ['a proposal', () => [hostile(A.id, 'sq3'), proposal(A.id, 'sq3')]],
      ['a record whose junk has no envelope', () => [{ _id: 'comment:sq4', [MARK]: true }, doc(A.id, 'comment', 'sq4', { text: '同意' })]],
    ]
    it.each(squats)('a refused %s written first does not block the genuine one', async (_name, make) => {
      const [bad, good] = make()
      expect((await push(B.auth, [bad]))[0].error).toBe('conflict')
      expect((await push(A.auth, [good]))[0].ok).toBe(true)
    })
  })

  describe('refused content is never republished', () => {
    it('another tablet, the clerk and township staff pull none of it: only small notices', async () => {
      const reader = async (auth: string) => JSON.stringify((await couch(hub, 'village-va/_changes?include_docs=true&style=all_docs&limit=1000', { auth })).body)
      for (const auth of [A.auth, clerk, staff]) {
        const text = await reader(auth)
        expect(text).not.toContain(MARK)
        expect(text).not.toContain('person:leak')
      }
      const notices = (await couch(hub, 'village-va/_all_docs?include_docs=true&startkey="rejection:"&endkey="rejection:\ufff0"')).body.rows
      expect(notices.length).toBeGreaterThan(5)
      for (const n of notices) expect(JSON.stringify(n.doc).length).toBeLessThan(1500)
    })
  })

  describe('work a request cannot ask for', () => {
    const keys = (n: number) => Array.from({ length: n }, (_, i) => `proposal:w${i}`)
    const cases: [string, string, string, () => string, unknown, number, string][] = [
      ['a batch of 1,001 documents', 'POST', 'village-va/_bulk_docs', () => A.auth, { docs: Array(1001).fill({}) }, 413, 'too_large'],
      ['1,001 keys to _all_docs', 'POST', 'village-va/_all_docs', () => A.auth, { keys: keys(1001) }, 413, 'too_large'],
      ['1,001 keys in the query string', 'GET', `village-va/_all_docs?keys=${encodeURIComponent(JSON.stringify(Array(1001).fill('a')))}`, () => A.auth, undefined, 413, 'too_large'],
      ['1,001 documents to _bulk_get', 'POST', 'village-va/_bulk_get', () => A.auth, { docs: keys(1001).map((id) => ({ id })) }, 413, 'too_large'],
      ['1,001 ids to _revs_diff', 'POST', 'village-va/_revs_diff', () => A.auth, Object.fromEntries(keys(1001).map((k) => [k, ['1-a']])), 413, 'too_large'],
      ['1,001 revisions of one id to _revs_diff', 'POST', 'village-va/_revs_diff', () => A.auth, { 'proposal:w': Array(1001).fill('1-a') }, 413, 'too_large'],
      ['1,001 doc_ids to _changes', 'POST', 'village-va/_changes?filter=_doc_ids', () => A.auth, { doc_ids: keys(1001) }, 413, 'too_large'],
      ['a checkpoint of 100 KB', 'PUT', 'village-va/_local/big', () => A.auth, { pad: 'x'.repeat(100_000) }, 413, 'too_large'],
      ['an anonymous login of 10 KB', 'POST', '_session', () => '', { name: 'x', password: 'y'.repeat(10_000) }, 413, 'too_large'],
      ['an anonymous enrollment of 10 KB', 'POST', '_hub/enroll', () => '', { code: '1', label: 'y'.repeat(10_000) }, 413, 'too_large'],
    ]
    it.each(cases)('refuses %s', async (_name, method, path, who, body, status, error) => {
      const auth = who()
      const r = await couch(hub, path, { method, auth: auth === '' ? null : auth, ...(body !== undefined ? { body } : {}) })
      expect(r.status, JSON.stringify(r.body).slice(0, 200)).toBe(status)
      expect(r.body.error).toBe(error)
      await alive()
    })
  })

  describe('bodies refused before they are read', () => {
    /** Sends a request head announcing a large body, and only 10 bytes of it; resolves with the status. */
    const announce = (method: string, path: string, headers: Record<string, string> = {}) => new Promise<number | 'no answer'>((resolve) => {
      const req = request(`${hub.url}/couch/${path}`, { method, headers: { 'content-type': 'application/json', 'content-length': '5000000', ...headers } })
      const timer = setTimeout(() => { req.destroy(); resolve('no answer') }, 10_000)
      req.on('response', (res) => { clearTimeout(timer); res.resume(); req.destroy(); resolve(res.statusCode ?? 0) })
      req.on('error', () => { clearTimeout(timer); resolve('no answer') })
      req.write('{"docs":[ ')
    })
    it.each([
      ['POST', 'village-va/_bulk_docs'], ['POST', 'village-va/_all_docs'], ['PUT', 'village-va/proposal:x'], ['POST', '_hub/import'],
      ['PUT', `village-va/_blobs/${'a'.repeat(64)}`], ['POST', '_hub/enrollments'], ['PUT', 'village-va/_local/x'], ['POST', 'nowhere/at/all'],
    ])('an anonymous %s %s is answered 401 at once', async (method, path) => {
      expect(await announce(method, path)).toBe(401)
    })
    it('a forged cookie is anonymous too', async () => {
      expect(await announce('POST', 'village-va/_bulk_docs', { cookie: 'AuthSession=YWRtaW4:1:ffffffffffff:forged' })).toBe(401)
    })
  })

  describe('smaller', () => {
    it('answers a signed export file holding a null record with 400 and a reason', async () => {
      const file = signBundle({ format: 'yishi-export/1', village: 'va', device: A.id, createdAt: NOW, upToSeq: 1, docs: [null as never] }, A.secret)
      const r = await couch(hub, '_hub/import', { auth: A.auth, body: file })
      expect(r.status).toBe(400)
      expect(r.body.reason).toMatch(/record 1/)
    })
    it('answers a signed export file of more records than a push takes with 413', async () => {
      const file = signBundle({ format: 'yishi-export/1', village: 'va', device: A.id, createdAt: NOW, upToSeq: 1, docs: Array(1001).fill({}) }, A.secret)
      const r = await couch(hub, '_hub/import', { auth: A.auth, body: file })
      expect(r.status).toBe(413)
      await alive()
    })
    it('names a __proto__ key as the reason, not the encoding', async () => {
      const r = await couch(hub, 'village-va/_bulk_docs', { auth: A.auth, raw: '{"docs":[{"_id":"proposal:pp","__proto__":{"refused":1}}]}' })
      expect(r.status).toBe(400)
      expect(r.body.reason).toMatch(/__proto__/)
    })
    it('refuses a form, and plain text, on every JSON route', async () => {
      for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x']) {
        const r = await couch(hub, 'village-va/_bulk_docs', { auth: A.auth, raw: 'docs=1', headers: { 'content-type': type } })
        expect(r.status, type).toBe(415)
      }
    })
    it('keeps at most 50 unused enrollment codes waiting per village, however many a clerk asks for', async () => {
      const statuses: number[] = []
      for (let i = 0; i < 55; i++) statuses.push((await couch(hub, '_hub/enrollments', { auth: clerk, body: { village: 'va' } })).status)
      expect(statuses.filter((s) => s === 201).length).toBeLessThanOrEqual(50)
      expect(statuses.at(-1)).toBe(429)
    })
    it('keeps a tablet\'s own password change from happening without the current password', async () => {
      expect((await couch(hub, `_hub/users/${p.clerk.name}`, { method: 'PUT', auth: clerk, body: { password: 'new-password-9' } })).status).toBe(400)
      expect((await couch(hub, `_hub/users/${p.clerk.name}`, { method: 'PUT', auth: clerk, body: { password: 'new-password-9', currentPassword: 'guess' } })).status).toBe(403)
      expect((await couch(hub, 'village-va', { auth: clerk })).status).toBe(200)
    })
  })
})
