import { describe, expect, it } from 'vitest'
import { BENCH_HUB_KEYS, generateVillage, type CouchDoc } from '../../../bench/township-data'
import { fromCouchDocs } from '@/shared/township/records'
import { summarizeVillage } from '@/shared/township/summarize'
import { validateDocument } from '@/shared/schemas'
import * as D from '@/domain'

const END_OF_YEAR = Date.UTC(2026, 11, 20)
const docsOf = (docs: CouchDoc[]) => fromCouchDocs(docs)

describe('township summary of a village year', { timeout: 30_000 }, () => {
  const clean = generateVillage({ villageId: 'qingbo', townshipId: 'huayuan', name: '清波村', year: 2026, seed: 3, problems: false })
  const messy = generateVillage({ villageId: 'qingbo', townshipId: 'huayuan', name: '清波村', year: 2026, seed: 3, problems: true })

  it('generates only documents the shared schemas accept', () => {
    const invalid = messy.docs.map((d) => validateDocument(d)).filter((r) => !r.ok)
    expect(invalid).toEqual([])
  })

  it('reports money, turnout, meetings and the step of the cycle from the records', () => {
    const s = summarizeVillage('qingbo', docsOf(clean.docs), END_OF_YEAR, BENCH_HUB_KEYS)
    expect(s.name).toBe('清波村')
    expect(s.fund).toBe(20_000_000)
    expect(s.allocated).toBeLessThanOrEqual(s.fund)
    expect(s.spent).toBeGreaterThan(0)
    expect(s.step).toBe('publicise-accounts')
    expect(s.meetings).toHaveLength(12)
    expect(s.meetings.every((m) => m.quorate === true)).toBe(true)
    const ballots = clean.docs.filter((d) => d.kind === 'ballot').length
    expect(s.lastVote?.ballots).toBe(ballots)
    expect(s.lastVote?.turnout).toBeCloseTo(ballots / 240, 5)
    expect(s.lastVote?.selected.length).toBeGreaterThan(0)
    expect(s.lastVote!.cost).toBeLessThanOrEqual(s.lastVote!.budget)
    expect(s.openObjections).toBe(0)
    expect(s.flags).toEqual([])
    expect(s.tablets.map((t) => t.device)).toEqual(['dev-qingbo-1', 'dev-qingbo-2', 'dev-qingbo-3'])
  })

  it('says a village finished the whole cycle when its latest cycle went through every step', () => {
    expect(summarizeVillage('qingbo', docsOf(clean.docs), END_OF_YEAR, BENCH_HUB_KEYS).finished).toBe(false)
    const T = D.DEFAULT_TEMPLATE
    const facts: D.StepFacts = { proposals: 3, candidates: 3, adoptedResolution: true, noticeEndsAt: Date.UTC(2026, 0, 2), voteClosed: true, progressRecords: 1, ledgerEntries: 1 }
    let state = D.startProcedure(T, 'procedure:cycle-2026', 'fund:qingbo-2026', Date.UTC(2026, 0, 1))
    const cycleDoc = () => ({ _id: state.id, kind: 'procedure', v: 1, village: 'qingbo', year: 2026, author: 'person:qingbo-7', device: 'dev-qingbo-1', deviceTime: Date.UTC(2026, 11, 1), seq: 9_999, ref: '', body: { ...state, id: undefined } })
    while (state.current !== 'publicise-accounts') state = D.completeStep(T, state, { at: Date.UTC(2026, 11, 1), by: 'person:qingbo-7', facts })
    const atLast = summarizeVillage('qingbo', docsOf([...clean.docs, cycleDoc()]), END_OF_YEAR, BENCH_HUB_KEYS)
    expect([atLast.step, atLast.finished]).toEqual(['publicise-accounts', false])
    state = D.completeStep(T, state, { at: Date.UTC(2026, 11, 1), by: 'person:qingbo-7', facts })
    const done = summarizeVillage('qingbo', docsOf([...clean.docs, cycleDoc()]), END_OF_YEAR, BENCH_HUB_KEYS)
    expect(done.finished).toBe(true)
  })

  it('raises the domain’s flags for an uncosigned expense and a resolution adopted without quorum', () => {
    const s = summarizeVillage('qingbo', docsOf(messy.docs), END_OF_YEAR, BENCH_HUB_KEYS)
    expect(s.flags.map((f) => f.code).sort()).toEqual(['adopted-without-quorum', 'adopted-without-quorum', 'expense-without-cosign'])
    expect(s.flags.find((f) => f.code === 'expense-without-cosign')?.ref).toBe(messy.uncosigned[0])
    expect(s.meetings[2]?.quorate).toBe(false)
    expect([s.openObjections, s.doubleVotes]).toEqual([1, 1])
    expect(s.allocations.map((a) => a.project)).toEqual(s.lastVote!.selected) // the generator funds what the vote selected
  })

  it('counts unanswered objections, overdue publicity and unresolved double votes; leaves refused documents out', () => {
    const base = docsOf(clean.docs)
    const env = (id: string, kind: string, body: Record<string, unknown>, ref = '') =>
      fromCouchDocs([{ _id: id, kind, v: 1, village: 'qingbo', year: 2026, author: 'person:qingbo-7', device: 'dev-x', deviceTime: END_OF_YEAR, seq: 1, ref, body }])[0]!
    const notice = base.find((d) => d.kind === 'notice' && d.body.stage === 'decision')!
    const extra = [
      env('objection:late', 'objection', { noticeId: notice.id, raisedBy: 'person:qingbo-30', text: '没有答复', at: END_OF_YEAR }, notice.id),
      env('conflict:dv1', 'conflict', { subjectId: 'checkoff:qingbo-v1:qingbo-40', reason: 'double-checkoff', winner: { device: 'a', seq: 1 }, loser: {} }),
      env('conflict:dv2', 'conflict', { subjectId: 'checkoff:qingbo-v1:qingbo-41', reason: 'double-checkoff', winner: { device: 'a', seq: 2 }, loser: {} }),
      // the council decides a double vote on the voter's check-off, as the tablet's conflicts screen records it
      env('decision:dv2', 'decision', { subjectId: 'checkoff:qingbo-v1:qingbo-41', outcome: 'keep-earliest', reason: '监事会核对', by: 'person:qingbo-16' }),
      { ...env('ledger:refused', 'ledger', { fundId: 'fund:qingbo-2026', kind: 'expense', amount: 99_999_999, description: 'x', at: END_OF_YEAR }), refused: { reason: 'test', at: 1 } },
    ]
    const before = summarizeVillage('qingbo', base, END_OF_YEAR, BENCH_HUB_KEYS)
    const s = summarizeVillage('qingbo', [...base, ...extra], END_OF_YEAR, BENCH_HUB_KEYS)
    expect(s.openObjections).toBe(1)
    expect(s.publicityOverdue).toBe(1)
    expect(s.doubleVotes).toBe(1)
    expect(s.spent).toBe(before.spent)
    expect(s.docCount).toBe(before.docCount + 4)
  })

  it('counts a voter seen on three tablets as one double vote, as the tablet does, and settles an edit conflict only by its own decision', () => {
    const base = docsOf(clean.docs)
    const env = (id: string, kind: string, body: Record<string, unknown>) =>
      fromCouchDocs([{ _id: id, kind, v: 1, village: 'qingbo', year: 2026, author: 'person:qingbo-7', device: 'dev-x', deviceTime: END_OF_YEAR, seq: 1, ref: '', body }])[0]!
    const notice = base.find((d) => d.kind === 'notice')!
    const s = summarizeVillage('qingbo', [...base,
      // two collisions of the same check-off (tablets 2 and 3 against tablet 1): one voter
      env('conflict:b2', 'conflict', { subjectId: 'checkoff:qingbo-v1:qingbo-40', reason: 'double-checkoff', winner: { device: 'a', seq: 1 }, loser: {} }),
      env('conflict:b3', 'conflict', { subjectId: 'checkoff:qingbo-v1:qingbo-40', reason: 'double-checkoff', winner: { device: 'a', seq: 1 }, loser: {} }),
      // a lost edit of a notice, and the supervisors' order to republish that notice: the edit is still undecided
      env('conflict:edit', 'conflict', { subjectId: notice.id, reason: 'concurrent-edit', winner: { device: 'a', seq: 3 }, loser: {} }),
      env('decision:republish', 'decision', { subjectId: notice.id, outcome: 'republish', reason: '公示期内有异议', by: 'person:qingbo-16' }),
    ], END_OF_YEAR, BENCH_HUB_KEYS)
    expect([s.doubleVotes, s.conflicts]).toEqual([1, 1])
  })

  it('takes tablet sync times and upstream times from the hub, not from device clocks', () => {
    const s = summarizeVillage('qingbo', docsOf(clean.docs), END_OF_YEAR, BENCH_HUB_KEYS, {
      deviceSync: { 'dev-qingbo-2': 123 }, lastReachedTownship: 456, lastReachedDistrict: 789,
    })
    expect(s.tablets.map((t) => t.lastSyncAt)).toEqual([null, 123, null])
    expect([s.lastReachedTownship, s.lastReachedDistrict]).toEqual([456, 789])
  })
})
