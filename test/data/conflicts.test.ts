import { afterEach, describe, expect, it } from 'vitest'
import { resolveConflict } from '@/data'
import type { YishiDoc } from '@/shared/schemas'
import { signedRoster } from '@/shared/rosterroles'
import { hubRolesSig } from '../support/roles'
import { testHub } from '../support/personkeys'
import { VILLAGE, eventually, openTablet, type Tablet } from './helpers'

let tablet: Tablet | null = null
afterEach(async () => { await tablet?.remove(); tablet = null })

describe('conflict records', () => {
  it('keeps every loss of a version: the same edit overruled on two tablets in two fields gives two records', async () => {
    tablet = await openTablet('dev-t')
    const p = await tablet.data.proposals.create({ title: '修路', description: '原说明', proposedBy: 'person:a', createdAt: Date.now() })
    const base = (await tablet.vdb.docs.findOne(p.id).exec())!.toJSON() as unknown as YishiDoc
    const version = (device: string, seq: number, later: number, body: Record<string, unknown>) =>
      ({ ...base, device, seq, deviceTime: base.deviceTime + later, body: { ...base.body, ...body }, _deleted: false })
    // A changed title and description; B (later) the description; C (later still) the title.
    const a = version('dev-a', 7, 1_000, { title: 'A 的标题', description: 'A 的说明' })
    const b = version('dev-b', 3, 2_000, { description: 'B 的说明' })
    const c = version('dev-c', 5, 3_000, { title: 'C 的标题' })
    const assumed = { ...base, _deleted: false }
    resolveConflict({ assumedMasterState: assumed, newDocumentState: b, realMasterState: a }, tablet.vdb.conflicts)
    resolveConflict({ assumedMasterState: assumed, newDocumentState: c, realMasterState: a }, tablet.vdb.conflicts)

    const t = tablet
    await eventually(async () => (await t.data.conflicts.list()).length >= 2, 5_000)
    const records = await t.data.conflicts.list()
    expect(records.map((r) => [r.reason, r.loser.device, r.loser.seq, r.winner.device, r.fields.join()]).sort()).toEqual([
      ['concurrent-edit', 'dev-a', 7, 'dev-b', 'description'],
      ['concurrent-edit', 'dev-a', 7, 'dev-c', 'title'],
    ])
  })
})

describe('a person\'s roles meet another edit of them', () => {
  const hub = testHub()
  const T0 = Date.UTC(2026, 0, 1)
  const sig = (roles: string[], at: number) => hubRolesSig(VILLAGE, 'person:li', roles, at, hub.secretKey)

  async function versions() {
    tablet = await openTablet('dev-t')
    await tablet.data.persons.create({ id: 'person:li', name: '李四', householdId: 'household:4', roles: ['council-member'] })
    const base = (await tablet.vdb.docs.findOne('person:li').exec())!.toJSON() as unknown as YishiDoc
    const version = (device: string, later: number, body: Record<string, unknown>) =>
      ({ ...base, device, seq: 9, deviceTime: base.deviceTime + later, body: { ...base.body, ...body }, _deleted: false })
    return { base: { ...base, _deleted: false }, version }
  }
  const counted = (doc: YishiDoc) => signedRoster([{ id: doc.id, roles: (doc.body.roles ?? []) as string[], ...(doc.body.rolesSig ? { rolesSig: doc.body.rolesSig as never } : {}) }], { village: VILLAGE, hubKeys: hub.keys, keys: [] })[0]!.roles

  it('takes the roles with their own signature: a signature of the waiting roles is not pinned on roles another tablet wrote', async () => {
    const { base, version } = await versions()
    // A has the waiting roles signed; B (later) writes other roles, unsigned
    const a = version('dev-a', 1_000, { rolesSig: sig(['council-member'], T0) })
    const b = version('dev-b', 2_000, { roles: ['supervisor'] })
    const merged = resolveConflict({ assumedMasterState: base, newDocumentState: b, realMasterState: a }, tablet!.vdb.conflicts)
    expect(merged.body).toMatchObject({ roles: ['council-member'], rolesSig: sig(['council-member'], T0) })
    expect(counted(merged)).toEqual(['council-member'])
    // B's roles lost to A's although B's edit is the later one: recorded, with A as the winner
    expect(tablet!.vdb.conflicts.pending.map((c) => [c.winner.device, c.loser.device, c.fields.join()])).toEqual([['dev-a', 'dev-b', 'roles,rolesSig']])
  })

  it('prefers the later signature over the later edit, and merges the other fields as before', async () => {
    const { base, version } = await versions()
    const a = version('dev-a', 1_000, { roles: ['supervisor'], rolesSig: sig(['supervisor'], T0 + 5_000) })
    const b = version('dev-b', 2_000, { name: '李四（二组）', roles: ['council-member', 'supervisor'], rolesSig: sig(['council-member', 'supervisor'], T0 + 1_000) })
    for (const [local, remote] of [[a, b], [b, a]] as const) {
      const merged = resolveConflict({ assumedMasterState: base, newDocumentState: local, realMasterState: remote }, tablet!.vdb.conflicts)
      expect(merged.body).toMatchObject({ name: '李四（二组）', roles: ['supervisor'], rolesSig: sig(['supervisor'], T0 + 5_000) })
      expect(counted(merged)).toEqual(['supervisor'])
    }
  })
})
