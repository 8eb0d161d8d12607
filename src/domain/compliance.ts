import { isCoSigned } from './budget.ts'
import type { CoSignRule } from './budget.ts'
import { formatYuan } from './money.ts'
import { minimumFor, satisfies } from './meeting.ts'
import type { MeetingRule } from './meeting.ts'
import type { ProcedureState, ProcedureTemplate } from './procedure.ts'
import type { Allocation, CoSignature, Fund, LedgerEntry, Meeting, MeetingKind, Notice, Override, Progress, Resolution, Time } from './model/types.ts'
import { DAY_MS } from './model/publicity.ts'
import { announcementOf, decisionNoticeOf } from './gates.ts'
import { mayDo } from './acts.ts'
import type { CheckOff, Person, Vote } from './model/types.ts'

/**
 * Compliance flags for the township dashboard: pure checks over records a hub or a township
 * device already holds. Each returns the flags it raises (an empty list when all is well).
 */
export type FlagCode =
  | 'adopted-without-quorum'
  | 'expense-without-cosign'
  | 'work-before-publicity-ended'
  | 'allocations-over-fund'
  | 'step-skipped-without-override'
  | 'step-overridden'
  | 'step-taken-early'
  | 'vote-before-notice'
  | 'spending-before-publicity'
  | 'act-by-wrong-person'

export interface ComplianceFlag {
  code: FlagCode
  /** The record the flag is about (resolution, ledger entry, progress, fund, procedure). */
  subjectId: string
  message: string
  details: Record<string, unknown>
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
      flags.push({ code: 'adopted-without-quorum', subjectId: r.id, message: `"${r.motion}" was recorded as adopted with ${r.present} of ${r.members} present; quorum is ${needed}`, details: { present: r.present, members: r.members, needed, meetingId: r.meetingId } })
      continue
    }
    const base = rule.threshold.of === 'members' ? r.members : rule.threshold.of === 'present' ? r.present : r.yes + r.no
    if (!satisfies(rule.threshold, r.yes, base)) {
      const yesNeeded = minimumFor(rule.threshold, base)
      flags.push({ code: 'adopted-without-quorum', subjectId: r.id, message: `"${r.motion}" was recorded as adopted with ${r.yes} yes; ${yesNeeded} were needed`, details: { yes: r.yes, yesNeeded, meetingId: r.meetingId } })
    }
  }
  return flags
}

/** Expenses with no (or a refused) co-signature, older than `graceDays` at `now`. */
export function expensesWithoutCoSignature(ledger: readonly LedgerEntry[], cosigns: readonly CoSignature[], rule: CoSignRule, now: Time, graceDays = 0): ComplianceFlag[] {
  return ledger
    .filter((l) => l.kind === 'expense' && now - l.at >= graceDays * DAY_MS && !isCoSigned(l, cosigns, rule))
    .map((l) => ({ code: 'expense-without-cosign' as const, subjectId: l.id, message: `expense of ${formatYuan(l.amount)} to ${l.payee} (${l.projectId}) has no co-signature from the supervisory committee`, details: { amount: l.amount, projectId: l.projectId, at: l.at } }))
}

/**
 * Work started on a project before the public notice of the decision that funded it had ended
 * (or with no decision notice at all). `decisions` pairs each decision notice with the projects it covers;
 * a re-published notice extends the window to its own end.
 */
export function workBeforePublicityEnded(progress: readonly Progress[], decisions: ReadonlyArray<{ notice: Notice; projectIds: readonly string[] }>): ComplianceFlag[] {
  const endOf = new Map<string, number>()
  for (const { notice, projectIds } of decisions) {
    if (notice.stage !== 'decision') continue
    for (const p of projectIds) endOf.set(p, Math.max(endOf.get(p) ?? 0, notice.endAt))
  }
  const flags: ComplianceFlag[] = []
  const flagged = new Set<string>()
  for (const p of [...progress].sort((a, b) => a.at - b.at)) {
    if (!p.startsWork || flagged.has(p.projectId)) continue
    const end = endOf.get(p.projectId)
    if (end === undefined) {
      flagged.add(p.projectId)
      flags.push({ code: 'work-before-publicity-ended', subjectId: p.id, message: `work on ${p.projectId} started ${new Date(p.at).toISOString()} with no public notice of the decision`, details: { projectId: p.projectId, startedAt: p.at } })
    } else if (p.at < end) {
      flagged.add(p.projectId)
      const days = Math.ceil((end - p.at) / DAY_MS)
      flags.push({ code: 'work-before-publicity-ended', subjectId: p.id, message: `work on ${p.projectId} started ${days} day(s) before the decision's notice ended`, details: { projectId: p.projectId, startedAt: p.at, noticeEndsAt: end } })
    }
  }
  return flags
}

/** Funds whose allocations add up to more than the fund. */
export function allocationsOverFund(funds: readonly Fund[], allocations: readonly Allocation[]): ComplianceFlag[] {
  return funds.flatMap((f) => {
    const total = allocations.reduce((s, a) => s + (a.fundId === f.id ? a.amount : 0), 0)
    return total > f.amount
      ? [{ code: 'allocations-over-fund' as const, subjectId: f.id, message: `allocations from the ${f.year} fund total ${formatYuan(total)}, ${formatYuan(total - f.amount)} more than its ${formatYuan(f.amount)}`, details: { total, fund: f.amount, over: total - f.amount } }]
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
      flags.push({ code: 'step-skipped-without-override', subjectId: state.id, message: `step "${step.key}" was passed with no record of completion or override`, details: { step: step.key } })
      continue
    }
    if (!record.overrideId) continue
    const o = byId.get(record.overrideId)
    const valid = o !== undefined && o.procedureId === state.id && (o.action === 'skip' || o.step === step.key)
    if (!valid) {
      flags.push({ code: 'step-skipped-without-override', subjectId: state.id, message: `step "${step.key}" cites override ${record.overrideId}, which is not on record for this step`, details: { step: step.key, overrideId: record.overrideId } })
    }
  }
  return flags
}

/**
 * Every recorded override is shown to the township: a step forced through or skipped
 * (`step-overridden`), or taken before its publicity ended (`step-taken-early`), with who and why.
 */
export function overridesOnRecord(overrides: readonly Override[]): ComplianceFlag[] {
  return [...overrides].sort((a, b) => a.at - b.at).map((o) => o.action === 'early'
    ? { code: 'step-taken-early' as const, subjectId: o.subjectId || o.id, message: `${o.subjectId} went ahead at step "${o.step}" before its publicity ended; reason on record: ${o.reason}`, details: { overrideId: o.id, step: o.step, subjectId: o.subjectId, personId: o.personId, reason: o.reason, at: o.at } }
    : { code: 'step-overridden' as const, subjectId: o.procedureId || o.id, message: `step "${o.step}" was ${o.action === 'skip' ? 'skipped' : 'forced through'}; reason on record: ${o.reason}`, details: { overrideId: o.id, step: o.step, action: o.action, personId: o.personId, reason: o.reason, at: o.at } })
}

/** Votes that took check-offs before their announcement had run its window, with no `early` override on record. */
export function votesBeforeNotice(votes: readonly Vote[], notices: readonly Notice[], overrides: readonly Override[], checkoffs: readonly Pick<CheckOff, 'voteId' | 'at'>[]): ComplianceFlag[] {
  return votes.flatMap((v) => {
    const first = checkoffs.filter((c) => c.voteId === v.id).reduce((min, c) => Math.min(min, c.at), Infinity)
    if (first === Infinity || overrides.some((o) => o.action === 'early' && o.subjectId === v.id)) return []
    const notice = announcementOf(v.id, notices)
    if (notice && first >= notice.endAt) return []
    return [{ code: 'vote-before-notice' as const, subjectId: v.id, message: notice ? `"${v.title}" took votes from ${new Date(first).toISOString()}, before its announcement ended (${new Date(notice.endAt).toISOString()}), with no reason on record` : `"${v.title}" took votes with no public announcement and no reason on record`, details: { voteId: v.id, firstVoteAt: first, noticeEndsAt: notice?.endAt ?? 0 } }]
  })
}

/** Expenses recorded before the public notice of the decision that funded their project had ended, with no `early` override. */
export function spendingBeforePublicity(ledger: readonly LedgerEntry[], decisions: ReadonlyArray<{ notice: Notice; projectIds: readonly string[] }>, overrides: readonly Override[]): ComplianceFlag[] {
  return ledger.filter((l) => l.kind === 'expense').flatMap((l) => {
    if (overrides.some((o) => o.action === 'early' && o.subjectId === l.projectId)) return []
    const notice = decisionNoticeOf(l.projectId, decisions)
    if (notice && l.at >= notice.endAt) return []
    return [{ code: 'spending-before-publicity' as const, subjectId: l.id, message: `expense of ${formatYuan(l.amount)} on ${l.projectId} ${notice ? `recorded before the decision's notice ended (${new Date(notice.endAt).toISOString()})` : 'with no public notice of the decision'}, no reason on record`, details: { amount: l.amount, projectId: l.projectId, at: l.at, noticeEndsAt: notice?.endAt ?? 0 } }]
  })
}

/** Overrides recorded in the name of someone the roster does not allow to override the procedure (src/domain/acts.ts). */
export function actsByWrongPerson(overrides: readonly Override[], persons: readonly Pick<Person, 'id' | 'roles'>[]): ComplianceFlag[] {
  const rolesOf = new Map(persons.map((p) => [p.id, p.roles as readonly string[]]))
  const rosterHasClerk = persons.some((p) => p.roles.includes('clerk'))
  return overrides.filter((o) => rosterHasClerk && rolesOf.has(o.personId) && !mayDo('cycle.override', rolesOf.get(o.personId) ?? []))
    .map((o) => ({ code: 'act-by-wrong-person' as const, subjectId: o.id, message: `an override of step "${o.step}" names ${o.personId}, who is not the clerk`, details: { personId: o.personId, act: 'cycle.override' } }))
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
}

/** Every flag for one village's records. */
export function complianceFlags(input: ComplianceInput): ComplianceFlag[] {
  const flags: ComplianceFlag[] = []
  if (input.resolutions && input.meetings && input.meetingRules) flags.push(...adoptedWithoutQuorum(input.resolutions, input.meetings, input.meetingRules))
  if (input.ledger && input.cosignRule) flags.push(...expensesWithoutCoSignature(input.ledger, input.cosigns ?? [], input.cosignRule, input.now, input.graceDays))
  if (input.progress) flags.push(...workBeforePublicityEnded(input.progress, input.decisions ?? []))
  if (input.funds) flags.push(...allocationsOverFund(input.funds, input.allocations ?? []))
  for (const p of input.procedures ?? []) flags.push(...stepsSkippedWithoutOverride(p.template, p.state, input.overrides ?? []))
  if (input.overrides) flags.push(...overridesOnRecord(input.overrides))
  if (input.votes && input.notices) flags.push(...votesBeforeNotice(input.votes, input.notices, input.overrides ?? [], input.checkoffs ?? []))
  if (input.ledger && input.decisions) flags.push(...spendingBeforePublicity(input.ledger, input.decisions, input.overrides ?? []))
  if (input.overrides && input.persons) flags.push(...actsByWrongPerson(input.overrides, input.persons))
  return flags
}
