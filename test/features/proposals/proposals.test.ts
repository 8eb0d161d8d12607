import { describe, expect, it } from 'vitest'
import ProposalNewView from '@/features/proposals/ProposalNewView.vue'
import ProposalsView from '@/features/proposals/ProposalsView.vue'
import ProposalDetailView from '@/features/proposals/ProposalDetailView.vue'
import { useProposalsStore } from '@/stores/proposals'
import { useSessionStore } from '@/stores/session'
import { afterEach } from 'vitest'
import { mountFeature, flushPromises } from '../support/mount'
import { eventually, openTestVillage } from '../support/village'

let village: Awaited<ReturnType<typeof openTestVillage>> | undefined
afterEach(async () => { await village?.close(); village = undefined })
async function open() { village = await openTestVillage(); return village }

const T0 = Date.UTC(2026, 2, 1)

describe('capturing a proposal', () => {
  it('refuses a negative or non-numeric cost and an over-long title beside the field, keeps what was typed, and saves nothing', async () => {
    const { pinia, data } = await open()
    const { wrapper: w } = await mountFeature(ProposalNewView, { path: '/proposals/new', pinia })
    const long = '路'.repeat(1050)
    await w.get('[data-testid="proposal-title"] input').setValue(long)
    await w.get('[data-testid="category-road"]').trigger('click')
    for (const bad of ['-500', 'abc']) {
      await w.get('[data-testid="proposal-cost"] input').setValue(bad)
      await w.get('[data-testid="proposal-form"]').trigger('submit')
      await flushPromises()
      expect(w.get('[data-testid="proposal-cost"]').text()).toContain('请填一个不小于 0 的钱数')
      // its examples written as every sum of money is (the app's number format), and so accepted back
      expect(w.get('[data-testid="proposal-cost"]').text()).toContain('例如 30,000 或 30,000.50（单位：元）')
      expect((w.get('[data-testid="proposal-cost"] input').element as HTMLInputElement).value).toBe(bad)
    }
    expect(w.get('[data-testid="proposal-title"]').text()).toContain('标题太长了（1,050 个字，最多 200 个字）')
    expect((w.get('[data-testid="proposal-title"] input').element as HTMLInputElement).value).toBe(long)
    expect(await data.proposals.list()).toEqual([])
    // Corrected, it is saved with the cost as typed, and names no one when no name was given.
    await w.get('[data-testid="proposal-title"] input').setValue('修三组的路')
    await w.get('[data-testid="proposal-cost"] input').setValue('60000')
    await w.get('[data-testid="proposal-form"]').trigger('submit')
    await eventually(async () => (await data.proposals.list()).length === 1)
    expect((await data.proposals.list())[0]).toMatchObject({ title: '修三组的路', estimatedCost: 6_000_000, proposedBy: '' })
    w.unmount()
  })

  it('takes a title, a category icon and a rough cost, and refuses to save without a title', async () => {
    const { pinia } = await open()
    const { wrapper, router } = await mountFeature(ProposalNewView, { path: '/proposals/new', pinia })
    await wrapper.get('[data-testid="proposal-save"]').trigger('submit')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(wrapper.text()).toContain('请写下要办什么事')
    expect(useProposalsStore(pinia).proposals).toHaveLength(0)

    await wrapper.get('[data-testid="proposal-title"] input').setValue('三组路口装两盏路灯')
    await wrapper.get('[data-testid="category-lighting"]').trigger('click')
    expect(wrapper.get('[data-testid="category-lighting"]').attributes('aria-checked')).toBe('true')
    await wrapper.get('[data-testid="proposal-cost"] input').setValue('3500.5')
    const photo = wrapper.get('[data-testid="proposal-photo"]')
    Object.defineProperty(photo.element, 'files', { value: [new File([new Uint8Array([1, 2, 3])], 'lamp.jpg', { type: 'image/jpeg' })], configurable: true })
    await photo.trigger('change')
    await eventually(() => wrapper.findAll('.photo img').length === 1)
    await wrapper.get('form').trigger('submit')
    await eventually(() => useProposalsStore(pinia).proposals.length === 1 && router.currentRoute.value.name === 'proposal')
    const [saved] = await village!.data.proposals.list()
    expect(saved).toMatchObject({ title: '三组路口装两盏路灯', category: 'lighting', estimatedCost: 350050, status: 'open' })
    // The photo is kept on the tablet by content hash; the record references the hash.
    expect(saved!.photos).toEqual(['039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81'])
    expect(router.currentRoute.value.name).toBe('proposal')
  })
})

describe('the proposal list', () => {
  async function seeded() {
    const { pinia } = await open()
    const mounted = await mountFeature(ProposalsView, { path: '/proposals', pinia })
    const store = useProposalsStore(mounted.pinia)
    const base = { description: '', unitId: '', photos: [], voiceNote: '' }
    await store.add({ ...base, title: '修三组的路', category: 'road', estimatedCost: 0 }, T0 + 1000)
    await store.add({ ...base, title: '三组道路硬化', category: 'road', estimatedCost: 2_000_000 }, T0 + 2000)
    await store.add({ ...base, title: '村口路灯', category: 'lighting', estimatedCost: 500_000 }, T0 + 3000)
    await eventually(() => mounted.wrapper.findAll('[data-testid="proposal-item"]').length === 3)
    return { ...mounted, store }
  }
  const titles = (w: Awaited<ReturnType<typeof seeded>>['wrapper']) => w.findAll('[data-testid="proposal-item"] .proposal-title').map((e) => e.text())

  it('lists the newest first and finds by words', async () => {
    const { wrapper } = await seeded()
    expect(titles(wrapper)).toEqual(['村口路灯', '三组道路硬化', '修三组的路'])
    expect(wrapper.text()).toContain('约 20,000 元')
    await wrapper.get('input[type="search"]').setValue('三组')
    expect(titles(wrapper)).toEqual(['三组道路硬化', '修三组的路'])
  })

  it('merges duplicates into the one the clerk keeps', async () => {
    const { wrapper, store } = await seeded()
    await wrapper.get('[data-testid="proposal-merge"]').trigger('click')
    const items = wrapper.findAll('[data-testid="proposal-item"]')
    await items[1]!.trigger('click')
    await items[2]!.trigger('click')
    const keep = wrapper.findAll('[data-testid="proposal-merge-keep"]')
    expect(keep).toHaveLength(2)
    expect(keep[0]!.text()).toContain('保留这条，合并其余 1 条')
    await keep[0]!.trigger('click')
    await eventually(() => titles(wrapper).length === 2)
    expect(titles(wrapper)).toEqual(['村口路灯', '三组道路硬化'])
    const merged = store.proposals.find((p) => p.title === '修三组的路')!
    expect(merged.status).toBe('merged')
    expect(store.byId(merged.mergedInto)!.title).toBe('三组道路硬化')
  })
})

describe('a proposal and its comments', () => {
  it('records comments from the feedback round and can be shortlisted', async () => {
    const { pinia } = await open()
    const store = useProposalsStore(pinia)
    const p = await store.add({ title: 'Fix the well', description: 'The pump is broken', category: 'water', unitId: '', estimatedCost: 0, photos: [], voiceNote: '' })
    const { wrapper } = await mountFeature(ProposalDetailView, { pinia, props: { id: p.id }, locale: 'en' })
    await eventually(() => wrapper.find('[data-testid="proposal-detail"]').exists())
    expect(wrapper.get('[data-testid="proposal-detail"]').text()).toContain('Fix the well')
    expect(wrapper.text()).toContain('No comments yet.')
    await wrapper.get('[data-testid="proposal-comment-text"] textarea').setValue('Group 2 agrees, but wants a cover too')
    await wrapper.get('[data-testid="proposal-comments"] form').trigger('submit')
    await eventually(() => wrapper.findAll('[data-testid="proposal-comment"]').length === 1)
    expect(wrapper.findAll('[data-testid="proposal-comment"]').map((c) => c.text())[0]).toContain('Group 2 agrees')
    await wrapper.get('[data-testid="proposal-shortlist"]').trigger('click')
    await eventually(() => store.byId(p.id)?.status === 'shortlisted')
    expect(wrapper.text()).toContain('shortlisted')
  })

  it('gives a date alone for a proposal recorded with a date only, never a made-up "00:00"', async () => {
    const { pinia } = await open()
    const store = useProposalsStore(pinia)
    const base = { description: '', category: 'road' as const, unitId: '', estimatedCost: 0, photos: [], voiceNote: '' }
    const dated = await store.add({ ...base, title: '修三组的路' }, T0)
    const timed = await store.add({ ...base, title: '修四组的路' }, T0 + (14 * 60 + 35) * 60_000 + 7_000)
    const byLine = async (id: string) => {
      const { wrapper } = await mountFeature(ProposalDetailView, { pinia, props: { id } })
      await eventually(() => wrapper.find('[data-testid="proposal-detail"]').exists())
      const line = wrapper.text().match(/提出时间：[^·]*/)?.[0] ?? ''
      wrapper.unmount()
      return line
    }
    const d = await byLine(dated.id)
    expect(d).toMatch(/2026年(2|3)月\d+日/)
    expect(d).not.toMatch(/\d:\d\d/)
    expect(await byLine(timed.id)).toMatch(/2026年3月1日.*\d\d:\d\d/)
  })

  it('asks for an estimate when the cost is unknown, since the fund is shared out by cost after the vote', async () => {
    const { pinia } = await open()
    const store = useProposalsStore(pinia)
    const p = await store.add({ title: '修水渠', description: '', category: 'water', unitId: '', estimatedCost: 0, photos: [], voiceNote: '' })
    const { wrapper } = await mountFeature(ProposalDetailView, { pinia, props: { id: p.id } })
    await eventually(() => wrapper.find('[data-testid="proposal-no-cost"]').exists())
    expect(wrapper.get('[data-testid="proposal-no-cost"]').text()).toContain('还不知道要花多少钱')
    await wrapper.get('[data-testid="proposal-cost-edit"] input').setValue('0')
    await wrapper.get('[data-testid="proposal-no-cost"]').trigger('submit')
    await eventually(() => wrapper.text().includes('请填一个大于 0 的金额'))
    await wrapper.get('[data-testid="proposal-cost-edit"] input').setValue('40,000')
    await wrapper.get('[data-testid="proposal-no-cost"]').trigger('submit')
    await eventually(() => store.byId(p.id)?.estimatedCost === 4_000_000)
    await eventually(() => !wrapper.find('[data-testid="proposal-no-cost"]').exists())
    expect(wrapper.get('[data-testid="proposal-detail"]').text()).toContain('约 40,000 元')
    // Who raised it and who noted it, by name: never a raw id, never a made-up "tablet user".
    expect(wrapper.get('[data-testid="proposal-meta"]').text()).not.toContain('person:')
    expect(wrapper.get('[data-testid="proposal-meta"]').text()).toContain('提议人没有署名')
    useSessionStore(pinia).setPerson('person:clerk', '王文书')
    await eventually(() => wrapper.get('[data-testid="proposal-meta"]').text().includes('记录人：王文书'))
    wrapper.unmount()
  })
})
