import { describe, expect, it } from 'vitest'
import { acceptedVoidLists } from '@/features/sealkeys/voids'

const decisions = [
  { id: 'decision:a', voteId: 'vote:v', voidedSeals: ['s1'] },
  { id: 'decision:b', voteId: 'vote:v', voidedSeals: ['s2', 's3'] },
  { id: 'decision:kept-all', voteId: 'vote:v', voidedSeals: [] },
  { id: 'decision:other', voteId: 'vote:w', voidedSeals: ['s9'] },
]
const list = (id: string, ballotIds: string[], named: string[], at = 1) => ({ id, voteId: 'vote:v', ballotIds, decisions: named, at })

describe('which void lists a tablet honours', () => {
  it('a list within the council\'s decisions counts; one voiding more ballots than the decisions have void seals does not', () => {
    const ok = list('voidlist:1', ['ballot:x', 'ballot:y', 'ballot:z'], ['decision:a', 'decision:b'])
    expect(acceptedVoidLists([ok], decisions, 'vote:v')).toEqual([ok])
    expect(acceptedVoidLists([list('voidlist:2', ['ballot:x', 'ballot:y'], ['decision:a'])], decisions, 'vote:v')).toEqual([])
  })

  it('a decision is used once (the earliest list), and only a decision of this vote with void seals can be named', () => {
    const first = list('voidlist:1', ['ballot:x'], ['decision:a'], 1)
    const again = list('voidlist:2', ['ballot:q'], ['decision:a'], 2)
    expect(acceptedVoidLists([again, first], decisions, 'vote:v')).toEqual([first])
    expect(acceptedVoidLists([list('voidlist:3', ['ballot:q'], ['decision:other'])], decisions, 'vote:v')).toEqual([])
    expect(acceptedVoidLists([list('voidlist:4', ['ballot:q'], ['decision:kept-all'])], decisions, 'vote:v')).toEqual([])
    expect(acceptedVoidLists([list('voidlist:5', ['ballot:q'], ['decision:unknown'])], decisions, 'vote:v')).toEqual([])
  })
})
