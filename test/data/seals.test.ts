import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPinia } from 'pinia'
import * as D from '@/domain'
import { DOCS_SCHEMA, type KeyValue } from '@/data'
import { validateDocument } from '@/shared/schemas'
import { newWrappedKeyPair } from '@/data/sealkeys'
import { useActingStore } from '@/stores/acting'
import { useConflictsStore } from '@/stores/conflicts'
import { useSealsStore } from '@/stores/seals'
import { startHub, type RunningHub } from '../support/hub'
import { provision } from '../sync-server/helpers'
import { eventually, openDoubleVotes, openVote } from './helpers'
import { openSyncedTablet, seedRoster, withCertifiedClerk, type SyncedTablet } from './sync-helpers'
import { CLERK_PASSPHRASE, clerkWitnesses } from '../features/votes/village'

const VILLAGE = 'vs'
const PASS = { 'person:s1': '第一位监事的口令', 'person:s2': 'second-supervisor' } as const
let hub: RunningHub
let clerkAccount: { name: string; password: string }
const open: SyncedTablet[] = []

beforeAll(async () => {
  hub = await startHub()
  clerkAccount = (await provision(hub, { township: 'tss', villages: [VILLAGE] })).clerk
})
afterAll(async () => {
  for (const t of open) await t.close().catch(() => undefined)
  await hub?.stop({ removeData: true })
})

async function tablet() {
  const t = await openSyncedTablet(hub, VILLAGE)
  open.push(t)
  return t
}

/** The stores a tablet's screens use, attached to its repositories, with the clerk's PIN typed (they witness passphrases and record decisions). */
function stores(t: SyncedTablet, kv?: KeyValue) {
  const pinia = createPinia()
  const acting = useActingStore(pinia)
  const seals = useSealsStore(pinia)
  const conflicts = useConflictsStore(pinia)
  acting.attach(t.data, kv ? { kv } : {})
  seals.attach(t.data)
  conflicts.attach(t.data)
  acting.begin({ id: 'person:clerk', name: '王文书', roles: ['clerk'] }, 30 * 60_000)
  return { pinia, seals, conflicts }
}

async function syncBoth(a: SyncedTablet, b: SyncedTablet, rounds = 2) {
  for (let i = 0; i < rounds; i++) {
    expect(await a.sync.syncNow(20_000)).toBe(true)
    expect(await b.sync.syncNow(20_000)).toBe(true)
  }
}

describe('one person, one vote, across two tablets', () => {
  it('the extra ballot of a voter checked off on two tablets is voided once the supervisors open its seal, and no tablet counts it', async () => {
    const a = await tablet()
    const b = await tablet()
    // the clerk's own key, certified by the hub once online: it witnesses the supervisors' keys
    const { kv } = await withCertifiedClerk(hub, a, clerkAccount, CLERK_PASSPHRASE)
    const onA = stores(a, kv)
    // their roles signed by the hub (roles a tablet writes itself count for nothing)
    await seedRoster(hub, a, ([['person:s1', '李监事'], ['person:s2', '赵监事']] as const).map(([id, name]) => ({ id, name, householdId: `household:${id.slice(7)}`, roles: ['supervisor', 'council-member'] })))
    await eventually(() => onA.seals.supervisors.length === 2, 5_000, 20)
    for (const [id, p] of Object.entries(PASS)) await clerkWitnesses(onA.pinia, () => onA.seals.createKey(id, p, p))
    await eventually(() => onA.seals.currentKeys.length === 2, 5_000, 20)
    const now = Date.now()
    const vote = await a.data.votes.create({ ...openVote(now), sealKeys: onA.seals.currentKeys.map((k) => k.publicKey) })
    await syncBoth(a, b, 1)
    expect(await b.data.sealKeys.count()).toBe(2)
    await a.sync.stop(); await b.sync.stop()

    // Offline: person:b is checked off on both tablets, first on A, a minute later on B.
    const kept = await a.data.recordBallot({ vote, voterId: 'person:b', choices: ['project:path'], recordedBy: 'person:clerk', at: now - 120_000 })
    await a.data.recordBallot({ vote, voterId: 'person:a', choices: ['project:lights'], recordedBy: 'person:clerk', at: now - 110_000 })
    const extra = await b.data.recordBallot({ vote, voterId: 'person:b', choices: ['project:water'], recordedBy: 'person:clerk', at: now - 60_000 })
    await b.data.recordBallot({ vote, voterId: 'person:c', choices: ['project:water'], recordedBy: 'person:clerk', at: now - 50_000 })
    // each kiosk session ended: the ballot boxes are written
    await a.data.ballotBox.flush(vote.id)
    await b.data.ballotBox.flush(vote.id)

    await syncBoth(a, b, 3)
    await eventually(async () => (await a.data.ballots.count({ ref: vote.id })) === 4 && (await openDoubleVotes(a.data)).length === 1, 20_000)

    // The council decides on tablet A: the earliest ballot counts. Then the vote is closed.
    await eventually(() => onA.conflicts.open.length === 1, 10_000, 20)
    const [item] = onA.conflicts.open
    await onA.conflicts.resolve(item!.id, 'keep-earliest', '本人确认先在一号平板投过票', 'person:s2')
    await a.data.votes.update(vote.id, { closedAt: Date.now() })
    await eventually(() => onA.seals.pending(vote.id).length === 1 && onA.seals.isClosed(vote.id), 10_000, 20)

    // A wrong passphrase: a clear error, nothing unlocked, nothing recorded.
    const [first, second] = onA.seals.sealers(vote.id)
    expect([first?.personId, second?.personId]).toEqual(['person:s1', 'person:s2'])
    await expect(onA.seals.unlock(vote.id, first!.publicKey, 'not the passphrase')).rejects.toMatchObject({ code: 'wrong-passphrase' })
    await expect(onA.seals.openVoids(vote.id)).rejects.toThrow(/every supervisor who sealed this vote must unlock/)
    expect(await a.data.voidLists.count()).toBe(0)

    // Every supervisor, in the layers' order.
    await onA.seals.unlock(vote.id, first!.publicKey, PASS['person:s1'])
    await onA.seals.unlock(vote.id, second!.publicKey, PASS['person:s2'])
    const list = await onA.seals.openVoids(vote.id)
    expect(list.ballotIds).toEqual([extra.ballotId])
    expect(list.openedBy).toEqual(['person:s1', 'person:s2'])
    expect(onA.seals.sealers(vote.id).every((s) => !s.unlocked)).toBe(true)

    await syncBoth(a, b, 2)
    for (const t of [a, b]) {
      await eventually(async () => (await t.data.voidLists.count({ ref: vote.id })) === 1, 20_000)
      const ballots = await t.data.ballots.list({ ref: vote.id })
      const voids = await t.data.voidLists.list({ ref: vote.id })
      const counted = D.countableBallots(ballots, vote.id, voids)
      expect(counted.map((x) => x.id).sort()).not.toContain(extra.ballotId)
      expect(counted.map((x) => x.id)).toContain(kept.ballotId)
      expect(counted).toHaveLength(3)
      const checkoffs = await t.data.checkoffs.list({ ref: vote.id })
      expect(D.surplusBallots(ballots, checkoffs, vote.id, voids)).toBe(0)
      // the voided ballot (water) is gone from the count; person:c's water ballot stays
      expect(counted.filter((x) => x.choices.includes('project:water'))).toHaveLength(1)
    }
  })
})

describe('the seal-key and void-list records', () => {
  const envelope = { v: 1, village: VILLAGE, year: 2026, author: 'person:s1', device: 'dev-1', deviceTime: Date.now(), seq: 3 }

  it('a seal key carries its secret only sealed: a record with any other field (a secret in clear) is refused, here and by the hub', async () => {
    const wrapped = await newWrappedKeyPair('person:s1', PASS['person:s1'])
    const doc = { ...envelope, id: 'sealkey:k1', kind: 'sealkey', ref: 'person:s1', body: { personId: 'person:s1', ...wrapped, createdAt: Date.now() } }
    expect(validateDocument(doc)).toEqual({ ok: true })
    expect(validateDocument({ ...doc, body: { ...doc.body, secretKey: 'ab'.repeat(32) } })).toMatchObject({ ok: false, reason: expect.stringContaining('secretKey') })
    expect(validateDocument({ ...doc, body: { ...doc.body, iterations: 1000 } })).toMatchObject({ ok: false })
    expect(validateDocument({ ...doc, ref: 'person:s2' })).toMatchObject({ ok: false })
  })

  it('a void list names ballots and who opened them, nothing else', () => {
    const doc = { ...envelope, id: 'voidlist:v1', kind: 'voidlist', ref: 'vote:v', body: { voteId: 'vote:v', ballotIds: ['ballot:ab12'], openedBy: ['person:s1'], decisions: ['decision:x'], at: 1 } }
    expect(validateDocument(doc)).toEqual({ ok: true })
    expect(validateDocument({ ...doc, body: { ...doc.body, voterId: 'person:b' } })).toMatchObject({ ok: false })
  })

  it('the tablet database schema is unchanged, so tablets in the field open their data without a migration', () => {
    // RxDB stores the collection schema and refuses a different one under the same version (DB6):
    // version 1 must stay exactly as first stored (a change needs a new version and a migration).
    const v1 = 'ab10441806cf75c90fff5fce2e19942e806a173930737b1b7062bbd26f9d2d3e'
    if (DOCS_SCHEMA.version === 1) expect(createHash('sha256').update(JSON.stringify(DOCS_SCHEMA)).digest('hex')).toBe(v1)
    expect(validateDocument({ ...envelope, id: 'voidlist:v2', kind: 'voidlist', ref: 'vote:v', body: { voteId: 'vote:v', ballotIds: ['ballot:1'], openedBy: ['person:s1'], decisions: ['decision:x'], at: 1 } })).toEqual({ ok: true })
  })
})
