import { afterEach, describe, expect, it } from 'vitest'
import { useSealsStore } from '@/stores/seals'
import { eventually } from '../support/village'
import { openApprovalVote, openVoteVillage } from './village'

let village: Awaited<ReturnType<typeof openVoteVillage>> | undefined
afterEach(async () => { await village?.close(); village = undefined })

describe('people the roster does not hold', { timeout: 60_000 }, () => {
  it('are said by what they were, never by their id, on the seals screen', async () => {
    const v = village = await openVoteVillage()
    const seals = useSealsStore(v.pinia)
    seals.attach(v.data, { now: v.now })
    const vote = await openApprovalVote(v)
    // a void list synced from a tablet whose roster still held a supervisor who has since left
    await v.data.voidLists.create({ voteId: vote.id, ballotIds: ['ballot:x'], openedBy: ['person:sup1', 'person:gone'], decisions: ['decision:x'], at: v.now() })

    await eventually(() => seals.opened(vote.id).length === 1, 15_000)
    const said = seals.opened(vote.id)[0]!.openedBy
    expect(said).toEqual(['李监事', '一位监事（不在名册上）'])
  })
})
