/**
 * What sync found and the council must decide: the one reading of conflict records and decisions
 * that every screen, gate and summary uses (the conflicts queue, the cycle's "double votes resolved",
 * the supervisors' checklist, the township's figures).
 *
 * A voter checked off on two or more tablets is ONE double vote, however many conflict records the
 * collisions left (three tablets leave two), decided by a decision on the voter's check-off id. Any
 * other conflict (an edit that lost, an insert made twice) is one item per conflict record, decided
 * by a decision on that record's id — a decision about the record it concerns (a notice
 * republished, say) does not settle it.
 */

/** A conflict record as sync writes it: `subjectId` is the record both versions claim. */
export interface ConflictRecordLike { id: string; subjectId: string; reason: string }
/** A decision record: `subjectId` is what it decides. */
export interface DecisionLike { subjectId: string }

export const DOUBLE_CHECKOFF = 'double-checkoff'

/** The key the council decides an item on: the voter's check-off id for a double vote, else the record's own id. */
export function conflictKey(c: ConflictRecordLike): string {
  return c.reason === DOUBLE_CHECKOFF ? c.subjectId : c.id
}

export interface ConflictItem<C extends ConflictRecordLike> {
  key: string
  reason: string
  /** The conflict records behind this item (a voter on three tablets: two), oldest first as given. */
  records: C[]
  decided: boolean
}

/** The council's queue: one item per double-voting voter and per other conflict, in the order first seen. */
export function conflictItems<C extends ConflictRecordLike>(conflicts: readonly C[], decisions: readonly DecisionLike[]): ConflictItem<C>[] {
  const decided = new Set(decisions.map((d) => d.subjectId))
  const items = new Map<string, ConflictItem<C>>()
  for (const c of conflicts) {
    const key = conflictKey(c)
    const item = items.get(key) ?? { key, reason: c.reason, records: [], decided: decided.has(key) }
    item.records.push(c)
    items.set(key, item)
  }
  return [...items.values()]
}

/** Voters checked off more than once (their check-off ids) with no decision yet. */
export function unresolvedDoubleVotes(conflicts: readonly ConflictRecordLike[], decisions: readonly DecisionLike[]): string[] {
  return conflictItems(conflicts, decisions).filter((i) => i.reason === DOUBLE_CHECKOFF && !i.decided).map((i) => i.key)
}

/** Other conflicts (lost edits, inserts made twice) with no decision yet. */
export function unresolvedConflicts<C extends ConflictRecordLike>(conflicts: readonly C[], decisions: readonly DecisionLike[]): C[] {
  return conflictItems(conflicts, decisions).filter((i) => i.reason !== DOUBLE_CHECKOFF && !i.decided).flatMap((i) => i.records)
}
