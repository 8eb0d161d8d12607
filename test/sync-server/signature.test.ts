/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers of the hub */
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newSigningKeyPair } from '../../src/shared/signature'
import { appendAudit, recordDigest } from '../../src/domain/audit'
import { TrustStore, createSigner, recordProvenance, refusalContent, signedContent, verifySigned, type Signer } from '../../src/shared/provenance'
import { startHub, type RunningHub } from '../support/hub'
import { basic, couch, provision, type Provisioned } from './helpers'

let hub: RunningHub
let p: Provisioned
let n = 0

interface KeyedDevice { id: string; secret: string; village: string; signer: Signer; certificate: any; hubKey: string; auth: string }

/** Enrolls a tablet the way the app does: with the public key of a key pair made on the tablet. */
async function enrollKeyed(village: string): Promise<KeyedDevice> {
  const signer = createSigner(newSigningKeyPair().secretKey)
  const e = await couch(hub, '_hub/enrollments', { body: { village } })
  const d = await couch(hub, '_hub/enroll', { auth: null, body: { code: e.body.code, label: `keyed ${++n}`, publicKey: signer.publicKey } })
  expect(d.status).toBe(201)
  return { id: d.body.device, secret: d.body.secret, village, signer, certificate: d.body.certificate, hubKey: d.body.hubKey, auth: basic(d.body.device, d.body.secret) }
}

let seq = 100
function comment(village: string, device: string, text: string, extra: Record<string, unknown> = {}) {
  const rest = `c${++seq}-${device}`
  return { _id: `comment:${rest}`, kind: 'comment', v: 1, village, year: 2026, author: 'person:p1', device, deviceTime: Date.now(), seq, ref: '', body: { text, on: '', by: 'person:p1', at: Date.now() }, ...extra }
}
async function signed<T extends object>(d: KeyedDevice, doc: T): Promise<T & { sig: string }> {
  return { ...doc, sig: await d.signer.sign(signedContent(doc)) }
}

type Row = { ok?: boolean; id: string; error?: string; reason?: string }
async function push(village: string, auth: string, docs: unknown[]): Promise<Row[]> {
  const r = await couch(hub, `village-${village}/_bulk_docs`, { auth, body: { docs } })
  expect(r.status).toBe(201)
  return r.body
}
const hubDoc = async (village: string, id: string) => (await couch(hub, `village-${village}/${encodeURIComponent(id)}`)).body

beforeAll(async () => {
  hub = await startHub()
  p = await provision(hub, { township: 'tk', villages: ['ka', 'kb'] })
})
afterAll(async () => { await hub?.stop({ removeData: true }) })

describe('device keys at the hub', () => {
  it('certifies the key sent at enrollment with the hub\'s key, and lists the village\'s keys for those who may read the village', async () => {
    const a = await enrollKeyed('ka')
    const trust = new TrustStore('ka', a.hubKey)
    expect(await trust.addCertificate(a.certificate)).toBeNull()
    expect(a.certificate).toMatchObject({ device: a.id, village: 'ka', publicKey: a.signer.publicKey, unsignedUpTo: 0 })

    const list = await couch(hub, '_hub/trust', { auth: a.auth })
    expect(list.status).toBe(200)
    expect(await trust.addList(list.body)).toBeNull()
    expect(list.body.devices.map((d: any) => d.device)).toContain(a.id)
    // the name given at enrollment is certified with the key: in the certificate and in the list
    expect(a.certificate.label).toMatch(/^keyed \d+$/)
    expect(list.body.devices.find((d: any) => d.device === a.id)?.label).toBe(a.certificate.label)
    // devices without a key (enrolled by an older app) are not listed
    expect(list.body.devices.map((d: any) => d.device)).not.toContain(p.devices[0]!.id)
    expect((await couch(hub, '_hub/trust?village=ka', { auth: basic(p.staff.name, p.staff.password) })).status).toBe(200)
    expect((await couch(hub, '_hub/trust?village=ka', { auth: basic(p.devices[1]!.id, p.devices[1]!.secret) })).body.village).toBe('kb')
    expect((await couch(hub, '_hub/trust?village=ka', { auth: null })).status).toBe(401)
    // a key that is not a key is refused at enrollment
    const e = await couch(hub, '_hub/enrollments', { body: { village: 'ka' } })
    expect((await couch(hub, '_hub/enroll', { auth: null, body: { code: e.body.code, label: 'x', publicKey: 'short' } })).status).toBe(400)
  })

  it('registers the key of a tablet enrolled before keys once, and from then on takes only its older records unsigned', async () => {
    const old = p.devices[0]!
    const auth = basic(old.id, old.secret)
    // before it has a key, it syncs unsigned records as always, each told in its audit chain
    const before = comment('ka', old.id, '旧版本写的', { seq: 5 })
    const { id: auditId, ...event } = appendAudit(null, { device: old.id, at: Date.now(), actor: 'person:p1', action: 'insert', subjectId: before._id, digest: recordDigest(before) })
    const audit = { ...comment('ka', old.id, ''), _id: auditId, kind: 'audit', ref: '', body: event, seq: 6 }
    expect((await push('ka', auth, [before, audit])).map((r) => r.ok)).toEqual([true, true])
    // but another tablet cannot bring them: nothing proves who wrote them
    const carrier = await enrollKeyed('ka')
    expect((await push('ka', carrier.auth, [comment('ka', old.id, '别人带来的', { seq: 4 })]))[0]!.reason).toMatch(/sent by device .* without its signature/)

    // it may declare unsigned only what the hub already holds from it (seq 6), not records still to come
    const signer = createSigner(newSigningKeyPair().secretKey)
    const reg = await couch(hub, '_hub/device-key', { auth, body: { publicKey: signer.publicKey, unsignedUpTo: 1000 } })
    expect(reg.status).toBe(200)
    expect(reg.body.certificate).toMatchObject({ device: old.id, publicKey: signer.publicKey, unsignedUpTo: 6 })
    expect((await couch(hub, '_hub/device-key', { auth, body: { publicKey: signer.publicKey, unsignedUpTo: 6 } })).status).toBe(200)
    const other = createSigner(newSigningKeyPair().secretKey)
    expect((await couch(hub, '_hub/device-key', { auth, body: { publicKey: other.publicKey, unsignedUpTo: 6 } })).status).toBe(409)
    expect((await couch(hub, '_hub/device-key', { auth: basic(p.clerk.name, p.clerk.password), body: { publicKey: other.publicKey, unsignedUpTo: 0 } })).status).toBe(403)

    const device = { id: old.id, signer } as KeyedDevice
    const [olderUnsigned, newerUnsigned, newerSigned] = await push('ka', auth, [
      comment('ka', old.id, '旧的，再同步一次', { seq: 3 }),
      comment('ka', old.id, '新的，没有签名', { seq: 7 }),
      await signed(device, comment('ka', old.id, '新的，签了名', { seq: 9 })),
    ])
    expect(olderUnsigned).toMatchObject({ ok: true })
    expect(newerUnsigned).toMatchObject({ error: 'conflict', reason: expect.stringMatching(/signs its records since it registered its key/) })
    expect(newerSigned).toMatchObject({ ok: true })
  })
})

describe('records relayed by another tablet', () => {
  it('takes a record another tablet of the village brings when its device signed it; refuses it altered, unsigned or forged, and quarantines it', async () => {
    const a = await enrollKeyed('ka'); const b = await enrollKeyed('ka'); const outsider = await enrollKeyed('kb')
    const relayed = await signed(a, comment('ka', a.id, '在院坝会上写的'))
    const altered = { ...(await signed(a, comment('ka', a.id, '原话'))), body: { text: '改过的话', on: '', by: 'person:p1', at: Date.now() } }
    const unsigned = comment('ka', a.id, '没有签名')
    const byOtherKey = await signed(b, comment('ka', a.id, '冒名'))
    const fromOtherVillage = await signed(outsider, comment('ka', outsider.id, '外村的平板'))
    const rows = await push('ka', b.auth, [relayed, altered, unsigned, byOtherKey, fromOtherVillage])
    expect(rows[0]).toMatchObject({ ok: true, id: relayed._id })
    expect(rows.slice(1).map((r) => r.error)).toEqual(['conflict', 'conflict', 'conflict', 'conflict'])
    expect(rows[1]!.reason).toMatch(/altered on the way/)
    expect(rows[2]!.reason).toMatch(/signs its records since it registered its key, but this one .* is not signed/)
    expect(rows[3]!.reason).toMatch(/does not match the signature of device/)
    expect(rows[4]!.reason).toMatch(/not known as an enrolled device of this village/)

    const stored = await hubDoc('ka', relayed._id)
    expect(stored).toMatchObject({ device: a.id, sig: relayed.sig })
    expect(stored.refused).toBeUndefined()
    const q = (await couch(hub, '_hub/quarantine?db=village-ka')).body as any[]
    const entry = q.find((e) => e.docId === altered._id)
    expect(entry).toMatchObject({ principal: b.id, reason: expect.stringMatching(/altered/) })
    expect(entry.doc.body.text).toBe('改过的话')

    // the hub's refused marker (given back to the tablet that pushed it, and to no one else) and its rejection
    // notice carry the hub's signature, so a peer can tell them from a forgery
    const trust = new TrustStore('ka', a.hubKey)
    const marker = (await couch(hub, `village-ka/_all_docs?include_docs=true&keys=${encodeURIComponent(JSON.stringify([altered._id]))}`, { auth: b.auth })).body.rows[0].doc
    expect(marker.refused.reason).toMatch(/altered/)
    expect(await verifySigned(refusalContent(marker), marker.refused.sig, a.hubKey)).toBe(true)
    expect(await recordProvenance(marker, trust)).toEqual({ ok: true, by: 'hub' })
    const notices = await couch(hub, 'village-ka/_all_docs?include_docs=true&startkey="rejection:"&endkey="rejection:\ufff0"')
    const notice = notices.body.rows.map((r: any) => r.doc).find((d: any) => d.body.subjectId === altered._id)
    expect(await recordProvenance(notice, trust)).toEqual({ ok: true, by: 'hub' })
    // and a tablet cannot pass off its own "hub" notice or marker
    const fakeNotice = { ...notice, _id: `${notice._id}x`, _rev: undefined, body: { ...notice.body, reason: '假的' } }
    expect((await push('ka', b.auth, [fakeNotice]))[0]!.reason).toMatch(/hub did not sign/)
  })

  it('checks a relayed push sent gzipped, as tablets send them, on the records once inflated', async () => {
    const a = await enrollKeyed('ka'); const b = await enrollKeyed('ka')
    const relayed = await signed(a, comment('ka', a.id, '压缩后转交的'))
    const altered = { ...(await signed(a, comment('ka', a.id, '压缩前的原话'))), body: { text: '压缩前改过', on: '', by: 'person:p1', at: Date.now() } }
    const res = await fetch(`${hub.url}/couch/village-ka/_bulk_docs`, {
      method: 'POST', body: new Uint8Array(gzipSync(JSON.stringify({ docs: [relayed, altered] }))),
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', authorization: b.auth }, signal: AbortSignal.timeout(20_000),
    })
    expect(res.status).toBe(201)
    const rows = await res.json() as Row[]
    expect(rows[0]).toMatchObject({ ok: true, id: relayed._id })
    expect(rows[1]).toMatchObject({ error: 'conflict', reason: expect.stringMatching(/altered on the way/) })
    expect(await hubDoc('ka', relayed._id)).toMatchObject({ device: a.id, sig: relayed.sig })
    const q = (await couch(hub, '_hub/quarantine?db=village-ka')).body as any[]
    expect(q.find((e) => e.docId === altered._id)).toMatchObject({ principal: b.id, reason: expect.stringMatching(/altered/) })
  })

  it('stops taking a device\'s records from others once it is revoked, and lists the revocation', async () => {
    const a = await enrollKeyed('ka'); const b = await enrollKeyed('ka')
    const before = await signed(a, comment('ka', a.id, '撤销之前'))
    expect((await push('ka', b.auth, [before]))[0]).toMatchObject({ ok: true })
    expect((await couch(hub, `_hub/devices/${a.id}/revoke`, { method: 'POST' })).status).toBe(200)
    const after = await signed(a, comment('ka', a.id, '撤销之后'))
    expect((await push('ka', b.auth, [after]))[0]!.reason).toMatch(/which the hub has revoked/)
    const list = (await couch(hub, '_hub/trust', { auth: b.auth })).body
    expect(list.devices.find((d: any) => d.device === a.id).revokedAt).toEqual(expect.any(Number))
    // a tablet that takes in this list refuses the revoked tablet's certificate
    const trust = new TrustStore('ka', b.hubKey)
    expect(await trust.addList(list)).toBeNull()
    expect(await trust.addCertificate(a.certificate)).toMatch(/revoked/)
  })
})

describe('export files', () => {
  it('takes a file signed with its device key from anyone of the village, and refuses it changed', async () => {
    const a = await enrollKeyed('ka')
    const rx = (d: Record<string, unknown>) => { const { _id, ...rest } = d; return { ...rest, id: _id } }
    const docs = [rx(await signed(a, comment('ka', a.id, '文件里的一条'))), rx(await signed(a, comment('ka', a.id, '文件里的另一条')))]
    const unsigned = { format: 'yishi-export/2', village: 'ka', device: a.id, createdAt: Date.now(), upToSeq: seq, docs, certificate: a.certificate }
    const file = { ...unsigned, signature: await a.signer.sign(unsigned) }
    const clerk = basic(p.clerk.name, p.clerk.password)
    expect((await couch(hub, '_hub/import', { auth: clerk, body: file })).body).toMatchObject({ added: 2, skipped: 0, refused: [] })
    expect((await couch(hub, '_hub/import', { auth: clerk, body: file })).body).toMatchObject({ added: 0, skipped: 2 })
    const changed = { ...file, docs: [rx(await signed(a, comment('ka', a.id, '后加的')))] }
    const r = await couch(hub, '_hub/import', { auth: clerk, body: changed })
    expect(r.status).toBe(403)
    expect(r.body.reason).toMatch(/signature does not match/)
  })
})
