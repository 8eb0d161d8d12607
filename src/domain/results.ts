/**
 * The result of a vote, one rule for every place that shows or exports it: the tablet's results
 * screen, the township's summary and village view, their CSV and `.pb` files. Ballots count when
 * the domain counts them (`countedBallots`: on time, not voided within the council's decisions);
 * a paper count adds its per-option totals once two different people agree on it; the vote's rule
 * selects the projects.
 */
import { DomainError } from './errors.ts'
import type { Ballot, CheckOff, PaperCount, Vote } from './model/types.ts'
import { reconcilePaperCounts, type AgreedCount } from './papercount.ts'
import { select, type SelectionResult } from './selection.ts'
import { surplusBallots } from './doublevote.ts'
import { countedBallots, type CountedBallots, type DoubleVoteDecision, type VoidListLike } from './voids.ts'

/** Where the paper count of a vote stands: none entered, one waiting for a second person, agreed, or two that differ. */
export type PaperCountState =
  | { kind: 'none' }
  | { kind: 'waiting'; by: string }
  | { kind: 'confirmed'; agreed: AgreedCount }
  | { kind: 'disagree'; problem: DomainError }

/**
 * The paper count that counts: the last two entries of this vote by entry time, when two different
 * people entered the same figures. Entries made in the same millisecond keep the order they are
 * given in (pass them in the order they were written).
 */
export function paperCountState(vote: Pick<Vote, 'id' | 'candidates' | 'maxChoices' | 'ballotType'>, entries: readonly PaperCount[]): PaperCountState {
  const mine = entries.filter((e) => e.voteId === vote.id).sort((a, b) => a.at - b.at)
  const last = mine[mine.length - 1]
  if (!last) return { kind: 'none' }
  const before = mine[mine.length - 2]
  if (!before) return { kind: 'waiting', by: last.enteredBy }
  try {
    return { kind: 'confirmed', agreed: reconcilePaperCounts(vote, before, last) }
  } catch (e) {
    if (e instanceof DomainError) return { kind: 'disagree', problem: e }
    throw e
  }
}

/** What a vote's records hold: its ballots and check-offs, the council's decisions and void lists, the conflicts sync found, paper counts. */
export interface VoteRecords<B extends Ballot, L extends VoidListLike, T extends DoubleVoteDecision> {
  ballots: readonly B[]
  checkoffs: readonly CheckOff[]
  voidLists: readonly L[]
  decisions: readonly T[]
  conflicts: readonly { reason: string; subjectId: string; loser?: { body?: unknown } | null }[]
  paperCounts: readonly PaperCount[]
}

export interface VoteResult<B, L, T> extends CountedBallots<B, L, T> {
  paper: PaperCountState
  /** Paper ballots added to the count (the agreed count's total; 0 without one). */
  paperBallots: number
  /** The projects the vote's rule selects; null when the rule cannot run on this vote (`problem` says why). */
  selection: SelectionResult | null
  problem: DomainError | null
  /** Counted ballots beyond the voters checked off: a double vote not voided yet. */
  surplus: number
}

export function voteResult<B extends Ballot, L extends VoidListLike, T extends DoubleVoteDecision>(vote: Vote, records: VoteRecords<B, L, T>): VoteResult<B, L, T> {
  const counting = countedBallots(vote, records.ballots, records)
  const paper = paperCountState(vote, records.paperCounts)
  const agreed = paper.kind === 'confirmed' ? paper.agreed : null
  let selection: SelectionResult | null = null
  let problem: DomainError | null = null
  try {
    selection = select(vote.rule, {
      projects: vote.candidates.map((c) => ({ id: c.id, cost: c.cost })), budget: vote.budget,
      ballots: counting.counted.map((b) => b.choices), ...(agreed ? { extraSupport: agreed.perOption } : {}),
    })
  } catch (e) {
    if (!(e instanceof DomainError)) throw e
    problem = e
  }
  return {
    ...counting, paper, paperBallots: agreed?.total ?? 0, selection, problem,
    surplus: surplusBallots(counting.onTime, records.checkoffs, vote.id, counting.voids),
  }
}
