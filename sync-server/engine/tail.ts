import type { ChangeRow, ChangesOptions, ChangesResult, Doc } from './types'

const MAX_ENTRIES = 5000

/** `end`: the last change of its batch (the database's own sequence then, where an answer may stop). */
interface Entry { seq: number; id: string; rev: string; doc: Doc; end: boolean }

/**
 * The latest changes of one local database, kept in memory as they commit, so that long-polls
 * woken by a write are answered without reading LevelDB. Why: PouchDB reads a page of changes
 * as a chain of LevelDB reads (one per change, one after the other) on libuv's thread pool; a
 * push burst fills that pool with its writes' own reads, every step of the chain waits behind
 * them, and no waiting tablet heard of any write until the burst was over.
 *
 * Only what is sure is kept: documents created in a batch written with new edits (their first
 * revision, which is their only leaf), and only when the batch's documents account for every
 * sequence number the database moved by. Anything else (an update, a deletion, a replicated
 * batch) breaks the tail there: older changes are read from LevelDB as before.
 */
export class ChangesTail {
  private entries: Entry[] = []
  /** The tail holds every change after this sequence (and up to `seq`). */
  private from: number
  private seq: number

  constructor(seq: number) { this.from = seq; this.seq = seq }

  /** A committed batch: the documents written, their results, and the database's sequence after it. */
  record(docs: Doc[], results: unknown[], newEdits: boolean, seq: number): void {
    const ok: Entry[] = []
    let sure = newEdits
    docs.forEach((d, i) => {
      const r = results[i] as { ok?: boolean; id?: string; rev?: string } | undefined
      const id = typeof d._id === 'string' ? d._id : r?.id
      if (!r?.ok || typeof id !== 'string' || typeof r.rev !== 'string') return
      if (id.startsWith('_local/')) return
      // PouchDB has already given the document its new revision (and its tree): a first revision is a creation
      if (!r.rev.startsWith('1-') || d._deleted || d._attachments !== undefined) sure = false
      const { _revisions: _v, _rev_tree: _t, ...doc } = d
      ok.push({ seq: 0, id, rev: r.rev, doc: { ...doc, _id: id, _rev: r.rev }, end: false })
    })
    if (!sure || seq - this.seq !== ok.length) {
      this.entries = []
      this.from = seq
      this.seq = seq
      return
    }
    ok.forEach((e, i) => { e.seq = this.seq + i + 1 })
    if (ok.length > 0) ok[ok.length - 1]!.end = true
    this.entries.push(...ok)
    this.seq = seq
    if (this.entries.length > MAX_ENTRIES) {
      const drop = this.entries.length - MAX_ENTRIES
      this.from = this.entries[drop - 1]!.seq
      this.entries = this.entries.slice(drop)
    }
  }

  /**
   * The changes after `since`, when the tail holds them all; a longer list than `limit` is
   * answered here only when a batch ends exactly at the limit (a page's last_seq is then the
   * database's own sequence). A page is never cut short of its limit: RxDB's pull and the
   * township view take a short page for the end. Null when LevelDB must be read.
   */
  read(p: ChangesOptions): ChangesResult | null {
    const since = typeof p.since === 'number' ? p.since : Number.NaN
    if (!Number.isInteger(since) || since < this.from || since > this.seq || p.conflicts) return null
    const first = this.entries.findIndex((e) => e.seq > since)
    if (first < 0) return { results: [], last_seq: this.seq, pending: 0 }
    let stop = this.entries.length - 1
    if (p.limit !== undefined && stop - first + 1 > p.limit) {
      const full = first + p.limit - 1
      if (!this.entries[full]!.end) return null
      stop = full
    }
    const ids = p.doc_ids ? new Set(p.doc_ids) : null
    // filtered, the limit counts what passes: a page cut at `limit` changes could come out short
    if (ids && stop < this.entries.length - 1) return null
    // the latest change of each id, in sequence order
    const latest = new Map<string, Entry>()
    for (let i = stop; i >= first; i--) {
      const e = this.entries[i]!
      if (!latest.has(e.id) && (!ids || ids.has(e.id))) latest.set(e.id, e)
    }
    const rows = [...latest.values()].sort((a, b) => a.seq - b.seq)
    const results: ChangeRow[] = rows.map((e) => ({ id: e.id, seq: e.seq, changes: [{ rev: e.rev }], ...(p.include_docs ? { doc: e.doc } : {}) }))
    const last = this.entries[stop]!.seq
    return { results, last_seq: last, pending: this.seq - last }
  }
}
