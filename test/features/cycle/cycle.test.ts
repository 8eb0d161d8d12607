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
    expect(hint.text()).toContain('议事流程：第 1 步 收集提议（上）。')
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
