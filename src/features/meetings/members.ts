import type { MeetingKind, Person } from '@/domain'

/**
 * Who is expected at a meeting of this kind, from the roster: the village council's members,
 * a courtyard council's members (of that unit), the villagers' representatives, or every adult
 * villager (of the unit, for a courtyard). Their number is the meeting's `memberCount`, the base
 * of the domain's quorum.
 */
export function expectedMembers(kind: MeetingKind, people: readonly Person[], unitId = ''): Person[] {
  const inUnit = (p: Person) => !unitId || p.unitId === unitId
  switch (kind) {
    case 'village-council': return people.filter((p) => p.roles.includes('council-member'))
    case 'courtyard-council': return people.filter((p) => p.roles.includes('courtyard-council-member') && inUnit(p))
    case 'representatives-meeting': return people.filter((p) => p.roles.includes('representative'))
    case 'villagers-meeting': return people.filter((p) => p.adult && inUnit(p))
  }
}
