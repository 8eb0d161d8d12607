import { afterAll, describe, expect, it } from 'vitest'
import { exportUnsynced, importBundle, quarantined } from '@/data'
import { rolesClaim, signedRoster, HUB_ROLES_KEY, type RolesSig } from '@/shared/rosterroles'
import { startHub, type RunningHub } from '../support/hub'
import { basic, couch, provision, setRoles } from '../sync-server/helpers'
import { openSyncedTablet, seedRoster, type SyncedTablet } from './sync-helpers'
import { TEST_HUB, VILLAGE, eventually, keyEntry, openKeyedTablet, trustOf, type Tablet } from './helpers'

// Issue #14: a tablet takes a person's roles from another tablet (a carried file; peer sync passes the
// same rule, src/data/signingRule.ts) only as the hub takes them: signed, newer, the last clerk kept.

const hubSig = (personId: string, roles: string[], at: number): RolesSig =>
  ({ at, by: 'clerk-account', keyId: HUB_ROLES_KEY, signature: TEST_HUB.signSync(rolesClaim(VILLAGE, personId, roles, at)) })
const T0 = Date.UTC(2026, 0, 1)

describe('roles carried from another tablet', () => {
  const tablets: Tablet[] = []
  afterAll(async () => { for (const t of tablets) await t.remove() })

  it('refuses a file that strips the clerk unsigned or brings back an older signature; takes roles the hub signed', async () => {
    const a = await openKeyedTablet('tab-ra'); const b = await openKeyedTablet('tab-rb'); tablets.push(a, b)
    const trustB = await trustOf(b.certificate, [keyEntry(a)])
    await a.data.persons.create({ id: 'person:clerk', name: '王文书', householdId: 'household:1', roles: ['clerk'], rolesSig: hubSig('person:clerk', ['clerk'], T0) })
    await a.data.persons.create({ id: 'person:v9', name: '赵六', householdId: 'household:2', roles: [] })
    expect(await importBundle(b.vdb, await exportUnsynced(a.vdb, a.data.writer, a, 0), trustB)).toMatchObject({ refused: [] })
    expect((await b.data.persons.get('person:clerk'))?.roles).toEqual(['clerk'])

    // tablet A, in the wrong hands, strips the clerk, with no signature that holds
    let since = a.data.writer.lastSeq
    await a.data.persons.update('person:clerk', { roles: [] })
    const bad = await importBundle(b.vdb, await exportUnsynced(a.vdb, a.data.writer, a, since), trustB)
    expect(bad.refused.map((r) => [r.id, r.code])).toEqual([['person:clerk', 'roles.unsigned']])
    expect((await b.data.persons.get('person:clerk'))?.roles).toEqual(['clerk'])
    expect((await quarantined(b.vdb)).map((q) => q.code)).toEqual(['roles.unsigned'])

    // roles the hub signed (as after POST /_hub/roles) are taken
    since = a.data.writer.lastSeq
    await a.data.persons.update('person:v9', { roles: ['supervisor'], rolesSig: hubSig('person:v9', ['supervisor'], T0 + 2000) })
    expect(await importBundle(b.vdb, await exportUnsynced(a.vdb, a.data.writer, a, since), trustB)).toMatchObject({ refused: [] })
    expect((await b.data.persons.get('person:v9'))?.roles).toEqual(['supervisor'])

    // an older signed version of 赵六's roles brought back is refused
    since = a.data.writer.lastSeq
    await a.data.persons.update('person:v9', { roles: [], rolesSig: hubSig('person:v9', [], T0 + 1000) })
    const replay = await importBundle(b.vdb, await exportUnsynced(a.vdb, a.data.writer, a, since), trustB)
    expect(replay.refused.map((r) => [r.id, r.code])).toEqual([['person:v9', 'roles.replayed']])
    expect((await b.data.persons.get('person:v9'))?.roles).toEqual(['supervisor'])
  })
})

describe('roles the hub signed, as a synced tablet takes them', () => {
  let hub: RunningHub | null = null
  let t: SyncedTablet | null = null
  afterAll(async () => { await t?.close(); await hub?.stop({ removeData: true }) })

  it('the clerk account has the hub sign a supervisor\'s role: the tablet pulls it and it counts there', async () => {
    hub = await startHub()
    const p = await provision(hub, { township: 'rt', villages: ['rv'] })
    t = await openSyncedTablet(hub, 'rv')
    await seedRoster(hub, t, [{ id: 'person:clerk', name: '王文书', householdId: 'household:1', roles: ['clerk'] }, { id: 'person:sup', name: '李监事', householdId: 'household:2', roles: [] }])
    const signed = await setRoles(hub, 'rv', 'person:sup', ['supervisor'], basic(p.clerk.name, p.clerk.password))
    expect(signed.rolesSig).toMatchObject({ keyId: 'hub', by: p.clerk.name })
    expect(await t.sync.syncNow(20_000)).toBe(true)
    const hubKeys = { current: String((await couch(hub, '_hub/hub-keys')).body.hubKey), retired: [] }
    const counted = signedRoster(await t.data.persons.list(), { village: 'rv', hubKeys, keys: [] })
    expect(counted.find((x) => x.id === 'person:sup')?.roles).toEqual(['supervisor'])
    expect(counted.find((x) => x.id === 'person:clerk')?.roles).toEqual(['clerk'])
  })
})

describe('two edits of one person\'s roles meet in a sync', () => {
  let hub: RunningHub | null = null
  const open: SyncedTablet[] = []
  afterAll(async () => { for (const t of open) await t.close(); await hub?.stop({ removeData: true }) })

  it('keeps the roles with their own signature: the signed roles prevail, the unsigned edit is a conflict the council sees', async () => {
    hub = await startHub()
    await provision(hub, { township: 'rm', villages: ['rmv'] })
    const a = await openSyncedTablet(hub, 'rmv'); open.push(a)
    // 李监事 is named supervisor on the roster, unsigned (waiting for a signature)
    await seedRoster(hub, a, [{ id: 'person:clerk', name: '王文书', householdId: 'household:1', roles: ['clerk'] }])
    await a.data.persons.create({ id: 'person:sup', name: '李监事', householdId: 'household:2', roles: ['supervisor'] })
    expect(await a.sync.syncNow(20_000)).toBe(true)
    const b = await openSyncedTablet(hub, 'rmv'); open.push(b)
    expect(await b.sync.syncNow(20_000)).toBe(true)
    await a.sync.stop(); await b.sync.stop()

    // the clerk's account has the hub sign the waiting role; meanwhile tablet B, offline, adds a role
    // (unsigned: B has no clerk's key) and corrects the name
    const signed = await setRoles(hub, 'rmv', 'person:sup', ['supervisor'])
    await b.data.persons.update('person:sup', { name: '李监事（二组）', roles: ['council-member', 'supervisor'] })
    const synced: boolean[] = []
    for (let round = 0; round < 2; round++) synced.push(await b.sync.syncNow(10_000), await a.sync.syncNow(10_000))

    const hubKeys = { current: String((await couch(hub, '_hub/hub-keys')).body.hubKey), retired: [] }
    const onHub = (await couch(hub, 'village-rmv/person:sup')).body
    expect(onHub.refused).toBeUndefined()
    expect(onHub.body).toMatchObject({ name: '李监事（二组）', roles: ['supervisor'], rolesSig: signed.rolesSig })
    for (const t of [a, b]) {
      const persons = await t.data.persons.list()
      expect(persons.find((p) => p.id === 'person:sup')).toMatchObject({ name: '李监事（二组）', roles: ['supervisor'], rolesSig: signed.rolesSig })
      // the supervisor's role counts on both tablets
      expect(signedRoster(persons, { village: 'rmv', hubKeys, keys: [] }).find((p) => p.id === 'person:sup')?.roles).toEqual(['supervisor'])
      expect(await quarantined(t.vdb)).toEqual([])
    }
    // B's unsigned roles lost, and the council can see it
    await eventually(async () => (await b.data.conflicts.list()).some((c) => c.subjectId === 'person:sup'), 10_000)
    const lost = (await b.data.conflicts.list()).filter((c) => c.subjectId === 'person:sup')
    expect(lost.map((c) => [c.reason, c.fields.join(), c.winner.device, c.loser.device])).toEqual([['concurrent-edit', 'roles,rolesSig', 'hub', b.device.id]])
    // and nothing was refused on the way: every sync finished
    expect(synced).toEqual([true, true, true, true])
  })
})
