/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers of the hub, read field by field */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newSigningKeyPair, signValue } from '../../src/shared/signature'
import { openedVoidLists, personKeyClaim, signAct, signWitness, signedActs, type SignedKind } from '../../src/shared/personacts'
import { personKeyId, signedActId } from '../../src/shared/signedids'
import { countedCosigns } from '../../src/shared/township/records'
import { LIMITS } from '../../sync-server/limits'
import { fromCouch, indexRecords } from '../../src/shared/township/records'
import { BODY_VERSIONS, PARENT_FIELD, type DocKind } from '../../src/shared/schemas/index'
import { startHub, type RunningHub } from '../support/hub'
import { describeEngines } from '../support/couchdb'
import { ADMIN_AUTH, basic, couch, enrollTablet, provision, setRoles, type Provisioned } from './helpers'

// Issue #14: the hub takes a person's act (a supervisor's co-signature, a meeting's signature) only
// with that person's own signature, and a person's key only as the village could have made it.
// The attacker holds one enrolled tablet (its credential), not the supervisor's passphrase.

let hub: RunningHub
let p: Provisioned
let tablet: string
let tabletId: string
const T0 = Date.now() - 3_600_000
let seq = 0
let clerkCertificate: Record<string, unknown>

interface Key { id: string; personId: string; secret: string; body: Record<string, unknown> }

/** The clerk's own key: its certificate is asked of the hub (the clerk account) once the roster is there. */
const clerkPair = newSigningKeyPair()
const clerkClaim = { personId: 'person:clerk', publicKey: clerkPair.publicKey, createdAt: T0 - 60_000, witnessedBy: 'person:clerk' }
const CLERK_KEY = 'personkey:clerk'
const filler = { kdf: 'pbkdf2-sha256', iterations: 250_000, salt: 'ab'.repeat(16), cipher: 'aes-256-gcm', iv: 'cd'.repeat(12), secret: 'ef'.repeat(48) }

/**
 * A person key as the tablet makes it in front of the clerk: witnessed by the clerk's certified key
 * (`witness`: another key's secret, or null for none), signed by itself unless `forge`.
 */
function personKey(personId: string, n: string, opts: { createdAt?: number; witnessedBy?: string; replaces?: string; forge?: boolean; witness?: { id: string; secret: string } | null; village?: string } = {}): Key {
  const pair = newSigningKeyPair()
  const claim = { personId, publicKey: pair.publicKey, createdAt: opts.createdAt ?? T0, witnessedBy: opts.witnessedBy ?? 'person:clerk', ...(opts.replaces ? { replaces: opts.replaces } : {}) }
  const signer = opts.forge ? newSigningKeyPair().secretKey : pair.secretKey
  const by = opts.witness === undefined ? { id: CLERK_KEY, secret: clerkPair.secretKey } : opts.witness
  const witness = by ? { witness: { keyId: by.id, signature: signWitness(opts.village ?? 'pa', claim, by.secret) } } : {}
  const body = { ...claim, ...filler, ...witness, signature: signValue(personKeyClaim(claim), signer) }
  return { id: `personkey:${n}`, personId, secret: pair.secretKey, body }
}

function env(kind: string, id: string, body: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, any> {
  return { _id: id, kind, v: BODY_VERSIONS[kind as DocKind], village: 'pa', year: 2026, author: 'person:clerk', device: tabletId, deviceTime: Date.now(), seq: ++seq, ref: String(body[PARENT_FIELD[kind as DocKind] ?? ''] ?? ''), body, ...extra }
}
const keyDoc = (k: Key, extra: Record<string, unknown> = {}) => env('personkey', k.id, k.body, extra)

/** A record of a signed kind, signed with `by`'s key (or left unsigned), then optionally altered. */
function act(kind: SignedKind, id: string, fields: Record<string, unknown>, by: Key | null, alter: Record<string, unknown> = {}): Record<string, any> {
  const signature = by ? signAct(kind, 'pa', { id, ...fields }, by.secret) : ''
  return env(kind, id, { ...fields, keyId: by?.id ?? '', signature, ...alter })
}
const cosign = (n: string, supervisorId: string, by: Key | null, at = T0 + 60_000, alter: Record<string, unknown> = {}) =>
  act('cosign', `cosign:${n}`, { ledgerId: 'ledger:l1', supervisorId, approve: true, note: '', at }, by, alter)

async function push(docs: unknown[], auth = tablet): Promise<any[]> {
  const r = await couch(hub, 'village-pa/_bulk_docs', { auth, body: { docs } })
  expect(r.status, JSON.stringify(r.body)).toBe(201)
  return r.body
}
const stored = async (id: string) => (await couch(hub, `village-pa/${encodeURIComponent(id)}`)).status === 200
/** The void lists of `voteId` the township counts (the shared rule, over every record the hub holds). */
async function countedLists(voteId: string): Promise<string[]> {
  const all = (await couch(hub, 'village-pa/_all_docs?include_docs=true')).body.rows.map((r: any) => fromCouch(r.doc))
  const hubKey = (await couch(hub, '_hub/hub-keys')).body.hubKey as string
  const r = indexRecords('pa', all, { current: hubKey, retired: [] })
  return openedVoidLists(r.voidLists.filter((l) => l.voteId === voteId), r.votes, r.sealKeys, r.personKeys).map((l) => l.id)
}
/** What the township counts of the village, by the shared rules over every record the hub holds: co-signatures and seal keys. */
async function counted(): Promise<{ cosigns: string[]; sealKeys: string[] }> {
  const all = (await couch(hub, 'village-pa/_all_docs?include_docs=true')).body.rows.map((r: any) => fromCouch(r.doc))
  const hubKey = (await couch(hub, '_hub/hub-keys')).body.hubKey as string
  const r = indexRecords('pa', all, { current: hubKey, retired: [] })
  return { cosigns: countedCosigns(r).map((c) => c.id), sealKeys: signedActs('sealkey', r.sealKeys, r.personKeys, 'pa').map((k) => k.id) }
}
async function expectRefused(rows: any[], id: string, reason: RegExp): Promise<void> {
  expect(rows.find((r) => r.id === id)).toMatchObject({ error: 'conflict', reason: expect.stringMatching(reason) })
  expect(await stored(id)).toBe(false)
  const q = (await couch(hub, '_hub/quarantine?db=village-pa')).body.filter((e: any) => e.docId === id)
  expect(q).toHaveLength(1)
}

describeEngines('person-signed acts at the hub', (engine) => {
  const sup = personKey('person:sup1', 'sup1')
  /** 监事sup7's key (it seals vote:v1 with sup1). */
  const sup7 = personKey('person:sup7', 'sup7')
  const sup2 = personKey('person:sup2', 'sup2')

  beforeAll(async () => {
    hub = await startHub(engine().env)
    p = await provision(hub, { township: 'pt', villages: ['pa'] })
    tabletId = p.devices[0]!.id
    tablet = basic(tabletId, p.devices[0]!.secret)
    // the roster: 王文书 is the clerk, 赵六 a villager, 孙委员 on the council, the supervisors
    const person = (id: string, name: string, roles: string[]) => env('person', id, { name, eligible: true, roles })
    const supervisors = ['sup1', 'sup2', 'sup3', 'sup7'].map((n) => person(`person:${n}`, `监事${n}`, ['supervisor']))
    const roster = await push([person('person:clerk', '王文书', []), person('person:v9', '赵六', []), person('person:c1', '孙委员', []), ...supervisors.map((s) => ({ ...s, body: { ...s.body, roles: [] } }))])
    expect(roster.every((r) => r.ok), JSON.stringify(roster)).toBe(true)
    // roles count only signed: the clerk account has the hub sign them
    const clerkAuth = basic(p.clerk.name, p.clerk.password)
    await setRoles(hub, 'pa', 'person:clerk', ['clerk'], clerkAuth)
    await setRoles(hub, 'pa', 'person:c1', ['council-member'], clerkAuth)
    for (const s of supervisors) await setRoles(hub, 'pa', s._id, ['supervisor'], clerkAuth)
    // the clerk's key, certified by the hub on the clerk account's request
    const c = await couch(hub, '_hub/clerk-key', { auth: basic(p.clerk.name, p.clerk.password), body: { village: 'pa', personId: 'person:clerk', publicKey: clerkPair.publicKey } })
    expect(c.status, JSON.stringify(c.body)).toBe(200)
    clerkCertificate = c.body.certificate
    const rows = await push([env('personkey', CLERK_KEY, { ...clerkClaim, ...filler, certificate: clerkCertificate, signature: signValue(personKeyClaim(clerkClaim), clerkPair.secretKey) }), keyDoc(sup2)])
    expect(rows.every((r) => r.ok), JSON.stringify(rows)).toBe(true)
  })
  afterAll(async () => { await hub?.stop({ removeData: true }); await engine().cleanup() })

  describe('acts', () => {
    it('takes a co-signature signed by the supervisor it names, with their key landing in the same batch', async () => {
      const rows = await push([keyDoc(sup), cosign('ok', 'person:sup1', sup)])
      expect(rows.map((r) => r.ok)).toEqual([true, true])
      expect(await stored('cosign:ok')).toBe(true)
    })

    it('refuses a co-signature naming a supervisor without their signature', async () => {
      await expectRefused(await push([cosign('bare', 'person:sup1', null)]), 'cosign:bare', /person:sup1.*no signature/)
    })

    it('refuses a co-signature in one supervisor\'s name signed with another\'s key', async () => {
      await expectRefused(await push([cosign('other', 'person:sup1', sup2)]), 'cosign:other', /another person's key/)
    })

    it('refuses a co-signature dated before the key that signs it was set up', async () => {
      const late = personKey('person:sup3', 'sup3-late', { createdAt: T0 + 120_000 })
      const rows = await push([keyDoc(late), cosign('early', 'person:sup3', late, T0 + 60_000)])
      expect(rows[0].ok).toBe(true)
      await expectRefused(rows, 'cosign:early', /before their key/)
    })

    it('refuses a co-signature whose verdict was changed after it was signed, and one signed with a key the hub does not hold', async () => {
      await expectRefused(await push([cosign('flipped', 'person:sup1', sup, T0 + 60_000, { approve: false })]), 'cosign:flipped', /does not match/)
      const unknown = personKey('person:sup1', 'never-sent')
      await expectRefused(await push([cosign('unknown', 'person:sup1', unknown)]), 'cosign:unknown', /does not hold/)
    })

    it('refuses a meeting\'s signature without the signer\'s signature, and takes a plain comment and a signed one', async () => {
      const sig = (n: string, by: Key | null) => act('comment', `comment:${n}`, { on: 'meeting:m1', text: '监事签名', by: 'person:sup1', at: T0 + 60_000, photos: [], role: 'supervisor' }, by)
      await expectRefused(await push([sig('unsigned', null)]), 'comment:unsigned', /no signature/)
      const rows = await push([sig('signed', sup), env('comment', 'comment:plain', { on: 'proposal:p1', text: '同意', by: 'person:v1', at: T0 })])
      expect(rows.map((r) => r.ok)).toEqual([true, true])
    })
  })

  describe('who may sign', () => {
    const villager = personKey('person:v9', 'v9')
    const councillor = personKey('person:c1', 'c1')
    const minutes = (n: string, role: string, by: Key) => act('comment', `comment:${n}`, { on: 'meeting:m1', text: '签名', by: by.personId, at: T0 + 60_000, photos: [], role }, by)

    it('refuses a co-signature signed by its own signer when that signer is not a supervisor on the roster', async () => {
      expect((await push([keyDoc(villager)]))[0].ok).toBe(true)
      await expectRefused(await push([cosign('villager', 'person:v9', villager)]), 'cosign:villager', /person:v9 may not sign a cosign.*expense\.cosign.*supervisor/)
    })

    it('refuses a meeting signed as chair by someone not on the council, and takes the council member\'s', async () => {
      await expectRefused(await push([minutes('sup-as-chair', 'chair', sup2)]), 'comment:sup-as-chair', /person:sup2 may not sign a comment as chair.*meeting\.sign-chair/)
      await expectRefused(await push([minutes('villager-as-sup', 'supervisor', villager)]), 'comment:villager-as-sup', /person:v9 may not sign a comment as supervisor/)
      const rows = await push([keyDoc(councillor), minutes('chair', 'chair', councillor)])
      expect(rows.map((r) => r.ok), JSON.stringify(rows)).toEqual([true, true])
    })
  })

  describe('seal keys and seal openings', () => {
    /** A seal key as tablets write it now (`claim` 3: the signature covers its sealed secret), under an id that ends with its signer's key id (or `id`). */
    const sealKey = (n: string, personId: string, by: Key | null, alter: Record<string, unknown> = {}, publicKey = 'a1'.repeat(32), id = by ? signedActId('sealkey', n, [by.id]) : `sealkey:${n}`) => act('sealkey', id, {
      personId, publicKey, kdf: 'pbkdf2-sha256', iterations: 250_000, salt: 'ab'.repeat(16), cipher: 'aes-256-gcm', iv: 'cd'.repeat(12),
      secret: 'ef'.repeat(48), createdAt: T0 + 60_000, claim: 3,
    }, by, alter)
    /** A void list opened by `openedBy`, signed by each of `signers` (their own keys). */
    function voidList(n: string, openedBy: string[], signers: Key[], voteId = 'vote:v1'): Record<string, any> {
      const id = `voidlist:${n}`
      const fields = { voteId, ballotIds: ['ballot:b2'], openedBy, decisions: ['decision:d1'], at: T0 + 60_000 }
      const signatures = signers.map((k) => ({ personId: k.personId, keyId: k.id, signature: signAct('voidlist', 'pa', { id, ...fields }, k.secret) }))
      return env('voidlist', id, { ...fields, signatures })
    }

    it('takes a seal key its supervisor signed, and refuses one without their signature or signed by another', async () => {
      expect((await push([sealKey('own', 'person:sup1', sup)]))[0].ok).toBe(true)
      await expectRefused(await push([sealKey('bare', 'person:sup1', null)]), 'sealkey:bare', /sealkey in the name of person:sup1.*no signature/)
      await expectRefused(await push([sealKey('theirs', 'person:sup1', sup2)]), signedActId('sealkey', 'theirs', [sup2.id]), /another person's key/)
    })

    it('refuses a copy of a seal key garbled on its way, even one passed off as an older key, and then takes the genuine key under its id', async () => {
      // tablet C saw 李监事's new seal key on its way (peer sync) and races tablet B to the hub with a garbled sealed secret
      const genuine = sealKey('sup1-next', 'person:sup1', sup, {}, 'f6'.repeat(32))
      const garbled = { ...genuine, body: { ...genuine.body, secret: '00'.repeat(48) } }
      const rows = await push([garbled])
      expect(rows[0]).toMatchObject({ error: 'conflict', code: 'sealkey.altered', params: { person: 'person:sup1' }, reason: expect.stringMatching(/does not match their signature/) })
      // without `claim` it would be checked as a key signed before the claim covered the secret: that signature is not one
      const { claim: _, ...asOlder } = garbled.body
      expect((await push([{ ...garbled, body: asOlder }]))[0]).toMatchObject({ error: 'conflict', code: 'sealkey.altered' })
      for (const alter of [{ salt: '00'.repeat(16) }, { iv: '00'.repeat(12) }, { iterations: 250_001 }]) {
        expect((await push([{ ...genuine, body: { ...genuine.body, ...alter } }]))[0], JSON.stringify(alter)).toMatchObject({ code: 'sealkey.altered' })
      }
      expect(await stored(genuine._id)).toBe(false)
      // tablet B arrives: the genuine key lands under its id, and counts as 李监事's
      expect((await push([genuine]))[0]).toMatchObject({ ok: true, id: genuine._id })
      expect((await counted()).sealKeys).toContain(genuine._id)
    })

    it('takes a seal key only under an id that ends with its signer\'s key id: another supervisor cannot take the id of 李监事\'s key', async () => {
      // 监事sup2 saw 李监事's new seal key on its way and sends their own, signed by them, under its id
      const realId = signedActId('sealkey', 'race', [sup.id])
      const rows = await push([sealKey('race', 'person:sup2', sup2, {}, 'c9'.repeat(32), realId)])
      expect(rows[0]).toMatchObject({ error: 'conflict', code: 'form.id', reason: expect.stringMatching(/ends with its signer's key id/) })
      expect((await push([sealKey('race', 'person:sup1', sup, {}, 'f9'.repeat(32))]))[0]).toMatchObject({ ok: true, id: realId })
    })

    it('still takes a seal key signed before its signature covered the sealed secret (no `claim`), checked as it was signed', async () => {
      const older = act('sealkey', 'sealkey:older', {
        personId: 'person:sup1', publicKey: 'a7'.repeat(32), kdf: 'pbkdf2-sha256', iterations: 250_000, salt: 'ab'.repeat(16), cipher: 'aes-256-gcm', iv: 'cd'.repeat(12),
        secret: 'ef'.repeat(48), createdAt: T0 + 60_000,
      }, sup)
      expect((await push([{ ...older, v: 2 }]))[0]).toMatchObject({ ok: true })
      expect((await counted()).sealKeys).toContain('sealkey:older')
      // signed over who holds which public key: moving it to another public key breaks it
      await expectRefused(await push([{ ...older, _id: 'sealkey:older-moved', body: { ...older.body, publicKey: 'a8'.repeat(32) } }]), 'sealkey:older-moved', /does not match their signature/)
    })

    /** A vote sealed with the seal keys `sealKeys` (public keys). */
    const vote = (n: string, sealKeys: string[]) => env('vote', `vote:${n}`, {
      title: '民生项目', kind: 'project-selection', ballotType: 'approval', minChoices: 0, maxChoices: 1, budget: 100,
      candidates: [{ id: 'project:a', title: 'A', cost: 10 }], opensAt: T0, closesAt: T0 + 3_600_000, roster: [], sealKeys,
    })

    it("takes a void list every supervisor who opened it signed, and refuses one that misses any opener's signature", async () => {
      const both = sup7
      expect((await push([keyDoc(both)]))[0].ok).toBe(true)
      // vote:v1 was sealed by 李 (sup1, seal key 'own') and sup7
      const rows = await push([sealKey('sup7', 'person:sup7', both, {}, 'b2'.repeat(32)), vote('v1', ['a1'.repeat(32), 'b2'.repeat(32)])])
      expect(rows.map((r) => r.ok), JSON.stringify(rows)).toEqual([true, true])
      expect((await push([voidList('ok', ['person:sup1', 'person:sup7'], [sup, both])]))[0].ok).toBe(true)
      await expectRefused(await push([voidList('half', ['person:sup1', 'person:sup7'], [sup])]), 'voidlist:half', /voidlist in the name of person:sup7.*no signature/)
      await expectRefused(await push([voidList('none', ['person:sup1'], [])]), 'voidlist:none', /no signature/)
    })

    it('refuses a void list one supervisor opened alone when another sealed the vote too, and one whose vote the hub does not hold', async () => {
      // vote:v2 sealed by sup1 and sup2 (seal keys in the same batch as the vote); sup1 signs a list alone
      const sealed = await push([sealKey('sup2', 'person:sup2', sup2, {}, 'c3'.repeat(32)), vote('v2', ['a1'.repeat(32), 'c3'.repeat(32)])])
      expect(sealed.map((r) => r.ok), JSON.stringify(sealed)).toEqual([true, true])
      await expectRefused(await push([voidList('alone', ['person:sup1'], [sup], 'vote:v2')]), 'voidlist:alone', /every supervisor who sealed its vote.*person:sup2 did not open this one/)
      // both, each signing: taken
      expect((await push([voidList('together', ['person:sup1', 'person:sup2'], [sup, sup2], 'vote:v2')]))[0].ok).toBe(true)
      // a list for a vote that is not on the hub cannot be shown to cover its sealers
      await expectRefused(await push([voidList('nowhere', ['person:sup1'], [sup], 'vote:absent')]), 'voidlist:nowhere', /does not hold vote vote:absent/)
    })

    it('keeps a void list whose sealer\'s seal-key record has not reached the hub yet, counting it once that record arrives', async () => {
      // vote:v3 sealed by sup1 ('a1…') and sup3 ('d4…'); sup3's seal-key record is still on another tablet
      const sup3 = personKey('person:sup3', 'sup3')
      expect((await push([keyDoc(sup3), vote('v3', ['a1'.repeat(32), 'd4'.repeat(32)])])).map((r) => r.ok)).toEqual([true, true])
      const early = await push([voidList('early', ['person:sup1', 'person:sup3'], [sup, sup3], 'vote:v3'), voidList('lone', ['person:sup1'], [sup], 'vote:v3')])
      expect(early.map((r) => r.ok), JSON.stringify(early)).toEqual([true, true])
      expect(await countedLists('vote:v3')).toEqual([])
      // sup3's seal-key record arrives: the list both opened voids its ballots; the one sup1 opened alone still voids nothing
      expect((await push([sealKey('sup3', 'person:sup3', sup3, {}, 'd4'.repeat(32))]))[0].ok).toBe(true)
      expect(await countedLists('vote:v3')).toEqual(['voidlist:early'])
      // once the hub knows who holds each seal key, a list missing a sealer is refused on arrival
      await expectRefused(await push([voidList('late-lone', ['person:sup1'], [sup], 'vote:v3')]), 'voidlist:late-lone', /person:sup3 did not open this one/)
    })
  })

  describe('keys', () => {
    it('refuses a key that is not signed by itself', async () => {
      await expectRefused(await push([keyDoc(personKey('person:sup4', 'forged', { forge: true }))]), 'personkey:forged', /not signed by itself/)
    })

    it('refuses a key naming the real clerk as witness, written by a tablet as the clerk, without the clerk\'s signature — and every act signed with it', async () => {
      // the attacker holds one enrolled tablet, writes as the clerk, and never had the clerk's passphrase
      const bare = personKey('person:sup4', 'bare', { witness: null })
      await expectRefused(await push([keyDoc(bare), cosign('by-bare', 'person:sup4', bare)]), 'personkey:bare', /carries no signature of the clerk/)
      await expectRefused(await push([cosign('by-bare-2', 'person:sup4', bare)]), 'cosign:by-bare-2', /key the hub does not hold/)
      // witnessed with a key the attacker made for the clerk themself (no certificate from this hub)
      const fakeClerk = personKey('person:clerk', 'fake-clerk', { witness: null })
      await expectRefused(await push([keyDoc(fakeClerk)]), 'personkey:fake-clerk', /carries no signature of the clerk/)
      // a key witnessed by a key the hub does not hold waits (it signs nothing), but only under its content's id
      await expectRefused(await push([keyDoc(personKey('person:sup4', 'by-fake', { witness: { id: fakeClerk.id, secret: fakeClerk.secret } }))]), 'personkey:by-fake', /only under the digest of its content/)
      // witnessed by someone who is not a clerk on the roster, or with the clerk's signature for another village
      await expectRefused(await push([keyDoc(personKey('person:sup4', 'villager', { witnessedBy: 'person:v9' }))]), 'personkey:villager', /not a clerk on the village's roster/)
      await expectRefused(await push([keyDoc(personKey('person:sup4', 'elsewhere', { village: 'pz' }))]), 'personkey:elsewhere', /witness signature does not match/)
    })

    it('refuses a clerk key carrying a certificate the hub issued for another person or key, and takes one it certified', async () => {
      const pair = newSigningKeyPair()
      const claim = { personId: 'person:v9', publicKey: pair.publicKey, createdAt: T0, witnessedBy: 'person:v9' }
      const replayed = env('personkey', 'personkey:replayed', { ...claim, ...filler, certificate: clerkCertificate, signature: signValue(personKeyClaim(claim), pair.secretKey) })
      await expectRefused(await push([replayed]), 'personkey:replayed', /not a clerk on the village's roster/)
      const own = { ...clerkClaim, publicKey: pair.publicKey, createdAt: T0 + 10 }
      const moved = env('personkey', 'personkey:moved', { ...own, ...filler, certificate: clerkCertificate, signature: signValue(personKeyClaim(own), pair.secretKey) })
      await expectRefused(await push([moved]), 'personkey:moved', /certificate was not issued by this hub for this person, key and village/)
    })

    it('an act signed with a key stored before witnesses were signatures counts for nothing (no legacy path)', async () => {
      // written straight into the database by the admin, as an older hub took it
      const legacy = personKey('person:sup4', 'legacy', { witness: null })
      expect((await push([keyDoc(legacy)], ADMIN_AUTH))[0].ok).toBe(true)
      await expectRefused(await push([cosign('by-legacy', 'person:sup4', legacy)]), 'cosign:by-legacy', /key the hub does not hold/)
    })

    it('refuses a key that replaces another person\'s key, and takes one that replaces the person\'s own', async () => {
      await expectRefused(await push([keyDoc(personKey('person:sup5', 'takeover', { replaces: sup2.id }))]), 'personkey:takeover', /cannot replace person:sup2/)
      const next = personKey('person:sup2', 'sup2-next', { replaces: sup2.id, createdAt: T0 + 1000 })
      const rows = await push([keyDoc(next)])
      expect(rows[0].ok, JSON.stringify(rows)).toBe(true)
      // the replaced key signs nothing dated after its replacement; the new one does
      await expectRefused(await push([cosign('old-key', 'person:sup2', sup2)]), 'cosign:old-key', /after their key was replaced/)
      expect((await push([cosign('new-key', 'person:sup2', next)]))[0].ok).toBe(true)
    })

    it('takes a witnessed key a clerk account of the village pushes', async () => {
      const clerk = basic(p.clerk.name, p.clerk.password)
      const rows = await push([keyDoc(personKey('person:sup6', 'by-clerk'), { author: p.clerk.name, device: p.clerk.name })], clerk)
      expect(rows[0].ok, JSON.stringify(rows)).toBe(true)
    })
  })

  describe('certifying a clerk\'s key', () => {
    const ask = (auth: string, body: Record<string, unknown>) => couch(hub, '_hub/clerk-key', { auth, body: { village: 'pa', personId: 'person:clerk', publicKey: newSigningKeyPair().publicKey, ...body } })

    it('only for a person the roster names as clerk, asked by the village\'s clerk account or its township\'s staff — never by a tablet', async () => {
      expect((await ask(basic(p.staff.name, p.staff.password), {})).status).toBe(200)
      expect((await ask(tablet, {})).status).toBe(403)
      expect((await ask(basic(p.clerk.name, p.clerk.password), { personId: 'person:sup1' })).status).toBe(409)
      expect((await ask(basic(p.clerk.name, 'wrong-password'), {})).status).toBe(401)
    })

    it('refuses a clerk account of another village and staff of another township', async () => {
      expect((await couch(hub, '_hub/townships', { body: { id: 'pu', name: '别镇' } })).status).toBe(201)
      expect((await couch(hub, '_hub/villages', { body: { id: 'pq', township: 'pu', name: '别村' } })).status).toBe(201)
      expect((await couch(hub, '_hub/users', { body: { name: 'clerk-pq', password: 'clerk-password-2', role: 'clerk', village: 'pq' } })).status).toBe(201)
      expect((await couch(hub, '_hub/users', { body: { name: 'staff-pu', password: 'staff-password-2', role: 'township', township: 'pu' } })).status).toBe(201)
      expect((await ask(basic('clerk-pq', 'clerk-password-2'), {})).status).toBe(403)
      expect((await ask(basic('staff-pu', 'staff-password-2'), {})).status).toBe(403)
    })
  })
  describe('a key whose witnessing clerk\'s key has not reached the hub yet (tablet B made it after a peer sync, and reached the hub first)', () => {
    /** 钱文书, a second clerk: their certified key is still only on tablet A. */
    const clerk2 = newSigningKeyPair()
    const clerk2Claim = { personId: 'person:clerk2', publicKey: clerk2.publicKey, createdAt: T0 - 30_000, witnessedBy: 'person:clerk2' }
    let clerk2Doc: Record<string, any>
    /** A key witnessed by 钱文书's key, stored under its content's id (as the tablet makes it), or under `id`. */
    function waitingKey(personId: string, opts: { id?: string; witness?: { id: string; secret: string }; alter?: Record<string, unknown> } = {}): Key {
      const k = personKey(personId, 'x', { witnessedBy: 'person:clerk2', witness: opts.witness ?? { id: 'personkey:clerk2', secret: clerk2.secretKey } })
      const body = { ...k.body, ...opts.alter }
      return { ...k, body, id: opts.id ?? personKeyId(body) }
    }
    const cosignBy = (key: Key, n: string, id = signedActId('cosign', n, [key.id])) =>
      act('cosign', id, { ledgerId: `ledger:${n}`, supervisorId: key.personId, approve: true, note: '', at: T0 + 60_000 }, key)
    const sealKeyBy = (key: Key, n: string) => act('sealkey', signedActId('sealkey', n, [key.id]), {
      personId: key.personId, publicKey: 'e5'.repeat(32), kdf: 'pbkdf2-sha256', iterations: 250_000, salt: 'ab'.repeat(16), cipher: 'aes-256-gcm', iv: 'cd'.repeat(12),
      secret: 'ef'.repeat(48), createdAt: T0 + 60_000,
    }, key)
    const sup8 = waitingKey('person:sup8')

    beforeAll(async () => {
      const roster = await push([env('person', 'person:clerk2', { name: '钱文书', eligible: true, roles: ['clerk'] }), env('person', 'person:sup8', { name: '周监事', eligible: true, roles: ['supervisor'] })])
      expect(roster.every((r) => r.ok), JSON.stringify(roster)).toBe(true)
      // roles count only signed: the clerk account has the hub sign them
      await setRoles(hub, 'pa', 'person:clerk2', ['clerk'], basic(p.clerk.name, p.clerk.password))
      await setRoles(hub, 'pa', 'person:sup8', ['supervisor'], basic(p.clerk.name, p.clerk.password))
      const c = await couch(hub, '_hub/clerk-key', { auth: basic(p.clerk.name, p.clerk.password), body: { village: 'pa', personId: 'person:clerk2', publicKey: clerk2.publicKey } })
      expect(c.status, JSON.stringify(c.body)).toBe(200)
      clerk2Doc = env('personkey', 'personkey:clerk2', { ...clerk2Claim, ...filler, certificate: c.body.certificate, signature: signValue(personKeyClaim(clerk2Claim), clerk2.secretKey) })
    })

    it('keeps the key and the acts it signed, counting none of them, until the clerk\'s key arrives; then both count with no admin action', async () => {
      const minutes = act('comment', signedActId('comment', 'm8', [sup8.id]), { on: 'meeting:m8', text: '监事签名', by: 'person:sup8', at: T0 + 60_000, photos: [], role: 'supervisor' }, sup8)
      const rows = await push([keyDoc(sup8), cosignBy(sup8, 'w1'), sealKeyBy(sup8, 's1'), minutes])
      expect(rows.map((r) => r.ok), JSON.stringify(rows)).toEqual([true, true, true, true])
      const cosignId = rows[1].id as string
      const sealKeyId = rows[2].id as string
      expect(await stored(sup8.id)).toBe(true)
      // kept, but nothing signed with it counts: not at the township, not on a tablet (the same shared rules)
      let now = await counted()
      expect(now.cosigns).not.toContain(cosignId)
      expect(now.sealKeys).not.toContain(sealKeyId)
      // an act whose signature does not verify against the waiting key is still refused
      await expectRefused(await push([cosignBy(sup8, 'w2', undefined)].map((d) => ({ ...d, body: { ...d.body, approve: false } }))), signedActId('cosign', 'w2', [sup8.id]), /does not hold/)
      // 钱文书's certified key arrives (tablet A syncs): the key is vouched for, and its acts count
      expect((await push([clerk2Doc]))[0].ok).toBe(true)
      now = await counted()
      expect(now.cosigns).toContain(cosignId)
      expect(now.sealKeys).toContain(sealKeyId)
      // and from now on the key signs like any other, under any id
      expect((await push([cosignBy(sup8, 'w3', 'cosign:plain-id')]))[0].ok).toBe(true)
    })

    it('a key witnessed with a key the hub holds that is not its clerk\'s is refused, not kept waiting', async () => {
      const k = waitingKey('person:sup8', { witness: { id: sup8.id, secret: sup8.secret } })
      await expectRefused(await push([keyDoc(k)]), k.id, /witnessed with another person's key than the clerk it names/)
    })

    it('no record can take the id a genuine waiting key or its act will use', async () => {
      // tablet C saw 周监事's new key and co-signature on their way (peer sync) and races tablet B to the hub
      const witness = { id: 'personkey:clerk2-next', secret: clerk2.secretKey }
      const real = waitingKey('person:sup8', { witness })
      // the same key with a garbled witness signature (it would never count) under the real key's id
      const garbled = waitingKey('person:sup8', { witness, id: real.id, alter: { ...real.body, witness: { keyId: witness.id, signature: 'A'.repeat(86) } } })
      await expectRefused(await push([keyDoc(garbled)]), real.id, /only under the digest of its content/)
      // the attacker's own waiting key in 周监事's name signs a co-signature under the id the real one will use
      const theirs = waitingKey('person:sup8', { witness })
      expect((await push([keyDoc(theirs)]))[0].ok).toBe(true)
      const realId = signedActId('cosign', 'race', [real.id])
      await expectRefused(await push([cosignBy(theirs, 'race', realId)]), realId, /ends with its signers' key ids/)
      // tablet B arrives: the genuine key and act land under their ids
      const rows = await push([keyDoc(real), cosignBy(real, 'race')])
      expect(rows.map((r) => r.ok), JSON.stringify(rows)).toEqual([true, true])
      expect(rows.map((r) => r.id)).toEqual([real.id, realId])
    })

    it('a seal key signed with a waiting key names no-one: it cannot add a sealer every void list of a vote must carry', async () => {
      // vote:v1 was sealed by sup1 ('a1…') and sup7 ('b2…'), and voidlist:ok opened by both counts
      expect(await countedLists('vote:v1')).toEqual(['voidlist:ok'])
      // a tablet's own waiting key in 周监事's name (its witness never comes) signs a seal-key record claiming sup1's seal key
      const squatter = waitingKey('person:sup8', { witness: { id: 'personkey:never', secret: newSigningKeyPair().secretKey } })
      const claim = act('sealkey', signedActId('sealkey', 'claim', [squatter.id]), {
        personId: 'person:sup8', publicKey: 'a1'.repeat(32), kdf: 'pbkdf2-sha256', iterations: 250_000, salt: 'ab'.repeat(16), cipher: 'aes-256-gcm', iv: 'cd'.repeat(12),
        secret: 'ef'.repeat(48), createdAt: T0 + 60_000,
      }, squatter)
      const rows = await push([keyDoc(squatter), claim])
      expect(rows.map((r) => r.ok), JSON.stringify(rows)).toEqual([true, true])
      // the list sup1 and sup7 opened still voids its ballots, and another they open together is taken
      expect(await countedLists('vote:v1')).toEqual(['voidlist:ok'])
      const fields = { voteId: 'vote:v1', ballotIds: ['ballot:b3'], openedBy: ['person:sup1', 'person:sup7'], decisions: ['decision:d2'], at: T0 + 60_000 }
      const both = [sup, sup7]
      const id = signedActId('voidlist', 'again', both.map((k) => k.id))
      const signatures = both.map((k) => ({ personId: k.personId, keyId: k.id, signature: signAct('voidlist', 'pa', { id, ...fields }, k.secret) }))
      expect((await push([env('voidlist', id, { ...fields, signatures })]))[0].ok).toBe(true)
    })

    /** Keys whose witness never comes: junk one tablet can write in anyone's name. */
    const nowhere = newSigningKeyPair()
    const flood = (n: number) => Array.from({ length: n }, () => waitingKey('person:sup8', { witness: { id: 'personkey:nowhere', secret: nowhere.secretKey } }))
    const DAY = 86_400_000
    let junk: Key[] = []

    it(`keeps at most ${LIMITS.keysWaitingPerDevice} keys of one tablet waiting: its junk does not block another tablet's genuine waiting key`, async () => {
      // tablet A sends a village's worth of junk, dated a month back (the hub goes by its own clock, not the record's)
      junk = flood(LIMITS.keysWaitingPerVillage)
      const rows = await push(junk.map((k) => keyDoc(k, { deviceTime: Date.now() - 30 * DAY })))
      // three of its keys already wait (two from the race above, the squatter's)
      const taken = LIMITS.keysWaitingPerDevice - 3
      expect(rows.slice(0, taken).every((r) => r.ok), JSON.stringify(rows.slice(0, taken).find((r) => !r.ok))).toBe(true)
      for (const r of rows.slice(taken)) {
        expect(r).toMatchObject({ error: 'conflict', code: 'personkey.device-too-many-waiting', params: { person: 'person:sup8', device: tabletId, max: LIMITS.keysWaitingPerDevice } })
        // the oldest of them stops taking room a window after it reached the hub (its clock: not a month back)
        expect(r.params.at).toBeGreaterThan(Date.now() + LIMITS.keysWaitingWindowMs - 5 * 60_000)
        expect(r.params.at).toBeLessThanOrEqual(Date.now() + LIMITS.keysWaitingWindowMs)
      }
      expect(await stored(junk[taken]!.id)).toBe(false)
      // one of its kept keys sent again (a tablet that lost its checkpoint) is not refused for want of room: it takes none more
      const again = (await push([keyDoc(junk[0]!)]))[0]
      expect(again).toMatchObject({ error: 'conflict' })
      expect(again.code).toBeUndefined()
      // tablet B's genuine key, witnessed by 钱文书's new key (still on tablet C), is kept
      const b = await enrollTablet(hub, 'pa')
      const genuine = waitingKey('person:sup8', { witness: { id: 'personkey:clerk2-later', secret: clerk2.secretKey } })
      const mine = await push([keyDoc(genuine, { device: b.id })], b.auth)
      expect(mine[0].ok, JSON.stringify(mine)).toBe(true)
      junk = junk.slice(0, taken)
    })

    it(`keeps at most ${LIMITS.keysWaitingPerVillage} keys waiting per village, whichever tablets wrote them, and refuses the next in words of its own`, async () => {
      // waiting now: tablet A's share and tablet B's one; more tablets fill the village's room
      for (let room = LIMITS.keysWaitingPerVillage - LIMITS.keysWaitingPerDevice - 1; room > 0; room -= LIMITS.keysWaitingPerDevice) {
        const t = await enrollTablet(hub, 'pa')
        const rows = await push(flood(Math.min(room, LIMITS.keysWaitingPerDevice)).map((k) => keyDoc(k, { device: t.id })), t.auth)
        expect(rows.every((r) => r.ok), JSON.stringify(rows.find((r) => !r.ok))).toBe(true)
      }
      const other = await enrollTablet(hub, 'pa')
      const [next] = flood(1)
      const refused = await push([keyDoc(next!, { device: other.id })], other.auth)
      expect(refused[0]).toMatchObject({ error: 'conflict', code: 'personkey.too-many-waiting', params: { person: 'person:sup8', max: LIMITS.keysWaitingPerVillage } })
      expect(await stored(next!.id)).toBe(false)
    })

    it(`a waiting key stops taking room ${LIMITS.keysWaitingWindowMs / DAY} days after it reached the hub, and still counts nowhere`, async () => {
      // the same hub on the same data, its clock a window and a day later
      await hub.stop()
      hub = await startHub({ ...engine().env, CLOCK_OFFSET_MS: String(LIMITS.keysWaitingWindowMs + DAY) }, { dataDir: hub.dataDir, port: hub.port })
      // the village and tablet A have room again
      const [fresh] = flood(1)
      const rows = await push([keyDoc(fresh!)])
      expect(rows[0].ok, JSON.stringify(rows)).toBe(true)
      // the old junk is kept, and what it signs still counts nowhere
      expect(await stored(junk[0]!.id)).toBe(true)
      const signed = await push([cosignBy(junk[0]!, 'old-junk')])
      expect(signed[0].ok, JSON.stringify(signed)).toBe(true)
      expect((await counted()).cosigns).not.toContain(signed[0].id)
    })

    it(`keeps one tablet to its ${LIMITS.keysWaitingPerDevice} waiting keys however many batches it sends at once`, async () => {
      const c = await enrollTablet(hub, 'pa')
      const batches = Array.from({ length: 5 }, () => flood(LIMITS.keysWaitingPerDevice).map((k) => keyDoc(k, { device: c.id })))
      const rows = (await Promise.all(batches.map((docs) => push(docs, c.auth)))).flat()
      expect(rows.filter((r) => r.ok)).toHaveLength(LIMITS.keysWaitingPerDevice)
      expect(rows.filter((r) => r.code === 'personkey.device-too-many-waiting')).toHaveLength(4 * LIMITS.keysWaitingPerDevice)
    })
  })
})
