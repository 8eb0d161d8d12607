import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as D from '@/domain'
import { T0, domainError } from './support.ts'

type E = D.AuditEvent

function chain(device: string, n: number, from: D.ChainHead | null = null): E[] {
  const out: E[] = []
  for (let i = 0; i < n; i++) {
    const subjectId = `proposal:p${i}`
    out.push(D.appendAudit(out[i - 1] ?? from, { device, at: T0 + i, actor: 'person:clerk', action: 'insert', subjectId, digest: D.recordDigest({ id: subjectId, i }) }))
  }
  return out
}

/** What someone editing the stored event and recomputing its own hash would store. */
const rehash = (e: E, change: Partial<E>): E => {
  const next = { ...e, ...change }
  return { ...next, id: D.auditId(next.device, next.seq), hash: D.auditHash(next) }
}
const at = (events: E[], seq: number): E => events[seq - 1] as E
const problems = (r: D.ChainReport | undefined) => r?.problems.map((p) => [p.problem, p.from, p.to])

describe('the audit-chain encoding', () => {
  it('stores event n as audit:<device>-<n>, chained from an empty genesis hash', () => {
    const events = chain('tab-1', 3)
    expect(events.map((e) => e.id)).toEqual(['audit:tab-1-1', 'audit:tab-1-2', 'audit:tab-1-3'])
    expect(at(events, 1).prevHash).toBe(D.AUDIT_GENESIS)
    expect(D.AUDIT_GENESIS).toBe('')
    expect(at(events, 2).prevHash).toBe(at(events, 1).hash)
    expect(at(events, 3).hash).toMatch(/^[0-9a-f]{64}$/)
  })

  it('hashes exactly the eight covered fields as sorted-key JSON (checked against node:crypto)', () => {
    const e = D.appendAudit(null, { device: 'tab-1', at: 1, actor: 'person:李', action: 'insert', subjectId: 'proposal:p', digest: 'ab'.repeat(32) })
    const text = `{"action":"insert","actor":"person:李","at":1,"device":"tab-1","digest":"${'ab'.repeat(32)}","prevHash":"","seq":1,"subjectId":"proposal:p"}`
    expect(e.hash).toBe(createHash('sha256').update(text, 'utf8').digest('hex'))
    // bookkeeping a store adds (id, rev, meta) is not covered
    expect(D.auditHash({ ...e, _rev: '1-x', meta: { device: 'x' } } as E)).toBe(e.hash)
    expect(D.recordDigest({ b: 1, a: [{ d: 2, c: undefined }] })).toBe(createHash('sha256').update('{"a":[{"d":2}],"b":1}').digest('hex'))
  })

  it('hashes any event, even a malformed stored one, as the canonical JSON of its covered fields', () => {
    const field = fc.option(fc.oneof(fc.string(), fc.integer(), fc.constant('person:李')), { nil: undefined })
    fc.assert(fc.property(fc.record({ device: field, seq: field, at: field, actor: field, action: field, subjectId: field, digest: field, prevHash: field, extra: field }), (raw) => {
      const { extra: _x, ...covered } = raw
      return D.auditHash(raw as unknown as E) === D.sha256Hex(D.canonicalJson(covered))
    }), { numRuns: 300 })
  })

  it('refuses to continue another device’s chain, and odd device names', () => {
    const [first] = chain('tab-1', 1)
    const input = { device: 'tab-9', at: T0, actor: 'x', action: 'insert', subjectId: 'proposal:p', digest: '' }
    expect(domainError(() => D.appendAudit(first as E, input)).code).toBe('audit.chain')
    expect(domainError(() => D.appendAudit(null, { ...input, device: 'tab 9' })).code).toBe('invalid.format')
  })

  it('checks one pushed event on its own, as the hub does', () => {
    const e = at(chain('dev-1', 2), 2)
    expect(D.auditEventRefusal(e, 'dev-1')).toBeNull()
    expect(D.auditEventRefusal(e, 'dev-2')).toMatch(/of device "dev-1" written by device "dev-2"/)
    expect(D.auditEventRefusal({ ...e, actor: 'person:other' }, 'dev-1')).toMatch(/hash does not match/)
    expect(D.auditEventRefusal({ ...e, id: 'audit:dev-1-7' }, 'dev-1')).toMatch(/does not match its device and number/)
  })
})

describe('verifying chains', () => {
  it('says an intact chain is intact, whatever the order and however often an event was received', () => {
    const events = chain('tab-1', 1204)
    const mixed = [...chain('tab-2', 2), ...events, ...events.slice(0, 50)].reverse()
    const reports = D.verifyAuditChain(mixed)
    expect(reports.map((r) => [r.device, r.ok, r.events, r.verified])).toEqual([['tab-1', true, 1204, 1204], ['tab-2', true, 2, 2]])
    expect(reports[0]?.summary).toBe('device tab-1: 1,204 events, chain intact')
    expect(reports[0]?.head).toEqual({ seq: 1204, hash: at(events, 1204).hash, device: 'tab-1' })
    expect(reports[1]?.summary).toBe('device tab-2: 2 events, chain intact')
  })

  it('finds an altered event, and only that one', () => {
    const events = chain('tab-1', 60)
    events[36] = { ...at(events, 37), actor: 'person:someone-else' }
    const [r] = D.verifyAuditChain(events)
    expect(r).toMatchObject({ ok: false, verified: 36, firstProblem: { seq: 37, problem: 'altered', message: 'device tab-1: event 37 altered: hash does not match' } })
    expect(problems(r)).toEqual([['altered', 37, 37]])
    expect(r?.summary).toBe('device tab-1: 60 events; event 37 altered: hash does not match')
  })

  it('finds an event altered and re-hashed: the next one no longer follows it', () => {
    const events = chain('tab-1', 10)
    events[3] = rehash(at(events, 4), { action: 'update' })
    expect(problems(D.verifyAuditChain(events)[0])).toEqual([['broken-link', 5, 5]])
  })

  it('finds removed events, as one range', () => {
    const events = chain('tab-1', 20).filter((e) => e.seq < 12 || e.seq > 14)
    const [r] = D.verifyAuditChain(events)
    expect(problems(r)).toEqual([['missing', 12, 14]])
    expect(r?.summary).toBe('device tab-1: 17 events; events 12–14 missing')
    expect(problems(D.verifyAuditChain(chain('tab-1', 5).filter((e) => e.seq !== 3))[0])).toEqual([['missing', 3, 3]])
    expect(D.verifyAuditChain(chain('tab-1', 5).filter((e) => e.seq !== 3))[0]?.problems[0]?.message).toBe('event 3 missing')
  })

  it('finds reordered events (swapped, renumbered and re-hashed)', () => {
    const events = chain('tab-1', 10)
    const [five, six] = [at(events, 5), at(events, 6)]
    events[4] = rehash(six, { seq: 5 })
    events[5] = rehash(five, { seq: 6 })
    const [r] = D.verifyAuditChain(events)
    expect(r?.ok).toBe(false)
    expect(r?.firstProblem).toMatchObject({ seq: 5, problem: 'broken-link' })
    expect(r?.problems[0]?.message).toBe('event 5 does not follow event 4: an event was replaced, inserted or reordered')
  })

  it('finds an inserted event: beside the genuine one, or with the later ones renumbered', () => {
    const events = chain('tab-1', 10)
    const forged = rehash(at(events, 8), { subjectId: 'ballot:forged' })
    const [beside] = D.verifyAuditChain([...events, forged])
    expect(problems(beside)).toEqual([['duplicate', 8, 8]])
    expect(beside?.problems[0]?.message).toMatch(/^event 8 appears 2 times with different content/)

    const inserted = rehash(at(events, 8), { subjectId: 'ballot:forged' }) // links to event 7 properly
    const shifted = events.slice(7).map((e) => rehash(e, { seq: e.seq + 1 })) // renumbered, own hashes fixed
    const [r] = D.verifyAuditChain([...events.slice(0, 7), inserted, ...shifted])
    expect(r?.firstProblem).toMatchObject({ seq: 9, problem: 'broken-link' })
  })

  it('finds an event stored under another id', () => {
    const events = chain('tab-1', 3)
    events[1] = { ...at(events, 2), id: 'audit:tab-7-2' }
    expect(problems(D.verifyAuditChain(events)[0])).toEqual([['bad-id', 2, 2]])
  })

  it('names a chain whose first events are gone, unless they were archived or are anchored', () => {
    const events = chain('tab-1', 10)
    const tail = events.slice(3)
    expect(problems(D.verifyAuditChain(tail)[0])).toEqual([['missing', 1, 3]])
    const [archived] = D.verifyAuditChain(tail, { partial: true })
    expect(archived).toMatchObject({ ok: true, startsAt: 4, events: 7 })
    expect(archived?.summary).toBe('device tab-1: events 4–10 here (earlier ones archived), chain intact')
    expect(D.verifyAuditChain(tail, { anchors: { 'tab-1': { seq: 3, hash: at(events, 3).hash } } })[0]?.ok).toBe(true)
    expect(problems(D.verifyAuditChain(tail, { anchors: { 'tab-1': { seq: 3, hash: 'f'.repeat(64) } } })[0])).toEqual([['broken-link', 4, 4]])
    // a chain that goes on after an archived part starts from the archive's head
    const more = chain('tab-1', 3, { seq: 10, hash: at(events, 10).hash })
    expect(more.map((e) => e.seq)).toEqual([11, 12, 13])
    expect(D.verifyAuditChain([...events, ...more])[0]?.ok).toBe(true)
  })

  it('never calls a tampered chain intact (random chains, one random tamper each)', () => {
    const tampers = ['alter', 'rehash', 'remove', 'swap', 'insert'] as const
    fc.assert(fc.property(fc.integer({ min: 3, max: 40 }), fc.nat(), fc.constantFrom(...tampers), (n, pick, how) => {
      const events = chain('tab-1', n)
      const i = pick % (n - 1) // never the last: removing the newest events is not visible in the chain alone
      const e = events[i] as E
      if (how === 'alter') events[i] = { ...e, at: e.at + 1 }
      if (how === 'rehash') events[i] = rehash(e, { subjectId: 'proposal:other' })
      if (how === 'remove') events.splice(i, 1)
      if (how === 'swap') { const f = events[i + 1] as E; events[i] = rehash(f, { seq: e.seq }); events[i + 1] = rehash(e, { seq: f.seq }) }
      if (how === 'insert') events.push(rehash(e, { action: 'update' }))
      const [r] = D.verifyAuditChain(events)
      return r?.ok === false && r.problems.length > 0 && r.summary.includes('; ')
    }), { numRuns: 200 })
  })
})

describe('checking records against their devices’ events', () => {
  type Rec = { id: string; kind: string; v: number; village: string; year: number; author: string; device: string; deviceTime: number; seq: number; ref: string; body: Record<string, unknown>; refused?: unknown }
  const rec = (id: string, device: string, seq: number, body: Record<string, unknown>): Rec =>
    ({ id, kind: id.split(':')[0] as string, v: 1, village: 'qingbo', year: 2026, author: 'person:clerk', device, deviceTime: T0 + seq, seq, ref: '', body })
  /** A device's writes: each record version followed by its event, as the tablet's writer does. */
  function written(device: string, versions: Rec[]): E[] {
    const out: E[] = []
    for (const r of versions) out.push(D.appendAudit(out.at(-1) ?? null, { device, at: r.deviceTime, actor: r.author, action: 'insert', subjectId: r.id, digest: D.recordDigest(r) }))
    return out
  }

  it('says every record is as recorded, including the latest version of an edited one', () => {
    const v1 = rec('proposal:p1', 'tab-1', 1, { title: '修路' })
    const v2 = rec('proposal:p1', 'tab-1', 3, { title: '修村口路' })
    const fund = rec('fund:f', 'tab-1', 2, { amount: 100 })
    const events = written('tab-1', [v1, fund, v2])
    const hubs = { ...rec('village:qingbo', 'hub', 1, {}) }
    const refused = { ...rec('ballot:x', 'tab-1', 9, {}), refused: { reason: 'late', at: T0 } }
    const [r] = D.verifyAuditChain(events, { records: [v2, fund, hubs, refused] })
    expect(r).toMatchObject({ ok: true, records: 2, problems: [] })
    expect(r?.summary).toBe('device tab-1: 3 events, 2 records, chain intact, every record as recorded')
  })

  it('names a record changed behind the app, and one that no event of its device mentions', () => {
    const fund = rec('fund:f', 'tab-1', 1, { amount: 100 })
    const events = written('tab-1', [fund, rec('proposal:p1', 'tab-1', 2, { title: '修路' })])
    const forged = rec('ballot:forged', 'tab-1', 7, { voteId: 'vote:v', choices: [] })
    const ghost = rec('ballot:ghost', 'tab-9', 1, { voteId: 'vote:v', choices: [] })
    const reports = D.verifyAuditChain(events, { records: [{ ...fund, body: { amount: 900 } }, forged, ghost] })
    expect(reports.map((r) => [r.device, r.ok, r.events, r.records])).toEqual([['tab-1', false, 2, 2], ['tab-9', false, 0, 1]])
    expect(reports[0]?.problems).toEqual([
      { problem: 'unaudited', from: 0, to: 0, recordId: 'ballot:forged', message: 'record ballot:forged has no audit event of this device here (not synced yet, or added behind the app)' },
      { problem: 'record-altered', from: 1, to: 1, recordId: 'fund:f', message: 'record fund:f altered: it matches none of the versions this device recorded' },
    ])
    expect(reports[1]?.summary).toBe('device tab-9: 0 events, 1 record; record ballot:ghost has no audit event of this device here (not synced yet, or added behind the app)')
  })
})
