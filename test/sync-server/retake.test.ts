/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers of the hub, read field by field */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { signAct } from '../../src/shared/personacts'
import { BODY_VERSIONS, PARENT_FIELD, type DocKind } from '../../src/shared/schemas/index'
import { startHub, type RunningHub } from '../support/hub'
import { describeEngines } from '../support/couchdb'
import { FILLER, witnessedKey, type MadeKey } from '../support/personkeys'
import { basic, couch, enrollTablet, hubCertifiedClerkKey, provision, setRoles, type Provisioned } from './helpers'

// A supervisor's co-signature can reach the hub before the key it is signed with: tablet A made the
// key in front of the clerk, tablet B got it by peer sync, had the supervisor co-sign, and synced
// first (or sent the co-signature ahead of the key in one batch). The hub keeps the co-signature in
// its quarantine, and takes it on its own once the key arrives — only if it is genuine and its
// writer still enrolled.

const VILLAGE = 'ra'
const T0 = Date.now() - 3_600_000
let hub: RunningHub
let p: Provisioned
let tablet: { id: string; auth: string }
let clerk: MadeKey
let seq = 0

function env(kind: DocKind, id: string, body: Record<string, unknown>, device = tablet.id): Record<string, any> {
  return { _id: id, kind, v: BODY_VERSIONS[kind], village: VILLAGE, year: 2026, author: 'person:clerk', device, deviceTime: Date.now(), seq: ++seq, ref: String(body[PARENT_FIELD[kind] ?? ''] ?? ''), body }
}
const keyDoc = (k: MadeKey) => { const { id, ...claim } = k.record; return env('personkey', id, { ...claim, ...FILLER }) }
/** A key of `personId` the clerk witnessed (as the key screen makes it). */
const supervisorKey = (personId: string) => witnessedKey(VILLAGE, personId, T0, `personkey:${personId.slice(7)}-${++seq}`, clerk)
/** A co-signature of `ledger` by `key`'s person, signed with it; `forge` changes its verdict after it was signed. */
function cosign(n: string, key: MadeKey, opts: { device?: string; forge?: boolean } = {}): Record<string, any> {
  const id = `cosign:${n}`
  const fields = { ledgerId: `ledger:${n}`, supervisorId: key.record.personId, approve: true, note: '', at: T0 + 60_000 }
  const signature = signAct('cosign', VILLAGE, { id, ...fields }, key.secret)
  return env('cosign', id, { ...fields, keyId: key.record.id, signature, ...(opts.forge ? { approve: false } : {}) }, opts.device)
}

async function push(docs: unknown[], auth = tablet.auth): Promise<any[]> {
  const r = await couch(hub, `village-${VILLAGE}/_bulk_docs`, { auth, body: { docs } })
  expect(r.status, JSON.stringify(r.body)).toBe(201)
  return r.body
}
const hubDoc = async (id: string) => { const r = await couch(hub, `village-${VILLAGE}/${encodeURIComponent(id)}`); return r.status === 200 ? r.body : null }
/** The quarantine's entries of `docId`: those still refused, or every one (released too). */
async function entries(docId: string, all = false): Promise<any[]> {
  return (await couch(hub, `_hub/quarantine?db=village-${VILLAGE}${all ? '&all=true' : ''}`)).body.filter((e: any) => e.docId === docId)
}
/** The village's rejection notices of `docId` that tablets still pull as live records. */
async function notices(docId: string): Promise<any[]> {
  const rows = (await couch(hub, `village-${VILLAGE}/_all_docs?include_docs=true&startkey=${encodeURIComponent('"rejection:"')}&endkey=${encodeURIComponent('"rejection:\ufff0"')}`)).body.rows
  return rows.map((r: any) => r.doc).filter((d: any) => d.body?.subjectId === docId)
}

describeEngines('the hub takes a quarantined record once what it rests on arrives', (engine) => {
  beforeAll(async () => {
    hub = await startHub(engine().env)
    p = await provision(hub, { township: 'rt', villages: [VILLAGE] })
    tablet = { id: p.devices[0]!.id, auth: basic(p.devices[0]!.id, p.devices[0]!.secret) }
    const people = ['clerk', 'sup1', 'sup2', 'sup3', 'sup4', 'sup5', 'sup6', 'sup7', 'sup8']
    const roster = await push(people.map((n) => env('person', `person:${n}`, { name: n, eligible: true, roles: [] })))
    expect(roster.every((r) => r.ok), JSON.stringify(roster)).toBe(true)
    const clerkAuth = basic(p.clerk.name, p.clerk.password)
    await setRoles(hub, VILLAGE, 'person:clerk', ['clerk'], clerkAuth)
    // sup6 and sup7 are on the roster, their roles not signed yet
    for (const n of [...people.slice(1, 6), 'sup8']) await setRoles(hub, VILLAGE, `person:${n}`, ['supervisor'], clerkAuth)
    clerk = await hubCertifiedClerkKey(hub, VILLAGE, clerkAuth, T0 - 60_000)
    expect((await push([keyDoc(clerk)]))[0].ok).toBe(true)
  })
  afterAll(async () => { await hub?.stop({ removeData: true }); await engine().cleanup() })

  it('takes a co-signature sent in one batch before the supervisor key it is signed with', async () => {
    const key = supervisorKey('person:sup1')
    const rows = await push([cosign('same-batch', key), keyDoc(key)])
    expect(rows.map((r) => r.ok), JSON.stringify(rows)).toEqual([true, true])
    expect(await hubDoc('cosign:same-batch')).toMatchObject({ body: { supervisorId: 'person:sup1' } })
    expect(await entries('cosign:same-batch', true)).toEqual([])
  })

  it('takes a co-signature quarantined before its supervisor key arrived once the key comes in a later request, with no admin action', async () => {
    const key = supervisorKey('person:sup2')
    const [refused] = await push([cosign('early', key)])
    expect(refused).toMatchObject({ error: 'conflict', code: 'act.unsigned', params: { problem: 'unknown-key' } })
    expect(await entries('cosign:early')).toHaveLength(1)
    expect(await notices('cosign:early')).toHaveLength(1)
    // the key arrives (another tablet, or the same one a sync later)
    expect((await push([keyDoc(key)]))[0].ok).toBe(true)
    const taken = await hubDoc('cosign:early')
    expect(taken).toMatchObject({ body: { supervisorId: 'person:sup2', approve: true } })
    expect(taken.refused).toBeUndefined()
    // out of the quarantine, released by the hub itself; the village's notice withdrawn; the writer reads the record back as taken
    expect(await entries('cosign:early')).toEqual([])
    expect(await entries('cosign:early', true)).toMatchObject([{ released: true, releasedBy: 'hub' }])
    expect(await notices('cosign:early')).toEqual([])
    const mine = await couch(hub, 'village-ra/cosign%3Aearly', { auth: tablet.auth })
    expect(mine.status).toBe(200)
    expect(mine.body.refused).toBeUndefined()
  })

  it('leaves a forged co-signature in the quarantine after the key arrives, with the reason it is refused for now', async () => {
    const key = supervisorKey('person:sup3')
    const [refused] = await push([cosign('forged', key, { forge: true })])
    expect(refused).toMatchObject({ error: 'conflict', code: 'act.unsigned', params: { problem: 'unknown-key' } })
    expect((await push([keyDoc(key)]))[0].ok).toBe(true)
    expect(await hubDoc('cosign:forged')).toBeNull()
    expect(await entries('cosign:forged')).toMatchObject([{ released: false, code: 'act.unsigned', params: { problem: 'bad-signature' }, reason: expect.stringMatching(/does not match the record/) }])
    // the tablets' one notice of it says so too (it said the key was unknown)
    expect(await notices('cosign:forged')).toMatchObject([{ body: { code: 'act.unsigned', params: { problem: 'bad-signature' } } }])
    // a key arriving later still leaves it there
    expect((await push([keyDoc(supervisorKey('person:sup3'))]))[0].ok).toBe(true)
    expect(await entries('cosign:forged')).toHaveLength(1)
  })

  it('does not take a record of a tablet revoked since it pushed it, and takes one of a tablet still enrolled', async () => {
    const key = supervisorKey('person:sup4')
    const gone = await enrollTablet(hub, VILLAGE)
    const kept = await enrollTablet(hub, VILLAGE)
    expect((await push([cosign('from-revoked', key, { device: gone.id })], gone.auth))[0]).toMatchObject({ error: 'conflict', code: 'act.unsigned' })
    expect((await push([cosign('from-enrolled', key, { device: kept.id })], kept.auth))[0]).toMatchObject({ error: 'conflict', code: 'act.unsigned' })
    expect((await couch(hub, `_hub/devices/${gone.id}/revoke`, { method: 'POST' })).status).toBe(200)
    expect((await push([keyDoc(key)]))[0].ok).toBe(true)
    expect(await hubDoc('cosign:from-enrolled')).not.toBeNull()
    expect(await hubDoc('cosign:from-revoked')).toBeNull()
    expect(await entries('cosign:from-revoked')).toMatchObject([{ released: false, code: 'act.unsigned', params: { problem: 'unknown-key' } }])
  })

  it('takes a co-signature refused because its signer\'s role was not signed yet, once the clerk\'s account or the admin has the hub sign it', async () => {
    const keys = [supervisorKey('person:sup6'), supervisorKey('person:sup7')]
    expect((await push(keys.map(keyDoc))).map((r) => r.ok)).toEqual([true, true])
    const rows = await push([cosign('by-clerk', keys[0]!), cosign('by-admin', keys[1]!)])
    expect(rows).toMatchObject([{ error: 'conflict', code: 'act.not-entitled' }, { error: 'conflict', code: 'act.not-entitled' }])
    await setRoles(hub, VILLAGE, 'person:sup6', ['supervisor'], basic(p.clerk.name, p.clerk.password))
    expect(await hubDoc('cosign:by-clerk')).not.toBeNull()
    expect(await hubDoc('cosign:by-admin')).toBeNull()
    await setRoles(hub, VILLAGE, 'person:sup7', ['supervisor'])
    expect(await hubDoc('cosign:by-admin')).not.toBeNull()
    expect([...await entries('cosign:by-clerk'), ...await entries('cosign:by-admin')]).toEqual([])
  })

  it('judges again only the last version of a record its writer sent: an earlier one it replaced is not taken', async () => {
    const key = supervisorKey('person:sup8')
    // the tablet sent the co-signature, then a version of it changed after it was signed, under the same id
    expect((await push([cosign('replaced', key)]))[0]).toMatchObject({ code: 'act.unsigned', params: { problem: 'unknown-key' } })
    expect((await push([cosign('replaced', key, { forge: true })]))[0]).toMatchObject({ code: 'act.unsigned', params: { problem: 'unknown-key' } })
    expect((await push([keyDoc(key)]))[0].ok).toBe(true)
    expect(await hubDoc('cosign:replaced')).toBeNull()
    expect((await entries('cosign:replaced')).map((e) => e.params.problem).sort()).toEqual(['bad-signature', 'unknown-key'])
  })

  it('leaves a quarantined record alone when its id holds another version by the time what it rests on arrives', async () => {
    const key = supervisorKey('person:sup5')
    const first = cosign('twice', key)
    expect((await push([first]))[0]).toMatchObject({ error: 'conflict', code: 'act.unsigned' })
    // the supervisor changed their mind: their later co-signature under the same id comes with their key
    const id = 'cosign:twice'
    const fields = { ...first.body, approve: false }
    const { keyId: _k, signature: _s, ...signed } = fields
    const second = env('cosign', id, { ...fields, signature: signAct('cosign', VILLAGE, { id, ...signed }, key.secret) })
    const rows = await push([keyDoc(key), second])
    expect(rows.map((r) => r.ok), JSON.stringify(rows)).toEqual([true, true])
    expect(await hubDoc(id)).toMatchObject({ body: { approve: false } })
    expect(await entries(id)).toMatchObject([{ released: false }])
  })
})
