import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { Role, RosterRow } from '@/features/roster/rosterImport'

export interface UnitView { id: string; name: string }
export interface PersonView extends RosterRow { id: string; unitId: string }

/** The village roster: units, households and people. Reads and writes go through src/data. */
export const useRosterStore = defineStore('roster', () => {
  const units = ref<UnitView[]>([])
  const people = ref<PersonView[]>([])

  const unitName = (id: string) => units.value.find((u) => u.id === id)?.name ?? ''
  const households = computed(() => {
    const map = new Map<string, PersonView[]>()
    for (const p of people.value) map.set(p.household, [...(map.get(p.household) ?? []), p])
    return [...map.entries()].sort(([a], [b]) => a.localeCompare(b, 'zh-CN', { numeric: true }))
  })
  const eligibleCount = computed(() => people.value.filter((p) => p.eligible).length)
  const withRole = (role: Role) => people.value.filter((p) => p.roles.includes(role))

  function ensureUnit(name: string): string {
    const found = units.value.find((u) => u.name === name)
    if (found) return found.id
    const id = `unit:${crypto.randomUUID()}`
    units.value.push({ id, name })
    return id
  }

  async function addPerson(row: RosterRow): Promise<PersonView> {
    const person = { ...row, id: `person:${crypto.randomUUID()}`, unitId: ensureUnit(row.unit) }
    people.value.push(person)
    return person
  }

  async function updatePerson(id: string, change: Partial<RosterRow>): Promise<void> {
    const person = people.value.find((p) => p.id === id)
    if (!person) return
    Object.assign(person, change)
    if (change.unit) person.unitId = ensureUnit(change.unit)
  }

  /** Imports rows; a row whose household and name already exist updates that person. */
  async function importRows(rows: readonly RosterRow[]): Promise<{ added: number; updated: number }> {
    let added = 0
    let updated = 0
    for (const row of rows) {
      const existing = people.value.find((p) => p.household === row.household && p.name === row.name)
      if (existing) { await updatePerson(existing.id, row); updated++ } else { await addPerson(row); added++ }
    }
    return { added, updated }
  }

  return { units, people, households, eligibleCount, unitName, withRole, addPerson, updatePerson, importRows }
})
