import { afterEach, describe, expect, it } from 'vitest'
import { firstValueFrom } from 'rxjs'
import * as D from '@/domain'
import type { YishiDoc } from '@/shared/schemas'
import { auditSnapshot } from '@/data/repositories/supervision'
import { eventually, openTablet, type Tablet } from './helpers'

let tablet: Tablet | undefined
afterEach(async () => { await tablet?.remove(); tablet = undefined })

/** The tablet's storage refuses the next `n` writes (a full or failing disk: the true outer edge). */
function failWrites(t: Tablet, n: number): void {
  const real = t.vdb.docs.bulkInsert.bind(t.vdb.docs)
  let left = n
  t.vdb.docs.bulkInsert = (async (...args: Parameters<typeof real>) => {
    if (left-- > 0) throw new Error('QuotaExceededError: the storage is full')
    return real(...args)
  }) as typeof real
}

const unsaved = (t: Tablet) => firstValueFrom(t.data.unsaved$)

describe('nothing the tablet must keep is lost silently', () => {
  it('keeps a double vote\'s conflict record whose write fails, says so, and stores it once the storage works', async () => {
    tablet = await openTablet('tab-1')
    const t = tablet
    t.data.writer.retryDelaysMs = [1, 1]
    const loser = {
      id: 'checkoff:v1:wang', kind: 'checkoff', v: 1, village: 'qingbo', year: 2026, author: 'person:clerk', device: 'tab-2', deviceTime: Date.now(), seq: 4, ref: 'vote:v1',
      body: { voteId: 'vote:v1', voterId: 'person:wang', at: Date.now(), device: 'tab-2', recordedBy: 'person:clerk', seal: '' },
    } as YishiDoc
    failWrites(t, 3)
    const winner = { ...loser, device: 'tab-1', seq: 2, body: { ...loser.body, device: 'tab-1' } } as YishiDoc
    t.vdb.conflicts.pending.push({ subjectId: loser.id, reason: 'double-checkoff', winner, loser, fields: [] })
    await t.data.drainConflicts()
    expect(await t.data.conflicts.count()).toBe(0)
    expect(await unsaved(t)).toBe(1)
    expect(t.data.writer.unsaved.list).toEqual([{ id: 'conflict:tab-2-4.tab-1-2', what: 'conflict', reason: 'QuotaExceededError: the storage is full' }])

    // the storage works again: the next try stores it (the handler's next notice, or the timer)
    t.vdb.conflicts.notify()
    await eventually(async () => (await t.data.conflicts.count()) === 1, 5_000, 20)
    expect(await unsaved(t)).toBe(0)
    expect(D.unresolvedDoubleVotes(await t.data.conflicts.list(), [])).toEqual(['checkoff:v1:wang'])
  })

  it('keeps the audit event of a merged version whose write fails, and stores it before the next write: the chain has no gap', async () => {
    tablet = await openTablet('tab-1')
    const t = tablet
    t.data.writer.retryDelaysMs = [1, 1]
    const p = await t.data.proposals.create({ title: '修路', proposedBy: 'person:clerk', createdAt: Date.now() })
    const stored = (await t.vdb.docs.findOne(p.id).exec())!.toJSON() as YishiDoc
    failWrites(t, 3)
    // the conflict handler merged two versions of the proposal: a new write of this device, audited
    const merged = t.vdb.conflicts.restamp!({ ...stored, body: { ...stored.body, title: '修路（合并）' } })
    await (await t.vdb.docs.findOne(p.id).exec())!.incrementalModify(() => merged)
    await eventually(async () => (await unsaved(t)) === 1, 5_000, 20)

    await t.data.proposals.create({ title: '修桥', proposedBy: 'person:clerk', createdAt: Date.now() })
    expect(await unsaved(t)).toBe(0)
    const { events, records } = await auditSnapshot(t.vdb)
    const [report] = D.verifyAuditChain(events.filter((e) => e.device === 'tab-1'), { records: records.filter((r) => r.device === 'tab-1') })
    expect(report).toMatchObject({ device: 'tab-1', ok: true })
  })
})
