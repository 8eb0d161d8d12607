import { describe, expect, it } from 'vitest'
import * as D from '@/domain'
import { DAY, T0 } from './support.ts'

const meeting = D.meeting({ id: 'meeting:m1', villageId: 'qingbo', kind: 'village-council', title: '议事会', scheduledAt: T0, memberCount: 37 })
const resolution = (present: number, yes: number, outcome: D.Outcome = 'adopted'): D.Resolution => ({
  id: 'resolution:r1', meetingId: 'meeting:m1', agendaKey: 'a1', motion: '确定候选项目', members: 37, present, yes, no: present - yes, abstain: 0, outcome, explanation: '', at: T0, recordedBy: 'person:clerk',
})
const rules = D.DEFAULT_MEETING_RULES

describe('compliance flags', () => {
  it('a resolution adopted without quorum: raised / not raised', () => {
    const raised = D.adoptedWithoutQuorum([resolution(20, 20)], [meeting], rules)
    expect(raised).toHaveLength(1)
    expect(raised[0]).toMatchObject({ code: 'adopted-without-quorum', subjectId: 'resolution:r1', message: '"确定候选项目" was recorded as adopted with 20 of 37 present; quorum is 25' })
    expect(D.adoptedWithoutQuorum([resolution(28, 15)], [meeting], rules)[0]?.message).toContain('15 yes; 19 were needed')
    expect(D.adoptedWithoutQuorum([resolution(28, 20)], [meeting], rules)).toEqual([])
    expect(D.adoptedWithoutQuorum([resolution(20, 20, 'not-quorate')], [meeting], rules)).toEqual([])
  })

  const ledger = [D.ledgerEntry({ id: 'ledger:1', fundId: 'fund:2026', projectId: 'project:a', amount: 500_000, payee: '施工队', at: T0, recordedBy: 'person:clerk' })]
  const cosignRule = { supervisors: ['person:sup1'] }

  it('an expense without co-signature: raised / not raised', () => {
    expect(D.expensesWithoutCoSignature(ledger, [], cosignRule, T0 + DAY)[0]).toMatchObject({ code: 'expense-without-cosign', subjectId: 'ledger:1', message: 'expense of ¥5,000 to 施工队 (project:a) has no co-signature from the supervisory committee' })
    const signed = [D.coSignature({ id: 'cosign:1', ledgerId: 'ledger:1', supervisorId: 'person:sup1', at: T0 + 1 })]
    expect(D.expensesWithoutCoSignature(ledger, signed, cosignRule, T0 + DAY)).toEqual([])
    expect(D.expensesWithoutCoSignature(ledger, [], cosignRule, T0 + DAY, 3)).toEqual([]) // still within the grace days
  })

  const notice = D.notice({ id: 'notice:d1', villageId: 'qingbo', stage: 'decision', subjectId: 'vote:v1', title: '决策公示', startAt: T0, days: 7 })
  const started = (at: number) => D.progress({ id: 'progress:1', projectId: 'project:a', at, by: 'person:lead', startsWork: true, text: '开工' })

  it('implementation started before the decision\'s publicity ended: raised / not raised', () => {
    const decisions = [{ notice, projectIds: ['project:a'] }]
    expect(D.workBeforePublicityEnded([started(T0 + 3 * DAY)], decisions)[0]).toMatchObject({ code: 'work-before-publicity-ended', message: 'work on project:a started 4 day(s) before the decision\'s notice ended' })
    expect(D.workBeforePublicityEnded([started(T0 + 8 * DAY)], []).length).toBe(1) // no decision notice at all
    expect(D.workBeforePublicityEnded([started(T0 + 7 * DAY)], decisions)).toEqual([])
    expect(D.workBeforePublicityEnded([{ ...started(T0 + DAY), startsWork: false }], decisions)).toEqual([])
  })

  it('allocations above the fund: raised / not raised', () => {
    const fund = D.fund({ id: 'fund:2026', villageId: 'qingbo', year: 2026, amount: 20_000_000 })
    const a = (id: string, amount: number) => D.allocation({ id, fundId: 'fund:2026', projectId: `project:${id.slice(11)}`, amount, decidedBy: 'vote:v1', at: T0 })
    expect(D.allocationsOverFund([fund], [a('allocation:x', 15_000_000), a('allocation:y', 6_000_000)])[0]).toMatchObject({ code: 'allocations-over-fund', subjectId: 'fund:2026', details: { over: 1_000_000 } })
    expect(D.allocationsOverFund([fund], [a('allocation:x', 15_000_000), a('allocation:y', 5_000_000)])).toEqual([])
  })

  it('a step skipped without a recorded override: raised / not raised', () => {
    const T = D.DEFAULT_TEMPLATE
    const o = D.override({ id: 'override:1', procedureId: 'procedure:p', step: 'collect', action: 'skip', personId: 'person:chair', reason: '上级要求加快', at: T0 })
    const properlySkipped = D.skipTo(T, D.startProcedure(T, 'procedure:p', 'fund:2026', T0), 'deliberate', o)
    expect(D.stepsSkippedWithoutOverride(T, properlySkipped, [o])).toEqual([])
    // the same state whose override is not on record
    expect(D.stepsSkippedWithoutOverride(T, properlySkipped, [])).toHaveLength(2)
    // a state that jumped ahead with no history at all
    const jumped: D.ProcedureState = { ...D.startProcedure(T, 'procedure:p', 'fund:2026', T0), current: 'decide' }
    const flags = D.stepsSkippedWithoutOverride(T, jumped, [])
    expect(flags.map((f) => f.details.step)).toEqual(['collect', 'feedback', 'deliberate', 'announce'])
    expect(flags[0]?.message).toBe('step "collect" was passed with no record of completion or override')
  })

  it('gathers every flag for a village', () => {
    const flags = D.complianceFlags({ now: T0 + DAY, meetings: [meeting], resolutions: [resolution(20, 20)], meetingRules: rules, ledger, cosignRule, funds: [], progress: [started(T0 + DAY)], decisions: [{ notice, projectIds: ['project:a'] }] })
    expect(flags.map((f) => f.code).sort()).toEqual(['adopted-without-quorum', 'expense-without-cosign', 'work-before-publicity-ended'])
    expect(D.complianceFlags({ now: T0 })).toEqual([])
  })
})
