import { afterEach, describe, expect, it } from 'vitest'
import ConflictsView from '@/features/conflicts/ConflictsView.vue'
import VotesView from '@/features/votes/VotesView.vue'
import { useVotesStore } from '@/stores/votes'
import { useConflictsStore } from '@/stores/conflicts'
import { useCycleStore } from '@/stores/cycle'
import { useDeviceNamesStore } from '@/stores/deviceNames'
import { useSessionStore } from '@/stores/session'
import { mountFeature } from '../support/mount'
import { createAppI18n } from '@/i18n'
import { allMessages } from '@/i18n/messages'
import { formatters } from '@/i18n/format'
import { eventually } from '../support/village'
import { openDoubleVotes } from '../../data/helpers'
import { openApprovalVote, openVoteVillage, T0 } from '../votes/village'

let village: Awaited<ReturnType<typeof openVoteVillage>> | undefined
afterEach(async () => { await village?.close(); village = undefined })

/**
 * This tablet checked off 张秀英; sync brought the other tablet's check-off of the same person,
 * which the conflict handler records as a `conflict` (the same record src/data writes).
 */
async function doubleVote(voter = 'zhang') {
  village = await openVoteVillage()
  const v = village
  await openApprovalVote(v)
  await useVotesStore(v.pinia).castBallot('vote:lights', `person:${voter}`, ['project:lamps'], 'person:clerk')
  const other = {
    id: `checkoff:lights:${voter}`, kind: 'checkoff', v: 1, village: 'test-village', year: 2026, author: 'person:clerk2', device: 'tablet-b',
    deviceTime: T0 + 600_000, seq: 7, ref: 'vote:lights',
    body: { voteId: 'vote:lights', voterId: `person:${voter}`, at: T0 + 600_000, device: 'tablet-b', recordedBy: 'person:clerk2', seal: '' },
  }
  await v.data.conflicts.create({
    id: 'conflict:tablet-b-7', subjectId: `checkoff:lights:${voter}`, reason: 'double-checkoff',
    winner: { device: 'tablet-test', seq: 2, author: 'person:clerk' }, loser: other, fields: [], at: T0 + 700_000,
  })
  return v
}

describe('the double votes and conflicts queue', () => {
  it('shows a voter checked off on two tablets, and records the council decision with who and why', async () => {
    const v = await doubleVote()
    expect(await openDoubleVotes(v.data)).toEqual(['checkoff:lights:zhang'])

    // The votes screen points to it.
    const list = await mountFeature(VotesView, { path: '/votes', pinia: v.pinia })
    await eventually(() => list.wrapper.find('[data-testid="conflicts-banner"]').exists())
    expect(list.wrapper.get('[data-testid="conflicts-banner"]').text()).toContain('有 1 件重复投票或冲突')
    list.wrapper.unmount()

    // this tablet, and the other by the name the hub certified for it at enrollment
    useSessionStore(v.pinia).setEnrollment({ villageId: 'test-village', villageName: '测试村', townshipName: '', deviceId: 'tablet-test' })
    useDeviceNamesStore(v.pinia).names = new Map([['tablet-b', '二组会议室']])
    const { wrapper: w } = await mountFeature(ConflictsView, { path: '/conflicts', pinia: v.pinia })
    const item = () => w.get('[data-testid="conflict-checkoff:lights:zhang"]')
    await eventually(() => w.find('[data-testid="conflict-checkoff:lights:zhang"]').exists())
    expect(item().text()).toContain('张秀英在两台平板上都领了票')
    expect(item().text()).toContain('2026 年公共服务项目')
    // the tablets in words, not by their codes
    expect(item().text()).toContain('本平板，')
    expect(item().text()).toContain('平板「二组会议室」，')
    expect(item().text()).not.toContain('tablet-')
    // the other tablet's clerk is not on this tablet's roster: said so, not by an id
    expect(item().text()).toContain('操作人：名册上没有的人')
    expect(item().text()).not.toContain('person:')

    // The council decides; the clerk records it with their own PIN (the act is the clerk's): the screen says
    // so, and does not make the member it names look as if they confirmed it on the tablet.
    expect(item().get('[data-testid="conflict-recorder"]').text()).toBe('由文书记录议事会的决定：点“记录决定”后，文书输入本人的密码。')
    expect(item().get('[data-testid="conflict-by-label"]').text()).toBe('议事会上宣布这个决定的人（本人不用在平板上确认）')
    // Nothing is recorded until the outcome, a reason and who decided are given.
    expect(item().get('[data-testid="conflict-record"]').attributes('disabled')).toBeDefined()
    await item().get('[data-testid="outcome-keep-earliest"]').setValue(true)
    await item().get('[data-testid="conflict-reason"]').setValue('本人确认只投了一次，第二台平板登记有误')
    await item().get('[data-testid="conflict-by"]').setValue('person:sup2')
    await item().get('form').trigger('submit')

    await eventually(() => w.find('[data-testid="conflicts-none"]').exists())
    expect(item().attributes('data-resolved')).toBe('true')
    expect(item().get('[data-testid="conflict-decision"]').text()).toContain('赵监事')
    expect(item().get('[data-testid="conflict-decision"]').text()).toContain('第二台平板登记有误')
    // the decision in plain words: no bracket inside or right after another
    // who announced it for the council, and who recorded it: the clerk whose PIN the tablet took
    expect(item().get('[data-testid="conflict-decision"]').text()).toMatch(/^已决定：先投的一张有效，后投的作废（赵监事宣布，王文书记录，/)
    const [decision] = await v.data.decisions.list()
    expect(decision).toMatchObject({ subjectId: 'checkoff:lights:zhang', outcome: 'keep-earliest', by: 'person:sup2', voterId: 'person:zhang', voteId: 'vote:lights' })
    expect(await openDoubleVotes(v.data)).toEqual([])
  })

  it('does not offer a council member the decision on their own double vote, and refuses it if asked', async () => {
    // 赵监事 (supervisor and council member) voted on two tablets
    const v = await doubleVote('sup2')
    const { wrapper: w } = await mountFeature(ConflictsView, { path: '/conflicts', pinia: v.pinia })
    const item = () => w.get('[data-testid="conflict-checkoff:lights:sup2"]')
    await eventually(() => w.find('[data-testid="conflict-checkoff:lights:sup2"]').exists())
    const offered = item().findAll('[data-testid="conflict-by"] option').map((o) => o.text())
    expect(offered).toContain('李监事')
    expect(offered).not.toContain('赵监事')
    // the store refuses it too, before any PIN is asked, with the domain's code
    await expect(useConflictsStore(v.pinia).resolve('checkoff:lights:sup2', 'keep-latest', '我只投了一次', 'person:sup2'))
      .rejects.toMatchObject({ code: 'doublevote.own-vote' })
    expect(await v.data.decisions.list()).toEqual([])
  })

  it('says which check-off came first, to the second, when both fell in the same minute (the earlier may be the one sync lost)', async () => {
    village = await openVoteVillage()
    const v = village
    await openApprovalVote(v)
    await useVotesStore(v.pinia).castBallot('vote:lights', 'person:zhang', ['project:lamps'], 'person:clerk')
    // tablet B checked 张秀英 off 20 seconds earlier, in the same minute; its check-off lost the collision on sync
    const at = T0 - 20_000
    await v.data.conflicts.create({
      id: 'conflict:tablet-b-7', subjectId: 'checkoff:lights:zhang', reason: 'double-checkoff', winner: { device: 'tablet-test', seq: 2, author: 'person:clerk' },
      loser: { id: 'checkoff:lights:zhang', kind: 'checkoff', v: 1, village: 'test-village', year: 2026, author: 'person:clerk2', device: 'tablet-b', deviceTime: at, seq: 7, ref: 'vote:lights',
        body: { voteId: 'vote:lights', voterId: 'person:zhang', at, device: 'tablet-b', recordedBy: 'person:clerk2', seal: '' } },
      fields: [], at: T0 + 700_000,
    })
    useSessionStore(v.pinia).setEnrollment({ villageId: 'test-village', villageName: '测试村', townshipName: '', deviceId: 'tablet-test' })
    useDeviceNamesStore(v.pinia).names = new Map([['tablet-b', '二组会议室']])
    const { wrapper: w } = await mountFeature(ConflictsView, { path: '/conflicts', pinia: v.pinia })
    await eventually(() => w.find('[data-testid="conflict-side-2"]').exists())
    const { dateTimeSeconds } = formatters(createAppI18n('zh-CN', allMessages()).global)
    // the first is the one "先投的一张有效" keeps: tablet B's, though this tablet's is the one on record
    expect(w.get('[data-testid="conflict-side-1"]').text()).toBe(`第 1 张（先领）： 平板「二组会议室」，${dateTimeSeconds(at)}，操作人：名册上没有的人`)
    expect(w.get('[data-testid="conflict-side-2"]').text()).toBe(`第 2 张（后领）： 本平板，${dateTimeSeconds(T0)}，操作人：王文书`)
    expect(dateTimeSeconds(at)).not.toBe(dateTimeSeconds(T0))
    w.unmount()
    // in English the two sides are named alike: check-off 1 and check-off 2, not "First" then "Number 2"
    const { wrapper: en } = await mountFeature(ConflictsView, { path: '/conflicts', pinia: v.pinia, locale: 'en' })
    await eventually(() => en.find('[data-testid="conflict-side-2"]').exists())
    expect(en.get('[data-testid="conflict-side-1"]').text()).toMatch(/^Check-off 1 \(earlier\):/)
    expect(en.get('[data-testid="conflict-side-2"]').text()).toMatch(/^Check-off 2 \(later\):/)
    en.unmount()
  })

  it('counts a voter checked off on three tablets as one double vote, in the queue and in the cycle\'s gate', async () => {
    const v = await doubleVote()
    // the third tablet's check-off of the same person collides too: a second conflict record, the same voter
    const third = { id: 'checkoff:lights:zhang', kind: 'checkoff', v: 1, village: 'test-village', year: 2026, author: 'person:clerk3', device: 'tablet-c',
      deviceTime: T0 + 650_000, seq: 3, ref: 'vote:lights',
      body: { voteId: 'vote:lights', voterId: 'person:zhang', at: T0 + 650_000, device: 'tablet-c', recordedBy: 'person:clerk3', seal: '' } }
    await v.data.conflicts.create({
      id: 'conflict:tablet-c-3', subjectId: 'checkoff:lights:zhang', reason: 'double-checkoff',
      winner: { device: 'tablet-test', seq: 2, author: 'person:clerk' }, loser: third, fields: [], at: T0 + 710_000,
    })
    const conflicts = useConflictsStore(v.pinia)
    const cycle = useCycleStore(v.pinia)
    await eventually(() => conflicts.items.length === 1 && conflicts.items[0]!.sides.length === 3)
    await eventually(() => cycle.records.conflicts.length === 2)
    expect(cycle.facts.unresolvedDoubleVotes).toBe(1)
    expect(await openDoubleVotes(v.data)).toEqual(['checkoff:lights:zhang'])
  })

  it('restores an edit that another tablet overwrote, when the council decides so', async () => {
    village = await openVoteVillage()
    const v = village
    const p = await v.data.proposals.create({ id: 'proposal:path', title: '修三组的路', proposedBy: 'person:zhang', createdAt: T0 })
    const overwritten = {
      id: p.id, kind: 'proposal', v: 1, village: 'test-village', year: 2026, author: 'person:sup1', device: 'tablet-b', deviceTime: T0 + 1000, seq: 4, ref: '',
      body: { ...p, id: undefined, villageId: undefined, meta: undefined, title: '三组道路硬化（含排水沟）' },
    }
    await v.data.conflicts.create({
      id: 'conflict:tablet-b-4', subjectId: p.id, reason: 'concurrent-edit', winner: { device: 'tablet-test', seq: 9, author: 'person:clerk' },
      loser: JSON.parse(JSON.stringify(overwritten)), fields: ['title'], at: T0 + 2000,
    })
    const { wrapper: w } = await mountFeature(ConflictsView, { path: '/conflicts', pinia: v.pinia })
    const item = () => w.get('[data-testid="conflict-conflict:tablet-b-4"]')
    await eventually(() => w.find('[data-testid="conflict-conflict:tablet-b-4"]').exists())
    expect(item().text()).toContain('被两台平板同时修改')
    expect(item().text()).toContain('提议“三组道路硬化（含排水沟）”被两台平板同时修改')
    await item().get('[data-testid="outcome-restore-earlier"]').setValue(true)
    await item().get('[data-testid="conflict-reason"]').setValue('议事会确认应包括排水沟')
    await item().get('[data-testid="conflict-by"]').setValue('person:sup2')
    await item().get('form').trigger('submit')
    await eventually(() => w.find('[data-testid="conflicts-none"]').exists())
    expect((await v.data.proposals.get(p.id))!.title).toBe('三组道路硬化（含排水沟）')
    const [decision] = await v.data.decisions.list()
    expect(decision).toMatchObject({ subjectId: 'conflict:tablet-b-4', outcome: 'restore-earlier', by: 'person:sup2' })
  })

  it('says a record without a title by its kind, never its id', async () => {
    village = await openVoteVillage()
    const v = village
    const fund = await v.data.funds.create({ year: 2026, amount: 20_000_000, source: '专项资金' })
    const copy = { id: fund.id, kind: 'fund', v: 1, village: 'test-village', year: 2026, author: 'person:clerk', device: 'tablet-b', deviceTime: T0 + 1000, seq: 5, ref: '', body: { year: 2026, amount: 30_000_000, source: '专项资金' } }
    await v.data.conflicts.create({
      id: 'conflict:tablet-b-5', subjectId: fund.id, reason: 'concurrent-edit', winner: { device: 'tablet-test', seq: 9, author: 'person:clerk' },
      loser: JSON.parse(JSON.stringify(copy)), fields: ['amount'], at: T0 + 2000,
    })
    const { wrapper: w } = await mountFeature(ConflictsView, { path: '/conflicts', pinia: v.pinia })
    await eventually(() => w.find('[data-testid="conflict-conflict:tablet-b-5"] h3').exists())
    const head = w.get('[data-testid="conflict-conflict:tablet-b-5"] h3').text()
    expect(head).toBe('专项资金被两台平板同时修改')
    expect(head).not.toContain(fund.id)
  })
})
