import { describe, expect, it } from 'vitest'
import type { YishiDoc } from '@/shared/schemas'
import { summarizeArchive } from '@/features/device/archive'

let seq = 0
const doc = (kind: YishiDoc['kind'], id: string, body: Record<string, unknown>): YishiDoc =>
  ({ id, kind, v: 1, village: 'v', year: 2025, author: 'person:a', device: 'dev-a', deviceTime: 0, seq: ++seq, ref: '', body }) as YishiDoc

describe('an archived year, summed up for reading', () => {
  it('counts each vote as its result does (ballots plus the paper count two people agreed on), with the money allocated, and sums the ledger', () => {
    const candidates = [{ id: 'project:lamps', title: '路灯', cost: 100, proposalIds: [] }, { id: 'project:well', title: '水井', cost: 100, proposalIds: [] }]
    const s = summarizeArchive([
      doc('vote', 'vote:v1', { title: '2025 项目投票', candidates, rule: 'greedy', budget: 200, ballotType: 'approval', maxChoices: 2 }),
      doc('ballot', 'ballot:1', { voteId: 'vote:v1', choices: ['project:well'] }),
      doc('ballot', 'ballot:2', { voteId: 'vote:v1', choices: ['project:well', 'project:lamps'] }),
      doc('papercount', 'papercount:old', { voteId: 'vote:v1', at: 1, enteredBy: 'person:a', total: 9, valid: 9, blank: 0, spoiled: 0, perOption: { 'project:lamps': 9 } }),
      // two people entered the same count: it counts, the first entry above does not
      doc('papercount', 'papercount:new', { voteId: 'vote:v1', at: 2, enteredBy: 'person:a', total: 5, valid: 5, blank: 0, spoiled: 0, perOption: { 'project:lamps': 4, 'project:well': 1 } }),
      doc('papercount', 'papercount:check', { voteId: 'vote:v1', at: 3, enteredBy: 'person:b', total: 5, valid: 5, blank: 0, spoiled: 0, perOption: { 'project:lamps': 4, 'project:well': 1 } }),
      doc('allocation', 'allocation:1', { projectId: 'project:lamps', amount: 30_000 }),
      doc('fund', 'fund:2025', { year: 2025, amount: 20_000_000, source: '专项资金' }),
      doc('ledger', 'ledger:1', { fundId: 'fund:2025', projectId: 'project:lamps', kind: 'expense', amount: 50_000, payee: '五金店', description: '灯', at: 5 }),
      doc('ledger', 'ledger:2', { fundId: 'fund:2025', projectId: 'project:lamps', kind: 'refund', amount: 10_000, payee: '五金店', description: '退货', at: 6 }),
      doc('proposal', 'proposal:p', { title: '修井', status: 'candidate', estimatedCost: 100 }),
    ], null)
    expect(s.votes).toEqual([{ id: 'vote:v1', title: '2025 项目投票', ballots: 2, paper: 5, rows: [
      { id: 'project:lamps', name: '路灯', support: 5, funded: 30_000 },
      { id: 'project:well', name: '水井', support: 3, funded: 0 },
    ] }])
    expect(s.funds).toEqual([{ id: 'fund:2025', name: '专项资金', amount: 20_000_000, spent: 40_000 }])
    expect(s.ledger.map((e) => e.amount)).toEqual([50_000, -10_000])
    expect(s.proposals).toEqual([{ id: 'proposal:p', title: '修井', status: 'candidate', cost: 100 }])
  })

  it('adds no paper count that a second person has not confirmed, as the vote screen does', () => {
    const s = summarizeArchive([
      doc('vote', 'vote:v1', { title: '2025 项目投票', rule: 'greedy', budget: 200, ballotType: 'approval', maxChoices: 2, candidates: [{ id: 'project:lamps', title: '路灯', cost: 100, proposalIds: [] }] }),
      doc('ballot', 'ballot:1', { voteId: 'vote:v1', choices: ['project:lamps'] }),
      doc('papercount', 'papercount:one', { voteId: 'vote:v1', at: 2, enteredBy: 'person:a', total: 5, valid: 5, blank: 0, spoiled: 0, perOption: { 'project:lamps': 4 } }),
    ], null)
    expect(s.votes[0]).toMatchObject({ ballots: 1, paper: 0, rows: [{ id: 'project:lamps', support: 1 }] })
  })
})
