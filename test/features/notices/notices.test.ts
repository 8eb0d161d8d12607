import * as D from '@/domain'
import { hubSignsRoles, withClerkKey, witnessedPersonKey } from '../votes/village'
import { useActingStore } from '@/stores/acting'
import { afterEach, describe, expect, it } from 'vitest'
import NoticesView from '@/features/notices/NoticesView.vue'
import NoticeView from '@/features/notices/NoticeView.vue'
import { useMeetingsStore } from '@/stores/meetings'
import { useNoticesStore } from '@/stores/notices'
import { useRosterStore } from '@/stores/roster'
import { useCycleStore } from '@/stores/cycle'
import { mountFeature } from '../support/mount'
import { eventually, openTestVillage } from '../support/village'
import { datetimeFormats } from '@/i18n/formats'

const DAY = 86_400_000
const T0 = Date.UTC(2026, 4, 1, 2)
let clock = T0
let village: Awaited<ReturnType<typeof openTestVillage>> | undefined
afterEach(async () => { await village?.close(); village = undefined; clock = T0 })

async function villageWithDecision() {
  village = await openTestVillage({ now: () => clock })
  const { pinia } = village
  const roster = useRosterStore(pinia)
  await roster.importRows([1, 2, 3].map((n) => ({ household: String(n), name: `委员${n}`, unit: '一组', roles: ['council-member' as const], adult: true, eligible: true, householdHead: true })))
  await eventually(() => roster.people.length === 3)
  const meetings = useMeetingsStore(pinia)
  const m = await meetings.schedule({ kind: 'village-council', title: '五月议事会', scheduledAt: T0, place: '村委会', unitId: '', memberCount: 3 })
  await eventually(() => !!meetings.byId(m.id))
  for (const p of roster.people) await meetings.checkIn(m.id, p.id)
  await eventually(() => meetings.present(m.id) === 3)
  await meetings.resolve(m.id, { agendaKey: '', motion: '修建村口路灯', yes: 3, no: 0, abstain: 0 })
  await eventually(() => meetings.resolutions.length === 1)
  return { ...village, meetingId: m.id }
}

describe('publishing a notice from the records', () => {
  it('drafts the decision notice from the meeting and its resolution, and publishes it for 7 days', async () => {
    const { pinia } = await villageWithDecision()
    const { wrapper, router } = await mountFeature(NoticesView, { pinia, path: '/notices' })
    await wrapper.get('[data-testid="notice-publish"]').trigger('click')
    await eventually(() => document.querySelector('[data-testid="notice-form"]') !== null)
    const form = document.querySelector('[data-testid="notice-form"]') as HTMLFormElement
    const body = (form.querySelector('[data-testid="notice-body"] textarea') as HTMLTextAreaElement).value
    expect((form.querySelector('[data-testid="notice-title"] input') as HTMLInputElement).value).toBe('决策公示：五月议事会')
    expect(body).toContain('修建村口路灯 — 通过（到会 3/3 人，赞成 3，反对 0，弃权 0）')
    form.dispatchEvent(new Event('submit'))
    await eventually(() => router.currentRoute.value.name === 'notice')
    const [n] = await village!.data.notices.list()
    expect(n).toMatchObject({ stage: 'decision', title: '决策公示：五月议事会', startAt: T0, endAt: T0 + 7 * DAY })
    wrapper.unmount()
  })
})

describe('the notice the cycle asks for', () => {
  it('comes first in the form: at the accounts step, the accounts notice is preselected', async () => {
    const { pinia } = await villageWithDecision()
    const cycle = useCycleStore(pinia)
    await cycle.start('')
    await eventually(() => cycle.state?.current === 'collect')
    await cycle.skipTo('publicise-accounts', '测试：直接到账目公开')
    await eventually(() => cycle.state?.current === 'publicise-accounts')
    const { wrapper } = await mountFeature(NoticesView, { pinia, path: '/notices' })
    await wrapper.get('[data-testid="notice-publish"]').trigger('click')
    await eventually(() => document.querySelector('[data-testid="notice-form"]') !== null)
    expect(document.querySelector('[data-testid="notice-stage-accounts"]')!.getAttribute('aria-pressed')).toBe('true')
    expect(document.querySelector('[data-testid="notice-stage-decision"]')!.getAttribute('aria-pressed')).toBe('false')
    wrapper.unmount()
  })
})

describe('the decision notice of a vote', () => {
  it('is drafted about the vote that funded the projects, so spending on them waits for it (not for a notice that can never come)', async () => {
    const { pinia, data } = await villageWithDecision()
    const vote = await data.votes.create({
      id: 'vote:2026', title: '2026 年公共服务项目', ballotType: 'approval', maxChoices: 2, budget: 10_000_000, rule: 'greedy',
      opensAt: T0 - DAY, closesAt: T0 - 60_000, roster: [], kind: 'project-selection',
      candidates: [{ id: 'project:lamps', title: '村口装路灯', cost: 3_000_000, proposalIds: [] }, { id: 'project:road', title: '修路', cost: 6_000_000, proposalIds: [] }],
    })
    const fund = await data.funds.create({ year: 2026, amount: 20_000_000, source: '公共服务专项资金' })
    await data.allocations.create({ fundId: fund.id, projectId: 'project:lamps', title: '村口装路灯', amount: 3_000_000, decidedBy: vote.id, at: T0 })
    const { wrapper, router } = await mountFeature(NoticesView, { pinia, path: '/notices' })
    await eventually(() => useNoticesStore(pinia).sources.allocations.length === 1)
    await wrapper.get('[data-testid="notice-publish"]').trigger('click')
    await eventually(() => document.querySelector('[data-testid="notice-stage-decision"]') !== null)
    ;(document.querySelector('[data-testid="notice-stage-decision"]') as HTMLButtonElement).click()
    await eventually(() => (document.querySelector('[data-testid="notice-title"] input') as HTMLInputElement | null)?.value === '决策公示：2026 年公共服务项目')
    const body = (document.querySelector('[data-testid="notice-body"] textarea') as HTMLTextAreaElement).value
    expect(body).toContain('1. 村口装路灯：¥30,000')
    expect(body).not.toContain('修路')
    document.querySelector('[data-testid="notice-form"]')!.dispatchEvent(new Event('submit'))
    await eventually(() => router.currentRoute.value.name === 'notice')
    // the rule the accounts screen and the township apply: the lamps now wait for this notice to run
    const coverage = D.decisionCoverage(await data.notices.list(), await data.votes.list(), await data.allocations.list())
    expect(D.spendingGate('project:lamps', coverage, [], T0 + DAY)).toMatchObject({ state: 'notice-running', until: T0 + 7 * DAY })
    expect(D.spendingGate('project:lamps', coverage, [], T0 + 8 * DAY).state).toBe('open')
    wrapper.unmount()
  })
})

describe('the decision notice of a vote closed early', () => {
  it('says when the vote was closed, not the end it was scheduled for', async () => {
    const { pinia, data } = await villageWithDecision()
    // scheduled for two weeks; the clerk closed it on the day, once everyone had voted
    const vote = await data.votes.create({
      id: 'vote:2026', title: '2026 年公共服务项目', ballotType: 'approval', maxChoices: 2, budget: 10_000_000, rule: 'greedy',
      opensAt: T0 - DAY, closesAt: T0 + 14 * DAY, roster: [], kind: 'project-selection',
      candidates: [{ id: 'project:lamps', title: '村口装路灯', cost: 3_000_000, proposalIds: [] }],
    })
    await data.votes.update(vote.id, { closedAt: T0 - 60_000 })
    const fund = await data.funds.create({ year: 2026, amount: 20_000_000, source: '公共服务专项资金' })
    await data.allocations.create({ fundId: fund.id, projectId: 'project:lamps', title: '村口装路灯', amount: 3_000_000, decidedBy: vote.id, at: T0 })
    const { wrapper } = await mountFeature(NoticesView, { pinia, path: '/notices' })
    await eventually(() => useNoticesStore(pinia).sources.allocations.length === 1 && useNoticesStore(pinia).sources.votes.some((v) => v.closedAt > 0))
    await wrapper.get('[data-testid="notice-publish"]').trigger('click')
    await eventually(() => document.querySelector('[data-testid="notice-stage-decision"]') !== null)
    ;(document.querySelector('[data-testid="notice-stage-decision"]') as HTMLButtonElement).click()
    await eventually(() => !!(document.querySelector('[data-testid="notice-body"] textarea') as HTMLTextAreaElement | null)?.value)
    const body = (document.querySelector('[data-testid="notice-body"] textarea') as HTMLTextAreaElement).value
    const zh = (ms: number) => new Intl.DateTimeFormat('zh-CN', datetimeFormats['zh-CN']!.dateTime).format(ms)
    expect(body).toContain(`投票已于 ${zh(T0 - 60_000)} 结束`)
    expect(body).not.toContain(zh(T0 + 14 * DAY))
    wrapper.unmount()
  })
})

describe('the accounts notice with an expense not yet co-signed', () => {
  it('names that expense on its project\'s line, so allocated − spent − waiting = what remains, as a villager checks it', async () => {
    const { pinia, data } = await villageWithDecision()
    const fund = await data.funds.create({ year: 2026, amount: 20_000_000, source: '公共服务专项资金' })
    await data.allocations.create({ fundId: fund.id, projectId: 'project:lamps', title: '村口装路灯', amount: 3_000_000, decidedBy: 'vote:2026', at: T0 })
    await data.ledger.create({ fundId: fund.id, projectId: 'project:lamps', kind: 'expense', amount: 500_000, payee: '五金店', description: '灯杆螺丝', at: T0, recordedBy: 'person:clerk' })
    const { wrapper } = await mountFeature(NoticesView, { pinia, path: '/notices' })
    await eventually(() => useNoticesStore(pinia).sources.ledger.length === 1)
    await wrapper.get('[data-testid="notice-publish"]').trigger('click')
    await eventually(() => document.querySelector('[data-testid="notice-stage-accounts"]') !== null)
    ;(document.querySelector('[data-testid="notice-stage-accounts"]') as HTMLButtonElement).click()
    await eventually(() => !!(document.querySelector('[data-testid="notice-body"] textarea') as HTMLTextAreaElement | null)?.value)
    const body = (document.querySelector('[data-testid="notice-body"] textarea') as HTMLTextAreaElement).value
    // was "安排 ¥30,000，支出 ¥0，结余 ¥25,000": ¥5,000 gone with no word of where
    expect(body).toContain('村口装路灯：安排 ¥30,000，支出 ¥0，待监事会会签 ¥5,000，结余 ¥25,000')
    wrapper.unmount()
  })
})

describe('the vote announcement before any vote exists', () => {
  it('sends the clerk to draft the vote first, from the cycle\'s line and from the form', async () => {
    const { pinia } = await villageWithDecision()
    const cycle = useCycleStore(pinia)
    await cycle.start('')
    await eventually(() => cycle.state?.current === 'collect')
    await cycle.skipTo('announce', '测试：直接到公布投票')
    await eventually(() => cycle.state?.current === 'announce')
    const { wrapper } = await mountFeature(NoticesView, { pinia, path: '/notices' })
    await eventually(() => wrapper.find('[data-testid="cycle-hint"]').exists())
    expect(wrapper.get('[data-testid="cycle-hint"] a').attributes('href')).toBe('/votes')
    await wrapper.get('[data-testid="notice-publish"]').trigger('click')
    await eventually(() => document.querySelector('[data-testid="notice-no-vote"]') !== null)
    const none = document.querySelector('[data-testid="notice-no-vote"]')!
    expect(none.textContent).toContain('先到“投票”里起草这次投票')
    expect(none.querySelector('a')!.getAttribute('href')).toBe('/votes/new')
    wrapper.unmount()
  })
})

describe('the publish form at an address', () => {
  it('opens at once for the stage and the vote the link names (home, the cycle, a vote: "去发布投票公告")', async () => {
    const { pinia, data } = await villageWithDecision()
    const draft = (id: string, title: string) => data.votes.create({
      id, title, ballotType: 'approval', maxChoices: 1, budget: 10_000_000, rule: 'greedy', opensAt: T0 + 8 * DAY, closesAt: T0 + 10 * DAY, roster: [], kind: 'project-selection',
      candidates: [{ id: 'project:lamps', title: '村口装路灯', cost: 3_000_000, proposalIds: [] }],
    })
    await draft('vote:a', '一组路灯投票')
    await draft('vote:b', '二组水渠投票')
    await eventually(() => useNoticesStore(pinia).sources.votes.length === 2)
    const { wrapper, router } = await mountFeature(NoticesView, { pinia, path: '/notices?publish=vote-announcement&subject=vote:b' })
    // no click on "publish": the form is there, for the vote announcement of the second vote
    await eventually(() => (document.querySelector('[data-testid="notice-title"] input') as HTMLInputElement | null)?.value.includes('二组水渠投票') ?? false)
    expect(document.querySelector('[data-testid="notice-stage-vote-announcement"]')!.getAttribute('aria-pressed')).toBe('true')
    document.querySelector('[data-testid="notice-form"]')!.dispatchEvent(new Event('submit'))
    await eventually(() => router.currentRoute.value.name === 'notice')
    // and stays on the published notice once the form has closed
    await new Promise((r) => setTimeout(r, 800))
    expect(router.currentRoute.value.name).toBe('notice')
    const [notice] = await data.notices.list()
    expect(notice).toMatchObject({ stage: 'vote-announcement', subjectId: 'vote:b' })
    wrapper.unmount()
  })
})

describe('why the next step waits', () => {
  it('says its reasons as clauses (；), not as a list of names (、)', async () => {
    const { pinia, meetingId } = await villageWithDecision()
    const notices = useNoticesStore(pinia)
    const n = await notices.publish({ stage: 'decision', subjectId: meetingId, title: '五月议事会决定', body: '村口装路灯', days: 7 })
    await notices.object(n.id, useRosterStore(pinia).people[0]!.id, '路灯应该也照到二组')
    const { wrapper } = await mountFeature(NoticeView, { pinia, props: { id: n.id } })
    await eventually(() => wrapper.find('[data-testid="notice-proceed"]').exists() && wrapper.get('[data-testid="notice-proceed"]').text().includes('异议'))
    expect(wrapper.get('[data-testid="notice-proceed"]').text()).toMatch(/^还不能进行下一步：\s*公示要到 .+ 才结束（还剩 7 天）；还有 1 条异议没有答复$/)
    wrapper.unmount()
  })
})

describe('a running notice', () => {
  it('counts down, takes objections during its window, and lets the next step proceed only when all are answered', async () => {
    const { pinia, meetingId } = await villageWithDecision()
    const notices = useNoticesStore(pinia)
    const n = await notices.publish({ stage: 'decision', subjectId: meetingId, title: 'Decision: May council', body: 'Street lights at the gate', days: 7 })
    clock = T0 + 2 * DAY
    notices.clock = clock
    const { wrapper } = await mountFeature(NoticeView, { pinia, props: { id: n.id }, locale: 'en' })
    await eventually(() => wrapper.find('[data-testid="notice-sheet"]').exists())
    expect(wrapper.get('[data-testid="notice-countdown"]').text()).toContain('5 days left')
    expect(wrapper.get('[data-testid="notice-proceed"]').attributes('data-ok')).toBe('false')

    await wrapper.get('[data-testid="objection-by"]').setValue(useRosterStore(pinia).people.find((p) => p.name === '委员1')!.id)
    await wrapper.get('[data-testid="objection-text"] textarea').setValue('The lights should also cover group 2')
    await wrapper.get('[data-testid="objection-form"]').trigger('submit')
    await eventually(() => wrapper.findAll('[data-testid="objection"]').length === 1)
    expect(wrapper.get('[data-testid="objection"]').text()).toContain('委员1')
    expect(wrapper.get('[data-testid="objection"]').text()).toContain('unanswered')

    await wrapper.get('[data-testid="objection-answer-text"] textarea').setValue('Group 2 gets two lights in the next round')
    await wrapper.get('.objection-reply').trigger('submit')
    await eventually(() => wrapper.find('[data-testid="objection-answer"]').exists())

    clock = T0 + 8 * DAY
    notices.clock = clock
    await eventually(() => wrapper.get('[data-testid="notice-proceed"]').attributes('data-ok') === 'true')
    expect(wrapper.get('[data-testid="notice-countdown"]').text()).toContain('ended')
    expect(wrapper.find('[data-testid="objection-form"]').exists()).toBe(false)
    // The domain refuses an objection once the window has ended.
    await expect(notices.object(n.id, '', 'too late')).rejects.toThrow(/objections to "Decision: May council" are taken from/)
    wrapper.unmount()
  })

  it('refuses an objection too long to keep in Chinese words beside the form, keeping what was typed', async () => {
    const { pinia, meetingId } = await villageWithDecision()
    const notices = useNoticesStore(pinia)
    const n = await notices.publish({ stage: 'decision', subjectId: meetingId, title: '五月议事会决定', body: '村口装路灯', days: 7 })
    const { wrapper } = await mountFeature(NoticeView, { pinia, props: { id: n.id } })
    await eventually(() => wrapper.find('[data-testid="objection-form"]').exists())
    const long = '灯'.repeat(5001)
    await wrapper.get('[data-testid="objection-text"] textarea').setValue(long)
    await wrapper.get('[data-testid="objection-form"]').trigger('submit')
    await eventually(() => wrapper.find('[data-testid="objection-problem"]').exists())
    expect(wrapper.get('[data-testid="objection-problem"]').text()).toBe('“内容”最多 5000 个字，现在有 5001 个')
    expect((wrapper.get('[data-testid="objection-text"] textarea').element as HTMLTextAreaElement).value).toBe(long)
    // Each person is offered by name, with their household only as people say it.
    expect(wrapper.get('[data-testid="objection-by"]').text()).toContain('委员1（第 1 户）')
    wrapper.unmount()
  })

  // key derivation (PBKDF2: the clerk's key, then the supervisor's) is slow on a busy machine
  it('is published again when the supervisory committee orders it, with the reason on record', { timeout: 60_000 }, async () => {
    const { pinia, meetingId, data } = await villageWithDecision()
    // The order is the supervisory committee's: a supervisor types their own passphrase.
    // the clerk, whose certified key witnesses the supervisor's
    await useRosterStore(pinia).importRows([
      { household: '9', name: '李监事', unit: '一组', roles: ['supervisor'], adult: true, eligible: true, householdHead: true },
      { household: '8', name: '王文书', unit: '一组', roles: ['clerk'], adult: true, eligible: true, householdHead: true },
    ])
    await eventually(() => useRosterStore(pinia).people.length === 5)
    const sup = useRosterStore(pinia).people.find((p) => p.name === '李监事')!
    const clerkId = useRosterStore(pinia).people.find((p) => p.name === '王文书')!.id
    await withClerkKey(data, globalThis.localStorage, T0 - 2 * DAY, clerkId)
    // the imported roles wait for a signature: the hub signs them (as its roles route does)
    await hubSignsRoles(data, globalThis.localStorage, [sup.id, clerkId])
    await data.personKeys.create({ ...await witnessedPersonKey(data, globalThis.localStorage, { personId: sup.id, passphrase: '李家院子的口令', createdAt: T0 - DAY }) })
    const notices = useNoticesStore(pinia)
    const n = await notices.publish({ stage: 'accounts', subjectId: meetingId, title: '账目公示', body: '……', days: 7 })
    const { wrapper, router } = await mountFeature(NoticeView, { pinia, props: { id: n.id } })
    await eventually(() => wrapper.find('[data-testid="notice-republish"]').exists())
    await wrapper.get('[data-testid="notice-republish"]').trigger('click')
    await wrapper.get('[data-testid="notice-republish-reason"] textarea').setValue('公示地点太偏，很多村民没看到')
    clock = T0 + DAY
    await wrapper.get('.republish form').trigger('submit')
    const acting = useActingStore(pinia)
    await eventually(() => acting.request?.act === 'notice.republish')
    expect(acting.request?.candidates.map((c) => c.name)).toEqual(['李监事'])
    expect(await acting.answer(sup.id, '李家院子的口令')).toEqual({ ok: true })
    await eventually(() => router.currentRoute.value.name === 'notice')
    const all = await village!.data.notices.list()
    const again = all.find((x) => x.republishes === n.id)!
    expect(again).toMatchObject({ title: '账目公示', startAt: T0 + DAY, endAt: T0 + 8 * DAY })
    const [order] = await village!.data.decisions.list()
    expect(order).toMatchObject({ subjectId: n.id, outcome: 'republish', reason: '公示地点太偏，很多村民没看到', by: sup.id, meta: { author: sup.id } })
    wrapper.unmount()
    // the notice posted again says who ordered it and why, on the sheet a villager reads (and prints)
    const shown = (await mountFeature(NoticeView, { pinia, props: { id: again.id } })).wrapper
    await eventually(() => shown.find('[data-testid="notice-republished-why"]').exists())
    expect(shown.get('[data-testid="notice-sheet"] [data-testid="notice-republished-why"]').text()).toBe('监事会（李监事）要求重新公示，理由：公示地点太偏，很多村民没看到')
    shown.unmount()
  })
})
