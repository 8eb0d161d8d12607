import { describe, expect, it } from 'vitest'
import { ChangesTail } from '../../sync-server/engine/tail'

const created = (ids: string[]) => ({
  docs: ids.map((id) => ({ _id: id, kind: 'comment', _rev: `1-${id}`, _rev_tree: [] })),
  results: ids.map((id) => ({ ok: true, id, rev: `1-${id}` })),
})

describe('the local engine’s memory of its latest changes', () => {
  it('answers the changes after a sequence it holds, with the database’s own last sequence', () => {
    const tail = new ChangesTail(10)
    const a = created(['a', 'b'])
    tail.record(a.docs, a.results, true, 12)
    const b = created(['c'])
    tail.record(b.docs, b.results, true, 13)
    const r = tail.read({ since: 11, include_docs: true })!
    expect(r.results.map((x) => [x.id, x.seq])).toEqual([['b', 12], ['c', 13]])
    expect(r.last_seq).toBe(13)
    expect(r.results[0]!.doc).toEqual({ _id: 'b', kind: 'comment', _rev: '1-b' })
    expect(tail.read({ since: 13 })).toEqual({ results: [], last_seq: 13, pending: 0 })
  })

  it('stops a long answer only where a batch ended at its limit, and leaves a page it would cut short to storage', () => {
    const tail = new ChangesTail(0)
    for (const [ids, seq] of [[['a', 'b'], 2], [['c', 'd'], 4], [['e', 'f', 'g'], 7]] as const) {
      const x = created([...ids])
      tail.record(x.docs, x.results, true, seq)
    }
    const r = tail.read({ since: 0, limit: 4 })!
    expect(r.results.map((x) => x.id)).toEqual(['a', 'b', 'c', 'd'])
    expect([r.last_seq, r.pending]).toEqual([4, 3])
    // a batch ends at 4, not at 5: a page of 4 would look like the end to RxDB's pull
    expect(tail.read({ since: 0, limit: 5 })).toBeNull()
    expect(tail.read({ since: 4, limit: 2 })).toBeNull()
  })

  it('forgets what it cannot vouch for: updates, deletions, replicated batches, sequences it did not see', () => {
    const tail = new ChangesTail(0)
    const x = created(['a'])
    tail.record(x.docs, x.results, true, 1)
    tail.record([{ _id: 'a', _rev: '2-a' }], [{ ok: true, id: 'a', rev: '2-a' }], true, 2) // an update: other leaves may exist
    expect(tail.read({ since: 0 })).toBeNull()
    expect(tail.read({ since: 2 })).toEqual({ results: [], last_seq: 2, pending: 0 })
    const y = created(['b'])
    tail.record(y.docs, y.results, false, 3) // new_edits=false
    expect(tail.read({ since: 2 })).toBeNull()
    const z = created(['c'])
    tail.record(z.docs, z.results, true, 5) // the database moved by 2 for one document
    expect(tail.read({ since: 3 })).toBeNull()
    expect(tail.read({ since: 5 })).not.toBeNull()
  })
})
