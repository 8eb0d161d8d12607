/** A closed vote's outcome, through the domain's selection rules. */
import { select, type SelectionResult } from '../../domain/selection'
import type { Vote } from '../../domain/model/types'

export function selectVote(vote: Vote, ballots: ReadonlyArray<readonly string[]>): SelectionResult {
  return select(vote.rule, {
    projects: vote.candidates.map((c) => ({ id: c.id, cost: c.cost })),
    budget: vote.budget,
    ballots,
  })
}
