import { describe, expect, it } from 'vitest'
import { IMMUTABLE_KINDS, checkoffId, validateDocument, type YishiDoc } from '@/shared/schemas'

function doc(over: Partial<YishiDoc> = {}): YishiDoc {
  return {
    id: 'proposal:p1', kind: 'proposal', v: 1, village: 'qingbo', year: 2026, author: 'person:ann', device: 'tab-1',
    deviceTime: 1_780_000_000_000, seq: 1, ref: '', body: { title: '路灯', status: 'open' }, ...over,
  }
}

describe('validateDocument', () => {
  it('accepts a valid document, in RxDB form and in CouchDB form', () => {
    expect(validateDocument(doc())).toEqual({ ok: true })
    const { id, ...rest } = doc()
    expect(validateDocument({ ...rest, _id: id, _rev: '1-abc' })).toEqual({ ok: true })
  })

  it('explains what is wrong in plain words', () => {
    expect(validateDocument(doc({ body: { status: 'open' } }))).toEqual({ ok: false, code: 'form.missing', params: { kind: 'proposal', field: 'title' }, reason: 'proposal: title is missing' })
    expect(validateDocument(doc({ body: { title: 'x', status: 'open', estimatedCost: -5 } }))).toEqual({ ok: false, code: 'form.invalid', params: { kind: 'proposal', field: 'estimatedCost' }, reason: 'proposal: estimatedCost is below 0' })
    expect(validateDocument(doc({ body: { title: 'x'.repeat(201), status: 'open' } }))).toEqual({ ok: false, code: 'form.too-long', params: { kind: 'proposal', field: 'title', max: 200 }, reason: 'proposal: title is longer than 200 characters' })
    expect(validateDocument(doc({ year: undefined as unknown as number }))).toEqual({ ok: false, code: 'form.missing', params: { kind: 'proposal', field: 'year' }, reason: 'proposal: year is missing' })
    expect(validateDocument(doc({ kind: 'spell' as never }))).toMatchObject({ ok: false, reason: 'unknown kind of record "spell"' })
    expect(validateDocument(doc({ v: 7 }))).toMatchObject({ ok: false, reason: expect.stringContaining('newer version of the app') })
    expect(validateDocument({ ...doc(), _deleted: true })).toMatchObject({ ok: false, reason: 'records are never deleted' })
  })

  it('requires the deterministic check-off id, so a second check-off of one voter collides', () => {
    const good = doc({ id: checkoffId('vote:v1', 'person:bo'), kind: 'checkoff', ref: 'vote:v1', body: { voteId: 'vote:v1', voterId: 'person:bo', at: 1, recordedBy: 'person:ann' } })
    expect(good.id).toBe('checkoff:v1:bo')
    expect(validateDocument(good)).toEqual({ ok: true })
    expect(validateDocument({ ...good, id: 'checkoff:random' })).toMatchObject({ ok: false, reason: expect.stringContaining('checkoff:v1:bo') })
    expect(validateDocument({ ...good, ref: 'meeting:m1' })).toMatchObject({ ok: false, reason: expect.stringContaining('must belong to a vote') })
    expect(validateDocument({ ...good, ref: 'vote:v2' })).toMatchObject({ ok: false, reason: expect.stringContaining('must name the same record') })
  })

  it('lists ballots and check-offs among the insert-only kinds', () => {
    expect(IMMUTABLE_KINDS).toEqual(expect.arrayContaining(['ballot', 'checkoff', 'audit', 'ledger', 'conflict', 'rejection']))
  })
})

describe('validateDocument on hostile input', () => {
  it('refuses deeply nested bodies without recursing into them', () => {
    let deep: unknown = 'x'
    for (let i = 0; i < 100_000; i++) deep = [deep]
    const d = { id: 'proposal:deep', kind: 'proposal', v: 1, village: 'qingbo', year: 2026, author: 'a', device: 'd', deviceTime: 1, seq: 1, ref: '', body: { title: 't', status: 'open', x: deep } }
    expect(validateDocument(d)).toEqual({ ok: false, code: 'form.too-deep', params: { kind: 'proposal' }, reason: 'proposal: nested more than 12 levels deep' })
  })
})
