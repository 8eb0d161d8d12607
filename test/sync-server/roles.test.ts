/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers of the hub, read field by field */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newSigningKeyPair, signValue } from '../../src/shared/signature'
import { personKeyClaim, signAct, signWitness } from '../../src/shared/personacts'
import { cosignRule, fromCouch, indexRecords } from '../../src/shared/township/records'
import { BODY_VERSIONS, PARENT_FIELD, type DocKind } from '../../src/shared/schemas/index'
import { startHub, type RunningHub } from '../support/hub'
import { ADMIN_AUTH, basic, couch, provision, setRoles, type Provisioned } from './helpers'

// Issue #14: the roster's roles are signed. One enrolled tablet (its credential, no clerk's
// passphrase, no account) can neither strip the clerk's role — which stopped their witnessed keys
// counting — nor name itself supervisor, nor bring back an older signed version of someone's roles.

let hub: RunningHub
let p: Provisioned
let tablet: string
let tabletId: string
let clerkAuth: string
let seq = 0
const T0 = Date.now() - 3_600_000
const filler = { kdf: 'pbkdf2-sha256', iterations: 250_000, salt: 'ab'.repeat(16), cipher: 'aes-256-gcm', iv: 'cd'.repeat(12), secret: 'ef'.repeat(48) }
const clerkPair = newSigningKeyPair()
const clerkClaim = { personId: 'person:clerk', publicKey: clerkPair.publicKey, createdAt: T0 - 60_000, witnessedBy: 'person:clerk' }

function env(kind: string, id: string, body: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, any> {
  return { _id: id, kind, v: BODY_VERSIONS[kind as DocKind], village: 'ra', year: 2026, author: 'person:clerk', device: tabletId, deviceTime: Date.now(), seq: ++seq, ref: String(body[PARENT_FIELD[kind as DocKind] ?? ''] ?? ''), body, ...extra }
}
/** A key witnessed by the clerk's certified key, as the tablet makes it in front of the clerk. */
function witnessed(personId: string, n: string) {
  const pair = newSigningKeyPair()
  const claim = { personId, publicKey: pair.publicKey, createdAt: T0, witnessedBy: 'person:clerk' }
  const body = { ...claim, ...filler, witness: { keyId: 'personkey:clerk', signature: signWitness('ra', claim, clerkPair.secretKey) }, signature: signValue(personKeyClaim(claim), pair.secretKey) }
  return { id: `personkey:${n}`, secret: pair.secretKey, doc: env('personkey', `personkey:${n}`, body) }
}
function cosign(n: string, supervisorId: string, key: { id: string; secret: string }) {
  const fields = { ledgerId: 'ledger:l1', supervisorId, approve: true, note: '', at: T0 + 60_000 }
  return env('cosign', `cosign:${n}`, { ...fields, keyId: key.id, signature: signAct('cosign', 'ra', { id: `cosign:${n}`, ...fields }, key.secret) })
}
async function push(docs: unknown[], auth = tablet): Promise<any[]> {
  const r = await couch(hub, 'village-ra/_bulk_docs', { auth, body: { docs } })
  expect(r.status, JSON.stringify(r.body)).toBe(201)
  return r.body
}
const hubDoc = async (id: string) => (await couch(hub, `village-ra/${encodeURIComponent(id)}`)).body
/** The hub's version of a person, edited by a tablet (roles and signature as given), as a new revision. */
async function edited(id: string, body: (b: Record<string, any>) => Record<string, any>) {
  const cur = await hubDoc(id)
  return { ...env('person', id, body({ ...cur.body })), _rev: cur._rev }
}
/** The roster as the township counts it (the shared rule over every record the hub holds). */
async function townshipSupervisors(): Promise<string[]> {
  const all = (await couch(hub, 'village-ra/_all_docs?include_docs=true')).body.rows.map((r: any) => fromCouch(r.doc))
  const hubKey = (await couch(hub, '_hub/hub-keys')).body.hubKey as string
  return cosignRule(indexRecords('ra', all, { current: hubKey, retired: [] })).supervisors.sort()
}

describe('the roster\'s roles at the hub', () => {
  let sup: ReturnType<typeof witnessed>
  beforeAll(async () => {
    hub = await startHub()
    p = await provision(hub, { township: 'rt', villages: ['ra', 'rb'] })
    tabletId = p.devices[0]!.id
    tablet = basic(tabletId, p.devices[0]!.secret)
    clerkAuth = basic(p.clerk.name, p.clerk.password)
    const person = (id: string, name: string) => env('person', id, { name, eligible: true, roles: [] })
    const rows = await push([person('person:clerk', '王文书'), person('person:sup', '李监事'), person('person:v9', '赵六')])
    expect(rows.every((r) => r.ok), JSON.stringify(rows)).toBe(true)
    await setRoles(hub, 'ra', 'person:clerk', ['clerk'], clerkAuth)
    await setRoles(hub, 'ra', 'person:sup', ['supervisor'], clerkAuth)
    const c = await couch(hub, '_hub/clerk-key', { auth: clerkAuth, body: { village: 'ra', personId: 'person:clerk', publicKey: clerkPair.publicKey } })
    expect(c.status, JSON.stringify(c.body)).toBe(200)
    sup = witnessed('person:sup', 'sup')
    const keys = await push([env('personkey', 'personkey:clerk', { ...clerkClaim, ...filler, certificate: c.body.certificate, signature: signValue(personKeyClaim(clerkClaim), clerkPair.secretKey) }), sup.doc])
    expect(keys.every((r) => r.ok), JSON.stringify(keys)).toBe(true)
  })
  afterAll(async () => { await hub?.stop({ removeData: true }) })

  it('signs roles through the hub route for the clerk account or township staff, never a tablet or another village\'s clerk', async () => {
    const doc = await hubDoc('person:sup')
    expect(doc.body.roles).toEqual(['supervisor'])
    expect(doc.body.rolesSig).toMatchObject({ keyId: 'hub', by: p.clerk.name })
    expect(doc.device).toBe('hub')
    const asTablet = await couch(hub, '_hub/roles', { auth: tablet, body: { village: 'ra', personId: 'person:v9', roles: ['supervisor'] } })
    expect(asTablet.status).toBe(403)
    const otherVillage = await couch(hub, '_hub/roles', { auth: clerkAuth, body: { village: 'rb', personId: 'person:v9', roles: ['supervisor'] } })
    expect(otherVillage.status).toBe(403)
    const staff = await couch(hub, '_hub/roles', { auth: basic(p.staff.name, p.staff.password), body: { village: 'ra', personId: 'person:v9', roles: ['representative'] } })
    expect(staff.status, JSON.stringify(staff.body)).toBe(200)
    expect((await hubDoc('person:v9')).body.roles).toEqual(['representative'])
  })

  it('refuses a tablet\'s roster that strips the clerk, and the clerk\'s witnessed keys still count', async () => {
    const bare = await edited('person:clerk', (b) => { const { rolesSig: _s, ...rest } = b; return { ...rest, roles: [] } })
    const kept = await edited('person:clerk', (b) => ({ ...b, roles: [] }))
    const rows = await push([bare])
    expect(rows[0]).toMatchObject({ error: 'conflict', code: 'roles.unsigned' })
    expect((await push([kept]))[0]).toMatchObject({ error: 'conflict', code: 'roles.unsigned' })
    expect((await hubDoc('person:clerk')).body.roles).toEqual(['clerk'])
    // a key the clerk witnesses now, and a co-signature made with the supervisor's witnessed key, still land
    const late = witnessed('person:v9', 'v9')
    const more = await push([late.doc, cosign('after-strip', 'person:sup', sup)])
    expect(more.map((r) => r.ok), JSON.stringify(more)).toEqual([true, true])
  })

  it('refuses a tablet changing roles that count; a supervisor by unsigned roles co-signs nothing, at the hub and in the township\'s count', async () => {
    const self = await edited('person:v9', (b) => ({ ...b, roles: ['supervisor'] }))
    expect((await push([self]))[0]).toMatchObject({ error: 'conflict', code: 'roles.unsigned' })
    // a new person with roles no-one signed lands (an imported roster waits for its signatures) but is nobody's supervisor
    const fresh = env('person', 'person:self', { name: '自封监事', eligible: true, roles: ['supervisor', 'clerk'] })
    expect((await push([fresh]))[0].ok).toBe(true)
    const selfKey = witnessed('person:self', 'self')
    const selfRows = await push([selfKey.doc, cosign('by-self', 'person:self', selfKey)])
    expect(selfRows[0].ok).toBe(true)
    expect(selfRows[1]).toMatchObject({ error: 'conflict', code: 'act.not-entitled' })
    // nor can it witness keys as a clerk
    const byFake = { ...witnessed('person:v9', 'v9-fake').doc }
    byFake.body = { ...byFake.body, witnessedBy: 'person:self' }
    expect((await push([byFake]))[0]).toMatchObject({ error: 'conflict' })
    // roles the hub holds unsigned (written by the admin as they came, from before roles were signed) grant nothing
    const legacy = env('person', 'person:legacy', { name: '旧监事', eligible: true, roles: ['supervisor'] })
    const written = await push([legacy], ADMIN_AUTH)
    expect(written[0].ok, JSON.stringify(written)).toBe(true)
    const key = witnessed('person:legacy', 'legacy')
    const rows = await push([key.doc, cosign('by-legacy', 'person:legacy', key)])
    expect(rows[0].ok).toBe(true)
    expect(rows[1]).toMatchObject({ error: 'conflict', code: 'act.not-entitled' })
    expect(await townshipSupervisors()).toEqual(['person:sup'])
  })

  it('refuses an older signature of someone\'s roles brought back', async () => {
    const old = await hubDoc('person:sup')
    await setRoles(hub, 'ra', 'person:sup', [], clerkAuth)
    expect(await townshipSupervisors()).toEqual([])
    const cur = await hubDoc('person:sup')
    const replay = { ...env('person', 'person:sup', old.body), _rev: cur._rev }
    expect((await push([replay]))[0]).toMatchObject({ error: 'conflict', code: 'roles.replayed' })
    expect((await hubDoc('person:sup')).body.roles).toEqual([])
    await setRoles(hub, 'ra', 'person:sup', ['supervisor'], clerkAuth)
    expect(await townshipSupervisors()).toEqual(['person:sup'])
  })

  it('keeps a name edit with roles and signature unchanged', async () => {
    const renamed = await edited('person:sup', (b) => ({ ...b, name: '李监事（改名）' }))
    const rows = await push([renamed])
    expect(rows[0].ok, JSON.stringify(rows)).toBe(true)
    expect(await townshipSupervisors()).toEqual(['person:sup'])
  })

  it('never strips the last clerk, even through the hub route', async () => {
    const r = await couch(hub, '_hub/roles', { auth: clerkAuth, body: { village: 'ra', personId: 'person:clerk', roles: [] } })
    expect(r.status).toBe(409)
    expect(r.body.code).toBe('roles.last-clerk')
    expect((await hubDoc('person:clerk')).body.roles).toEqual(['clerk'])
  })
})
