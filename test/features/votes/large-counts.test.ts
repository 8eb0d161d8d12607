import { afterEach, describe, expect, it } from 'vitest'
import VoteResultsView from '@/features/votes/VoteResultsView.vue'
import VotePaperView from '@/features/votes/VotePaperView.vue'
import { useVotesStore } from '@/stores/votes'
import { mountFeature } from '../support/mount'
import { eventually } from '../support/village'
import { T0, openApprovalVote, openVoteVillage } from './village'

let village: Awaited<ReturnType<typeof openVoteVillage>> | undefined
afterEach(async () => { await village?.close(); village = undefined })

type Village = Awaited<ReturnType<typeof openVoteVillage>>
/** One entry of the paper count of vote:lights, as the paper screen writes it (1,500 papers: a large village's box). */
const paper = (v: Village, id: string, enteredBy: string, at: number, lamps = 1200) => v.data.paperCounts.create({
  id: `papercount:${id}`, voteId: 'vote:lights', enteredBy, at, total: 1500, valid: 1499, blank: 1, spoiled: 0,
  perOption: { 'project:lamps': lamps, 'project:water': 1100, 'project:road': 300 },
})

/** A closed vote of 1,501 ballots: 1,500 on paper (two agreeing entries) and one from the kiosk, for lamps. */
async function largeVote() {
  village = await openVoteVillage()
  await openApprovalVote(village)
  await paper(village, 'a', 'person:clerk', T0)
  await paper(village, 'b', 'person:sup1', T0 + 1000)
  const store = useVotesStore(village.pinia)
  await store.castBallot('vote:lights', 'person:zhang', ['project:lamps'], 'person:clerk')
  village.advance()
  await store.close('vote:lights')
  return village
}

describe('a vote of more than a thousand ballots', () => {
  it('writes its results\' counts as the app writes numbers (1,201 票, not 1201)', async () => {
    const v = await largeVote()
    const { wrapper: r } = await mountFeature(VoteResultsView, { path: '/votes/vote:lights/results', pinia: v.pinia })
    await eventually(() => r.find('[data-testid="results-rows"]').exists() && r.text().includes('张票'))
    expect(r.get('[data-testid="results-ballots"]').text()).toBe('共 1,501 张票（电子 1，纸质 1,500）')
    expect(r.get('[data-testid="result-project:lamps"]').text()).toContain('1,201 票')
    expect(r.get('[data-testid="result-project:lamps"] [data-testid="result-why"]').text()).toBe('第 1 名，1,201 票：入选')
    expect(r.get('[data-testid="result-project:road"] [data-testid="result-why"]').text()).toBe('第 3 名，300 票：轮到它时只剩 ¥30,000，不够 ¥60,000')
    r.unmount()
  })

  it('says them in English with the plural the count asks for (1,501 ballots, 1,201 votes)', async () => {
    const v = await largeVote()
    const { wrapper: r } = await mountFeature(VoteResultsView, { path: '/votes/vote:lights/results', pinia: v.pinia, locale: 'en' })
    await eventually(() => r.find('[data-testid="results-rows"]').exists() && r.text().includes('ballots'))
    expect(r.get('[data-testid="results-ballots"]').text()).toBe('1,501 ballots (1 on tablets, 1,500 on paper)')
    expect(r.get('[data-testid="result-project:lamps"] [data-testid="result-why"]').text()).toBe('Rank 1, 1,201 votes: selected')
    r.unmount()
  })

  it('says where two paper entries of a large box differ in formatted numbers', async () => {
    village = await openVoteVillage()
    await openApprovalVote(village)
    await paper(village, 'a', 'person:clerk', T0)
    await paper(village, 'b', 'person:sup1', T0 + 1000, 1210)
    const { wrapper: w } = await mountFeature(VotePaperView, { path: '/votes/vote:lights/paper', pinia: village.pinia })
    await eventually(() => w.find('[data-testid="paper-state"]').attributes('data-state') === 'disagree')
    expect(w.get('[data-testid="paper-state"]').text()).toContain('村口装路灯（一次 1,200，一次 1,210）')
    w.unmount()
  })
})
