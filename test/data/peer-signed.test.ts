/**
 * Pairing with the tablet's real device trust (src/data/peer/deviceTrust.ts): records signed by
 * their device key at write time, certificates issued by a hub key, the village's list of keys with
 * revocations. What a relaying tablet alters, or a device the hub revoked, is refused.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { DEVICE_KEY_KEY, TRUST_KEY, memoryKeyValue, quarantined } from '@/data'
import type { YishiDoc } from '@/shared/schemas'
import { deviceTrust } from '@/data/peer/deviceTrust'
import { createSigner, issueCertificate, issueTrustList, type DeviceCertificate } from '@/shared/provenance'
import { newSigningKeyPair } from '@/shared/signature'
import { signSuccession, type RetiredKey } from '@/shared/hubkeys'
import { TEST_HUB, VILLAGE, openTablet, until } from './helpers'
import { pair, recordsOf, type PeerTablet } from './peer-helpers'

const open: PeerTablet[] = []
const kvs = new Map<string, ReturnType<typeof memoryKeyValue>>()
const pairings: { close(): Promise<void> }[] = []
afterEach(async () => {
  for (const p of pairings.splice(0)) await p.close()
  for (const t of open.splice(0)) await t.remove()
})

/** A tablet as enrollment leaves it: a device key, the hub's key pinned, its certificate (and, when given, the village's list). */
async function enrolled(device: string, opts: { village?: string; hub?: typeof TEST_HUB; retired?: RetiredKey[]; list?: (c: DeviceCertificate) => Promise<unknown> } = {}): Promise<PeerTablet> {
  const village = opts.village ?? VILLAGE
  const hub = opts.hub ?? TEST_HUB
  const keys = newSigningKeyPair()
  const certificate = await issueCertificate(hub, { device, village, publicKey: keys.publicKey, enrolledAt: 1, unsignedUpTo: 0 }, Date.now())
  const kv = memoryKeyValue()
  kvs.set(device, kv)
  kv.setItem(DEVICE_KEY_KEY, JSON.stringify({ device, ...keys, unsignedUpTo: 0, createdAt: 1 }))
  kv.setItem(TRUST_KEY, JSON.stringify({ hubKey: hub.publicKey, retired: opts.retired ?? [], certificate, list: opts.list ? await opts.list(certificate) : null }))
  const t = await openTablet(device, { village, signer: createSigner(keys.secretKey) })
  const trust = await deviceTrust(kv, t.vdb, device)
  if (!trust) throw new Error('no trust')
  const tablet = { ...t, device, trust, certificate } as unknown as PeerTablet
  open.push(tablet)
  return tablet
}

describe('pairing with device signatures', () => {
  it('syncs signed records both ways, and on through a third tablet checked against the certificate handed on', async () => {
    const a = await enrolled('tab-a'); const b = await enrolled('tab-b'); const c = await enrolled('tab-c')
    await a.data.proposals.create({ title: '甲的提议', proposedBy: 'person:a', createdAt: Date.now() })
    await b.data.proposals.create({ title: '乙的提议', proposedBy: 'person:a', createdAt: Date.now() })
    const ab = await pair(a, b); pairings.push(ab)
    const [sa, sb] = await Promise.all([until(ab.a.state$, (s) => s.phase === 'live'), until(ab.b.state$, (s) => s.phase === 'live')])
    expect([sa.refused, sb.refused]).toEqual([[], []])
    await ab.close()
    // C has never met A: B hands on A's certificate, and A's records check against it
    const bc = await pair(b, c); pairings.push(bc)
    const sc = await until(bc.b.state$, (s) => s.phase === 'live')
    expect(sc.refused).toEqual([])
    expect((await c.data.proposals.list()).map((p) => p.title).sort()).toEqual(['乙的提议', '甲的提议'])
    expect([...(await recordsOf(c)).keys()].sort()).toEqual([...(await recordsOf(a)).keys()].sort())
  })

  it('refuses what the relaying tablet altered, keeps it in the quarantine with the reason', async () => {
    const a = await enrolled('tab-a'); const b = await enrolled('tab-b'); const c = await enrolled('tab-c')
    const p = await a.data.proposals.create({ title: '修水渠', proposedBy: 'person:a', createdAt: Date.now() })
    const ab = await pair(a, b); pairings.push(ab)
    await until(ab.b.state$, (s) => s.phase === 'live')
    await ab.close()
    const held = (await b.vdb.docs.findOne(p.id).exec())!
    await held.incrementalModify((d) => ({ ...d, body: { ...d.body, title: '修乙家门口的路' } }))
    const bc = await pair(b, c); pairings.push(bc)
    const sc = await until(bc.b.state$, (s) => s.phase === 'live')
    expect(await c.vdb.docs.findOne(p.id).exec()).toBeNull()
    expect(sc.refused.find((r) => r.id === p.id)?.reason).toMatch(/does not match the signature of device tab-a/)
    const kept = (await quarantined(c.vdb)).find((q) => q.id === p.id)
    expect(kept?.from).toBe('peer:tab-b')
    expect((kept?.doc as YishiDoc).body.title).toBe('修乙家门口的路')
  })

  it('refuses a tablet of another village, one another hub enrolled, and one this hub revoked', async () => {
    const a = await enrolled('tab-a')
    const other = await enrolled('tab-x', { village: 'other-village' })
    const stranger = await enrolled('tab-s', { hub: createSigner(newSigningKeyPair().secretKey) })
    const revoked = await enrolled('tab-r')
    const witness = await enrolled('tab-w', { list: async (mine) => issueTrustList(TEST_HUB, VILLAGE, [
      { device: 'tab-w', village: VILLAGE, publicKey: mine.publicKey, enrolledAt: 1, unsignedUpTo: 0 },
      { device: 'tab-r', village: VILLAGE, publicKey: revoked.certificate.publicKey, enrolledAt: 1, unsignedUpTo: 0, revokedAt: 2 },
    ], Date.now()) })
    const reasons: string[] = []
    for (const [x, y] of [[other, a], [stranger, a], [revoked, witness]] as const) {
      const p = await pair(x, y); pairings.push(p)
      reasons.push((await until(p.b.state$, (s) => s.phase === 'refused' || s.phase === 'ended')).problem?.reason ?? 'none')
    }
    expect(reasons).toEqual(['other-village', 'not-enrolled', 'revoked'])
    expect(await a.data.proposals.list()).toEqual([])
  })
})

describe('pairing across a rotation of the hub\'s key', () => {
  it('a tablet still on the old key follows the history its peer hands on, and both take each other\'s records', async () => {
    const b = await enrolled('tab-b') // certified by key 1, before the rotation
    const key2 = createSigner(newSigningKeyPair().secretKey)
    const succession = await signSuccession(TEST_HUB, 2, key2.publicKey, Date.now() + 1)
    const a = await enrolled('tab-a', {
      hub: key2, retired: [{ key: TEST_HUB.publicKey, until: succession.from }],
      list: async (mine) => issueTrustList(key2, VILLAGE, [{ device: 'tab-a', village: VILLAGE, publicKey: mine.publicKey, enrolledAt: 1, unsignedUpTo: 0 }], Date.now() + 2, [succession]),
    })
    await a.data.proposals.create({ title: '换钥匙后的提议', proposedBy: 'person:a', createdAt: Date.now() })
    await b.data.proposals.create({ title: '旧钥匙时的提议', proposedBy: 'person:a', createdAt: Date.now() })
    const ab = await pair(a, b); pairings.push(ab)
    const [sa, sb] = await Promise.all([until(ab.a.state$, (s) => s.phase === 'live'), until(ab.b.state$, (s) => s.phase === 'live')])
    expect([sa.refused, sb.refused]).toEqual([[], []])
    for (const t of [a, b]) expect((await t.data.proposals.list()).map((p) => p.title).sort()).toEqual(['换钥匙后的提议', '旧钥匙时的提议'])
    // B moved its pin to key 2 through the succession key 1 signed
    expect(JSON.parse(kvs.get('tab-b')!.getItem(TRUST_KEY)!)).toMatchObject({ hubKey: key2.publicKey, retired: [{ key: TEST_HUB.publicKey, until: succession.from }] })
  })

  it('without the history, a tablet on the old key refuses a peer certified by the new one, and keeps its pin', async () => {
    const key2 = createSigner(newSigningKeyPair().secretKey)
    const succession = await signSuccession(TEST_HUB, 2, key2.publicKey, Date.now())
    const a = await enrolled('tab-a', { hub: key2, retired: [{ key: TEST_HUB.publicKey, until: succession.from }] })
    const b = await enrolled('tab-b')
    const p = await pair(a, b); pairings.push(p)
    expect((await until(p.b.state$, (s) => s.phase === 'refused' || s.phase === 'ended')).problem?.reason).toBe('not-enrolled')
    expect(JSON.parse(kvs.get('tab-b')!.getItem(TRUST_KEY)!).hubKey).toBe(TEST_HUB.publicKey)
  })
})
