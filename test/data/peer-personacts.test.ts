/**
 * Acts a person signs, handed from one tablet to another (issue #14): the receiving tablet judges them
 * by the hub's rule (src/shared/villagesigning.ts) before it stores or relays them. Real RxDB, real
 * Ed25519 keys: a clerk's key the test hub certified, supervisors' keys that clerk witnessed, acts
 * signed with them. The attacker holds one enrolled tablet (its device key), not a supervisor's passphrase.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { exportUnsynced, importBundle, quarantined } from '@/data'
import { PeerGate } from '@/data/peer/gate'
import { clerkKeyStatement, personKeyClaim, signAct } from '@/shared/personacts'
import { rolesClaim, HUB_ROLES_KEY } from '@/shared/rosterroles'
import { newSigningKeyPair, signValue } from '@/shared/signature'
import { personKeyId, signedActId } from '@/shared/signedids'
import { BODY_VERSIONS, PARENT_FIELD, withoutStorage, type DocKind, type YishiDoc } from '@/shared/schemas'
import { certifiedClerkKey, witnessedKey, FILLER, type MadeKey } from '../support/personkeys'
import { hubSigned } from '../support/roles'
import { TEST_HUB, VILLAGE, eventually, keyEntry, openKeyedTablet, trustOf, until, type Tablet } from './helpers'
import { newAuthority, pair, peerTablet, signAs, type Authority, type PeerTablet } from './peer-helpers'

const T0 = Date.UTC(2026, 0, 2)
let tablets: PeerTablet[] = []
afterEach(async () => {
  await Promise.all(tablets.map((t) => t.remove()))
  tablets = []
})

let seq = 0
/** A record as tablet `device` wrote it, carrying that device's signature (the hub of the test vouches for it). */
function written(hub: Authority, device: string, kind: DocKind, id: string, body: Record<string, unknown>): YishiDoc {
  const parent = PARENT_FIELD[kind]
  const doc: YishiDoc = { id, kind, v: BODY_VERSIONS[kind], village: VILLAGE, year: 2026, author: 'person:clerk', device, deviceTime: T0, seq: ++seq, ref: parent ? String(body[parent] ?? '') : '', body }
  signAs(hub, doc)
  return doc
}
const keyBody = (k: MadeKey) => { const { id: _id, ...claim } = k.record; return { ...claim, ...FILLER } }
const keyDoc = (hub: Authority, device: string, k: MadeKey, id = k.record.id) => written(hub, device, 'personkey', id, keyBody(k))

/** A co-signature of ledger:l1 in the name of `supervisorId`, signed with `by`'s key (or by nobody). */
function cosign(hub: Authority, device: string, id: string, supervisorId: string, by: MadeKey | null, at = T0 + 60_000): YishiDoc {
  const fields = { ledgerId: 'ledger:l1', supervisorId, approve: true, note: '', at }
  return written(hub, device, 'cosign', id, { ...fields, keyId: by?.record.id ?? '', signature: by ? signAct('cosign', VILLAGE, { id, ...fields }, by.secret) : '' })
}

/**
 * The village as the receiving tablet holds it: 王文书 the clerk, supervisors sup1, sup2, sup3 and sup4,
 * 赵六 (no role) — roles the hub signed — the clerk's certified key, sup1's and 赵六's keys the clerk witnessed.
 */
async function village(hub: Authority, victim: PeerTablet) {
  const clerk = certifiedClerkKey(VILLAGE, 'person:clerk', T0 - 60_000, 'personkey:clerk', hub.secretKey)
  const sup1 = witnessedKey(VILLAGE, 'person:sup1', T0, 'personkey:sup1', clerk)
  const v9 = witnessedKey(VILLAGE, 'person:v9', T0, 'personkey:v9', clerk)
  const person = (id: string, roles: string[]) => written(hub, 'tab-a', 'person', id, { name: id.slice(7), householdId: 'household:1', eligible: true, ...hubSigned(VILLAGE, id, roles, hub.secretKey) })
  await victim.vdb.docs.bulkInsert([
    person('person:clerk', ['clerk']), person('person:v9', []),
    ...['sup1', 'sup2', 'sup3', 'sup4'].map((n) => person(`person:${n}`, ['supervisor'])),
    keyDoc(hub, 'tab-a', clerk), keyDoc(hub, 'tab-a', sup1), keyDoc(hub, 'tab-a', v9),
  ])
  return { clerk, sup1, v9 }
}

async function tablet(hub: Authority, device: string): Promise<PeerTablet> {
  const t = await peerTablet(hub, device)
  tablets.push(t)
  return t
}

/** The tablet that receives, and the enrolled tablet `from` that hands it records (its certificate known there). */
async function receiver(hub: Authority, from: string) {
  const victim = await tablet(hub, 'tab-v')
  const sender = await tablet(hub, from)
  await victim.trust.learn([sender.certificate])
  return { victim, gate: new PeerGate(victim.vdb, victim.trust), ...(await village(hub, victim)) }
}
const stored = async (t: PeerTablet, id: string) => (await t.vdb.docs.findOne(id).exec()) !== null

describe('a tablet takes acts a person signs from another tablet only as the hub would', () => {
  it('quarantines co-signatures forged in a supervisor\'s name, or signed by someone who is no supervisor, and takes the genuine one and one already held', async () => {
    const hub = newAuthority()
    const evil = 'tab-evil'
    const { victim, gate, sup1, v9 } = await receiver(hub, evil)
    const stranger = witnessedKey(VILLAGE, 'person:sup1', T0, 'personkey:x', null)
    // an unsigned co-signature from before signatures, which this tablet already holds as the hub served it
    const legacy = cosign(hub, 'tab-a', 'cosign:legacy', 'person:sup1', null)
    await victim.vdb.docs.insert(legacy)
    const batch = [
      legacy,
      cosign(hub, evil, 'cosign:unsigned', 'person:sup1', null),
      cosign(hub, evil, 'cosign:v9-key', 'person:sup1', v9),
      { ...cosign(hub, evil, 'cosign:bad-sig', 'person:sup1', { ...sup1, secret: stranger.secret }) },
      cosign(hub, evil, 'cosign:v9', 'person:v9', v9),
      cosign(hub, evil, 'cosign:good', 'person:sup1', sup1),
    ]
    const { accepted, refused } = await gate.admit(batch, evil, { pulled: true })
    expect(accepted.map((d) => d.id)).toEqual(['cosign:legacy', 'cosign:good'])
    expect(refused.map((r) => [r.id, r.code, r.params?.problem ?? r.params?.act])).toEqual([
      ['cosign:unsigned', 'act.unsigned', 'unsigned'],
      ['cosign:v9-key', 'act.unsigned', 'other-person'],
      ['cosign:bad-sig', 'act.unsigned', 'bad-signature'],
      ['cosign:v9', 'act.not-entitled', 'expense.cosign'],
    ])
    expect(refused[0]!.reason).toMatch(/must be signed by that person/)
    const kept = await quarantined(victim.vdb)
    expect(kept.map((q) => [q.id, q.from, q.code])).toEqual(expect.arrayContaining([['cosign:unsigned', `peer:${evil}`, 'act.unsigned'], ['cosign:v9', `peer:${evil}`, 'act.not-entitled']]))
    expect(kept).toHaveLength(4)
  })

  it('takes a key and the acts it signs in one batch, in either order, and refuses a key no clerk witnessed with its act', async () => {
    const hub = newAuthority()
    const from = 'tab-b'
    const { gate, clerk } = await receiver(hub, from)
    const sup2 = witnessedKey(VILLAGE, 'person:sup2', T0, 'personkey:sup2', clerk)
    const sup3 = witnessedKey(VILLAGE, 'person:sup3', T0, 'personkey:sup3', null)
    const batch = [
      // the peer serves in the order it last wrote: this co-signature comes before the key that signs it
      cosign(hub, from, 'cosign:sup2-early', 'person:sup2', sup2),
      keyDoc(hub, from, sup2),
      cosign(hub, from, 'cosign:sup2', 'person:sup2', sup2, T0 + 120_000),
      keyDoc(hub, from, sup3),
      cosign(hub, from, 'cosign:sup3', 'person:sup3', sup3),
    ]
    const { accepted, refused, fresh } = await gate.admit(batch, from, { pulled: true })
    expect(accepted.map((d) => d.id)).toEqual(['cosign:sup2-early', 'personkey:sup2', 'cosign:sup2'])
    expect(fresh).toBe(3)
    expect(refused.map((r) => [r.id, r.code, r.params?.problem])).toEqual([
      ['personkey:sup3', 'personkey.unvouched', 'unwitnessed'],
      ['cosign:sup3', 'act.unsigned', 'unknown-key'],
    ])
  })

  it('keeps a key waiting for its clerk\'s key, and its act, only under ids no genuine record uses', async () => {
    const hub = newAuthority()
    const from = 'tab-b'
    const { gate } = await receiver(hub, from)
    // the clerk's new key, made on another tablet, has not reached this one: sup4's key waits for it
    const clerkNew = certifiedClerkKey(VILLAGE, 'person:clerk', T0 - 30_000, 'personkey:clerk-new', hub.secretKey)
    const made = witnessedKey(VILLAGE, 'person:sup4', T0, 'personkey:tmp', clerkNew)
    const id = personKeyId(keyBody(made))
    const sup4 = { ...made, record: { ...made.record, id } }
    const actId = signedActId('cosign', 'c1', [id])
    const batch = [
      keyDoc(hub, from, sup4, 'personkey:sup4'),
      keyDoc(hub, from, sup4),
      cosign(hub, from, 'cosign:squatted', 'person:sup4', sup4),
      cosign(hub, from, actId, 'person:sup4', sup4),
    ]
    const { accepted, refused } = await gate.admit(batch, from, { pulled: true })
    expect(accepted.map((d) => d.id)).toEqual([id, actId])
    expect(refused.map((r) => [r.id, r.code])).toEqual([['personkey:sup4', 'form.id'], ['cosign:squatted', 'form.id']])
    expect(refused[0]!.reason).toMatch(/this tablet keeps it only under the digest of its content/)
  })

  it('refuses a seal key in a supervisor\'s name signed with another person\'s key, and a void list whose vote this tablet does not hold', async () => {
    const hub = newAuthority()
    const from = 'tab-b'
    const { gate, sup1, v9 } = await receiver(hub, from)
    const sealKey = (id: string, by: MadeKey) => {
      const fields = { personId: 'person:sup1', publicKey: 'aa'.repeat(32), createdAt: T0 + 1000 }
      return written(hub, from, 'sealkey', id, { ...fields, kdf: FILLER.kdf, iterations: FILLER.iterations, salt: FILLER.salt, cipher: FILLER.cipher, iv: FILLER.iv, secret: FILLER.secret,
        keyId: by.record.id, signature: signAct('sealkey', VILLAGE, { id, ...fields }, by.secret) })
    }
    const fields = { voteId: 'vote:elsewhere', ballotIds: ['ballot:b1'], openedBy: ['person:sup1'], decisions: ['decision:d1'], at: T0 + 90_000 }
    const list = written(hub, from, 'voidlist', 'voidlist:l1', { ...fields, signatures: [{ personId: 'person:sup1', keyId: sup1.record.id, signature: signAct('voidlist', VILLAGE, { id: 'voidlist:l1', ...fields }, sup1.secret) }] })
    const { accepted, refused } = await gate.admit([sealKey('sealkey:forged', v9), sealKey('sealkey:sup1', sup1), list], from, { pulled: true })
    expect(accepted.map((d) => d.id)).toEqual(['sealkey:sup1'])
    expect(refused.map((r) => [r.id, r.code])).toEqual([['sealkey:forged', 'act.unsigned'], ['voidlist:l1', 'voidlist.vote-unknown']])
  })

  it('through a pairing in batches of one: a batch the tablet takes nothing of does not stop the pull before the records after it', async () => {
    const hub = newAuthority()
    const a = await tablet(hub, 'tab-a')
    const b = await tablet(hub, 'tab-b')
    const { sup1 } = await village(hub, a)
    await b.vdb.docs.bulkInsert((await a.vdb.docs.find().exec()).map((d) => withoutStorage(d.toJSON() as YishiDoc)))
    await a.vdb.docs.insert(cosign(hub, 'tab-a', 'cosign:forged', 'person:sup1', null))
    await a.vdb.docs.insert(cosign(hub, 'tab-a', 'cosign:genuine', 'person:sup1', sup1))
    const ab = await pair(a, b, { batchSize: 1 })
    try {
      await until(ab.b.state$, (s) => s.phase === 'live')
      await eventually(() => stored(b, 'cosign:genuine'), 5_000)
      expect((await quarantined(b.vdb)).map((q) => [q.id, q.code])).toEqual([['cosign:forged', 'act.unsigned']])
    } finally { await ab.close() }
  })

  it('through a pairing: the forged co-signature the other tablet holds stays there, the genuine one crosses', async () => {
    const hub = newAuthority()
    const a = await tablet(hub, 'tab-a')
    const b = await tablet(hub, 'tab-b')
    const { sup1 } = await village(hub, a)
    await village(hub, b)
    // tablet A, in the wrong hands, holds a co-signature in sup1's name that sup1 never signed
    await a.vdb.docs.bulkInsert([cosign(hub, 'tab-a', 'cosign:forged', 'person:sup1', null), cosign(hub, 'tab-a', 'cosign:genuine', 'person:sup1', sup1)])
    const ab = await pair(a, b)
    try {
      const sb = await until(ab.b.state$, (s) => s.phase === 'live' && s.refused.length > 0)
      expect(sb.refused.map((r) => [r.id, r.code])).toEqual([['cosign:forged', 'act.unsigned']])
      expect([await stored(b, 'cosign:genuine'), await stored(b, 'cosign:forged')]).toEqual([true, false])
    } finally { await ab.close() }
  })
})

/** The village as tablet `b` holds it: the clerk's key TEST_HUB certified, sup1's key the clerk witnessed, roles TEST_HUB signed. */
async function fileVillage(b: Tablet) {
  const pair = newSigningKeyPair()
  const claim = { personId: 'person:clerk', publicKey: pair.publicKey, createdAt: T0 - 60_000, witnessedBy: 'person:clerk' }
  const cert = { issuedAt: claim.createdAt, by: 'clerk-account' }
  const clerk: MadeKey = { record: { id: 'personkey:clerk', ...claim, certificate: { ...cert, sig: TEST_HUB.signSync(clerkKeyStatement(VILLAGE, claim, cert)) }, signature: signValue(personKeyClaim(claim), pair.secretKey) }, secret: pair.secretKey }
  const sup1 = witnessedKey(VILLAGE, 'person:sup1', T0, 'personkey:sup1', clerk)
  const at = Date.UTC(2026, 0, 1)
  const person = (id: string, roles: string[]) => ({ id, kind: 'person' as const, v: BODY_VERSIONS.person, village: VILLAGE, year: 2026, author: 'person:clerk', device: 'tab-x', deviceTime: T0, seq: ++seq, ref: '',
    body: { name: id.slice(7), householdId: 'household:1', eligible: true, roles, rolesSig: { at, by: 'clerk-account', keyId: HUB_ROLES_KEY, signature: TEST_HUB.signSync(rolesClaim(VILLAGE, id, roles, at)) } } })
  const key = (k: MadeKey) => ({ id: k.record.id, kind: 'personkey' as const, v: BODY_VERSIONS.personkey, village: VILLAGE, year: 2026, author: 'person:clerk', device: 'tab-x', deviceTime: T0, seq: ++seq, ref: k.record.personId, body: keyBody(k) })
  await b.vdb.docs.bulkInsert([person('person:clerk', ['clerk']), person('person:sup1', ['supervisor']), key(clerk), key(sup1)])
  return { clerk, sup1, key }
}

describe('a carried file', () => {
  const opened: Tablet[] = []
  afterEach(async () => { for (const t of opened.splice(0)) await t.remove() })

  it('brings a co-signature forged in a supervisor\'s name: refused into the quarantine, the genuine one taken', async () => {
    const a = await openKeyedTablet('tab-fa'); const b = await openKeyedTablet('tab-fb'); opened.push(a, b)
    const trustB = await trustOf(b.certificate, [keyEntry(a)])
    const { sup1 } = await fileVillage(b)
    // tablet A, in the wrong hands, writes a co-signature in sup1's name that sup1 never signed, next to a genuine one
    const fields = { ledgerId: 'ledger:l1', supervisorId: 'person:sup1', approve: true, note: '', at: T0 + 60_000 }
    await a.data.writer.insert([
      { kind: 'cosign', id: 'cosign:forged', ref: 'ledger:l1', body: { ...fields, keyId: sup1.record.id, signature: signAct('cosign', VILLAGE, { id: 'cosign:forged', ...fields }, newSigningKeyPair().secretKey) } },
      { kind: 'cosign', id: 'cosign:genuine', ref: 'ledger:l1', body: { ...fields, keyId: sup1.record.id, signature: signAct('cosign', VILLAGE, { id: 'cosign:genuine', ...fields }, sup1.secret) } },
    ])
    const report = await importBundle(b.vdb, await exportUnsynced(a.vdb, a.data.writer, a, 0), trustB)
    expect(report.refused.map((r) => [r.id, r.code, r.params?.problem])).toEqual([['cosign:forged', 'act.unsigned', 'bad-signature']])
    expect([await b.vdb.docs.findOne('cosign:genuine').exec() !== null, await b.vdb.docs.findOne('cosign:forged').exec() !== null]).toEqual([true, false])
    expect((await quarantined(b.vdb)).map((q) => [q.id, q.from])).toEqual([['cosign:forged', 'file:tab-fa']])
  })
})

describe('a genuine act quarantined only because what it rests on came in a later batch', () => {
  const files: Tablet[] = []
  afterEach(async () => { for (const t of files.splice(0)) await t.remove() })

  /** 赵六 (v9) made a supervisor: the hub signed the role after their old roster entry. */
  const promoted = (hub: Authority, device: string) => written(hub, device, 'person', 'person:v9',
    { name: 'v9', householdId: 'household:1', eligible: true, ...hubSigned(VILLAGE, 'person:v9', ['supervisor'], hub.secretKey, Date.UTC(2026, 0, 3)) })

  it('is taken once the later batch is stored: a co-signature before its signer\'s signed roles, one before its signer\'s key; forged ones stay', async () => {
    const hub = newAuthority()
    const from = 'tab-b'
    const { victim, gate, clerk, v9 } = await receiver(hub, from)
    const sup2 = witnessedKey(VILLAGE, 'person:sup2', T0, 'personkey:sup2', clerk)
    const stranger = witnessedKey(VILLAGE, 'person:v9', T0, 'personkey:stranger', null)
    const first = await gate.admit([
      cosign(hub, from, 'cosign:v9', 'person:v9', v9),
      cosign(hub, from, 'cosign:sup2', 'person:sup2', sup2),
      // in v9's name, signed with a key no-one vouches for; and with v9's key id but another secret
      cosign(hub, from, 'cosign:stranger', 'person:v9', stranger),
      cosign(hub, from, 'cosign:bad-sig', 'person:v9', { ...v9, secret: stranger.secret }),
    ], from, { pulled: true })
    expect(first.refused.map((r) => [r.id, r.code, r.params?.problem ?? r.params?.act])).toEqual([
      ['cosign:v9', 'act.not-entitled', 'expense.cosign'],
      ['cosign:sup2', 'act.unsigned', 'unknown-key'],
      ['cosign:stranger', 'act.unsigned', 'unknown-key'],
      ['cosign:bad-sig', 'act.unsigned', 'bad-signature'],
    ])
    // the next batch brings what they rest on; the replication stores it, then the gate judges the quarantine again
    const second = await gate.admit([promoted(hub, from), keyDoc(hub, from, sup2)], from, { pulled: true })
    expect(second.accepted.map((d) => d.id)).toEqual(['person:v9', 'personkey:sup2'])
    await victim.vdb.docs.bulkUpsert(second.accepted.map(({ _deleted: _d, ...d }) => d))
    const taken = await gate.retake(second.accepted)
    expect(taken.map((d) => d.id)).toEqual(['cosign:v9', 'cosign:sup2'])
    expect(await Promise.all(['cosign:v9', 'cosign:sup2', 'cosign:stranger', 'cosign:bad-sig'].map((id) => stored(victim, id)))).toEqual([true, true, false, false])
    expect((await quarantined(victim.vdb)).map((q) => [q.id, q.code, q.params?.problem])).toEqual([
      ['cosign:stranger', 'act.unsigned', 'unknown-key'],
      ['cosign:bad-sig', 'act.unsigned', 'bad-signature'],
    ])
    // a pass with nothing new to read takes nothing and changes nothing
    expect(await gate.retake(second.accepted)).toEqual([])
    expect(await quarantined(victim.vdb)).toHaveLength(2)
  })

  it('through a pairing in batches of one: the co-signature served before its signer\'s roles ends up on the other tablet, not in its quarantine', async () => {
    const hub = newAuthority()
    const a = await tablet(hub, 'tab-a')
    const b = await tablet(hub, 'tab-b')
    const { v9 } = await village(hub, a)
    // the same village on B (as both got it from the hub), but for 赵六, whom B has not heard of
    await b.vdb.docs.bulkInsert((await a.vdb.docs.find().exec()).map((d) => withoutStorage(d.toJSON() as YishiDoc)).filter((d) => d.id !== 'person:v9'))
    // tablet A co-signed as 赵六 after he was made a supervisor there; his roster entry was written after,
    // so A serves it in the batch after the co-signature
    await a.vdb.docs.insert(cosign(hub, 'tab-a', 'cosign:v9', 'person:v9', v9))
    await a.vdb.docs.upsert(promoted(hub, 'tab-a'))
    const ab = await pair(a, b, { batchSize: 1 })
    try {
      await until(ab.b.state$, (s) => s.phase === 'live')
      await eventually(() => stored(b, 'cosign:v9'), 5_000)
      expect(await quarantined(b.vdb)).toEqual([])
    } finally { await ab.close() }
  })

  it('brings a co-signature before the key that signs it, the key in a later file: the co-signature is taken from the quarantine then; a forged one stays', async () => {
    const a = await openKeyedTablet('tab-fa'); const b = await openKeyedTablet('tab-fb')
    files.push(a, b)
    const trustB = await trustOf(b.certificate, [keyEntry(a)])
    const { clerk, sup1 } = await fileVillage(b)
    // sup1 sets up a new key on tablet A (the clerk witnessing it) and co-signs with it; A's first file leaves before the key is written
    const renewed = witnessedKey(VILLAGE, 'person:sup1', T0 + 10_000, 'personkey:sup1-new', clerk, { replaces: sup1.record.id })
    const fields = { ledgerId: 'ledger:l1', supervisorId: 'person:sup1', approve: true, note: '', at: T0 + 60_000 }
    const signed = (id: string, secret: string) => ({ kind: 'cosign' as const, id, ref: 'ledger:l1', body: { ...fields, keyId: renewed.record.id, signature: signAct('cosign', VILLAGE, { id, ...fields }, secret) } })
    await a.data.writer.insert([signed('cosign:genuine', renewed.secret), signed('cosign:forged', newSigningKeyPair().secretKey)])
    const first = await importBundle(b.vdb, await exportUnsynced(a.vdb, a.data.writer, a, 0), trustB)
    expect(first.refused.map((r) => [r.id, r.code, r.params?.problem])).toEqual([['cosign:genuine', 'act.unsigned', 'unknown-key'], ['cosign:forged', 'act.unsigned', 'unknown-key']])
    const upTo = a.data.writer.lastSeq
    await a.data.writer.insert([{ kind: 'personkey', id: renewed.record.id, ref: 'person:sup1', body: keyBody(renewed) }])
    const second = await importBundle(b.vdb, await exportUnsynced(a.vdb, a.data.writer, a, upTo), trustB)
    expect([second.refused, await b.vdb.docs.findOne(renewed.record.id).exec() !== null]).toEqual([[], true])
    expect([await b.vdb.docs.findOne('cosign:genuine').exec() !== null, await b.vdb.docs.findOne('cosign:forged').exec() !== null]).toEqual([true, false])
    expect((await quarantined(b.vdb)).map((q) => [q.id, q.code, q.params?.problem])).toEqual([['cosign:forged', 'act.unsigned', 'bad-signature']])
  })
})
