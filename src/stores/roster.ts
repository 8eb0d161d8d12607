import { defineStore } from 'pinia'
import { computed, shallowRef } from 'vue'
import { guessUnitKind, householdId, householdNumber, type Person, type Role, type Unit, type UnitKind } from '@/domain'
import type { Repositories, Stored } from '@/data'
import { villageLink, type LinkOptions } from './support/villageLink'
import { useActingStore } from './acting'

/** A person with the names the screens show. */
export interface PersonView extends Person { household: string; unit: string }

/** One person as the clerk enters or imports them: the household by its number, the unit by its name. */
export interface RosterRow {
  household: string
  name: string
  unit: string
  roles: Role[]
  adult: boolean
  eligible: boolean
  householdHead: boolean
}

/** The village roster: units, households and people, read and written through src/data (`attach`). */
export const useRosterStore = defineStore('roster', () => {
  const units = shallowRef<Stored<Unit>[]>([])
  const persons = shallowRef<Stored<Person>[]>([])

  const link = villageLink()
  const { need } = link
  const acting = useActingStore()

  function attach(r: Repositories, opts: LinkOptions = {}): void {
    const subs = link.connect(r, opts)
    subs.push(r.units.list$({ oldestFirst: true }).subscribe((u) => { units.value = u }))
    subs.push(r.persons.list$({ oldestFirst: true }).subscribe((p) => { persons.value = p }))
  }

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

  // Units created during this session, by name, so an import creates each unit once.
  const created = new Map<string, string>()
  async function ensureUnit(name: string): Promise<string> {
    const found = units.value.find((u) => u.name === name)?.id ?? created.get(name)
    if (found) return found
    const unit = await need().units.create({ kind: guessUnitKind(name), name })
    created.set(name, unit.id)
    return unit.id
  }

  async function fields(row: RosterRow) {
    return { name: row.name, householdId: householdId(row.household), unitId: await ensureUnit(row.unit), adult: row.adult, eligible: row.eligible, householdHead: row.householdHead, roles: [...row.roles] }
  }

  // The roster decides who may vote: only the clerk changes it (src/domain/acts.ts).
  async function addPerson(row: RosterRow): Promise<Person> {
    await acting.authorize('roster.edit')
    return need().persons.create(await fields(row))
  }

  async function updatePerson(id: string, row: RosterRow): Promise<void> {
    await acting.authorize('roster.edit')
    await need().persons.update(id, await fields(row))
  }

  async function setUnitKind(id: string, kind: UnitKind): Promise<void> {
    await acting.authorize('roster.edit')
    await need().units.update(id, { kind })
  }

  /** Imports rows; a row whose household and name already exist updates that person. */
  async function importRows(rows: readonly RosterRow[]): Promise<{ added: number; updated: number }> {
    await acting.authorize('roster.edit')
    let added = 0
    let updated = 0
    for (const row of rows) {
      const existing = persons.value.find((p) => p.householdId === householdId(row.household) && p.name === row.name)
      if (existing) { await updatePerson(existing.id, row); updated++ } else { await addPerson(row); added++ }
    }
    return { added, updated }
  }

  return { attach, setUnitKind, units, persons, people, households, eligibleCount, unitName, withRole, byId, addPerson, updatePerson, importRows }
})
