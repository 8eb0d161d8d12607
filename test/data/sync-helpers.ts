/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers of the hub */
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory'
import { certifyClerkKey, createRepositories, createSync, deviceSigner, enrollDevice as enrollWithApp, loadTrust, memoryKeyValue, newSigningPersonKey, openVillageDatabase, refreshTrust, type VillageSync } from '@/data'
import { TRUST_KEY } from '@/data/identity'
import type { RunningHub } from '../support/hub'
import { basic, couch, setRoles } from '../sync-server/helpers'

let n = 0

export async function enrollDevice(hub: RunningHub, village: string): Promise<{ id: string; secret: string }> {
  const e = await couch(hub, '_hub/enrollments', { body: { village } })
  if (e.status !== 201) throw new Error(`enrollment: ${e.status} ${JSON.stringify(e.body)}`)
  const d = await couch(hub, '_hub/enroll', { auth: null, body: { code: e.body.code, label: `tablet ${++n}` } })
  if (d.status !== 201) throw new Error(`enroll: ${d.status} ${JSON.stringify(d.body)}`)
  return { id: d.body.device, secret: d.body.secret }
}

/** A tablet enrolled with the hub: its own RxDB database, repositories and sync controller. */
export async function openSyncedTablet(hub: RunningHub, village: string, opts: { now?: () => number; batchSize?: number } = {}) {
  const device = await enrollDevice(hub, village)
  const vdb = await openVillageDatabase({ villageId: village, storage: getRxStorageMemory(), name: `sync${Date.now().toString(36)}${n}` })
  const data = await createRepositories(vdb, { villageId: village, deviceId: device.id, actor: () => 'person:clerk', ...(opts.now ? { now: opts.now } : {}) })
  const sync: VillageSync = await createSync(vdb, device.id, { hubUrl: hub.url, credentials: { device: device.id, secret: device.secret }, batchSize: opts.batchSize ?? 200, heartbeat: 5_000, ...(opts.now ? { now: opts.now } : {}) })
  return {
    device, vdb, data, sync,
    async close() { await sync.stop(); await vdb.db.remove() },
    /** Every document as the tablet holds it, by id, without RxDB bookkeeping. */
    async snapshot(): Promise<Map<string, string>> {
      const docs = await vdb.docs.find().exec()
      return new Map(docs.map((d) => { const j = d.toJSON() as any; return [j.id, JSON.stringify([j.kind, j.body, j.device, j.seq, !!j.refused])] }))
    },
  }
}
export type SyncedTablet = Awaited<ReturnType<typeof openSyncedTablet>>

/** A tablet enrolled the way the app does it (identity.enrollDevice: a key pair, the hub's key and certificate), signing every record. */
export async function openKeyedSyncedTablet(hub: RunningHub, village: string) {
  const e = await couch(hub, '_hub/enrollments', { body: { village } })
  const kv = memoryKeyValue()
  const enrollment = await enrollWithApp(kv, { hubUrl: hub.url, code: e.body.code, label: `keyed tablet ${++n}` })
  const device = { id: enrollment.device, secret: enrollment.secret }
  const vdb = await openVillageDatabase({ villageId: village, storage: getRxStorageMemory(), name: `ksync${Date.now().toString(36)}${n}` })
  const data = await createRepositories(vdb, { villageId: village, deviceId: device.id, actor: () => 'person:clerk', signer: deviceSigner(kv, device.id) })
  const sync: VillageSync = await createSync(vdb, device.id, { hubUrl: hub.url, credentials: { device: device.id, secret: device.secret }, batchSize: 200, heartbeat: 5_000 })
  const link = { device: device.id, secret: device.secret, village, hubUrl: hub.url }
  return {
    device, kv, vdb, data, sync, link,
    /** What this tablet trusts, after fetching the village's keys from the hub. */
    async trust() { await refreshTrust(kv, link); return loadTrust(kv, village) },
    async close() { await sync.stop(); await vdb.db.remove() },
  }
}

export async function hubDocCount(hub: RunningHub, village: string): Promise<number> {
  const r = await couch(hub, `village-${village}/_all_docs?limit=0`)
  if (r.status !== 200) throw new Error(`_all_docs: ${r.status} ${JSON.stringify(r.body)}`)
  return r.body.total_rows as number
}

/**
 * The village's clerk (`person:clerk`, on the roster as clerk) with their own key certified by this
 * real hub (POST /_hub/clerk-key with the village's clerk account), as the key screen does once
 * online; the tablet's stores then verify it against the hub key in the returned `kv` (what the
 * tablet pinned at enrollment). The clerk opens their key with `passphrase` to witness others' keys.
 */
export async function withCertifiedClerk(hub: RunningHub, t: SyncedTablet, account: { name: string; password: string }, passphrase: string) {
  await t.data.persons.create({ id: 'person:clerk', name: '王文书', householdId: 'household:clerk', roles: [] })
  if (!(await t.sync.syncNow(20_000))) throw new Error('the roster did not reach the hub')
  // roles count only signed: the clerk's account has the hub sign the clerk's role, and the tablet pulls it
  await setRoles(hub, t.data.writer.identity.villageId, 'person:clerk', ['clerk'], basic(account.name, account.password))
  if (!(await t.sync.syncNow(20_000))) throw new Error('the signed roster did not come back from the hub')
  const keys = await couch(hub, '_hub/hub-keys')
  const kv = memoryKeyValue()
  kv.setItem(TRUST_KEY, JSON.stringify({ hubKey: keys.body.hubKey, certificate: null, list: null }))
  const hubKeys = { current: String(keys.body.hubKey), retired: [] }
  const { record } = await newSigningPersonKey({
    personId: 'person:clerk', passphrase, repeat: passphrase, createdAt: Date.now() - 60_000,
    voucher: { certify: (publicKey) => certifyClerkKey({ hubUrl: hub.url, village: t.data.writer.identity.villageId, hubKeys }, account, { personId: 'person:clerk', publicKey }) },
  })
  await t.data.personKeys.create({ ...record })
  return { kv }
}

/**
 * The village's roster as its first tablet sets it up, with roles that count: the people are written
 * with no roles and synced, then the hub signs each one's roles (POST /_hub/roles, as the village's
 * clerk account or township staff would; the admin here) and the tablet pulls them back.
 */
export async function seedRoster(hub: RunningHub, t: { data: SyncedTablet['data']; sync: VillageSync }, people: readonly ({ id: string; roles: readonly string[] } & Record<string, unknown>)[]) {
  for (const p of people) await t.data.persons.create({ ...p, roles: [] })
  if (!(await t.sync.syncNow(30_000))) throw new Error('the roster did not reach the hub')
  const village = t.data.writer.identity.villageId
  for (const p of people) if (p.roles.length > 0) await setRoles(hub, village, p.id, p.roles)
  if (!(await t.sync.syncNow(30_000))) throw new Error('the signed roster did not come back from the hub')
}
