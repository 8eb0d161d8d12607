import { fail } from '../errors.ts'
import { asInput, bool, id, int, list, oneOf, slug, str, time } from './check.ts'
import { PROPOSAL_CATEGORIES, PROPOSAL_STATUSES, ROLES, UNIT_KINDS } from './types.ts'
import type { Person, Proposal, ProposalCategory, Role, RolesSignature, Township, Unit, UnitKind, Village } from './types.ts'

export function township(input: unknown): Township {
  const i = asInput('township', input)
  return { id: slug('township', i, 'id'), name: str('township', i, 'name', { max: 100 }) }
}

export function village(input: unknown): Village {
  const i = asInput('village', input)
  return {
    id: slug('village', i, 'id'),
    townshipId: slug('village', i, 'townshipId'),
    name: str('village', i, 'name', { max: 100 }),
    procedureId: id('village', i, 'procedureId', 'procedure', { optional: true }),
  }
}

export function unit(input: unknown): Unit {
  const i = asInput('unit', input)
  return {
    id: id('unit', i, 'id', 'unit'),
    villageId: slug('unit', i, 'villageId'),
    kind: oneOf('unit', i, 'kind', UNIT_KINDS),
    name: str('unit', i, 'name', { max: 100 }),
  }
}

export function person(input: unknown): Person {
  const i = asInput('person', input)
  const adult = bool('person', i, 'adult', true)
  const eligible = bool('person', i, 'eligible', adult)
  if (eligible && !adult) fail('person.minor-eligible', 'person.eligible: a minor cannot be eligible to vote', { entity: 'person', field: 'eligible' })
  const roles = list('person', i, 'roles', (v, n) => oneOf('person', { [`roles[${n}]`]: v }, `roles[${n}]`, ROLES), { unique: (r: Role) => r })
  return {
    id: id('person', i, 'id', 'person'),
    villageId: slug('person', i, 'villageId'),
    name: str('person', i, 'name', { max: 100 }),
    householdId: id('person', i, 'householdId', 'household'),
    unitId: id('person', i, 'unitId', 'unit', { optional: true }),
    adult,
    eligible,
    householdHead: bool('person', i, 'householdHead', false),
    roles,
    ...rolesSignature(i.rolesSig),
  }
}

/** A person's roles signature, kept as given when it has its four fields (whether it is good is src/shared/rosterroles.ts's to say). */
function rolesSignature(v: unknown): { rolesSig?: RolesSignature } {
  const s = v as Partial<RolesSignature> | null | undefined
  if (!s || typeof s !== 'object' || typeof s.at !== 'number' || typeof s.by !== 'string' || typeof s.keyId !== 'string' || typeof s.signature !== 'string') return {}
  return { rolesSig: { at: s.at, by: s.by, keyId: s.keyId, signature: s.signature } }
}

/** A household's record id from its number on the roster (户号), and back. */
export const householdId = (household: string): string => `household:${household}`
export const householdNumber = (id: string): string => id.replace(/^household:/, '')

/**
 * How people call a household: by its number on the roster ("3", "2-15", "一组8号") when it has one
 * a person would say, else — the roster holds a code (an id made by a program) — by its head's name
 * (or its first member's when no head is marked). `id`: the household's id (or number); `members`: its people.
 */
export function householdCall(id: string, members: readonly { name: string; householdHead?: boolean }[]): { number: string } | { head: string } {
  const number = householdNumber(id)
  const sayable = number.length > 0 && number.length <= 12 && !/[A-Za-z]/.test(number)
  const head = members.find((m) => m.householdHead)?.name ?? members[0]?.name
  return sayable || !head ? { number } : { head }
}

/** A unit's kind guessed from its name (院落, 小组, 小区, 楼); the clerk can change it later. */
export function guessUnitKind(name: string): UnitKind {
  if (/组|group/i.test(name)) return 'villager-group'
  if (/小区|compound/i.test(name)) return 'compound'
  if (/楼|栋|building/i.test(name)) return 'building'
  return 'courtyard'
}

/** A proposal's category as this tablet knows it: an unknown one (from a newer tablet) is 'other'. */
export function categoryOf(p: Pick<Proposal, 'category'>): ProposalCategory {
  return (PROPOSAL_CATEGORIES as readonly string[]).includes(p.category) ? p.category as ProposalCategory : 'other'
}

export function hasRole(p: Pick<Person, 'roles'>, role: Role): boolean {
  return p.roles.includes(role)
}

export function proposal(input: unknown): Proposal {
  const i = asInput('proposal', input)
  const status = oneOf('proposal', i, 'status', PROPOSAL_STATUSES, 'open')
  const mergedInto = id('proposal', i, 'mergedInto', 'proposal', { optional: true })
  if (status === 'merged' && !mergedInto) fail('invalid.required', 'proposal.mergedInto: required when the proposal is merged', { entity: 'proposal', field: 'mergedInto' })
  const out: Proposal = {
    id: id('proposal', i, 'id', 'proposal'),
    villageId: slug('proposal', i, 'villageId'),
    unitId: id('proposal', i, 'unitId', 'unit', { optional: true }),
    title: str('proposal', i, 'title', { max: 200 }),
    description: str('proposal', i, 'description', { optional: true, max: 5000 }),
    proposedBy: id('proposal', i, 'proposedBy', 'person', { optional: true }),
    createdAt: time('proposal', i, 'createdAt'),
    status,
    mergedInto,
    estimatedCost: int('proposal', i, 'estimatedCost', { min: 0, fallback: 0 }),
    category: i.category === undefined || i.category === '' ? 'other' : str('proposal', i, 'category', { max: 40 }),
    photos: list('proposal', i, 'photos', (v, n) => contentHash('proposal', `photos[${n}]`, v), { max: 20, unique: (h) => h }),
    voiceNote: i.voiceNote === undefined || i.voiceNote === '' ? '' : contentHash('proposal', 'voiceNote', i.voiceNote),
  }
  if (out.mergedInto === out.id) fail('invalid.reference', 'proposal.mergedInto: a proposal cannot be merged into itself', { entity: 'proposal', field: 'mergedInto' })
  return out
}

/** A sha-256 content hash (64 lowercase hex digits) naming a photo or recording. */
export function contentHash(entity: string, field: string, value: unknown): string {
  if (typeof value !== 'string' || !/^[0-9a-f]{64}$/.test(value)) fail('invalid.format', `${entity}.${field}: expected a sha-256 content hash`, { entity, field })
  return value
}
