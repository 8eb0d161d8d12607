import type { MeetingKind, Role } from '@/domain'

/** The roster role that makes someone expected at this kind of meeting ('' for a villagers' meeting: every adult). */
export function expectedRole(kind: MeetingKind): Role | '' {
  return ({ 'village-council': 'council-member', 'courtyard-council': 'courtyard-council-member', 'representatives-meeting': 'representative', 'villagers-meeting': '' } as const)[kind]
}
