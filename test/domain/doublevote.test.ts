import { describe, expect, it } from 'vitest'
import * as D from '@/domain'
import { T0, domainError } from './support.ts'

// Deterministic randomness for the tests (seeded xorshift); real callers pass crypto.getRandomValues.
function seeded(seed: number): D.RandomBytes {
  let x = seed >>> 0 || 1
  return (n) => {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; out[i] = x & 0xff }
    return out
  }
}

const random = seeded(42)
const sup1 = D.sealKeyPair(random)
const sup2 = D.sealKeyPair(random)
const sealKeys = [sup1.publicKey, sup2.publicKey]

const checkOff = (device: string, at: number, ballotId: string, voterId = 'person:wang') =>
  D.checkOff({ voteId: 'vote:v1', voterId, at, device, recordedBy: 'person:clerk', seal: D.sealBallotRef(sealKeys, ballotId, random) })

describe('sealed link from check-off to ballot', () => {
  it('opens only with every supervisor\'s key, in order', () => {
    const seal = D.sealBallotRef(sealKeys, 'ballot:7f3a9c', random)
    expect(seal).not.toContain(Buffer.from('7f3a9c').toString('hex'))
    expect(D.openSeal(seal, [sup1.secretKey, sup2.secretKey])).toBe('ballot:7f3a9c')
    // one supervisor alone gets only another sealed layer, and the wrong key is detected
    const afterOne = D.openSealLayer(seal, sup1.secretKey)
    expect(afterOne).not.toContain(Buffer.from('ballot:7f3a9c').toString('hex'))
    expect(domainError(() => D.openSealLayer(seal, sup2.secretKey)).code).toBe('seal.invalid')
    expect(domainError(() => D.openSeal(seal, [sup1.secretKey])).code).toBe('invalid.format')
  })

  it('seals the same ballot differently each time, and detects tampering', () => {
    const a = D.sealBallotRef(sealKeys, 'ballot:1', random)
    const b = D.sealBallotRef(sealKeys, 'ballot:1', random)
    expect(a).not.toBe(b)
    const tampered = a.slice(0, 80) + (a[80] === '0' ? '1' : '0') + a.slice(81)
    expect(domainError(() => D.openSeal(tampered, [sup1.secretKey, sup2.secretKey])).code).toBe('seal.invalid')
  })

  it('coarsens a ballot\'s cast time so it cannot be matched to the check-off', () => {
    expect(D.coarseCastTime(T0 + 3_599_999, T0)).toBe(T0)
    expect(D.coarseCastTime(T0 + 60_000, T0 + 30_000)).toBe(T0 + 30_000)
  })
})

describe('one person, one vote', () => {
  it('finds every voter checked off on more than one device', () => {
    const first = checkOff('tab-1', T0 + 10, 'ballot:a')
    const second = checkOff('tab-2', T0 + 5, 'ballot:b')
    const other = checkOff('tab-1', T0 + 20, 'ballot:c', 'person:li')
    const found = D.findDoubleVotes([first, other, second, first])
    expect(found).toHaveLength(1)
    expect(found[0]?.voterId).toBe('person:wang')
    expect(found[0]?.checkOffs.map((c) => c.device)).toEqual(['tab-2', 'tab-1'])
  })

  it('records who decided which ballot counts, and voids the other without revealing any choice', () => {
    const ballots = [
      D.ballot({ id: 'ballot:a', voteId: 'vote:v1', choices: ['project:x'], castAt: T0, device: 'tab-1' }),
      D.ballot({ id: 'ballot:b', voteId: 'vote:v1', choices: ['project:y'], castAt: T0, device: 'tab-2' }),
      D.ballot({ id: 'ballot:c', voteId: 'vote:v1', choices: ['project:y'], castAt: T0, device: 'tab-1' }),
    ]
    const [dv] = D.findDoubleVotes([checkOff('tab-1', T0 + 10, 'ballot:a'), checkOff('tab-2', T0 + 20, 'ballot:b')]) as [D.DoubleVote]
    const proposal = D.proposeResolution(dv)
    const decision = D.doubleVoteResolution({ id: 'decision:dv-wang', voteId: 'vote:v1', voterId: 'person:wang', ...proposal, decidedBy: ['person:sup1', 'person:sup2'], reason: '以第一次投票为准', at: T0 + 100 }, dv)
    // the record names seals only: nothing in it says which ballot or which project
    expect(JSON.stringify(decision)).not.toMatch(/ballot:|project:/)
    // supervisors together open just the void seals, and publish the void list
    const opened = decision.voidedSeals.map((s) => D.openSeal(s, [sup1.secretKey, sup2.secretKey]))
    expect(opened).toEqual(['ballot:b'])
    const voids = D.voidList('vote:v1', opened, ['person:sup1', 'person:sup2'], T0 + 200)
    expect(D.countableBallots(ballots, 'vote:v1', [voids]).map((b) => b.id)).toEqual(['ballot:a', 'ballot:c'])
  })

  it('counts the ballots a result holds beyond the voters checked off, until the extra one is voided', () => {
    const ballots = ['a', 'b', 'c'].map((x) => D.ballot({ id: `ballot:${x}`, voteId: 'vote:v1', choices: ['project:x'], castAt: T0, device: 'tab-1' }))
    // wang voted on two tablets: the check-off ids collided, so one check-off stands for two ballots
    const standing = [checkOff('tab-1', T0, 'ballot:a'), { ...checkOff('tab-1', T0, 'ballot:c'), voterId: 'person:li' }]
    expect(D.surplusBallots(ballots, standing, 'vote:v1')).toBe(1)
    const voids = D.voidList('vote:v1', ['ballot:b'], ['person:sup1'], T0 + 200)
    expect(D.surplusBallots(ballots, standing, 'vote:v1', [voids])).toBe(0)
    // a check-off whose ballot never got stored (tab closed) is not a surplus either way
    expect(D.surplusBallots(ballots.slice(0, 1), standing, 'vote:v1')).toBe(0)
    expect(D.surplusBallots(ballots, standing, 'vote:other')).toBe(0)
  })

  it('refuses a decision that leaves a check-off undecided or names a foreign seal', () => {
    const [dv] = D.findDoubleVotes([checkOff('tab-1', T0, 'ballot:a'), checkOff('tab-2', T0 + 1, 'ballot:b'), checkOff('tab-3', T0 + 2, 'ballot:c')]) as [D.DoubleVote]
    const base = { id: 'decision:dv', voteId: 'vote:v1', voterId: 'person:wang', decidedBy: ['person:sup1'], reason: '核实后决定', at: T0 }
    const seals = dv.checkOffs.map((c) => c.seal)
    expect(domainError(() => D.doubleVoteResolution({ ...base, keptSeal: seals[0], voidedSeals: [seals[1]] }, dv)).message).toBe('all 3 check-offs must be decided (kept or void); 2 are')
    expect(domainError(() => D.doubleVoteResolution({ ...base, keptSeal: 'ab', voidedSeals: seals.slice(1) }, dv)).code).toBe('doublevote.invalid')
    expect(domainError(() => D.doubleVoteResolution({ ...base, keptSeal: seals[0], voidedSeals: seals.slice(1), reason: '' }, dv)).code).toBe('invalid.required')
    expect(D.doubleVoteResolution({ ...base, keptSeal: '', voidedSeals: seals }, dv).keptSeal).toBe('')
  })

  it('lets nobody decide on their own double vote', () => {
    const [dv] = D.findDoubleVotes([checkOff('tab-1', T0, 'ballot:a'), checkOff('tab-2', T0 + 1, 'ballot:b')]) as [D.DoubleVote]
    const seals = dv.checkOffs.map((c) => c.seal)
    const own = { id: 'decision:dv', voteId: 'vote:v1', voterId: 'person:wang', keptSeal: seals[1], voidedSeals: [seals[0]], decidedBy: ['person:sup1', 'person:wang'], reason: '我只投了一次', at: T0 }
    expect(D.isOwnDoubleVote('person:wang', ['person:sup1', 'person:wang'])).toBe(true)
    expect(D.isOwnDoubleVote('person:wang', ['person:sup1'])).toBe(false)
    expect(domainError(() => D.doubleVoteResolution(own, dv)).code).toBe('doublevote.own-vote')
    expect(domainError(() => D.assertMayDecideDoubleVote('person:wang', ['person:wang'])).code).toBe('doublevote.own-vote')
  })
})

describe('casting a vote', () => {
  const vote = D.vote({
    id: 'vote:v1', villageId: 'qingbo', title: 't', ballotType: 'approval', maxChoices: 1, opensAt: T0, closesAt: T0 + 86_400_000, roster: ['person:wang'], sealKeys,
    candidates: [{ id: 'project:x', title: 'x', cost: 1 }, { id: 'project:y', title: 'y', cost: 1 }],
  })
  const cast = (over: Partial<D.CastInput> = {}) => D.castVote({ vote, voterId: 'person:wang', choices: ['project:y'], recordedBy: 'person:clerk', device: 'tab-1', at: T0 + 5_000_123, random, ...over })

  it('gives a check-off and a ballot that share nothing but a sealed link', () => {
    const { checkOff: c, ballot: b } = cast()
    expect(c.id).toBe('checkoff:v1:wang')
    expect(b.id).toMatch(/^ballot:[0-9a-f]{32}$/)
    expect(b.castAt).toBe(T0 + 3_600_000) // the hour, not the exact moment of the check-off
    expect(c.at).toBe(T0 + 5_000_123)
    expect(JSON.stringify(c)).not.toContain(b.id.slice(7))
    expect(D.openSeal(c.seal, [sup1.secretKey, sup2.secretKey])).toBe(b.id)
  })

  it('refuses a voter off the roster, a closed vote, or a bad ballot', () => {
    expect(domainError(() => cast({ voterId: 'person:li' })).code).toBe('vote.not-eligible')
    expect(domainError(() => cast({ at: T0 + 86_400_000 })).code).toBe('vote.closed')
    expect(domainError(() => cast({ choices: ['project:x', 'project:y'] })).code).toBe('ballot.too-many')
  })
})
