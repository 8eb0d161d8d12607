import { afterAll, describe, expect, it } from 'vitest'
import * as D from '@/domain'
import { auditSnapshot } from '@/data/repositories/supervision'
import { startHub, type RunningHub } from '../support/hub'
import { startFaultProxy, type FaultProxy } from '../support/proxy'
import { couch, provision } from '../sync-server/helpers'
import { openVote } from '../data/helpers'
import { converge, hubSnapshot, openProofTablet, prng, sleep, type ProofTablet } from './tablets'

// Convergence torture: 5 tablets (real RxDB on memory storage, the real repositories and
// replication) and a real hub; a seeded random schedule of proposals, edits of the same
// proposals on several tablets, ballots (some for the same voter on two tablets), partitions
// (an app going offline, or its link dying silently under it — each tablet has its own fault proxy),
// a tablet offline for a long stretch, and a hub restart. At the end: identical data everywhere,
// every ballot exactly once, every double vote flagged, no edit vanished without a conflict record,
// and every tablet's audit check (every chain, every record against its device's events) intact.
// Replay a failure with PROOF_SEED=<seed> npx vitest run --project integration test/proof/convergence
// (PROOF_LOG=<n> prints the last n steps instead of 25).

const VILLAGE = 'vt'
const TABLETS = 5
const STEPS = 120
const VOTERS = Array.from({ length: 24 }, (_, i) => `person:v${i}`)
const SEED = Number(process.env.PROOF_SEED ?? Math.floor(Math.random() * 2 ** 31))

let hub: RunningHub | null = null
const tablets: ProofTablet[] = []
const links: FaultProxy[] = []
afterAll(async () => {
  for (const t of tablets) await t.close().catch(() => undefined)
  for (const link of links) await link.close()
  await hub?.stop({ removeData: true })
})

interface Edit { proposalId: string; field: 'title' | 'description'; value: string; prev: string; tablet: number }

describe('convergence torture', () => {
  it(`5 tablets, partitions, an offline tablet and a hub restart converge without loss (seed ${SEED})`, async () => {
    console.log(`convergence torture seed: ${SEED} (replay with PROOF_SEED=${SEED})`)
    const log: string[] = []
    try {
      await torture(SEED, log)
    } catch (error) {
      const message = `convergence torture FAILED with seed ${SEED} (replay: PROOF_SEED=${SEED})\nlast steps:\n${log.slice(-(Number(process.env.PROOF_LOG) || 25)).join('\n')}\n${(error as Error).message}`
      console.error(message)
      throw new Error(message, { cause: error })
    }
  }, 150_000)
})

async function torture(seed: number, log: string[]): Promise<void> {
  const rnd = prng(seed)
  hub = await startHub()
  await provision(hub, { township: 'tt', villages: [VILLAGE] })
  // each tablet reaches the hub through its own link (a fault proxy) that can die silently
  const hubPort = hub.port
  for (let i = 0; i < TABLETS; i++) links.push(await startFaultProxy({ port: hubPort }, { random: prng(seed + i).next }))
  for (let i = 0; i < TABLETS; i++) tablets.push(await openProofTablet(hub, VILLAGE, { hubUrl: links[i]!.url, requestTimeoutMs: 4_000 }))

  // A vote everybody knows, and a few proposals to fight over.
  const t0 = tablets[0]!
  const vote = await t0.data.votes.create({ ...openVote(), roster: VOTERS, maxChoices: 2 }) as unknown as D.Vote
  const proposals: string[] = []
  for (let i = 0; i < 3; i++) proposals.push((await t0.data.proposals.create({ title: `提案 ${i}`, description: '', proposedBy: 'person:v0', createdAt: Date.now() })).id)
  for (const t of tablets) t.sync.start()
  await converge(hub, VILLAGE, tablets, 30_000)

  const online = new Set(tablets.map((_, i) => i))
  const cast = new Map<string, number>() // ballot id → tablet
  const votedOn = new Map<string, Set<number>>() // voter → tablets that checked them off
  const edits: Edit[] = []
  const longOffline = rnd.int(TABLETS)
  const longFrom = 10 + rnd.int(15)
  const longTo = longFrom + 30 + rnd.int(20)
  const restartAt = 35 + rnd.int(20)
  let editNo = 0

  for (let step = 0; step < STEPS; step++) {
    const note = (s: string) => log.push(`#${step} ${s}`)
    if (step === longFrom) { await tablets[longOffline]!.sync.stop(); online.delete(longOffline); note(`tablet ${longOffline} goes offline for a long while`) }
    if (step === longTo) { tablets[longOffline]!.sync.start(); online.add(longOffline); note(`tablet ${longOffline} back online`) }
    if (step === restartAt) {
      const { dataDir, port } = hub
      await hub.stop()
      await sleep(rnd.int(1500))
      hub = await startHub({}, { dataDir, port })
      note('hub restarted')
    }

    const i = rnd.int(TABLETS)
    const t = tablets[i]!
    const r = rnd.next()
    if (r < 0.1) {
      const p = await t.data.proposals.create({ title: `新提案 ${step}`, description: '', proposedBy: 'person:v1', createdAt: Date.now() })
      proposals.push(p.id)
      note(`tablet ${i} creates ${p.id}`)
    } else if (r < 0.45) {
      const known = []
      for (const id of proposals) if (await t.data.proposals.get(id)) known.push(id)
      if (known.length === 0) continue
      const proposalId = rnd.pick(known.slice(0, 4)) // most edits hit the same few proposals
      const field = rnd.chance(0.5) ? 'title' : 'description'
      const current = await t.data.proposals.get(proposalId)
      const value = `e${++editNo}@t${i}`
      await t.data.proposals.update(proposalId, { [field]: value })
      edits.push({ proposalId, field, value, prev: String(current?.[field] ?? ''), tablet: i })
      note(`tablet ${i} sets ${proposalId}.${field} = ${value}`)
    } else if (r < 0.8) {
      const local = new Set((await t.data.checkoffs.list({ ref: vote.id })).map((c) => c.voterId))
      const free = VOTERS.filter((v) => !local.has(v))
      if (free.length === 0) continue
      const elsewhere = free.filter((v) => votedOn.has(v))
      const voter = elsewhere.length > 0 && rnd.chance(0.4) ? rnd.pick(elsewhere) : rnd.pick(free)
      const choices = [rnd.pick(vote.candidates).id]
      const { ballotId } = await t.data.recordBallot({ vote, voterId: voter, choices, recordedBy: 'person:clerk' })
      cast.set(ballotId, i)
      votedOn.set(voter, (votedOn.get(voter) ?? new Set()).add(i))
      note(`tablet ${i} casts ${ballotId} for ${voter}`)
    } else if (r < 0.9 && (i !== longOffline || step < longFrom || step >= longTo)) {
      // the app goes offline (sync stopped) and comes back
      if (online.has(i)) { await t.sync.stop(); online.delete(i); note(`tablet ${i} offline`) }
      else { t.sync.start(); online.add(i); note(`tablet ${i} online`) }
    } else {
      // the network dies silently under a syncing tablet (requests hang) and comes back
      const link = links[i]!
      link.set({ blackhole: !link.plan.blackhole })
      note(`tablet ${i} link ${link.plan.blackhole ? 'dead' : 'back'}`)
    }
    // every so often the kiosk sessions end: each tablet writes its ballot box (a shuffled batch)
    if (step % 15 === 14) for (const [k, tb] of tablets.entries()) { const n = await tb.data.ballotBox.flush(); if (n) note(`tablet ${k} writes ${n} boxed ballots`) }
    await sleep(20 + rnd.int(120))
  }
  // the last kiosk sessions end
  for (const tb of tablets) await tb.data.ballotBox.flush()

  // Every link healed, everyone back online; sync until everything is identical (bounded).
  for (const link of links) link.set({ blackhole: false })
  for (const t of tablets) t.sync.start()
  const rounds = await converge(hub, VILLAGE, tablets, 75_000)
  log.push(`converged in ${rounds} rounds`)

  const hubDocs = (await couch(hub, `village-${VILLAGE}/_all_docs?include_docs=true`)).body.rows.map((r: { doc: Record<string, unknown> }) => r.doc) as Array<Record<string, unknown> & { _id: string; body: Record<string, unknown> }>
  // identical data: converge() compared every tablet with the hub; check once more, and the count
  const snap = await hubSnapshot(hub, VILLAGE)
  for (const t of tablets) expect((await t.snapshot()).size).toBe(snap.size)

  // every ballot cast exists exactly once, none refused, none extra
  const ballots = hubDocs.filter((d) => d.kind === 'ballot')
  expect(ballots.filter((b) => b.refused).map((b) => b._id)).toEqual([])
  expect(ballots.map((b) => b._id).sort()).toEqual([...cast.keys()].sort())
  for (const t of tablets) expect(await t.data.ballots.count({ ref: vote.id })).toBe(cast.size)
  // one check-off per voter who voted
  const checkoffs = hubDocs.filter((d) => d.kind === 'checkoff' && !d.refused)
  expect(checkoffs.map((c) => c.body.voterId).sort()).toEqual([...votedOn.keys()].sort())

  // every double vote flagged, on every tablet, and nothing else
  const doubles = [...votedOn].filter(([, on]) => on.size > 1).map(([v]) => v).sort()
  log.push(`${cast.size} ballots, ${doubles.length} double votes, ${edits.length} edits`)
  for (const [n, t] of tablets.entries()) expect(await t.doubleVoters(vote.id), `tablet ${n}`).toEqual(doubles)

  // no edit vanished without a recorded conflict
  const conflicts = hubDocs.filter((d) => d.kind === 'conflict' && d.body.reason === 'concurrent-edit')
  const overwritten = new Set(edits.map((e) => `${e.proposalId}|${e.field}|${e.prev}`))
  let viaConflict = 0
  for (const e of edits) {
    const final = hubDocs.find((d) => d._id === e.proposalId)?.body[e.field]
    if (final === e.value) continue
    if (overwritten.has(`${e.proposalId}|${e.field}|${e.value}`)) continue // a later edit saw it and replaced it
    const recorded = conflicts.some((c) => c.body.subjectId === e.proposalId && (c.body.fields as string[]).includes(e.field) &&
      [(c.body.loser as { body?: Record<string, unknown> }).body?.[e.field]].includes(e.value))
    viaConflict++
    expect(recorded, `edit ${e.value} of ${e.proposalId}.${e.field} on tablet ${e.tablet} vanished (final: ${String(final)}) without a conflict record`).toBe(true)
  }
  log.push(`${conflicts.length} edit conflicts recorded, ${viaConflict} edits lost to a recorded conflict`)

  // the supervisory committee's tamper check passes on every tablet: merges and conflicts are audited too
  for (const [n, t] of tablets.entries()) {
    const { events, records } = await auditSnapshot(t.vdb)
    expect(D.verifyAuditChain(events, { records }).filter((r) => !r.ok).map((r) => r.summary), `audit check on tablet ${n}`).toEqual([])
  }
  console.log(`convergence torture seed ${SEED}: ${log.slice(-3).join('; ')}`)
}
