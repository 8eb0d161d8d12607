import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { firstValueFrom } from 'rxjs'
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory'
import * as D from '@/domain'
import { BALLOT_BOX_KEY, createRepositories, openVillageDatabase, type BoxEntry, type Repositories } from '@/data'
import { startHub, type RunningHub } from '../support/hub'
import { provision } from '../sync-server/helpers'
import { VILLAGE, eventually, openTablet, openVote, until, type Tablet } from './helpers'
import { openSyncedTablet, type SyncedTablet } from './sync-helpers'

let tablets: Tablet[] = []
afterEach(async () => { await Promise.all(tablets.map((t) => t.remove())); tablets = [] })

const people = (n: number, tag = '') => Array.from({ length: n }, (_, i) => `person:v${tag}${i}`)
const CHOICES = [['project:lights'], ['project:path'], ['project:water'], ['project:lights', 'project:water'], []]

async function vote(data: Repositories, roster: string[], extra: Record<string, unknown> = {}) {
  return data.votes.create({ ...openVote(), roster, ...extra })
}
async function castAll(data: Repositories, v: D.Vote, voters: string[]) {
  const ids: string[] = []
  for (const [i, voterId] of voters.entries()) {
    ids.push((await data.recordBallot({ vote: v, voterId, choices: CHOICES[i % CHOICES.length]!, recordedBy: 'person:clerk' })).ballotId)
  }
  return ids
}

describe('ballot box', () => {
  it('keeps ballots out of the database until a flush, then writes each exactly once', async () => {
    const t = await openTablet('tab-1'); tablets.push(t)
    const v = await vote(t.data, people(5))
    const ids = await castAll(t.data, v, people(5))
    expect(await t.data.checkoffs.count({ ref: v.id })).toBe(5)
    expect(await t.data.ballots.count({ ref: v.id })).toBe(0)
    expect(await firstValueFrom(t.data.ballotBox.count$(v.id))).toBe(5)
    expect(await firstValueFrom(t.data.ballotBox.count$('vote:other'))).toBe(0)
    // the box holds no voter: no check-off id, no person id
    const box = JSON.stringify((await t.vdb.docs.getLocal(BALLOT_BOX_KEY))?.toJSON())
    expect(box).not.toMatch(/person:v|checkoff:/)
    // one voter, one check-off, as before
    await expect(t.data.recordBallot({ vote: v, voterId: 'person:v0', choices: [], recordedBy: 'person:clerk' })).rejects.toThrow(/already recorded/)
    expect(await t.data.ballotBox.count(v.id)).toBe(5)

    expect(await t.data.ballotBox.flush(v.id)).toBe(5)
    const ballots = await t.data.ballots.list({ ref: v.id })
    expect(ballots.map((b) => b.id).sort()).toEqual([...ids].sort())
    expect(await firstValueFrom(t.data.ballotBox.count$())).toBe(0)
    expect(await t.data.ballotBox.flush()).toBe(0)
    expect(await t.data.ballots.count({ ref: v.id })).toBe(5)
  })

  it('writes a flush in a shuffled order: seq and audit order differ from the cast order, check-offs and ballots not interleaved', async () => {
    const t = await openTablet('tab-1'); tablets.push(t)
    let reorderedSeq = 0
    let reorderedAudit = 0
    for (let round = 0; round < 10; round++) {
      const voters = people(8, `r${round}x`)
      const v = await vote(t.data, voters)
      const cast = await castAll(t.data, v, voters)
      expect(await t.data.ballotBox.flush(v.id)).toBe(8)
      const ballots = await t.data.ballots.list({ ref: v.id })
      const bySeq = [...ballots].sort((a, b) => a.meta.seq - b.meta.seq).map((b) => b.id)
      if (bySeq.join() !== cast.join()) reorderedSeq++
      const audit = (await t.data.audit.list()).filter((a) => cast.includes(a.subjectId)).sort((a, b) => a.seq - b.seq).map((a) => a.subjectId)
      expect(audit).toHaveLength(8)
      if (audit.join() !== cast.join()) reorderedAudit++
      const checkoffSeqs = (await t.data.checkoffs.list({ ref: v.id })).map((c) => c.meta.seq)
      const ballotSeqs = ballots.map((b) => b.meta.seq)
      expect(Math.max(...checkoffSeqs)).toBeLessThan(Math.min(...ballotSeqs))
    }
    expect(reorderedSeq).toBeGreaterThan(0)
    expect(reorderedAudit).toBeGreaterThan(0)
  })

  it('after a crash keeps every ballot whose check-off was written, drops the rest, and never writes one twice', async () => {
    const name = `crash${Date.now().toString(36)}`
    const storage = getRxStorageMemory()
    const identity = { villageId: VILLAGE, deviceId: 'tab-1', actor: () => 'person:clerk' }
    const vdb = await openVillageDatabase({ villageId: VILLAGE, storage, name })
    const data = await createRepositories(vdb, identity)
    const voters = people(4)
    const v = await vote(data, voters)
    await castAll(data, v, voters.slice(0, 2))
    const entries = (await vdb.docs.getLocal<{ entries: BoxEntry[] }>(BALLOT_BOX_KEY))!.get('entries') as BoxEntry[]
    const [first] = entries
    // (1) a cast that crashed before its check-off: a pending entry, nobody checked off
    const orphan = D.castVote({ vote: v, voterId: voters[2]!, choices: [], recordedBy: 'person:clerk', device: 'tab-1', at: Date.now(), random: (n) => crypto.getRandomValues(new Uint8Array(n)) })
    // (2) a cast that crashed after its check-off, before the mark was removed
    const done = D.castVote({ vote: v, voterId: voters[3]!, choices: ['project:path'], recordedBy: 'person:clerk', device: 'tab-1', at: Date.now(), random: (n) => crypto.getRandomValues(new Uint8Array(n)) })
    await data.writer.insert([data.checkoffs.item(done.checkOff)])
    // (3) a flush that crashed half-way: the first boxed ballot is already in the database
    await data.writer.insert([first!.item])
    const item = (b: D.Ballot) => ({ ...data.ballots.item(b), deviceTime: b.castAt, year: new Date().getFullYear() })
    await vdb.docs.upsertLocal(BALLOT_BOX_KEY, { entries: [...entries, { voteId: v.id, item: item(orphan.ballot), pending: orphan.checkOff.id }, { voteId: v.id, item: item(done.ballot), pending: done.checkOff.id }] })
    await vdb.close()

    const again = await openVillageDatabase({ villageId: VILLAGE, storage, name })
    try {
      const data2 = await createRepositories(again, identity)
      expect(await data2.ballotBox.count(v.id)).toBe(3)
      expect(await data2.ballotBox.flush(v.id)).toBe(2)
      const ballots = (await data2.ballots.list({ ref: v.id })).map((b) => b.id)
      expect(new Set(ballots).size).toBe(ballots.length)
      expect(ballots).toContain(done.ballot.id)
      expect(ballots).not.toContain(orphan.ballot.id)
      expect(ballots).toHaveLength(3)
      expect(await data2.checkoffs.count({ ref: v.id })).toBe(3)
      expect(await data2.ballotBox.count()).toBe(0)
    } finally { await again.db.remove() }
  })

  it('closing a vote on this tablet writes its boxed ballots before the close', async () => {
    const t = await openTablet('tab-1'); tablets.push(t)
    const v = await vote(t.data, people(3))
    const other = await vote(t.data, people(2, 'o'))
    await castAll(t.data, v, people(3))
    await castAll(t.data, other, people(2, 'o'))
    const closed = await t.data.votes.update(v.id, { closedAt: Date.now() })
    const ballots = await t.data.ballots.list({ ref: v.id })
    expect(ballots).toHaveLength(3)
    for (const b of ballots) expect(b.meta.seq).toBeLessThan(closed.meta.seq)
    // the other vote's box waits for its own close
    expect(await t.data.ballotBox.count(other.id)).toBe(2)
    expect(await t.data.ballots.count({ ref: other.id })).toBe(0)
  })

  it('flushes a vote whose closing time has passed on this device', async () => {
    let clock = Date.now()
    const t = await openTablet('tab-1', { now: () => clock }); tablets.push(t)
    const v = await vote(t.data, people(2), { closesAt: clock + 60_000 })
    await castAll(t.data, v, people(2))
    expect(await t.data.ballots.count({ ref: v.id })).toBe(0)
    clock += 120_000
    // seen at once when anything wakes the box (here: a new vote arrives), or by its timer
    await t.data.votes.create({ ...openVote(clock), roster: people(1, 'z') })
    await until(t.data.ballotBox.count$(), (n) => n === 0, 5_000)
    expect(await t.data.ballots.count({ ref: v.id })).toBe(2)
  })
})

describe('ballot box and sync', () => {
  let hub: RunningHub | null = null
  const open: SyncedTablet[] = []
  afterAll(async () => {
    for (const t of open) await t.close().catch(() => undefined)
    await hub?.stop({ removeData: true })
  })

  it('flushes when the vote is seen closed by sync, and the hub gets every ballot once', async () => {
    hub = await startHub()
    await provision(hub, { township: 'tsb', villages: ['vb'] })
    const a = await openSyncedTablet(hub, 'vb'); open.push(a)
    const b = await openSyncedTablet(hub, 'vb'); open.push(b)
    const v = await a.data.votes.create(openVote())
    expect(await a.sync.syncNow(20_000)).toBe(true)
    expect(await b.sync.syncNow(20_000)).toBe(true)
    await castAll(b.data, v, ['person:a', 'person:b'])
    expect(await b.sync.syncNow(20_000)).toBe(true)
    await a.data.votes.update(v.id, { closedAt: Date.now() })
    expect(await a.sync.syncNow(20_000)).toBe(true)
    expect(await b.sync.syncNow(20_000)).toBe(true)
    await until(b.data.ballotBox.count$(), (n) => n === 0, 10_000)
    expect(await b.data.ballots.count({ ref: v.id })).toBe(2)
    expect(await b.sync.syncNow(20_000)).toBe(true)
    expect(await a.sync.syncNow(20_000)).toBe(true)
    await eventually(async () => (await a.data.ballots.count({ ref: v.id })) === 2, 10_000)
    expect(await a.data.checkoffs.count({ ref: v.id })).toBe(2)
  })
})
