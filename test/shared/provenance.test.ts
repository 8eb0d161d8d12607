import { afterEach, describe, expect, it } from 'vitest'
import { newSigningKeyPair } from '@/shared/signature'
import {
  TrustStore, createSigner, issueCertificate, issueTrustList, recordProvenance, refusalContent, signChallenge, signedContent,
  useWebCryptoEd25519, verifyChallenge, verifySigned, type DeviceKeyEntry, type Signer,
} from '@/shared/provenance'

const VILLAGE = 'qingbo'
const hub = createSigner(newSigningKeyPair().secretKey)
const tabA = createSigner(newSigningKeyPair().secretKey)
const tabB = createSigner(newSigningKeyPair().secretKey)
const entry = (device: string, s: Signer, extra: Partial<DeviceKeyEntry> = {}): DeviceKeyEntry =>
  ({ device, village: VILLAGE, publicKey: s.publicKey, enrolledAt: 1_780_000_000_000, unsignedUpTo: 0, ...extra })

async function signed<T extends object>(s: Signer, doc: T): Promise<T & { sig: string }> {
  return { ...doc, sig: await s.sign(signedContent(doc)) }
}
const ballot = (device: string, extra: Record<string, unknown> = {}) => ({
  id: 'ballot:b1', kind: 'ballot', v: 1, village: VILLAGE, year: 2026, author: 'person:clerk', device, deviceTime: 1_790_000_000_000,
  seq: 7, ref: 'vote:v1', body: { voteId: 'vote:v1', approvals: ['project:a'], castAt: 1_790_000_000_000 }, ...extra,
})

async function trustWith(...entries: DeviceKeyEntry[]): Promise<TrustStore> {
  const t = new TrustStore(VILLAGE, hub.publicKey)
  expect(await t.addList(await issueTrustList(hub, VILLAGE, entries, 1_790_000_000_000))).toBeNull()
  return t
}

afterEach(() => useWebCryptoEd25519(null))

describe('device signatures', () => {
  it('WebCrypto and the JavaScript fallback give the same signature, and each verifies the other', async () => {
    const value = { id: 'comment:c1', body: { text: '路灯坏了' }, seq: 3 }
    useWebCryptoEd25519(true)
    const fast = await tabA.sign(value)
    expect(await verifySigned(value, fast, tabA.publicKey)).toBe(true)
    useWebCryptoEd25519(false)
    const slow = await tabA.sign(value)
    expect(slow).toBe(fast)
    expect(tabA.signSync(value)).toBe(fast)
    expect(await verifySigned(value, fast, tabA.publicKey)).toBe(true)
    expect(await verifySigned({ ...value, seq: 4 }, fast, tabA.publicKey)).toBe(false)
    useWebCryptoEd25519(true)
    expect(await verifySigned({ ...value, seq: 4 }, fast, tabA.publicKey)).toBe(false)
    expect(await verifySigned(value, fast, tabB.publicKey)).toBe(false)
    for (const bad of [undefined, 42, '', 'not base64!', fast.slice(0, -4)]) expect(await verifySigned(value, bad, tabA.publicKey)).toBe(false)
  })
})

describe('certificates and trust lists', () => {
  it('a certificate the hub issued is taken for its village only; a forged or altered one is not', async () => {
    const cert = await issueCertificate(hub, entry('dev-a', tabA), 1_790_000_000_000)
    expect(await new TrustStore(VILLAGE, hub.publicKey).addCertificate(cert)).toBeNull()
    expect(await new TrustStore('other', hub.publicKey).addCertificate(cert)).toMatch(/another village/)
    expect(await new TrustStore(VILLAGE, hub.publicKey).addCertificate({ ...cert, publicKey: tabB.publicKey })).toMatch(/not issued by this village's hub/)
    const rogueHub = createSigner(newSigningKeyPair().secretKey)
    expect(await new TrustStore(VILLAGE, hub.publicKey).addCertificate(await issueCertificate(rogueHub, entry('dev-a', tabA), 1))).toMatch(/not issued/)
    expect(await new TrustStore(VILLAGE, hub.publicKey).addCertificate({ format: 'yishi-cert/1' })).toMatch(/not a device certificate/)
  })

  it('a tablet\'s name is certified with its key: it cannot be renamed on the way, and an older list without it does not erase it', async () => {
    const cert = await issueCertificate(hub, entry('tab-a', tabA, { label: '二组会议室' }), 1_790_000_000_000)
    expect(cert.label).toBe('二组会议室')
    expect(await new TrustStore(VILLAGE, hub.publicKey).addCertificate(cert)).toBeNull()
    expect(await new TrustStore(VILLAGE, hub.publicKey).addCertificate({ ...cert, label: '镇政府' })).toMatch(/not issued by this village's hub/)
    const t = await trustWith(entry('tab-a', tabA, { label: '二组会议室' }))
    expect(await t.addList(await issueTrustList(hub, VILLAGE, [entry('tab-a', tabA)], 1_790_000_000_001))).toBeNull()
    expect(t.devices.get('tab-a')?.label).toBe('二组会议室')
  })

  it('a revocation in any list sticks: the revoked device\'s certificate and later lists cannot undo it', async () => {
    const trust = await trustWith(entry('dev-a', tabA), entry('dev-b', tabB, { revokedAt: 1_790_000_000_500 }))
    expect(await trust.addCertificate(await issueCertificate(hub, entry('dev-b', tabB), 1_790_000_001_000))).toMatch(/revoked/)
    // an older list (issued before the revocation) handed on by a peer does not bring device B back
    expect(await trust.addList(await issueTrustList(hub, VILLAGE, [entry('dev-b', tabB)], 1_789_000_000_000))).toBeNull()
    expect(trust.devices.get('dev-b')?.revokedAt).toBe(1_790_000_000_500)
    expect(trust.list?.issuedAt).toBe(1_790_000_000_000)
    // a second key for a known device is refused
    expect(await trust.addCertificate(await issueCertificate(hub, entry('dev-a', tabB), 1_790_000_002_000))).toMatch(/two different keys/)
    const list = await issueTrustList(hub, VILLAGE, [entry('dev-a', tabA)], 1)
    expect(await trust.addList({ ...list, devices: [entry('dev-a', tabB)] })).toMatch(/not issued/)
    expect(await new TrustStore('other', hub.publicKey).addList(list)).toMatch(/another village/)
  })
})

describe('where a record came from', () => {
  it('accepts a record its enrolled device signed, and names what is wrong otherwise', async () => {
    const trust = await trustWith(entry('dev-a', tabA), entry('dev-b', tabB), entry('dev-r', tabB, { device: 'dev-r', revokedAt: 5 }))
    const good = await signed(tabA, ballot('dev-a'))
    expect(await recordProvenance(good, trust)).toEqual({ ok: true, by: 'device' })
    // CouchDB form, with bookkeeping fields, is the same record
    const { id, ...rest } = good
    expect(await recordProvenance({ ...rest, _id: id, _rev: '1-abc' }, trust)).toEqual({ ok: true, by: 'device' })

    const altered = { ...good, body: { ...good.body, approvals: ['project:b'] } }
    expect(await recordProvenance(altered, trust)).toMatchObject({ ok: false, reason: expect.stringMatching(/altered on the way/) })
    // B signs a record in A's name
    expect(await recordProvenance(await signed(tabB, ballot('dev-a')), trust)).toMatchObject({ ok: false, reason: expect.stringMatching(/does not match the signature of device dev-a/) })
    expect(await recordProvenance(ballot('dev-a'), trust)).toMatchObject({ ok: false, unsigned: true })
    expect(await recordProvenance(await signed(tabA, ballot('dev-x')), trust)).toMatchObject({ ok: false, reason: expect.stringMatching(/not known as an enrolled device/) })
    expect(await recordProvenance(await signed(tabB, ballot('dev-r')), trust)).toMatchObject({ ok: false, reason: expect.stringMatching(/revoked/) })
    expect(await recordProvenance(await signed(tabA, ballot('dev-a', { village: 'other' })), trust)).toMatchObject({ ok: false, reason: expect.stringMatching(/belongs to village "other"/) })
  })

  it('the hub\'s own records and refused markers need the hub\'s signature', async () => {
    const trust = await trustWith(entry('dev-a', tabA))
    const notice = { ...ballot('hub'), id: 'rejection:b1:1', kind: 'rejection', author: 'hub' }
    expect(await recordProvenance(await signed(hub, notice), trust)).toEqual({ ok: true, by: 'hub' })
    expect(await recordProvenance(await signed(tabA, notice), trust)).toMatchObject({ ok: false, reason: expect.stringMatching(/hub did not sign/) })

    const live = await signed(tabA, ballot('dev-a'))
    const refused = { reason: 'the vote was closed', at: 1_790_000_100_000 }
    const marker = { ...live, refused: { ...refused, sig: await hub.sign(refusalContent({ ...live, refused })) } }
    expect(await recordProvenance(marker, trust)).toEqual({ ok: true, by: 'hub' })
    // a tablet that marks another's live record refused (to hide it on a peer) is found out
    expect(await recordProvenance({ ...live, refused: { ...refused, sig: await tabA.sign(refusalContent({ ...live, refused })) } }, trust)).toMatchObject({ ok: false, reason: expect.stringMatching(/not by the hub/) })
    // an unsigned marker (as the hub wrote them before) cannot be checked: not taken from a peer, not suspect either
    expect(await recordProvenance({ ...live, refused }, trust)).toMatchObject({ ok: false, unsigned: true })
    expect(await recordProvenance({ ...marker, refused: { ...marker.refused, reason: 'other' } }, trust)).toMatchObject({ ok: false })
  })
})

describe('peer challenges', () => {
  it('prove the key of a certificate, and a signed challenge never passes for a signed record', async () => {
    const challenge = { nonce: 'n-123', fingerprints: ['AA:BB', 'CC:DD'] }
    const answer = await signChallenge(tabA, challenge)
    expect(await verifyChallenge({ publicKey: tabA.publicKey }, challenge, answer)).toBe(true)
    expect(await verifyChallenge({ publicKey: tabB.publicKey }, challenge, answer)).toBe(false)
    expect(await verifyChallenge({ publicKey: tabA.publicKey }, { ...challenge, nonce: 'n-124' }, answer)).toBe(false)
    // a malicious peer sends a record's content as its "challenge": the answer does not sign that record
    const trust = await trustWith(entry('dev-a', tabA))
    const forged = ballot('dev-a', { body: { voteId: 'vote:v1', approvals: ['project:mine'], castAt: 1 } })
    const sig = await signChallenge(tabA, signedContent(forged))
    expect(await recordProvenance({ ...forged, sig }, trust)).toMatchObject({ ok: false })
  })
})
