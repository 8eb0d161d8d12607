import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as D from '@/domain'
import { domainError } from './support.ts'

const council = D.DEFAULT_MEETING_RULES['village-council']

describe('quorum and thresholds', () => {
  it('explains a council decision in plain words', () => {
    const r = D.decideMotion(council, 37, 28, { yes: 20, no: 6, abstain: 2 })
    expect(r.outcome).toBe('adopted')
    expect(r.explanation).toBe('28 of 37 present, quorum 25: quorate; 20 yes > 18.5 needed (of 37 members): adopted')
  })

  it('needs more than half of all council members, not of those present', () => {
    const r = D.decideMotion(council, 37, 25, { yes: 18, no: 2, abstain: 5 })
    expect(r.outcome).toBe('rejected')
    expect(r.yesNeeded).toBe(19)
    expect(r.explanation).toContain('18 yes not > 18.5 needed')
  })

  it('is not quorate below two-thirds of members', () => {
    const r = D.decideMotion(council, 37, 24, { yes: 24, no: 0, abstain: 0 })
    expect(r.outcome).toBe('not-quorate')
    expect(r.explanation).toBe('24 of 37 present, quorum 25: not quorate; no decision')
  })

  it('uses "more than half of those present" at a villagers\' meeting', () => {
    const rule = D.DEFAULT_MEETING_RULES['villagers-meeting']
    expect(D.quorum(rule, 400, 200).quorate).toBe(false) // exactly half is not more than half
    expect(D.quorum(rule, 400, 201).quorate).toBe(true)
    expect(D.decideMotion(rule, 400, 201, { yes: 101, no: 90, abstain: 10 }).outcome).toBe('adopted')
    expect(D.decideMotion(rule, 400, 201, { yes: 100, no: 90, abstain: 11 }).outcome).toBe('rejected')
  })

  it('supports the two-thirds variant for infrastructure spending', () => {
    const rule = D.MEETING_RULE_VARIANTS.councilTwoThirds
    expect(D.decideMotion(rule, 30, 30, { yes: 20, no: 10, abstain: 0 }).outcome).toBe('adopted')
    expect(D.decideMotion(rule, 30, 30, { yes: 19, no: 11, abstain: 0 }).outcome).toBe('rejected')
  })

  it('refuses impossible counts', () => {
    expect(domainError(() => D.quorum(council, 10, 11)).code).toBe('meeting.attendance')
    expect(domainError(() => D.decideMotion(council, 10, 8, { yes: 5, no: 3, abstain: 1 })).code).toBe('meeting.attendance')
    expect(domainError(() => D.quorum(council, 10, -1)).code).toBe('invalid.range')
  })

  it('a quorum is monotone in attendance', () => {
    const rules = [...Object.values(D.DEFAULT_MEETING_RULES), ...Object.values(D.MEETING_RULE_VARIANTS)]
    fc.assert(fc.property(fc.constantFrom(...rules), fc.integer({ min: 1, max: 2000 }), fc.nat(), fc.nat(), (rule, members, a, b) => {
      const lo = Math.min(a, b) % (members + 1)
      const hi = Math.max(lo, Math.max(a, b) % (members + 1))
      if (D.quorum(rule, members, lo).quorate) expect(D.quorum(rule, members, hi).quorate).toBe(true)
      // and `needed` is exactly the threshold
      const needed = D.quorum(rule, members, 0).needed
      expect(needed <= members).toBe(true)
      expect(D.quorum(rule, members, Math.min(needed, members)).quorate).toBe(needed <= members)
      if (needed > 0) expect(D.quorum(rule, members, needed - 1).quorate).toBe(false)
    }), { numRuns: 300 })
  })
})

describe('resolution records', () => {
  const base = { id: 'resolution:r1', meetingId: 'meeting:m1', motion: '确定候选项目', members: 37, present: 28, at: 1_772_000_000_000, recordedBy: 'person:clerk' }

  it('records the outcome and explanation, and the hub can check a pushed one', () => {
    const r = D.recordResolution(council, { ...base, count: { yes: 20, no: 6, abstain: 2 } })
    expect(r).toMatchObject({ outcome: 'adopted', explanation: '28 of 37 present, quorum 25: quorate; 20 yes > 18.5 needed (of 37 members): adopted' })
    expect(D.resolution(JSON.parse(JSON.stringify(r)))).toEqual(r)
    expect(() => D.checkResolution(council, r)).not.toThrow()
    const forged = D.resolution({ ...r, yes: 15, no: 11 })
    expect(domainError(() => D.checkResolution(council, forged)).message).toContain('says "adopted", but the counts give "rejected"')
  })

  it('refuses counts that do not add up', () => {
    expect(domainError(() => D.resolution({ ...base, yes: 20, no: 10, abstain: 0, outcome: 'adopted' })).code).toBe('meeting.attendance')
    expect(domainError(() => D.resolution({ ...base, present: 38, yes: 1, no: 0, abstain: 0, outcome: 'adopted' })).code).toBe('invalid.range')
  })
})

describe('notice and one matter, one discussion', () => {
  it('a villagers\' meeting needs 10 days\' notice', () => {
    const day = 86_400_000
    expect(() => D.checkMeetingNotice('villagers-meeting', 0, 10 * day)).not.toThrow()
    expect(domainError(() => D.checkMeetingNotice('villagers-meeting', 0, 9 * day + 1)).message).toBe("a villagers meeting needs 10 days' notice; 9 given")
    expect(() => D.checkMeetingNotice('village-council', 0, 1)).not.toThrow()
  })

  it('goes to a meeting when 1/10 of villagers or 1/5 of representatives raise it', () => {
    expect(D.oneMatterTriggered({ villagers: 40, representatives: 0 }, { villagers: 400, representatives: 30 }).triggered).toBe(true)
    expect(D.oneMatterTriggered({ villagers: 39, representatives: 5 }, { villagers: 400, representatives: 30 })).toEqual({
      triggered: false, explanation: '39 of 400 villagers (40 needed), 5 of 30 representatives (6 needed): not enough support yet',
    })
    expect(D.oneMatterTriggered({ villagers: 0, representatives: 6 }, { villagers: 400, representatives: 30 }).triggered).toBe(true)
  })
})

describe('who is expected at each kind of meeting', () => {
  const p = (id: string, roles: string[], extra: Record<string, unknown> = {}) =>
    D.person({ id: `person:${id}`, villageId: 'qingbo', name: id, householdId: `household:${id}`, roles, ...extra })
  const people = [
    p('wang', ['council-member'], { unitId: 'unit:east' }),
    p('li', ['courtyard-council-member'], { unitId: 'unit:east' }),
    p('zhao', ['courtyard-council-member'], { unitId: 'unit:west' }),
    p('chen', ['representative'], { unitId: 'unit:west' }),
    p('xiao', [], { adult: false, eligible: false, unitId: 'unit:east' }),
  ]
  const ids = (xs: readonly D.Person[]) => xs.map((x) => x.id)

  it('counts council members, courtyard council members of the unit, representatives, or adults', () => {
    expect(ids(D.expectedMembers('village-council', people))).toEqual(['person:wang'])
    expect(ids(D.expectedMembers('courtyard-council', people, 'unit:east'))).toEqual(['person:li'])
    expect(ids(D.expectedMembers('representatives-meeting', people))).toEqual(['person:chen'])
    expect(ids(D.expectedMembers('villagers-meeting', people))).toEqual(['person:wang', 'person:li', 'person:zhao', 'person:chen'])
    expect(ids(D.expectedMembers('villagers-meeting', people, 'unit:east'))).toEqual(['person:wang', 'person:li'])
  })
})
