import { memoryKeyValue, newPersonKey, setClerkPin, type KeyValue, type Repositories } from '@/data'
import { TRUST_KEY } from '@/data/identity'
import { newSigningPersonKey, openPersonKey, witnessSigner } from '@/data/personkeys'
import { clerkKeyStatement } from '@/shared/personacts'
import { signValue } from '@/shared/signature'
import { testHub } from '../../support/personkeys'
import { hubSigned } from '../../support/roles'
import { useVotesStore } from '@/stores/votes'
import { useConflictsStore } from '@/stores/conflicts'
import { useAccountsStore } from '@/stores/accounts'
import { useSupervisionStore } from '@/stores/supervision'
import { useActingStore } from '@/stores/acting'
import type { Pinia } from 'pinia'
import { openTestVillage } from '../support/village'

export const CLERK_PIN = '2468'
export const T0 = Date.UTC(2026, 4, 10, 2, 0)
const HOUR = 3_600_000

/**
 * A real village database with a small roster (a clerk, two supervisors, voters), a clerk PIN on
 * this "tablet", and the vote/conflict/accounts/supervision stores attached to it.
 */
export async function openVoteVillage(opts: { now?: () => number; locked?: boolean; hub?: TestHub } = {}) {
  let clock = T0
  const now = opts.now ?? (() => clock)
  const village = await openTestVillage({ now, actor: 'person:clerk', ...(opts.locked ? { locked: true } : {}) })
  const { data, pinia } = village
  const kv: KeyValue = memoryKeyValue()
  // the hub this tablet pinned: it signs the roster's roles (roles count only signed) and certifies the clerk's key
  const hub = villageHub(data, kv, opts.hub)
  const person = (id: string, name: string, household: string, roles: string[] = [], extra: Record<string, unknown> = {}) =>
    data.persons.create({ id: `person:${id}`, name, householdId: `household:${household}`, householdHead: true, ...(roles.length > 0 ? hubSigned(data.writer.identity.villageId, `person:${id}`, roles, hub.secretKey) : { roles }), ...extra })
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

export type TestHub = ReturnType<typeof testHub>
const hubs = new WeakMap<Repositories, TestHub>()

/** The hub a test village's tablet pinned (`kv`): made and pinned once (or `given`, one hub shared by two tablets). */
export function villageHub(data: Repositories, kv: KeyValue, given?: TestHub): TestHub {
  let hub = hubs.get(data)
  if (!hub) {
    hub = given ?? testHub()
    hubs.set(data, hub)
    kv.setItem(TRUST_KEY, JSON.stringify({ hubKey: hub.keys.current, certificate: null, list: null }))
  }
  return hub
}

/** The roles of these people (their roles on the roster as written, e.g. by an import) signed by the village's hub, as its roles route does. */
export async function hubSignsRoles(data: Repositories, kv: KeyValue, personIds: readonly string[]) {
  const hub = villageHub(data, kv)
  for (const id of personIds) {
    const p = await data.persons.get(id)
    if (p) await data.persons.update(id, hubSigned(data.writer.identity.villageId, id, p.roles, hub.secretKey))
  }
}

export const CLERK_PASSPHRASE = '王文书的口令'
const clerkKeys = new WeakMap<Repositories, { id: string; personId: string; secret: string }>()

/**
 * The clerk's own key, certified by a hub this tablet pinned (`kv`), as after enrollment and the
 * clerk-key screen: the root that vouches for every key the clerk witnesses.
 */
export async function withClerkKey(data: Repositories, kv: KeyValue, createdAt: number, personId = 'person:clerk') {
  const hub = villageHub(data, kv)
  const village = data.writer.identity.villageId
  const certify = async (publicKey: string) => {
    const cert = { issuedAt: createdAt, by: 'clerk-account' }
    return { ...cert, sig: signValue(clerkKeyStatement(village, { personId, publicKey }, cert), hub.secretKey) }
  }
  const { record } = await newSigningPersonKey({ personId, passphrase: CLERK_PASSPHRASE, repeat: CLERK_PASSPHRASE, voucher: { certify }, createdAt })
  const stored = await data.personKeys.create({ ...record })
  clerkKeys.set(data, { id: stored.id, personId, secret: await openPersonKey(stored, CLERK_PASSPHRASE) })
  return { ...stored, hub }
}

/** A person's key witnessed by the clerk's certified key (made first when there is none), as the key screen does after the clerk typed their passphrase. */
export async function witnessedPersonKey(data: Repositories, kv: KeyValue, input: { personId: string; passphrase: string; createdAt: number }) {
  if (!clerkKeys.has(data)) await withClerkKey(data, kv, input.createdAt - 60_000)
  const clerk = clerkKeys.get(data)!
  const voucher = { witness: { personId: clerk.personId, keyId: clerk.id, sign: witnessSigner(data.writer.identity.villageId, clerk.secret) } }
  return newPersonKey({ ...input, repeat: input.passphrase, voucher })
}

/** A person's own passphrase, set up in front of the clerk (as the key screen does): their signing key on record. */
export async function withPersonKey(v: Awaited<ReturnType<typeof openVoteVillage>>, personId: string, passphrase: string) {
  return v.data.personKeys.create({ ...await witnessedPersonKey(v.data, v.kv, { personId, passphrase, createdAt: v.now() - 60_000 }) })
}

/** Once the tablet asks for the clerk as witness of a key (at most 15 s), the clerk types their own passphrase (as in the acting prompt). */
export async function answerAsClerkWitness(pinia: Pinia, clerkId = 'person:clerk', stop: () => boolean = () => false): Promise<void> {
  const acting = useActingStore(pinia)
  const deadline = Date.now() + 15_000
  while (acting.request?.act !== 'personkey.witness') {
    if (stop()) return
    if (Date.now() > deadline) throw new Error('the tablet never asked for the clerk as witness')
    await new Promise((r) => setTimeout(r, 10))
  }
  const r = await acting.answer(clerkId, CLERK_PASSPHRASE)
  if (!r.ok) throw new Error(`the clerk's passphrase did not open their key: ${JSON.stringify(r)}`)
}

/** Runs a key set-up (`setUp`, through the store) that the clerk witnesses with their certified key. */
export async function clerkWitnesses<T>(pinia: Pinia, setUp: () => Promise<T>, clerkId = 'person:clerk'): Promise<T> {
  const done = setUp()
  let settled = false
  void done.then(() => { settled = true }, () => { settled = true })
  await answerAsClerkWitness(pinia, clerkId, () => settled)
  return done
}
