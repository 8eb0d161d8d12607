/** Selection of a closed vote's funded projects, through the domain's tally and rules. */
import type { VoteView } from './records'

export interface Selection { selected: string[]; cost: number }

/**
 * Greedy by approval count (ties: lower cost, then id), funding each project that still
 * fits the budget. Interim: replaced by src/domain's selection rules as they land.
 */
export function selectVote(vote: VoteView, ballots: readonly string[][]): Selection {
  const support = new Map(vote.options.map((o) => [o.id, 0]))
  for (const b of ballots) for (const c of new Set(b)) if (support.has(c)) support.set(c, support.get(c)! + 1)
  const ranked = [...vote.options].sort((a, b) => support.get(b.id)! - support.get(a.id)! || a.cost - b.cost || (a.id < b.id ? -1 : 1))
  let cost = 0
  const selected: string[] = []
  for (const o of ranked) {
    if (cost + o.cost <= vote.budget) { selected.push(o.id); cost += o.cost }
  }
  return { selected, cost }
}
