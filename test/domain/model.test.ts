import { describe, expect, it } from 'vitest'
import * as D from '@/domain'
import { T0, domainError } from './support.ts'

const personInput = { id: 'person:wang-li', villageId: 'qingbo', name: ' 王丽 ', householdId: 'household:12', roles: ['council-member'] }

describe('validating constructors', () => {
  it('builds a person with defaults and trimmed text', () => {
    const p = D.person(personInput)
    expect(p).toMatchObject({ id: 'person:wang-li', name: '王丽', adult: true, eligible: true, householdHead: false, unitId: '', roles: ['council-member'] })
    expect(D.hasRole(p, 'council-member')).toBe(true)
  })

  it('names the entity and field in the error', () => {
    const missing = domainError(() => D.person({ ...personInput, name: '' }))
    expect(missing.code).toBe('invalid.required')
    expect(missing.message).toBe('person.name: required')
    const badId = domainError(() => D.person({ ...personInput, id: 'wang-li' }))
    expect(badId.code).toBe('invalid.format')
    expect(badId.message).toContain('person.id')
    expect(domainError(() => D.person({ ...personInput, roles: ['mayor'] })).code).toBe('invalid.choice')
    expect(domainError(() => D.person({ ...personInput, adult: false, eligible: true })).code).toBe('person.minor-eligible')
    expect(domainError(() => D.person('nope')).code).toBe('invalid.type')
  })

  it('refuses a vote whose limits or window make no sense', () => {
    const base = {
      id: 'vote:2026-fund', villageId: 'qingbo', title: '2026 项目投票', ballotType: 'approval', maxChoices: 2, budget: 100,
      candidates: [{ id: 'project:lamps', title: '路灯', cost: 60 }, { id: 'project:path', title: '步道', cost: 50 }],
      opensAt: T0, closesAt: T0 + 3_600_000, roster: ['person:a', 'person:b'],
    }
    expect(D.vote(base)).toMatchObject({ minChoices: 0, maxChoices: 2, rule: 'greedy', closedAt: 0, perHousehold: false })
    expect(domainError(() => D.vote({ ...base, closesAt: T0 })).code).toBe('invalid.order')
    expect(domainError(() => D.vote({ ...base, minChoices: 3, maxChoices: 2 })).code).toBe('invalid.range')
    expect(domainError(() => D.vote({ ...base, candidates: [base.candidates[0], base.candidates[0]] })).code).toBe('invalid.duplicate')
    expect(domainError(() => D.vote({ ...base, roster: ['household:1'] })).code).toBe('invalid.format')
    expect(D.vote({ ...base, perHousehold: true, roster: ['household:1'] }).roster).toEqual(['household:1'])
  })

  it('gives a check-off the deterministic id, and refuses another', () => {
    const c = D.checkOff({ voteId: 'vote:2026', voterId: 'person:wang', at: T0, device: 'tab-1', recordedBy: 'person:clerk' })
    expect(c.id).toBe('checkoff:2026:wang')
    expect(D.checkOffId('vote:2026', 'person:wang')).toBe(c.id)
    expect(domainError(() => D.checkOff({ id: 'checkoff:other', voteId: 'vote:2026', voterId: 'person:wang', at: T0, device: 'tab-1', recordedBy: 'person:clerk' })).code).toBe('invalid.format')
  })

  it('computes a notice end from days and refuses an inverted window', () => {
    const n = D.notice({ id: 'notice:d1', villageId: 'qingbo', stage: 'decision', subjectId: 'vote:2026', title: '决策公示', startAt: T0, days: 7 })
    expect(n.endAt - n.startAt).toBe(7 * 86_400_000)
    expect(domainError(() => D.notice({ ...n, endAt: T0 - 1 })).code).toBe('invalid.order')
  })

  it('validates money, meetings, overrides and the rest', () => {
    expect(domainError(() => D.fund({ id: 'fund:2026', villageId: 'qingbo', year: 2026, amount: -1 })).message).toBe('fund.amount: must be at least 0, got -1')
    expect(domainError(() => D.ledgerEntry({ id: 'ledger:1', fundId: 'fund:2026', projectId: 'project:x', amount: 10.5, payee: 'A', at: T0, recordedBy: 'person:a' })).code).toBe('invalid.type')
    expect(domainError(() => D.meeting({ id: 'meeting:1', villageId: 'qingbo', kind: 'tea-party', title: 'x', scheduledAt: T0, memberCount: 5 })).code).toBe('invalid.choice')
    expect(domainError(() => D.override({ id: 'override:1', procedureId: 'procedure:p', step: 'announce', action: 'skip', personId: 'person:a', reason: '', at: T0 })).code).toBe('invalid.required')
    expect(domainError(() => D.proposal({ id: 'proposal:1', villageId: 'qingbo', title: '修路', proposedBy: 'person:a', createdAt: T0, status: 'merged' })).message).toContain('mergedInto')
    expect(D.isImmutableKind('ballot')).toBe(true)
    expect(D.isImmutableKind('vote')).toBe(false)
    expect(D.kindOf('checkoff:a:b')).toBe('checkoff')
  })

  it('counts distinct people present, proxies included', () => {
    const a = (id: string, personId: string, proxyFor = '') => D.attendance({ id, meetingId: 'meeting:1', personId, at: T0, recordedBy: 'person:clerk', proxyFor })
    const records = [a('attendance:1', 'person:a'), a('attendance:2', 'person:b', 'person:c'), a('attendance:3', 'person:a')]
    expect(D.presentCount(records, 'meeting:1')).toBe(3)
  })
})

describe('round trip', () => {
  it('a constructed record passes its own constructor unchanged', () => {
    const samples: Array<[(x: unknown) => unknown, unknown]> = [
      [D.person, personInput],
      [D.vote, { id: 'vote:v', villageId: 'qingbo', title: 't', ballotType: 'choose-one', candidates: [{ id: 'project:a', title: 'a', cost: 1 }], opensAt: T0, closesAt: T0 + 1 }],
      [D.meeting, { id: 'meeting:m', villageId: 'qingbo', kind: 'courtyard-council', title: 'm', scheduledAt: T0, memberCount: 9, agenda: [{ key: 'a1', title: '路灯' }] }],
      [D.notice, { id: 'notice:n', villageId: 'qingbo', stage: 'accounts', subjectId: 'fund:2026', title: 'n', startAt: T0, days: 7 }],
      [D.proposal, { id: 'proposal:p', villageId: 'qingbo', title: '修路', proposedBy: 'person:a', createdAt: T0 }],
      [D.ledgerEntry, { id: 'ledger:1', fundId: 'fund:2026', projectId: 'project:x', amount: 1050, payee: 'A', at: T0, recordedBy: 'person:a' }],
    ]
    for (const [make, input] of samples) {
      const once = make(input)
      expect(make(JSON.parse(JSON.stringify(once)))).toEqual(once)
    }
  })
})
