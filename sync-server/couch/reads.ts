import type { AllDocsOptions, AllDocsResult, Db } from '../engine'
import { LIMITS } from '../limits'
import { tooLarge } from './errors'
import { rowsByKeys } from './keys'

/**
 * Reads whose answer is bounded (LIMITS.responseBytes of records): the records are read a slice at
 * a time and their size counted as the answer grows, so a request naming one large record a
 * thousand times, or a thousand large records, is refused (413) before the hub has built it — not
 * after it ran out of memory. (`_changes` is not cut by size: RxDB's pull, and the township view,
 * stop at a page shorter than they asked for, so a cut page would leave records behind. Its pages
 * are bounded in count, LIMITS.changesPerPage; their memory is bounded by streaming them.)
 */

/** What a record adds to an answer (its JSON). */
const size = (doc: unknown) => (doc === undefined || doc === null ? 0 : JSON.stringify(doc).length)
/** Records read at once: a few at first, more once the largest seen shows there is room. */
const FIRST_SLICE = 10
const MAX_SLICE = 100
const nextSlice = (bytes: number, largest: number, left: number) =>
  Math.max(1, Math.min(MAX_SLICE, left, Math.floor((LIMITS.responseBytes - bytes) / Math.max(largest, 1))))

export const tooManyKeys = (what: string) => tooLarge(`at most ${LIMITS.keysPerRead} ${what} per request; ask in smaller batches`)
export const tooBig = () => tooLarge(`the answer would hold more than ${LIMITS.responseBytes / 1024 / 1024} MB of records; ask for fewer`)

type Rows = AllDocsResult

/** `_all_docs` with `keys`: every key answered (duplicates too), each record read once. */
export async function keysWithin(db: Db, keys: unknown[], opts: { include_docs?: boolean; conflicts?: boolean }, known?: Set<string>): Promise<Rows> {
  if (keys.length > LIMITS.keysPerRead) throw tooManyKeys('keys')
  const times = new Map<unknown, number>()
  for (const k of keys) times.set(k, (times.get(k) ?? 0) + 1)
  const unique = [...times.keys()]
  if (!opts.include_docs) {
    const all = await rowsByKeys(db, unique, opts, known)
    const byKey = new Map(unique.map((k, i) => [k, all.rows[i]!]))
    return { ...all, rows: keys.map((k) => byKey.get(k)!) }
  }
  const rows = new Map<unknown, Rows['rows'][number]>()
  let bytes = 0
  let largest = 1
  let total = 0
  for (let i = 0, slice = FIRST_SLICE; i < unique.length || i === 0; i += slice, slice = nextSlice(bytes, largest, unique.length - i)) {
    const part = await rowsByKeys(db, unique.slice(i, i + slice), opts, known)
    total = part.total_rows
    part.rows.forEach((r, j) => {
      rows.set(unique[i + j], r)
      const n = size(r.doc)
      largest = Math.max(largest, n)
      bytes += n * (times.get(unique[i + j]) ?? 1)
    })
    if (bytes > LIMITS.responseBytes) throw tooBig()
  }
  return { total_rows: total, offset: 0, rows: keys.map((k) => rows.get(k)!) }
}

/** `_all_docs` over a range: with documents, read a page at a time and refused past the answer's size. */
export async function rangeWithin(db: Db, opts: AllDocsOptions): Promise<unknown> {
  if (!opts.include_docs || 'key' in opts) return db.allDocs(opts)
  const want = opts.limit ?? Number.POSITIVE_INFINITY
  const { skip: _skip, ...rest } = opts
  let asked = Math.min(FIRST_SLICE, want)
  let page = await db.allDocs({ ...opts, limit: asked })
  const first = page
  const rows: typeof page.rows = []
  let bytes = 0
  let largest = 1
  for (let pages = 0; pages < 100_000; pages++) {
    rows.push(...page.rows)
    for (const r of page.rows) { const n = size(r.doc); bytes += n; largest = Math.max(largest, n) }
    if (bytes > LIMITS.responseBytes) throw tooBig()
    if (page.rows.length < asked || rows.length >= want) break
    asked = nextSlice(bytes, largest, want - rows.length)
    page = await db.allDocs({ ...rest, startkey: page.rows.at(-1)!.key, skip: 1, limit: asked })
  }
  return { ...first, rows }
}

/** `_bulk_get`, a slice at a time, refused past the answer's size. */
export async function bulkGetWithin(db: Db, docs: { id: string; rev?: string }[], opts: { revs?: boolean; attachments?: boolean; latest?: boolean }): Promise<{ results: unknown[] }> {
  if (docs.length > LIMITS.keysPerRead) throw tooManyKeys('documents')
  const results: unknown[] = []
  let bytes = 0
  let largest = 1
  for (let i = 0, slice = FIRST_SLICE; i < docs.length; i += slice, slice = nextSlice(bytes, largest, docs.length - i)) {
    const part = await db.bulkGet(docs.slice(i, i + slice), opts) as { results: unknown[] }
    for (const r of part.results) { const n = size(r); bytes += n; largest = Math.max(largest, n) }
    if (bytes > LIMITS.responseBytes) throw tooBig()
    results.push(...part.results)
  }
  return { results }
}
