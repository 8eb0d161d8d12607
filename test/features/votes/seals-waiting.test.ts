import { afterEach, describe, expect, it } from 'vitest'
import * as D from '@/domain'
import VoteDetailView from '@/features/votes/VoteDetailView.vue'
import { useSealsStore } from '@/stores/seals'
import { useVotesStore } from '@/stores/votes'
import { useConflictsStore } from '@/stores/conflicts'
import { mountFeature } from '../support/mount'
import { eventually } from '../support/village'
import { clerkWitnesses, openApprovalVote, openVoteVillage, T0, withClerkKey } from './village'

let village: Awaited<ReturnType<typeof openVoteVillage>> | undefined
afterEach(async () => { await village?.close(); village = undefined })
const soon = (check: () => boolean | Promise<boolean>) => eventually(check, 20_000)

describe('a closed vote whose double vote is decided', { timeout: 90_000 }, () => {
  it('sends the clerk on to the supervisors\' seals from the vote itself, not only from the seals page', async () => {
    const v = village = await openVoteVillage()
    const seals = useSealsStore(v.pinia)
    seals.attach(v.data, { now: v.now })
    await withClerkKey(v.data, v.kv, v.now() - 3_600_000)
    await soon(() => seals.supervisors.length === 2)
    for (const [id, p] of Object.entries({ 'person:sup1': '李家院子123', 'person:sup2': 'zhao-456789' })) await clerkWitnesses(v.pinia, () => seals.createKey(id, p, p))
    await soon(() => seals.currentKeys.length === 2)
    const vote = await openApprovalVote(v, { sealKeys: seals.currentKeys.map((k) => k.publicKey) })
    const votes = useVotesStore(v.pinia)
    await soon(() => votes.list.length === 1)
    await votes.castBallot(vote.id, 'person:zhang', ['project:lamps'], 'person:clerk')
    // 张秀英 was checked off again on tablet B, whose check-off came back as a conflict record
    const random = (n: number) => globalThis.crypto.getRandomValues(new Uint8Array(n))
    const other = D.castVote({ vote, voterId: 'person:zhang', choices: ['project:water'], recordedBy: 'person:clerk2', device: 'tablet-b', at: T0 + 600_000, random })
    await v.data.ballots.create({ ...other.ballot })
    await v.data.conflicts.create({
      id: 'conflict:tablet-b-7', subjectId: other.checkOff.id, reason: 'double-checkoff', winner: { device: 'tablet-test', seq: 2, author: 'person:clerk' },
      loser: { id: other.checkOff.id, kind: 'checkoff', v: 1, village: 'test-village', year: 2026, author: 'person:clerk2', device: 'tablet-b', deviceTime: T0 + 600_000, seq: 7, ref: vote.id, body: { ...other.checkOff, id: undefined } },
      fields: [], at: T0 + 700_000,
    })
    const conflicts = useConflictsStore(v.pinia)
    await soon(() => conflicts.open.length === 1)
    await conflicts.resolve(other.checkOff.id, 'keep-earliest', '本人确认只投了一次', 'person:sup2')
    v.advance()
    await votes.close(vote.id)

    const { wrapper } = await mountFeature(VoteDetailView, { path: `/votes/${vote.id}`, pinia: v.pinia })
    await soon(() => wrapper.find('[data-testid="vote-to-seals"]').exists())
    expect(wrapper.get('[data-testid="vote-to-seals"]').text()).toContain('议事会已对 1 个重复投票作出决定')
    await wrapper.get('[data-testid="vote-to-seals"]').trigger('click')
    await soon(() => wrapper.vm.$router.currentRoute.value.name === 'vote-seals')
    wrapper.unmount()
  })
})
