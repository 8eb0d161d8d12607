import { describe, expect, it } from 'vitest'
import * as D from '@/domain'
import { T0, domainError } from './support.ts'

function chain(device: string, n: number): D.AuditEvent[] {
  const out: D.AuditEvent[] = []
  for (let i = 0; i < n; i++) out.push(D.appendAudit(out[i - 1] ?? null, { device, at: T0 + i, actor: 'person:clerk', action: 'ballot.cast', subjectId: `vote:v${i}` }))
  return out
}

describe('audit chain', () => {
  it('links every event to the one before', () => {
    const events = chain('tab-1', 3)
    expect(events.map((e) => e.id)).toEqual(['audit:tab-1:1', 'audit:tab-1:2', 'audit:tab-1:3'])
    expect(events[0]?.prevHash).toBe(D.GENESIS_HASH)
    expect(events[1]?.prevHash).toBe(events[0]?.hash)
    expect(events[0]?.hash).toMatch(/^[0-9a-f]{64}$/)
    expect(D.verifyAuditChain([...chain('tab-2', 2), ...events].reverse())).toEqual([
      { device: 'tab-1', ok: true, verified: 3 }, { device: 'tab-2', ok: true, verified: 2 },
    ])
  })

  it('reports a changed event', () => {
    const events = chain('tab-1', 4)
    events[1] = { ...(events[1] as D.AuditEvent), action: 'ballot.deleted' }
    const [report] = D.verifyAuditChain(events)
    expect(report).toMatchObject({ ok: false, verified: 1, firstProblem: { seq: 2, problem: 'altered' } })
  })

  it('reports a removed event as missing', () => {
    const events = chain('tab-1', 5)
    const [report] = D.verifyAuditChain(events.filter((e) => e.seq !== 3))
    expect(report?.firstProblem).toEqual({ seq: 3, problem: 'missing', message: 'device tab-1, event 3: missing (next present is 4)' })
  })

  it('reports an event rewritten with a fresh hash as a broken link', () => {
    const events = chain('tab-1', 3)
    const forged = D.appendAudit(null, { device: 'tab-1', at: T0, actor: 'person:x', action: 'rewrite', subjectId: '' })
    const [report] = D.verifyAuditChain([events[0] as D.AuditEvent, { ...forged, seq: 2, id: 'audit:tab-1:2', hash: D.auditHash({ ...forged, seq: 2, id: 'audit:tab-1:2' }) }, events[2] as D.AuditEvent])
    expect(report?.firstProblem?.problem).toBe('broken-link')
    expect(report?.firstProblem?.seq).toBe(2)
  })

  it('ignores an event received twice, but not two different events with one number', () => {
    const events = chain('tab-1', 2)
    expect(D.verifyAuditChain([...events, events[1] as D.AuditEvent])[0]?.ok).toBe(true)
    const other = { ...(events[1] as D.AuditEvent), action: 'other' }
    expect(D.verifyAuditChain([...events, { ...other, hash: D.auditHash(other) }])[0]?.firstProblem?.problem).toBe('duplicate')
    expect(domainError(() => D.appendAudit(events[1] as D.AuditEvent, { device: 'tab-9', at: T0, actor: 'x', action: 'a', subjectId: '' })).code).toBe('audit.chain')
  })
})
