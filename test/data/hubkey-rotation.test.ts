import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import PouchDB from 'pouchdb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { keepList, myCertificate, storedTrust } from '@/data'
import { deviceTrust } from '@/data/peer/deviceTrust'
import { newSigningKeyPair } from '@/shared/signature'
import { signSuccession } from '@/shared/hubkeys'
import { certificateProblem, createSigner, issueTrustList, type TrustList } from '@/shared/provenance'
import { startHub, type RunningHub } from '../support/hub'
import { COUCHDB_TEST_URL, NOT_RUN, couchAdmin, couchEngine, describeEngines, type Engine } from '../support/couchdb'
import { couch, provision } from '../sync-server/helpers'
import { openKeyedSyncedTablet } from './sync-helpers'

// Issue #16, item 3's last part: the hub's signing key is rotated; tablets follow the chain of
// successions, each signed by the key before, and refuse what the retired key signs afterwards.

type Keyed = Awaited<ReturnType<typeof openKeyedSyncedTablet>>
const HUB_KEY_DOC = 'secret:hub-signing'

/**
 * The hub's first key, put in place before the hub starts (the hub takes a stored key as its own):
 * the test holds it as a thief would after a leak, to sign with it once it is retired.
 */
async function seedHubKey(engine: Engine, dataDir: string): Promise<string> {
  const { secretKey } = newSigningKeyPair()
  if (engine.name === 'couchdb') {
    const db = encodeURIComponent(`${engine.env.COUCHDB_PREFIX}hub-accounts`)
    await couchAdmin(COUCHDB_TEST_URL!, 'PUT', db)
    expect((await couchAdmin(COUCHDB_TEST_URL!, 'PUT', `${db}/${encodeURIComponent(HUB_KEY_DOC)}`, { secretKey })).status).toBe(201)
  } else {
    mkdirSync(join(dataDir, 'db'), { recursive: true })
    const db = new PouchDB('hub-accounts', { prefix: join(dataDir, 'db') + '/', adapter: 'leveldb' } as PouchDB.Configuration.DatabaseConfiguration)
    await db.put({ _id: HUB_KEY_DOC, secretKey })
    await db.close()
  }
  return secretKey
}

const rotate = async (hub: RunningHub) => {
  const r = await couch(hub, '_hub/hub-key/rotate', { method: 'POST', body: {} })
  expect(r.status).toBe(200)
  return r.body as { index: number; hubKey: string; from: number; previous: string }
}

describeEngines('the hub\'s signing key rotated', (engine) => {
  let hub: RunningHub
  let firstSecret: string
  const open: Keyed[] = []
  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'yishi-hub-'))
    firstSecret = await seedHubKey(engine(), dataDir)
    hub = await startHub(engine().env, { dataDir })
    await provision(hub, { township: 'kr', villages: ['kv'] })
  })
  afterAll(async () => {
    for (const t of open) await t.close().catch(() => undefined)
    await hub?.stop({ removeData: true }); await engine().cleanup()
  })

  it('a tablet follows two rotations from the hub, gets its certificate again under the new key, and keeps syncing', async () => {
    const a = await openKeyedSyncedTablet(hub, 'kv'); open.push(a)
    const k1 = createSigner(firstSecret).publicKey
    expect(storedTrust(a.kv)!.hubKey).toBe(k1)
    const before = myCertificate(a.kv)!
    const first = await rotate(hub)
    const second = await rotate(hub)
    expect([first.index, first.previous, second.index, second.previous]).toEqual([2, k1, 3, first.hubKey])
    // only the admin rotates
    expect((await couch(hub, '_hub/hub-key/rotate', { method: 'POST', body: {}, auth: `Basic ${Buffer.from(`${a.device.id}:${a.device.secret}`).toString('base64')}` })).status).toBe(403)

    await a.trust()
    const trust = storedTrust(a.kv)!
    expect(trust.hubKey).toBe(second.hubKey)
    expect(trust.retired).toEqual([{ key: k1, until: first.from }, { key: first.hubKey, until: second.from }])
    const after = myCertificate(a.kv)!
    expect(after.issuedAt).toBeGreaterThanOrEqual(second.from)
    expect(await certificateProblem(after, second.hubKey, 'kv')).toBeNull()
    expect(await certificateProblem(before, second.hubKey, 'kv')).not.toBeNull()
    // the certificate from before the rotation still holds for a tablet that knows the history
    expect(await certificateProblem(before, { current: trust.hubKey, retired: trust.retired! }, 'kv')).toBeNull()

    const c = await a.data.comments.create({ text: '换了钥匙以后写的', on: '', by: 'person:a', at: Date.now() })
    expect(await a.sync.syncNow(20_000)).toBe(true)
    expect((await couch(hub, `village-kv/${encodeURIComponent(c.id)}`)).body).toMatchObject({ device: a.device.id })
    expect(await a.data.rejections.count()).toBe(0)
  })

  it('a tablet that has not met the hub since follows the chain its peer hands on; without it, or forged, the peer is refused and the pin stays', async () => {
    const a = await openKeyedSyncedTablet(hub, 'kv'); const b = await openKeyedSyncedTablet(hub, 'kv'); open.push(a, b)
    await a.sync.stop(); await b.sync.stop()
    const pinnedB = storedTrust(b.kv)!.hubKey
    const r = await rotate(hub)
    await a.trust()
    const list = storedTrust(a.kv)!.list!
    expect(list.hubKey).toBe(r.hubKey)
    const peerB = (await deviceTrust(b.kv, b.vdb, b.device.id))!
    // A's certificate, issued under a key B does not know, with no history: refused
    expect(await peerB.checkCertificate(myCertificate(a.kv), {})).toMatchObject({ ok: false, reason: 'not-enrolled' })
    // a history forged by another key: refused, B keeps its pin
    const thief = createSigner(newSigningKeyPair().secretKey)
    const forged = { ...(await signSuccession(thief, list.chain!.length + 2, thief.publicKey, Date.now())), previous: pinnedB }
    const forgedList = await issueTrustList(thief, 'kv', list.devices, Date.now(), [forged])
    expect(await keepList(b.kv, 'kv', forgedList)).toMatch(/not handed over by the key before/)
    expect(await peerB.checkCertificate(myCertificate(a.kv), { list: forgedList })).toMatchObject({ ok: false })
    expect(storedTrust(b.kv)!.hubKey).toBe(pinnedB)
    // the real list as A hands it on: B follows the history and takes A
    expect(await peerB.checkCertificate(myCertificate(a.kv), { list })).toMatchObject({ ok: true, device: a.device.id })
    expect(storedTrust(b.kv)!.hubKey).toBe(r.hubKey)
  })

  it('a list signed with the retired key, dated after the rotation, is refused; one dated before still counts', async () => {
    const a = await openKeyedSyncedTablet(hub, 'kv'); open.push(a)
    await a.sync.stop()
    await a.trust()
    const now = storedTrust(a.kv)!
    expect(now.retired!.length).toBeGreaterThan(0)
    const k1 = createSigner(firstSecret)
    const { until } = now.retired!.find((x) => x.key === k1.publicKey)!
    const devices = (now.list as TrustList).devices
    expect(await keepList(a.kv, 'kv', await issueTrustList(k1, 'kv', devices, until + 1))).toMatch(/retired key/)
    expect(await keepList(a.kv, 'kv', await issueTrustList(k1, 'kv', devices, until - 1))).toBeNull()
    expect(storedTrust(a.kv)!.hubKey).toBe(now.hubKey)
  })
})

describe('two hubs on one Apache CouchDB', () => {
  if (!COUCHDB_TEST_URL) { it.skip(NOT_RUN, () => undefined); return }
  const engine = couchEngine(COUCHDB_TEST_URL)
  let hubs: RunningHub[] = []
  beforeAll(async () => {
    hubs = [await startHub(engine.env), await startHub(engine.env)]
    await provision(hubs[0]!, { township: 'kt', villages: ['kw'] })
  })
  afterAll(async () => { for (const h of hubs) await h.stop({ removeData: true }); await engine.cleanup() })

  it('both sign with the new key once one of them rotates it (every hub follows hub-accounts)', async () => {
    const [one, two] = hubs as [RunningHub, RunningHub]
    const keyOf = async (h: RunningHub) => (await couch(h, '_hub/hub-keys')).body.hubKey as string
    expect(await keyOf(two)).toBe(await keyOf(one))
    const r = await rotate(one)
    // the other hub hears of it through the database's changes: bounded wait, 100 × 100 ms
    for (let i = 0; i < 100 && (await keyOf(two)) !== r.hubKey; i++) await new Promise((res) => setTimeout(res, 100))
    expect(await keyOf(two)).toBe(r.hubKey)
    const list = (await couch(two, '_hub/trust?village=kw')).body as TrustList
    expect(list.hubKey).toBe(r.hubKey)
    expect(list.chain?.map((s) => s.next)).toEqual([r.hubKey])
  })
})
