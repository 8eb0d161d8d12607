import { afterAll, describe, expect, it } from 'vitest'
import { ADMIN, startHub, type RunningHub } from '../support/hub'
import { couch, provision, setRoles } from './helpers'
import { openSyncedTablet, seedRoster, type SyncedTablet } from '../data/sync-helpers'

// Issue #14 on the hub: a person record replicated in (new_edits=false, as another hub's peer sync or a
// restore writes) may stand beside another version of it as a CouchDB conflict. Each version keeps its
// roles with their own signature; the one signed later wins, not the one CouchDB's revision ids favour.

describe('a person\'s roles in a CouchDB conflict on the hub', () => {
  let hub: RunningHub | null = null
  let t: SyncedTablet | null = null
  afterAll(async () => { await t?.close(); await hub?.stop({ removeData: true }) })

  it('the later signed roles win, whole, and the tablets pull them', async () => {
    hub = await startHub()
    await provision(hub, { township: 'rc', villages: ['rcv'] })
    t = await openSyncedTablet(hub, 'rcv')
    await seedRoster(hub, t, [{ id: 'person:clerk', name: '王文书', householdId: 'household:1', roles: ['clerk'] }, { id: 'person:sup', name: '李监事', householdId: 'household:2', roles: [] }])
    await setRoles(hub, 'rcv', 'person:sup', ['supervisor'])
    const earlier = (await couch(hub, 'village-rcv/person:sup')).body
    const later = await setRoles(hub, 'rcv', 'person:sup', ['council-member', 'supervisor'])
    const held = (await couch(hub, 'village-rcv/person:sup')).body
    expect(held.body.rolesSig).toEqual(later.rolesSig)

    // another hub kept the earlier roles and edited the record once more: its revision comes in beside
    // this hub's, with a revision id CouchDB's winner rule favours
    const depth = Number(String(held._rev).split('-')[0])
    const { _rev: _r, ...content } = earlier
    const sibling = { ...content, _rev: `${depth}-${'f'.repeat(32)}`, _revisions: { start: depth, ids: ['f'.repeat(32), String(earlier._rev).split('-')[1]] } }
    const w = await couch(hub, 'village-rcv/_bulk_docs', { body: { docs: [sibling], new_edits: false } })
    expect(w.status).toBe(201)

    const now = (await couch(hub, 'village-rcv/person:sup?conflicts=true')).body
    expect(now.body).toMatchObject({ roles: ['council-member', 'supervisor'], rolesSig: later.rolesSig })
    // written over CouchDB's winner (the other hub's revision); this hub's own stays a leaf, nothing deleted
    expect(now._rev.startsWith(`${depth + 1}-`)).toBe(true)
    expect(now._conflicts).toEqual([held._rev])
    expect(await t.sync.syncNow(20_000)).toBe(true)
    expect(await t.data.persons.get('person:sup')).toMatchObject({ roles: ['council-member', 'supervisor'], rolesSig: later.rolesSig })
  })

  it('a peer pull brings the later signed roles beside an older version this hub holds: they win here too', async () => {
    const [a, b] = await Promise.all([startHub(), startHub()])
    await Promise.all([provision(a, { township: 'pt', villages: ['pv'] }), provision(b, { township: 'pt', villages: ['pv'] })])
    const ta = await openSyncedTablet(a, 'pv')
    try {
      const adminUrl = (hub: RunningHub) => `http://${ADMIN.user}:${ADMIN.password}@127.0.0.1:${hub.port}/couch/village-pv`
      const pull = async () => {
        const r = await couch(b, '_hub/peers', { body: { db: 'village-pv', remote: adminUrl(a), direction: 'pull' } })
        expect(r.status, JSON.stringify(r.body)).toBe(200)
      }
      await seedRoster(a, ta, [{ id: 'person:clerk', name: '王文书', householdId: 'household:1', roles: ['clerk'] }, { id: 'person:sup', name: '李监事', householdId: 'household:2', roles: [] }])
      await setRoles(a, 'pv', 'person:sup', ['supervisor'])
      await pull()
      // hub B's own next version keeps the earlier roles (as another of its tablets edited the name)
      const onB = (await couch(b, 'village-pv/person:sup')).body
      const depth = Number(String(onB._rev).split('-')[0]) + 1
      const { _rev: _r, ...content } = onB
      const mine = { ...content, body: { ...onB.body, name: '李监事（二组）' }, _rev: `${depth}-${'f'.repeat(32)}`, _revisions: { start: depth, ids: ['f'.repeat(32), String(onB._rev).split('-')[1]] } }
      expect((await couch(b, 'village-pv/_bulk_docs', { body: { docs: [mine], new_edits: false } })).status).toBe(201)
      // hub A signs later roles; B pulls them in beside its own version
      const later = await setRoles(a, 'pv', 'person:sup', ['council-member', 'supervisor'])
      await pull()
      const deadline = Date.now() + 10_000
      let now = (await couch(b, 'village-pv/person:sup')).body
      while (now.body.rolesSig?.at !== later.rolesSig.at && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100))
        now = (await couch(b, 'village-pv/person:sup')).body
      }
      expect(now.body).toMatchObject({ roles: ['council-member', 'supervisor'], rolesSig: later.rolesSig })
    } finally {
      await ta.close()
      await Promise.all([a.stop({ removeData: true }), b.stop({ removeData: true })])
    }
  })
})
