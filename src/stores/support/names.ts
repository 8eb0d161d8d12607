import type { Person } from '@/domain'
import { i18n } from '@/i18n'

/**
 * A person by name, never by id: someone the roster no longer holds (moved away, a record synced
 * from a tablet with another roster) is said by what they were there as.
 */
export function personName(persons: readonly Pick<Person, 'id' | 'name'>[], id: string, as: 'supervisor' | 'voter'): string {
  return persons.find((p) => p.id === id)?.name ?? i18n.global.t(`votes.offRoster.${as}`)
}
