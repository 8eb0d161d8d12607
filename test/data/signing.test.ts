import { afterAll, describe, expect, it } from 'vitest'
import { checkIncoming, keepCertificate, keepList, knownCertificates, storedTrust, exportUnsynced, importBundle, memoryKeyValue, registerDeviceKey, deviceKey, noteUnsignedUpTo, loadTrust } from '@/data'
import type { YishiDoc } from '@/shared/schemas'
import { verifyAuditChain } from '@/domain/audit'
import type { AuditEvent } from '@/domain/model/types'
import { newSigningKeyPair } from '@/shared/signature'
import { recordProvenance, type TrustStore } from '@/shared/provenance'
import { keyEntry, openKeyedTablet, openTablet, trustOf, TEST_HUB, type Tablet } from './helpers'

async function stored(t: Tablet): Promise<YishiDoc[]> {
  return (await t.vdb.docs.find().exec()).map((d) => d.toJSON() as YishiDoc)
}

async function unproven(docs: YishiDoc[], trust: TrustStore): Promise<string[]> {
  const out: string[] = []
  for (const d of docs) if (!(await recordProvenance(d, trust)).ok) out.push(d.id)
  return out
}

describe('records signed by their device', () => {
  const tablets: Tablet[] = []
  afterAll(async () => { for (const t of tablets) await t.remove() })

  it('signs every write, its audit event and a merged version; the audit chain stays whole', async () => {
    // A's clock runs a minute ahead: its edit is the later one
    const a = await openKeyedTablet('tab-sa', { now: () => Date.now() + 60_000 }); const b = await openKeyedTablet('tab-sb'); tablets.push(a, b)
    const trust = await trustOf(b.certificate, [keyEntry(a)])
    const p = await a.data.proposals.create({ title: '修路', status: 'open', proposedBy: 'person:a', createdAt: Date.now() })
    await a.data.comments.create({ text: '同意', on: p.id, by: 'person:a', at: Date.now() })
    expect(await importBundle(b.vdb, await exportUnsynced(a.vdb, a.data.writer, a, 0), trust)).toMatchObject({ added: 4, refused: [] })
    // both edit the proposal, B first; B takes A's later edit from a file: the merged version is B's write
    const seqA = a.data.writer.lastSeq
    await b.data.proposals.update(p.id, { status: 'shortlisted' })
    await a.data.proposals.update(p.id, { title: '修村口的路' })
    expect(await importBundle(b.vdb, await exportUnsynced(a.vdb, a.data.writer, a, seqA), trust)).toMatchObject({ merged: 1, conflicts: 1, refused: [] })
    const merged = (await b.vdb.docs.findOne(p.id).exec())!.toJSON() as YishiDoc
    expect(merged.body).toMatchObject({ title: '修村口的路' })
    expect(merged.device).toBe('tab-sb')

    for (const t of [a, b]) {
      const docs = await stored(t)
      expect(docs.every((d) => typeof d.sig === 'string')).toBe(true)
      expect(await unproven(docs, trust)).toEqual([])
      const events = docs.filter((d) => d.kind === 'audit').map((d) => ({ ...(d.body as unknown as AuditEvent), id: d.id }))
      const reports = verifyAuditChain(events, { records: docs.filter((d) => d.kind !== 'audit') })
      expect(reports.filter((r) => !r.ok).map((r) => r.summary)).toEqual([])
    }
    // B's chain records the merge it signed
    const events = (await stored(b)).filter((d) => d.kind === 'audit' && d.device === 'tab-sb').map((d) => d.body as { action: string; subjectId: string })
    expect(events.filter((e) => e.action === 'merge').map((e) => e.subjectId)).toEqual([p.id])
  })
})

describe('records received from another tablet', () => {
  it('passes versions already held (unsigned ones too), leaves unsigned new ones to the hub, and refuses a revoked device\'s', async () => {
    const old = await openTablet('tab-old'); const a = await openKeyedTablet('tab-ra'); const b = await openKeyedTablet('tab-rb')
    try {
      const legacy = await old.data.comments.create({ text: '旧版本写的', on: '', by: 'person:a', at: Date.now() })
      const legacyDoc = (await old.vdb.docs.findOne(legacy.id).exec())!.toJSON() as YishiDoc
      await b.vdb.docs.insert(legacyDoc) // B got it from the hub earlier
      const fresh = await old.data.comments.create({ text: '还没到中心', on: '', by: 'person:a', at: Date.now() })
      const freshDoc = (await old.vdb.docs.findOne(fresh.id).exec())!.toJSON() as YishiDoc
      await a.data.comments.create({ text: '撤销前写的', on: '', by: 'person:a', at: Date.now() })
      const fromA = (await exportUnsynced(a.vdb, a.data.writer, a, 0)).docs
      const trust = await trustOf(b.certificate, [keyEntry(a, { revokedAt: Date.now() })])
      const checked = await checkIncoming(b.vdb, [legacyDoc, freshDoc, ...fromA], trust)
      expect(checked.present).toBe(1)
      expect(checked.fresh).toEqual([])
      expect(checked.unchecked.map((r) => r.id)).toEqual([fresh.id])
      expect(checked.refused.map((r) => r.reason)).toEqual([expect.stringMatching(/revoked/), expect.stringMatching(/revoked/)])
    } finally { for (const t of [old, a, b]) await t.remove() }
  })
})

describe('a tablet enrolled before keys existed', () => {
  it('makes its key once, records which of its records stay unsigned, and registers it with the hub once', async () => {
    const kv = memoryKeyValue()
    const first = deviceKey(kv, 'dev-old', 5)
    expect(first.unsignedUpTo).toBeNull()
    expect(deviceKey(kv, 'dev-old', 6)).toEqual(first)
    noteUnsignedUpTo(kv, 'dev-old', 41)
    noteUnsignedUpTo(kv, 'dev-old', 99) // only the first opening counts
    expect(deviceKey(kv, 'dev-old').unsignedUpTo).toBe(41)

    const certificate = await (await import('@/shared/provenance')).issueCertificate(TEST_HUB, { device: 'dev-old', village: 'qingbo', publicKey: first.publicKey, enrolledAt: 1, unsignedUpTo: 41 }, 2)
    const calls: { url: string; body: unknown; auth: string | null }[] = []
    const hub: typeof fetch = async (input, init) => {
      calls.push({ url: String(input), body: init?.body ? JSON.parse(String(init.body)) : null, auth: new Headers(init?.headers).get('authorization') })
      return new Response(JSON.stringify({ hubKey: TEST_HUB.publicKey, certificate }), { status: 200 })
    }
    const link = { device: 'dev-old', secret: 's3cret', village: 'qingbo', hubUrl: 'http://hub.test' }
    expect(await registerDeviceKey(kv, link, hub)).toBe(true)
    expect(await registerDeviceKey(kv, link, hub)).toBe(false)
    expect(calls).toEqual([{ url: 'http://hub.test/couch/_hub/device-key', body: { publicKey: first.publicKey, unsignedUpTo: 41 }, auth: `Basic ${btoa('dev-old:s3cret')}` }])
    const trust = await loadTrust(kv, 'qingbo')
    expect(trust?.devices.get('dev-old')?.publicKey).toBe(first.publicKey)

    // a hub that answers with a certificate for another key is not believed
    const kv2 = memoryKeyValue()
    deviceKey(kv2, 'dev-old'); noteUnsignedUpTo(kv2, 'dev-old', 0)
    await expect(registerDeviceKey(kv2, link, hub)).rejects.toThrow(/certificate for this tablet is not valid/)
    expect(await loadTrust(kv2, 'qingbo')).toBeNull()
  })
})

describe('the village\'s list of device keys on a tablet', () => {
  it('keeps a newer list signed by the pinned hub key (from the hub or handed on by a peer), never an older or forged one', async () => {
    const kv = memoryKeyValue()
    const key = deviceKey(kv, 'dev-k'); noteUnsignedUpTo(kv, 'dev-k', 0)
    const { issueCertificate, issueTrustList, createSigner } = await import('@/shared/provenance')
    const certificate = await issueCertificate(TEST_HUB, { device: 'dev-k', village: 'qingbo', publicKey: key.publicKey, enrolledAt: 1, unsignedUpTo: 0 }, 2)
    const hub: typeof fetch = async () => new Response(JSON.stringify({ hubKey: TEST_HUB.publicKey, certificate }), { status: 200 })
    await registerDeviceKey(kv, { device: 'dev-k', secret: 's', village: 'qingbo', hubUrl: '' }, hub)
    const entry = { device: 'dev-k', village: 'qingbo', publicKey: key.publicKey, enrolledAt: 1, unsignedUpTo: 0 }
    const revokedEntry = { ...entry, device: 'dev-gone', revokedAt: 3 }
    expect(await keepList(kv, 'qingbo', await issueTrustList(TEST_HUB, 'qingbo', [entry], 10))).toBeNull()
    expect(await keepList(kv, 'qingbo', await issueTrustList(TEST_HUB, 'qingbo', [entry, revokedEntry], 20))).toBeNull()
    expect(await keepList(kv, 'qingbo', await issueTrustList(TEST_HUB, 'qingbo', [entry], 15))).toBeNull()
    expect(storedTrust(kv)?.list?.issuedAt).toBe(20)
    const rogue = createSigner(newSigningKeyPair().secretKey)
    expect(await keepList(kv, 'qingbo', await issueTrustList(rogue, 'qingbo', [entry], 30))).toMatch(/not issued by this village's hub/)
    expect(storedTrust(kv)?.list?.issuedAt).toBe(20)
    expect((await loadTrust(kv, 'qingbo'))?.devices.get('dev-gone')?.revokedAt).toBe(3)
  })

  it('keeps the certificates of tablets it met, hands them on, and stops trusting one once a list revokes it', async () => {
    const kv = memoryKeyValue()
    const key = deviceKey(kv, 'dev-k'); noteUnsignedUpTo(kv, 'dev-k', 0)
    const { issueCertificate, issueTrustList } = await import('@/shared/provenance')
    const own = await issueCertificate(TEST_HUB, { device: 'dev-k', village: 'qingbo', publicKey: key.publicKey, enrolledAt: 1, unsignedUpTo: 0 }, 2)
    await registerDeviceKey(kv, { device: 'dev-k', secret: 's', village: 'qingbo', hubUrl: '' }, async () => new Response(JSON.stringify({ hubKey: TEST_HUB.publicKey, certificate: own }), { status: 200 }))
    const peerKey = newSigningKeyPair()
    const peer = await issueCertificate(TEST_HUB, { device: 'dev-p', village: 'qingbo', publicKey: (await import('@/shared/signature')).publicKeyOf(peerKey.secretKey), enrolledAt: 5, unsignedUpTo: 0 }, 6)
    expect(await keepCertificate(kv, 'qingbo', peer)).toBeNull()
    expect(await keepCertificate(kv, 'qingbo', { ...peer, device: 'dev-q' })).toMatch(/not issued/)
    expect(knownCertificates(kv).map((c) => c.device)).toEqual(['dev-k', 'dev-p'])
    expect((await loadTrust(kv, 'qingbo'))?.devices.get('dev-p')?.publicKey).toBe(peer.publicKey)
    const { format: _f, issuedAt: _i, sig: _s, ...entry } = peer
    expect(await keepList(kv, 'qingbo', await issueTrustList(TEST_HUB, 'qingbo', [{ ...entry, revokedAt: 9 }], 10))).toBeNull()
    expect((await loadTrust(kv, 'qingbo'))?.devices.get('dev-p')?.revokedAt).toBe(9)
    expect(await keepCertificate(kv, 'qingbo', peer)).toMatch(/revoked/)
  })
})
