import { describe, expect, it } from 'vitest'
import * as D from '@/domain'
import { DAY, T0 } from './support.ts'

describe('who may do what', () => {
  it('gives each act to the people the table names; everyone is a villager', () => {
    expect(D.actorsOf([])).toEqual(['villager'])
    expect(D.actorsOf(['clerk', 'council-member'])).toEqual(['villager', 'clerk', 'chair'])
    expect(D.mayDo('roster.edit', ['clerk'])).toBe(true)
    expect(D.mayDo('roster.edit', ['council-member', 'supervisor'])).toBe(false)
    expect(D.mayDo('expense.cosign', ['supervisor'])).toBe(true)
    expect(D.mayDo('expense.cosign', ['clerk'])).toBe(false)
    expect(D.mayDo('meeting.sign-chair', ['representative'])).toBe(true)
    expect(D.mayDo('proposal.raise', [])).toBe(true)
    expect(() => D.assertMayDo('vote.setup', { id: 'person:zhang', roles: [] })).toThrow(expect.objectContaining({ code: 'act.not-allowed' }))
  })

  it('names the acts a person signs with their own key: the supervisors\' and the chair\'s', () => {
    expect(D.SIGNED_ACTS.every((a) => D.needsSignature(a))).toBe(true)
    expect(D.needsSignature('expense.cosign')).toBe(true)
    expect(D.needsSignature('roster.edit')).toBe(false)
    // every act is someone's: no act is left to nobody
    for (const [act, who] of Object.entries(D.ACTS)) expect(who.length, act).toBeGreaterThan(0)
  })
})

describe('the procedure\'s gates', () => {
  const announcement = (startAt: number) => D.notice({ id: 'notice:a1', villageId: 'qingbo', stage: 'vote-announcement', subjectId: 'vote:v1', title: '投票公告', startAt, days: 7 })
  const early = (subjectId: string, at = T0) => D.override({ id: 'override:e', step: 'announce', action: 'early', subjectId, personId: 'person:clerk', reason: '农忙前投完', at })

  it('a vote opens once its announcement has run its whole window', () => {
    expect(D.voteGate('vote:v1', [], [], T0)).toMatchObject({ state: 'no-notice', until: 0 })
    expect(D.voteGate('vote:v1', [announcement(T0)], [], T0 + 6 * DAY)).toMatchObject({ state: 'notice-running', until: T0 + 7 * DAY })
    expect(D.voteGate('vote:v1', [announcement(T0)], [], T0 + 7 * DAY).state).toBe('open')
    // another vote's announcement does not count
    expect(D.voteGate('vote:v2', [announcement(T0)], [], T0 + 8 * DAY).state).toBe('no-notice')
    expect(() => D.assertVoteGate('vote:v1', [announcement(T0)], [], T0 + DAY)).toThrow(expect.objectContaining({ code: 'gate.vote-notice', details: { state: 'notice-running', until: T0 + 7 * DAY } }))
  })

  it('a waiting vote starts by itself at the later of its own opening and its announcement\'s end; never without an announcement', () => {
    const running = D.voteGate('vote:v1', [announcement(T0)], [], T0 + DAY)
    expect(D.voteOpensAt(T0 + 2 * DAY, running)).toBe(T0 + 7 * DAY)
    expect(D.voteOpensAt(T0 + 9 * DAY, running)).toBe(T0 + 9 * DAY)
    expect(D.voteOpensAt(T0 + 2 * DAY, D.voteGate('vote:v1', [], [], T0))).toBe(0)
  })

  it('opens earlier only with an early override on record for that vote, which it keeps', () => {
    const g = D.voteGate('vote:v1', [announcement(T0)], [early('vote:v1', T0 + DAY)], T0 + 2 * DAY)
    expect(g.state).toBe('open')
    expect(g.override?.reason).toBe('农忙前投完')
    // an override recorded later does not open it now, nor does one for another vote
    expect(D.voteGate('vote:v1', [announcement(T0)], [early('vote:v1', T0 + 3 * DAY)], T0 + 2 * DAY).state).toBe('notice-running')
    expect(D.voteGate('vote:v1', [announcement(T0)], [early('vote:v9')], T0 + 2 * DAY).state).toBe('notice-running')
  })

  it('spending on a project waits for the decision notice that covers it', () => {
    const vote = { id: 'vote:v1', candidates: [{ id: 'project:a', title: '路灯', cost: 1, proposalIds: ['proposal:p1'] }] }
    const decision = D.notice({ id: 'notice:d1', villageId: 'qingbo', stage: 'decision', subjectId: 'vote:v1', title: '决策公示', startAt: T0, days: 7 })
    const coverage = D.decisionCoverage([decision], [vote], [])
    expect(coverage[0]?.projectIds).toEqual(['project:a', 'proposal:p1'])
    expect(D.spendingGate('project:a', coverage, [], T0 + DAY)).toMatchObject({ state: 'notice-running', until: T0 + 7 * DAY })
    expect(D.spendingGate('project:a', coverage, [], T0 + 7 * DAY).state).toBe('open')
    expect(D.spendingGate('project:b', coverage, [], T0 + 9 * DAY).state).toBe('no-notice')
    expect(D.spendingGate('project:a', coverage, [early('project:a')], T0 + DAY).state).toBe('open')
    expect(() => D.assertSpendingGate('project:b', coverage, [], T0)).toThrow(expect.objectContaining({ code: 'gate.spending-publicity' }))
  })
})
