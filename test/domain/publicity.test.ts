import { describe, expect, it } from 'vitest'
import * as D from '@/domain'
import { DAY, T0, domainError } from './support.ts'

const notice = D.notice({ id: 'notice:d1', villageId: 'qingbo', stage: 'decision', subjectId: 'vote:v1', title: '2026 项目决策公示', ...D.noticeWindow(T0) })
const objection = (id: string, at: number) => D.objection({ id, noticeId: 'notice:d1', raisedBy: 'person:zhang', text: '步道位置不合适', at })
const answer = (objectionId: string, at: number) => D.answer({ id: `answer:${objectionId.slice(10)}`, objectionId, answeredBy: 'person:chair', text: '已调整', at })

describe('publicity', () => {
  it('runs 7 days by default', () => {
    expect(notice.endAt - notice.startAt).toBe(7 * DAY)
    expect(D.noticeStatus(notice, T0 - 1)).toBe('upcoming')
    expect(D.noticeStatus(notice, T0 + DAY)).toBe('running')
    expect(D.daysLeft(notice, T0 + DAY)).toBe(6)
    expect(D.noticeStatus(notice, T0 + 7 * DAY)).toBe('ended')
    expect(D.noticeWindow(T0, 10).endAt).toBe(T0 + 10 * DAY)
  })

  it('takes objections only within the window', () => {
    expect(() => D.checkObjection(notice, objection('objection:1', T0 + DAY))).not.toThrow()
    expect(domainError(() => D.checkObjection(notice, objection('objection:1', T0 + 7 * DAY))).code).toBe('publicity.outside-window')
  })

  it('may not proceed before the end, nor while an objection is unanswered', () => {
    const objections = [objection('objection:1', T0 + DAY), objection('objection:2', T0 + 2 * DAY)]
    expect(D.mayProceed(notice, objections, [], T0 + 3 * DAY).reasons).toHaveLength(2)
    const afterEnd = D.mayProceed(notice, objections, [answer('objection:1', T0 + 2 * DAY)], T0 + 8 * DAY)
    expect(afterEnd).toEqual({ ok: false, reasons: ['1 objection(s) not yet answered'], overriddenBy: '' })
    expect(domainError(() => D.assertMayProceed(notice, objections, [], T0 + 8 * DAY)).code).toBe('publicity.open-objections')
    expect(domainError(() => D.assertMayProceed(notice, [], [], T0 + DAY)).code).toBe('publicity.not-ended')
    expect(D.mayProceed(notice, objections, objections.map((o) => answer(o.id, T0 + 3 * DAY)), T0 + 8 * DAY).ok).toBe(true)
  })

  it('proceeds with an unanswered objection only with an override on record', () => {
    const o = D.override({ id: 'override:1', procedureId: 'procedure:p', step: 'publicise-decision', action: 'proceed', personId: 'person:chair', reason: '异议人已撤回（口头）', at: T0 + 8 * DAY })
    const check = D.mayProceed(notice, [objection('objection:1', T0 + DAY)], [], T0 + 8 * DAY, o)
    expect(check).toMatchObject({ ok: true, overriddenBy: 'override:1' })
  })

  it('finds overdue answers and re-publishes with a new window', () => {
    const objections = [objection('objection:1', T0 + DAY)]
    expect(D.overdueObjections(notice, objections, [], T0 + 8 * DAY)).toHaveLength(0)
    expect(D.overdueObjections(notice, objections, [], T0 + 8 * DAY + 1)).toHaveLength(1)
    const again = D.republish(notice, 'notice:d1-2', T0 + 10 * DAY)
    expect(again).toMatchObject({ id: 'notice:d1-2', republishes: 'notice:d1', startAt: T0 + 10 * DAY, endAt: T0 + 17 * DAY, title: notice.title })
  })
})
