import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as D from '@/domain'
import { T0, domainError } from './support.ts'

const candidates = [
  { id: 'project:lamps', title: '路灯', cost: 60 },
  { id: 'project:path', title: '步道', cost: 50 },
  { id: 'project:toilet', title: '公厕', cost: 30 },
]
const vote = D.vote({ id: 'vote:v1', villageId: 'qingbo', title: 't', ballotType: 'approval', minChoices: 1, maxChoices: 2, budget: 100, candidates, opensAt: T0, closesAt: T0 + 1000, roster: ['person:a'] })

describe('ballots', () => {
  it('checks approval limits, unknown and repeated choices', () => {
    expect(D.validateChoices(vote, ['project:toilet', 'project:lamps'])).toEqual(['project:lamps', 'project:toilet'])
    expect(domainError(() => D.validateChoices(vote, ['project:lamps', 'project:path', 'project:toilet'])).message).toBe('at most 2 may be ticked, 3 were')
    expect(domainError(() => D.validateChoices(vote, [])).code).toBe('ballot.too-few')
    expect(domainError(() => D.validateChoices(vote, ['project:pool'])).code).toBe('ballot.unknown-candidate')
    expect(domainError(() => D.validateChoices(vote, ['project:path', 'project:path'])).code).toBe('ballot.duplicate-choice')
  })

  it('checks a knapsack ballot against the budget and choose-one against one', () => {
    const knapsack = { ...vote, ballotType: 'knapsack' as const, maxChoices: 0, minChoices: 0 }
    expect(D.validateChoices(knapsack, ['project:path', 'project:toilet'])).toHaveLength(2)
    expect(domainError(() => D.validateChoices(knapsack, ['project:lamps', 'project:path'])).message).toBe('the chosen projects cost 110, more than the budget 100')
    const one = D.vote({ ...vote, ballotType: 'choose-one', minChoices: 1, maxChoices: 1 })
    expect(domainError(() => D.validateChoices(one, ['project:lamps', 'project:path'])).code).toBe('ballot.too-many')
  })

  it('accepts a ballot only while the vote is open as the records show', () => {
    const b = (castAt: number) => D.ballot({ id: 'ballot:x1', voteId: 'vote:v1', choices: ['project:path'], castAt, device: 'tab-1' })
    expect(D.voteStatus(vote, T0 - 1)).toBe('scheduled')
    expect(D.acceptBallot(vote, b(T0 + 10))).toEqual(['project:path'])
    expect(domainError(() => D.acceptBallot(vote, b(T0 - 1))).code).toBe('vote.not-open')
    expect(domainError(() => D.acceptBallot(vote, b(T0 + 1000))).code).toBe('vote.closed')
    const closedEarly = { ...vote, closedAt: T0 + 500 }
    expect(D.voteStatus(closedEarly, T0 + 600)).toBe('closed')
    expect(domainError(() => D.acceptBallot(closedEarly, b(T0 + 600))).code).toBe('vote.closed')
    expect(domainError(() => D.assertEligible(vote, 'person:z')).code).toBe('vote.not-eligible')
  })
})

describe('selection', () => {
  const input = {
    projects: [{ id: 'a', cost: 60 }, { id: 'b', cost: 50 }, { id: 'c', cost: 30 }, { id: 'd', cost: 10 }],
    budget: 100,
    ballots: [['a', 'b'], ['a', 'b'], ['a', 'c'], ['b', 'c'], ['a'], ['d']],
  }

  it('greedy funds by rank and skips what does not fit, with reasons', () => {
    const r = D.select('greedy', input)
    expect(r.selected).toEqual(['a', 'c', 'd'])
    expect(r.cost).toBe(100)
    const b = r.projects.find((p) => p.id === 'b')
    expect(b).toMatchObject({ funded: false, reason: 'does-not-fit', rank: 2, remainingBefore: 40, support: 3 })
    expect(b?.text).toBe('#2, 3 votes, cost 50: not funded, only 40 left of 100')
  })

  it('greedy-no-skip stops at the first project that does not fit', () => {
    const r = D.select('greedy-no-skip', input)
    expect(r.selected).toEqual(['a'])
    expect(r.projects.filter((p) => p.reason === 'stopped').map((p) => p.id)).toEqual(['c', 'd'])
  })

  it('breaks ties by lower cost, then by id', () => {
    const r = D.select('greedy', { projects: [{ id: 'y', cost: 50 }, { id: 'x', cost: 50 }, { id: 'z', cost: 40 }], budget: 90, ballots: [['x', 'y', 'z']] })
    expect(r.projects.map((p) => p.id)).toEqual(['z', 'x', 'y'])
    expect(r.selected).toEqual(['z', 'x'])
  })

  it('MES gives a minority its fair share where greedy does not', () => {
    // 6 voters approve a1 and a2; 4 approve only b. Greedy gives all to the majority.
    const profile = {
      projects: [{ id: 'a1', cost: 50 }, { id: 'a2', cost: 50 }, { id: 'b', cost: 40 }],
      budget: 100,
      ballots: [...Array(6).fill(['a1', 'a2']), ...Array(4).fill(['b'])] as string[][],
    }
    expect(D.select('greedy', profile).selected).toEqual(['a1', 'a2'])
    const mes = D.select('mes', profile)
    expect(mes.selected).toContain('b')
    expect(mes.cost).toBeLessThanOrEqual(100)
    const left = mes.projects.find((p) => !p.funded)
    expect(left?.reason).toBe('supporters-cannot-afford')
    expect(left?.text).toBe('#2, 6 votes, cost 50: not funded, its supporters had 46 left of their equal shares after the projects they also chose, less than its cost 50')
    expect(mes.projects.find((p) => p.id === 'b')?.text).toBe('#3, 4 votes, cost 40: funded (round 2), its supporters paid at most 10 each from their equal shares of 16')
  })

  it('never funds a project nobody voted for', () => {
    for (const rule of D.SELECTION_RULES) {
      const r = D.select(rule, { projects: [{ id: 'a', cost: 1 }, { id: 'b', cost: 1 }], budget: 10, ballots: [['a']] })
      expect(r.selected).toEqual(['a'])
      expect(r.projects.find((p) => p.id === 'b')?.reason).toBe('no-support')
    }
  })
})

// Random elections for the property tests: up to 12 projects, 60 ballots.
const election = fc.integer({ min: 1, max: 12 }).chain((m) => fc.record({
  projects: fc.tuple(...Array.from({ length: m }, (_, i) => fc.integer({ min: 1, max: 100 }).map((cost) => ({ id: `p${i}`, cost })))),
  budget: fc.integer({ min: 0, max: 400 }),
  ballots: fc.array(fc.uniqueArray(fc.integer({ min: 0, max: m - 1 }), { maxLength: m }).map((xs) => xs.map((x) => `p${x}`)), { maxLength: 60 }),
}))

describe('properties of tallies and selections', () => {
  it('a tally does not depend on ballot order', () => {
    fc.assert(fc.property(election, fc.infiniteStream(fc.nat()), (e, seeds) => {
      const ids = e.projects.map((p) => p.id)
      const shuffled = [...e.ballots]
      const it = seeds[Symbol.iterator]()
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = (it.next().value as number) % (i + 1)
        ;[shuffled[i], shuffled[j]] = [shuffled[j] as string[], shuffled[i] as string[]]
      }
      expect(D.tallyApprovals(ids, shuffled)).toEqual(D.tallyApprovals(ids, e.ballots))
      for (const rule of D.SELECTION_RULES) expect([...D.select(rule, { ...e, ballots: shuffled }).selected].sort()).toEqual([...D.select(rule, e).selected].sort())
    }), { numRuns: 150 })
  })

  it('a selection never exceeds the budget', () => {
    fc.assert(fc.property(election, (e) => {
      for (const rule of D.SELECTION_RULES) {
        const r = D.select(rule, e)
        const cost = r.selected.reduce((s, id) => s + (e.projects.find((p) => p.id === id) as { cost: number }).cost, 0)
        expect(cost).toBe(r.cost)
        expect(r.cost).toBeLessThanOrEqual(e.budget)
      }
    }), { numRuns: 200 })
  })

  it('greedy is feasible and maximal: every supported project left out no longer fits', () => {
    fc.assert(fc.property(election, (e) => {
      const r = D.greedy(e)
      const left = e.budget - r.cost
      for (const p of r.projects) if (!p.funded && p.support > 0) expect(p.cost).toBeGreaterThan(left)
    }), { numRuns: 200 })
  })
})

describe('MES in fen', () => {
  it('takes one yuan as the add1 step and gives the same outcome as in yuan', () => {
    const yuan = { projects: [{ id: 'a', cost: 500 }, { id: 'b', cost: 300 }, { id: 'c', cost: 250 }], budget: 800, ballots: [['a'], ['a', 'b'], ['b', 'c'], ['c'], ['a', 'c']] }
    const fen = { ...yuan, projects: yuan.projects.map((p) => ({ ...p, cost: p.cost * 100 })), budget: yuan.budget * 100, increment: 100 }
    expect(D.select('mes', fen).selected).toEqual(D.select('mes', yuan).selected)
    expect(domainError(() => D.equalShares(yuan, { increment: 0 })).code).toBe('invalid.range')
  })
})

describe('check-offs', () => {
  it('are accepted for a voter on the roster while the vote is open', () => {
    const c = (voterId: string, at: number) => D.checkOff({ voteId: 'vote:v1', voterId, at, device: 'tab-1', recordedBy: 'person:clerk' })
    expect(() => D.acceptCheckOff(vote, c('person:a', T0 + 1))).not.toThrow()
    expect(domainError(() => D.acceptCheckOff(vote, c('person:b', T0 + 1))).code).toBe('vote.not-eligible')
    expect(domainError(() => D.acceptCheckOff(vote, c('person:a', T0 + 1000))).code).toBe('vote.closed')
  })
})

describe('rosters', () => {
  const people = [
    { id: 'person:a', householdId: 'household:1', eligible: true },
    { id: 'person:b', householdId: 'household:1', eligible: true },
    { id: 'person:c', householdId: 'household:2', eligible: false },
    { id: 'person:d', householdId: 'household:3', eligible: true },
  ]
  it('lists eligible people, or households with an eligible member', () => {
    expect(D.rosterFor(people, false)).toEqual(['person:a', 'person:b', 'person:d'])
    expect(D.rosterFor(people, true)).toEqual(['household:1', 'household:3'])
    expect(D.voterIdFor(people[1] as D.Person, { perHousehold: true })).toBe('household:1')
  })
})

describe('paper counts in the selection', () => {
  const projects = [{ id: 'a', cost: 60 }, { id: 'b', cost: 50 }]
  it('greedy adds a confirmed paper count to the tablet ballots', () => {
    const r = D.select('greedy', { projects, budget: 100, ballots: [['a'], ['a']], extraSupport: { b: 5 } })
    expect(r.selected).toEqual(['b'])
    expect(r.projects.map((p) => [p.id, p.support])).toEqual([['b', 5], ['a', 2]])
  })
  it('MES refuses totals, and unknown options are refused', () => {
    expect(domainError(() => D.select('mes', { projects, budget: 100, ballots: [], extraSupport: { b: 5 } })).code).toBe('selection.needs-ballots')
    expect(domainError(() => D.select('greedy', { projects, budget: 100, ballots: [], extraSupport: { z: 1 } })).code).toBe('ballot.unknown-candidate')
  })
})
