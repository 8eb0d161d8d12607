import { afterEach, describe, expect, it } from 'vitest'
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory'
import QuarantineView from '@/features/quarantine/QuarantineView.vue'
import HomeSyncCard from '@/features/home/HomeSyncCard.vue'
import { TRUST_KEY, checkIncoming, createRepositories, memoryKeyValue, openVillageDatabase, quarantine, type KeyValue } from '@/data'
import { refusalOf } from '@/data/oldRefusals'
import { createSigner, issueTrustList, recordProvenance, TrustStore, type Signer } from '@/shared/provenance'
import { newSigningKeyPair } from '@/shared/signature'
import { validateDocument, type YishiDoc } from '@/shared/schemas'
import { useDeviceNamesStore } from '@/stores/deviceNames'
import { useQuarantineStore } from '@/stores/quarantine'
import { useSessionStore } from '@/stores/session'
import { mountFeature } from '../support/mount'
import { VILLAGE, eventually, openTestVillage } from '../support/village'

const hub = createSigner(newSigningKeyPair().secretKey)
const keys = () => createSigner(newSigningKeyPair().secretKey)
let village: Awaited<ReturnType<typeof openTestVillage>> | undefined
const others: { remove(): Promise<unknown> }[] = []
afterEach(async () => {
  await village?.close(); village = undefined
  for (const db of others.splice(0)) await db.remove()
  document.body.innerHTML = ''
})

/** A proposal as tablet `device` writes and signs it (its own RxDB, its own device key). */
async function writtenBy(device: string, signer: Signer, title = '修水渠'): Promise<YishiDoc> {
  const vdb = await openVillageDatabase({ villageId: VILLAGE, storage: getRxStorageMemory(), name: `q${Math.random().toString(36).slice(2)}` })
  others.push(vdb.db)
  const data = await createRepositories(vdb, { villageId: VILLAGE, deviceId: device, actor: () => 'person:a', signer })
  const p = await data.proposals.create({ title, proposedBy: 'person:a', createdAt: Date.now() })
  const { _meta: _m, _rev: _r, _attachments: _a, _deleted: _d, ...doc } = (await vdb.docs.findOne(p.id).exec())!.toJSON(true) as Record<string, unknown>
  return doc as unknown as YishiDoc
}

/** What a tablet keeps after its hub answered: the hub's key and the village's list of tablets (with their names). */
async function trusted(devices: { device: string; signer: Signer; label?: string; revokedAt?: number }[]): Promise<{ kv: KeyValue; trust: TrustStore }> {
  const list = await issueTrustList(hub, VILLAGE, devices.map((d) => ({
    device: d.device, village: VILLAGE, publicKey: d.signer.publicKey, enrolledAt: 1, unsignedUpTo: 0,
    ...(d.label ? { label: d.label } : {}), ...(d.revokedAt ? { revokedAt: d.revokedAt } : {}),
  })), Date.now())
  const kv = memoryKeyValue()
  kv.setItem(TRUST_KEY, JSON.stringify({ hubKey: hub.publicKey, certificate: null, list }))
  const trust = new TrustStore(VILLAGE, hub.publicKey)
  expect(await trust.addList(list)).toBeNull()
  return { kv, trust }
}

const altered = (doc: YishiDoc): YishiDoc => ({ ...doc, body: { ...(doc.body as object), title: '修水渠（改过）' } } as YishiDoc)

describe('why a record was refused: decided by code where it is checked', () => {
  it('each check gives its own code and names what it is about, none falls to "other"', async () => {
    const a = keys(); const gone = keys()
    const { trust } = await trusted([{ device: 'dev-a', signer: a }, { device: 'dev-gone', signer: gone, revokedAt: 5 }])
    const doc = await writtenBy('dev-a', a)
    const refusal = async (d: object) => { const p = await recordProvenance(d, trust); if (p.ok) throw new Error('taken'); return [p.code, p.params.device] }
    expect(await refusal(altered(doc))).toEqual(['proof.altered', 'dev-a'])
    expect(await refusal(await writtenBy('dev-stranger', keys()))).toEqual(['proof.unknown-device', 'dev-stranger'])
    expect(await refusal(await writtenBy('dev-gone', gone))).toEqual(['proof.revoked', 'dev-gone'])
    expect((await refusal({ ...doc, village: 'elsewhere' }))[0]).toBe('record.other-village')
    const { sig: _s, ...unsigned } = doc
    expect(await refusal(unsigned)).toEqual(['proof.unsigned', 'dev-a'])
    expect((await refusal({ ...doc, device: 'hub' }))[0]).toBe('proof.forged-hub')
    village = await openTestVillage()
    const noTrust = await checkIncoming(village.vdb, [doc], null)
    expect(noTrust.unchecked[0]!.code).toBe('proof.no-trust')
    const invalid = validateDocument({ ...doc, body: { nonsense: true } })
    expect(invalid.ok ? null : [invalid.code, invalid.params]).toEqual(['form.missing', { kind: 'proposal', field: 'title' }])
    const long = validateDocument({ ...doc, body: { ...(doc.body as object), title: '长'.repeat(5000) } })
    expect(long.ok ? null : [long.code, long.params.kind, long.params.field]).toEqual(['form.too-long', 'proposal', 'title'])
  })

  it('reads the reasons of an older hub or tablet (no code) by their old sentences, and a code it does not know as "other"', () => {
    // reasons exactly as the checks wrote them before codes (2026-12)
    const old: [string, string, Record<string, unknown>][] = [
      ['proposal:x does not match the signature of device dev-a: it was altered on the way, or not written by that device', 'proof.altered', {}],
      ['proposal:x was written by device dev-b, which is not known as an enrolled device of this village', 'proof.unknown-device', {}],
      ['proposal:x was written by device dev-b, which the hub has revoked', 'proof.revoked', {}],
      ['proposal:x is not signed by its device: it can come only from device dev-a itself or from the hub', 'proof.unsigned', {}],
      ['this tablet has not reached the hub yet, so it cannot check records from other tablets', 'proof.no-trust', {}],
      ['the vote was closed (2026-12-01T10:00:00.000Z) before this ballot was recorded', 'vote.closed', { kind: 'ballot', at: Date.UTC(2026, 11, 1, 10) }],
      ['this checkoff was recorded before the vote opened (2026-12-01T10:00:00.000Z)', 'vote.not-open', { kind: 'checkoff', at: Date.UTC(2026, 11, 1, 10) }],
      ['the vote vote:x is not in the hub\'s records', 'vote.unknown', {}],
      ['a ballot cannot be changed once recorded', 'record.immutable', {}],
      ['proposal: title is missing', 'form.missing', { kind: 'proposal', field: 'title' }],
      ['proposal: title is longer than 200 characters', 'form.invalid', { kind: 'proposal' }],
      ['device dev-a signs its records since it registered its key, but this one (seq 9) is not signed', 'proof.unsigned-after-key', {}],
      ['something nobody wrote yet', 'other', {}],
    ]
    for (const [reason, code, params] of old) expect(refusalOf({ reason }), reason).toEqual({ code, params })
    // a code decides, whatever the English says; a newer hub's code this tablet does not know is "other"
    expect(refusalOf({ code: 'proof.altered', params: { device: 'dev-a' }, reason: 'reworded: the content and its signature disagree' })).toEqual({ code: 'proof.altered', params: { device: 'dev-a' } })
    expect(refusalOf({ code: 'proof.quantum', params: {}, reason: 'does not match the signature of device dev-a' }).code).toBe('other')
  })
})

describe('没有收下的记录', () => {
  async function screen(devices: Parameters<typeof trusted>[0], from: string, docs: YishiDoc[]) {
    village = await openTestVillage()
    const { kv, trust } = await trusted(devices)
    // the tablet's own check of what a peer sent (the same the pairing runs), and its quarantine
    const check = await checkIncoming(village.vdb, docs, trust)
    expect(check.refused.length).toBe(docs.length)
    await quarantine(village.vdb, from, check.refused, Date.UTC(2026, 11, 3, 6, 30))
    useSessionStore(village.pinia).setEnrollment({ villageId: VILLAGE, villageName: '青坝村', townshipName: '', deviceId: 'tablet-test' })
    useDeviceNamesStore(village.pinia).attach(village.data, { kv })
    useQuarantineStore(village.pinia).attach(village.data)
    return mountFeature(QuarantineView, { pinia: village.pinia, path: '/device/quarantine' })
  }

  it('shows a tampered record from a peer: from which tablet by name, when, why in words, what to do', async () => {
    const b = keys()
    const doc = await writtenBy('dev-9f3e2a7c41b0', b)
    const { wrapper } = await screen([{ device: 'dev-9f3e2a7c41b0', signer: b, label: '二组会议室' }], 'peer:dev-9f3e2a7c41b0', [altered(doc)])
    await eventually(() => wrapper.find('[data-testid="quarantine-group"]').exists() && wrapper.text().includes('「'))
    const group = wrapper.get('[data-testid="quarantine-group"]')
    expect(group.attributes('data-code')).toBe('proof.altered')
    expect(group.text()).toContain('1 条记录，来自平板「二组会议室」（平板之间同步）')
    expect(group.text()).toContain('内容在传过来的路上被改过')
    expect(group.text()).toContain('请告诉镇上工作人员是平板「二组会议室」传来的')
    expect(group.text()).toMatch(/2026/)
    // no English reason, no raw id, nothing that takes the record in
    expect(wrapper.text()).not.toMatch(/signature|device|dev-9f3e|proposal:/)
    expect(wrapper.find('button[data-testid*="accept"]').exists()).toBe(false)
    wrapper.unmount()
  })

  it('names a tablet enrolled without a name by a short label, never its raw id', async () => {
    const b = keys()
    const { wrapper } = await screen([{ device: 'dev-9f3e2a7c41b0', signer: b }], 'file:dev-9f3e2a7c41b0', [altered(await writtenBy('dev-9f3e2a7c41b0', b))])
    await eventually(() => wrapper.find('[data-testid="quarantine-group"]').exists())
    expect(wrapper.get('[data-testid="quarantine-group"]').text()).toContain('来自平板（编号尾号 41B0）（导入的文件）')
    expect(wrapper.text()).not.toContain('dev-9f3e2a7c41b0')
    wrapper.unmount()
  })

  it('lists what the hub refused of this tablet, and home flags the screen while anything is refused', async () => {
    village = await openTestVillage()
    useSessionStore(village.pinia).setEnrollment({ villageId: VILLAGE, villageName: '青坝村', townshipName: '', deviceId: 'tablet-test' })
    const store = useQuarantineStore(village.pinia)
    store.attach(village.data)
    const home = await mountFeature(HomeSyncCard, { pinia: village.pinia })
    expect(home.wrapper.find('[data-testid="home-quarantine"]').exists()).toBe(false)
    await village.data.rejections.create({ subjectId: 'ballot:lights:x1', reason: 'the vote was closed (2026-12-01T10:00:00.000Z) before this ballot was recorded', device: 'tablet-test', seq: 4, at: Date.UTC(2026, 11, 2) })
    await eventually(() => home.wrapper.find('[data-testid="home-quarantine"]').exists())
    expect(home.wrapper.get('[data-testid="home-quarantine"]').text()).toContain('有 1 条记录没有被收下')
    expect(home.wrapper.get('[data-testid="home-quarantine"]').attributes('href')).toBe('/device/quarantine')
    home.wrapper.unmount()
    const { wrapper } = await mountFeature(QuarantineView, { pinia: village.pinia, path: '/device/quarantine' })
    const line = wrapper.get('[data-testid="quarantine-hub"]')
    expect(line.attributes('data-code')).toBe('vote.closed')
    expect(line.text()).toContain('本平板的 1 条选票')
    expect(line.text()).toContain('结束了，这条选票是结束以后才记下的，按规则不能算')
    expect(line.text()).not.toMatch(/closed|ballot/)
    wrapper.unmount()
  })

  it('says a refusal by its code whatever its English says, and an older hub\'s notice (no code) by its old sentence', async () => {
    village = await openTestVillage()
    useSessionStore(village.pinia).setEnrollment({ villageId: VILLAGE, villageName: '青坝村', townshipName: '', deviceId: 'tablet-test' })
    useQuarantineStore(village.pinia).attach(village.data)
    // a newer hub rewords its English: the code decides the words
    await village.data.rejections.create({ subjectId: 'proposal:p1', code: 'form.missing', params: { kind: 'proposal', field: 'title' }, reason: 'proposal lacks its heading', device: 'tablet-test', seq: 3, at: Date.UTC(2026, 11, 2) })
    // an older hub wrote no code: its sentence is read as before
    await village.data.rejections.create({ subjectId: 'proposal:p2', reason: 'proposal: motion is missing', device: 'tablet-test', seq: 4, at: Date.UTC(2026, 11, 1) })
    const { wrapper } = await mountFeature(QuarantineView, { pinia: village.pinia, path: '/device/quarantine' })
    await eventually(() => wrapper.findAll('[data-testid="quarantine-hub"]').length === 2)
    const [reworded, old] = wrapper.findAll('[data-testid="quarantine-hub"]')
    expect(reworded!.attributes('data-code')).toBe('form.missing')
    expect(reworded!.text()).toContain('这条提议缺了“标题”。')
    expect(old!.attributes('data-code')).toBe('form.missing')
    expect(old!.text()).toContain('这条提议缺了“议题”。')
    expect(wrapper.text()).not.toMatch(/heading|missing|proposal/)
    wrapper.unmount()
  })
})
