import { fail } from '../errors.ts'
import { asInput, id, int, list, oneOf, slug, str, time } from './check.ts'
import { MEETING_KINDS } from './types.ts'
import type { AgendaItem, Attendance, Meeting, Resolution } from './types.ts'

export function meeting(input: unknown): Meeting {
  const i = asInput('meeting', input)
  const agenda = list('meeting', i, 'agenda', (v, n): AgendaItem => {
    const a = asInput(`meeting.agenda[${n}]`, v)
    return { key: str(`meeting.agenda[${n}]`, a, 'key', { max: 40 }), title: str(`meeting.agenda[${n}]`, a, 'title', { max: 200 }) }
  }, { max: 100, unique: (a) => a.key })
  return {
    id: id('meeting', i, 'id', 'meeting'),
    villageId: slug('meeting', i, 'villageId'),
    unitId: id('meeting', i, 'unitId', 'unit', { optional: true }),
    kind: oneOf('meeting', i, 'kind', MEETING_KINDS),
    title: str('meeting', i, 'title', { max: 200 }),
    scheduledAt: time('meeting', i, 'scheduledAt'),
    place: str('meeting', i, 'place', { optional: true, max: 200 }),
    agenda,
    memberCount: int('meeting', i, 'memberCount', { min: 1, max: 1_000_000 }),
    minutes: str('meeting', i, 'minutes', { optional: true, max: 50_000 }),
    status: oneOf('meeting', i, 'status', ['planned', 'open', 'closed'] as const, 'planned'),
  }
}

export function attendance(input: unknown): Attendance {
  const i = asInput('attendance', input)
  const out: Attendance = {
    id: id('attendance', i, 'id', 'attendance'),
    meetingId: id('attendance', i, 'meetingId', 'meeting'),
    personId: id('attendance', i, 'personId', 'person'),
    at: time('attendance', i, 'at'),
    recordedBy: id('attendance', i, 'recordedBy', 'person'),
    proxyFor: id('attendance', i, 'proxyFor', 'person', { optional: true }),
  }
  if (out.proxyFor === out.personId) fail('invalid.reference', 'attendance.proxyFor: a person cannot be their own proxy', { entity: 'attendance', field: 'proxyFor' })
  return out
}

/** Distinct people present (a proxy counts for the person represented). */
export function presentCount(records: readonly Attendance[], meetingId: string): number {
  const present = new Set<string>()
  for (const r of records) {
    if (r.meetingId !== meetingId) continue
    present.add(r.personId)
    if (r.proxyFor) present.add(r.proxyFor)
  }
  return present.size
}

/**
 * Validating constructor for a stored resolution. Counts must be consistent (yes + no +
 * abstain ≤ present ≤ members); whether the outcome follows from the rules is checked by
 * `checkResolution` (meeting.ts), which needs the meeting's rule.
 */
export function resolution(input: unknown): Resolution {
  const i = asInput('resolution', input)
  const members = int('resolution', i, 'members', { min: 1, max: 1_000_000 })
  const present = int('resolution', i, 'present', { min: 0, max: members })
  const yes = int('resolution', i, 'yes', { min: 0 })
  const no = int('resolution', i, 'no', { min: 0 })
  const abstain = int('resolution', i, 'abstain', { min: 0 })
  if (yes + no + abstain > present) fail('meeting.attendance', `resolution: ${yes + no + abstain} votes (${yes} yes, ${no} no, ${abstain} abstain) but only ${present} present`, { entity: 'resolution', present, yes, no, abstain })
  return {
    id: id('resolution', i, 'id', 'resolution'),
    meetingId: id('resolution', i, 'meetingId', 'meeting'),
    agendaKey: str('resolution', i, 'agendaKey', { optional: true, max: 40 }),
    motion: str('resolution', i, 'motion', { max: 500 }),
    members,
    present,
    yes,
    no,
    abstain,
    outcome: oneOf('resolution', i, 'outcome', ['adopted', 'rejected', 'not-quorate'] as const),
    explanation: str('resolution', i, 'explanation', { optional: true, max: 1000 }),
    at: time('resolution', i, 'at'),
    recordedBy: id('resolution', i, 'recordedBy', 'person'),
  }
}
