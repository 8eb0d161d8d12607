import { describe, expect, it } from 'vitest'
import { newSigningKeyPair } from '@/shared/signature'
import { signAct } from '@/shared/personacts'
import { actIdNamesSigners, idMustNameSigners, personKeyId, signedActId } from '@/shared/signedids'
import { FILLER, certifiedClerkKey, testHub, witnessedKey } from '../support/personkeys'

// Issue #14: the hub keeps keys and acts it cannot fully check yet; no such record may take the id a genuine one will use.
const T0 = Date.UTC(2026, 4, 1)
const hub = testHub()
const clerk = certifiedClerkKey('qingbo', 'person:clerk', T0, 'personkey:clerk', hub.secretKey)

describe('a person key\'s id is the digest of its content', () => {
  const key = witnessedKey('qingbo', 'person:sup1', T0 + 100, 'ignored', clerk)
  const { id: _, ...body } = { ...key.record, ...FILLER }

  it('is the same for the same record, whatever the order of its fields or an id and village beside it', () => {
    const id = personKeyId(body)
    expect(id).toMatch(/^personkey:[0-9a-f]{32}$/)
    expect(personKeyId(Object.fromEntries(Object.entries(body).reverse()))).toBe(id)
    expect(personKeyId({ ...body, id: 'personkey:whatever', villageId: 'qingbo' })).toBe(id)
  })

  it('differs for another public key, the same key with another witness signature, or another sealed secret', () => {
    const id = personKeyId(body)
    expect(personKeyId({ ...body, publicKey: newSigningKeyPair().publicKey })).not.toBe(id)
    expect(personKeyId({ ...body, witness: { keyId: body.witness!.keyId, signature: 'A'.repeat(86) } })).not.toBe(id)
    expect(personKeyId({ ...body, secret: '00'.repeat(48) })).not.toBe(id)
  })
})

describe('a signed act\'s id ends with its signers\' key ids', () => {
  const sup = witnessedKey('qingbo', 'person:sup1', T0 + 100, 'personkey:0123abcd', clerk)
  const sup2 = witnessedKey('qingbo', 'person:sup2', T0 + 100, 'personkey:4567ef', clerk)
  const cosign = (id: string, keyId = sup.record.id) => {
    const c = { id, ledgerId: 'ledger:l1', supervisorId: 'person:sup1', approve: true, note: '', at: T0 + 1000 }
    return { ...c, keyId, signature: signAct('cosign', 'qingbo', { ...c }, sup.secret) }
  }

  it('one signer: the id ends with their key\'s id; signed with another key, or under an old free id, it does not', () => {
    const id = signedActId('cosign', 'm1abc', [sup.record.id])
    expect(id).toBe('cosign:m1abc.0123abcd')
    expect(actIdNamesSigners('cosign', cosign(id))).toBe(true)
    expect(actIdNamesSigners('cosign', cosign(id, sup2.record.id))).toBe(false)
    expect(actIdNamesSigners('cosign', cosign('cosign:m1abc'))).toBe(false)
    expect(actIdNamesSigners('cosign', { ...cosign(id), keyId: '' })).toBe(false)
  })

  it('several signers (a void list): a digest of their key ids in any order; a list signed with another key set does not match', () => {
    const id = signedActId('voidlist', 'v1', [sup2.record.id, sup.record.id])
    expect(id).toBe(signedActId('voidlist', 'v1', [sup.record.id, sup2.record.id]))
    const list = (signers: string[]) => ({ id, voteId: 'vote:v1', ballotIds: ['ballot:b1'], openedBy: ['person:sup1', 'person:sup2'], decisions: ['decision:d1'], at: T0,
      signatures: [{ personId: 'person:sup1', keyId: signers[0]!, signature: 'x' }, { personId: 'person:sup2', keyId: signers[1]!, signature: 'y' }] })
    expect(actIdNamesSigners('voidlist', list([sup.record.id, sup2.record.id]))).toBe(true)
    expect(actIdNamesSigners('voidlist', list([sup.record.id, 'personkey:other']))).toBe(false)
  })

  it('a seal key signed over its sealed secret (claim 3) names its signer\'s key in its id whatever that key\'s standing; an older seal key and other acts only when their key waits', () => {
    expect(idMustNameSigners('sealkey', { claim: 3 })).toBe(true)
    expect(idMustNameSigners('sealkey', {})).toBe(false)
    expect(idMustNameSigners('cosign', { claim: 3 })).toBe(false)
  })
})
