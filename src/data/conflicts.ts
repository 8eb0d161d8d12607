/**
 * The conflict handler of the `docs` collection. Never silent:
 * - a document the hub refused comes back carrying `refused`: the hub's version is taken (the
 *   tablet shows it as refused; the hub's `rejection` document explains why);
 * - immutable kinds are insert-only: the first version the hub accepted stays, and the losing one is
 *   recorded as a `conflict` document (a voter checked off on two tablets → `double-checkoff`);
 * - mutable kinds are merged field by field against the common ancestor; where both sides changed
 *   the same field, the later device time wins (ties: device id, then seq, so every tablet picks the
 *   same) and the losing version is recorded as a `conflict` document the council can see.
 * RxDB's default handler (drop the local edit) is never used.
 */
import type { RxConflictHandler, RxConflictHandlerInput, WithDeleted } from 'rxdb'
import { isImmutableKind, withoutStorage, type YishiDoc } from '@/shared/schemas'
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


/** Three-way merge of bodies. Returns the merged body and the fields both sides changed differently. */
export function mergeBodies(base: Record<string, unknown> | undefined, local: Record<string, unknown>, remote: Record<string, unknown>, localWins: boolean) {
  const merged: Record<string, unknown> = {}
  const clashes: string[] = []
  for (const key of new Set([...Object.keys(local), ...Object.keys(remote)])) {
    const l = local[key]; const r = remote[key]; const b = base?.[key]
    let value: unknown
    if (equal(l, r)) value = r
    else if (base && equal(l, b)) value = r
    else if (base && equal(r, b)) value = l
    else { clashes.push(key); value = localWins ? l : r }
    if (value !== undefined) merged[key] = value
  }
  return { merged, clashes }
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
  const { merged, clashes } = mergeBodies(input.assumedMasterState?.body, local.body, remote.body, localWins)
  if (clashes.length > 0) {
    sink.pending.push({ subjectId: remote.id, reason: 'concurrent-edit', winner: withoutStorage(localWins ? local : remote), loser: withoutStorage(localWins ? remote : local), fields: clashes })
    sink.notify()
  }
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
