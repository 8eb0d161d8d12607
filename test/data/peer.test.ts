import { afterEach, describe, expect, it } from 'vitest'
import { verifyAuditChain } from '@/domain/audit'
import { auditSnapshot } from '@/data/repositories/supervision'
import type { Repositories } from '@/data'
import { eventually, openDoubleVotes, openVote, until } from './helpers'
import { checkOffId } from '@/domain'
import { channelTransport, memoryTransportPair, Wire } from '@/data/peer/wire'
import { startPeerSession } from '@/data/peer/session'
import { newAuthority, pair, peerTablet, recordsOf, type PeerTablet } from './peer-helpers'

let tablets: PeerTablet[] = []
let pairings: { close(): Promise<void> }[] = []
afterEach(async () => {
  for (const p of pairings) await p.close()
  await Promise.all(tablets.map((t) => t.remove()))
  tablets = []; pairings = []
})

async function tablet(device: string, hub = authority, village?: string) {
  const t = await peerTablet(hub, device, village)
  tablets.push(t)
  return t
}
let authority = newAuthority()

async function people(data: Repositories, ids: string[]) {
  for (const id of ids) await data.persons.create({ id, name: `村民${id.slice(-2)}`, householdId: `household:${id.slice(7)}`, roles: [], householdHead: true })
}

describe('peer sync between two tablets', () => {
  it('gives each tablet the other\'s records, both ways, and says how many moved', async () => {
    authority = newAuthority()
    const a = await tablet('tab-a')
    const b = await tablet('tab-b')
    for (let i = 0; i < 5; i++) await a.data.proposals.create({ title: `甲的提议 ${i}`, proposedBy: 'person:a', createdAt: Date.now() })
    for (let i = 0; i < 3; i++) await b.data.proposals.create({ title: `乙的提议 ${i}`, proposedBy: 'person:a', createdAt: Date.now() })
    const p = pair(a, b); pairings.push(await p)
    const { a: sa, b: sb } = await p
    const [doneA, doneB] = await Promise.all([until(sa.state$, (s) => s.phase === 'live'), until(sb.state$, (s) => s.phase === 'live')])
    expect(doneB.peerDevice).toBe('tab-a')
    expect(doneA.peerDevice).toBe('tab-b')
    // 5 proposals and their 5 audit events from A, 3 + 3 from B
    expect(doneB.received).toBe(10)
    expect(doneB.sent).toBe(6)
    const [ra, rb] = [await recordsOf(a), await recordsOf(b)]
    expect(ra.size).toBe(16)
    expect([...ra.entries()].sort()).toEqual([...rb.entries()].sort())
    expect((await b.data.proposals.list()).map((x) => x.title).sort()).toContain('甲的提议 0')
    expect(doneA.refused).toEqual([])
    expect(doneB.refused).toEqual([])
  })

  it('shows a voter checked off on both tablets as a double vote on both, before any hub sees it', async () => {
    authority = newAuthority()
    const a = await tablet('tab-a')
    const b = await tablet('tab-b')
    await people(a.data, ['person:v1', 'person:v2'])
    const vote = await a.data.votes.create({ ...openVote(), roster: ['person:v1', 'person:v2'] })
    // B gets the vote and the roster first (an earlier pairing), then both tablets vote apart
    const first = await pair(a, b); pairings.push(first)
    await until(first.b.state$, (s) => s.phase === 'live')
    await first.close()
    const onB = (await b.data.votes.get(vote.id))!
    await a.data.recordBallot({ vote, voterId: 'person:v1', choices: ['project:lights'], recordedBy: 'person:clerk' })
    await b.data.recordBallot({ vote: onB, voterId: 'person:v1', choices: ['project:path'], recordedBy: 'person:clerk' })
    await b.data.recordBallot({ vote: onB, voterId: 'person:v2', choices: ['project:water'], recordedBy: 'person:clerk' })
    expect(await a.data.ballotBox.count(vote.id)).toBe(1)
    expect(await b.data.ballotBox.count(vote.id)).toBe(2)

    const again = await pair(a, b); pairings.push(again)
    const [sa, sb] = await Promise.all([until(again.a.state$, (s) => s.phase === 'live'), until(again.b.state$, (s) => s.phase === 'live')])
    // the ballot boxes were written out (shuffled) before anything moved
    expect(sa.flushed).toBe(1)
    expect(sb.flushed).toBe(2)
    for (const t of [a, b]) {
      await eventually(async () => (await openDoubleVotes(t.data)).length === 1, 10_000)
      expect(await openDoubleVotes(t.data)).toEqual([checkOffId(vote.id, 'person:v1')])
      // the conflict names both tablets that checked the voter off
      const [dv] = (await t.data.conflicts.list()).filter((c) => c.reason === 'double-checkoff')
      expect([dv!.winner.device, String((dv!.loser as { device?: unknown }).device)].sort()).toEqual(['tab-a', 'tab-b'])
      // all three ballots on both tablets; the box is empty
      await eventually(async () => (await t.data.ballots.count({ ref: vote.id })) === 3, 10_000)
      expect(await t.data.ballotBox.count()).toBe(0)
    }
    await eventually(() => again.b.state.doubleVotes === 1 && again.a.state.doubleVotes === 1, 10_000)
  })

  it('merges a proposal edited on both tablets and records what lost', async () => {
    authority = newAuthority()
    const a = await tablet('tab-a')
    const b = await tablet('tab-b')
    const prop = await a.data.proposals.create({ title: '修路', proposedBy: 'person:a', createdAt: Date.now() })
    const first = await pair(a, b); pairings.push(first)
    await until(first.b.state$, (s) => s.phase === 'live')
    await first.close()
    await a.data.proposals.update(prop.id, { title: '修村口的路' })
    await new Promise((r) => setTimeout(r, 5))
    await b.data.proposals.update(prop.id, { title: '修村口到小学的路', description: '村口到小学' })
    const again = await pair(a, b); pairings.push(again)
    await until(again.b.state$, (s) => s.phase === 'live')
    await eventually(async () => (await a.data.proposals.get(prop.id))?.title === '修村口到小学的路', 10_000)
    expect((await b.data.proposals.get(prop.id))?.title).toBe('修村口到小学的路')
    expect((await a.data.proposals.get(prop.id))?.description).toBe('村口到小学')
    for (const t of [a, b]) {
      await eventually(async () => (await t.data.conflicts.list()).some((c) => c.reason === 'concurrent-edit' && c.subjectId === prop.id), 10_000)
    }
  })

  it('keeps the audit chains whole: every event of the other tablet arrives and checks', async () => {
    authority = newAuthority()
    const a = await tablet('tab-a')
    const b = await tablet('tab-b')
    for (let i = 0; i < 12; i++) await a.data.proposals.create({ title: `提议 ${i}`, proposedBy: 'person:a', createdAt: Date.now() })
    const p = await pair(a, b); pairings.push(p)
    await until(p.b.state$, (s) => s.phase === 'live')
    const snap = await auditSnapshot(b.vdb)
    const reports = verifyAuditChain(snap.events, { records: snap.records })
    const ofA = reports.find((r) => r.device === 'tab-a')
    expect(ofA?.ok).toBe(true)
    expect(ofA?.events).toBeGreaterThanOrEqual(12)
  })
})

describe('peer sync among more tablets, live and resumed', () => {
  it('brings A\'s records to C through B (A–B, then B–C), checked against A\'s certificate', async () => {
    authority = newAuthority()
    const a = await tablet('tab-a')
    const b = await tablet('tab-b')
    const c = await tablet('tab-c')
    for (let i = 0; i < 4; i++) await a.data.proposals.create({ title: `甲 ${i}`, proposedBy: 'person:a', createdAt: Date.now() })
    await c.data.proposals.create({ title: '丙', proposedBy: 'person:a', createdAt: Date.now() })
    const ab = await pair(a, b); pairings.push(ab)
    await until(ab.b.state$, (s) => s.phase === 'live')
    await ab.close()
    const bc = await pair(b, c); pairings.push(bc)
    const [sb, sc] = await Promise.all([until(bc.a.state$, (s) => s.phase === 'live'), until(bc.b.state$, (s) => s.phase === 'live')])
    expect(sc.refused).toEqual([])
    expect(sb.refused).toEqual([])
    expect((await c.data.proposals.list()).map((p) => p.title).sort()).toEqual(['丙', '甲 0', '甲 1', '甲 2', '甲 3'])
    expect((await b.data.proposals.list())).toHaveLength(5)
    // A never met C, yet C's record reaches A at A's next pairing with B
    await bc.close()
    const ab2 = await pair(a, b); pairings.push(ab2)
    await until(ab2.b.state$, (s) => s.phase === 'live')
    await eventually(async () => (await a.data.proposals.list()).length === 5, 10_000)
    expect([...(await recordsOf(a)).entries()].sort()).toEqual([...(await recordsOf(c)).entries()].sort())
  })

  it('keeps syncing while the channel stays open, both ways', async () => {
    authority = newAuthority()
    const a = await tablet('tab-a')
    const b = await tablet('tab-b')
    const p = await pair(a, b); pairings.push(p)
    await until(p.b.state$, (s) => s.phase === 'live')
    await a.data.proposals.create({ title: '会上新提的', proposedBy: 'person:a', createdAt: Date.now() })
    await eventually(async () => (await b.data.proposals.list()).some((x) => x.title === '会上新提的'), 10_000)
    await b.data.proposals.create({ title: '另一台平板上提的', proposedBy: 'person:a', createdAt: Date.now() })
    await eventually(async () => (await a.data.proposals.list()).some((x) => x.title === '另一台平板上提的'), 10_000)
    await eventually(() => p.b.state.received >= 2 && p.b.state.sent >= 2, 5_000)
  })

  it('resumes a pairing cut short from its checkpoints, without starting over', async () => {
    authority = newAuthority()
    const a = await tablet('tab-a')
    const b = await tablet('tab-b')
    for (let i = 0; i < 150; i++) await a.data.proposals.create({ title: `提议 ${i}`, proposedBy: 'person:a', createdAt: Date.now() })
    const total = (await recordsOf(a)).size
    // hello, proof, ready, then 6 answers of 20 records: the channel breaks half-way
    const first = await pair(a, b, { batchSize: 20, cutAfter: 9 }); pairings.push(first)
    await until(first.b.state$, (s) => s.phase === 'ended')
    expect(first.b.state.problem?.reason).toBe('closed')
    const held = (await recordsOf(b)).size
    expect(held).toBeGreaterThanOrEqual(80)
    expect(held).toBeLessThan(total)
    const second = await pair(a, b, { batchSize: 20 }); pairings.push(second)
    const done = await until(second.b.state$, (s) => s.phase === 'live', 20_000)
    // from the last checkpoint: what B lacked, and at most the one batch whose checkpoint was not saved yet
    expect(done.received).toBeLessThanOrEqual(total - held + 20)
    expect((await recordsOf(b)).size).toBe(total)
  })
})

describe('who may pair, and what a tablet takes from another', () => {
  it('passes records both tablets already hold as they are (older unsigned ones from the hub), without refusing or counting them', async () => {
    authority = newAuthority()
    const a = await tablet('tab-a')
    const b = await tablet('tab-b')
    const fromHub = { id: 'village:qingbo', kind: 'village' as const, v: 1, village: 'qingbo', year: 2026, author: 'hub', device: 'hub', deviceTime: 1, seq: 1, ref: '', body: { name: '青坝村', townshipId: 'township:t1' } }
    await a.vdb.docs.insert(fromHub)
    await b.vdb.docs.insert(fromHub)
    await a.data.proposals.create({ title: '新的', proposedBy: 'person:a', createdAt: Date.now() })
    const p = await pair(a, b); pairings.push(p)
    const done = await until(p.b.state$, (s) => s.phase === 'live')
    expect(done.refused).toEqual([])
    expect(done.received).toBe(2)
  })

  it('refuses a tablet of another village, on both sides, and moves nothing', async () => {
    authority = newAuthority()
    const a = await tablet('tab-a')
    const x = await tablet('tab-x', authority, 'other-village')
    await a.data.proposals.create({ title: '本村的', proposedBy: 'person:a', createdAt: Date.now() })
    await x.data.proposals.create({ title: '外村的', proposedBy: 'person:a', createdAt: Date.now() })
    const p = await pair(a, x); pairings.push(p)
    const [sa, sx] = await Promise.all([until(p.a.state$, (s) => s.phase === 'refused'), until(p.b.state$, (s) => s.phase === 'refused')])
    expect(sa.problem?.reason).toBe('other-village')
    expect(['other-village', 'they-refused']).toContain(sx.problem?.reason)
    expect((await a.data.proposals.list()).map((q) => q.title)).toEqual(['本村的'])
    expect((await x.data.proposals.list()).map((q) => q.title)).toEqual(['外村的'])
  })

  it('refuses a device whose certificate the township\'s hub did not sign', async () => {
    authority = newAuthority()
    const a = await tablet('tab-a')
    const stranger = await tablet('tab-s', newAuthority())
    const p = await pair(stranger, a); pairings.push(p)
    const sa = await until(p.b.state$, (s) => s.phase === 'refused')
    expect(sa.problem?.reason).toBe('not-enrolled')
    expect(sa.peerDevice).toBeNull()
  })

  it('refuses a tablet the hub has withdrawn from the village', async () => {
    authority = newAuthority()
    const a = await tablet('tab-a')
    const gone = await tablet('tab-gone')
    authority.revoked.add('tab-gone')
    const p = await pair(gone, a); pairings.push(p)
    const sa = await until(p.b.state$, (s) => s.phase === 'refused')
    expect(sa.problem?.reason).toBe('revoked')
  })

  it('keeps what the other tablet sends before this one reads the channel (its first message may come while this side loads its keys)', async () => {
    const dc = Object.assign(new EventTarget(), { bufferedAmount: 0, readyState: 'open', bufferedAmountLowThreshold: 0, send() {}, close() {} })
    const transport = channelTransport(dc as unknown as RTCDataChannel)
    dc.dispatchEvent(new MessageEvent('message', { data: '.{"t":"n:hello"}' }))
    dc.dispatchEvent(new MessageEvent('message', { data: '.{"t":"n:proof"}' }))
    const got: string[] = []
    transport.onMessage((text) => got.push(text))
    dc.dispatchEvent(new MessageEvent('message', { data: '.{"t":"n:ready"}' }))
    expect(got).toEqual(['.{"t":"n:hello"}', '.{"t":"n:proof"}', '.{"t":"n:ready"}'])
  })

  it('gives up, in words, when the other side never answers the handshake', async () => {
    authority = newAuthority()
    const a = await tablet('tab-a')
    const [ta, tx] = memoryTransportPair()
    new Wire(tx) // a device that opens the channel and then says nothing
    const s = startPeerSession({ vdb: a.vdb, trust: a.trust, wire: new Wire(ta), role: 'answer', fingerprints: { offer: 'aa'.repeat(32), answer: 'bb'.repeat(32) }, flushBallots: async () => 0, handshakeTimeoutMs: 300 })
    const done = await until(s.state$, (x) => x.phase === 'ended' || x.phase === 'refused', 5_000)
    expect(done.problem?.reason).toBe('timeout')
  })

  it('refuses a proof made for another channel (the codes scanned were not this pair\'s)', async () => {
    authority = newAuthority()
    const a = await tablet('tab-a')
    const b = await tablet('tab-b')
    await a.data.proposals.create({ title: '甲', proposedBy: 'person:a', createdAt: Date.now() })
    const fa = { offer: 'aa'.repeat(32), answer: 'bb'.repeat(32) }
    const fb = { offer: 'aa'.repeat(32), answer: 'cc'.repeat(32) }
    const p = await pair(a, b, { fingerprints: [fa, fb] }); pairings.push(p)
    const [sa, sb] = await Promise.all([until(p.a.state$, (s) => s.phase === 'refused' || s.phase === 'ended'), until(p.b.state$, (s) => s.phase === 'refused' || s.phase === 'ended')])
    expect([sa.problem?.reason, sb.problem?.reason]).toContain('bad-proof')
    expect(await b.data.proposals.list()).toEqual([])
  })
})
