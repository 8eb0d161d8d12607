/**
 * The conflict handler of the `docs` collection. Never silent:
 * - a document the hub refused comes back carrying `refused`: the hub's version is taken (the
 *   tablet shows it as refused; the hub's `rejection` document explains why);
 * - immutable kinds are insert-only: the first version the hub accepted stays, and the losing one is
 *   recorded as a `conflict` document (a voter checked off on two tablets → `double-checkoff`);
 * - mutable kinds are merged field by field against the common ancestor; where both sides changed
 *   the same field, the later device time wins (ties: device id, then seq, so every tablet picks the
 *   same) and the losing version is recorded as a `conflict` document the council can see;
 * - a person's roles and their signature merge as one (`UNITS`): taken together from one side, never
 *   one edit's roles with the other's signature (which verifies for neither, so the roles would count
 *   for nothing and the hub would refuse the merge). Where both sides changed them, the signed roles
 *   prevail over unsigned ones and the later signature over the earlier, whichever edit is later
 *   (`laterSignedRoles`); the losing roles are recorded as a conflict like any other field.
 * RxDB's default handler (drop the local edit) is never used.
 */
import type { RxConflictHandler, RxConflictHandlerInput, WithDeleted } from 'rxdb'
import { isImmutableKind, withoutStorage, type YishiDoc } from '@/shared/schemas'
import { ROLES_FIELDS, laterSignedRoles } from '@/shared/rosterroles'
import { canonicalJson } from './hash'

export interface ConflictRecord {
  subjectId: string
  reason: 'double-checkoff' | 'duplicate-insert' | 'concurrent-edit'
  winner: YishiDoc
  loser: YishiDoc
  fields: string[]
}

/** Filled by the handler (which must stay synchronous and pure in what it returns), drained by the writer. */
export interface ConflictSink {
  pending: ConflictRecord[]
  notify: () => void
  /** Stamps a merged version as a new write of this device; unset until the writer is attached. */
  restamp?: (doc: YishiDoc) => YishiDoc
}

type Doc = WithDeleted<YishiDoc>

/** The same stored version: same writing device and seq, refused or not, deleted or not. */
export function sameVersion(a: Doc, b: Doc): boolean {
  return a.device === b.device && a.seq === b.seq && !!a.refused === !!b.refused && !!a._deleted === !!b._deleted
}

function equal(a: unknown, b: unknown): boolean {
  return a === b || canonicalJson(a) === canonicalJson(b)
}

/** Deterministic order of two versions: the later device time wins; ties by device, then seq. */
export function laterOf(a: YishiDoc, b: YishiDoc): YishiDoc {
  if (a.deviceTime !== b.deviceTime) return a.deviceTime > b.deviceTime ? a : b
  if (a.device !== b.device) return a.device > b.device ? a : b
  return a.seq >= b.seq ? a : b
}


/** Fields that merge as one, taken together from one side; `prefer` says whose when both sides changed them (null: the later version's). */
export interface MergeUnit {
  keys: readonly string[]
  prefer: (local: Record<string, unknown>, remote: Record<string, unknown>) => 'local' | 'remote' | null
}

/** The units of each kind: a person's roles travel with their signature, the later signed prevailing (src/shared/rosterroles.ts). */
const UNITS: Partial<Record<string, readonly MergeUnit[]>> = {
  person: [{ keys: ROLES_FIELDS, prefer: (l, r) => ({ a: 'local', b: 'remote', none: null } as const)[laterSignedRoles(l, r) ?? 'none'] }],
}

/**
 * Three-way merge of bodies, field by field, and unit by unit for `units` (their fields taken together
 * from one side). Returns the merged body, the fields both sides changed differently that went to the
 * later version (`localWins`: the local one), and those that went to the other one (`overruled`: a
 * unit's `prefer` decided against the later version).
 */
export function mergeBodies(base: Record<string, unknown> | undefined, local: Record<string, unknown>, remote: Record<string, unknown>, localWins: boolean, units: readonly MergeUnit[] = []) {
  const merged: Record<string, unknown> = {}
  const clashes: string[] = []
  const overruled: string[] = []
  const inUnit = new Set(units.flatMap((u) => u.keys))
  for (const key of new Set([...Object.keys(local), ...Object.keys(remote)])) {
    if (inUnit.has(key)) continue
    const l = local[key]; const r = remote[key]; const b = base?.[key]
    let value: unknown
    if (equal(l, r)) value = r
    else if (base && equal(l, b)) value = r
    else if (base && equal(r, b)) value = l
    else { clashes.push(key); value = localWins ? l : r }
    if (value !== undefined) merged[key] = value
  }
  for (const unit of units) {
    const part = (body: Record<string, unknown>) => Object.fromEntries(unit.keys.map((k) => [k, body[k]]))
    const l = part(local); const r = part(remote); const b = base ? part(base) : undefined
    let from: Record<string, unknown>
    if (equal(l, r) || (b && equal(l, b))) from = r
    else if (b && equal(r, b)) from = l
    else {
      const prefer = unit.prefer(local, remote)
      const unitLocal = prefer === null ? localWins : prefer === 'local'
      ;(unitLocal === localWins ? clashes : overruled).push(...unit.keys.filter((k) => !equal(l[k], r[k])))
      from = unitLocal ? l : r
    }
    for (const k of unit.keys) if (from[k] !== undefined) merged[k] = from[k]
  }
  return { merged, clashes, overruled }
}

export function resolveConflict(input: RxConflictHandlerInput<YishiDoc>, sink: ConflictSink): Doc {
  const remote = input.realMasterState
  const local = input.newDocumentState
  if (remote.refused || sameVersion(remote, local)) return remote
  const kind = remote.kind
  if (isImmutableKind(kind)) {
    if (kind !== 'conflict' && kind !== 'audit' && kind !== 'rejection' && !equal(local.body, remote.body)) {
      sink.pending.push({
        subjectId: remote.id, reason: kind === 'checkoff' ? 'double-checkoff' : 'duplicate-insert',
        winner: withoutStorage(remote), loser: withoutStorage(local), fields: [],
      })
      sink.notify()
    }
    return remote
  }
  const winner = laterOf(local, remote)
  const localWins = winner === local
  const { merged, clashes, overruled } = mergeBodies(input.assumedMasterState?.body, local.body, remote.body, localWins, UNITS[kind] ?? [])
  const lost = (fields: string[], localWon: boolean) => {
    if (fields.length > 0) sink.pending.push({ subjectId: remote.id, reason: 'concurrent-edit', winner: withoutStorage(localWon ? local : remote), loser: withoutStorage(localWon ? remote : local), fields })
  }
  lost(clashes, localWins)
  lost(overruled, !localWins)
  if (clashes.length + overruled.length > 0) sink.notify()
  if (equal(merged, remote.body)) return remote
  const mergedDoc = { ...withoutStorage(local), body: merged }
  return { ...(sink.restamp ? sink.restamp(mergedDoc) : mergedDoc), _deleted: false }
}

export function createConflictHandler(sink: ConflictSink): RxConflictHandler<YishiDoc> {
  return {
    isEqual: (a, b) => sameVersion(a, b),
    resolve: async (input) => resolveConflict(input, sink),
  }
}
