import { afterEach, describe, expect, it } from 'vitest'
import VoteDetailView from '@/features/votes/VoteDetailView.vue'
import VoteResultsView from '@/features/votes/VoteResultsView.vue'
import { useVotesStore } from '@/stores/votes'
import { mountFeature } from '../support/mount'
import { decidedDoubleVote, sealVillage, soon, type SealVillage } from '../sealkeys/village'

let village: SealVillage | undefined
afterEach(async () => { await village?.close(); village = undefined })

describe('a closed vote whose double vote is decided', { timeout: 90_000 }, () => {
  it('sends the clerk on to the supervisors\' seals from the vote itself, not only from the seals page', async () => {
    const v = village = await sealVillage()
    const { vote } = await decidedDoubleVote(v)

    const { wrapper } = await mountFeature(VoteDetailView, { path: `/votes/${vote.id}`, pinia: v.pinia })
    await soon(() => wrapper.find('[data-testid="vote-to-seals"]').exists())
    expect(wrapper.get('[data-testid="vote-to-seals"]').text()).toContain('议事会已对 1 个重复投票作出决定')
    // the button says the page it opens by that page's title
    expect(wrapper.get('[data-testid="vote-to-seals"]').text()).toContain('监事会共同开封')
    await wrapper.get('[data-testid="vote-to-seals"]').trigger('click')
    await soon(() => wrapper.vm.$router.currentRoute.value.name === 'vote-seals')
    wrapper.unmount()
  })

  it('offers no allocation until the seals are opened, and says so beside the greyed button, with the way to the seals', async () => {
    const v = village = await sealVillage()
    const { vote } = await decidedDoubleVote(v)

    const { wrapper } = await mountFeature(VoteResultsView, { path: `/votes/${vote.id}/results`, pinia: v.pinia })
    await soon(() => wrapper.find('[data-testid="results-allocate"]').exists() && wrapper.find('[data-testid="results-void-waiting"]').exists())
    expect(wrapper.get('[data-testid="results-allocate"]').attributes('disabled')).toBeDefined()
    // a button that does nothing says why, where the clerk looks for it, and where to go
    const why = wrapper.get('[data-testid="results-allocate-waits"]')
    expect(why.text()).toContain('监事会一起开封作废的票以后，才能把入选项目记入资金安排')
    expect(wrapper.get('[data-testid="results-allocate"]').attributes('aria-describedby')).toBe(why.attributes('id'))
    await why.get('a').trigger('click')
    await soon(() => wrapper.vm.$router.currentRoute.value.name === 'vote-seals')
    wrapper.unmount()
  })
})

describe('a closed vote with a double vote the council has not decided', { timeout: 90_000 }, () => {
  it('offers no allocation — the extra ballot may still be counted — says so beside the greyed button with the way to the decision, and the store refuses it too', async () => {
    const v = village = await sealVillage()
    const { vote } = await decidedDoubleVote(v, { decided: false })

    const { wrapper } = await mountFeature(VoteResultsView, { path: `/votes/${vote.id}/results`, pinia: v.pinia })
    await soon(() => wrapper.find('[data-testid="results-allocate"]').exists() && wrapper.find('[data-testid="results-allocate-waits"]').exists())
    expect(wrapper.get('[data-testid="results-allocate"]').attributes('disabled')).toBeDefined()
    const why = wrapper.get('[data-testid="results-allocate-waits"]')
    expect(why.text()).toContain('有 1 人重复投票，议事会还没有决定怎么算')
    expect(wrapper.get('[data-testid="results-allocate"]').attributes('aria-describedby')).toBe(why.attributes('id'))
    // a tap that slips past the screen is refused by the store, with the domain's reason; nothing is allocated
    await expect(useVotesStore(v.pinia).recordAllocation(vote.id)).rejects.toMatchObject({ code: 'doublevote.undecided' })
    expect(await v.data.allocations.list()).toEqual([])
    await why.get('a').trigger('click')
    await soon(() => wrapper.vm.$router.currentRoute.value.name === 'conflicts')
    wrapper.unmount()
  })
})
