import { describe, expect, it } from 'vitest'
import * as D from '@/domain'
import { T0, domainError } from './support.ts'

const vote = D.vote({ id: 'vote:v1', villageId: 'qingbo', title: 't', ballotType: 'approval', maxChoices: 2, budget: 100, opensAt: T0, closesAt: T0 + 1000,
  candidates: [{ id: 'project:a', title: 'a', cost: 60 }, { id: 'project:b', title: 'b', cost: 50 }] })
const count = (id: string, enteredBy: string, over: Record<string, unknown> = {}) => D.paperCount({
  id, voteId: 'vote:v1', enteredBy, at: T0, total: 120, valid: 110, blank: 6, spoiled: 4, perOption: { 'project:a': 80, 'project:b': 70 }, ...over,
})

describe('paper counts', () => {
  it('two people who agree give the agreed count', () => {
    const agreed = D.reconcilePaperCounts(vote, count('papercount:1', 'person:a'), count('papercount:2', 'person:b'))
    expect(agreed).toMatchObject({ total: 120, valid: 110, perOption: { 'project:a': 80, 'project:b': 70 }, enteredBy: ['person:a', 'person:b'] })
  })

  it('the same person twice is refused', () => {
    expect(domainError(() => D.reconcilePaperCounts(vote, count('papercount:1', 'person:a'), count('papercount:2', 'person:a'))).code).toBe('papercount.same-person')
  })

  it('a disagreement names every difference', () => {
    const e = domainError(() => D.reconcilePaperCounts(vote, count('papercount:1', 'person:a'), count('papercount:2', 'person:b', { perOption: { 'project:a': 79, 'project:b': 70 } })))
    expect(e.code).toBe('papercount.mismatch')
    expect(e.message).toBe('the two entries differ — project:a: 80 vs 79')
  })

  it('total must equal valid + blank + spoiled', () => {
    const e = domainError(() => D.checkPaperCount(vote, count('papercount:1', 'person:a', { total: 121 })))
    expect(e.code).toBe('papercount.sum')
    expect(e.message).toBe('total 121 ≠ valid 110 + blank 6 + spoiled 4 = 120')
  })

  it('more ticks than papers allow is refused', () => {
    expect(domainError(() => D.checkPaperCount(vote, count('papercount:1', 'person:a', { perOption: { 'project:a': 111 } }))).code).toBe('papercount.options')
    expect(() => D.checkPaperCount(vote, count('papercount:1', 'person:a', { valid: 10, blank: 106, perOption: { 'project:a': 10, 'project:b': 10 } }))).not.toThrow()
    const tickOne = { ...vote, maxChoices: 1 }
    expect(domainError(() => D.checkPaperCount(tickOne, count('papercount:1', 'person:a'))).message).toBe('150 ticks in all, more than 110 valid papers × 1 choices = 110')
    expect(domainError(() => D.checkPaperCount(vote, count('papercount:1', 'person:a', { perOption: { 'project:zoo': 1 } }))).code).toBe('papercount.options')
  })
})

const fund = D.fund({ id: 'fund:2026', villageId: 'qingbo', year: 2026, amount: 20_000_000 })
const alloc = (id: string, projectId: string, amount: number) => D.allocation({ id, fundId: 'fund:2026', projectId, title: projectId, amount, decidedBy: 'vote:v1', at: T0 })
const expense = (id: string, projectId: string, amount: number, kind = 'expense') => D.ledgerEntry({ id, fundId: 'fund:2026', projectId, kind, amount, payee: '成都某公司', at: T0, recordedBy: 'person:clerk' })
const cosign = (ledgerId: string, supervisorId: string, approve = true) => D.coSignature({ id: `cosign:${ledgerId.slice(7)}-${supervisorId.slice(7)}`, ledgerId, supervisorId, approve, at: T0 })
const rule = { supervisors: ['person:sup1', 'person:sup2'] }

describe('budget and accounts', () => {
  it('allocations never exceed the fund', () => {
    const list = D.addAllocation(fund, [], alloc('allocation:1', 'project:a', 12_000_000))
    const e = domainError(() => D.addAllocation(fund, list, alloc('allocation:2', 'project:b', 9_000_000)))
    expect(e.code).toBe('budget.over-fund')
    expect(e.message).toBe('allocations total ¥210,000, more than the 2026 fund of ¥200,000 (¥10,000 over)')
    expect(D.addAllocation(fund, list, alloc('allocation:2', 'project:b', 8_000_000))).toHaveLength(2)
  })

  it('an expense needs a supervisor other than its recorder, and no refusal', () => {
    const e1 = expense('ledger:1', 'project:a', 500_000)
    expect(D.isCoSigned(e1, [], rule)).toBe(false)
    expect(D.isCoSigned(e1, [cosign('ledger:1', 'person:sup1')], rule)).toBe(true)
    expect(D.isCoSigned(e1, [cosign('ledger:1', 'person:other')], rule)).toBe(false)
    expect(D.isCoSigned(e1, [cosign('ledger:1', 'person:sup1'), cosign('ledger:1', 'person:sup2', false)], rule)).toBe(false)
    expect(D.isCoSigned(e1, [cosign('ledger:1', 'person:sup1')], { ...rule, required: 2 })).toBe(false)
    // a question stands until the supervisor who raised it signs again, later: their own later word counts, not another's
    const at = (c: D.CoSignature, t: number) => ({ ...c, id: `${c.id}-${t}`, at: T0 + t })
    const asked = at(cosign('ledger:1', 'person:sup2', false), 1)
    expect(D.isCoSigned(e1, [asked, at(cosign('ledger:1', 'person:sup2'), 2)], rule)).toBe(true)
    expect(D.isCoSigned(e1, [at(cosign('ledger:1', 'person:sup2'), 2), asked], rule)).toBe(true)
    expect(D.isCoSigned(e1, [asked, at(cosign('ledger:1', 'person:sup1'), 2)], rule)).toBe(false)
    expect(D.isCoSigned(e1, [at(cosign('ledger:1', 'person:sup2'), 1), at(cosign('ledger:1', 'person:sup2', false), 2)], rule)).toBe(false)
    // at the same moment, the question stands
    expect(D.isCoSigned(e1, [at(cosign('ledger:1', 'person:sup2'), 1), asked], rule)).toBe(false)
    expect(domainError(() => D.checkCoSignature(e1, cosign('ledger:1', 'person:other'), rule)).message).toBe('person:other is not on the supervisory committee')
    expect(domainError(() => D.checkCoSignature(e1, cosign('ledger:1', 'person:clerk'), { supervisors: ['person:clerk'] })).code).toBe('ledger.cosign')
  })

  it('spending stays within the project\'s allocation', () => {
    const allocations = [alloc('allocation:1', 'project:a', 1_000_000)]
    const ledger = [expense('ledger:1', 'project:a', 700_000)]
    expect(() => D.checkExpense(expense('ledger:2', 'project:a', 300_000), allocations, ledger)).not.toThrow()
    expect(domainError(() => D.checkExpense(expense('ledger:2', 'project:a', 300_001), allocations, ledger)).code).toBe('ledger.over-allocation')
    expect(domainError(() => D.checkExpense(expense('ledger:2', 'project:z', 1), allocations, ledger)).code).toBe('budget.unknown-project')
  })

  it('summarises spent versus allocated for the accounts notice', () => {
    const allocations = [alloc('allocation:1', 'project:a', 1_000_000), alloc('allocation:2', 'project:b', 500_000)]
    const ledger = [expense('ledger:1', 'project:a', 700_000), expense('ledger:2', 'project:a', 100_000), expense('ledger:3', 'project:a', 50_000, 'refund'), expense('ledger:4', 'project:b', 200_000)]
    const s = D.accountsSummary(fund, allocations, ledger, [cosign('ledger:1', 'person:sup1'), cosign('ledger:3', 'person:sup2'), cosign('ledger:4', 'person:sup2')], rule)
    expect(s).toMatchObject({ fund: 20_000_000, allocated: 1_500_000, unallocated: 18_500_000, spent: 850_000, pending: 100_000, uncosignedEntries: ['ledger:2'] })
    expect(s.projects).toEqual([
      { projectId: 'project:a', title: 'project:a', allocated: 1_000_000, spent: 650_000, pending: 100_000, remaining: 250_000 },
      { projectId: 'project:b', title: 'project:b', allocated: 500_000, spent: 200_000, pending: 0, remaining: 300_000 },
    ])
    expect(D.formatYuan(123_456_78)).toBe('¥123,456.78')
  })
})

describe('from a vote to the budget', () => {
  const vote = D.vote({ id: 'vote:v2', villageId: 'qingbo', title: 't', ballotType: 'approval', opensAt: T0, closesAt: T0 + 1,
    candidates: [{ id: 'project:a', title: '路灯', cost: 12_000_000 }, { id: 'project:b', title: '步道', cost: 9_000_000 }] })
  it('allocates each selected project at its cost, within the fund', () => {
    const added = D.allocationsFromSelection(fund, [], vote, ['project:a'], T0, (p) => `allocation:${p.slice(8)}`)
    expect(added).toEqual([{ id: 'allocation:a', fundId: 'fund:2026', projectId: 'project:a', title: '路灯', amount: 12_000_000, decidedBy: 'vote:v2', at: T0 }])
    expect(domainError(() => D.allocationsFromSelection(fund, added, vote, ['project:b'], T0, (p) => `allocation:${p.slice(8)}`)).code).toBe('budget.over-fund')
    expect(domainError(() => D.allocationsFromSelection(fund, [], vote, ['project:z'], T0, (p) => `allocation:${p.slice(8)}`)).code).toBe('budget.unknown-project')
  })
})
