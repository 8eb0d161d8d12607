import { afterEach, describe, expect, it } from 'vitest'
import CycleView from '@/features/cycle/CycleView.vue'
import ProposalsView from '@/features/proposals/ProposalsView.vue'
import MeetingsView from '@/features/meetings/MeetingsView.vue'
import { useProposalsStore } from '@/stores/proposals'
import { useCycleStore } from '@/stores/cycle'
import { useRosterStore } from '@/stores/roster'
import { mountFeature } from '../support/mount'
import { eventually, openTestVillage } from '../support/village'

let village: Awaited<ReturnType<typeof openTestVillage>> | undefined
afterEach(async () => { await village?.close(); village = undefined })

async function cycleScreen(locale: 'zh-CN' | 'en' = 'zh-CN') {
  village = await openTestVillage({ actor: 'person:clerk-wang' })
  const mounted = await mountFeature(CycleView, { pinia: village.pinia, path: '/cycle', locale })
  return mounted
}
const steps = (w: Awaited<ReturnType<typeof cycleScreen>>['wrapper']) => w.findAll('[data-testid="cycle-step"]').map((s) => s.attributes('data-status'))

describe('the cycle at a glance', () => {
  it('starts the default procedure and says what the first step still needs', async () => {
    const { wrapper } = await cycleScreen()
    expect(wrapper.text()).toContain('本村流程：两下三上三公开')
    await wrapper.get('[data-testid="cycle-start"]').trigger('click')
    await eventually(() => wrapper.find('[data-testid="cycle-current-step"]').exists())
    expect(wrapper.get('[data-testid="cycle-current-step"]').text()).toBe('收集提议（上）')
    expect(wrapper.get('[data-testid="cycle-unmet"]').text()).toContain('还没有收集到提议')
    expect(wrapper.get('[data-testid="cycle-complete"]').attributes('disabled')).toBeDefined()
    expect(steps(wrapper)).toEqual(['current', ...Array(7).fill('upcoming')])

    await useProposalsStore(village!.pinia).add({ title: '修路', description: '', category: 'road', unitId: '', estimatedCost: 0, photos: [], voiceNote: '' })
    await eventually(() => wrapper.find('[data-testid="cycle-ready"]').exists())
    await wrapper.get('[data-testid="cycle-complete"]').trigger('click')
    await eventually(() => wrapper.get('[data-testid="cycle-current-step"]').text() === '反馈意见（下）')
    expect(steps(wrapper).slice(0, 2)).toEqual(['done', 'current'])
    wrapper.unmount()
  })

  it('forces or skips a step only with a reason, and shows every override with who and why', async () => {
    const { wrapper } = await cycleScreen('en')
    const roster = useRosterStore(village!.pinia)
    await roster.importRows([{ household: '9', name: 'Wang Clerk', unit: 'Group 1', roles: ['clerk'], adult: true, eligible: true, householdHead: false }])
    await useCycleStore(village!.pinia).start('')
    await eventually(() => wrapper.find('[data-testid="cycle-current-step"]').exists())
    expect(wrapper.get('[data-testid="cycle-overrides"]').text()).toContain('No step was skipped or forced.')

    await wrapper.get('[data-testid="cycle-proceed"]').trigger('click')
    await wrapper.get('[data-testid="cycle-reason"] textarea').setValue('ok')
    expect(wrapper.get('[data-testid="cycle-override-confirm"]').attributes('disabled')).toBeDefined()
    await wrapper.get('[data-testid="cycle-reason"] textarea').setValue('Needs were collected on paper at the spring meeting')
    await wrapper.get('.current-override form').trigger('submit')
    await eventually(() => wrapper.get('[data-testid="cycle-current-step"]').text() === 'Feed back (down)')
    expect(steps(wrapper)[0]).toBe('forced')

    const overrides = await village!.data.overrides.list()
    expect(overrides).toHaveLength(1)
    expect(overrides[0]).toMatchObject({ action: 'proceed', step: 'collect', personId: 'person:clerk-wang', reason: 'Needs were collected on paper at the spring meeting' })
    const line = wrapper.get('[data-testid="cycle-override"]').text()
    expect(line).toContain('forced through "Collect proposals (up)". Reason: Needs were collected on paper at the spring meeting')
    wrapper.unmount()
  })
})

describe('a refusal on the cycle screen', () => {
  it('asks the reason for going ahead early once: the vote opened early answers for its step, shown as the override', async () => {
    const { wrapper } = await cycleScreen()
    const v = village!
    const cycle = useCycleStore(v.pinia)
    await cycle.start('')
    await eventually(() => cycle.state !== null)
    await cycle.skipTo('announce', '前三步已经在纸上做完')
    const now = Date.now()
    const DAY = 24 * 3_600_000
    const vote = await v.data.votes.create({
      title: '2026 年公共服务项目', ballotType: 'approval', maxChoices: 1, budget: 10_000_000, rule: 'greedy', kind: 'project-selection',
      opensAt: now + 7 * DAY, closesAt: now + 9 * DAY, roster: [], candidates: [{ id: 'project:lamps', title: '村口装路灯', cost: 3_000_000, proposalIds: [] }],
    })
    await v.data.notices.create({ stage: 'vote-announcement', subjectId: vote.id, title: '投票公告', body: '', startAt: now, endAt: now + 7 * DAY, republishes: '' })
    await eventually(() => wrapper.find('[data-testid="cycle-unmet"]').exists() && wrapper.get('[data-testid="cycle-unmet"]').text().includes('公示要到'))
    expect(wrapper.get('[data-testid="cycle-complete"]').attributes('disabled')).toBeDefined()

    // the vote screen opens the vote early, with the reason (CycleEarly): the only time it is typed
    const early = await cycle.takeEarly(vote.id, 'announce', '纸质公告已在公开栏张贴 7 天')
    await eventually(() => wrapper.find('[data-testid="cycle-early-covers"]').exists())
    expect(wrapper.get('[data-testid="cycle-early-covers"]').text()).toContain('纸质公告已在公开栏张贴 7 天')
    expect(wrapper.find('[data-testid="cycle-proceed"]').exists()).toBe(false)
    expect(wrapper.get('[data-testid="cycle-complete"]').attributes('disabled')).toBeUndefined()
    await wrapper.get('[data-testid="cycle-complete"]').trigger('click')
    await eventually(() => wrapper.get('[data-testid="cycle-current-step"]').text() === '投票决定（上）')
    // no second override: the step is recorded as forced by the early one
    expect((await v.data.overrides.list()).map((o) => o.action).sort()).toEqual(['early', 'skip'])
    expect(cycle.state!.history.at(-1)).toMatchObject({ step: 'announce', overrideId: early.id })
    expect(steps(wrapper)[3]).toBe('forced')
    wrapper.unmount()
  })

  it('says in Chinese why an override was not recorded (a reason longer than the record keeps)', async () => {
    const { wrapper } = await cycleScreen()
    const roster = useRosterStore(village!.pinia)
    await roster.importRows([{ household: '9', name: '王文书', unit: '一组', roles: ['clerk'], adult: true, eligible: true, householdHead: false }])
    await useCycleStore(village!.pinia).start('')
    await eventually(() => wrapper.find('[data-testid="cycle-proceed"]').exists())
    await wrapper.get('[data-testid="cycle-proceed"]').trigger('click')
    await wrapper.get('[data-testid="cycle-reason"] textarea').setValue('纸'.repeat(2001))
    await wrapper.get('.current-override form').trigger('submit')
    await eventually(() => wrapper.find('.current-problem').exists())
    expect(wrapper.get('.current-problem').text()).toBe('“理由”最多 2000 个字，现在有 2001 个')
    expect(wrapper.get('[data-testid="cycle-current-step"]').text()).toBe('收集提议（上）')
    wrapper.unmount()
  })
})

describe('the step of the cycle, on the screens where the work is done', () => {
  it('tells the proposals screen it is its turn, and sends the meetings screen to where the work is', async () => {
    village = await openTestVillage()
    const proposals = await mountFeature(ProposalsView, { pinia: village.pinia, path: '/proposals' })
    // Before the cycle starts, nothing to say.
    expect(proposals.wrapper.find('[data-testid="cycle-hint"]').exists()).toBe(false)
    await useCycleStore(village.pinia).start('')
    await eventually(() => proposals.wrapper.find('[data-testid="cycle-hint"]').exists())
    const hint = proposals.wrapper.get('[data-testid="cycle-hint"]')
    expect(hint.attributes('data-mine')).toBe('true')
    expect(hint.text()).toContain('议事流程：第 1 步，收集提议（上）。')
    expect(hint.text()).toContain('到“提议”里记下村民的需求。')
    expect(hint.get('a').attributes('href')).toBe('/cycle')
    proposals.wrapper.unmount()

    const meetings = await mountFeature(MeetingsView, { pinia: village.pinia, path: '/meetings' })
    await eventually(() => meetings.wrapper.find('[data-testid="cycle-hint"]').exists())
    expect(meetings.wrapper.get('[data-testid="cycle-hint"]').attributes('data-mine')).toBe('false')
    expect(meetings.wrapper.get('[data-testid="cycle-hint"] a').attributes('href')).toBe('/proposals')
    meetings.wrapper.unmount()
  })
})

describe('the council step, on the meetings screen', () => {
  it('says the chair and a supervisor sign with their own passphrases, set up before the meeting, and that the clerk\'s key needs the hub once', async () => {
    village = await openTestVillage({ actor: 'person:clerk' })
    const cycle = useCycleStore(village.pinia)
    await cycle.start('')
    await eventually(() => cycle.state !== null)
    await cycle.skipTo('deliberate', '提议已经在纸上收齐了')
    const meetings = await mountFeature(MeetingsView, { pinia: village.pinia, path: '/meetings' })
    await eventually(() => meetings.wrapper.find('[data-testid="cycle-hint"]').exists() && meetings.wrapper.get('[data-testid="cycle-hint"]').attributes('data-mine') === 'true')
    const hint = meetings.wrapper.get('[data-testid="cycle-hint"]').text()
    expect(hint).toContain('主持人和一位监事')
    expect(hint).toContain('各自输入本人口令')
    expect(hint).toContain('开会前')
    expect(hint).toContain('文书自己的钥匙要联网，经乡镇服务器确认一次')
    // a passphrase is 口令, a PIN is 密码: the hint says no 密码
    expect(hint).not.toContain('密码')
    meetings.wrapper.unmount()
  })
})

describe('after a vote opened early and closed', () => {
  it('no screen sends the clerk back to draft the vote: each says to mark the step done on the cycle', async () => {
    const { wrapper } = await cycleScreen()
    const v = village!
    const cycle = useCycleStore(v.pinia)
    await cycle.start('')
    await eventually(() => cycle.state !== null)
    await cycle.skipTo('announce', '前三步已经在纸上做完')
    const now = Date.now()
    const DAY = 24 * 3_600_000
    const vote = await v.data.votes.create({
      title: '2026 年公共服务项目', ballotType: 'approval', maxChoices: 1, budget: 10_000_000, rule: 'greedy', kind: 'project-selection',
      opensAt: now - 2 * DAY, closesAt: now + DAY, roster: [], candidates: [{ id: 'project:lamps', title: '村口装路灯', cost: 3_000_000, proposalIds: [] }],
    })
    await v.data.notices.create({ stage: 'vote-announcement', subjectId: vote.id, title: '投票公告', body: '', startAt: now - 3 * DAY, endAt: now + 4 * DAY, republishes: '' })
    await cycle.takeEarly(vote.id, 'announce', '农忙前必须投完')
    await v.data.votes.update(vote.id, { closedAt: now - DAY })
    await eventually(() => wrapper.find('[data-testid="cycle-early-covers"]').exists())
    // the cycle screen: the early reason answers for the step, and no "draft the vote first"
    expect(wrapper.get('[data-testid="cycle-current"]').text()).not.toContain('先起草投票')
    wrapper.unmount()

    // a feature screen's one line: the way on is the cycle, not back to the votes
    const proposals = await mountFeature(ProposalsView, { pinia: v.pinia, path: '/proposals' })
    await eventually(() => proposals.wrapper.find('[data-testid="cycle-hint"]').exists())
    const hint = proposals.wrapper.get('[data-testid="cycle-hint"]')
    expect(hint.text()).toContain('这一步已经写明理由提前做了')
    expect(hint.text()).toContain('到议事流程标为完成')
    expect(hint.get('a').attributes('href')).toBe('/cycle')
    proposals.wrapper.unmount()
  })

  it('without an early reason for this cycle, says the vote already started and the step waits to be forced with a reason', async () => {
    const { wrapper } = await cycleScreen()
    const v = village!
    const cycle = useCycleStore(v.pinia)
    await cycle.start('')
    await eventually(() => cycle.state !== null)
    await cycle.skipTo('announce', '前三步已经在纸上做完')
    const now = Date.now()
    const DAY = 24 * 3_600_000
    const vote = await v.data.votes.create({
      title: '2026 年公共服务项目', ballotType: 'approval', maxChoices: 1, budget: 10_000_000, rule: 'greedy', kind: 'project-selection',
      opensAt: now - 2 * DAY, closesAt: now + DAY, roster: [], candidates: [{ id: 'project:lamps', title: '村口装路灯', cost: 3_000_000, proposalIds: [] }],
    })
    await v.data.notices.create({ stage: 'vote-announcement', subjectId: vote.id, title: '投票公告', body: '', startAt: now - 3 * DAY, endAt: now + 4 * DAY, republishes: '' })
    // the early reason was recorded before this cycle began (another cycle's record)
    await v.data.overrides.create({ procedureId: 'procedure:older', step: 'announce', action: 'early', subjectId: vote.id, personId: 'person:clerk-wang', reason: '农忙前必须投完', at: now - 2 * DAY })
    await eventually(() => wrapper.find('[data-testid="cycle-advice"]').exists())
    expect(wrapper.get('[data-testid="cycle-advice"]').text()).toContain('投票已经开始了')
    expect(wrapper.get('[data-testid="cycle-current"]').text()).not.toContain('先起草投票')
    wrapper.unmount()
  })
})

describe('what the cycle counts as co-signed', () => {
  it('counts only co-signatures the supervisor signed with their own key, as the accounts screen and the township do', async () => {
    village = await openTestVillage({ actor: 'person:clerk-wang' })
    const sup = await useRosterStore(village.pinia).addPerson({ household: '5', name: '赵监事', unit: '一组', roles: ['supervisor'], adult: true, eligible: true, householdHead: true })
    const entry = await village.data.ledger.create({ fundId: 'fund:2026', projectId: 'project:lamps', kind: 'expense', amount: 50_000, payee: '电工', description: '路灯材料', at: Date.now(), recordedBy: 'person:clerk-wang' })
    const cycle = useCycleStore(village.pinia)
    await eventually(() => cycle.attention.uncosigned === 1)
    // A co-signature record naming the supervisor but carrying no signature of theirs (anyone holding the tablet could write it).
    await village.data.cosignatures.create({ ledgerId: entry.id, supervisorId: sup.id, approve: true, note: '', at: Date.now() })
    await eventually(() => cycle.records.cosignatures.length === 1)
    expect(cycle.attention.uncosigned).toBe(1)
    expect(cycle.facts.uncosignedLedgerEntries).toBe(1)
  })
})
