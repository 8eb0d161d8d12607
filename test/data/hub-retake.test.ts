/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers of the hub */
/**
 * A supervisor's co-signature that reached the hub before their key: real RxDB on the tablet, syncing
 * through a real hub. The hub refuses it at first (the tablet holds it marked refused, and pulls the
 * village's notice of it); once another tablet brings the key, the hub takes the co-signature itself
 * (sync-server/couch/push.ts `retake`), and the tablet's next sync shows it taken, with no refusal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signAct } from '@/shared/personacts'
import { BODY_VERSIONS, PARENT_FIELD, type DocKind, type YishiDoc } from '@/shared/schemas'
import { startHub, type RunningHub } from '../support/hub'
import { FILLER, witnessedKey, type MadeKey } from '../support/personkeys'
import { basic, couch, hubCertifiedClerkKey, provision, setRoles, type Provisioned } from '../sync-server/helpers'
import { openSyncedTablet, type SyncedTablet } from './sync-helpers'

const VILLAGE = 'hr'
const T0 = Date.now() - 3_600_000
let hub: RunningHub
let p: Provisioned
let other: { id: string; auth: string }
let clerk: MadeKey
let tablet: SyncedTablet | null = null
let seq = 0

function envelope(kind: DocKind, id: string, body: Record<string, unknown>, device: string): YishiDoc {
  const ref = String(body[PARENT_FIELD[kind] ?? ''] ?? '')
  return { id, kind, v: BODY_VERSIONS[kind], village: VILLAGE, year: 2026, author: 'person:clerk', device, deviceTime: Date.now(), seq: ++seq, ref, body } as YishiDoc
}
/** Pushed over HTTP by the other tablet (`_id` for `id`). */
async function pushOther(docs: YishiDoc[]): Promise<any[]> {
  const r = await couch(hub, `village-${VILLAGE}/_bulk_docs`, { auth: other.auth, body: { docs: docs.map(({ id, ...rest }) => ({ _id: id, ...rest })) } })
  expect(r.status, JSON.stringify(r.body)).toBe(201)
  return r.body
}
const keyDoc = (k: MadeKey) => { const { id, ...claim } = k.record; return envelope('personkey', id, { ...claim, ...FILLER }, other.id) }

beforeAll(async () => {
  hub = await startHub()
  p = await provision(hub, { township: 'ht', villages: [VILLAGE] })
  other = { id: p.devices[0]!.id, auth: basic(p.devices[0]!.id, p.devices[0]!.secret) }
  const roster = await pushOther(['clerk', 'sup1'].map((n) => envelope('person', `person:${n}`, { name: n, householdId: 'household:1', eligible: true, roles: [] }, other.id)))
  expect(roster.every((r) => r.ok), JSON.stringify(roster)).toBe(true)
  const clerkAuth = basic(p.clerk.name, p.clerk.password)
  await setRoles(hub, VILLAGE, 'person:clerk', ['clerk'], clerkAuth)
  await setRoles(hub, VILLAGE, 'person:sup1', ['supervisor'], clerkAuth)
  clerk = await hubCertifiedClerkKey(hub, VILLAGE, clerkAuth, T0 - 60_000)
  const key = await pushOther([keyDoc(clerk)])
  expect(key[0].ok, JSON.stringify(key)).toBe(true)
})
afterAll(async () => {
  await tablet?.close().catch(() => undefined)
  await hub?.stop({ removeData: true })
})

describe('a record the hub quarantined for want of what it rests on, on a tablet', () => {
  it('the tablet ends up holding the co-signature taken, with no refusal, once another tablet brings the supervisor\'s key to the hub', async () => {
    tablet = await openSyncedTablet(hub, VILLAGE)
    expect(await tablet.sync.syncNow(20_000)).toBe(true)
    // 监事sup1 co-signs on this tablet with a key made on the other tablet, which has not synced yet
    const key = witnessedKey(VILLAGE, 'person:sup1', T0, 'personkey:sup1', clerk)
    const id = 'cosign:c1'
    const fields = { ledgerId: 'ledger:l1', supervisorId: 'person:sup1', approve: true, note: '', at: T0 + 60_000 }
    await tablet.vdb.docs.insert(envelope('cosign', id, { ...fields, keyId: key.record.id, signature: signAct('cosign', VILLAGE, { id, ...fields }, key.secret) }, tablet.device.id))
    expect(await tablet.sync.syncNow(20_000)).toBe(true)
    const held = async () => (await tablet!.vdb.docs.findOne(id).exec())?.toJSON() as YishiDoc | undefined
    // refused for now: the hub does not hold the key it is signed with
    expect((await held())?.refused).toBeDefined()
    expect((await tablet.data.rejections.list()).map((r) => r.subjectId)).toContain(id)

    // the other tablet syncs the key; this tablet's next sync brings the hub's verdict
    expect((await pushOther([keyDoc(key)]))[0].ok).toBe(true)
    expect(await tablet.sync.syncNow(20_000)).toBe(true)
    const now = await held()
    expect(now).toMatchObject({ kind: 'cosign', body: { supervisorId: 'person:sup1', approve: true } })
    expect(now?.refused).toBeUndefined()
    expect((await tablet.data.rejections.list()).map((r) => r.subjectId)).not.toContain(id)
    expect((await tablet.data.cosignatures.list()).map((c) => c.id)).toContain(id)
  })
})
