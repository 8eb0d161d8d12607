import { afterEach, describe, expect, it } from 'vitest'
import ProposalDetailView from '@/features/proposals/ProposalDetailView.vue'
import { useProposalsStore } from '@/stores/proposals'
import { mountFeature, flushPromises } from '../support/mount'
import { eventually, openTestVillage } from '../support/village'

let village: Awaited<ReturnType<typeof openTestVillage>> | undefined
afterEach(async () => { await village?.close(); village = undefined })

/** A proposal with no cost yet, on its detail screen (where the estimate is asked for). */
async function costless() {
  village = await openTestVillage()
  const store = useProposalsStore(village.pinia)
  const p = await store.add({ title: '修水渠', description: '', category: 'water', unitId: '', estimatedCost: 0, photos: [], voiceNote: '' })
  const { wrapper } = await mountFeature(ProposalDetailView, { pinia: village.pinia, props: { id: p.id } })
  await eventually(() => wrapper.find('[data-testid="proposal-no-cost"]').exists())
  return { w: wrapper, store, id: p.id }
}
type W = Awaited<ReturnType<typeof costless>>['w']
const field = (w: W) => w.get('[data-testid="proposal-cost-edit"]')
const typed = (w: W) => (w.get('[data-testid="proposal-cost-edit"] input').element as HTMLInputElement).value

describe('the estimate asked for on a proposal with no cost', () => {
  // the one rule of an amount typed in yuan (src/domain/money.ts parseYuan), as the new-proposal form and the vote's setup read it
  it.each(['abc', '-500', '−500', '1e3', '0'])('refuses %s beside the field, keeps what was typed, and saves nothing', async (bad) => {
    const { w, store, id } = await costless()
    await w.get('[data-testid="proposal-cost-edit"] input').setValue(bad)
    await w.get('[data-testid="proposal-no-cost"]').trigger('submit')
    await flushPromises()
    expect(field(w).text()).toContain('请填一个大于 0 的金额，例如 30,000 或 30,000.50（单位：元）')
    expect(typed(w)).toBe(bad)
    expect(store.byId(id)?.estimatedCost).toBe(0)
    expect(w.find('[data-testid="proposal-no-cost"]').exists()).toBe(true)
    w.unmount()
  })

  it('takes 30,000.50 as the app writes it: ¥30,000.50, to the fen', async () => {
    const { w, store, id } = await costless()
    await w.get('[data-testid="proposal-cost-edit"] input').setValue('30,000.50')
    await w.get('[data-testid="proposal-no-cost"]').trigger('submit')
    await eventually(() => store.byId(id)?.estimatedCost === 3_000_050)
    await eventually(() => !w.find('[data-testid="proposal-no-cost"]').exists())
    expect(w.text()).toContain('费用已保存')
    w.unmount()
  })
})
