import { describe, expect, it } from 'vitest'
import * as D from '@/domain'
import { DAY, T0 } from './support.ts'

const vote = { id: 'vote:v1', opensAt: T0 + 8 * DAY, closesAt: T0 + 10 * DAY, closedAt: 0 }
const notice: D.Notice = { id: 'notice:n1', villageId: 'v', stage: 'vote-announcement', subjectId: 'vote:v1', title: '投票公告', body: '', startAt: T0, endAt: T0 + 7 * DAY, republishes: '' }
const early: D.Override = { id: 'override:o1', procedureId: 'procedure:p', step: 'announce', action: 'early', subjectId: 'vote:v1', personId: 'person:clerk', reason: '农忙前投完', at: T0 + DAY }

describe('where the vote stands, from draft to close', () => {
  it('goes no vote → drafted → announced → ready → open → closed', () => {
    expect(D.voteProgress([], [], [], T0).stage).toBe('no-vote')
    expect(D.voteProgress([vote], [], [], T0)).toEqual({ stage: 'drafted', voteId: 'vote:v1', until: 0, early: false })
    expect(D.voteProgress([vote], [notice], [], T0 + DAY)).toEqual({ stage: 'announced', voteId: 'vote:v1', until: T0 + 7 * DAY, early: false })
    expect(D.voteProgress([vote], [notice], [], T0 + 7 * DAY + 1)).toMatchObject({ stage: 'ready', until: T0 + 8 * DAY })
    expect(D.voteProgress([vote], [notice], [], T0 + 9 * DAY)).toMatchObject({ stage: 'open', until: T0 + 10 * DAY, early: false })
    expect(D.voteProgress([vote], [notice], [], T0 + 11 * DAY)).toMatchObject({ stage: 'closed' })
  })

  it('says a vote opened before its announcement ended is open, early', () => {
    const opened = { ...vote, opensAt: T0 + DAY, closesAt: T0 + 3 * DAY }
    expect(D.voteProgress([opened], [notice], [early], T0 + 2 * DAY)).toMatchObject({ stage: 'open', early: true })
    // without the override the gate still holds it: announced
    expect(D.voteProgress([opened], [notice], [], T0 + 2 * DAY).stage).toBe('announced')
  })

  it('follows the first vote not closed', () => {
    const done = { id: 'vote:v0', opensAt: T0 - 5 * DAY, closesAt: T0 - DAY, closedAt: 0 }
    expect(D.voteProgress([vote, done], [], [], T0)).toMatchObject({ stage: 'drafted', voteId: 'vote:v1' })
  })
})

describe('what the step in progress asks of the clerk', () => {
  const running = [{ requirement: 'notice-ended' }]
  it('asks to mark the step done once a vote opened early has closed, not to draft the vote again', () => {
    const opened = { ...vote, opensAt: T0 + DAY, closesAt: T0 + 3 * DAY, closedAt: T0 + 2 * DAY }
    const p = D.voteProgress([opened], [notice], [early], T0 + 4 * DAY)
    expect(p.stage).toBe('closed')
    expect(D.stepAdvice('announce', running, early, p)).toBe('complete-early')
    // the override recorded for another cycle does not cover this one: the vote is still ahead of the step
    expect(D.stepAdvice('announce', running, null, p)).toBe('vote-ahead')
  })
  it('gives the step its own instruction, or where the vote stands, while its work is still to do', () => {
    expect(D.stepAdvice('announce', running, null, { stage: 'drafted' })).toBe('vote')
    expect(D.stepAdvice('decide', [{ requirement: 'vote-closed' }], null, { stage: 'open' })).toBe('vote')
    expect(D.stepAdvice('collect', [{ requirement: 'proposals' }], null, { stage: 'no-vote' })).toBe('do')
    expect(D.stepAdvice('collect', [], null, { stage: 'no-vote' })).toBe('complete')
  })
  it('knows the vote is ahead of the cycle only at the announcing step, once the vote has started', () => {
    expect(D.voteAheadOfStep('announce', 'closed')).toBe(true)
    expect(D.voteAheadOfStep('announce', 'open')).toBe(true)
    expect(D.voteAheadOfStep('announce', 'announced')).toBe(false)
    expect(D.voteAheadOfStep('decide', 'closed')).toBe(false)
  })
})
