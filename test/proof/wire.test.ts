/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers of the hub */
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import type * as D from '@/domain'
import { startHub, type RunningHub } from '../support/hub'
import { startFaultProxy, type FaultProxy } from '../support/proxy'
import { couch, provision } from '../sync-server/helpers'
import { eventually, openVote } from '../data/helpers'
import { converge, hubSnapshot, openProofTablet, prng, type ProofTablet } from './tablets'

// Faults on the wire: tablets reach the hub through a TCP proxy that delays, drops connections,
// cuts responses half-way and stalls long-polls; and the hub is killed (-9) during a large push.
// Sync still completes with nothing lost, nothing duplicated, and no false rejection.

const SEED = Number(process.env.PROOF_SEED ?? 20261127)
let hub: RunningHub | null = null
let proxy: FaultProxy | null = null
let tablets: ProofTablet[] = []

afterEach(async () => {
  for (const t of tablets) await t.close().catch(() => undefined)
  tablets = []
  await proxy?.close()
  proxy = null
})
afterAll(async () => { await hub?.stop({ removeData: true }) })

async function setup(village: string, n: number, tabletOpts: Parameters<typeof openProofTablet>[2] = {}) {
  hub ??= await startHub()
  await provision(hub, { township: `t${village}`, villages: [village] })
  proxy = await startFaultProxy({ port: hub.port }, { random: prng(SEED).next })
  for (let i = 0; i < n; i++) tablets.push(await openProofTablet(hub, village, { hubUrl: proxy.url, ...tabletOpts }))
  return tablets
}

/** Nothing of this village in quarantine, no rejection notice, nothing marked refused: no false refusal. */
async function noFalseRefusals(village: string): Promise<void> {
  const q = await couch(hub!, `_hub/quarantine?db=village-${village}`)
  expect(q.body.map((e: any) => `${e.docId}: ${e.reason}`)).toEqual([])
  const docs = (await couch(hub!, `village-${village}/_all_docs?include_docs=true`)).body.rows.map((r: any) => r.doc)
  expect(docs.filter((d: any) => d.kind === 'rejection' || d.refused).map((d: any) => d._id)).toEqual([])
}

describe('faults on the wire', () => {
  it('delays, dropped connections and responses cut half-way: sync completes, nothing lost or duplicated', async () => {
    const village = 'vw'
    const [a, b, c] = await setup(village, 3)
    const voters = Array.from({ length: 60 }, (_, i) => `person:w${i}`)
    const vote = await a!.data.votes.create({ ...openVote(), roster: voters }) as unknown as D.Vote
    await converge(hub!, village, tablets, 30_000)
    for (const t of tablets) await t.sync.stop()

    // offline work on every tablet: ballots (disjoint voters), comments, proposals and edits
    const cast: string[] = []
    for (const [i, t] of [a!, b!, c!].entries()) {
      for (let k = 0; k < 20; k++) cast.push((await t.data.recordBallot({ vote, voterId: voters[i * 20 + k]!, choices: ['project:lights'], recordedBy: 'person:clerk' })).ballotId)
      expect(await t.data.ballotBox.flush()).toBe(20) // the kiosk session ends
      await t.data.writer.insert(Array.from({ length: 40 }, (_, k) => ({ kind: 'comment' as const, id: `comment:w${i}-${k}`, ref: '', body: { text: `意见 ${i}-${k} `.repeat(10) } })))
      const p = await t.data.proposals.create({ title: `提案 ${i}`, proposedBy: 'person:w0', createdAt: Date.now() })
      await t.data.proposals.update(p.id, { description: `说明 ${i}` })
    }

    // the link drops for sure once the push is under way (30 KB in) and the first answer is cut for
    // sure, whatever the dice say after
    proxy!.set({ delayMs: 15, jitterMs: 25, dropRate: 0.2, dropWithinMs: 1500, cutRate: 0.1, cutNext: 1, cutAtBytesUp: proxy!.stats.bytesUp + 30_000 })
    const started = Date.now()
    let blips = 0
    // and every so often the whole link drops (every open connection reset)
    const blipper = setInterval(() => { blips++; proxy!.cutAll() }, 3_000)
    for (const t of tablets) t.sync.start()
    const rounds = await converge(hub!, village, tablets, 100_000).finally(() => clearInterval(blipper))
    console.log(`wire faults: converged in ${rounds} rounds, ${Date.now() - started} ms, ${blips} link drops; proxy ${JSON.stringify(proxy!.stats)}`)
    expect(proxy!.stats.cut).toBeGreaterThan(0)
    expect(proxy!.plan.cutAtBytesUp, 'the link never dropped mid-push').toBeNull()
    expect(proxy!.stats.dropped + proxy!.stats.resets).toBeGreaterThan(0)

    const hubDocs = (await couch(hub!, `village-${village}/_all_docs?include_docs=true`)).body.rows.map((r: any) => r.doc)
    expect(hubDocs.filter((d: any) => d.kind === 'ballot').map((d: any) => d._id).sort()).toEqual([...cast].sort())
    expect(hubDocs.filter((d: any) => d.kind === 'comment')).toHaveLength(120)
    expect(hubDocs.filter((d: any) => d.kind === 'checkoff')).toHaveLength(60)
    // once the link is good again, every tablet knows it has nothing left to send
    proxy!.set({ dropRate: 0, cutRate: 0 })
    for (const [i, t] of tablets.entries()) {
      expect(await t.sync.syncNow(20_000), `tablet ${i} sync now`).toBe(true)
      expect(await t.data.ballots.count({ ref: vote.id })).toBe(60)
      expect(await t.sync.pendingCount(), `tablet ${i} still counts records as not synced, though the hub has them all`).toBe(0)
    }
    await noFalseRefusals(village)
  }, 150_000)

  it('stalled long-polls: a push still completes, and "sync now" still brings the other tablets\' records', async () => {
    const village = 'vs'
    const [a, b] = await setup(village, 2)
    await converge(hub!, village, tablets, 30_000)
    proxy!.set({ stallLongPolls: true })
    // kill the live long-polls, so the new ones are the stalled ones
    proxy!.cutAll()
    await eventually(() => proxy!.stats.stalled >= 2, 20_000)
    const pa = await a!.data.proposals.create({ title: '甲的提案', proposedBy: 'person:a', createdAt: Date.now() })
    const pb = await b!.data.proposals.create({ title: '乙的提案', proposedBy: 'person:b', createdAt: Date.now() })
    // pushes do not use the long-poll: both reach the hub without any help
    await eventually(async () => (await hubSnapshot(hub!, village)).has(pa.id) && (await hubSnapshot(hub!, village)).has(pb.id), 20_000, 200)
    expect(await a!.sync.syncNow(20_000)).toBe(true)
    expect(await b!.sync.syncNow(20_000)).toBe(true)
    expect(await a!.data.proposals.get(pb.id)).not.toBeNull()
    expect(await b!.data.proposals.get(pa.id)).not.toBeNull()
    await noFalseRefusals(village)
  })

  it('a long-poll whose connection goes silent is abandoned: live updates resume without "sync now"', async () => {
    const village = 'vl'
    const [a, b] = await setup(village, 2)
    await converge(hub!, village, tablets, 30_000)
    // every long-poll connection open now goes dead silently (no reset, no heartbeat); new ones work
    proxy!.set({ stallLongPolls: true })
    proxy!.cutAll()
    await eventually(() => proxy!.stats.stalled >= 2, 20_000)
    proxy!.set({ stallLongPolls: false })
    const started = Date.now()
    const pb = await b!.data.proposals.create({ title: '乙的新提案', proposedBy: 'person:b', createdAt: Date.now() })
    // heartbeat 3 s: a silent long-poll is given up after 2 heartbeats + 5 s, then the new one delivers
    await eventually(async () => (await a!.data.proposals.get(pb.id)) !== null, 25_000, 200)
    console.log(`stalled long-poll: the other tablet's record arrived live after ${Date.now() - started} ms`)
  })

  it('a request lost in a dead network is given up: after the link heals, the push completes', async () => {
    const village = 'vd'
    const [a] = await setup(village, 1, { requestTimeoutMs: 4_000 })
    await converge(hub!, village, tablets, 30_000)
    // the network dies silently: connections are accepted and never answered
    proxy!.set({ blackhole: true })
    proxy!.cutAll()
    const p = await a!.data.proposals.create({ title: '断网时写的提案', proposedBy: 'person:a', createdAt: Date.now() })
    // the push is now stuck in the dead network
    await eventually(() => proxy!.stats.lost.some((l) => /^POST .*\/(_all_docs|_bulk_docs)/.test(l)), 20_000)
    proxy!.set({ blackhole: false })
    const started = Date.now()
    await eventually(async () => (await hubSnapshot(hub!, village)).has(p.id), 30_000, 200)
    console.log(`dead network: the push went through ${Date.now() - started} ms after the link healed`)
    expect(await a!.sync.syncNow(20_000)).toBe(true)
    expect(await a!.sync.pendingCount()).toBe(0)
  })

  it('kill -9 of the hub during a large push through a slow link: resumes, complete, no duplicates, no false refusal', async () => {
    const village = 'vk'
    const TOTAL = 1200 // 600 comments and their 600 audit events
    const [t] = await setup(village, 1, { batchSize: 100 })
    await t!.sync.stop()
    for (let i = 0; i < 600; i += 200) {
      await t!.data.writer.insert(Array.from({ length: 200 }, (_, k) => ({ kind: 'comment' as const, id: `comment:k${i + k}`, ref: '', body: { text: `第 ${i + k} 条意见 `.repeat(15) } })))
    }
    const local = await t!.vdb.docs.count().exec()
    expect(local).toBe(TOTAL)
    proxy!.set({ delayMs: 5, jitterMs: 10 })
    t!.sync.start()
    const count = async () => (await couch(hub!, `village-${village}/_all_docs?limit=0`)).body.total_rows as number
    await eventually(async () => (await count()) >= 250, 30_000, 10)
    const { dataDir, port } = hub!
    await hub!.stop({ signal: 'SIGKILL' })
    const unsent = await t!.sync.pendingCount()
    expect(unsent).toBeGreaterThan(0) // killed in the middle of the push
    hub = await startHub({}, { dataDir, port })
    // the tablet is backing off after the failures; "sync now" (what the clerk taps) resumes at once
    await eventually(async () => { await t!.sync.syncNow(10_000); return (await count()) === TOTAL }, 60_000, 100)
    expect(await t!.sync.syncNow(30_000)).toBe(true)
    expect(await count()).toBe(TOTAL)
    expect(await t!.sync.pendingCount()).toBe(0)
    const snap = await hubSnapshot(hub, village)
    const mine = await t!.snapshot()
    expect([...mine.keys()].filter((id) => snap.get(id) !== mine.get(id))).toEqual([])
    await noFalseRefusals(village)
  })
})
