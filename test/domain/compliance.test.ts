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
    expect(raised[0]).toMatchObject({ code: 'adopted-without-quorum', variant: 'short-of-quorum', subjectId: 'resolution:r1', details: { motion: '确定候选项目', present: 20, members: 37, needed: 25 } })
    expect(D.adoptedWithoutQuorum([resolution(28, 15)], [meeting], rules)[0]).toMatchObject({ variant: 'short-of-yes', details: { yes: 15, yesNeeded: 19 } })
    expect(D.adoptedWithoutQuorum([resolution(28, 20)], [meeting], rules)).toEqual([])
    expect(D.adoptedWithoutQuorum([resolution(20, 20, 'not-quorate')], [meeting], rules)).toEqual([])
  })

  const ledger = [D.ledgerEntry({ id: 'ledger:1', fundId: 'fund:2026', projectId: 'project:a', amount: 500_000, payee: '施工队', at: T0, recordedBy: 'person:clerk' })]
  const cosignRule = { supervisors: ['person:sup1'] }

  it('an expense without co-signature: raised / not raised', () => {
    expect(D.expensesWithoutCoSignature(ledger, [], cosignRule, T0 + DAY, 0, new Map([['project:a', '路灯']]))[0]).toMatchObject({ code: 'expense-without-cosign', subjectId: 'ledger:1', details: { amount: 500_000, payee: '施工队', project: '路灯' } })
    const signed = [D.coSignature({ id: 'cosign:1', ledgerId: 'ledger:1', supervisorId: 'person:sup1', at: T0 + 1 })]
    expect(D.expensesWithoutCoSignature(ledger, signed, cosignRule, T0 + DAY)).toEqual([])
    expect(D.expensesWithoutCoSignature(ledger, [], cosignRule, T0 + DAY, 3)).toEqual([]) // still within the grace days
    // a question standing is said as a question, with its words; answered by the supervisor signing again, it is gone
    const asked = D.coSignature({ id: 'cosign:q', ledgerId: 'ledger:1', supervisorId: 'person:sup1', approve: false, note: '没有发票', at: T0 + 1 })
    expect(D.expensesWithoutCoSignature(ledger, [asked], cosignRule, T0 + DAY)).toMatchObject([{ code: 'expense-without-cosign', variant: 'questioned', details: { question: '没有发票' } }])
    expect(D.expensesWithoutCoSignature(ledger, [asked, { ...signed[0]!, at: T0 + 2 }], cosignRule, T0 + DAY)).toEqual([])
  })

  const notice = D.notice({ id: 'notice:d1', villageId: 'qingbo', stage: 'decision', subjectId: 'vote:v1', title: '决策公示', startAt: T0, days: 7 })
  const started = (at: number) => D.progress({ id: 'progress:1', projectId: 'project:a', at, by: 'person:lead', startsWork: true, text: '开工' })

  it('implementation started before the decision\'s publicity ended: raised / not raised', () => {
    const decisions = [{ notice, projectIds: ['project:a'] }]
    expect(D.workBeforePublicityEnded([started(T0 + 3 * DAY)], decisions)[0]).toMatchObject({ code: 'work-before-publicity-ended', variant: 'early', details: { project: 'project:a', days: 4 } })
    expect(D.workBeforePublicityEnded([started(T0 + 8 * DAY)], []).length).toBe(1) // no decision notice at all
    expect(D.workBeforePublicityEnded([started(T0 + 7 * DAY)], decisions)).toEqual([])
    expect(D.workBeforePublicityEnded([{ ...started(T0 + DAY), startsWork: false }], decisions)).toEqual([])
  })

  it('work started early with its reason on record is one flag, the override with its reason — not a second, unexplained one', () => {
    const decisions = [{ notice, projectIds: ['project:a'] }]
    const early = D.override({ id: 'override:e', procedureId: 'procedure:p', step: 'publicise-decision', action: 'early', subjectId: 'project:a', personId: 'person:chair', reason: '雨季前必须完工', at: T0 + 3 * DAY })
    expect(D.workBeforePublicityEnded([started(T0 + 3 * DAY)], decisions, new Map(), [early])).toEqual([])
    const flags = D.complianceFlags({ now: T0 + 10 * DAY, progress: [started(T0 + 3 * DAY)], decisions, overrides: [early] })
    expect(flags.map((f) => f.code)).toEqual(['step-taken-early'])
    expect(flags[0]!.details).toMatchObject({ reason: '雨季前必须完工' })
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
    expect(flags[0]).toMatchObject({ variant: 'no-record', details: { step: 'collect' } })
  })

  it('gathers every flag for a village', () => {
    const flags = D.complianceFlags({ now: T0 + DAY, meetings: [meeting], resolutions: [resolution(20, 20)], meetingRules: rules, ledger, cosignRule, funds: [], progress: [started(T0 + DAY)], decisions: [{ notice, projectIds: ['project:a'] }] })
    // the expense (at T0) was also recorded before the decision's notice (T0 … T0 + 7 days) ended
    expect(flags.map((f) => f.code).sort()).toEqual(['adopted-without-quorum', 'expense-without-cosign', 'spending-before-publicity', 'work-before-publicity-ended'])
    expect(D.complianceFlags({ now: T0 })).toEqual([])
  })

  const early = (subjectId: string, step: string): D.Override => D.override({ id: `override:${subjectId.split(':')[1]}`, step, action: 'early', subjectId, personId: 'person:clerk', reason: '农忙前必须投完票', at: T0 + DAY })
  const vote = D.vote({ id: 'vote:v1', villageId: 'qingbo', title: '项目投票', ballotType: 'approval', opensAt: T0, closesAt: T0 + 3 * DAY, candidates: [{ id: 'project:a', title: '路灯', cost: 100 }] })
  const announcement = D.notice({ id: 'notice:a1', villageId: 'qingbo', stage: 'vote-announcement', subjectId: 'vote:v1', title: '投票公告', startAt: T0 - 2 * DAY, days: 7 })
  const checkoffAt = (at: number) => [{ voteId: 'vote:v1', at }]

  it('every recorded override shows, with its reason: forced or skipped steps, and steps taken early', () => {
    const proceed = D.override({ id: 'override:p', procedureId: 'procedure:c', step: 'announce', action: 'proceed', personId: 'person:clerk', reason: '纸质公告已贴满 7 天', at: T0 })
    const flags = D.overridesOnRecord([early('vote:v1', 'announce'), proceed])
    expect(flags.map((f) => [f.code, f.details.reason])).toEqual([['step-overridden', '纸质公告已贴满 7 天'], ['step-taken-early', '农忙前必须投完票']])
    expect(D.overridesOnRecord([])).toEqual([])
  })

  it('a vote that took check-offs before its announcement ended: raised unless an early override is on record', () => {
    expect(D.votesBeforeNotice([vote], [announcement], [], checkoffAt(T0 + DAY))[0]).toMatchObject({ code: 'vote-before-notice', subjectId: 'vote:v1' })
    expect(D.votesBeforeNotice([vote], [], [], checkoffAt(T0 + 9 * DAY))).toHaveLength(1) // never announced
    expect(D.votesBeforeNotice([vote], [announcement], [], checkoffAt(T0 + 5 * DAY))).toEqual([]) // announcement ended at T0 + 5 days
    expect(D.votesBeforeNotice([vote], [announcement], [early('vote:v1', 'announce')], checkoffAt(T0 + DAY))).toEqual([])
    expect(D.votesBeforeNotice([vote], [announcement], [], [])).toEqual([])
  })

  it('an expense before the decision\'s notice ended: raised unless an early override for its project is on record', () => {
    const decisions = [{ notice, projectIds: ['project:a'] }]
    expect(D.spendingBeforePublicity(ledger, decisions, [])[0]).toMatchObject({ code: 'spending-before-publicity', subjectId: 'ledger:1' })
    expect(D.spendingBeforePublicity(ledger, [], [])).toHaveLength(1)
    expect(D.spendingBeforePublicity([{ ...ledger[0]!, at: T0 + 7 * DAY }], decisions, [])).toEqual([])
    expect(D.spendingBeforePublicity(ledger, decisions, [early('project:a', 'publicise-decision')])).toEqual([])
  })

  it('an override in the name of someone who is not the clerk is flagged (the acts table decides)', () => {
    const persons = [{ id: 'person:clerk', roles: ['clerk'] as D.Role[] }, { id: 'person:zhang', roles: [] as D.Role[] }]
    const o = (personId: string) => D.override({ id: 'override:x', procedureId: 'procedure:c', step: 'collect', action: 'skip', personId, reason: '来不及了', at: T0 })
    expect(D.actsByWrongPerson([o('person:zhang')], persons)[0]).toMatchObject({ code: 'act-by-wrong-person', details: { personId: 'person:zhang' } })
    expect(D.actsByWrongPerson([o('person:clerk')], persons)).toEqual([])
  })
})

describe('how much a flag weighs (one rule for the checklist and the township)', () => {
  it('a step taken early or forced through with its reason on record asks to verify; every other flag is a violation', () => {
    expect(D.FLAG_CODES.filter((code) => D.flagWeight({ code }) === 'verify').sort()).toEqual(['step-overridden', 'step-taken-early'])
    expect(D.flagWeight({ code: 'vote-before-notice' })).toBe('violation')
    expect(D.flagWeight({ code: 'step-skipped-without-override' })).toBe('violation')
    expect(D.flagsWeight([])).toBeNull()
    expect(D.flagsWeight([{ code: 'step-taken-early' }, { code: 'step-overridden' }])).toBe('verify')
    expect(D.flagsWeight([{ code: 'step-taken-early' }, { code: 'spending-before-publicity' }])).toBe('violation')
  })
})
