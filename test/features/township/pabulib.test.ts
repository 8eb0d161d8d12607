import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { electionOf, readPabulib, ruleOf } from '@/domain/pabulib'
import { select } from '@/domain/selection'
import type { Ballot, Vote } from '@/domain/model/types'
import { voteResult } from '@/domain/results'
import { voteToPabulib } from '@/features/township/export/pabulib'

function vote(rule: Vote['rule'], costs: number[], budget: number): Vote {
  return {
    id: 'vote:qingbo-2026', villageId: 'qingbo', unitId: '', kind: 'project-selection', title: '民生项目; "2026"',
    candidates: costs.map((cost, i) => ({ id: `cand:p${i + 1}`, title: `项目${i + 1}; "路灯"`, cost, proposalIds: [] })),
    ballotType: 'approval', minChoices: 1, maxChoices: 0, budget, opensAt: Date.UTC(2026, 4, 1), closesAt: Date.UTC(2026, 4, 3), closedAt: 0,
    roster: [], perHousehold: false, rule, sealKeys: [],
  }
}

const T = Date.UTC(2026, 4, 2)
/** The result of `v` over these ballots (nothing voided, no paper count). */
function resultOf(v: Vote, ballots: string[][], voidLists: { id: string; voteId: string; ballotIds: string[]; decisions: string[]; at: number }[] = [], decisions: Parameters<typeof voteResult>[1]['decisions'] = [], checkoffs: Parameters<typeof voteResult>[1]['checkoffs'] = []) {
  const records: Ballot[] = ballots.map((choices, i) => ({ id: `ballot:b${i + 1}`, voteId: v.id, choices, castAt: T, device: 'tab-1' }))
  return voteResult(v, { ballots: records, checkoffs, voidLists, decisions, conflicts: [], paperCounts: [] })
}

describe('a vote exported as a Pabulib .pb file', { timeout: 30_000 }, () => {
  it('carries the raw ballots, the costs in fen and the app’s selection, and reads back unchanged', () => {
    const v = vote('greedy', [6_800_000, 9_500_000, 4_200_000], 15_000_000)
    const ballots = [['cand:p1', 'cand:p2'], ['cand:p1'], ['cand:p2', 'cand:p3'], ['cand:p1', 'cand:p3']]
    const file = readPabulib(voteToPabulib(v, resultOf(v, ballots), { village: '清波村', township: '花园镇' }))
    expect(file.meta).toMatchObject({ rule: 'greedy', vote_type: 'approval', budget: '15000000', num_votes: '4', num_projects: '3', currency: 'CNY' })
    expect(file.projects.rows.map((r) => [r.project_id, r.cost, r.votes, r.selected, r.name])).toEqual([
      ['cand:p1', '6800000', '3', '1', '项目1; "路灯"'],
      ['cand:p2', '9500000', '2', '0', '项目2; "路灯"'],
      ['cand:p3', '4200000', '2', '1', '项目3; "路灯"'],
    ])
    expect(file.votes.rows.map((r) => r.vote)).toEqual(ballots.map((b) => b.join(',')))
    expect(file.votes.rows.map((r) => r.voter_id)).toEqual(['1', '2', '3', '4']) // no person on a ballot
  })

  it('re-tallies to the app’s outcome for every rule, on random elections', () => {
    fc.assert(fc.property(
      fc.constantFrom<Vote['rule']>('greedy', 'greedy-no-skip', 'mes'),
      fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 8 }),
      fc.integer({ min: 100, max: 1500 }),
      fc.array(fc.array(fc.nat(7), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 25 }),
      (rule, costs, budget, raw) => {
        const v = vote(rule, costs, budget)
        const ballots = raw.map((b) => [...new Set(b.filter((k) => k < costs.length))].map((k) => `cand:p${k + 1}`)).filter((b) => b.length)
        const result = resultOf(v, ballots)
        const file = readPabulib(voteToPabulib(v, result, { village: '清波村', township: '花园镇' }))
        const again = select(ruleOf(file.meta), electionOf(file))
        const app = result.selection!
        expect(again.selected).toEqual(app.selected)
        expect(electionOf(file).selected.sort()).toEqual([...app.selected].sort())
      },
    ), { numRuns: 60, seed: 20261127 })
  }, 30_000)
})
