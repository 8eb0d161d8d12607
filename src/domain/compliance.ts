import { isCoSigned, lastCoSignWords } from './budget.ts'
import type { CoSignRule } from './budget.ts'
import { minimumFor, satisfies } from './meeting.ts'
import type { MeetingRule } from './meeting.ts'
import type { ProcedureState, ProcedureTemplate } from './procedure.ts'
import type { Allocation, CoSignature, Fund, LedgerEntry, Meeting, MeetingKind, Notice, Override, Progress, Resolution, Time } from './model/types.ts'
import { DAY_MS } from './model/publicity.ts'
import { announcementOf, decisionNoticeOf } from './gates.ts'
import { mayDo } from './acts.ts'
import type { CheckOff, Person, Vote } from './model/types.ts'

/**
 * Compliance flags for the township dashboard and the supervisors' checklist: pure checks over
 * records a hub or a township device already holds. Each returns the flags it raises (an empty list
 * when all is well). A flag carries no sentence: its `code` and `variant` name the words, which the
 * screens look up in the person's language (`compliance.<code>.title` and `compliance.<code>.<variant>`
 * in src/i18n), and `details` holds what those words are filled with — names rather than ids, amounts
 * in fen and times in ms for the screen to format, a step's key for the screen to name.
 */
export const FLAG_TEXTS = {
  'adopted-without-quorum': ['short-of-quorum', 'short-of-yes'],
  'expense-without-cosign': ['expense', 'questioned'],
  'work-before-publicity-ended': ['no-notice', 'early'],
  'allocations-over-fund': ['over'],
  'step-skipped-without-override': ['no-record', 'override-missing'],
  'step-overridden': ['skip', 'proceed'],
  'step-taken-early': ['early'],
  'vote-before-notice': ['no-notice', 'early'],
  'spending-before-publicity': ['no-notice', 'early'],
  'act-by-wrong-person': ['override'],
} as const satisfies Record<string, readonly string[]>

export type FlagCode = keyof typeof FLAG_TEXTS
export const FLAG_CODES = Object.keys(FLAG_TEXTS) as FlagCode[]

/**
 * How much a flag weighs. A step taken early or forced through with who and why on record followed the
 * procedure, with a flag (DOMAIN.md: a skipped or overridden step is recorded with who did it and why):
 * it asks the supervisors and the township to verify the reason ('verify', 请核实). Every other flag is
 * a rule broken ('violation', 不合规). The tablet's checklist and the township read this one rule.
 */
export type FlagWeight = 'violation' | 'verify'
const TO_VERIFY: ReadonlySet<string> = new Set<FlagCode>(['step-taken-early', 'step-overridden'])
export function flagWeight(flag: { code: string }): FlagWeight {
  return TO_VERIFY.has(flag.code) ? 'verify' : 'violation'
}
/** The weight of several flags: a violation if any is one, 'verify' if all are recorded overrides, null if there are none. */
export function flagsWeight(flags: readonly { code: string }[]): FlagWeight | null {
  if (!flags.length) return null
  return flags.some((f) => flagWeight(f) === 'violation') ? 'violation' : 'verify'
}

/** What a flag's words are filled with: text and numbers only (they travel to the township as JSON). */
export type FlagDetails = Record<string, string | number>

export interface ComplianceFlag<C extends FlagCode = FlagCode> {
  code: C
  /** Which of the code's wordings fits (FLAG_TEXTS). */
  variant: (typeof FLAG_TEXTS)[C][number]
  /** The record the flag is about (resolution, ledger entry, progress, fund, procedure). */
  subjectId: string
  details: FlagDetails
}

/** Words for ids (projects, people, votes) as the village's records hold them; an id without a name shows as itself. */
export type Names = ReadonlyMap<string, string>
const NO_NAMES: Names = new Map()
const nameOf = (names: Names, id: string): string => names.get(id) ?? id

function flag<C extends FlagCode>(code: C, variant: (typeof FLAG_TEXTS)[C][number], subjectId: string, details: FlagDetails): ComplianceFlag<C> {
  return { code, variant, subjectId, details }
}

/** A resolution recorded as adopted although the meeting was not quorate (or the yes votes fell short). */
export function adoptedWithoutQuorum(resolutions: readonly Resolution[], meetings: readonly Meeting[], rules: Readonly<Record<MeetingKind, MeetingRule>>): ComplianceFlag[] {
  const kindOf = new Map(meetings.map((m) => [m.id, m.kind]))
  const flags: ComplianceFlag[] = []
  for (const r of resolutions) {
    if (r.outcome !== 'adopted') continue
    const kind = kindOf.get(r.meetingId)
    if (!kind) continue
    const rule = rules[kind]
    const needed = minimumFor(rule.quorum, r.members)
    if (!satisfies(rule.quorum, r.present, r.members)) {
      flags.push(flag('adopted-without-quorum', 'short-of-quorum', r.id, { motion: r.motion, present: r.present, members: r.members, needed, meetingId: r.meetingId }))
      continue
    }
    const base = rule.threshold.of === 'members' ? r.members : rule.threshold.of === 'present' ? r.present : r.yes + r.no
    if (!satisfies(rule.threshold, r.yes, base)) {
      const yesNeeded = minimumFor(rule.threshold, base)
      flags.push(flag('adopted-without-quorum', 'short-of-yes', r.id, { motion: r.motion, yes: r.yes, yesNeeded, meetingId: r.meetingId }))
    }
  }
  return flags
}

/**
 * Expenses not co-signed, older than `graceDays` at `now`: with no co-signature yet (`expense`), or with a
 * supervisor's question standing (`questioned`, with the question: the committee asked, it is not missing).
 */
export function expensesWithoutCoSignature(ledger: readonly LedgerEntry[], cosigns: readonly CoSignature[], rule: CoSignRule, now: Time, graceDays = 0, names: Names = NO_NAMES): ComplianceFlag[] {
  return ledger
    .filter((l) => l.kind === 'expense' && now - l.at >= graceDays * DAY_MS && !isCoSigned(l, cosigns, rule))
    .map((l) => {
      const details = { amount: l.amount, payee: l.payee, project: nameOf(names, l.projectId), projectId: l.projectId, at: l.at }
      const question = lastCoSignWords(l, cosigns, rule).find((c) => !c.approve)
      return question
        ? flag('expense-without-cosign', 'questioned', l.id, { ...details, question: question.note })
        : flag('expense-without-cosign', 'expense', l.id, details)
    })
}

/**
 * Work started on a project before the public notice of the decision that funded it had ended
 * (or with no decision notice at all), with no `early` override on record for the project: one with
 * its reason is shown once, as the override (`overridesOnRecord`), not again as unexplained work.
 * `decisions` pairs each decision notice with the projects it covers; a re-published notice extends
 * the window to its own end.
 */
export function workBeforePublicityEnded(progress: readonly Progress[], decisions: ReadonlyArray<{ notice: Notice; projectIds: readonly string[] }>, names: Names = NO_NAMES, overrides: readonly Override[] = []): ComplianceFlag[] {
  const explained = new Set(overrides.filter((o) => o.action === 'early').map((o) => o.subjectId))
  const endOf = new Map<string, number>()
  for (const { notice, projectIds } of decisions) {
    if (notice.stage !== 'decision') continue
    for (const p of projectIds) endOf.set(p, Math.max(endOf.get(p) ?? 0, notice.endAt))
  }
  const flags: ComplianceFlag[] = []
  const flagged = new Set<string>()
  for (const p of [...progress].sort((a, b) => a.at - b.at)) {
    if (!p.startsWork || flagged.has(p.projectId) || explained.has(p.projectId)) continue
    const end = endOf.get(p.projectId)
    if (end === undefined) {
      flagged.add(p.projectId)
      flags.push(flag('work-before-publicity-ended', 'no-notice', p.id, { project: nameOf(names, p.projectId), projectId: p.projectId, startedAt: p.at }))
    } else if (p.at < end) {
      flagged.add(p.projectId)
      const days = Math.ceil((end - p.at) / DAY_MS)
      flags.push(flag('work-before-publicity-ended', 'early', p.id, { project: nameOf(names, p.projectId), projectId: p.projectId, days, startedAt: p.at, noticeEndsAt: end }))
    }
  }
  return flags
}

/** Funds whose allocations add up to more than the fund. */
export function allocationsOverFund(funds: readonly Fund[], allocations: readonly Allocation[]): ComplianceFlag[] {
  return funds.flatMap((f) => {
    const total = allocations.reduce((s, a) => s + (a.fundId === f.id ? a.amount : 0), 0)
    return total > f.amount
      ? [flag('allocations-over-fund', 'over', f.id, { year: f.year, total, fund: f.amount, over: total - f.amount })]
      : []
  })
}

/**
 * Steps a procedure passed without a record: a step before the current one missing from the
 * history, or recorded as overridden by an override that does not exist (or is for another step).
 */
export function stepsSkippedWithoutOverride(template: ProcedureTemplate, state: ProcedureState, overrides: readonly Override[]): ComplianceFlag[] {
  const byId = new Map(overrides.map((o) => [o.id, o]))
  const reached = state.current ? template.steps.findIndex((s) => s.key === state.current) : template.steps.length
  const upTo = reached < 0 ? template.steps.length : reached
  const flags: ComplianceFlag[] = []
  for (const step of template.steps.slice(0, upTo)) {
    const record = state.history.find((h) => h.step === step.key)
    if (!record) {
      flags.push(flag('step-skipped-without-override', 'no-record', state.id, { step: step.key }))
      continue
    }
    if (!record.overrideId) continue
    const o = byId.get(record.overrideId)
    const valid = o !== undefined && o.procedureId === state.id && (o.action === 'skip' || o.step === step.key)
    if (!valid) {
      flags.push(flag('step-skipped-without-override', 'override-missing', state.id, { step: step.key, overrideId: record.overrideId }))
    }
  }
  return flags
}

/**
 * Every recorded override is shown to the township: a step forced through or skipped
 * (`step-overridden`), or taken before its publicity ended (`step-taken-early`), with who and why.
 */
export function overridesOnRecord(overrides: readonly Override[], names: Names = NO_NAMES): ComplianceFlag[] {
  return [...overrides].sort((a, b) => a.at - b.at).map((o): ComplianceFlag => {
    const who = { person: nameOf(names, o.personId), personId: o.personId, reason: o.reason, at: o.at, overrideId: o.id, step: o.step }
    return o.action === 'early'
      ? flag('step-taken-early', 'early', o.subjectId || o.id, { ...who, subject: nameOf(names, o.subjectId), subjectId: o.subjectId })
      : flag('step-overridden', o.action, o.procedureId || o.id, { ...who, action: o.action })
  })
}

/** Votes that took check-offs before their announcement had run its window, with no `early` override on record. */
export function votesBeforeNotice(votes: readonly Vote[], notices: readonly Notice[], overrides: readonly Override[], checkoffs: readonly Pick<CheckOff, 'voteId' | 'at'>[]): ComplianceFlag[] {
  return votes.flatMap((v) => {
    const first = checkoffs.filter((c) => c.voteId === v.id).reduce((min, c) => Math.min(min, c.at), Infinity)
    if (first === Infinity || overrides.some((o) => o.action === 'early' && o.subjectId === v.id)) return []
    const notice = announcementOf(v.id, notices)
    if (notice && first >= notice.endAt) return []
    return [flag('vote-before-notice', notice ? 'early' : 'no-notice', v.id, { title: v.title, voteId: v.id, firstVoteAt: first, noticeEndsAt: notice?.endAt ?? 0 })]
  })
}

/** Expenses recorded before the public notice of the decision that funded their project had ended, with no `early` override. */
export function spendingBeforePublicity(ledger: readonly LedgerEntry[], decisions: ReadonlyArray<{ notice: Notice; projectIds: readonly string[] }>, overrides: readonly Override[], names: Names = NO_NAMES): ComplianceFlag[] {
  return ledger.filter((l) => l.kind === 'expense').flatMap((l) => {
    if (overrides.some((o) => o.action === 'early' && o.subjectId === l.projectId)) return []
    const notice = decisionNoticeOf(l.projectId, decisions)
    if (notice && l.at >= notice.endAt) return []
    return [flag('spending-before-publicity', notice ? 'early' : 'no-notice', l.id, { amount: l.amount, project: nameOf(names, l.projectId), projectId: l.projectId, at: l.at, noticeEndsAt: notice?.endAt ?? 0 })]
  })
}

/** Overrides recorded in the name of someone the roster does not allow to override the procedure (src/domain/acts.ts). */
export function actsByWrongPerson(overrides: readonly Override[], persons: readonly Pick<Person, 'id' | 'roles'>[], names: Names = NO_NAMES): ComplianceFlag[] {
  const rolesOf = new Map(persons.map((p) => [p.id, p.roles as readonly string[]]))
  const rosterHasClerk = persons.some((p) => p.roles.includes('clerk'))
  return overrides.filter((o) => rosterHasClerk && rolesOf.has(o.personId) && !mayDo('cycle.override', rolesOf.get(o.personId) ?? []))
    .map((o) => flag('act-by-wrong-person', 'override', o.id, { step: o.step, person: nameOf(names, o.personId), personId: o.personId, act: 'cycle.override' }))
}

export interface ComplianceInput {
  now: Time
  meetings?: readonly Meeting[]
  resolutions?: readonly Resolution[]
  meetingRules?: Readonly<Record<MeetingKind, MeetingRule>>
  ledger?: readonly LedgerEntry[]
  cosigns?: readonly CoSignature[]
  cosignRule?: CoSignRule
  graceDays?: number
  progress?: readonly Progress[]
  decisions?: ReadonlyArray<{ notice: Notice; projectIds: readonly string[] }>
  funds?: readonly Fund[]
  allocations?: readonly Allocation[]
  procedures?: ReadonlyArray<{ template: ProcedureTemplate; state: ProcedureState }>
  overrides?: readonly Override[]
  votes?: readonly Vote[]
  notices?: readonly Notice[]
  checkoffs?: readonly Pick<CheckOff, 'voteId' | 'at'>[]
  persons?: readonly Pick<Person, 'id' | 'roles'>[]
  /** Names for the ids the flags mention (projects, people, votes), so no id reaches a screen. */
  names?: Names
}

/** Every flag for one village's records. */
export function complianceFlags(input: ComplianceInput): ComplianceFlag[] {
  const flags: ComplianceFlag[] = []
  if (input.resolutions && input.meetings && input.meetingRules) flags.push(...adoptedWithoutQuorum(input.resolutions, input.meetings, input.meetingRules))
  const names = input.names ?? NO_NAMES
  if (input.ledger && input.cosignRule) flags.push(...expensesWithoutCoSignature(input.ledger, input.cosigns ?? [], input.cosignRule, input.now, input.graceDays, names))
  if (input.progress) flags.push(...workBeforePublicityEnded(input.progress, input.decisions ?? [], names, input.overrides ?? []))
  if (input.funds) flags.push(...allocationsOverFund(input.funds, input.allocations ?? []))
  for (const p of input.procedures ?? []) flags.push(...stepsSkippedWithoutOverride(p.template, p.state, input.overrides ?? []))
  if (input.overrides) flags.push(...overridesOnRecord(input.overrides, names))
  if (input.votes && input.notices) flags.push(...votesBeforeNotice(input.votes, input.notices, input.overrides ?? [], input.checkoffs ?? []))
  if (input.ledger && input.decisions) flags.push(...spendingBeforePublicity(input.ledger, input.decisions, input.overrides ?? [], names))
  if (input.overrides && input.persons) flags.push(...actsByWrongPerson(input.overrides, input.persons, names))
  return flags
}
