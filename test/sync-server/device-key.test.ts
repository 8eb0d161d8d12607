/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers of the hub */
import { afterAll, beforeAll, expect, it } from 'vitest'
import { appendAudit, recordDigest } from '../../src/domain/audit'
import { newSigningKeyPair } from '../../src/shared/signature'
import { startHub, type RunningHub } from '../support/hub'
import { describeEngines } from '../support/couchdb'
import { couch, enrollTablet, provision } from './helpers'

// Issue #12's leftover: a tablet enrolled before keys registers its key with the last seq it wrote
// unsigned; the hub takes no more than what it already holds from that tablet, on either engine.

let hub: RunningHub

describeEngines('a tablet registering its key', (engine) => {
  beforeAll(async () => {
    hub = await startHub(engine().env)
    await provision(hub, { township: 'dt', villages: ['da'] })
  })
  afterAll(async () => { await hub?.stop({ removeData: true }); await engine().cleanup() })

  it('declares unsigned at most the highest seq of its records the hub holds (its audit events), never records still to come', async () => {
    const t = await enrollTablet(hub, 'da')
    const envelope = { v: 1, village: 'da', year: 2026, author: 'person:p1', device: t.id, deviceTime: Date.now() }
    // three records with their audit events, seq 1 to 6 (each event stamped after its record)
    let head: ReturnType<typeof appendAudit> | null = null
    const docs: Record<string, unknown>[] = []
    for (let i = 0; i < 3; i++) {
      const record = { ...envelope, _id: `proposal:p${i}-${t.id}`, kind: 'proposal', seq: 2 * i + 1, ref: '', body: { title: `修路 ${i}`, status: 'draft' } }
      head = appendAudit(head, { device: t.id, at: Date.now(), actor: 'person:p1', action: 'insert', subjectId: record._id, digest: recordDigest(record) })
      const { id, ...event } = head
      docs.push(record, { ...envelope, _id: id, kind: 'audit', seq: 2 * i + 2, ref: '', body: event })
    }
    const pushed = await couch(hub, 'village-da/_bulk_docs', { auth: t.auth, body: { docs } })
    expect(pushed.body.map((r: any) => r.ok)).toEqual([true, true, true, true, true, true])

    const reg = await couch(hub, '_hub/device-key', { auth: t.auth, body: { publicKey: newSigningKeyPair().publicKey, unsignedUpTo: 500 } })
    expect(reg.status).toBe(200)
    expect(reg.body.certificate.unsignedUpTo).toBe(6)
    // an unsigned record numbered past it is refused
    const late = { ...envelope, _id: `proposal:late-${t.id}`, kind: 'proposal', seq: 7, ref: '', body: { title: '后来的', status: 'draft' } }
    const [row] = (await couch(hub, 'village-da/_bulk_docs', { auth: t.auth, body: { docs: [late] } })).body
    expect(row).toMatchObject({ error: 'conflict', reason: expect.stringMatching(/not signed/) })
  })

  it('declares nothing unsigned when the hub holds nothing from it', async () => {
    const t = await enrollTablet(hub, 'da')
    const reg = await couch(hub, '_hub/device-key', { auth: t.auth, body: { publicKey: newSigningKeyPair().publicKey, unsignedUpTo: 40 } })
    expect(reg.body.certificate.unsignedUpTo).toBe(0)
  })
})
