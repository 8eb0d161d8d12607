import { describe, expect, it } from 'vitest'
import * as D from '@/domain'
import words from '@/i18n/compliance'
import { DAY, T0 } from './support.ts'

// Every flag the domain can raise is shown on Chinese screens (supervision, township): each code
// needs a title and each of its wordings a sentence, in Chinese and in English, filled only with
// what the flag carries. A flag added without its words fails here.

type Texts = Record<string, Record<string, string> | string>
const LANGS = { 'zh-CN': words['zh-CN'] as Texts, en: words.en as Texts }
const placeholders = (s: string) => [...new Set([...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]))]

/** One flag of every wording, from the domain's own checks. */
function everyWording(): D.ComplianceFlag[] {
  const names = new Map([['project:a', '路灯'], ['person:zhang', '张三'], ['person:clerk', '李文书'], ['vote:v1', '项目投票']])
  const meeting = D.meeting({ id: 'meeting:m1', villageId: 'qingbo', kind: 'village-council', title: '议事会', scheduledAt: T0, memberCount: 37 })
  const resolution = (present: number, yes: number): D.Resolution => ({
    id: 'resolution:r1', meetingId: 'meeting:m1', agendaKey: 'a1', motion: '确定候选项目', members: 37, present, yes, no: present - yes, abstain: 0, outcome: 'adopted', explanation: '', at: T0, recordedBy: 'person:clerk',
  })
  const ledger = [D.ledgerEntry({ id: 'ledger:1', fundId: 'fund:2026', projectId: 'project:a', amount: 500_000, payee: '施工队', at: T0, recordedBy: 'person:clerk' })]
  const notice = D.notice({ id: 'notice:d1', villageId: 'qingbo', stage: 'decision', subjectId: 'vote:v1', title: '决策公示', startAt: T0, days: 7 })
  const decisions = [{ notice, projectIds: ['project:a'] }]
  const started = (at: number) => D.progress({ id: 'progress:1', projectId: 'project:a', at, by: 'person:lead', startsWork: true, text: '开工' })
  const fund = D.fund({ id: 'fund:2026', villageId: 'qingbo', year: 2026, amount: 100 })
  const allocation = D.allocation({ id: 'allocation:x', fundId: 'fund:2026', projectId: 'project:a', amount: 200, decidedBy: 'vote:v1', at: T0 })
  const T = D.DEFAULT_TEMPLATE
  const jumped: D.ProcedureState = { ...D.startProcedure(T, 'procedure:p', 'fund:2026', T0), current: 'feedback' }
  const cites: D.ProcedureState = { ...jumped, history: [{ step: 'collect', completedAt: T0, by: 'person:clerk', overrideId: 'override:none' }] }
  const o = (action: D.Override['action'], personId = 'person:clerk') => D.override({ id: `override:${action}`, procedureId: 'procedure:p', step: 'collect', action, subjectId: action === 'early' ? 'vote:v1' : '', personId, reason: '来不及了', at: T0 })
  const vote = D.vote({ id: 'vote:v1', villageId: 'qingbo', title: '项目投票', ballotType: 'approval', opensAt: T0, closesAt: T0 + 3 * DAY, candidates: [{ id: 'project:a', title: '路灯', cost: 100 }] })
  const announcement = D.notice({ id: 'notice:a1', villageId: 'qingbo', stage: 'vote-announcement', subjectId: 'vote:v1', title: '投票公告', startAt: T0, days: 7 })
  const persons = [{ id: 'person:clerk', roles: ['clerk'] as D.Role[] }, { id: 'person:zhang', roles: [] as D.Role[] }]
  return [
    ...D.adoptedWithoutQuorum([resolution(20, 20), { ...resolution(28, 15), id: 'resolution:r2' }], [meeting], D.DEFAULT_MEETING_RULES),
    ...D.expensesWithoutCoSignature(ledger, [], { supervisors: ['person:sup'] }, T0 + DAY, 0, names),
    ...D.expensesWithoutCoSignature(ledger, [D.coSignature({ id: 'cosign:q', ledgerId: ledger[0]!.id, supervisorId: 'person:sup', approve: false, note: '没有发票', at: T0 })], { supervisors: ['person:sup'] }, T0 + DAY, 0, names),
    ...D.workBeforePublicityEnded([started(T0 + DAY)], decisions, names),
    ...D.workBeforePublicityEnded([started(T0 + DAY)], [], names),
    ...D.allocationsOverFund([fund], [allocation]),
    ...D.stepsSkippedWithoutOverride(T, jumped, []),
    ...D.stepsSkippedWithoutOverride(T, cites, []),
    ...D.overridesOnRecord([o('skip'), o('proceed'), o('early')], names),
    ...D.votesBeforeNotice([vote], [announcement], [], [{ voteId: 'vote:v1', at: T0 + DAY }]),
    ...D.votesBeforeNotice([vote], [], [], [{ voteId: 'vote:v1', at: T0 + DAY }]),
    ...D.spendingBeforePublicity(ledger, decisions, [], names),
    ...D.spendingBeforePublicity(ledger, [], [], names),
    ...D.actsByWrongPerson([o('skip', 'person:zhang')], persons, names),
  ]
}

describe('compliance flags in words', () => {
  const flags = everyWording()

  it('each code has a title and each of its wordings a sentence, in Chinese and in English', () => {
    for (const [lang, texts] of Object.entries(LANGS)) {
      for (const code of D.FLAG_CODES) {
        const entry = texts[code]
        expect(typeof entry, `${lang}: ${code}`).toBe('object')
        const text = entry as Record<string, string>
        expect(text.title?.trim(), `${lang}: ${code}.title`).toBeTruthy()
        for (const variant of D.FLAG_TEXTS[code]) expect(text[variant]?.trim(), `${lang}: ${code}.${variant}`).toBeTruthy()
      }
    }
  })

  it('the checks raise every wording there is, and fill every placeholder of its sentence', () => {
    const raised = new Set(flags.map((f) => `${f.code}.${f.variant}`))
    const declared = D.FLAG_CODES.flatMap((code) => D.FLAG_TEXTS[code].map((v) => `${code}.${v}`))
    expect([...raised].sort()).toEqual([...declared].sort())
    for (const f of flags) {
      for (const [lang, texts] of Object.entries(LANGS)) {
        const sentence = (texts[f.code] as Record<string, string>)[f.variant] ?? ''
        for (const name of placeholders(sentence)) expect(f.details, `${lang}: ${f.code}.${f.variant} needs {${name}}`).toHaveProperty(name!)
      }
    }
  })

  it('a flag names projects and people by the names passed in, not by their ids', () => {
    const shown = flags.flatMap((f) => [f.details.project, f.details.person, f.details.subject]).filter((x) => x !== undefined)
    expect(shown.length).toBeGreaterThan(0)
    for (const x of shown) expect(String(x)).not.toMatch(/^(project|person|vote):/)
  })
})
