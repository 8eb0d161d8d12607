import { afterEach, describe, expect, it } from 'vitest'
import { resolveConflict } from '@/data'
import type { YishiDoc } from '@/shared/schemas'
import { eventually, openTablet, type Tablet } from './helpers'

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
