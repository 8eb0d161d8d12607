import { afterEach, describe, expect, it } from 'vitest'
import { createPinia } from 'pinia'
import { flushPromises } from '@vue/test-utils'
import HomeView from '@/features/home/HomeView.vue'
import HomeSyncCard from '@/features/home/HomeSyncCard.vue'
import { useSyncStore } from '@/stores/sync'
import { plainReason } from '@/data'
import { NO_FIGURES } from '@/data/link'
import { useSessionStore } from '@/stores/session'
import { useRosterStore } from '@/stores/roster'
import { useCycleStore } from '@/stores/cycle'
import { useActingStore } from '@/stores/acting'
import { mountFeature } from '../support/mount'
import { eventually, openTestVillage, VILLAGE } from '../support/village'

let village: Awaited<ReturnType<typeof openTestVillage>> | undefined
afterEach(async () => { await village?.close(); village = undefined })

const next = () => document.querySelector('[data-testid="home-next"]')

describe('home tells a new clerk what to do next', () => {
  it('on a tablet not enrolled: enroll it first', async () => {
    const { wrapper } = await mountFeature(HomeView, { pinia: createPinia() })
    expect(next()?.getAttribute('data-next')).toBe('enroll')
    expect(wrapper.get('[data-testid="home-next-go"]').text()).toContain('登记本平板')
    expect(wrapper.get('[data-testid="home-next-go"]').attributes('href')).toBe('/device/enroll')
    // Township staff do not enroll a village tablet: the same card tells them where their own screen is.
    const staff = wrapper.get('[data-testid="home-next"] [data-testid="home-next-township"]')
    expect(staff.text()).toContain('镇上工作人员请到这里')
    expect(staff.attributes('href')).toBe('/township')
    wrapper.unmount()
  })

  it('then the roster, then starting the cycle, then each step with a link to where it is done', async () => {
    village = await openTestVillage({ locked: true })
    const session = useSessionStore(village.pinia)
    session.setEnrollment({ villageId: VILLAGE, villageName: '清波村', townshipName: 'huayuan', deviceId: 'tablet-test' })
    const { wrapper } = await mountFeature(HomeView, { pinia: village.pinia })
    // The village by its name, without the township's id in front.
    expect(wrapper.get('[data-testid="village"]').text()).toBe('清波村')
    // Nobody unlocked: the way to unlock is shown.
    expect(wrapper.get('[data-testid="home-clerk"]').text()).toContain('文书用密码解锁')

    // The card is loaded with the village's stores (its own chunk): the first time takes a moment.
    await eventually(() => next()?.getAttribute('data-next') === 'roster', 15_000)
    expect(next()!.textContent).toContain('先把本村的村民名册放进来')
    expect(wrapper.get('[data-testid="home-next-go"]').attributes('href')).toBe('/roster/import')

    // The clerk types their PIN (as on the unlock screen): they act, and home says so.
    useActingStore(village.pinia).begin({ id: 'person:clerk', name: '王文书', roles: ['clerk'] })
    await eventually(() => wrapper.get('[data-testid="home-clerk"]').text().includes('文书：王文书（已解锁）'))
    await useRosterStore(village.pinia).importRows([{ household: '1', name: '张三', unit: '一组', roles: ['council-member'], adult: true, eligible: true, householdHead: true }])
    await eventually(() => next()?.getAttribute('data-next') === 'start')
    expect(wrapper.get('[data-testid="home-next-go"]').attributes('href')).toBe('/cycle')

    await useCycleStore(village.pinia).start('')
    await eventually(() => next()?.getAttribute('data-next') === 'collect')
    expect(next()!.textContent).toContain('现在是第 1 步（共 8 步）：收集提议（上）。')
    expect(wrapper.get('[data-testid="home-next-go"]').attributes('href')).toBe('/proposals')

    // What needs the council's attention shows on home, whatever the step: a double vote sync found.
    expect(document.querySelector('[data-testid="home-attention"]')).toBeNull()
    await village.data.conflicts.create({ id: 'conflict:dev-b-3.dev-a-2', subjectId: 'checkoff:lights:zhang', reason: 'double-checkoff', winner: { device: 'dev-a', seq: 2 }, loser: { device: 'dev-b', seq: 3, body: { voterId: 'person:zhang' } }, fields: [], at: Date.now() })
    await eventually(() => document.querySelector('[data-testid="home-attention-doubleVotes"]') !== null)
    expect(document.querySelector('[data-testid="home-attention-doubleVotes"]')!.textContent).toContain('有 1 位村民在两台平板上都领了票')
    expect(document.querySelector('[data-testid="home-attention-doubleVotes"] a')!.getAttribute('href')).toBe('/conflicts')
    // The same voter seen on a third tablet leaves a second conflict record: still one villager, one double vote (the domain's count).
    await village.data.conflicts.create({ id: 'conflict:dev-c-4.dev-a-2', subjectId: 'checkoff:lights:zhang', reason: 'double-checkoff', winner: { device: 'dev-a', seq: 2 }, loser: { device: 'dev-c', seq: 4, body: { voterId: 'person:zhang' } }, fields: [], at: Date.now() })
    await eventually(() => useCycleStore(village!.pinia).records.conflicts.length === 2)
    await flushPromises()
    expect(document.querySelector('[data-testid="home-attention-doubleVotes"]')!.textContent).toContain('有 1 位村民在两台平板上都领了票')

    // The lock button: nobody acts any more, and home shows the way to unlock again.
    useActingStore(village.pinia).lock()
    await eventually(() => wrapper.get('[data-testid="home-clerk"]').text().includes('文书用密码解锁'))
    wrapper.unmount()
  })
})

describe('home at the vote steps says where the vote stands', () => {
  it('draft it, then publish its announcement (a link to the form), then it runs, then it is open — early too', async () => {
    village = await openTestVillage({ locked: true })
    const v = village
    useSessionStore(v.pinia).setEnrollment({ villageId: VILLAGE, villageName: '清波村', townshipName: 'huayuan', deviceId: 'tablet-test' })
    useActingStore(v.pinia).begin({ id: 'person:clerk', name: '王文书', roles: ['clerk'] })
    await useRosterStore(v.pinia).importRows([{ household: '1', name: '张三', unit: '一组', roles: ['council-member'], adult: true, eligible: true, householdHead: true }])
    const cycle = useCycleStore(v.pinia)
    await cycle.start('')
    await eventually(() => cycle.state !== null)
    await cycle.skipTo('announce', '前三步已经在纸上做完')
    const { wrapper } = await mountFeature(HomeView, { pinia: v.pinia })
    const go = () => wrapper.get('[data-testid="home-next-go"]')
    await eventually(() => next()?.getAttribute('data-next') === 'announce', 15_000)
    expect(next()!.textContent).toContain('先起草投票')
    expect(go().attributes('href')).toBe('/votes/new')

    const now = Date.now()
    const DAY = 24 * 3_600_000
    const vote = await v.data.votes.create({
      title: '2026 年公共服务项目', ballotType: 'approval', maxChoices: 1, budget: 10_000_000, rule: 'greedy', kind: 'project-selection',
      opensAt: now + 8 * DAY, closesAt: now + 10 * DAY, roster: [], candidates: [{ id: 'project:lamps', title: '村口装路灯', cost: 3_000_000, proposalIds: [] }],
    })
    // drafted: not "draft the vote" any more, but publish its announcement — the form itself, for this vote
    await eventually(() => next()!.textContent!.includes('投票已经起草好了'))
    expect(next()!.textContent).not.toContain('先起草投票')
    expect(go().text()).toContain('去发布投票公告')
    expect(go().attributes('href')).toBe(`/notices?publish=vote-announcement&subject=${vote.id}`)

    await v.data.notices.create({ stage: 'vote-announcement', subjectId: vote.id, title: '投票公告', body: '', startAt: now, endAt: now + 7 * DAY, republishes: '' })
    await eventually(() => next()!.textContent!.includes('投票公告正在公示'))
    expect(decodeURIComponent(go().attributes('href')!)).toBe(`/votes/${vote.id}`)

    // opened early, with the reason on record: home says it is open, and early
    await v.data.overrides.create({ procedureId: cycle.state!.id, step: 'announce', action: 'early', subjectId: vote.id, personId: 'person:clerk', reason: '农忙前必须投完', at: now })
    await v.data.votes.update(vote.id, { opensAt: now, closesAt: now + 2 * DAY })
    await eventually(() => next()!.textContent!.includes('投票已经提前开始'))
    expect(next()!.textContent).not.toContain('先起草投票')
    // the early reason answers for the step: home sends the clerk to the cycle to mark it done
    expect(next()!.textContent).toContain('这一步已经写明理由提前做了')
    expect(go().attributes('href')).toBe('/cycle')
    // closed and the money allocated: still no "draft the vote", still the cycle
    await v.data.votes.update(vote.id, { closedAt: Date.now() })
    await eventually(() => next()!.textContent!.includes('投票已经结束'))
    expect(next()!.textContent).not.toContain('先起草投票')
    expect(next()!.textContent).toContain('这一步已经写明理由提前做了')
    expect(go().attributes('href')).toBe('/cycle')
    wrapper.unmount()
  })
})

describe('home counts in the reader\'s numbers', () => {
  it('writes a large count of records waiting as 1,234, not 1234', async () => {
    const pinia = createPinia()
    const sync = useSyncStore(pinia)
    sync.setOnline(true)
    sync.update({ phase: 'idle', lastSyncAt: null, lastError: null, ackedSeq: 0, clockSkewMs: 0, link: NO_FIGURES, toReceive: null, pending: 1234 })
    const { wrapper } = await mountFeature(HomeSyncCard, { pinia })
    await flushPromises()
    expect(wrapper.text()).toContain('1,234')
    expect(wrapper.text()).not.toContain('1234')
    wrapper.unmount()
  })
})

describe('home says why a sync failed, in the reader\'s language', () => {
  it('in Chinese, by the hub\'s answer, never with the sync\'s English reason', async () => {
    const pinia = createPinia()
    const sync = useSyncStore(pinia)
    sync.setOnline(true)
    const state = { phase: 'error', lastSyncAt: null, ackedSeq: 0, clockSkewMs: null, link: NO_FIGURES, toReceive: null } as const
    const { wrapper } = await mountFeature(HomeSyncCard, { pinia })
    const cases: [number, string][] = [
      [0, '连不上乡镇服务器：记录都保存在本平板上，有网络时会自动同步'],
      [401, '乡镇服务器不再认这台平板（登记被撤销或过期）：请重新登记本平板'],
      [503, '乡镇服务器出了问题：过一会儿会自动再试'],
    ]
    for (const [status, said] of cases) {
      sync.update({ ...state, lastError: plainReason(status, 'Service Unavailable'), lastErrorStatus: status })
      await flushPromises()
      const card = wrapper.get('[data-testid="sync-state"]').text()
      expect(card).toContain(said)
      expect(card).not.toMatch(/[A-Za-z]/)
    }
    wrapper.unmount()
  })
})
