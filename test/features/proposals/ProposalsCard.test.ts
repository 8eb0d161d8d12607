import { afterEach, describe, expect, it } from 'vitest'
import ProposalsCard from '@/features/proposals/ProposalsCard.vue'
import type { ProposalView } from '@/stores/proposals'
import { mountFeature } from '../support/mount'

const proposal = (estimatedCost: number, category = 'lighting'): ProposalView => ({
  id: 'proposal:lamps', villageId: 'qinggang', unitId: '', title: 'Lamps by the well', description: '', proposedBy: '',
  createdAt: 0, status: 'open', mergedInto: '', estimatedCost, category, photos: [], voiceNote: '',
  meta: { author: 'clerk', device: 'tablet-1', deviceTime: 0, seq: 1, year: 2026 },
})

const card = (locale: 'zh-CN' | 'en', comments: number, cost = 3_000_050) =>
  mountFeature(ProposalsCard, { locale, props: { proposal: proposal(cost), unit: 'Courtyard 1', comments } })

afterEach(() => { document.body.innerHTML = '' })

describe('a proposal card in numbers and words', () => {
  it('says "1 comment" and "2 comments" in English, one form in Chinese', async () => {
    expect((await card('en', 1)).wrapper.text()).toContain('· 1 comment')
    expect((await card('en', 1)).wrapper.text()).not.toContain('1 comments')
    expect((await card('en', 2)).wrapper.text()).toContain('· 2 comments')
    expect((await card('zh-CN', 2)).wrapper.text()).toContain('2 条意见')
  })

  it('gives its cost in yuan as each language writes it, fen only when there are some', async () => {
    expect((await card('zh-CN', 0)).wrapper.text()).toContain('约 30,000.50 元')
    expect((await card('en', 0)).wrapper.text()).toContain('about ¥30,000.50')
    expect((await card('zh-CN', 0, 3_000_000)).wrapper.text()).toContain('约 30,000 元')
  })
})

describe('the icon of a proposal in the "other" category', () => {
  it('is a plain tag, not the three dots that read as a "more" menu', async () => {
    const { wrapper } = await mountFeature(ProposalsCard, { props: { proposal: proposal(0, 'other'), unit: '', comments: 0 } })
    expect(wrapper.find('.van-icon-more-o').exists()).toBe(false)
    expect(wrapper.find('.van-icon-label-o').exists()).toBe(true)
  })
})
