import { afterAll, describe, expect, it } from 'vitest'
import { exportUnsynced, importBundle, quarantined } from '@/data'
import { rolesClaim, signedRoster, HUB_ROLES_KEY, type RolesSig } from '@/shared/rosterroles'
import { startHub, type RunningHub } from '../support/hub'
import { basic, couch, provision, setRoles } from '../sync-server/helpers'
import { openSyncedTablet, seedRoster, type SyncedTablet } from './sync-helpers'
import { TEST_HUB, VILLAGE, keyEntry, openKeyedTablet, trustOf, type Tablet } from './helpers'

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
