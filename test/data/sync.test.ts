import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkOffId } from '@/domain'
import { startHub, type RunningHub } from '../support/hub'
import { provision } from '../sync-server/helpers'
import { eventually, openDoubleVotes, openVote } from './helpers'
import { openSyncedTablet, type SyncedTablet } from './sync-helpers'

const VILLAGE = 'va'
let hub: RunningHub
const open: SyncedTablet[] = []

beforeAll(async () => {
  hub = await startHub()
  await provision(hub, { township: 'tsa', villages: [VILLAGE] })
})
afterAll(async () => {
  for (const t of open) await t.close().catch(() => undefined)
  await hub?.stop({ removeData: true })
})

async function tablet(opts: Parameters<typeof openSyncedTablet>[2] = {}) {
  const t = await openSyncedTablet(hub, VILLAGE, opts)
  open.push(t)
  return t
}

describe('two tablets offline, then sync', () => {
  it('converge to the same state, lose no ballot, and both show the double vote and the edit conflict', async () => {
    const a = await tablet()
    const b = await tablet()
    const vote = await a.data.votes.create(openVote())
    const prop = await a.data.proposals.create({ title: '修路灯', description: '', proposedBy: 'person:a', createdAt: Date.now() })
    expect(await a.sync.syncNow(20_000)).toBe(true)
    expect(await b.sync.syncNow(20_000)).toBe(true)
    expect(await b.data.votes.get(vote.id)).not.toBeNull()
    await a.sync.stop(); await b.sync.stop()

    // offline: both tablets take ballots; voter b is checked off on both
    await a.data.recordBallot({ vote, voterId: 'person:a', choices: ['project:lights'], recordedBy: 'person:clerk' })
    await a.data.recordBallot({ vote, voterId: 'person:b', choices: ['project:path'], recordedBy: 'person:clerk' })
    await b.data.recordBallot({ vote, voterId: 'person:b', choices: ['project:water'], recordedBy: 'person:clerk' })
    await b.data.recordBallot({ vote, voterId: 'person:c', choices: ['project:lights', 'project:water'], recordedBy: 'person:clerk' })
    // each tablet's kiosk session ends: its ballot box is written
    expect(await a.data.ballotBox.flush()).toBe(2)
    expect(await b.data.ballotBox.flush()).toBe(2)
    // offline edits of one proposal: different fields merge, the same field conflicts
    await a.data.proposals.update(prop.id, { title: '修路灯（村口）', status: 'shortlisted' })
    await b.data.proposals.update(prop.id, { description: '村口到祠堂', status: 'withdrawn' })
    expect(await a.sync.pendingCount()).toBeGreaterThan(0)

    for (let round = 0; round < 3; round++) {
      expect(await a.sync.syncNow(20_000)).toBe(true)
      expect(await b.sync.syncNow(20_000)).toBe(true)
    }
    await eventually(async () => {
      const [sa, sb] = [await a.snapshot(), await b.snapshot()]
      return sa.size === sb.size && [...sa].every(([id, v]) => sb.get(id) === v)
    }, 20_000, 200)

    for (const t of [a, b]) {
      expect(await t.data.ballots.count({ ref: vote.id })).toBe(4)
      expect(await openDoubleVotes(t.data)).toEqual([checkOffId(vote.id, 'person:b')])
      const p = await t.data.proposals.get(prop.id)
      expect(p).toMatchObject({ title: '修路灯（村口）', description: '村口到祠堂' })
      const conflicts = (await t.data.conflicts.list()).filter((c) => c.subjectId === prop.id)
      expect(conflicts).toHaveLength(1)
      expect(conflicts[0]?.fields).toEqual(['status'])
      expect(await t.sync.pendingCount()).toBe(0)
    }
  })

  it('shows a refused check-off as a rejection in plain words, and the rest of the sync goes through', async () => {
    const a = await tablet()
    const b = await tablet()
    const vote = await a.data.votes.create(openVote())
    expect(await a.sync.syncNow(20_000)).toBe(true)
    expect(await b.sync.syncNow(20_000)).toBe(true)
    await b.sync.stop()
    // the vote is closed early on tablet A while tablet B is away and still takes a ballot
    await a.data.votes.update(vote.id, { closedAt: Date.now() - 60_000 })
    expect(await a.sync.syncNow(20_000)).toBe(true)
    const { checkoffId } = await b.data.recordBallot({ vote, voterId: 'person:c', choices: ['project:path'], recordedBy: 'person:clerk' })
    const other = await b.data.proposals.create({ title: '公厕', proposedBy: 'person:c', createdAt: Date.now() })

    // the check-off carries the exact time, so the hub sees it came after the close
    await b.sync.syncNow(20_000)
    await eventually(async () => (await b.data.rejections.list()).some((r) => r.subjectId === checkoffId), 20_000)
    const rejection = (await b.data.rejections.list()).find((r) => r.subjectId === checkoffId)
    expect(rejection?.reason).toMatch(/vote was closed/)
    expect((await b.data.checkoffs.list({ ref: vote.id })).map((x) => x.id)).not.toContain(checkoffId)
    const refused = (await b.data.checkoffs.list({ ref: vote.id, includeRefused: true })).find((x) => x.id === checkoffId)
    expect(refused?.meta.refused?.reason).toMatch(/vote was closed/)
    const { refusalLines } = await import('@/data')
    // the ballot, written from the ballot box once B learnt of the close, is held to the close as well:
    // refused too, so no result counts a ballot cast after the vote was closed
    await eventually(async () => (await b.data.rejections.list()).length === 2, 20_000)
    const lines = refusalLines(await b.data.rejections.list(), b.device.id)
    expect(lines.map((l) => [l.kind, l.count]).sort()).toEqual([['ballot', 1], ['checkoff', 1]])
    // the hub decided why by code, and its notices carry it with what it names (the vote, its close)
    for (const l of lines) expect([l.code, l.params.vote, l.params.kind]).toEqual(['vote.closed', vote.id, l.kind])
    await eventually(async () => (await b.data.ballots.list({ ref: vote.id })).length === 0, 20_000)
    expect((await b.data.ballots.list({ ref: vote.id, includeRefused: true })).map((x) => x.meta.refused?.reason)).toEqual([expect.stringMatching(/vote was closed/)])
    expect(await a.sync.syncNow(20_000)).toBe(true)
    await eventually(async () => (await a.data.proposals.get(other.id)) !== null, 20_000)
  })
})

describe('time', () => {
  it('warns when the tablet clock is off from the hub by more than a few minutes', async () => {
    const wrong = await openSyncedTablet(hub, VILLAGE, { now: () => Date.now() - 3 * 24 * 3600_000 })
    open.push(wrong)
    const right = await tablet()
    expect(await wrong.sync.syncNow(20_000)).toBe(true)
    expect(await right.sync.syncNow(20_000)).toBe(true)
    expect(wrong.sync.clockWrong).toBe(true)
    expect(Math.round((wrong.sync.state.clockSkewMs ?? 0) / 3600_000)).toBe(-72)
    expect(right.sync.clockWrong).toBe(false)
  })
})
