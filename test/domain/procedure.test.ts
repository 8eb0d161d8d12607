import { describe, expect, it } from 'vitest'
import * as D from '@/domain'
import { DAY, T0, domainError } from './support.ts'

const T = D.DEFAULT_TEMPLATE
const override = (action: 'skip' | 'proceed', step: string) =>
  D.override({ id: `override:${action}-${step}`, procedureId: 'procedure:2026', step, action, personId: 'person:chair', reason: '村民大会已当面公示', at: T0 + DAY })

function walkTo(step: string): D.ProcedureState {
  let s = D.startProcedure(T, 'procedure:2026', 'fund:2026', T0)
  const facts: D.StepFacts = { proposals: 3, candidates: 3, adoptedResolution: true, noticeEndsAt: T0, voteClosed: true, progressRecords: 1, ledgerEntries: 1 }
  while (s.current !== step) s = D.completeStep(T, s, { at: T0 + DAY, by: 'person:clerk', facts })
  return s
}

describe('procedure template and state machine', () => {
  it('follows the default cycle in order', () => {
    expect(T.steps.map((s) => s.key)).toEqual(['collect', 'feedback', 'deliberate', 'announce', 'decide', 'publicise-decision', 'publicise-process', 'publicise-accounts'])
    const s = D.startProcedure(T, 'procedure:2026', 'fund:2026', T0)
    expect(s.current).toBe('collect')
    expect(D.nextSteps(T, s).next).toBe('feedback')
  })

  it('"decide" needs a closed vote', () => {
    const s = walkTo('decide')
    const e = domainError(() => D.completeStep(T, s, { at: T0, by: 'person:clerk', facts: { voteClosed: false } }))
    expect(e.code).toBe('procedure.requirement')
    expect(e.message).toContain('the vote is not closed')
    expect(D.completeStep(T, s, { at: T0, by: 'person:clerk', facts: { voteClosed: true } }).current).toBe('publicise-decision')
  })

  it('"publicise accounts" needs co-signed ledger entries', () => {
    const s = walkTo('publicise-accounts')
    const e = domainError(() => D.completeStep(T, s, { at: T0 + 30 * DAY, by: 'person:clerk', facts: { ledgerEntries: 4, uncosignedLedgerEntries: 1, noticeEndsAt: T0 } }))
    expect(e.message).toContain("1 of 4 expense(s) lack the supervisory committee's co-signature")
    const done = D.completeStep(T, s, { at: T0 + 30 * DAY, by: 'person:clerk', facts: { ledgerEntries: 4, uncosignedLedgerEntries: 0, noticeEndsAt: T0 } })
    expect(done.current).toBe('')
    expect(domainError(() => D.completeStep(T, done, { at: T0, by: 'x', facts: {} })).code).toBe('procedure.finished')
  })

  it('a publicity step waits for its window and for answers', () => {
    const s = walkTo('publicise-decision')
    const unmet = D.unmetRequirements(T.steps[5] as D.StepDef, { noticeEndsAt: T0 + 7 * DAY, openObjections: 2 }, T0 + 3 * DAY)
    expect(unmet.map((u) => u.requirement)).toEqual(['notice-ended', 'no-open-objections'])
    expect(domainError(() => D.completeStep(T, s, { at: T0 + 3 * DAY, by: 'x', facts: { noticeEndsAt: T0 + 7 * DAY } })).code).toBe('procedure.requirement')
  })

  it('proceeds past an unmet requirement only with a recorded override', () => {
    const s = walkTo('announce')
    const next = D.completeStep(T, s, { at: T0 + DAY, by: 'person:chair', facts: {}, override: override('proceed', 'announce') })
    expect(next.current).toBe('decide')
    expect(D.overriddenSteps(next)).toEqual([{ step: 'announce', completedAt: T0 + DAY, by: 'person:chair', overrideId: 'override:proceed-announce' }])
    // an override for another step does not count
    expect(domainError(() => D.completeStep(T, s, { at: T0, by: 'x', facts: {}, override: override('proceed', 'decide') })).code).toBe('procedure.override-invalid')
  })

  it('takes the early override already on record for the step when only its publicity is unmet (the reason is asked once)', () => {
    const s = walkTo('announce')
    const early = D.override({ id: 'override:early-vote', procedureId: 'procedure:2026', step: 'announce', action: 'early', subjectId: 'vote:v1', personId: 'person:chair', reason: '纸质公告已张贴 7 天', at: T0 + DAY })
    const running = { noticeEndsAt: T0 + 7 * DAY }
    const unmet = D.unmetRequirements(T.steps[3] as D.StepDef, running, T0 + 2 * DAY)
    expect(D.earlyCovering(s, unmet, [early])).toBe(early)
    const next = D.completeStep(T, s, { at: T0 + 2 * DAY, by: 'person:clerk', facts: running, override: early })
    expect(next.history.at(-1)).toMatchObject({ step: 'announce', overrideId: 'override:early-vote' })
    // not for another step, another cycle, or a requirement the early override does not answer
    expect(D.earlyCovering(s, unmet, [{ ...early, step: 'decide' }])).toBeNull()
    expect(D.earlyCovering(s, unmet, [{ ...early, procedureId: 'procedure:2025' }])).toBeNull()
    const objections = D.unmetRequirements(T.steps[5] as D.StepDef, { noticeEndsAt: T0 + 7 * DAY, openObjections: 1 }, T0 + 2 * DAY)
    expect(D.earlyCovering(walkTo('publicise-decision'), objections, [{ ...early, step: 'publicise-decision' }])).toBeNull()
    expect(domainError(() => D.completeStep(T, walkTo('decide'), { at: T0, by: 'x', facts: { voteClosed: false }, override: { ...early, step: 'decide' } })).code).toBe('procedure.override-invalid')
  })

  it('skips steps only with a recorded override, and records each skipped step', () => {
    const s = walkTo('feedback')
    expect(domainError(() => D.skipTo(T, s, 'collect', override('skip', 'feedback'))).code).toBe('procedure.not-next')
    const skipped = D.skipTo(T, s, 'announce', override('skip', 'feedback'))
    expect(skipped.current).toBe('announce')
    expect(D.overriddenSteps(skipped).map((h) => h.step)).toEqual(['feedback', 'deliberate'])
    expect(domainError(() => D.skipTo(T, s, 'announce', override('proceed', 'feedback'))).code).toBe('procedure.override-invalid')
  })

  it('lets a village change steps, publicity days and rules', () => {
    const t = D.procedureTemplate({
      id: 'procedure:qingbo', name: '五议两公开',
      steps: [{ key: 'propose', requires: ['proposals'] }, { key: 'resolve', requires: ['adopted-resolution'] }, { key: 'publish', publicityDays: 10, requires: ['notice-ended'] }],
      meetingRules: { 'village-council': { quorum: { num: 1, den: 2, strict: true }, threshold: { num: 2, den: 3, of: 'present' } } },
    })
    expect(t.steps[2]).toEqual({ key: 'publish', publicityDays: 10, requires: ['notice-ended'] })
    expect(D.decideMotion(t.meetingRules['village-council'], 20, 11, { yes: 7, no: 4, abstain: 0 }).outcome).toBe('rejected')
    expect(t.meetingRules['villagers-meeting']).toEqual(D.DEFAULT_MEETING_RULES['villagers-meeting'])
    expect(domainError(() => D.procedureTemplate({ id: 'procedure:x', name: 'x', steps: [{ key: 'a', requires: ['magic'] }] })).code).toBe('invalid.choice')
    expect(domainError(() => D.procedureTemplate({ id: 'procedure:x', name: 'x', steps: [{ key: 'a' }, { key: 'a' }] })).code).toBe('invalid.duplicate')
  })
})

describe('stored procedure state', () => {
  it('round-trips a state and refuses a history out of order', () => {
    const s = walkTo('announce')
    expect(D.procedureState(JSON.parse(JSON.stringify(s)))).toEqual(s)
    const bad = { ...s, history: [...s.history].reverse().map((h, i) => ({ ...h, completedAt: T0 + (10 - i) * DAY })) }
    expect(domainError(() => D.procedureState(bad)).code).toBe('invalid.order')
  })
})

describe('a village\'s procedure, read the same way everywhere', () => {
  const START = Date.UTC(2026, 2, 1)
  const cycle = (id: string, templateId: string, current: string, startedAt: number) => ({ id, templateId, subjectId: '', current, startedAt, history: [] })

  it('leaves out a template its constructor refuses: cycles then run through the default, on every device', () => {
    // two steps with one key: refused (a tampered or newer tablet wrote it)
    const bad = { id: 'procedure:own', name: '本村流程', steps: [{ key: 'collect' }, { key: 'collect' }] }
    const p = D.villageProcedure([bad, cycle('procedure:c1', 'procedure:own', 'decide', START)])
    expect(p.template).toBe(D.DEFAULT_TEMPLATE)
    expect(p.cycles.map((c) => c.template.id)).toEqual(['procedure:default'])
    // the township's compliance check then sees the default's four steps before "decide" passed with no record
    const flags = D.stepsSkippedWithoutOverride(p.cycles[0]!.template, p.cycles[0]!.state, [])
    expect(flags.map((f) => f.details.step)).toEqual(['collect', 'feedback', 'deliberate', 'announce'])
  })

  it('takes the latest cycle by its start, whatever order the records arrive in', () => {
    const p = D.villageProcedure([cycle('procedure:c2', 'procedure:default', 'decide', START + 10), cycle('procedure:c1', 'procedure:default', 'collect', START)])
    expect(p.cycles.map((c) => c.state.id)).toEqual(['procedure:c1', 'procedure:c2'])
  })

  it('is what the repository writes through: either kind of procedure document, validated', () => {
    expect(D.isProcedureState(D.procedureRecord(cycle('procedure:c1', 'procedure:default', 'collect', START)))).toBe(true)
    expect(D.procedureRecord({ ...D.DEFAULT_TEMPLATE, id: 'procedure:own' })).toMatchObject({ id: 'procedure:own', name: '两下三上三公开' })
    expect(() => D.procedureRecord({ id: 'procedure:own', name: 'x', steps: [{ key: 'a', requires: ['nothing-like-this'] }] })).toThrow(D.DomainError)
  })
})
