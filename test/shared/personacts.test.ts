import { describe, expect, it } from 'vitest'
import { newSigningKeyPair, signValue } from '@/shared/signature'
import { actSigner, personKeyClaim, signAct, claimedSignatures, mayWitness, signedCosigns, unentitledSigner, unsignedClaim, verifyPersonKey, type PersonKeyRecord } from '@/shared/personacts'

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

describe('who may witness a person key', () => {
  it('a clerk on the roster; anyone who typed a clerk PIN only while the roster names no clerk', () => {
    const roster = [{ id: 'person:clerk', roles: ['clerk'] }, { id: 'person:v1', roles: [] }]
    expect(mayWitness({ witnessedBy: 'person:clerk' }, roster)).toBe(true)
    expect(mayWitness({ witnessedBy: 'person:v1' }, roster)).toBe(false)
    expect(mayWitness({ witnessedBy: 'person:nobody' }, roster)).toBe(false)
    expect(mayWitness({ witnessedBy: 'person:v1' }, [{ id: 'person:v1', roles: [] }])).toBe(true)
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
