import { fail } from './errors.ts'
import { DEFAULT_MEETING_RULES } from './meeting.ts'
import type { MeetingRule } from './meeting.ts'
import { asInput, id, int, list, oneOf, str, time } from './model/check.ts'
import type { MeetingKind, Override, Time } from './model/types.ts'
import { MEETING_KINDS } from './model/types.ts'

/**
 * The council cycle as data. A template lists steps in order; each step names what must be
 * true before the step can be completed. The state machine moves only to the next step, and
 * only when its requirements hold — unless an `Override` (person, reason, time) is on record:
 * `skip` jumps past steps, `proceed` completes a step whose requirements do not hold.
 */
export const REQUIREMENTS = [
  'proposals', // at least one proposal collected
  'shortlist', // a costed shortlist / candidate list exists
  'adopted-resolution', // a quorate meeting adopted the candidate list and rules
  'notice-ended', // this step's public notice ran its full window
  'no-open-objections', // every objection to this step's notice is answered
  'vote-closed', // the vote's window is over (closed on record)
  'double-votes-resolved', // every voter with two check-offs has a recorded resolution
  'progress', // implementation progress recorded
  'ledger-cosigned', // every expense co-signed by the supervisory committee
] as const
export type Requirement = (typeof REQUIREMENTS)[number]

export interface StepDef {
  key: string
  /** Days the step's public notice must run (0: no notice). */
  publicityDays: number
  requires: Requirement[]
}

export interface ProcedureTemplate {
  id: string
  name: string
  steps: StepDef[]
  meetingRules: Record<MeetingKind, MeetingRule>
}

export const DEFAULT_PUBLICITY_DAYS = 7

/** collect → feed back → deliberate → announce → decide → publicise decision → process → accounts */
export const DEFAULT_TEMPLATE: ProcedureTemplate = {
  id: 'procedure:default',
  name: '两下三上三公开',
  steps: [
    { key: 'collect', publicityDays: 0, requires: ['proposals'] },
    { key: 'feedback', publicityDays: 0, requires: ['shortlist'] },
    { key: 'deliberate', publicityDays: 0, requires: ['adopted-resolution'] },
    { key: 'announce', publicityDays: DEFAULT_PUBLICITY_DAYS, requires: ['notice-ended'] },
    { key: 'decide', publicityDays: 0, requires: ['vote-closed', 'double-votes-resolved'] },
    { key: 'publicise-decision', publicityDays: DEFAULT_PUBLICITY_DAYS, requires: ['notice-ended', 'no-open-objections'] },
    { key: 'publicise-process', publicityDays: 0, requires: ['progress'] },
    { key: 'publicise-accounts', publicityDays: DEFAULT_PUBLICITY_DAYS, requires: ['ledger-cosigned', 'notice-ended', 'no-open-objections'] },
  ],
  meetingRules: { ...DEFAULT_MEETING_RULES },
}

/** Validating constructor for a village's own template (steps, publicity days, rules). */
export function procedureTemplate(input: unknown): ProcedureTemplate {
  const i = asInput('procedure', input)
  const steps = list('procedure', i, 'steps', (v, n): StepDef => {
    const s = asInput(`procedure.steps[${n}]`, v)
    const e = `procedure.steps[${n}]`
    return {
      key: str(e, s, 'key', { max: 40 }),
      publicityDays: int(e, s, 'publicityDays', { min: 0, max: 365, fallback: 0 }),
      requires: list(e, s, 'requires', (r, k) => oneOf(e, { [`requires[${k}]`]: r }, `requires[${k}]`, REQUIREMENTS), { unique: (r) => r }),
    }
  }, { min: 1, max: 30, unique: (s) => s.key })
  const rulesIn = (i.meetingRules ?? {}) as Record<string, unknown>
  const meetingRules = { ...DEFAULT_MEETING_RULES }
  for (const kind of MEETING_KINDS) if (rulesIn[kind] !== undefined) meetingRules[kind] = meetingRule(rulesIn[kind], `procedure.meetingRules.${kind}`)
  return { id: id('procedure', i, 'id', 'procedure'), name: str('procedure', i, 'name', { max: 100 }), steps, meetingRules }
}

function fraction(input: unknown, entity: string) {
  const f = asInput(entity, input)
  const num = int(entity, f, 'num', { min: 0, max: 100 })
  const den = int(entity, f, 'den', { min: 1, max: 100 })
  if (num > den) fail('invalid.range', `${entity}: ${num}/${den} is more than the whole`, { entity })
  return { num, den, strict: f.strict === true }
}

export function meetingRule(input: unknown, entity = 'meetingRule'): MeetingRule {
  const r = asInput(entity, input)
  const t = asInput(`${entity}.threshold`, r.threshold)
  return {
    quorum: fraction(r.quorum, `${entity}.quorum`),
    threshold: { ...fraction(t, `${entity}.threshold`), of: oneOf(`${entity}.threshold`, t, 'of', ['members', 'present', 'votes-cast'] as const) },
  }
}

export interface StepRecord { step: string; completedAt: Time; by: string; overrideId: string }
export interface ProcedureState {
  id: string
  templateId: string
  /** What runs through the cycle (a fund year, a proposal batch…). */
  subjectId: string
  /** Key of the step in progress; '' when the cycle is finished. */
  current: string
  startedAt: Time
  history: StepRecord[]
}

/** Validating constructor for a stored procedure state (history entries in order). */
export function procedureState(input: unknown): ProcedureState {
  const i = asInput('procedure', input)
  const history = list('procedure', i, 'history', (v, n): StepRecord => {
    const e = `procedure.history[${n}]`
    const h = asInput(e, v)
    return { step: str(e, h, 'step', { max: 40 }), completedAt: time(e, h, 'completedAt'), by: str(e, h, 'by', { max: 140 }), overrideId: id(e, h, 'overrideId', 'override', { optional: true }) }
  }, { max: 200 })
  for (let n = 1; n < history.length; n++) {
    if ((history[n] as StepRecord).completedAt < (history[n - 1] as StepRecord).completedAt) fail('invalid.order', `procedure.history[${n}]: completed before the step recorded before it`, { entity: 'procedure', field: 'history' })
  }
  return {
    id: id('procedure', i, 'id', 'procedure'),
    templateId: id('procedure', i, 'templateId', 'procedure'),
    subjectId: str('procedure', i, 'subjectId', { optional: true, max: 140 }),
    current: str('procedure', i, 'current', { optional: true, max: 40 }),
    startedAt: time('procedure', i, 'startedAt'),
    history,
  }
}

/** A stored procedure document: a village's own template (`steps`), or one cycle run through it (`current`). */
export type ProcedureRecord = ProcedureTemplate | ProcedureState

export function isProcedureState(p: ProcedureRecord): p is ProcedureState {
  return 'current' in p
}

/** Validating constructor for either kind of procedure document (the repository writes through it). */
export function procedureRecord(input: unknown): ProcedureRecord {
  const i = asInput('procedure', input)
  return typeof i.current === 'string' || i.templateId !== undefined ? procedureState(i) : procedureTemplate(i)
}

/** A village's procedure as every screen, gate and the township read it. */
export interface VillageProcedure {
  /** The village's own template (the valid one on record; of several, the first by id), else the default. */
  template: ProcedureTemplate
  /** Its cycles, oldest first (by start, then id), each with the template it runs through. */
  cycles: { state: ProcedureState; template: ProcedureTemplate }[]
}

/**
 * Reads a village's procedure documents. A document that does not pass its constructor (written by a
 * newer or a tampered tablet) is left out, so every device falls back the same way: a cycle runs
 * through the valid template it names, else the village's template, else the default.
 */
export function villageProcedure(docs: readonly unknown[]): VillageProcedure {
  const read = (d: unknown): ProcedureRecord | null => { try { return procedureRecord(d) } catch { return null } }
  const records = docs.map(read).filter((r): r is ProcedureRecord => r !== null)
  const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  const templates = records.filter((r): r is ProcedureTemplate => !isProcedureState(r)).sort(byId)
  const template = templates[0] ?? DEFAULT_TEMPLATE
  const cycles = records.filter(isProcedureState).sort((a, b) => a.startedAt - b.startedAt || byId(a, b)).map((state) => ({ state, template: templates.find((t) => t.id === state.templateId) ?? template }))
  return { template, cycles }
}

export function startProcedure(template: ProcedureTemplate, stateId: string, subjectId: string, at: Time): ProcedureState {
  id('procedure', { stateId }, 'stateId', 'procedure')
  const first = template.steps[0]
  if (!first) fail('procedure.unknown-step', 'the template has no steps')
  return { id: stateId, templateId: template.id, subjectId, current: first.key, startedAt: at, history: [] }
}

/** Facts about the records, gathered by the caller for the step in progress. */
export interface StepFacts {
  proposals?: number
  candidates?: number
  adoptedResolution?: boolean
  /** End of this step's public notice (0: no notice published). */
  noticeEndsAt?: Time
  openObjections?: number
  voteClosed?: boolean
  unresolvedDoubleVotes?: number
  progressRecords?: number
  ledgerEntries?: number
  uncosignedLedgerEntries?: number
}

export interface Unmet { requirement: Requirement; message: string }

/** The requirements of `step` that the facts do not meet, each with a plain message. */
export function unmetRequirements(step: StepDef, facts: StepFacts, now: Time): Unmet[] {
  const out: Unmet[] = []
  const add = (requirement: Requirement, message: string) => out.push({ requirement, message })
  for (const r of step.requires) {
    switch (r) {
      case 'proposals': if (!facts.proposals) add(r, 'no proposal has been collected'); break
      case 'shortlist': if (!facts.candidates) add(r, 'no costed shortlist yet'); break
      case 'adopted-resolution': if (!facts.adoptedResolution) add(r, 'no quorate meeting has adopted the candidate list'); break
      case 'notice-ended':
        if (step.publicityDays > 0 && !facts.noticeEndsAt) add(r, `the notice (${step.publicityDays} days) has not been published`)
        else if (facts.noticeEndsAt && now < facts.noticeEndsAt) add(r, `the notice runs until ${new Date(facts.noticeEndsAt).toISOString()}`)
        break
      case 'no-open-objections': if (facts.openObjections) add(r, `${facts.openObjections} objection(s) not yet answered`); break
      case 'vote-closed': if (!facts.voteClosed) add(r, 'the vote is not closed'); break
      case 'double-votes-resolved': if (facts.unresolvedDoubleVotes) add(r, `${facts.unresolvedDoubleVotes} voter(s) with more than one check-off await a decision`); break
      case 'progress': if (!facts.progressRecords) add(r, 'no implementation progress recorded'); break
      case 'ledger-cosigned':
        if (!facts.ledgerEntries) add(r, 'no ledger entries recorded')
        else if (facts.uncosignedLedgerEntries) add(r, `${facts.uncosignedLedgerEntries} of ${facts.ledgerEntries} expense(s) lack the supervisory committee's co-signature`)
        break
    }
  }
  return out
}

function stepIndex(template: ProcedureTemplate, key: string): number {
  const index = template.steps.findIndex((s) => s.key === key)
  if (index < 0) fail('procedure.unknown-step', `step "${key}" is not in template ${template.id}`, { step: key })
  return index
}

/** Steps that may follow the step in progress: the next one, or a later one with a skip override. */
export function nextSteps(template: ProcedureTemplate, state: ProcedureState): { next: string; laterWithOverride: string[] } {
  if (!state.current) return { next: '', laterWithOverride: [] }
  const index = stepIndex(template, state.current)
  return { next: template.steps[index + 1]?.key ?? '', laterWithOverride: template.steps.slice(index + 2).map((s) => s.key) }
}

export interface CompleteStep {
  at: Time
  by: string
  facts: StepFacts
  /**
   * A recorded `proceed` override for the current step, when its requirements are unmet; or the
   * `early` override recorded when the step's subject went ahead before its publicity ended, when
   * that publicity is all that is unmet (`earlyCovering`): its reason is not asked twice.
   */
  override?: Override
}

/**
 * The `early` override that already answers for the step in progress: recorded for this step of this
 * cycle (a vote opened, or work started, before the publicity ended), when the publicity
 * (`notice-ended`) is all the step still lacks. null otherwise.
 */
export function earlyCovering(state: ProcedureState, unmet: readonly Unmet[], overrides: readonly Override[]): Override | null {
  if (!state.current || unmet.length === 0 || unmet.some((u) => u.requirement !== 'notice-ended')) return null
  return [...overrides].filter((o) => o.action === 'early' && o.procedureId === state.id && o.step === state.current).sort((a, b) => a.at - b.at)[0] ?? null
}

/** Completes the step in progress and moves to the next one (or finishes the cycle). */
export function completeStep(template: ProcedureTemplate, state: ProcedureState, input: CompleteStep): ProcedureState {
  if (!state.current) fail('procedure.finished', `procedure ${state.id} is already finished`)
  const index = stepIndex(template, state.current)
  const step = template.steps[index] as StepDef
  const unmet = unmetRequirements(step, input.facts, input.at)
  let overrideId = ''
  if (unmet.length) {
    const o = input.override
    if (!o) fail('procedure.requirement', `step "${step.key}" cannot be completed: ${unmet.map((u) => u.message).join('; ')}`, { step: step.key, unmet: unmet.map((u) => u.requirement) })
    if (o.action !== 'early' || earlyCovering(state, unmet, [o]) !== o) checkOverride(o, state, step.key, 'proceed')
    overrideId = o.id
  }
  return {
    ...state,
    current: template.steps[index + 1]?.key ?? '',
    history: [...state.history, { step: step.key, completedAt: input.at, by: input.by, overrideId }],
  }
}

/** Jumps from the step in progress to a later step; every skipped step is recorded with the override. */
export function skipTo(template: ProcedureTemplate, state: ProcedureState, target: string, o: Override): ProcedureState {
  if (!state.current) fail('procedure.finished', `procedure ${state.id} is already finished`)
  const from = stepIndex(template, state.current)
  const to = stepIndex(template, target)
  if (to <= from) fail('procedure.not-next', `cannot go back from "${state.current}" to "${target}"`, { from: state.current, to: target })
  checkOverride(o, state, state.current, 'skip')
  const skipped = template.steps.slice(from, to).map((s): StepRecord => ({ step: s.key, completedAt: o.at, by: o.personId, overrideId: o.id }))
  return { ...state, current: target, history: [...state.history, ...skipped] }
}

function checkOverride(o: Override, state: ProcedureState, step: string, action: Override['action']): void {
  if (o.procedureId !== state.id || o.step !== step || o.action !== action) {
    fail('procedure.override-invalid', `the override must be a "${action}" of step "${step}" in ${state.id}; got "${o.action}" of "${o.step}" in ${o.procedureId}`, { step, action })
  }
}

/** Steps completed or skipped through an override, with who and why (for audit and the dashboard). */
export function overriddenSteps(state: ProcedureState): StepRecord[] {
  return state.history.filter((h) => h.overrideId)
}
