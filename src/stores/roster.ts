import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { person, unit, type Person, type Role, type Unit, type UnitKind } from '@/domain'
import { householdId, householdNumber, type RosterRow } from '@/features/roster/rosterImport'

/** A person with the names the screens show. */
export interface PersonView extends Person { household: string; unit: string }

/** Guess a unit's kind from its name (院落, 小组, 小区, 楼); the clerk can change it later. */
function kindOf(name: string): UnitKind {
  if (/组|group/i.test(name)) return 'villager-group'
  if (/小区|compound/i.test(name)) return 'compound'
  if (/楼|栋|building/i.test(name)) return 'building'
  return 'courtyard'
}

/** The village roster: units, households and people. Reads and writes go through src/data. */
export const useRosterStore = defineStore('roster', () => {
  const villageId = ref('village')
  const units = ref<Unit[]>([])
  const persons = ref<Person[]>([])

  const unitName = (id: string) => units.value.find((u) => u.id === id)?.name ?? ''
  const people = computed<PersonView[]>(() => persons.value.map((p) => ({ ...p, household: householdNumber(p.householdId), unit: unitName(p.unitId) })))
  const households = computed(() => {
    const map = new Map<string, PersonView[]>()
    for (const p of people.value) map.set(p.household, [...(map.get(p.household) ?? []), p])
    return [...map.entries()].sort(([a], [b]) => a.localeCompare(b, 'zh-CN', { numeric: true }))
  })
  const eligibleCount = computed(() => persons.value.filter((p) => p.eligible).length)
  const withRole = (role: Role) => people.value.filter((p) => p.roles.includes(role))
  const byId = (id: string) => people.value.find((p) => p.id === id)

  function ensureUnit(name: string): string {
    const found = units.value.find((u) => u.name === name)
    if (found) return found.id
    const u: Unit = unit({ id: `unit:${crypto.randomUUID()}`, villageId: villageId.value, kind: kindOf(name), name })
    units.value.push(u)
    return u.id
  }

  function fromRow(row: RosterRow) {
    return { name: row.name, householdId: householdId(row.household), unitId: ensureUnit(row.unit), adult: row.adult, eligible: row.eligible, householdHead: row.householdHead, roles: [...row.roles] }
  }

  async function addPerson(row: RosterRow): Promise<Person> {
    const p = person({ id: `person:${crypto.randomUUID()}`, villageId: villageId.value, ...fromRow(row) })
    persons.value.push(p)
    return p
  }

  async function updatePerson(id: string, row: RosterRow): Promise<void> {
    const i = persons.value.findIndex((p) => p.id === id)
    if (i >= 0) persons.value[i] = person({ ...persons.value[i]!, ...fromRow(row) })
  }

  /** Imports rows; a row whose household and name already exist updates that person. */
  async function importRows(rows: readonly RosterRow[]): Promise<{ added: number; updated: number }> {
    let added = 0
    let updated = 0
    for (const row of rows) {
      const existing = persons.value.find((p) => p.householdId === householdId(row.household) && p.name === row.name)
      if (existing) { await updatePerson(existing.id, row); updated++ } else { await addPerson(row); added++ }
    }
    return { added, updated }
  }

  return { villageId, units, persons, people, households, eligibleCount, unitName, withRole, byId, addPerson, updatePerson, importRows }
})
