import { defineStore } from 'pinia'
import { computed, shallowRef } from 'vue'
import { guessUnitKind, householdId, householdNumber, type Person, type Role, type Unit, type UnitKind } from '@/domain'
import { newIdRest, type Repositories, type Stored } from '@/data'
import { villageLink, type LinkOptions } from './support/villageLink'
import { ActRefused, useActingStore, type ActSigner } from './acting'
import type { RolesSig } from '@/shared/rosterroles'

/** A person with the names the screens show. */
export interface PersonView extends Person { household: string; unit: string }

/** Someone the roster names to a role: `pending` while that role waits for a signature (it counts for nothing yet). */
export interface RoleHolder { id: string; name: string; pending: boolean }

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
  /**
   * The roster's order: by household number, then as written. People imported together share one
   * millisecond, and the database breaks that tie by random id, so without the household order the
   * same roster listed its council differently from one load to the next.
   */
  const byHousehold = (a: PersonView, b: PersonView) => a.household.localeCompare(b.household, 'zh-CN', { numeric: true })
  const people = computed<PersonView[]>(() => persons.value.map((p) => ({ ...p, household: householdNumber(p.householdId), unit: unitName(p.unitId) })).sort(byHousehold))
  const households = computed(() => {
    const map = new Map<string, PersonView[]>()
    for (const p of people.value) map.set(p.household, [...(map.get(p.household) ?? []), p])
    return [...map.entries()].sort(([a], [b]) => a.localeCompare(b, 'zh-CN', { numeric: true }))
  })
  const eligibleCount = computed(() => persons.value.filter((p) => p.eligible).length)
  /**
   * The people the roster names to any of `roles`, as every screen lists them: first those whose role
   * counts (signed, src/shared/rosterroles.ts, as the acting store reads the roster), then, `pending`,
   * those whose written role waits for the clerk's or the hub's signature — shown with the roster's mark
   * (`roster.rolesPendingMark`), never offered to act or counted by a rule.
   */
  const holders = (roles: readonly Role[]): RoleHolder[] => {
    const named = (p: { roles: readonly string[] }) => p.roles.some((r) => (roles as readonly string[]).includes(r))
    const place = new Map(people.value.map((p, i) => [p.id, i]))
    const inRosterOrder = (a: { id: string }, b: { id: string }) => (place.get(a.id) ?? Infinity) - (place.get(b.id) ?? Infinity)
    const counted = acting.persons.filter(named).map((p) => ({ id: p.id, name: p.name, pending: false })).sort(inRosterOrder)
    const waiting = people.value.filter((p) => named(p) && !counted.some((c) => c.id === p.id)).map((p) => ({ id: p.id, name: p.name, pending: true }))
    return [...counted, ...waiting]
  }
  const byId = (id: string) => people.value.find((p) => p.id === id)
  /** The person's roles on the roster count for nothing yet: no clerk or hub signed them (src/shared/rosterroles.ts). */
  const rolesPending = (id: string) => (byId(id)?.roles.length ?? 0) > 0 && (acting.persons.find((p) => p.id === id)?.roles.length ?? 0) === 0

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
    return { name: row.name, householdId: householdId(row.household), unitId: await ensureUnit(row.unit), adult: row.adult, eligible: row.eligible, householdHead: row.householdHead }
  }

  const sameRoles = (a: readonly string[], b: readonly string[]) => [...a].sort().join() === [...b].sort().join()
  /** The rows whose roles differ from the person's on the roster (a new person with roles too). */
  const rolesChanged = (rows: readonly { id: string | null; roles: readonly string[] }[]) =>
    rows.filter((r) => !sameRoles(r.id ? persons.value.find((p) => p.id === r.id)?.roles ?? [] : [], r.roles))

  /**
   * Who may write these roles, asked once: roles count only signed (src/shared/rosterroles.ts), so the
   * clerk signs them with their own key (`roster.roles`, their passphrase). Without a clerk's key on this
   * tablet, roles are written unsigned — they count for nothing until the clerk or the hub signs them —
   * unless they would take away roles that count (the hub refuses that unsigned).
   */
  async function rolesAuthority(changed: readonly { id: string | null }[]): Promise<ActSigner | null> {
    if (changed.length === 0) { await acting.authorize('roster.edit'); return null }
    if (acting.candidatesFor('roster.roles').length > 0) return (await acting.authorize('roster.roles')).signer
    if (changed.some((r) => r.id && (acting.persons.find((p) => p.id === r.id)?.roles.length ?? 0) > 0)) {
      acting.refuse('roster.roles')
      throw new ActRefused('no-one', 'roster.roles')
    }
    await acting.authorize('roster.edit')
    return null
  }

  /** The roles and their signature as written (none: unsigned, waiting for a signature). */
  function signedRolesOf(id: string, roles: readonly Role[], signer: ActSigner | null): { roles: Role[]; rolesSig: RolesSig | undefined } {
    if (!signer) return { roles: [...roles], rolesSig: undefined }
    const prior = persons.value.find((p) => p.id === id)?.rolesSig?.at ?? 0
    return { roles: [...roles], rolesSig: signer.roles({ id, roles }, Math.max(Date.now(), prior + 1)) }
  }

  async function writePerson(id: string | null, row: RosterRow, signer: ActSigner | null): Promise<Person> {
    const base = await fields(row)
    const existing = id ? persons.value.find((p) => p.id === id) : undefined
    const keepRoles = existing && sameRoles(existing.roles, row.roles)
    if (existing && keepRoles) return need().persons.update(existing.id, base)
    const newId = existing?.id ?? `person:${newIdRest()}`
    return existing ? need().persons.update(existing.id, { ...base, ...signedRolesOf(existing.id, row.roles, signer) })
      : need().persons.create({ ...base, id: newId, ...signedRolesOf(newId, row.roles, signer) })
  }

  // The roster decides who may vote: only the clerk changes it; roles only with the clerk's own key (src/domain/acts.ts).
  async function addPerson(row: RosterRow): Promise<Person> {
    const signer = await rolesAuthority(rolesChanged([{ id: null, roles: row.roles }]))
    return writePerson(null, row, signer)
  }

  async function updatePerson(id: string, row: RosterRow): Promise<void> {
    const signer = await rolesAuthority(rolesChanged([{ id, roles: row.roles }]))
    await writePerson(id, row, signer)
  }

  async function setUnitKind(id: string, kind: UnitKind): Promise<void> {
    await acting.authorize('roster.edit')
    await need().units.update(id, { kind })
  }

  /** People whose roles wait for a signature (`rolesPending`). */
  const pending = computed(() => people.value.filter((p) => rolesPending(p.id)))
  /** The clerk signs, with their own passphrase once, the roles that wait for a signature: they count from then on. */
  async function signPending(): Promise<number> {
    const waiting = pending.value.map((p) => p.id)
    if (waiting.length === 0) return 0
    const { signer } = await acting.authorize('roster.roles')
    if (!signer) throw new ActRefused('no-one', 'roster.roles')
    for (const id of waiting) {
      const p = persons.value.find((x) => x.id === id)
      if (p) await need().persons.update(id, signedRolesOf(id, p.roles, signer))
    }
    return waiting.length
  }

  /** Imports rows; a row whose household and name already exist updates that person. Roles are signed once for the whole sheet. */
  async function importRows(rows: readonly RosterRow[]): Promise<{ added: number; updated: number }> {
    const matched = rows.map((row) => ({ row, id: persons.value.find((p) => p.householdId === householdId(row.household) && p.name === row.name)?.id ?? null }))
    const signer = await rolesAuthority(rolesChanged(matched.map((m) => ({ id: m.id, roles: m.row.roles }))))
    let added = 0
    let updated = 0
    for (const { row, id } of matched) {
      await writePerson(id, row, signer)
      if (id) updated++; else added++
    }
    return { added, updated }
  }

  return { attach, setUnitKind, units, persons, people, households, eligibleCount, unitName, holders, byId, rolesPending, pending, signPending, addPerson, updatePerson, importRows }
})
