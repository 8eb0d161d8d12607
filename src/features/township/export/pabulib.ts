import { writePabulib, type PabulibFile } from '@/domain/pabulib'
import { tallyRecord } from '@/domain/tally'
import type { Ballot, Vote } from '@/domain/model/types'
import type { VoteResult } from '@/domain/results'

const PB_RULE = { greedy: 'greedy', 'greedy-no-skip': 'greedy-no-skip', mes: 'equalshares/add1' } as const

/**
 * A vote as a Pabulib `.pb` file: the ballots its result counts (the domain's `voteResult`: late
 * ballots and those the supervisors voided are left out, as on the tablet), with no voter identity
 * (ballots carry none, voters are numbered), the costed candidates, the rule, and what the app
 * selected, so anyone can recompute the outcome with independent tools. Money stays in fen, exactly
 * as tallied (the Method of Equal Shares' add1 completion steps by one unit, so the unit matters).
 * An agreed paper count has no ballots to list: its totals are in the projects' votes and said so.
 */
export function voteToPabulib(vote: Vote, result: Pick<VoteResult<Ballot, unknown, unknown>, 'counted' | 'selection' | 'paperBallots'>, context: { village: string; township: string }): string {
  const ballots = result.counted.map((b) => b.choices)
  const chosen = new Set(result.selection?.selected ?? [])
  const support = result.selection ? Object.fromEntries(result.selection.projects.map((p) => [p.id, p.support])) : tallyRecord(vote.candidates.map((c) => c.id), ballots)
  const day = (ms: number) => (ms ? new Date(ms).toISOString().slice(0, 10) : '')
  const file: PabulibFile = {
    meta: {
      description: `${context.township} ${context.village}: ${vote.title}`,
      country: 'China',
      unit: context.village,
      instance: vote.id,
      subunit: context.township,
      num_projects: String(vote.candidates.length),
      num_votes: String(ballots.length),
      budget: String(vote.budget),
      currency: 'CNY',
      amounts_in: 'fen (1/100 yuan)',
      vote_type: 'approval',
      rule: PB_RULE[vote.rule],
      date_begin: day(vote.opensAt),
      date_end: day(vote.closedAt || vote.closesAt),
      ...(vote.maxChoices > 0 ? { max_length: String(vote.maxChoices) } : {}),
      ...(vote.minChoices > 0 ? { min_length: String(vote.minChoices) } : {}),
      ...(result.paperBallots > 0 ? { paper_ballots: String(result.paperBallots), comment: 'project votes include an agreed paper count whose ballots are not listed' } : {}),
    },
    projects: {
      columns: ['project_id', 'cost', 'votes', 'name', 'selected'],
      rows: vote.candidates.map((c) => ({
        project_id: c.id, cost: String(c.cost), votes: String(support[c.id] ?? 0), name: c.title, selected: chosen.has(c.id) ? '1' : '0',
      })),
    },
    votes: {
      columns: ['voter_id', 'vote'],
      rows: ballots.map((b, i) => ({ voter_id: String(i + 1), vote: b.join(',') })),
    },
  }
  return writePabulib(file)
}
