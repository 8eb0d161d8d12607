import { describe, expect, it } from 'vitest'
import { fromBase64Url, newSigningKeyPair, publicKeyOf, signValue, toBase64Url, verifyValue } from '@/shared/signature'

describe('record signatures (Ed25519 over canonical JSON)', () => {
  const keys = newSigningKeyPair()
  const record = { id: 'ballot:x1', kind: 'ballot', body: { approvals: ['proposal:a', 'proposal:b'] }, seq: 7 }

  it('verifies what its key signed, whatever the order of the object keys', () => {
    const sig = signValue(record, keys.secretKey)
    const reordered = { seq: 7, body: { approvals: ['proposal:a', 'proposal:b'] }, kind: 'ballot', id: 'ballot:x1' }
    expect(verifyValue(reordered, sig, keys.publicKey)).toBe(true)
  })

  it('refuses an altered record, another key, and malformed input', () => {
    const sig = signValue(record, keys.secretKey)
    expect(verifyValue({ ...record, body: { approvals: ['proposal:a'] } }, sig, keys.publicKey)).toBe(false)
    expect(verifyValue(record, sig, newSigningKeyPair().publicKey)).toBe(false)
    expect(verifyValue(record, sig.slice(0, -2), keys.publicKey)).toBe(false)
    expect(verifyValue(record, 'not base64!', keys.publicKey)).toBe(false)
    expect(verifyValue(record, sig, 'AAAA')).toBe(false)
  })

  it('derives the public key from the secret key, and base64url round-trips bytes', () => {
    expect(publicKeyOf(keys.secretKey)).toBe(keys.publicKey)
    const bytes = new Uint8Array([0, 1, 250, 251, 252, 253, 254, 255])
    expect(fromBase64Url(toBase64Url(bytes))).toEqual(bytes)
    expect(toBase64Url(bytes)).not.toMatch(/[+/=]/)
  })
})
