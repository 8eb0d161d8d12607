import { afterEach, describe, expect, it } from 'vitest'
import ConflictsView from '@/features/conflicts/ConflictsView.vue'
import SealKeysView from '@/features/sealkeys/SealKeysView.vue'
import AccountsProjectView from '@/features/accounts/AccountsProjectView.vue'
import { useAccountsStore } from '@/stores/accounts'
import { useConflictsStore } from '@/stores/conflicts'
import { useVotesStore } from '@/stores/votes'
import { useSealsStore } from '@/stores/seals'
import { useRosterStore } from '@/stores/roster'
import { useActingStore } from '@/stores/acting'
import { mountFeature } from '../support/mount'
import { eventually } from '../support/village'
import { clerkWitnesses, openVoteVillage, T0 } from '../votes/village'
import { PASS, sealVillage } from '../sealkeys/village'

// Issue #14: who may act reads signed roles; the screens list people by the same roles. Someone the
// roster names supervisor whose role no clerk or hub has signed yet is never offered to act, and is
// named with the roster's "暂不生效" mark where a clerk looks for them.

type Village = Awaited<ReturnType<typeof openVoteVillage>>
let v: Village | null = null
afterEach(async () => { await v?.close(); v = null })

const PENDING = '魏监事：职务还没有文书签名，暂不生效'

/** 魏监事, named supervisor and council member on the roster, unsigned (an import without the clerk's key). */
async function withWaitingSupervisor(village: Village) {
  await village.data.persons.create({ id: 'person:wei', name: '魏监事', householdId: 'household:5-01', householdHead: true, roles: ['supervisor', 'council-member'] })
  const roster = useRosterStore(village.pinia)
  await eventually(() => roster.people.some((p) => p.id === 'person:wei') && useActingStore(village.pinia).persons.some((p) => p.id === 'person:wei'))
}

describe('people listed by their signed roles', { timeout: 60_000 }, () => {
  it('the roster store names role holders once: whose role counts, then whose role waits (pending)', async () => {
    v = await openVoteVillage()
    await withWaitingSupervisor(v)
    expect(useRosterStore(v.pinia).holders(['supervisor'])).toEqual([
      { id: 'person:sup1', name: '李监事', pending: false },
      { id: 'person:sup2', name: '赵监事', pending: false },
      { id: 'person:wei', name: '魏监事', pending: true },
    ])
    // every store that lists supervisors, council or counters reads them so
    const accounts = useAccountsStore(v.pinia)
    expect(accounts.supervisors.map((s) => s.id)).toEqual(['person:sup1', 'person:sup2'])
    expect(accounts.waitingSupervisors.map((s) => s.id)).toEqual(['person:wei'])
    expect(useConflictsStore(v.pinia).deciders.map((d) => d.id)).not.toContain('person:wei')
    expect(useVotesStore(v.pinia).counters.map((d) => d.id)).not.toContain('person:wei')
    expect(useVotesStore(v.pinia).waitingCounters.map((d) => d.id)).toEqual(['person:wei'])
  })

  it('the double-vote queue offers only council and supervisors whose role counts, and names the waiting one', async () => {
    v = await openVoteVillage()
    await withWaitingSupervisor(v)
    await v.data.conflicts.create({
      id: 'conflict:tablet-b-7', subjectId: 'proposal:p1', reason: 'concurrent-edit',
      winner: { device: 'tablet-test', seq: 2, author: 'person:clerk' }, loser: { device: 'tablet-b', seq: 7, deviceTime: T0, author: 'person:clerk2', body: { title: '修路' } }, fields: ['title'], at: T0 + 1000,
    })
    const { wrapper: w } = await mountFeature(ConflictsView, { path: '/conflicts', pinia: v.pinia })
    await eventually(() => w.find('[data-testid="conflict-by"]').exists())
    const offered = w.get('[data-testid="conflict-by"]').findAll('option').map((o) => o.text()).slice(1)
    expect(offered).toContain('李监事')
    expect(offered).not.toContain('魏监事')
    expect(w.get('[data-testid="roles-pending"]').text()).toBe(PENDING)
    w.unmount()
  })

  it('the key screen lists the waiting supervisor with the roster\'s mark; new votes do not take their seal key', async () => {
    const sv = await sealVillage()
    v = sv
    await withWaitingSupervisor(sv)
    const { wrapper: w } = await mountFeature(SealKeysView, { path: '/seal-keys', pinia: sv.pinia })
    await eventually(() => w.find('[data-testid="sealkey-person:wei"]').exists())
    expect(w.get('[data-testid="sealkey-person:wei"] [data-testid="sealkey-roles-pending"]').text()).toBe('职务还没有文书签名，暂不生效')
    expect(w.find('[data-testid="sealkey-person:sup1"] [data-testid="sealkey-roles-pending"]').exists()).toBe(false)
    const seals = useSealsStore(sv.pinia)
    expect(seals.supervisors.map((s) => [s.personId, s.pending])).toEqual([['person:sup1', false], ['person:sup2', false], ['person:wei', true]])
    // 魏监事 may set up a key (it counts once their role is signed), but a vote set up now is not sealed with it
    for (const [id, pass] of [['person:sup1', PASS['person:sup1']], ['person:wei', '魏家院子-2468']] as const) await clerkWitnesses(sv.pinia, () => seals.createKey(id, pass, pass))
    await eventually(() => seals.supervisors.filter((s) => s.key).length === 2)
    expect(seals.currentKeys.map((k) => k.personId)).toEqual(['person:sup1'])
    w.unmount()
  })

  it('a clerk whose role waits for its signature still gets their key certified: the account that certifies it signs the role (the first clerk of an imported roster)', async () => {
    const sv = await sealVillage()
    v = sv
    await sv.data.persons.create({ id: 'person:clerk3', name: '孙文书', householdId: 'household:5-01', householdHead: false, roles: ['clerk'] })
    const seals = useSealsStore(sv.pinia)
    await eventually(() => seals.clerks.some((c) => c.personId === 'person:clerk3'))
    expect(seals.clerks.find((c) => c.personId === 'person:clerk3')?.pending).toBe(true)
    const { wrapper: w } = await mountFeature(SealKeysView, { path: '/seal-keys', pinia: sv.pinia })
    await eventually(() => w.find('[data-testid="clerkkey-person:clerk3"]').exists())
    expect(w.get('[data-testid="clerkkey-person:clerk3"] [data-testid="sealkey-roles-pending"]').text()).toBe('文书职务还没有签名，暂不生效；镇上确认这把钥匙时，会一并签上文书职务。')
    w.unmount()
    const asked: string[] = []
    const stored = await seals.createClerkKey('person:clerk3', '孙家院子-1357', '孙家院子-1357', async (publicKey) => {
      asked.push(publicKey)
      return { issuedAt: sv.now(), by: 'clerk-account', sig: 'x'.repeat(86) }
    })
    expect(asked).toEqual([stored.publicKey])
    expect(stored.personId).toBe('person:clerk3')
  })

  it('the accounts screen names the waiting supervisor by the ledger, who co-signs nothing', async () => {
    v = await openVoteVillage()
    await withWaitingSupervisor(v)
    const fund = await v.data.funds.create({ year: 2026, amount: 20_000_000, source: '公共服务专项资金' })
    await v.data.allocations.create({ fundId: fund.id, projectId: 'project:lamps', title: '村口装路灯', amount: 3_000_000, decidedBy: 'vote:lights', at: v.now() })
    const { wrapper: w } = await mountFeature(AccountsProjectView, { path: '/accounts/project:lamps', pinia: v.pinia })
    await eventually(() => w.find('[data-testid="roles-pending"]').exists())
    expect(w.get('[data-testid="roles-pending"]').text()).toBe(PENDING)
    w.unmount()
  })
})
