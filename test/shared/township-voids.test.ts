import { describe, expect, it } from 'vitest'
import * as D from '@/domain'
import type { YishiDoc } from '@/shared/schemas'
import { indexRecords, voteRecordsOf, type Doc } from '@/shared/township/records'
import { summarizeVillage } from '@/shared/township/summarize'
import { resultsTable } from '@/features/township/export/tables'
import { voteToPabulib } from '@/features/township/export/pabulib'
import { signAct } from '@/shared/personacts'
import { certifiedClerkKey, testHub, witnessedKey } from '../support/personkeys'
import { hubSigned } from '../support/roles'

// 王 voted on two tablets (the lamps on tablet 1, the road on tablet 2). The council kept the first
// ballot and voided the second; the supervisors opened its seal and recorded the void list. The
// tablet's result counts one ballot: the lamps. The budget fits both projects, so a count that
// forgets the void list funds the road too.
const T = Date.UTC(2026, 4, 10)
const HOUR = 3_600_000
const random = (n: number) => globalThis.crypto.getRandomValues(new Uint8Array(n))
const supervisor = D.sealKeyPair(random)
const vote = D.vote({
  id: 'vote:v1', villageId: 'qingbo', title: '2026 民生项目', ballotType: 'approval', maxChoices: 2, rule: 'greedy', budget: 120,
  opensAt: T, closesAt: T + 48 * HOUR, closedAt: T + 24 * HOUR, roster: ['person:wang', 'person:li'], sealKeys: [supervisor.publicKey],
  candidates: [{ id: 'project:lamps', title: '路灯', cost: 60, proposalIds: [] }, { id: 'project:road', title: '道路', cost: 60, proposalIds: [] }],
})
const first = D.castVote({ vote, voterId: 'person:wang', choices: ['project:lamps'], recordedBy: 'person:clerk', device: 'tab-1', at: T + HOUR, random })
const second = D.castVote({ vote, voterId: 'person:wang', choices: ['project:road'], recordedBy: 'person:clerk', device: 'tab-2', at: T + 2 * HOUR, random })
const decision = {
  id: 'decision:v1-wang', subjectId: first.checkOff.id, outcome: 'keep-earliest', by: 'person:sup', keep: '', reason: '以第一次为准', at: T + 30 * HOUR,
  voteId: vote.id, voterId: 'person:wang', keptSeal: first.checkOff.seal, voidedSeals: [second.checkOff.seal], decidedBy: ['person:sup'],
}
const voided = D.openSeal(second.checkOff.seal, [supervisor.secretKey])
// the clerk's key, certified by the hub; the supervisor's signing key, witnessed with it; they sign the opening with it
const hub = testHub()
const clerk = certifiedClerkKey('qingbo', 'person:clerk', T - HOUR, 'personkey:clerk', hub.secretKey)
const sup = witnessedKey('qingbo', 'person:sup', T, 'personkey:sup', clerk)
const personKey = sup.record
const signing = { secretKey: sup.secret }
const list = { id: 'voidlist:v1-1', voteId: vote.id, ballotIds: [voided], openedBy: ['person:sup'], decisions: [decision.id], at: T + 31 * HOUR }
const signatures = [{ personId: 'person:sup', keyId: personKey.id, signature: signAct('voidlist', 'qingbo', list, signing.secretKey) }]

let seq = 0
const doc = <R extends { id: string }>(kind: YishiDoc['kind'], record: R, ref = ''): Doc => {
  const { id, villageId: _v, ...body } = record as { id: string; villageId?: string }
  return { id, kind, v: 1, village: 'qingbo', year: 2026, author: 'person:clerk', device: 'tab-1', deviceTime: T, seq: ++seq, ref, body } as Doc
}
const docs: Doc[] = [
  doc('person', { id: 'person:clerk', name: '王文书', ...hubSigned('qingbo', 'person:clerk', ['clerk'], hub.secretKey) }),
  doc('personkey', clerk.record, 'person:clerk'),
  doc('vote', vote),
  doc('checkoff', first.checkOff, vote.id),
  doc('ballot', first.ballot, vote.id),
  doc('ballot', second.ballot, vote.id),
  // sync kept tablet 1's check-off and recorded tablet 2's as the losing side of a collision
  doc('conflict', { id: 'conflict:tab-2-1.tab-1-1', subjectId: first.checkOff.id, reason: 'double-checkoff', winner: { device: 'tab-1', seq: 1 }, loser: { body: second.checkOff }, fields: [], at: T + 25 * HOUR }),
  doc('decision', decision),
  doc('personkey', personKey, 'person:sup'),
  doc('sealkey', { id: 'sealkey:sup', personId: 'person:sup', publicKey: supervisor.publicKey, createdAt: T }, 'person:sup'),
  doc('voidlist', { ...list, signatures }, vote.id),
]
const NOW = T + 40 * HOUR

describe('the township counts a voided ballot as the tablet does', () => {
  it('summary, results CSV and .pb file leave out the ballot the supervisors voided', () => {
    // what the tablet's results screen counts (the votes store calls the same domain rule)
    const records = indexRecords('qingbo', docs, hub.keys)
    const tablet = D.voteResult(vote, voteRecordsOf(records, vote.id))
    expect(tablet.counted.map((b) => b.id)).toEqual([first.ballot.id])
    expect(tablet.selection?.selected).toEqual(['project:lamps'])

    const summary = summarizeVillage('qingbo', docs, NOW, hub.keys)
    const [v1] = summary.votes
    expect(v1).toMatchObject({ ballots: 1, voided: 1, awaitingSeals: 0, late: 0, selected: ['project:lamps'], cost: 60 })
    expect([summary.doubleVotes, summary.doubleVotesAwaitingSeals]).toEqual([0, 0])

    const csv = resultsTable({ townshipId: 'huayuan', townshipName: '花园镇', villages: [summary], at: NOW }, (k) => k)
    const row = Object.fromEntries(csv.headers.map((h, i) => [h, csv.rows[0]![i]]))
    expect(row).toMatchObject({ ballots: 1, voided: 1, awaiting_seals: 0, selected: '路灯', selected_ids: 'project:lamps', cost_yuan: 0.6 })

    const pb = D.readPabulib(voteToPabulib(vote, tablet, { village: '清波村', township: '花园镇' }))
    expect(pb.votes.rows.map((r) => r.vote)).toEqual(['project:lamps'])
    expect(pb.projects.rows.map((r) => [r.project_id, r.votes, r.selected])).toEqual([['project:lamps', '1', '1'], ['project:road', '0', '0']])
  })

  it('shows a double vote the council decided, before the supervisors open its seal, as decided and awaiting the seals: not open, not voided', () => {
    // the three stages as the township sees them: open, decided awaiting the seals, dealt with
    const stage = (records: Doc[]) => {
      const s = summarizeVillage('qingbo', records, NOW, hub.keys)
      return { open: s.doubleVotes, awaiting: s.doubleVotesAwaitingSeals, voteAwaiting: s.votes[0]!.awaitingSeals, voided: s.votes[0]!.voided }
    }
    const undecided = docs.filter((d) => d.kind !== 'decision' && d.kind !== 'voidlist')
    expect(stage(undecided)).toEqual({ open: 1, awaiting: 0, voteAwaiting: 0, voided: 0 })
    const decided = docs.filter((d) => d.kind !== 'voidlist')
    expect(stage(decided)).toEqual({ open: 0, awaiting: 1, voteAwaiting: 1, voided: 0 })
    expect(stage(docs)).toEqual({ open: 0, awaiting: 0, voteAwaiting: 0, voided: 1 })
    // the results CSV says it per vote
    const csv = resultsTable({ townshipId: 'huayuan', townshipName: '花园镇', villages: [summarizeVillage('qingbo', decided, NOW, hub.keys)], at: NOW }, (k) => k)
    expect(csv.rows[0]![csv.headers.indexOf('awaiting_seals')]).toBe(1)
    // a decision that names seals of no double vote sync found decides nothing: it awaits no seal
    const honest = D.castVote({ vote, voterId: 'person:li', choices: ['project:road'], recordedBy: 'person:clerk', device: 'tab-1', at: T + 3 * HOUR, random })
    const bogus = doc('decision', { ...decision, id: 'decision:v1-li', subjectId: honest.checkOff.id, voterId: 'person:li', keptSeal: '', voidedSeals: [honest.checkOff.seal] })
    expect(stage([...decided, doc('checkoff', honest.checkOff, vote.id), bogus])).toMatchObject({ awaiting: 1, voteAwaiting: 1 })
  })

  it('counts both ballots if the void list is not signed by the supervisors who opened it (a tablet can write any list)', () => {
    const unsigned = docs.map((d) => (d.kind === 'voidlist' ? { ...d, body: list } : d))
    expect(summarizeVillage('qingbo', unsigned, NOW, hub.keys).votes[0]).toMatchObject({ ballots: 2, voided: 0, selected: ['project:lamps', 'project:road'] })
    const byAnother = docs.map((d) => (d.kind === 'voidlist' ? { ...d, body: { ...list, signatures: [{ ...signatures[0]!, personId: 'person:li' }] } } : d))
    expect(summarizeVillage('qingbo', byAnother, NOW, hub.keys).votes[0]).toMatchObject({ ballots: 2, voided: 0 })
  })

  it('counts both ballots if a supervisor who sealed the vote did not open the list: one of them alone voids nothing', () => {
    // 赵 sealed the vote too (a second seal key, 赵's); the list is opened and signed by 李 alone
    const zhao = D.sealKeyPair(random)
    const twoSealers = docs.map((d) => (d.kind === 'vote' ? { ...d, body: { ...d.body, sealKeys: [supervisor.publicKey, zhao.publicKey] } } : d))
    const withZhao = [...twoSealers, doc('sealkey', { id: 'sealkey:zhao', personId: 'person:zhao', publicKey: zhao.publicKey, createdAt: T }, 'person:zhao')]
    expect(summarizeVillage('qingbo', withZhao, NOW, hub.keys).votes[0]).toMatchObject({ ballots: 2, voided: 0, selected: ['project:lamps', 'project:road'] })
    // nor when no record says who holds the second key
    expect(summarizeVillage('qingbo', twoSealers, NOW, hub.keys).votes[0]).toMatchObject({ ballots: 2, voided: 0 })

    // opened by both, each signing with their own key: the ballot is voided
    const zhao2 = witnessedKey('qingbo', 'person:zhao', T, 'personkey:zhao', clerk)
    const zhaoSigning = { secretKey: zhao2.secret }
    const zhaoKey = zhao2.record
    const both = { ...list, openedBy: ['person:sup', 'person:zhao'] }
    const bothSigned = [
      { personId: 'person:sup', keyId: personKey.id, signature: signAct('voidlist', 'qingbo', both, signing.secretKey) },
      { personId: 'person:zhao', keyId: zhaoKey.id, signature: signAct('voidlist', 'qingbo', both, zhaoSigning.secretKey) },
    ]
    const together = [...withZhao.map((d) => (d.kind === 'voidlist' ? { ...d, body: { ...both, signatures: bothSigned } } : d)), doc('personkey', zhaoKey, 'person:zhao')]
    expect(summarizeVillage('qingbo', together, NOW, hub.keys).votes[0]).toMatchObject({ ballots: 1, voided: 1, selected: ['project:lamps'] })
  })

  it('counts both ballots if the opener\'s key was written naming the clerk as witness but without the clerk\'s signature (issue #14)', () => {
    const bare = witnessedKey('qingbo', 'person:sup', T, 'personkey:sup', null, { witnessedBy: 'person:clerk' })
    const signed = [{ personId: 'person:sup', keyId: bare.record.id, signature: signAct('voidlist', 'qingbo', list, bare.secret) }]
    const forgedKey = docs.map((d) => (d.kind === 'personkey' && d.id === 'personkey:sup' ? doc('personkey', bare.record, 'person:sup') : d.kind === 'voidlist' ? { ...d, body: { ...list, signatures: signed } } : d))
    expect(summarizeVillage('qingbo', forgedKey, NOW, hub.keys).votes[0]).toMatchObject({ ballots: 2, voided: 0, selected: ['project:lamps', 'project:road'] })
    // nor with a clerk key certified by another hub than the township's
    expect(summarizeVillage('qingbo', docs, NOW, testHub().keys).votes[0]).toMatchObject({ ballots: 2, voided: 0 })
  })

  it('counts both ballots again if the void list named a decision the council never took', () => {
    const forged = docs.map((d) => (d.kind === 'voidlist' ? { ...d, body: { ...d.body, decisions: ['decision:v1-other'] } } : d))
    expect(summarizeVillage('qingbo', forged, NOW, hub.keys).votes[0]).toMatchObject({ ballots: 2, voided: 0, selected: ['project:lamps', 'project:road'] })
  })
})
