/**
 * Which void lists a tablet honours. A void list names ballots; nothing in it proves the ballots
 * came out of the void seals (a proof would link each voter to their voided ballot, which the
 * sorted list exists to avoid). So a list counts only within what the council decided: every
 * decision it names must be a recorded double-vote decision of this vote with void seals, not
 * already used by an earlier list, and it may void at most as many ballots as those decisions
 * have void seals. A list recorded by a tampered tablet can then void no more than the council
 * decided, and the audit chain names the device and the supervisors who opened it.
 */
import type { Ballot, CheckOff, Vote } from './model/types.ts'
import { isLateBallot } from './ballots.ts'
import { countableBallots, doubleVoteResolution, findDoubleVotes } from './doublevote.ts'
import { unresolvedDoubleVotes } from './conflicts.ts'

export interface VoidListLike { id: string; voteId: string; ballotIds: string[]; decisions: string[]; at: number }
export interface VoidDecisionLike { id: string; voteId?: string; voidedSeals?: string[] }

export function acceptedVoidLists<L extends VoidListLike>(lists: readonly L[], decisions: readonly VoidDecisionLike[], voteId: string): L[] {
  const seals = new Map(decisions.filter((d) => d.voteId === voteId && (d.voidedSeals?.length ?? 0) > 0).map((d) => [d.id, d.voidedSeals!.length]))
  const used = new Set<string>()
  const out: L[] = []
  for (const l of [...lists].filter((x) => x.voteId === voteId).sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1))) {
    const named = [...new Set(l.decisions)]
    if (named.length === 0 || named.some((d) => !seals.has(d) || used.has(d))) continue
    const allowed = named.reduce((n, d) => n + (seals.get(d) ?? 0), 0)
    if (new Set(l.ballotIds).size > allowed) continue
    for (const d of named) used.add(d)
    out.push(l)
  }
  return out
}

/** A supervisor's seal key as far as who sealed a vote goes (a `sealkey` record). */
export interface SealKeyOwner { personId: string; publicKey: string }

/**
 * The supervisors who sealed the vote and are not among those who opened the list (`openedBy`):
 * a void list is opened by every supervisor whose seal key sealed that vote, together — one of them
 * alone voids nothing. Each seal key in the vote is held by every person whose seal-key record names
 * it (a record naming someone else's key only adds a name that must open, it takes none away); a seal
 * key no record names is '' (who holds it cannot be shown, so the list cannot be shown to cover it).
 * Empty when the list covers every sealer.
 */
export function sealersMissing(openedBy: readonly string[], vote: { sealKeys: readonly string[] }, owners: readonly SealKeyOwner[]): string[] {
  const opened = new Set(openedBy)
  const missing = new Set<string>()
  for (const key of vote.sealKeys) {
    const holders = owners.filter((o) => o.publicKey === key).map((o) => o.personId)
    if (holders.length === 0) missing.add('')
    for (const h of holders) if (!opened.has(h)) missing.add(h)
  }
  return [...missing]
}

/** A `decision` record as the conflicts store writes it for a double vote. */
export interface DoubleVoteDecision {
  id: string; subjectId: string; by: string; reason: string; at: number
  voteId?: string; voterId?: string; keptSeal?: string; voidedSeals?: string[]; decidedBy?: string[]
}
interface ConflictLike { reason: string; subjectId: string; loser?: { body?: unknown } | null }

/**
 * Whether a decision resolves a double vote sync really found: the voter's check-offs (the stored
 * one and those recorded as conflicts) pass the domain's check that every seal is kept or void.
 * A decision naming any other seal (an honest voter's) resolves nothing: its seals are not opened
 * and no void list can lean on it.
 */
export function resolvesDoubleVote(d: DoubleVoteDecision, checkoffs: readonly CheckOff[], conflicts: readonly ConflictLike[]): boolean {
  const revisions: CheckOff[] = []
  const mine = checkoffs.find((k) => k.id === d.subjectId)
  if (mine) revisions.push(mine)
  for (const c of conflicts) {
    if (c.reason === 'double-checkoff' && c.subjectId === d.subjectId && c.loser?.body) revisions.push({ ...(c.loser.body as CheckOff), id: d.subjectId })
  }
  const [dv] = findDoubleVotes(revisions)
  if (!dv) return false
  try { doubleVoteResolution({ ...d, keptSeal: d.keptSeal ?? '', decidedBy: d.decidedBy ?? [d.by] }, dv); return true } catch { return false }
}

/** What a vote's result counts, and why the rest does not (one rule for every screen that counts). */
export interface CountedBallots<B, L, T> {
  /** Ballots that count. */
  counted: B[]
  /** Ballots not cast after a recorded close (the base of the surplus check). */
  onTime: B[]
  /** Ballots cast after the close on a tablet that did not know of it yet. */
  late: number
  /** Council decisions on double votes that resolve a double vote sync really found. */
  voidDecisions: T[]
  /** The void lists honoured (within those decisions). */
  voids: L[]
}

/**
 * The ballots a vote's result counts: not cast after the vote's recorded close, and not voided by
 * the supervisors within the council's recorded decisions on double votes.
 */
export function countedBallots<B extends Ballot, L extends VoidListLike, T extends DoubleVoteDecision>(
  vote: Pick<Vote, 'id' | 'closedAt'>, ballots: readonly B[],
  records: { voidLists: readonly L[]; decisions: readonly T[]; checkoffs: readonly CheckOff[]; conflicts: readonly ConflictLike[] },
): CountedBallots<B, L, T> {
  const mine = ballots.filter((b) => b.voteId === vote.id)
  const onTime = mine.filter((b) => !isLateBallot(vote, b))
  const voidDecisions = records.decisions.filter((d) => resolvesDoubleVote(d, records.checkoffs, records.conflicts))
  const voids = acceptedVoidLists(records.voidLists, voidDecisions, vote.id)
  return { counted: countableBallots(onTime, vote.id, voids), onTime, late: mine.length - onTime.length, voidDecisions, voids }
}

/** Decisions that void ballots and still wait for the supervisors to open the seals (no honoured void list covers them). */
export function awaitingSeals<T extends VoidDecisionLike>(decisions: readonly T[], voids: readonly VoidListLike[]): T[] {
  const covered = new Set(voids.flatMap((l) => l.decisions))
  return decisions.filter((d) => (d.voidedSeals?.length ?? 0) > 0 && !covered.has(d.id))
}

/**
 * The council's decisions on `vote`'s double votes that still wait for the supervisors to open their
 * void seals: decisions of this vote that resolve a double vote sync really found and void a seal,
 * which no void list honoured for the vote covers. None on a vote nobody sealed: nothing can be opened
 * (its result warns about the surplus instead). One answer for the results screen, the supervisors'
 * checks and the township. `voidLists`: those signed by every supervisor who opened them.
 */
export function decisionsAwaitingSeals<T extends DoubleVoteDecision>(
  vote: Pick<Vote, 'id' | 'sealKeys'>,
  records: { voidLists: readonly VoidListLike[]; decisions: readonly T[]; checkoffs: readonly CheckOff[]; conflicts: readonly ConflictLike[] },
): T[] {
  if (vote.sealKeys.length === 0) return []
  const decided = records.decisions.filter((d) => d.voteId === vote.id && resolvesDoubleVote(d, records.checkoffs, records.conflicts))
  return awaitingSeals(decided, acceptedVoidLists(records.voidLists, decided, vote.id))
}

/** Why a closed vote's money may not be allocated yet (`allocationWait`). */
export type AllocationWait =
  | { reason: 'double-votes-undecided'; voters: number }
  | { reason: 'seals-unopened'; decisions: number }

/**
 * Why the funded projects of `vote` may not be recorded as allocations yet, or null. First, voters
 * checked off more than once whose double vote the council has not decided: the result may still
 * count their extra ballot, and once decided, its void seal may take it out and change who is funded.
 * Then decisions whose void seals the supervisors have not opened (`decisionsAwaitingSeals`).
 * `conflicts`: the conflict records of this vote's check-offs. One gate for the results screen and
 * the store that records the allocation. Whether the vote has closed is the caller's own check.
 */
export function allocationWait<T extends DoubleVoteDecision>(
  vote: Pick<Vote, 'id' | 'sealKeys'>,
  records: { voidLists: readonly VoidListLike[]; decisions: readonly T[]; checkoffs: readonly CheckOff[]; conflicts: readonly (ConflictLike & { id: string })[] },
): AllocationWait | null {
  const voters = unresolvedDoubleVotes(records.conflicts, records.decisions).length
  if (voters > 0) return { reason: 'double-votes-undecided', voters }
  const decisions = decisionsAwaitingSeals(vote, records).length
  return decisions > 0 ? { reason: 'seals-unopened', decisions } : null
}
