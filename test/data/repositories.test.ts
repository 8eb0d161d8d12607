import { afterEach, describe, expect, it } from 'vitest'
import { canonicalJson, sha256Hex } from '@/data/hash'
import { DataError } from '@/data'
import { openTablet, openVote, until, type Tablet } from './helpers'

let tablets: Tablet[] = []
afterEach(async () => { await Promise.all(tablets.map((t) => t.remove())); tablets = [] })

describe('repositories', () => {
  it('creates, lists reactively and updates a proposal, stamping every write', async () => {
    const t = await openTablet('tab-1'); tablets.push(t)
    const seen = t.data.proposals.list$()
    const created = await t.data.proposals.create({ title: '修路灯', proposedBy: 'person:a', createdAt: Date.now() })
    expect(created.id).toMatch(/^proposal:/)
    expect(created.meta).toMatchObject({ author: 'person:clerk', device: 'tab-1', seq: 1 })
    const list = await until(seen, (l) => l.length === 1)
    expect(list[0]?.title).toBe('修路灯')
    const updated = await t.data.proposals.update(created.id, { status: 'shortlisted' })
    expect(updated.status).toBe('shortlisted')
    expect(updated.meta.seq).toBeGreaterThan(created.meta.seq)
    await expect(t.data.proposals.create({ title: '', proposedBy: 'person:a', createdAt: Date.now() })).rejects.toThrow(/title/)
  })

  it('appends a hash-chained audit event for every write', async () => {
    const t = await openTablet('tab-1'); tablets.push(t)
    const p = await t.data.proposals.create({ title: 'A', proposedBy: 'person:a', createdAt: Date.now() })
    await t.data.proposals.update(p.id, { title: 'B' })
    const audit = await t.data.audit.list({ oldestFirst: true })
    expect(audit.map((a) => [a.action, a.subjectId, a.seq])).toEqual([['insert', p.id, 1], ['update', p.id, 2]])
    expect(audit[1]?.prevHash).toBe(audit[0]?.hash)
    for (const a of audit) {
      const { hash, id: _id, villageId: _v, meta: _m, ...event } = a as unknown as Record<string, unknown>
      expect(sha256Hex(canonicalJson(event))).toBe(hash)
    }
  })

  it('records a ballot with its one-per-voter check-off, and refuses a second on the same tablet', async () => {
    const t = await openTablet('tab-1'); tablets.push(t)
    const vote = await t.data.votes.create(openVote())
    const r = await t.data.recordBallot({ vote, voterId: 'person:a', choices: ['project:lights'], recordedBy: 'person:clerk' })
    expect(r.checkoffId).toBe(`checkoff:${vote.id.slice(5)}:a`)
    expect(await t.data.ballots.count({ ref: vote.id })).toBe(0)
    expect(await t.data.ballotBox.flush(vote.id)).toBe(1)
    const ballots = await t.data.ballots.list({ ref: vote.id })
    expect(ballots).toHaveLength(1)
    expect(ballots[0]).not.toHaveProperty('voterId')
    await expect(t.data.recordBallot({ vote, voterId: 'person:a', choices: ['project:path'], recordedBy: 'person:clerk' }))
      .rejects.toBeInstanceOf(DataError)
    await expect(t.data.recordBallot({ vote, voterId: 'person:zed', choices: [], recordedBy: 'person:clerk' })).rejects.toThrow()
    expect(await t.data.ballotBox.flush()).toBe(0)
    expect(await t.data.ballots.count({ ref: vote.id })).toBe(1)
  })

  it('keeps seq and the audit chain going after the tablet restarts', async () => {
    const name = `restart${Date.now()}`
    const t1 = await openTablet('tab-9', { name })
    await t1.data.proposals.create({ title: 'A', proposedBy: 'person:a', createdAt: Date.now() })
    await t1.vdb.close()
    const t2 = await openTablet('tab-9', { name }); tablets.push(t2)
    const p = await t2.data.proposals.create({ title: 'B', proposedBy: 'person:a', createdAt: Date.now() })
    expect(p.meta.seq).toBe(3)
    const audit = await t2.data.audit.list({ oldestFirst: true })
    expect(audit.map((a) => a.seq)).toEqual([1, 2])
    expect(audit[1]?.prevHash).toBe(audit[0]?.hash)
  })
})
