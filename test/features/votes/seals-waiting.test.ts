import { afterEach, describe, expect, it } from 'vitest'
import VoteDetailView from '@/features/votes/VoteDetailView.vue'
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
})
