import type { CouchHttp } from './http'
import type { ChangeRow, ChangesOptions, ChangesResult, FeedMark } from './types'

/** The latest rows kept per database: enough for the waves of a burst, bounded in memory and age. */
const MAX_ROWS = 1000
const MAX_BYTES = 256 * 1024
const MAX_AGE_MS = 60_000
const MAX_READS = 256

let generations = 0

/**
 * One continuous `_changes` feed of a CouchDB database (`include_docs`, all leaf revisions), shared
 * by everything of this hub that follows the database, and the rows it delivered lately. Why: a
 * long-poll woken by a change read `_changes` from CouchDB again, and during a push burst CouchDB
 * answered those reads behind the burst's writes (p50 0.85 s, p95 2 s under load): the feed has
 * already brought those rows, documents included, so woken polls are answered from them.
 *
 * The feed starts from the database's sequence at the time and reconnects from the last sequence
 * it saw, so it delivers every change committed after it started, in CouchDB's order: a poll
 * that waits from a mark taken before its own read of CouchDB, or from a sequence the feed
 * delivered, misses nothing by taking the rows after that mark (a row it already had may come
 * again, as CouchDB's own feeds may repeat rows).
 */
export class CouchFeed {
  readonly listeners = new Set<(id: string | null) => void>()
  readonly gen = ++generations
  private rows: { row: ChangeRow; size: number; at: number }[] = []
  /** index of rows[0] among every row this feed delivered */
  private base = 0
  private bytes = 0
  /** sequence → the index of the row after it (the feed's start, then each row's) */
  private readonly after = new Map<string, number>()
  /** ends of reads of CouchDB that left nothing pending → where the feed stood when they started */
  private readonly reads = new Map<string, FeedMark>()
  /** the sequence before rows[0] */
  private baseSeq: string | null = null
  /** the sequence of the last row delivered (null until the feed knows where it starts) */
  private seq: string | null = null
  /**
   * Whether each shard of the database has one copy (CouchDB's `cluster.n` is 1: a single node).
   * With more, a read of CouchDB and this feed may each see a different copy of a shard, one
   * without a write the other has: a read's end is then never tied to a place in this feed.
   */
  private oneCopy = false
  private stopped = false
  private ac: AbortController | null = null
  private timer: NodeJS.Timeout | undefined
  private readonly trimmer = setInterval(() => this.trim(), MAX_AGE_MS / 2).unref()

  constructor(private readonly http: CouchHttp, private readonly path: string) { void this.connect(0) }

  /** Where the feed stands now (null until it knows its starting sequence). */
  mark(): FeedMark | null {
    return this.seq === null ? null : { gen: this.gen, index: this.base + this.rows.length, seq: this.seq }
  }

  /**
   * Where the feed stands before a read of CouchDB, for the reader to wait from if the read finds
   * nothing (whatever the read misses was committed after it started, so the feed brings it after
   * this mark): only when each shard has one copy (`oneCopy`).
   */
  markBeforeRead(): FeedMark | null {
    return this.oneCopy ? this.mark() : null
  }

  /** The place right after `seq`: this feed's start, a row it still holds, or the end of a read noted by `noteRead`. */
  markAfter(seq: string): FeedMark | null {
    const index = this.after.get(seq) ?? this.reads.get(seq)?.index
    return index === undefined ? null : { gen: this.gen, index, seq }
  }

  /**
   * A read of CouchDB that started when the feed stood at `mark` ended at `seq` with nothing
   * pending: whatever it did not see was committed after it started, so the feed brings it after
   * `mark` (with, again, rows the read already gave). A tablet answered by such a read goes on
   * from the feed instead of reading CouchDB at each wake.
   */
  noteRead(seq: string, mark: FeedMark): void {
    if (mark.gen !== this.gen) return
    this.reads.set(seq, mark)
    if (this.reads.size > MAX_READS) this.reads.delete(this.reads.keys().next().value!)
  }

  /**
   * The rows after `mark`, shaped as `p` asks (the latest row of each id, at most `limit` ids,
   * `doc_ids` filtered), with the mark after the last row looked at; null when the feed no longer
   * holds them or cannot answer `p` (conflicts are read from CouchDB).
   */
  read(mark: FeedMark, p: ChangesOptions): { result: ChangesResult; next: FeedMark } | null {
    if (mark.gen !== this.gen || mark.index < this.base || p.conflicts) return null
    const ids = p.doc_ids ? new Set(p.doc_ids) : null
    const limit = p.limit ?? Infinity
    const out = new Map<string, ChangeRow>()
    let seq = mark.seq
    let i = mark.index - this.base
    for (; i < this.rows.length; i++) {
      const row = this.rows[i]!.row
      if (!ids || ids.has(row.id)) {
        if (!out.has(row.id) && out.size >= limit) break
        const shaped = shape(row, p)
        if (!shaped) return null
        out.delete(row.id) // the later row, in its place
        out.set(row.id, shaped)
      }
      seq = String(row.seq)
    }
    return { result: { results: [...out.values()], last_seq: seq, pending: this.rows.length - i }, next: { gen: this.gen, index: this.base + i, seq } }
  }

  stop(): void {
    this.stopped = true
    clearInterval(this.trimmer)
    clearTimeout(this.timer)
    this.ac?.abort()
  }

  private emit(id: string | null): void {
    for (const l of [...this.listeners]) l(id)
  }

  private keep(row: ChangeRow, size: number): void {
    this.rows.push({ row, size, at: Date.now() })
    this.bytes += size
    this.seq = String(row.seq)
    this.after.set(this.seq, this.base + this.rows.length)
    this.trim()
  }

  /** Forgets the oldest rows past the bounds (a poll from before them reads CouchDB). */
  private trim(): void {
    const old = Date.now() - MAX_AGE_MS
    while (this.rows.length > MAX_ROWS || (this.rows.length > 0 && (this.bytes > MAX_BYTES || this.rows[0]!.at < old))) {
      const dropped = this.rows.shift()!
      this.bytes -= dropped.size
      if (this.baseSeq !== null && this.after.get(this.baseSeq) === this.base) this.after.delete(this.baseSeq)
      this.baseSeq = String(dropped.row.seq)
      this.base++
    }
  }

  /** Follows the feed from where it is; with null to listeners on each (re)connection (a change may have landed meanwhile). */
  private async connect(failures: number): Promise<void> {
    if (this.stopped) return
    const ac = new AbortController()
    this.ac = ac
    try {
      if (this.seq === null) {
        const info = await this.http.json<{ update_seq: unknown; cluster?: { n?: unknown } }>('GET', this.path)
        if (this.stopped) return
        this.oneCopy = info.cluster?.n === 1
        this.seq = this.baseSeq = String(info.update_seq)
        this.after.set(this.seq, 0)
      }
      const res = await this.http.request('GET', `${this.path}/_changes?feed=continuous&heartbeat=10000&include_docs=true&style=all_docs&since=${encodeURIComponent(this.seq)}`, null, ac.signal)
      if (res.statusCode !== 200) { res.resume(); throw new Error(`status ${res.statusCode}`) }
      this.emit(null)
      res.setEncoding('utf8')
      let buffer = ''
      for await (const chunk of res as AsyncIterable<string>) {
        failures = 0
        buffer += chunk
        let nl: number
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl).trim()
          buffer = buffer.slice(nl + 1)
          if (!line) continue
          const row = JSON.parse(line) as Partial<ChangeRow> & { last_seq?: unknown }
          if (typeof row.id === 'string' && row.seq !== undefined && row.seq !== null && Array.isArray(row.changes)) {
            this.keep(row as ChangeRow, line.length)
            this.emit(row.id)
          }
        }
      }
    } catch { failures++ }
    if (!this.stopped) this.timer = setTimeout(() => void this.connect(failures), Math.min(10_000, 500 * 2 ** Math.min(failures, 5)))
  }
}

/** A row as a poll asked for it: without the document unless `include_docs`, only the winning revision unless `style=all_docs`. */
function shape(row: ChangeRow, p: ChangesOptions): ChangeRow | null {
  const { doc, ...rest } = row
  let changes = row.changes
  if (p.style !== 'all_docs' && changes.length > 1) {
    if (typeof doc?._rev !== 'string') return null
    changes = [{ rev: doc._rev }]
  }
  return { ...rest, changes, ...(p.include_docs && doc ? { doc } : {}) }
}
