import { describe, expect, it } from 'vitest'
import { envelopeOf, withoutStorage, type YishiDoc } from '@/shared/schemas'

const doc: YishiDoc = {
  id: 'ledger:a1', kind: 'ledger', v: 1, village: 'qingbo', year: 2026, author: 'person:qingbo-7', device: 'dev-a',
  deviceTime: 1_780_000_000_000, seq: 4, ref: 'fund:qingbo-2026', body: { fundId: 'fund:qingbo-2026', amount: 1200 },
}

describe('a stored document back to its envelope', () => {
  it('takes CouchDB\'s form (`_id`, `_rev`) and RxDB\'s (`id`, `_meta`), keeping every envelope field and nothing of storage', () => {
    const { id, ...rest } = doc
    expect(envelopeOf({ ...rest, _id: id, _rev: '3-abc', _conflicts: ['2-x'] })).toEqual(doc)
    expect(envelopeOf({ ...doc, _rev: '1-a', _meta: { lwt: 1 }, _attachments: {}, _deleted: false })).toEqual(doc)
    const refused = { ...doc, sig: 'x'.repeat(86), refused: { reason: 'signature', at: 5, sig: 'y'.repeat(86) } }
    expect(envelopeOf(refused)).toEqual(refused)
    expect(withoutStorage({ ...refused, _rev: '1-a', _meta: {}, _deleted: false })).toEqual(refused)
  })

  it('is null for a document whose envelope fields are missing or of another type (a design document, a hub key, a tampered record)', () => {
    expect(envelopeOf({ _id: '_design/x', views: {} })).toBeNull()
    expect(envelopeOf({ _id: 'secret:hub-signing', chain: [] })).toBeNull()
    expect(envelopeOf({ ...doc, seq: '4' })).toBeNull()
    expect(envelopeOf({ ...doc, kind: 'payment' })).toBeNull()
    expect(envelopeOf({ ...doc, body: [1200] })).toBeNull()
    expect(envelopeOf({ ...doc, refused: { reason: 'x' } })).toBeNull()
    expect(envelopeOf(null)).toBeNull()
  })
})
