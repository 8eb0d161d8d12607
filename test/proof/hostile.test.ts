/* eslint-disable @typescript-eslint/no-explicit-any -- hostile JSON, read field by field */
import { createHash } from 'node:crypto'
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHub, type RunningHub } from '../support/hub'
import { ADMIN_AUTH, basic, couch, provision, type Provisioned } from '../sync-server/helpers'
import { INJECTIONS } from './injections'

// Hostile input against the real hub: every crafted request is refused with the right status,
// every crafted document is quarantined with its reason (answered `conflict`, never `forbidden`,
// so RxDB does not retry forever), the valid documents of the same batch land, and the hub stays up.

let hub: RunningHub
let p: Provisioned
let dev: { id: string; secret: string }
let auth: string
let otherAuth: string
const NOW = Date.now()
let seq = 1000

beforeAll(async () => {
  hub = await startHub({ BODY_LIMIT: '2m' })
  p = await provision(hub, { township: 'th', villages: ['va', 'vb'] })
  dev = p.devices[0]!
  auth = basic(dev.id, dev.secret)
  otherAuth = basic(p.devices[1]!.id, p.devices[1]!.secret)
})
afterAll(async () => { await hub?.stop({ removeData: true }) })

function env(kind: string, rest: string, body: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { _id: `${kind}:${rest}`, kind, v: 1, village: 'va', year: 2026, author: 'person:p1', device: dev.id, deviceTime: NOW, seq: ++seq, ref: '', body, ...extra }
}
const proposal = (rest: string, body: Record<string, unknown> = { title: '修路', status: 'draft' }, extra: Record<string, unknown> = {}) => env('proposal', rest, body, extra)
const voteBody = (extra: Record<string, unknown> = {}) => ({
  title: '民生项目', kind: 'project-selection', ballotType: 'approval', minChoices: 0, maxChoices: 1, budget: 100,
  candidates: [{ id: 'project:a', title: 'A', cost: 10 }], opensAt: NOW - 3_600_000, closesAt: NOW + 3_600_000, roster: [], ...extra,
})
const ballot = (rest: string, voteId: string, castAt = NOW, extra: Record<string, unknown> = {}) =>
  env('ballot', rest, { voteId, choices: ['project:a'], castAt, ...extra }, { ref: voteId })

/** A raw HTTP request (for bytes fetch would not send: invalid UTF-8, odd paths). */
function raw(method: string, path: string, body: Uint8Array | string | null, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${hub.url}${path}`, { method, headers: { ...(body !== null ? { 'content-type': 'application/json' } : {}), ...headers } }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => { text += c })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
    })
    req.setTimeout(20_000, () => req.destroy(new Error('timeout')))
    req.on('error', reject)
    if (body !== null) req.write(body)
    req.end()
  })
}

async function alive(): Promise<void> {
  expect(hub.process.exitCode).toBeNull()
  const up = await couch(hub, '_up', { auth: null })
  expect(up.status).toBe(200)
}

async function hubDoc(id: string, db = 'village-va'): Promise<any> {
  return (await couch(hub, `${db}/${encodeURIComponent(id)}`)).body
}

describe('hostile documents in one batch with valid ones', () => {
  // Each case: a document and words its refusal reason must contain.
  const cases: [string, () => Record<string, unknown>, RegExp][] = [
    ['missing required body field', () => proposal('h1', { status: 'draft' }), /title is missing/],
    ['wrong type in body', () => proposal('h2', { title: 12345, status: 'draft' }), /title should be text/],
    ['body is a list', () => ({ ...proposal('h3'), body: [1, 2] }), /body should be a group of fields/],
    ['body missing', () => { const d = proposal('h4'); delete d.body; return d }, /body is missing/],
    ['unknown envelope field', () => proposal('h5', undefined, { admin: true }), /admin is not a field/],
    ['unknown kind', () => ({ ...proposal('h6'), _id: 'script:h6', kind: 'script' }), /unknown kind/],
    ['id of another kind', () => ({ ...proposal('h7'), _id: 'ballot:h7' }), /should start with "proposal:"/],
    ['id with path tricks', () => ({ ...proposal('h8'), _id: 'proposal:../../hub-accounts' }), /not allowed/],
    ['id with a script', () => ({ ...proposal('h9'), _id: 'proposal:<script>alert(1)</script>' }), /not allowed/],
    ['id too long', () => ({ ...proposal('h10'), _id: `proposal:${'x'.repeat(200)}` }), /longer than/],
    ["another village's record", () => proposal('h11', undefined, { village: 'vb' }), /belongs to village "vb"/],
    ['village id with path tricks', () => proposal('h12', undefined, { village: '../vb' }), /village is not in the expected form/],
    ['forged device', () => proposal('h13', undefined, { device: p.devices[1]!.id }), /sent by device/],
    ['device claims to be the hub', () => proposal('h14', undefined, { device: 'hub', author: 'hub' }), /sent by device/],
    ['year out of range', () => proposal('h15', undefined, { year: 1900 }), /year is below/],
    ['negative seq', () => proposal('h16', undefined, { seq: -1 }), /seq is below/],
    ['fractional device time', () => proposal('h17', undefined, { deviceTime: 1.5 }), /deviceTime should be a whole number/],
    ['seq as text', () => proposal('h18', undefined, { seq: '7' }), /seq should be a whole number/],
    ['body version from the future', () => proposal('h19', undefined, { v: 99 }), /newer version/],
    ['self-made refused marker', () => proposal('h20', undefined, { refused: { reason: 'x', at: 1 } }), /only the hub/],
    ['deletion of a new id', () => ({ ...proposal('h21'), _deleted: true }), /never deleted/],
    ['ballot naming its voter (secrecy)', () => ballot('h22', 'vote:open', NOW, { voterId: 'person:p1' }), /voterId is not a field/],
    ['ballot for a vote the hub does not have', () => ballot('h23', 'vote:nope'), /not in the hub's records/],
    ['ballot long before the vote opened', () => ballot('h24', 'vote:open', NOW - 10 * 24 * 3_600_000), /before the vote opened/],
    ['ballot after the vote closed', () => ballot('h25', 'vote:closed', NOW), /vote was closed/],
    ['ballot whose ref and voteId differ', () => ({ ...ballot('h26', 'vote:open'), ref: 'vote:closed' }), /must name the same record/],
    ['ballot with a script as a choice', () => env('ballot', 'h27', { voteId: 'vote:open', choices: ['<img src=x onerror=alert(1)>'], castAt: NOW }, { ref: 'vote:open' }), /choices\[0\] is not in the expected form/],
    ['check-off under a free id', () => env('checkoff', 'h28', { voteId: 'vote:open', voterId: 'person:p1', at: NOW, recordedBy: 'person:clerk' }, { ref: 'vote:open' }), /checkoff: its id must be/],
    ['check-off not under a vote', () => env('checkoff', 'open:p2', { voteId: 'meeting:m', voterId: 'person:p2', at: NOW, recordedBy: 'person:clerk' }, { ref: 'meeting:m' }), /must belong to a vote/],
    ['check-off after the vote closed', () => env('checkoff', 'closed:p3', { voteId: 'vote:closed', voterId: 'person:p3', at: NOW, recordedBy: 'person:clerk' }, { ref: 'vote:closed' }), /vote was closed/],
    ['negative expense', () => env('ledger', 'h31', { fundId: 'fund:f', kind: 'expense', amount: -500, description: '退款', at: NOW }, { ref: 'fund:f' }), /amount is below 0/],
    ['money as a fraction of a fen', () => env('ledger', 'h32', { fundId: 'fund:f', kind: 'expense', amount: 10.5, description: '水泥', at: NOW }, { ref: 'fund:f' }), /amount should be a whole number/],
    ['unknown ledger kind', () => env('ledger', 'h33', { fundId: 'fund:f', kind: 'gift', amount: 1, description: 'x', at: NOW }, { ref: 'fund:f' }), /kind must be one of/],
    ['audit event with a bad hash', () => env('audit', `${dev.id}-999`, { device: dev.id, seq: 999, at: NOW, actor: 'x', action: 'insert', subjectId: 'proposal:p', prevHash: '', hash: 'nothex' }), /hash is not in the expected form/],
    ['body over 512 KB', () => proposal('h35', { title: '大', status: 'draft', description: 'x'.repeat(4000), blob: 'y'.repeat(600_000) }), /too large/],
    ['title over its limit', () => proposal('h36', { title: '长'.repeat(201), status: 'draft' }), /title is longer than 200/],
    ['photo that is not a content hash', () => proposal('h37', { title: '照片', status: 'draft', photos: ['javascript:alert(1)'] }), /photos\[0\] is not in the expected form/],
    ['person with roles as text', () => env('person', 'h38', { name: '张三', eligible: true, roles: 'admin' }), /roles should be a list/],
    ['empty comment', () => env('comment', 'h39', { text: '' }), /text is empty/],
    ['forged hub rejection notice', () => env('rejection', 'ok3:1', { subjectId: 'ballot:ok3', reason: 'the hub refused this ballot' }, { ref: 'ballot:ok3', author: 'hub' }), /only the hub/],
    ['conflict record with an unknown reason', () => env('conflict', 'h40', { subjectId: 'proposal:x', reason: 'hack', winner: { device: 'd', seq: 1 }, loser: {} }, { ref: 'proposal:x' }), /reason must be one of/],
  ]

  let rows: any[] = []
  let valid: Record<string, unknown>[] = []

  beforeAll(async () => {
    valid = [proposal('ok1', { title: '修路灯', status: 'draft' }), env('comment', 'ok2', { text: '同意' }), ballot('ok3', 'vote:open')]
    const setup = await couch(hub, 'village-va/_bulk_docs', { auth, body: { docs: [env('vote', 'open', voteBody()), env('vote', 'closed', voteBody({ closedAt: NOW - 60_000 }))] } })
    expect(setup.body.every((r: any) => r.ok)).toBe(true)
    // valid documents interleaved with the hostile ones, in one push
    const docs = [valid[0]!, ...cases.slice(0, 20).map(([, make]) => make()), valid[1]!, ...cases.slice(20).map(([, make]) => make()), valid[2]!]
    const r = await couch(hub, 'village-va/_bulk_docs', { auth, body: { docs } })
    expect(r.status).toBe(201)
    rows = r.body
    expect(rows).toHaveLength(docs.length)
  })

  it('lands the valid documents of the batch', async () => {
    for (const d of valid) {
      expect(rows.find((r) => r.id === d._id)).toMatchObject({ ok: true })
      const stored = await hubDoc(String(d._id))
      expect(stored.refused).toBeUndefined()
      expect(stored.body).toEqual(d.body)
    }
  })

  it.each(cases.map(([name, make, reason], i) => [name, i, make, reason] as const))('refuses %s: conflict with its reason, quarantined', async (_name, i, make, reason) => {
    const row = rows[i < 20 ? i + 1 : i + 2]
    const doc = make()
    expect(row.id).toBe(String(doc._id))
    expect(row.error).toBe('conflict')
    expect(row.reason).toMatch(reason)
    expect(row.reason).toMatch(/^refused by the hub: /)
  })

  it('keeps every refused document in quarantine with its reason, device and time', async () => {
    const q = await couch(hub, '_hub/quarantine?db=village-va')
    expect(q.status).toBe(200)
    for (const [name, make, reason] of cases) {
      const id = String(make()._id)
      const entry = q.body.find((e: any) => e.docId === id)
      expect(entry, name).toBeDefined()
      expect(entry.reason, name).toMatch(reason)
      expect(entry.principal).toBe(dev.id)
      expect(entry.at).toBeGreaterThan(NOW - 60_000)
    }
  })

  it('stores nothing under a refused id: no placeholder to squat it, no hostile content to pull', async () => {
    const ids = cases.map(([, make]) => String(make()._id))
    const res = await couch(hub, 'village-va/_all_docs', { body: { keys: ids, include_docs: true } })
    expect(res.status).toBe(200)
    res.body.rows.forEach((row: any, i: number) => expect(row.error, cases[i]![0]).toBe('not_found'))
    // a device cannot reach another village's records through a forged village field
    const vb = await couch(hub, 'village-vb/_all_docs')
    expect(vb.body.rows.map((r: any) => r.id)).not.toContain('proposal:h11')
    await alive()
  })
})

describe('hostile edits of what is already recorded', () => {
  it('refuses edits and deletions of immutable records, and forged revisions with new_edits=false', async () => {
    const c = env('comment', 'imm1', { text: '原话' })
    const b = ballot('imm2', 'vote:open')
    const [rc, rb] = (await couch(hub, 'village-va/_bulk_docs', { auth, body: { docs: [c, b] } })).body
    expect(rc.ok && rb.ok).toBe(true)
    const attempts = [
      { ...c, _rev: rc.rev, body: { text: '改过的话' } },
      { ...b, _rev: rb.rev, body: { ...b.body as object, choices: [] } },
      { _id: c._id, _rev: rc.rev, _deleted: true },
      { ...b, _rev: rb.rev, ref: 'vote:closed', body: { ...b.body as object, voteId: 'vote:closed' } },
    ]
    // one revision per id per batch: each attempt in a push of its own
    const rows = []
    for (const attempt of attempts) rows.push(...(await couch(hub, 'village-va/_bulk_docs', { auth, body: { docs: [attempt] } })).body)
    expect(rows.map((r: any) => r.error)).toEqual(['conflict', 'conflict', 'conflict', 'conflict'])
    expect(rows[0].reason).toMatch(/cannot be changed/)
    expect(rows[2].reason).toMatch(/never deleted/)
    // replication-style write of a forged revision: refused too, the hub's version stays
    const forged = await couch(hub, 'village-va/_bulk_docs', {
      auth, body: { new_edits: false, docs: [{ ...c, _rev: '9-0123456789abcdef0123456789abcdef', _revisions: { start: 9, ids: ['0123456789abcdef0123456789abcdef'] }, body: { text: '伪造' } }] },
    })
    expect(forged.status).toBe(201)
    expect(forged.body[0]).toMatchObject({ error: 'forbidden' })
    expect((await hubDoc(String(c._id))).body.text).toBe('原话')
    expect((await hubDoc(String(b._id))).body.choices).toEqual(['project:a'])
    // single-document routes refuse the same way
    const put = await couch(hub, `village-va/${String(c._id)}?rev=${rc.rev}`, { method: 'PUT', auth, body: { ...c, body: { text: 'x' } } })
    expect(put.status).toBe(409)
    const del = await couch(hub, `village-va/${String(c._id)}?rev=${rc.rev}`, { method: 'DELETE', auth })
    expect(del.status).toBe(409)
    expect((await hubDoc(String(c._id))).body.text).toBe('原话')
  })

  it("refuses a record of another village's id space and a change of kind", async () => {
    const own = proposal('kind1')
    const [r] = (await couch(hub, 'village-va/_bulk_docs', { auth, body: { docs: [own] } })).body
    expect(r.ok).toBe(true)
    const [turned] = (await couch(hub, 'village-va/_bulk_docs', { auth, body: { docs: [{ ...own, _rev: r.rev, kind: 'comment', body: { text: 'x' } }] } })).body
    expect(turned.error).toBe('conflict')
    // the other village's device cannot push into this village at all
    const cross = await couch(hub, 'village-va/_bulk_docs', { auth: otherAuth, body: { docs: [proposal('cross')] } })
    expect(cross.status).toBe(403)
  })
})

describe('hostile requests', () => {
  const ADMIN = () => ADMIN_AUTH
  const DEV = () => auth
  const NONE = () => null
  // [name, method, path, who, body (object → JSON, string → raw), expected status, expected `error`]
  const cases: [string, string, string, () => string | null, unknown, number, string?][] = [
    ['anonymous read of a village', 'GET', 'village-va/_all_docs', NONE, undefined, 401, 'unauthorized'],
    ['anonymous changes feed', 'GET', 'village-va/_changes', NONE, undefined, 401, 'unauthorized'],
    ['anonymous push', 'POST', 'village-va/_bulk_docs', NONE, { docs: [] }, 401, 'unauthorized'],
    ['wrong password', 'GET', 'village-va', () => basic(dev.id, 'wrong-secret'), undefined, 401, 'unauthorized'],
    ['unknown account', 'GET', 'village-va', () => basic('nobody', 'whatever-1'), undefined, 401, 'unauthorized'],
    ['malformed basic header', 'GET', 'village-va', () => 'Basic !!!notbase64', undefined, 401, 'unauthorized'],
    ["another village's database", 'GET', 'village-vb/_all_docs', DEV, undefined, 403, 'forbidden'],
    ["another village's changes", 'GET', 'village-vb/_changes?feed=normal', DEV, undefined, 403, 'forbidden'],
    ["another village's checkpoint", 'PUT', 'village-vb/_local/x', DEV, { last: 1 }, 403, 'forbidden'],
    ["another village's _bulk_get", 'POST', 'village-vb/_bulk_get', DEV, { docs: [{ id: 'x' }] }, 403, 'forbidden'],
    ['device creates a database', 'PUT', 'village-new', DEV, undefined, 403, 'forbidden'],
    ['device deletes its database', 'DELETE', 'village-va', DEV, undefined, 403, 'forbidden'],
    ['device lists databases', 'GET', '_all_dbs', DEV, undefined, 403, 'forbidden'],
    ['_security probe', 'GET', 'village-va/_security', DEV, undefined, 403, 'forbidden'],
    ['_security rewrite', 'PUT', 'village-va/_security', DEV, { admins: { names: ['me'] } }, 403, 'forbidden'],
    ['design document (server code)', 'PUT', 'village-va/_design/evil', DEV, { validate_doc_update: 'function(){}' }, 403, 'forbidden'],
    ['admin cannot write design documents either', 'PUT', 'village-va/_design/evil', ADMIN, { views: {} }, 403, 'forbidden'],
    ['_purge', 'POST', 'village-va/_purge', DEV, { 'comment:imm1': ['1-x'] }, 403, 'forbidden'],
    ['_compact', 'POST', 'village-va/_compact', DEV, {}, 403, 'forbidden'],
    ['_users probe', 'GET', '_users/_all_docs', DEV, undefined, 400, 'illegal_database_name'],
    ['_users as admin', 'GET', '_users', ADMIN, undefined, 400, 'illegal_database_name'],
    ['_config probe', 'GET', '_config', ADMIN, undefined, 400, 'illegal_database_name'],
    ['_node config probe', 'GET', '_node/_local/_config', ADMIN, undefined, 400, 'illegal_database_name'],
    ['_replicator probe', 'POST', '_replicator', DEV, { source: 'hub-accounts', target: 'http://evil/' }, 403, 'forbidden'],
    ['hub-private accounts database', 'GET', 'hub-accounts/_all_docs', ADMIN, undefined, 403, 'forbidden'],
    ['hub-private quarantine database', 'GET', 'hub-quarantine/_changes', DEV, undefined, 403, 'forbidden'],
    ['hub-private database created by admin', 'PUT', 'hub-evil', ADMIN, undefined, 403, 'forbidden'],
    ['encoded path traversal', 'GET', '..%2Fhub-accounts/_all_docs', ADMIN, undefined, 400, 'illegal_database_name'],
    ['traversal inside a database name', 'GET', 'village-va%2F..%2Fhub-accounts', ADMIN, undefined, 400, 'illegal_database_name'],
    ['upper-case database name', 'GET', 'Village-VA', ADMIN, undefined, 400, 'illegal_database_name'],
    ['database name with a NUL', 'GET', 'village-va%00', ADMIN, undefined, 400, 'illegal_database_name'],
    ['device reads the user list', 'GET', '_hub/users', DEV, undefined, 403, 'forbidden'],
    ['device reads the quarantine', 'GET', '_hub/quarantine', DEV, undefined, 403, 'forbidden'],
    ['device makes itself a user', 'POST', '_hub/users', DEV, { name: 'x', password: 'password-1', role: 'township', township: 'th' }, 403, 'forbidden'],
    ['device mints an enrollment code', 'POST', '_hub/enrollments', DEV, { village: 'vb' }, 403, 'forbidden'],
    ['device lists peer hubs', 'GET', '_hub/peers', DEV, undefined, 403, 'forbidden'],
    ['device adds a peer hub', 'POST', '_hub/peers', DEV, { url: 'http://evil.example/couch/' }, 403, 'forbidden'],
    ['export file of an unknown device', 'POST', '_hub/import', DEV, { format: 'yishi-export/1', village: 'va', device: 'dev-nobody', docs: [], signature: 'f'.repeat(64) }, 403, 'forbidden'],
    ['enrolling with a made-up code', 'POST', '_hub/enroll', NONE, { code: '000000', label: 'x' }, 403, 'forbidden'],
    ['clerk reads another village', 'GET', 'village-vb', () => basic(p.clerk.name, p.clerk.password), undefined, 403, 'forbidden'],
    ['forged session cookie', 'GET', 'village-va', NONE, undefined, 401],
    ['broken JSON', 'POST', 'village-va/_bulk_docs', DEV, '{"docs": [ {"_id": ', 400, 'bad_request'],
    ['docs is not a list', 'POST', 'village-va/_bulk_docs', DEV, { docs: { a: 1 } }, 400, 'bad_request'],
    ['a doc that is null', 'POST', 'village-va/_bulk_docs', DEV, { docs: [null] }, 400, 'bad_request'],
    ['a doc that is a string', 'POST', 'village-va/_bulk_docs', DEV, { docs: ['<script>'] }, 400, 'bad_request'],
    ['prototype pollution in a push', 'POST', 'village-va/_bulk_docs', DEV, '{"docs":[{"_id":"proposal:pp","__proto__":{"refused":{"reason":"x","at":1}}}]}', 400],
    ['document without an id', 'POST', 'village-va', DEV, { kind: 'proposal' }, 403, 'forbidden'],
    ['changes feed as eventsource (not served)', 'GET', 'village-va/_changes?feed=eventsource', DEV, undefined, 400, 'bad_request'],
    ['negative changes limit', 'GET', 'village-va/_changes?limit=-5', DEV, undefined, 400, 'bad_request'],
    ['keys that are not a list', 'POST', 'village-va/_all_docs', DEV, { keys: 'proposal:ok1' }, 400, 'bad_request'],
    ['keys that are not JSON', 'GET', 'village-va/_all_docs?keys=[not-json', DEV, undefined, 400, 'bad_request'],
    ['revs_diff with a list', 'POST', 'village-va/_revs_diff', DEV, [1, 2], 400, 'bad_request'],
    ['unsupported filter (server code)', 'GET', 'village-va/_changes?filter=evil/filter', DEV, undefined, 400, 'bad_request'],
  ]

  it.each(cases)('%s → refused', async (name, method, path, who, body, status, error) => {
    const headers: Record<string, string> = {}
    if (name === 'forged session cookie') headers.cookie = `AuthSession=${Buffer.from('admin').toString('base64url')}:ffffffffff:forged`
    const r = await couch(hub, path, {
      method, auth: who(), headers,
      ...(typeof body === 'string' ? { raw: body } : body !== undefined ? { body } : {}),
    })
    expect(r.status, JSON.stringify(r.body)).toBe(status)
    if (error) expect(r.body.error).toBe(error)
  })

  it('refuses an export file with a forged signature, or for another village, and lands nothing of it', async () => {
    const file = { format: 'yishi-export/1', village: 'va', device: dev.id, docs: [proposal('forged-import')], signature: '0'.repeat(64) }
    const forged = await couch(hub, '_hub/import', { auth, body: file })
    expect(forged.status).toBe(403)
    expect(forged.body.reason).toMatch(/signature/)
    const elsewhere = await couch(hub, '_hub/import', { auth, body: { ...file, village: 'vb' } })
    expect(elsewhere.status).toBe(403)
    expect((await couch(hub, 'village-va/proposal:forged-import')).status).toBe(404)
  })

  it('refuses a body over the limit with 413 and keeps serving', async () => {
    const big = JSON.stringify({ docs: [proposal('big', { title: 'x', status: 'draft', description: 'y'.repeat(3 * 1024 * 1024) })] })
    const r = await raw('POST', '/couch/village-va/_bulk_docs', big, { authorization: auth })
    expect(r.status).toBe(413)
    await alive()
  })

  it('refuses a push sent as plain text (no JSON parsing of other content types)', async () => {
    const r = await raw('POST', '/couch/village-va/_bulk_docs', JSON.stringify({ docs: [proposal('plain')] }), { authorization: auth, 'content-type': 'text/plain' })
    expect(r.status).toBe(415)
    expect((await couch(hub, 'village-va/proposal:plain')).status).toBe(404)
  })

  it('refuses invalid UTF-8 with 400, and nothing of it lands', async () => {
    const head = Buffer.from(JSON.stringify({ docs: [proposal('utf8', { title: 'AAAA', status: 'draft' })] }))
    const at = head.indexOf('AAAA')
    const bytes = new Uint8Array([...head.subarray(0, at), 0xff, 0xfe, 0xc3, 0x28, ...head.subarray(at + 4)])
    const r = await raw('POST', '/couch/village-va/_bulk_docs', bytes, { authorization: auth })
    expect(r.status, r.text).toBe(400)
    expect((await couch(hub, 'village-va/proposal:utf8')).status).toBe(404)
  })

  it('survives deeply nested JSON: refused or quarantined, never a crash', async () => {
    const depth = 100_000
    const nested = '['.repeat(depth) + ']'.repeat(depth)
    const text = `{"docs":[${JSON.stringify(proposal('deep'))}]}`.replace('"status":"draft"', `"status":"draft","deep":${nested}`)
    const r = await raw('POST', '/couch/village-va/_bulk_docs', text, { authorization: auth })
    expect(r.status, r.text).toBe(400)
    expect(JSON.parse(r.text).reason).toMatch(/nested/)
    await alive()
    // the hub still takes ordinary work afterwards
    const after = await couch(hub, 'village-va/_bulk_docs', { auth, body: { docs: [proposal('after-deep')] } })
    expect(after.body[0].ok).toBe(true)
  })

  it('keeps script-injection strings in every text field as plain data', async () => {
    const docs = INJECTIONS.map((s, i) => proposal(`inj${i}`, { title: s.slice(0, 200), description: s, status: 'draft' }))
    const rows = (await couch(hub, 'village-va/_bulk_docs', { auth, body: { docs } })).body
    expect(rows.every((r: any) => r.ok)).toBe(true)
    for (const [i, s] of INJECTIONS.entries()) expect((await hubDoc(`proposal:inj${i}`)).body.description).toBe(s)
    // the hub's JSON answers carry them as JSON strings with a JSON content type, never as HTML
    const res = await fetch(`${hub.url}/couch/village-va/proposal:inj0`, { headers: { authorization: auth } })
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    await alive()
  })
})

describe('hostile files (photo blobs)', () => {
  const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex')

  it.each([
    ['an HTML page', 'text/html', '<html><body><script>window.__pwned = 1</script></body></html>'],
    ['an SVG with a script', 'image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'],
    ['a script', 'application/javascript', 'window.__pwned = 1'],
  ])('serves %s uploaded as a "photo" so no browser can run it', async (_name, type, content) => {
    const data = new TextEncoder().encode(content)
    const hash = sha(data)
    const put = await fetch(`${hub.url}/couch/village-va/_blobs/${hash}`, { method: 'PUT', headers: { authorization: auth, 'content-type': type }, body: data })
    expect([201, 200, 400, 415]).toContain(put.status)
    if (put.status >= 400) return // refused outright: fine
    const get = await fetch(`${hub.url}/couch/village-va/_blobs/${hash}`, { headers: { authorization: auth } })
    expect(get.status).toBe(200)
    const served = get.headers.get('content-type') ?? ''
    expect(served).not.toMatch(/html|svg|javascript|xml/)
    expect(get.headers.get('x-content-type-options')).toBe('nosniff')
    expect(get.headers.get('content-security-policy') ?? '').toMatch(/sandbox|default-src 'none'/)
  })

  it('refuses a blob whose content does not match its hash, and a hash with path tricks', async () => {
    const data = new TextEncoder().encode('not what the name says')
    const wrong = 'a'.repeat(64)
    const put = await fetch(`${hub.url}/couch/village-va/_blobs/${wrong}`, { method: 'PUT', headers: { authorization: auth, 'content-type': 'image/jpeg' }, body: data })
    expect(put.status).toBe(400)
    expect((await fetch(`${hub.url}/couch/village-va/_blobs/${wrong}`, { headers: { authorization: auth } })).status).toBe(404)
    const tricky = await fetch(`${hub.url}/couch/village-va/_blobs/..%2F..%2Fadmin-password`, { headers: { authorization: auth } })
    expect(tricky.status).toBe(400)
    const other = await fetch(`${hub.url}/couch/village-vb/_blobs/${wrong}`, { headers: { authorization: auth } })
    expect(other.status).toBe(403)
    await alive()
  })
})
