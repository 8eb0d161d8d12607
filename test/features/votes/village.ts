import { memoryKeyValue, newPersonKey, setClerkPin, type KeyValue } from '@/data'
import { useVotesStore } from '@/stores/votes'
import { useConflictsStore } from '@/stores/conflicts'
import { useAccountsStore } from '@/stores/accounts'
import { useSupervisionStore } from '@/stores/supervision'
import { useActingStore } from '@/stores/acting'
import { openTestVillage } from '../support/village'

export const CLERK_PIN = '2468'
export const T0 = Date.UTC(2026, 4, 10, 2, 0)
const HOUR = 3_600_000

/**
 * A real village database with a small roster (a clerk, two supervisors, voters), a clerk PIN on
 * this "tablet", and the vote/conflict/accounts/supervision stores attached to it.
 */
export async function openVoteVillage(opts: { now?: () => number; locked?: boolean } = {}) {
  let clock = T0
  const now = opts.now ?? (() => clock)
  const village = await openTestVillage({ now, actor: 'person:clerk', ...(opts.locked ? { locked: true } : {}) })
  const { data, pinia } = village
  const kv: KeyValue = memoryKeyValue()
  const person = (id: string, name: string, household: string, roles: string[] = [], extra: Record<string, unknown> = {}) =>
    data.persons.create({ id: `person:${id}`, name, householdId: `household:${household}`, householdHead: true, roles, ...extra })
  await person('clerk', '王文书', '1-01', ['clerk'])
  await person('sup1', '李监事', '1-02', ['supervisor'])
  await person('sup2', '赵监事', '1-03', ['supervisor', 'council-member'])
  await person('zhang', '张秀英', '3-12')
  await person('liu', '刘德华', '3-15')
  await person('chen', '陈小明', '4-02')
  await person('kid', '小虎', '4-02', [], { adult: false, eligible: false, householdHead: false })
  await setClerkPin(kv, { personId: 'person:clerk', name: '王文书' }, CLERK_PIN)
  const storeOpts = { now, kv }
  useActingStore(pinia).attach(data, { kv })
  useVotesStore(pinia).attach(data, storeOpts)
  useConflictsStore(pinia).attach(data, storeOpts)
  useAccountsStore(pinia).attach(data, storeOpts)
  useSupervisionStore(pinia).attach(data, storeOpts)
  return { ...village, kv, now, advance: (ms = HOUR) => { clock += ms } }
}

/**
 * An open approval vote (up to 2 of 3 projects, ¥100,000) with every eligible person on its roster,
 * announced a week before it opened (its announcement has run, so it takes ballots).
 */
export async function openApprovalVote(v: Awaited<ReturnType<typeof openVoteVillage>>, extra: Record<string, unknown> = {}) {
  const eligible = (await v.data.persons.list()).filter((p) => p.eligible).map((p) => p.id)
  await v.data.notices.create({ stage: 'vote-announcement', subjectId: String(extra.id ?? 'vote:lights'), title: '投票公告', body: '', startAt: T0 - 8 * 24 * HOUR, endAt: T0 - 24 * HOUR, republishes: '' })
  return v.data.votes.create({
    id: 'vote:lights', title: '2026 年公共服务项目', ballotType: 'approval', maxChoices: 2, budget: 10_000_000, rule: 'greedy',
    opensAt: T0 - HOUR, closesAt: T0 + 48 * HOUR, roster: eligible, kind: 'project-selection',
    candidates: [
      { id: 'project:lamps', title: '村口装路灯', cost: 3_000_000, proposalIds: [] },
      { id: 'project:road', title: '三组道路硬化', cost: 6_000_000, proposalIds: [] },
      { id: 'project:water', title: '修水渠', cost: 4_000_000, proposalIds: [] },
    ],
    ...extra,
  })
}

/** A person's own passphrase, set up in front of the clerk (as the key screen does): their signing key on record. */
export async function withPersonKey(v: Awaited<ReturnType<typeof openVoteVillage>>, personId: string, passphrase: string) {
  return v.data.personKeys.create({ ...await newPersonKey({ personId, passphrase, repeat: passphrase, witnessedBy: 'person:clerk', createdAt: v.now() - 60_000 }) })
}
