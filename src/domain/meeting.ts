import { fail } from './errors.ts'
import type { MeetingKind, Outcome, Person, Resolution, Role, Time } from './model/types.ts'
import { DAY_MS } from './model/publicity.ts'

/**
 * Quorum and thresholds. A fraction `num/den` with `strict` means "more than" (> half),
 * otherwise "at least" (≥ two-thirds). Thresholds count yes votes against the members,
 * those present, or the votes cast (yes + no).
 */
export interface Fraction { num: number; den: number; strict: boolean }
export interface MeetingRule {
  quorum: Fraction
  threshold: Fraction & { of: 'members' | 'present' | 'votes-cast' }
}

const HALF_STRICT: Fraction = { num: 1, den: 2, strict: true }
const TWO_THIRDS: Fraction = { num: 2, den: 3, strict: false }

/** The rules of the Chengdu councils' procedure (the comments give each); every village may change them in its procedure template. */
export const DEFAULT_MEETING_RULES: Readonly<Record<MeetingKind, MeetingRule>> = {
  // Villagers' meeting: more than half of adult villagers; decision by more than half of those present.
  'villagers-meeting': { quorum: HALF_STRICT, threshold: { ...HALF_STRICT, of: 'present' } },
  // Representatives' meeting: at least two-thirds present; more than half of those present.
  'representatives-meeting': { quorum: TWO_THIRDS, threshold: { ...HALF_STRICT, of: 'present' } },
  // Councils: two-thirds of members present; more than half of all members.
  'village-council': { quorum: TWO_THIRDS, threshold: { ...HALF_STRICT, of: 'members' } },
  'courtyard-council': { quorum: TWO_THIRDS, threshold: { ...HALF_STRICT, of: 'members' } },
}

/** Variants a village can pick: a villagers' meeting counted by household representatives
 * (at least two-thirds of households), and a council needing two-thirds for infrastructure. */
export const MEETING_RULE_VARIANTS = {
  villagersMeetingByHouseholds: { quorum: TWO_THIRDS, threshold: { ...HALF_STRICT, of: 'present' } } as MeetingRule,
  councilTwoThirds: { quorum: TWO_THIRDS, threshold: { ...TWO_THIRDS, of: 'members' } } as MeetingRule,
}

/** The smallest count that satisfies `fraction` of `base` (e.g. > 1/2 of 37 → 19; ≥ 2/3 of 37 → 25). */
export function minimumFor(fraction: Fraction, base: number): number {
  // count * den > num * base (strict) or >= (not strict), in integers.
  const product = fraction.num * base
  const atLeast = Math.ceil(product / fraction.den)
  return fraction.strict && atLeast * fraction.den === product ? atLeast + 1 : atLeast
}

/** Whether `count` satisfies `fraction` of `base`. */
export function satisfies(fraction: Fraction, count: number, base: number): boolean {
  const lhs = count * fraction.den
  const rhs = fraction.num * base
  return fraction.strict ? lhs > rhs : lhs >= rhs
}

function describeLine(fraction: Fraction, base: number): string {
  const exact = (fraction.num * base) / fraction.den
  const shown = Number.isInteger(exact) ? String(exact) : String(Math.round(exact * 100) / 100)
  return fraction.strict ? `> ${shown}` : `≥ ${shown}`
}

export interface QuorumResult { members: number; present: number; needed: number; quorate: boolean; explanation: string }

export function quorum(rule: MeetingRule, members: number, present: number): QuorumResult {
  checkCounts({ members, present })
  if (present > members) fail('meeting.attendance', `${present} present but only ${members} members`, { members, present })
  const needed = minimumFor(rule.quorum, members)
  const quorate = satisfies(rule.quorum, present, members)
  return { members, present, needed, quorate, explanation: `${present} of ${members} present, quorum ${needed}: ${quorate ? 'quorate' : 'not quorate'}` }
}

export interface Count { yes: number; no: number; abstain: number }
export interface ResolutionResult extends Count {
  members: number
  present: number
  quorate: boolean
  /** The smallest number of yes votes that would adopt. */
  yesNeeded: number
  outcome: Outcome
  /** "28 of 37 present, quorum 25: quorate; 20 yes > 18.5 needed: adopted" */
  explanation: string
}

/**
 * Decides a yes/no/abstain motion. Abstentions count as present, never as yes; with a
 * threshold "of votes cast" they are left out of the base.
 */
export function decideMotion(rule: MeetingRule, members: number, present: number, count: Count): ResolutionResult {
  checkCounts({ members, present, ...count })
  const q = quorum(rule, members, present)
  const cast = count.yes + count.no + count.abstain
  if (cast > present) fail('meeting.attendance', `${cast} votes (${count.yes} yes, ${count.no} no, ${count.abstain} abstain) but only ${present} present`, { present, ...count })
  const base = rule.threshold.of === 'members' ? members : rule.threshold.of === 'present' ? present : count.yes + count.no
  const yesNeeded = minimumFor(rule.threshold, base)
  const passes = base > 0 && satisfies(rule.threshold, count.yes, base)
  const outcome: Outcome = !q.quorate ? 'not-quorate' : passes ? 'adopted' : 'rejected'
  const line = describeLine(rule.threshold, base)
  const of = rule.threshold.of === 'members' ? 'members' : rule.threshold.of === 'present' ? 'present' : 'votes cast'
  const vote = outcome === 'not-quorate'
    ? 'no decision'
    : `${count.yes} yes ${passes ? line : 'not ' + line} needed (of ${base} ${of}): ${outcome}`
  return { ...count, members, present, quorate: q.quorate, yesNeeded, outcome, explanation: `${q.explanation}; ${vote}` }
}

function checkCounts(counts: Record<string, number>): void {
  for (const [name, value] of Object.entries(counts)) {
    if (!Number.isSafeInteger(value) || value < 0) fail('invalid.range', `${name}: expected a whole number ≥ 0, got ${value}`, { field: name, actual: value })
  }
}

export interface RecordResolution {
  id: string
  meetingId: string
  agendaKey?: string
  motion: string
  members: number
  present: number
  count: Count
  at: Time
  recordedBy: string
}

/** Decides a motion and returns the resolution record, outcome and explanation filled in. */
export function recordResolution(rule: MeetingRule, input: RecordResolution): Resolution {
  const r = decideMotion(rule, input.members, input.present, input.count)
  return {
    id: input.id, meetingId: input.meetingId, agendaKey: input.agendaKey ?? '', motion: input.motion,
    members: r.members, present: r.present, yes: r.yes, no: r.no, abstain: r.abstain,
    outcome: r.outcome, explanation: r.explanation, at: input.at, recordedBy: input.recordedBy,
  }
}

/** Throws unless a stored resolution's outcome follows from its counts under `rule` (for the hub). */
export function checkResolution(rule: MeetingRule, r: Resolution): void {
  const expected = decideMotion(rule, r.members, r.present, { yes: r.yes, no: r.no, abstain: r.abstain })
  if (expected.outcome !== r.outcome) {
    fail('meeting.outcome', `resolution ${r.id} says "${r.outcome}", but the counts give "${expected.outcome}": ${expected.explanation}`, { recorded: r.outcome, expected: expected.outcome })
  }
}

/** Days of notice a meeting needs before it is held (villagers' meeting: at least 10). */
export const DEFAULT_MEETING_NOTICE_DAYS: Readonly<Record<MeetingKind, number>> = {
  'villagers-meeting': 10,
  'representatives-meeting': 0,
  'village-council': 0,
  'courtyard-council': 0,
}

/** Throws unless the meeting was announced at least `days` before it is held. */
export function checkMeetingNotice(kind: MeetingKind, announcedAt: Time, scheduledAt: Time, days = DEFAULT_MEETING_NOTICE_DAYS[kind]): void {
  if (scheduledAt - announcedAt < days * DAY_MS) {
    const given = Math.max(0, Math.floor((scheduledAt - announcedAt) / DAY_MS))
    fail('meeting.notice', `a ${kind.replace(/-/g, ' ')} needs ${days} days' notice; ${given} given`, { kind, days, given })
  }
}

/**
 * 一事一议 (one matter, one discussion): an ad-hoc matter goes to a meeting when raised by at
 * least 1/10 of villagers or 1/5 of representatives (both configurable).
 */
export function oneMatterTriggered(
  supporters: { villagers: number; representatives: number },
  body: { villagers: number; representatives: number },
  rule = { villagers: { num: 1, den: 10, strict: false }, representatives: { num: 1, den: 5, strict: false } },
): { triggered: boolean; explanation: string } {
  const v = minimumFor(rule.villagers, body.villagers)
  const r = minimumFor(rule.representatives, body.representatives)
  const byVillagers = body.villagers > 0 && supporters.villagers >= v
  const byRepresentatives = body.representatives > 0 && supporters.representatives >= r
  const triggered = byVillagers || byRepresentatives
  return {
    triggered,
    explanation: `${supporters.villagers} of ${body.villagers} villagers (${v} needed), ${supporters.representatives} of ${body.representatives} representatives (${r} needed): ${triggered ? 'goes to a meeting' : 'not enough support yet'}`,
  }
}

/**
 * Who is expected at a meeting of this kind, from the roster: the village council's members,
 * a courtyard council's members (of that unit), the villagers' representatives, or every adult
 * villager (of the unit, for a courtyard). Their number is the meeting's `memberCount`, the base
 * of its quorum.
 */
export function expectedMembers(kind: MeetingKind, people: readonly Person[], unitId = ''): Person[] {
  const inUnit = (p: Person) => !unitId || p.unitId === unitId
  const role = expectedRole(kind)
  if (role === '') return people.filter((p) => p.adult && inUnit(p))
  return people.filter((p) => p.roles.includes(role) && (kind !== 'courtyard-council' || inUnit(p)))
}

/** The roster role that makes someone expected at this kind of meeting ('' for a villagers' meeting: every adult). */
export function expectedRole(kind: MeetingKind): Role | '' {
  return ({ 'village-council': 'council-member', 'courtyard-council': 'courtyard-council-member', 'representatives-meeting': 'representative', 'villagers-meeting': '' } as const)[kind]
}
