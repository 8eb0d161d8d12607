import { describe, expect, it } from 'vitest'
import * as D from '@/domain'

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
    expect(D.acceptedVoidLists([ok], decisions, 'vote:v')).toEqual([ok])
    expect(D.acceptedVoidLists([list('voidlist:2', ['ballot:x', 'ballot:y'], ['decision:a'])], decisions, 'vote:v')).toEqual([])
  })

  it('a decision is used once (the earliest list), and only a decision of this vote with void seals can be named', () => {
    const first = list('voidlist:1', ['ballot:x'], ['decision:a'], 1)
    const again = list('voidlist:2', ['ballot:q'], ['decision:a'], 2)
    expect(D.acceptedVoidLists([again, first], decisions, 'vote:v')).toEqual([first])
    expect(D.acceptedVoidLists([list('voidlist:3', ['ballot:q'], ['decision:other'])], decisions, 'vote:v')).toEqual([])
    expect(D.acceptedVoidLists([list('voidlist:4', ['ballot:q'], ['decision:kept-all'])], decisions, 'vote:v')).toEqual([])
    expect(D.acceptedVoidLists([list('voidlist:5', ['ballot:q'], ['decision:unknown'])], decisions, 'vote:v')).toEqual([])
  })
})

describe('which decisions may have their seals opened', () => {
  const random = (n: number) => globalThis.crypto.getRandomValues(new Uint8Array(n))
  const keys = [D.sealKeyPair(random).publicKey]
  const T = Date.UTC(2026, 4, 10)
  const vote = D.vote({ id: 'vote:v', villageId: 'qingbo', title: 't', ballotType: 'approval', maxChoices: 1, opensAt: T, closesAt: T + 86_400_000, roster: ['person:a', 'person:b'], sealKeys: keys, candidates: [{ id: 'project:p', title: 'p', cost: 1, proposalIds: [] }], budget: 10 })
  const cast = (voterId: string, device: string, at: number) => D.castVote({ vote, voterId, choices: ['project:p'], recordedBy: 'person:clerk', device, at, random }).checkOff
  const first = cast('person:a', 'tab-1', T + 1000)
  const second = cast('person:a', 'tab-2', T + 2000)
  const honest = cast('person:b', 'tab-1', T + 3000)
  const conflicts = [{ reason: 'double-checkoff', subjectId: first.id, loser: { body: { ...second } } }]
  const decision = (voidedSeals: string[], keptSeal: string) => ({ id: 'decision:x', subjectId: first.id, by: 'person:s', reason: 'decided so', at: T, voteId: vote.id, voterId: 'person:a', keptSeal, voidedSeals })

  it('a decision on a real double vote qualifies; one naming an honest voter\'s seal does not', () => {
    expect(D.resolvesDoubleVote(decision([second.seal], first.seal), [first, honest], conflicts)).toBe(true)
    expect(D.resolvesDoubleVote(decision([honest.seal], first.seal), [first, honest], conflicts)).toBe(false)
    expect(D.resolvesDoubleVote({ ...decision([honest.seal], ''), subjectId: honest.id, voterId: 'person:b' }, [first, honest], conflicts)).toBe(false)
  })

  it('a decision waits for its seals to be opened until a void list honoured for its vote covers it; one that resolves nothing, or is another vote\'s, never waits', () => {
    const decided = decision([second.seal], first.seal)
    const records = (decisions: ReturnType<typeof decision>[], voidLists: { id: string; voteId: string; ballotIds: string[]; decisions: string[]; at: number }[] = []) => ({ voidLists, decisions, checkoffs: [first, honest], conflicts })
    expect(D.decisionsAwaitingSeals(vote, records([decided])).map((d) => d.id)).toEqual(['decision:x'])
    // the supervisors opened the seal: a list within the decision covers it
    const opened = { id: 'voidlist:1', voteId: vote.id, ballotIds: ['ballot:extra'], decisions: ['decision:x'], at: T + 5000 }
    expect(D.decisionsAwaitingSeals(vote, records([decided], [opened]))).toEqual([])
    // a list voiding more ballots than the decision has void seals covers nothing
    expect(D.decisionsAwaitingSeals(vote, records([decided], [{ ...opened, ballotIds: ['ballot:1', 'ballot:2'] }]))).toHaveLength(1)
    // naming an honest voter's seal decides no double vote; another vote's decision is not this vote's
    expect(D.decisionsAwaitingSeals(vote, records([{ ...decision([honest.seal], ''), subjectId: honest.id, voterId: 'person:b' }]))).toEqual([])
    expect(D.decisionsAwaitingSeals({ ...vote, id: 'vote:w' }, records([decided]))).toEqual([])
    // a vote nobody sealed has nothing to open
    expect(D.decisionsAwaitingSeals({ ...vote, sealKeys: [] }, records([decided]))).toEqual([])
  })
  it('the money waits while a double vote is undecided, then while its void seal is unopened; a vote without double votes does not wait', () => {
    const decided = decision([second.seal], first.seal)
    const withConflict = conflicts.map((c, i) => ({ ...c, id: `conflict:${i}` }))
    const records = (decisions: ReturnType<typeof decision>[], voidLists: { id: string; voteId: string; ballotIds: string[]; decisions: string[]; at: number }[] = []) => ({ voidLists, decisions, checkoffs: [first, honest], conflicts: withConflict })
    // checked off on two tablets, nothing decided: the extra ballot may still be counted
    expect(D.allocationWait(vote, records([]))).toEqual({ reason: 'double-votes-undecided', voters: 1 })
    // decided: the supervisors must open the void seal first
    expect(D.allocationWait(vote, records([decided]))).toEqual({ reason: 'seals-unopened', decisions: 1 })
    const opened = { id: 'voidlist:1', voteId: vote.id, ballotIds: ['ballot:extra'], decisions: ['decision:x'], at: T + 5000 }
    expect(D.allocationWait(vote, records([decided], [opened]))).toBeNull()
    // nobody sealed the vote: once decided, nothing can be opened and the money need not wait
    expect(D.allocationWait({ ...vote, sealKeys: [] }, records([decided]))).toBeNull()
    expect(D.allocationWait({ ...vote, sealKeys: [] }, records([]))).toEqual({ reason: 'double-votes-undecided', voters: 1 })
    expect(D.allocationWait(vote, { voidLists: [], decisions: [], checkoffs: [first, honest], conflicts: [] })).toBeNull()
  })
})

describe('the ballots a result counts', () => {
  const ballot = (id: string, castAt: number) => ({ id, voteId: 'vote:v', choices: ['project:a'], castAt, device: 'tab-1' })
  it('leaves out ballots cast after the recorded close and ballots voided within the council\'s decisions', () => {
    const ballots = [ballot('ballot:1', 100), ballot('ballot:2', 100), ballot('ballot:late', 201), ballot('ballot:other', 100)]
    ballots[3]!.voteId = 'vote:w'
    // decision:a is not backed by a double vote sync found (no check-offs here), so its list is not honoured
    const recorded = decisions.map((d) => ({ ...d, subjectId: `checkoff:${d.id}`, by: 'person:sup', reason: '议事会决定', at: 1 }))
    const none = D.countedBallots({ id: 'vote:v', closedAt: 200 }, ballots, { voidLists: [list('voidlist:1', ['ballot:2'], ['decision:a'])], decisions: recorded, checkoffs: [], conflicts: [] })
    expect(none.counted.map((b) => b.id)).toEqual(['ballot:1', 'ballot:2'])
    expect(none.late).toBe(1)
    expect(none.voids).toEqual([])
    expect(D.awaitingSeals(decisions, none.voids).map((d) => d.id)).toEqual(['decision:a', 'decision:b', 'decision:other'])
    expect(D.awaitingSeals(decisions, [list('voidlist:1', ['ballot:2'], ['decision:a'])]).map((d) => d.id)).toEqual(['decision:b', 'decision:other'])
    // with no close on record nothing is late
    expect(D.countedBallots({ id: 'vote:v', closedAt: 0 }, ballots, { voidLists: [], decisions: [], checkoffs: [], conflicts: [] }).late).toBe(0)
  })
})

describe('who must open a void list', () => {
  const vote = { sealKeys: ['k-li', 'k-zhao'] }
  const owners = [{ personId: 'person:li', publicKey: 'k-li' }, { personId: 'person:zhao', publicKey: 'k-zhao' }]
  it('every supervisor whose seal key sealed the vote', () => {
    expect(D.sealersMissing(['person:li', 'person:zhao'], vote, owners)).toEqual([])
    expect(D.sealersMissing(['person:li'], vote, owners)).toEqual(['person:zhao'])
    expect(D.sealersMissing(['person:wang'], vote, owners)).toEqual(['person:li', 'person:zhao'])
  })
  it('a seal key nobody is on record for cannot be shown covered; a second claim on a key adds a name, takes none away', () => {
    expect(D.sealersMissing(['person:li'], vote, owners.slice(0, 1))).toEqual([''])
    expect(D.sealersMissing(['person:li', 'person:zhao'], vote, [...owners, { personId: 'person:wang', publicKey: 'k-zhao' }])).toEqual(['person:wang'])
  })
  it('a vote no one sealed asks no one', () => {
    expect(D.sealersMissing([], { sealKeys: [] }, owners)).toEqual([])
  })
})
