import { describe, expect, it } from 'vitest'
import { newSigningKeyPair, signValue } from '@/shared/signature'
import { actSigner, keyStandings, personKeyClaim, sealKeyHolders, signAct, claimedSignatures, signedCosigns, unentitledSigner, unsignedClaim, verifyPersonKey, waitingKeys, witnessProblem, witnessedKeys, type PersonKeyRecord, type WitnessContext } from '@/shared/personacts'
import { certifiedClerkKey, testHub, witnessedKey } from '../support/personkeys'

const T0 = Date.UTC(2026, 4, 1)

function key(personId: string, createdAt: number, id: string, replaces?: string) {
  const pair = newSigningKeyPair()
  const claim = { personId, publicKey: pair.publicKey, createdAt, witnessedBy: 'person:clerk', ...(replaces ? { replaces } : {}) }
  const record: PersonKeyRecord = { id, ...claim, signature: signValue(personKeyClaim(claim), pair.secretKey) }
  return { record, secret: pair.secretKey }
}

describe('acts signed by the person they name', () => {
  const sup = key('person:sup1', T0, 'personkey:k1')
  const other = key('person:sup2', T0, 'personkey:k2')
  const keys = [sup.record, other.record]
  const cosign = (over: Record<string, unknown> = {}, secret = sup.secret, keyId = 'personkey:k1') => {
    const c = { id: 'cosign:c1', ledgerId: 'ledger:l1', supervisorId: 'person:sup1', approve: true, note: '', at: T0 + 1000, ...over }
    return { ...c, keyId, signature: signAct('cosign', 'qingbo', { ...c }, secret) }
  }

  it('accepts a co-signature signed with the key of the supervisor it names', () => {
    expect(verifyPersonKey(sup.record)).toBe(true)
    expect(actSigner('cosign', 'qingbo', cosign(), 'person:sup1', keys)?.id).toBe('personkey:k1')
    expect(signedCosigns([cosign()], keys, 'qingbo')).toHaveLength(1)
  })

  it('refuses one signed by someone else, edited after signing, moved to another village, or with no signature', () => {
    expect(signedCosigns([cosign({}, other.secret, 'personkey:k2')], keys, 'qingbo')).toEqual([]) // sup2 signing in sup1's name
    expect(signedCosigns([{ ...cosign(), approve: false }], keys, 'qingbo')).toEqual([])
    expect(signedCosigns([{ ...cosign(), ledgerId: 'ledger:l2' }], keys, 'qingbo')).toEqual([])
    expect(signedCosigns([cosign()], keys, 'mingyue')).toEqual([])
    expect(signedCosigns([{ ...cosign(), signature: '' }], keys, 'qingbo')).toEqual([])
  })

  it('refuses a key record not signed by its own key, and acts outside the time a key was good', () => {
    const forged = { ...sup.record, witnessedBy: 'person:someone-else' }
    expect(verifyPersonKey(forged)).toBe(false)
    expect(signedCosigns([cosign()], [forged], 'qingbo')).toEqual([])
    expect(signedCosigns([cosign({ at: T0 - 1 })], keys, 'qingbo')).toEqual([]) // before the key existed
    const replacement = key('person:sup1', T0 + 500, 'personkey:k3', 'personkey:k1')
    expect(signedCosigns([cosign()], [...keys, replacement.record], 'qingbo')).toEqual([]) // old key used after its replacement
    // a forged "replacement" (not signed by its own key) ends nothing
    expect(signedCosigns([cosign()], [...keys, { ...replacement.record, signature: sup.record.signature }], 'qingbo')).toHaveLength(1)
  })
})

describe('which records are a person\'s signed act', () => {
  it('reads a co-signature and a meeting\'s signature as the act of the person they name, and other comments as no one\'s', () => {
    const by = (kind: string, record: Record<string, unknown>) => claimedSignatures(kind, record)?.claims.map((c) => c.personId) ?? null
    expect(by('cosign', { supervisorId: 'person:sup1' })).toEqual(['person:sup1'])
    expect(by('comment', { role: 'chair', by: 'person:c1' })).toEqual(['person:c1'])
    expect(by('comment', { role: 'minutes-photo', by: 'person:c1' })).toBeNull()
    expect(by('comment', { by: 'person:v1' })).toBeNull()
    expect(by('ledger', { recordedBy: 'person:c1' })).toBeNull()
    expect(by('sealkey', { personId: 'person:s1' })).toEqual(['person:s1'])
    expect(by('voidlist', { openedBy: ['person:s1', 'person:s2', 'person:s1'] })).toEqual(['person:s1', 'person:s2'])
    // a void list opened by no-one is no one's signed act
    const nobody = { id: 'voidlist:x', openedBy: [] as string[] }
    expect(unsignedClaim('voidlist', 'qingbo', nobody, [])).toMatchObject({ problem: 'unsigned' })
  })
})

describe('who vouches for a person key (issue #14: the witness is the clerk\'s own signature)', () => {
  const hub = testHub()
  const roster = [{ id: 'person:clerk', roles: ['clerk'] }, { id: 'person:sup1', roles: ['supervisor'] }, { id: 'person:v1', roles: [] }]
  const ctx: WitnessContext = { village: 'qingbo', roster, hubKeys: hub.keys }
  const clerk = certifiedClerkKey('qingbo', 'person:clerk', T0, 'personkey:clerk', hub.secretKey)
  const sup = witnessedKey('qingbo', 'person:sup1', T0 + 100, 'personkey:sup', clerk)
  const cosign = (by: { record: PersonKeyRecord; secret: string }) => {
    const c = { id: 'cosign:c1', ledgerId: 'ledger:l1', supervisorId: 'person:sup1', approve: true, note: '', at: T0 + 1000 }
    return { ...c, keyId: by.record.id, signature: signAct('cosign', 'qingbo', { ...c }, by.secret) }
  }
  const counted = (keys: PersonKeyRecord[], c = cosign(sup), context = ctx) => signedCosigns([c], witnessedKeys(keys, context), 'qingbo').length

  it('a clerk\'s key the hub certified, and a key that clerk witnessed with it: their acts count', () => {
    expect(witnessProblem(clerk.record, [clerk.record], ctx)).toBeNull()
    expect(witnessProblem(sup.record, [clerk.record, sup.record], ctx)).toBeNull()
    expect(counted([clerk.record, sup.record])).toBe(1)
  })

  it('a key a tablet wrote naming a real clerk as witness, without the clerk\'s signature, signs nothing', () => {
    const bare = witnessedKey('qingbo', 'person:sup1', T0 + 100, 'personkey:bare', null, { witnessedBy: 'person:clerk' })
    expect(witnessProblem(bare.record, [clerk.record, bare.record], ctx)).toBe('unwitnessed')
    expect(counted([clerk.record, bare.record], cosign(bare))).toBe(0)
  })

  it('a clerk key without the hub\'s certificate, or certified for another village, person or key, or by another hub, witnesses nothing', () => {
    const other = testHub()
    const selfMade = witnessedKey('qingbo', 'person:clerk', T0, 'personkey:self', null, { witnessedBy: 'person:clerk' })
    const forOtherVillage = certifiedClerkKey('mingyue', 'person:clerk', T0, 'personkey:mv', hub.secretKey)
    const byOtherHub = certifiedClerkKey('qingbo', 'person:clerk', T0, 'personkey:oh', other.secretKey)
    // a certificate replayed onto another key of the clerk, or onto another person's key
    const replayedKey = { ...witnessedKey('qingbo', 'person:clerk', T0, 'personkey:rk', null, { witnessedBy: 'person:clerk' }).record, certificate: clerk.record.certificate! }
    for (const bad of [forOtherVillage, byOtherHub]) expect(witnessProblem(bad.record, [bad.record], ctx)).toBe('bad-certificate')
    expect(witnessProblem(selfMade.record, [selfMade.record], ctx)).toBe('unwitnessed')
    expect(witnessProblem(replayedKey, [replayedKey], ctx)).toBe('bad-certificate')
    const twoClerks = { ...ctx, roster: [...roster, { id: 'person:clerk2', roles: ['clerk'] }] }
    const otherPerson = { ...witnessedKey('qingbo', 'person:clerk2', T0, 'personkey:op', null, { witnessedBy: 'person:clerk2' }).record, certificate: clerk.record.certificate! }
    expect(witnessProblem(otherPerson, [otherPerson], twoClerks)).toBe('bad-certificate')
    for (const w of [selfMade, forOtherVillage, byOtherHub]) {
      const s = witnessedKey('qingbo', 'person:sup1', T0 + 100, 'personkey:s', w)
      expect(witnessProblem(s.record, [w.record, s.record], ctx)).toBe('witness-uncertified')
      expect(counted([w.record, s.record], cosign(s))).toBe(0)
    }
    // a tablet that has not pinned its hub's key yet trusts no certificate
    expect(counted([clerk.record, sup.record], cosign(sup), { ...ctx, hubKeys: null })).toBe(0)
  })

  it('a witness signature for another village, another key, or by someone not a clerk on the roster counts for nothing', () => {
    const elsewhere = witnessedKey('mingyue', 'person:sup1', T0 + 100, 'personkey:mv-sup', clerk)
    expect(witnessProblem(elsewhere.record, [clerk.record, elsewhere.record], ctx)).toBe('bad-witness')
    const moved = { ...witnessedKey('qingbo', 'person:sup1', T0 + 100, 'personkey:moved', null).record, witness: sup.record.witness! }
    expect(witnessProblem(moved, [clerk.record, moved], ctx)).toBe('bad-witness')
    const notClerk = [{ id: 'person:clerk', roles: [] }, ...roster.slice(1)]
    expect(witnessProblem(sup.record, [clerk.record, sup.record], { ...ctx, roster: notClerk })).toBe('not-clerk')
  })

  it('a key whose clerk\'s key has not arrived yet waits, and counts once it does', () => {
    expect(witnessProblem(sup.record, [sup.record], ctx)).toBe('waiting')
    expect(counted([sup.record])).toBe(0)
    expect(counted([sup.record, clerk.record])).toBe(1)
  })

  it('waiting keys are told apart from the vouched ones and from those vouched for by no-one, in one pass that agrees with the rule key by key', () => {
    const bare = witnessedKey('qingbo', 'person:sup1', T0 + 100, 'personkey:bare', null, { witnessedBy: 'person:clerk' })
    const later = witnessedKey('qingbo', 'person:v1', T0 + 200, 'personkey:later', certifiedClerkKey('qingbo', 'person:clerk', T0, 'personkey:clerk-elsewhere', hub.secretKey))
    const keys = [sup.record, bare.record, later.record]
    expect(waitingKeys(keys, ctx).map((k) => k.id)).toEqual(['personkey:sup', 'personkey:later'])
    expect(witnessedKeys(keys, ctx)).toEqual([])
    const all = [clerk.record, ...keys]
    expect(keyStandings(all, ctx)).toEqual(all.map((k) => witnessProblem(k, all, ctx)))
    expect(waitingKeys(all, ctx).map((k) => k.id)).toEqual(['personkey:later'])
  })

  it('a seal key signed with a key vouched for by no-one (yet) names no holder; one signed with a vouched key, or set up before seal keys were signed, does', () => {
    const seal = (id: string, by: { record: PersonKeyRecord; secret: string } | null) => {
      const s = { id, personId: 'person:sup1', publicKey: 'a1'.repeat(32), createdAt: T0 + 1000 }
      return by ? { ...s, keyId: by.record.id, signature: signAct('sealkey', 'qingbo', { ...s }, by.secret) } : s
    }
    const seals = [seal('sealkey:old', null), seal('sealkey:signed', sup)]
    expect(sealKeyHolders(seals, witnessedKeys([sup.record], ctx), 'qingbo').map((s) => s.id)).toEqual(['sealkey:old'])
    expect(sealKeyHolders(seals, witnessedKeys([clerk.record, sup.record], ctx), 'qingbo').map((s) => s.id)).toEqual(['sealkey:old', 'sealkey:signed'])
  })

  it('a clerk\'s replaced key witnesses nothing set up after its certified replacement; an uncertified "replacement" ends nothing', () => {
    const next = certifiedClerkKey('qingbo', 'person:clerk', T0 + 50, 'personkey:clerk2', hub.secretKey, { replaces: 'personkey:clerk' })
    expect(witnessProblem(sup.record, [clerk.record, next.record, sup.record], ctx)).toBe('witness-out-of-time')
    const fake = witnessedKey('qingbo', 'person:clerk', T0 + 50, 'personkey:fake', null, { replaces: 'personkey:clerk', witnessedBy: 'person:clerk' })
    expect(witnessProblem(sup.record, [clerk.record, fake.record, sup.record], ctx)).toBeNull()
  })

  it('a certificate of a retired hub key counts only when issued before the hub moved on', () => {
    const old = testHub()
    const rotated = { current: hub.keys.current, retired: [{ key: old.keys.current, until: T0 + 10 }] }
    const before = certifiedClerkKey('qingbo', 'person:clerk', T0, 'personkey:b', old.secretKey, { issuedAt: T0 + 5 })
    const after = certifiedClerkKey('qingbo', 'person:clerk', T0, 'personkey:a', old.secretKey, { issuedAt: T0 + 20 })
    expect(witnessProblem(before.record, [before.record], { ...ctx, hubKeys: rotated })).toBeNull()
    expect(witnessProblem(after.record, [after.record], { ...ctx, hubKeys: rotated })).toBe('bad-certificate')
  })
})

// #14: a tablet that saw a seal key on its way must not be able to send the hub a copy with a garbled
// sealed secret under the same id, signed with the supervisor's real signature.
describe('a seal key\'s signature covers its sealed secret', () => {
  const sup = key('person:sup1', T0, 'personkey:k1')
  const sealed = { kdf: 'pbkdf2-sha256', iterations: 250_000, salt: 'ab'.repeat(16), cipher: 'aes-256-gcm', iv: 'cd'.repeat(12), secret: 'ef'.repeat(48) }
  const fields = { id: 'sealkey:s1.k1', personId: 'person:sup1', publicKey: 'a1'.repeat(32), ...sealed, createdAt: T0 + 1000, claim: 3 }
  const signed = <F extends { id: string } & Record<string, unknown>>(f: F) => ({ ...f, keyId: sup.record.id, signature: signAct('sealkey', 'qingbo', f, sup.secret) })
  const problem = (r: { id: string } & Record<string, unknown>) => unsignedClaim('sealkey', 'qingbo', r, [sup.record])?.problem ?? null
  const { claim: _, ...olderFields } = fields

  it('a key signed as tablets sign it now verifies; the same key with any sealed field changed does not', () => {
    const genuine = signed(fields)
    expect(problem(genuine)).toBeNull()
    const garbled = { kdf: 'pbkdf2-sha512', iterations: 250_001, salt: '00'.repeat(16), cipher: 'aes-128-gcm', iv: '00'.repeat(12), secret: '00'.repeat(48) }
    for (const [field, value] of Object.entries(garbled)) expect(problem({ ...genuine, [field]: value }), field).toBe('bad-signature')
  })

  it('a key signed before (no `claim`) keeps its old claim: it still verifies, its sealed secret never was covered', () => {
    const older = signed(olderFields)
    expect(problem(older)).toBeNull()
    expect(problem({ ...older, secret: '00'.repeat(48) })).toBeNull()
    expect(problem({ ...older, publicKey: 'b2'.repeat(32) })).toBe('bad-signature')
  })

  it('neither signature passes for the other claim: a new key sent as an older one, an older one marked new', () => {
    const { claim: _c, ...asOlder } = signed(fields)
    expect(problem(asOlder)).toBe('bad-signature')
    expect(problem({ ...asOlder, secret: '00'.repeat(48) })).toBe('bad-signature')
    expect(problem({ ...signed(olderFields), claim: 3 })).toBe('bad-signature')
  })
})

describe('who may sign an act, by their roles on the roster', () => {
  const roster = [{ id: 'person:sup', roles: ['supervisor'] }, { id: 'person:c1', roles: ['council-member'] }, { id: 'person:v', roles: [] }]
  it('a co-signature only by a supervisor; a meeting as chair only by a council member; a supervisor\'s signature only by a supervisor', () => {
    expect(unentitledSigner('cosign', { supervisorId: 'person:sup' }, roster)).toBeNull()
    expect(unentitledSigner('cosign', { supervisorId: 'person:v' }, roster)).toEqual({ act: 'expense.cosign', personId: 'person:v' })
    expect(unentitledSigner('comment', { by: 'person:c1', role: 'chair' }, roster)).toBeNull()
    expect(unentitledSigner('comment', { by: 'person:sup', role: 'chair' }, roster)).toEqual({ act: 'meeting.sign-chair', personId: 'person:sup' })
    expect(unentitledSigner('comment', { by: 'person:c1', role: 'supervisor' }, roster)).toEqual({ act: 'meeting.sign-supervisor', personId: 'person:c1' })
    expect(unentitledSigner('voidlist', { openedBy: ['person:sup', 'person:v'] }, roster)).toEqual({ act: 'seal.open', personId: 'person:v' })
  })
  it('someone not on the roster signs nothing; a plain comment asks no role', () => {
    expect(unentitledSigner('cosign', { supervisorId: 'person:gone' }, roster)).toEqual({ act: 'expense.cosign', personId: 'person:gone' })
    expect(unentitledSigner('comment', { by: 'person:v', text: '同意' }, roster)).toBeNull()
  })
})
